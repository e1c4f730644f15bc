// Runs a differential program (program.hpp) in paragrad and compares its value, first-order
// gradients and Hessian-vector products with the expected ones (PyTorch's, or float64 finite
// differences for programs marked `check fd`).
//
// The op table (interpreter.cpp, `op_table()`) maps each op name of the format to a paragrad
// call; adding an op is one entry there plus one in scripts/oracle/differential_oracle.py.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <paragrad/engine/tensor.hpp>

#include "differential/program.hpp"

namespace paragrad::differential {

using Attrs = std::map<std::string, std::string>;

struct OpSpec {
  size_t arity;   // operands (the least number, for ops with index lists)
  bool in_place;  // writes operand 0 and returns it (execute checks it is the same tensor)
  std::function<Tensor(const std::vector<Tensor>&, const Attrs&)> fn;
  size_t max_arity = 0;  // index lists: up to this many operands; 0: exactly `arity`
};

const std::map<std::string, OpSpec>& op_table();

// Builds the program's inputs (grad inputs require grad) and runs its ops; returns the output.
// `as_dtype`, when given, replaces every floating input's dtype (float64 finite differences of a
// float32 program). `grad_inputs` receives the inputs that require grad, in program order
// (not those marked grad_unasked).
// Unknown ops, wrong arities and bad attributes raise ValueError; ops raise as paragrad does.
// An op with the attribute nograd=1 runs under NoGradGuard.
Tensor execute(const Program& p, std::vector<Tensor>* grad_inputs = nullptr,
               const std::vector<Tensor>* replace_grad_inputs = nullptr,
               const Dtype* as_dtype = nullptr);

// Empty when paragrad agrees with the expected results; else what differs, element by element
// (first few), with the program's seed and text.
std::string check_program(const Program& p);

}  // namespace paragrad::differential
