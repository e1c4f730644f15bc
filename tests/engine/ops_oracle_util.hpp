#pragma once
// Replays the PyTorch oracle cases of scripts/oracle/ops_oracle.py (tests/*/oracle/*.hpp):
// each case names an op, holds its inputs and arguments, PyTorch 1.13's outputs and (for
// differentiable cases) PyTorch's gradients of  Σ_k sum(out_k · w_k),  w_k = cos(0.7 i + k).
// Every case runs on contiguous inputs, on strided views of them and (2-d and up) on
// transposed layouts; outputs must match in shape, dtype and value. Where PyTorch raises
// (`raises`), paragrad must raise a paragrad::Error, in every layout.
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <paragrad/engine/engine.hpp>

namespace paragrad::ops_oracle {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

struct Value {
  std::vector<int64_t> shape;
  char dtype = 0;  // 'f' float32, 'd' float64, 'l' int64, 'b' bool; 0: no value
  std::vector<double> data;
};
struct Case {
  const char* op;
  std::vector<Value> inputs;
  std::vector<double> args;
  std::vector<Value> outputs;
  std::vector<Value> grads;  // one per input ({} where none), empty when not checked
  bool raises = false;       // PyTorch raises: paragrad must raise a paragrad::Error
};
using Op = std::function<TensorList(const TensorList& in, const std::vector<double>& args)>;
using OpTable = std::map<std::string, Op>;

inline Dtype dtype_of(char c) {
  switch (c) {
    case 'f':
      return kFloat32;
    case 'd':
      return kFloat64;
    case 'l':
      return kInt64;
    default:
      return kBool;
  }
}

inline Tensor make(const Value& v) {
  return tensor(v.data, Shape(v.shape.begin(), v.shape.end()), dtype_of(v.dtype));
}

// The same values in a different memory layout: 0 contiguous, 1 every other element of a
// larger buffer, 2 transposed storage (for 2 dims and more).
inline Tensor layout(const Tensor& t, int variant) {
  if (variant == 0 || t.dim() == 0) return t;
  if (variant == 1) return stack({t, zeros_like(t)}, -1).select(-1, 0);
  return t.transpose(0, -1).contiguous().transpose(0, -1);
}

// "" when got matches want, else a description of the first difference.
inline std::string compare(const Tensor& got, const Value& want, double rtol32 = 1e-4,
                           double rtol64 = 1e-8) {
  std::ostringstream os;
  const Shape ws(want.shape.begin(), want.shape.end());
  if (!got.defined()) return "undefined result";
  if (got.shape() != ws) {
    os << "shape " << shape_str(got.sizes()) << ", expected "
       << shape_str(Dims(ws.begin(), ws.end()));
    return os.str();
  }
  if (got.dtype() != dtype_of(want.dtype)) {
    os << "dtype " << dtype_name(got.dtype()) << ", expected " << dtype_name(dtype_of(want.dtype));
    return os.str();
  }
  const std::vector<double> g = got.tolist();
  const bool f32 = want.dtype == 'f', exact = want.dtype == 'l' || want.dtype == 'b';
  const double rtol = f32 ? rtol32 : rtol64, atol = f32 ? 1e-5 : 1e-10;
  for (size_t i = 0; i < g.size(); ++i) {
    const double a = g[i], b = want.data[i];
    const bool same = (std::isnan(a) && std::isnan(b)) || a == b ||
                      (!exact && std::abs(a - b) <= atol + rtol * std::abs(b));
    if (!same) {
      os.precision(17);
      os << "element " << i << " is " << a << ", expected " << b;
      return os.str();
    }
  }
  return "";
}

inline Tensor weights(const Tensor& out, int k) {
  Tensor w = (arange(0.0, double(out.numel()), 1.0, kFloat64) * 0.7 + double(k)).cos();
  return w.reshape(out.shape()).to(out.dtype());
}

inline std::string describe(const Case& c, int variant) {
  std::ostringstream os;
  os << c.op << " (inputs";
  for (const Value& v : c.inputs)
    os << " " << shape_str(Dims(v.shape.begin(), v.shape.end())) << v.dtype;
  os << "; args";
  for (double a : c.args) os << " " << a;
  os << "; layout "
     << (variant == 0   ? "contiguous"
         : variant == 1 ? "strided"
                        : "transposed")
     << ")";
  return os.str();
}

// Runs every case of `cases` whose op is in `ops`; each op of the table must have a case.
inline void replay(const std::vector<Case>& cases, const OpTable& ops) {
  std::map<std::string, int> seen;
  for (const Case& c : cases) {
    auto it = ops.find(c.op);
    INFO("op " << c.op);
    REQUIRE(it != ops.end());
    ++seen[c.op];
    for (int variant = 0; variant < 3; ++variant) {
      bool any_2d = false;
      for (const Value& v : c.inputs) any_2d |= v.shape.size() >= 2;
      if (variant == 2 && !any_2d) continue;
      INFO(describe(c, variant));
      TensorList in;
      for (const Value& v : c.inputs) in.push_back(layout(make(v), variant));
      if (c.raises) {
        CHECK_THROWS_AS(it->second(in, c.args), Error);
        continue;
      }
      const bool with_grads = !c.grads.empty();
      TensorList diff;
      for (size_t i = 0; with_grads && i < in.size(); ++i)
        if (c.grads[i].dtype) {
          in[i].requires_grad_();
          diff.push_back(in[i]);
        }
      const TensorList outs = it->second(in, c.args);
      REQUIRE(outs.size() == c.outputs.size());
      for (size_t k = 0; k < outs.size(); ++k) {
        INFO("output " << k);
        CHECK(compare(outs[k], c.outputs[k]) == "");
      }
      if (!with_grads || diff.empty()) continue;
      Tensor loss;
      for (size_t k = 0; k < outs.size(); ++k)
        if (outs[k].requires_grad()) {
          const Tensor term = (outs[k] * weights(outs[k], int(k))).sum();
          loss = loss.defined() ? loss + term : term;
        }
      TensorList gs(diff.size());
      if (loss.defined())
        gs = autograd::grad({loss}, diff, {}, false, false, /*allow_unused=*/true);
      for (size_t i = 0, j = 0; i < in.size(); ++i) {
        if (!c.grads[i].dtype) continue;
        INFO("gradient of input " << i);
        const Tensor g = gs[j].defined() ? gs[j] : zeros_like(diff[j]);
        ++j;
        CHECK(compare(g, c.grads[i], 1e-4, 1e-6) == "");
      }
    }
  }
  for (const auto& entry : ops) {
    INFO("op " << entry.first << " has no oracle case");
    CHECK(seen.count(entry.first) == 1);
  }
}

// Arguments as the types the ops take.
inline int64_t I(double v) { return int64_t(v); }
inline bool B(double v) { return v != 0; }
inline Shape dims_from(const std::vector<double>& a, size_t first, size_t last) {
  Shape s;
  for (size_t i = first; i < last && i < a.size(); ++i) s.push_back(int64_t(a[i]));
  return s;
}

}  // namespace paragrad::ops_oracle
