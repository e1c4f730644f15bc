// Rounding: floor, ceil, round (half to even), trunc and frac. Integer tensors are returned
// unchanged (as a copy) by the first four, as in PyTorch; bool tensors are refused. The
// rounding ops are piecewise constant: their gradient is zero (PyTorch's FloorBackward etc.);
// frac = x - trunc(x) passes the gradient through.
#include <cmath>

#include <paragrad/engine/autograd/function.hpp>
#include <paragrad/engine/detail/unary_helpers.hpp>

namespace paragrad {

using autograd::grad_list;
using autograd::needs_grad;
using autograd::record;

namespace {

template <class F>
Tensor rounding(const Tensor& x, const char* op, const char* backward_name, F&& f) {
  check<DtypeError>(x.dtype() != kBool, op, ": not supported for bool tensors (shape ",
                    shape_str(x.sizes()), ")");
  if (x.dtype() == kInt64) return x.detach().clone();
  Tensor out = detail::unary_map<detail::Kinds::Floating>(x, x.dtype(), std::forward<F>(f), op);
  if (needs_grad(x))
    // grad FloorBackward: floor(x) => 0
    // grad CeilBackward: ceil(x) => 0
    // grad RoundBackward: round(x) => 0
    // grad TruncBackward: trunc(x) => 0
    record(backward_name, out, {x}, [](const Tensor& g) { return zeros_like(g); });
  return out;
}

}  // namespace

Tensor Tensor::floor() const {
  return rounding(*this, "floor", "FloorBackward", [](auto v) { return std::floor(v); });
}
Tensor Tensor::ceil() const {
  return rounding(*this, "ceil", "CeilBackward", [](auto v) { return std::ceil(v); });
}
// std::nearbyint rounds in the current rounding mode, which is to-nearest-even by default.
Tensor Tensor::round() const {
  return rounding(*this, "round", "RoundBackward", [](auto v) { return std::nearbyint(v); });
}
Tensor Tensor::trunc() const {
  return rounding(*this, "trunc", "TruncBackward", [](auto v) { return std::trunc(v); });
}

Tensor Tensor::frac() const {
  check<DtypeError>(is_floating_point(), "frac: expected a floating tensor, got ",
                    dtype_name(dtype()), " of shape ", shape_str(sizes()));
  Tensor out = detail::unary_map<detail::Kinds::Floating>(
      *this, dtype(), [](auto v) { return v - std::trunc(v); }, "frac");
  if (needs_grad(*this))
    // grad FracBackward: frac(x) => g
    record("FracBackward", out, {*this}, [](const Tensor& g) { return g; });
  return out;
}

}  // namespace paragrad
