// The text format of a differential program (tests/differential/golden/*.txt, written by
// scripts/oracle/differential_oracle.py) and its parser. One program:
//
//   program <id> seed <seed> [check fd]
//   input <f64|f32|i64|b8> [<d0>,...] <grad|nograd|grad_unasked> : <values>   (defines a value)
//   op <name> <operand value ids...> [key=value ...]                          (defines the next
//   value) value [<shape>] : <values>        PyTorch's value of the last value (the output)
//   cotangent : <values>              L = sum(output * cotangent)
//   grad <input value id> : <values>  dL/dinput           (one grad/tangent/hvp triple per grad
//   input) tangent <input value id> : <values> hvp <input value id> : <values>   d/dinput of sum_i
//   <grad_i, tangent_i> (double backward) end
//
// Where PyTorch raises, the program says so instead of (part of) its results:
//   raises forward <kind>     in place of the value: the last op raises
//   raises backward <kind>    after value and cotangent, in place of the grads: backward raises
// <kind> names the error (version, leaf, leafview, nogradview, overlap, index); the interpreter
// maps it to the paragrad::Error subclass and message expected (interpreter.cpp).
// Dtypes: f64, f32, i64 and b8 (Bool, values 0/1); only f64/f32 inputs may require grad.
// An op attribute nograd=1 runs that op under NoGradGuard (torch.no_grad()).
//
// Value ids count inputs and ops together, in order of appearance. `check fd`: PyTorch's
// derivatives are not trusted here; grads and HVPs are checked against finite differences.
// Lines starting with '#' and blank lines between programs are ignored. A malformed text raises
// paragrad::ValueError naming the line; the parser bounds every size (no huge allocations).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <paragrad/engine/dtype.hpp>

namespace paragrad::differential {

struct InputDecl {
  Dtype dtype = kFloat64;
  std::vector<int64_t> shape;
  bool requires_grad = false;
  // `grad_unasked`: requires grad, but autograd::grad is not asked for its gradient (so only
  // the part of the graph that leads to the other inputs may run; no grad lines for it)
  bool asked = true;
  std::vector<double> values;
};

struct OpDecl {
  std::string name;
  std::vector<int64_t> operands;  // value ids, each smaller than this op's own id
  std::map<std::string, std::string> attrs;
};

// One line of the program body: an input or an op (exactly one of the two is set).
struct Step {
  bool is_input = false;
  InputDecl input;
  OpDecl op;
};

struct Expected {
  int64_t input_id = -1;  // value id of the input
  std::vector<double> grad, tangent, hvp;
  bool has_tangent = false, has_hvp = false;
};

struct Program {
  int64_t id = 0;
  uint64_t seed = 0;
  bool check_fd = false;
  std::vector<Step> steps;
  Dtype value_dtype = kFloat64;
  std::vector<int64_t> value_shape;
  std::vector<double> value;
  bool has_cotangent = false;  // false when the output does not require grad
  // "forward" / "backward" when PyTorch raises there (then value / grads are absent), else "".
  std::string raises_phase;
  std::string raises_kind;
  std::vector<double> cotangent;
  std::vector<Expected> expected;
  std::string text;  // the program's own text, for failure reports
};

// Limits on what a program may declare (a parsed program never allocates beyond these).
inline constexpr int64_t kMaxNumel = 1 << 16;
inline constexpr int64_t kMaxDims = 8;
inline constexpr size_t kMaxSteps = 4096;

// Parses every program in `text` (a golden file). Throws ValueError on malformed text.
std::vector<Program> parse_programs(std::string_view text);

// The dtype's spelling in the format ("f64", "f32", "i64", "b8").
Dtype parse_dtype(std::string_view token);

}  // namespace paragrad::differential
