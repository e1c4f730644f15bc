// hypot, logaddexp and lerp (floating tensors only, as in PyTorch), and the member spellings
// of the binary ops defined as free functions (atan2, maximum, minimum).
//
// Where PyTorch's gradient is NaN at a point that has a natural answer, paragrad gives it:
//   hypot at (0, 0): 0 (the subgradient of the norm at its kink, as norm's rule);
//   logaddexp of equal infinities (both −inf or both +inf): ½ to each input, the value of
//   sigmoid(a − b) along a = b (PyTorch computes inf − inf = NaN there).
#include <cmath>
#include <type_traits>

#include <paragrad/engine/autograd/function.hpp>
#include <paragrad/engine/detail/elementwise.hpp>

namespace paragrad {

using autograd::grad_list;
using autograd::needs_grad;
using autograd::record;
using autograd::SavedTensor;

namespace {
Dtype floating_result(const Tensor& a, const Tensor& b, const char* op) {
  check_defined(op, a, b);
  const Dtype t = result_type(a, b);
  check<DtypeError>(is_floating(t), op, ": expected floating tensors, got ", dtype_name(a.dtype()),
                    " and ", dtype_name(b.dtype()), " (shapes ", shape_str(a.sizes()), " and ",
                    shape_str(b.sizes()), ")");
  return t;
}
}  // namespace

Tensor hypot(const Tensor& a, const Tensor& b) {
  const Dtype t = floating_result(a, b, "hypot");
  Tensor out =
      detail::binary_map("hypot", a, b, t, t, [](auto x, auto y) { return std::hypot(x, y); });
  if (needs_grad(a, b))
    // grad HypotBackward: hypot(a, b) => (g * a / out, g * b / out), 0 where out == 0
    record(
        "HypotBackward", out, {a, b},
        [sa = SavedTensor(a), sb = SavedTensor(b), so = SavedTensor(out, true)](const Tensor& g) {
          Tensor r = so.unpack();
          Tensor zero = r == zeros_like(r);
          Tensor scale = where(zero, zeros_like(r), g / where(zero, ones_like(r), r));
          return grad_list(scale * sa.unpack(), scale * sb.unpack());
        });
  return out;
}

Tensor logaddexp(const Tensor& a, const Tensor& b) {
  const Dtype t = floating_result(a, b, "logaddexp");
  Tensor out = detail::binary_map("logaddexp", a, b, t, t, [](auto x, auto y) {
    using T = decltype(x);
    if constexpr (std::is_floating_point<T>::value) {
      if (std::isinf(x) && x == y) return x;
      const T m = x > y ? x : y;
      return T(m + std::log1p(std::exp(-std::abs(x - y))));
    } else {
      return x;  // not reached: floating_result() refuses other dtypes
    }
  });
  if (needs_grad(a, b))
    // ∂/∂a = sigmoid(a − b), ∂/∂b = sigmoid(b − a); a − b taken as 0 for equal infinities.
    // grad LogaddexpBackward: logaddexp(a, b) => (g σ(a - b), g σ(b - a)), a - b := 0 at equal infs
    record("LogaddexpBackward", out, {a, b},
           [sa = SavedTensor(a), sb = SavedTensor(b)](const Tensor& g) {
             Tensor x = sa.unpack(), y = sb.unpack();
             Tensor same_inf = (x == y) && x.detach().isfinite().logical_not();
             Tensor d = x - y;
             d = where(same_inf, zeros_like(d), d);
             return grad_list(g * d.sigmoid(), g * (-d).sigmoid());
           });
  return out;
}

namespace {
void check_lerp(const Tensor& start, const Tensor& end, const Tensor* weight) {
  check<DtypeError>(start.is_floating_point(), "lerp: expected a floating tensor, got ",
                    dtype_name(start.dtype()), " of shape ", shape_str(start.sizes()));
  check<DtypeError>(end.dtype() == start.dtype(), "lerp: expected end of dtype ",
                    dtype_name(start.dtype()), ", got ", dtype_name(end.dtype()));
  if (weight)
    check<DtypeError>(weight->dtype() == start.dtype(), "lerp: expected weight of dtype ",
                      dtype_name(start.dtype()), ", got ", dtype_name(weight->dtype()));
}
}  // namespace

// start + w (end − start), evaluated as PyTorch does (from end when w >= ½, for accuracy).
// Backward: (g (1 − w), g w, g (end − start)).
Tensor lerp(const Tensor& start, const Tensor& end, const Tensor& weight) {
  check_lerp(start, end, &weight);
  Tensor out;
  {
    NoGradGuard no_grad;
    const Tensor s = start.detach(), e = end.detach(), w = weight.detach();
    const Tensor diff = e - s;
    out = where(w.abs() < 0.5, s + w * diff, e - diff * (1.0 - w));
  }
  if (needs_grad(start, end, weight))
    // grad LerpBackward: lerp(start, end, w) => (g * (1 - w), g * w, g * (end - start))
    record("LerpBackward", out, {start, end, weight},
           [ss = SavedTensor(start), se = SavedTensor(end),
            sw = SavedTensor(weight)](const Tensor& g) {
             Tensor w = sw.unpack();
             return grad_list(g * (1.0 - w), g * w, g * (se.unpack() - ss.unpack()));
           });
  return out;
}

Tensor lerp(const Tensor& start, const Tensor& end, double weight) {
  check_lerp(start, end, nullptr);
  Tensor out;
  {
    NoGradGuard no_grad;
    const Tensor s = start.detach(), e = end.detach();
    out = std::abs(weight) < 0.5 ? s + (e - s) * weight : e - (e - s) * (1.0 - weight);
  }
  if (needs_grad(start, end))
    // grad LerpBackward: lerp(start, end, s) => (g * (1 - s), g * s)
    record("LerpBackward", out, {start, end},
           [weight](const Tensor& g) { return grad_list(g * (1.0 - weight), g * weight); });
  return out;
}

Tensor Tensor::lerp(const Tensor& end, double weight) const {
  return paragrad::lerp(*this, end, weight);
}
Tensor Tensor::lerp(const Tensor& end, const Tensor& weight) const {
  return paragrad::lerp(*this, end, weight);
}
Tensor Tensor::hypot(const Tensor& o) const { return paragrad::hypot(*this, o); }
Tensor Tensor::logaddexp(const Tensor& o) const { return paragrad::logaddexp(*this, o); }
Tensor Tensor::atan2(const Tensor& o) const { return paragrad::atan2(*this, o); }
Tensor Tensor::maximum(const Tensor& o) const { return paragrad::maximum(*this, o); }
Tensor Tensor::minimum(const Tensor& o) const { return paragrad::minimum(*this, o); }

}  // namespace paragrad
