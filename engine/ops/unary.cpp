// Unary elementwise math. Each op: the forward kernel, then its derivative rule.
// Integer inputs are promoted to float32 (as torch.exp(int_tensor) is).
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include <paragrad/engine/autograd/function.hpp>
#include <paragrad/engine/detail/checked_math.hpp>
#include <paragrad/engine/detail/elementwise.hpp>
#include <paragrad/engine/detail/promotion.hpp>
#include <paragrad/engine/detail/saved_output.hpp>

namespace paragrad {

using autograd::grad_list;
using autograd::needs_grad;
using autograd::record;
using autograd::SavedTensor;

namespace {

// Runs f on a (as float if a is integral), result in the same floating dtype; op names errors.
template <kernels::Unary K = kernels::Unary::none, class F>
Tensor float_map(const Tensor& a, const char* op, F&& f) {
  check_defined(op, a);
  Tensor holder;
  const Tensor& x = detail::as_type(a, is_floating(a.dtype()) ? a.dtype() : kFloat32, holder, op);
  return detail::unary_map<detail::Kinds::Floating, K>(x, x.dtype(), std::forward<F>(f), op);
}
// Ops that also make sense on integers (not on bools).
template <kernels::Unary K = kernels::Unary::none, class F>
Tensor numeric_map(const Tensor& a, const char* op, F&& f) {
  check_defined(op, a);
  return detail::unary_map<detail::Kinds::Numeric, K>(a, a.dtype(), std::forward<F>(f), op);
}
template <class T>
T sigmoid_of(T x) {
  return x >= 0 ? T(1) / (T(1) + std::exp(-x)) : std::exp(x) / (T(1) + std::exp(x));
}

// g * (1 - y^2) in one kernel: the backward of tanh, given its output y. Being an op of
// its own (with its own rule) keeps tanh cheap and still twice differentiable.
// `over`: g when the caller owns it (a backward rule), written over when it can be (and then
// moved into the result: g is left empty).
Tensor tanh_backward_of(const Tensor& g, const Tensor& y, Tensor* over) {
  check_defined("tanh_backward", g, y);
  const Dtype t = result_type(g, y);
  Tensor out = detail::binary_map(
      "tanh_backward", g, y, t, t, [](auto a, auto b) { return a * (1 - b * b); }, over);
  if (needs_grad(g, y))
    // grad TanhBackwardBackward: tanh_backward(grad, y) => (g * (1 - y²), -2 * g * grad * y)
    record("TanhBackwardBackward", out, {g, y},
           [sg = SavedTensor(g), sy = SavedTensor(y)](const Tensor& gg) {
             Tensor yy = sy.unpack();
             return grad_list(gg * (1.0 - yy * yy), gg * sg.unpack() * yy * -2.0);
           });
  return out;
}

// g * y * (1 - y): the backward of sigmoid, given its output y.
Tensor sigmoid_backward_of(const Tensor& g, const Tensor& y, Tensor* over) {
  check_defined("sigmoid_backward", g, y);
  const Dtype t = result_type(g, y);
  Tensor out = detail::binary_map(
      "sigmoid_backward", g, y, t, t, [](auto a, auto b) { return a * b * (1 - b); }, over);
  if (needs_grad(g, y))
    // grad SigmoidBackwardBackward: sigmoid_backward(grad, y) => (g*y*(1 - y), g*grad*(1 - 2y))
    record("SigmoidBackwardBackward", out, {g, y},
           [sg = SavedTensor(g), sy = SavedTensor(y)](const Tensor& gg) {
             Tensor yy = sy.unpack();
             return grad_list(gg * yy * (1.0 - yy), gg * sg.unpack() * (1.0 - yy * 2.0));
           });
  return out;
}

}  // namespace

Tensor tanh_backward(const Tensor& g, const Tensor& y) { return tanh_backward_of(g, y, nullptr); }
Tensor sigmoid_backward(const Tensor& g, const Tensor& y) {
  return sigmoid_backward_of(g, y, nullptr);
}

Tensor Tensor::neg() const {
  Tensor out =
      numeric_map<kernels::Unary::neg>(*this, "neg", [](auto x) { return detail::wrap_neg(x); });
  if (needs_grad(*this))
    // grad NegBackward: neg(x) => -g
    record("NegBackward", out, {*this}, [](const Tensor& g) { return -g; });
  return out;
}

Tensor Tensor::exp() const {
  Tensor out = float_map(*this, "exp", [](auto x) { return std::exp(x); });
  if (needs_grad(*this))
    // grad ExpBackward: exp(x) => g * out
    record("ExpBackward", out, {*this}, [so = SavedTensor(out, true)](Tensor g) {
      if (detail::over_with_output(g, so, [](auto a, auto y) { return a * y; })) return g;
      return g * so.unpack();
    });
  return out;
}

Tensor Tensor::expm1() const {
  Tensor out = float_map(*this, "expm1", [](auto x) { return std::expm1(x); });
  if (needs_grad(*this))
    // grad Expm1Backward: expm1(x) => g * (out + 1)
    record("Expm1Backward", out, {*this}, [so = SavedTensor(out, true)](Tensor g) {
      if (detail::over_with_output(g, so, [](auto a, auto y) { return a * (y + 1); })) return g;
      return g * (so.unpack() + 1.0);
    });
  return out;
}

Tensor Tensor::log() const {
  Tensor out = float_map(*this, "log", [](auto x) { return std::log(x); });
  if (needs_grad(*this))
    // grad LogBackward: log(x) => g / x
    record("LogBackward", out, {*this},
           [sx = SavedTensor(*this)](const Tensor& g) { return g / sx.unpack(); });
  return out;
}

Tensor Tensor::log1p() const {
  Tensor out = float_map(*this, "log1p", [](auto x) { return std::log1p(x); });
  if (needs_grad(*this))
    // grad Log1pBackward: log1p(x) => g / (x + 1)
    record("Log1pBackward", out, {*this},
           [sx = SavedTensor(*this)](const Tensor& g) { return g / (sx.unpack() + 1.0); });
  return out;
}

Tensor Tensor::sqrt() const {
  Tensor out = float_map(*this, "sqrt", [](auto x) { return std::sqrt(x); });
  if (needs_grad(*this))
    // grad SqrtBackward: sqrt(x) => g / (2 * out)
    record("SqrtBackward", out, {*this}, [so = SavedTensor(out, true)](Tensor g) {
      if (detail::over_with_output(g, so, [](auto a, auto y) { return a / (y * 2); })) return g;
      return g / (so.unpack() * 2.0);
    });
  return out;
}

Tensor Tensor::rsqrt() const {
  Tensor out = float_map(*this, "rsqrt", [](auto x) { return decltype(x)(1) / std::sqrt(x); });
  if (needs_grad(*this))
    // grad RsqrtBackward: rsqrt(x) => -½ * g * out³
    record("RsqrtBackward", out, {*this}, [so = SavedTensor(out, true)](Tensor g) {
      if (detail::over_with_output(
              g, so, [](auto a, auto y) { return a * y * y * y * decltype(a)(-0.5); }))
        return g;
      Tensor y = so.unpack();
      return g * y * y * y * -0.5;
    });
  return out;
}

Tensor Tensor::abs() const {
  Tensor out = numeric_map<kernels::Unary::abs>(
      *this, "abs", [](auto x) { return x < 0 ? detail::wrap_neg(x) : x; });
  if (needs_grad(*this))
    // grad AbsBackward: abs(x) => g * sign(x)
    record("AbsBackward", out, {*this},
           [sx = SavedTensor(*this)](const Tensor& g) { return g * sx.unpack().sign(); });
  return out;
}

Tensor Tensor::sign() const {
  check_defined("sign", *this);
  if (dtype() == kBool) return clone();  // as PyTorch: the sign of a bool is itself
  Tensor out = numeric_map(*this, "sign", [](auto x) {
    using T = decltype(x);
    return T((T(0) < x) - (x < T(0)));
  });
  if (needs_grad(*this))
    // grad SignBackward: sign(x) => 0
    record("SignBackward", out, {*this}, [](const Tensor& g) { return zeros_like(g); });
  return out;
}

Tensor Tensor::sin() const {
  Tensor out = float_map(*this, "sin", [](auto x) { return std::sin(x); });
  if (needs_grad(*this))
    // grad SinBackward: sin(x) => g * cos(x)
    record("SinBackward", out, {*this},
           [sx = SavedTensor(*this)](const Tensor& g) { return g * sx.unpack().cos(); });
  return out;
}

Tensor Tensor::cos() const {
  Tensor out = float_map(*this, "cos", [](auto x) { return std::cos(x); });
  if (needs_grad(*this))
    // grad CosBackward: cos(x) => -g * sin(x)
    record("CosBackward", out, {*this},
           [sx = SavedTensor(*this)](const Tensor& g) { return -g * sx.unpack().sin(); });
  return out;
}

Tensor Tensor::tanh() const {
  // (contiguous float32: Eigen's vectorized tanh, within 6 ulp; kernels/elementwise.hpp)
  Tensor out = float_map<kernels::Unary::tanh>(*this, "tanh", [](auto x) { return std::tanh(x); });
  if (needs_grad(*this))
    // grad TanhBackward: tanh(x) => tanh_backward(g, out) = g * (1 - out²)
    record("TanhBackward", out, {*this}, [so = SavedTensor(out, true)](Tensor g) {
      if (detail::over_with_output(g, so, [](auto a, auto y) { return a * (1 - y * y); })) return g;
      return tanh_backward_of(g, so.unpack(), &g);
    });
  return out;
}

Tensor Tensor::sigmoid() const {
  Tensor out = float_map(*this, "sigmoid", [](auto x) { return sigmoid_of(x); });
  if (needs_grad(*this))
    // grad SigmoidBackward: sigmoid(x) => sigmoid_backward(g, out) = g * out * (1 - out)
    record("SigmoidBackward", out, {*this}, [so = SavedTensor(out, true)](Tensor g) {
      if (detail::over_with_output(g, so, [](auto a, auto y) { return a * y * (1 - y); })) return g;
      return sigmoid_backward_of(g, so.unpack(), &g);
    });
  return out;
}

Tensor Tensor::softplus() const {
  check_defined("softplus", *this);
  check<DtypeError>(is_floating_point(), "softplus: expected a floating tensor, got ",
                    dtype_name(dtype()), " of shape ", shape_str(sizes()));
  // log(1 + e^x), computed without overflow
  Tensor out = float_map(*this, "softplus", [](auto x) {
    using T = decltype(x);
    return x > T(20) ? x : std::log1p(std::exp(x));
  });
  if (needs_grad(*this))
    // grad SoftplusBackward: softplus(x) => g * sigmoid(x)
    record("SoftplusBackward", out, {*this},
           [sx = SavedTensor(*this)](const Tensor& g) { return g * sx.unpack().sigmoid(); });
  return out;
}

// max(x, 0), NaN kept (as PyTorch). The gradient passes where the output is not <= 0 (NaN
// included, as PyTorch's threshold_backward), selected so that a NaN in g stays out of the
// other elements.
Tensor Tensor::relu() const {
  Tensor out = numeric_map<kernels::Unary::relu>(
      *this, "relu", [](auto x) { return x <= 0 ? decltype(x)(0) : x; });
  if (needs_grad(*this))
    // grad ReluBackward: relu(x) => g * [out > 0]
    record("ReluBackward", out, {*this}, [so = SavedTensor(out, true)](Tensor g) {
      if (detail::over_with_output(g, so,
                                   [](auto a, auto y) { return y <= 0 ? decltype(a)(0) : a; }))
        return g;
      return where(so.unpack() <= 0.0, scalar(0.0, g.dtype()), g);
    });
  return out;
}

Tensor Tensor::square() const {
  check_defined("square", *this);
  if (dtype() == kBool) return to(kInt64).square();  // as PyTorch (square is pow(2): int64)
  Tensor out = numeric_map(*this, "square", [](auto x) { return detail::wrap_mul(x, x); });
  if (needs_grad(*this))
    // grad SquareBackward: square(x) => 2 * g * x
    record("SquareBackward", out, {*this},
           [sx = SavedTensor(*this)](const Tensor& g) { return g * sx.unpack() * 2.0; });
  return out;
}

Tensor Tensor::reciprocal() const {
  Tensor out = float_map(*this, "reciprocal", [](auto x) { return decltype(x)(1) / x; });
  if (needs_grad(*this))
    // grad ReciprocalBackward: reciprocal(x) => -g * out²
    record("ReciprocalBackward", out, {*this}, [so = SavedTensor(out, true)](Tensor g) {
      if (detail::over_with_output(g, so, [](auto a, auto y) { return -a * y * y; })) return g;
      Tensor y = so.unpack();
      return -g * y * y;
    });
  return out;
}

// dtype as PyTorch: a floating tensor keeps its dtype; an int64 or bool tensor gives int64 for
// an integral p >= 0 (a negative integral p raises, as PyTorch does for Python ints) and float32
// for any other p.
Tensor Tensor::pow(double p) const {
  check_defined("pow", *this);
  Tensor out;
  if (is_floating(dtype()) && (p == 1 || p == 2 || p == 3)) {
    // Exponents 1, 2 and 3 are a copy and products, as in PyTorch's pow_tensor_scalar kernel
    // (~20x faster per element than std::pow).
    out =
        p == 1 ? numeric_map(*this, "pow", [](auto x) { return x; })
        : p == 2
            ? numeric_map(*this, "pow", [](auto x) { return static_cast<decltype(x)>(x * x); })
            : numeric_map(*this, "pow", [](auto x) { return static_cast<decltype(x)>(x * x * x); });
  } else if (is_floating(dtype())) {
    // ±0.5 as PyTorch computes them, through sqrt: (-inf)^0.5 is NaN (IEEE pow says +inf).
    out = detail::unary_map<detail::Kinds::Floating>(
        *this, dtype(),
        [p](auto x) {
          using T = decltype(x);
          if (p == 0.5) return std::sqrt(x);
          if (p == -0.5) return T(1) / std::sqrt(x);
          return static_cast<T>(std::pow(x, static_cast<T>(p)));
        },
        "pow");
  } else if (detail::is_int64_value(p)) {
    check<ValueError>(p >= 0, "pow: integers to negative integer powers are not allowed (",
                      dtype_name(dtype()), " tensor of shape ", shape_str(sizes()), ", power ", p,
                      ")");
    const auto e = static_cast<int64_t>(p);
    out = numeric_map(to(kInt64), "pow", [e](auto x) { return detail::int_pow(int64_t(x), e); });
  } else {
    out = float_map(*this, "pow", [p](auto x) { return std::pow(x, decltype(x)(p)); });
  }
  if (needs_grad(*this))
    // grad PowBackward: pow(x, p) => g * p * x^(p-1) (0 when p == 0)
    record("PowBackward", out, {*this}, [p, sx = SavedTensor(*this)](const Tensor& g) {
      if (p == 0) return zeros_like(g);
      return g * sx.unpack().pow(p - 1) * p;
    });
  return out;
}

namespace {
// clamp with optional bounds (NaN-free doubles or absent). As PyTorch: min(max(x, lo), hi), so
// with lo > hi every element becomes hi; NaN in x or in a bound gives NaN; the result dtype is
// torch.result_type of the tensor with the bounds given (an int64 tensor clamped to 0.5 becomes
// float32, see detail::scalar_result_type).
Tensor clamp_impl(const Tensor& x, std::optional<double> lo, std::optional<double> hi,
                  const char* op) {
  check_defined(op, x);
  const Dtype t = detail::clamp_result_type(x.dtype(), lo, hi);
  const double l = lo ? *lo : -INFINITY, h = hi ? *hi : INFINITY;
  // A finite bound must be representable in the result dtype (PyTorch's checked conversion:
  // float32.clamp(0, 1e300) raises).
  for (double b : {l, h})
    if (std::isfinite(b))
      dispatch(t, [&](auto tag) { detail::checked_convert<decltype(tag)>(b, op); });
  Tensor holder;
  const Tensor& xt = detail::as_type(x, t, holder, op);
  Tensor out = numeric_map(xt, op, [l, h](auto v) { return detail::clamp_value(v, l, h); });
  if (needs_grad(x))
    // The gradient passes where lo <= x <= hi (PyTorch's convention at the bounds; nowhere when
    // lo > hi), selected so a NaN in g does not reach the clamped elements.
    // grad ClampBackward: clamp(x, lo, hi) => where(lo <= x <= hi, g, 0)
    record("ClampBackward", out, {x}, [l, h, sx = SavedTensor(x)](const Tensor& g) {
      const Tensor xv = sx.unpack();
      return where((xv >= l) && (xv <= h), g, scalar(0.0, g.dtype()));
    });
  return out;
}
}  // namespace

Tensor Tensor::clamp(double lo, double hi) const { return clamp_impl(*this, lo, hi, "clamp"); }
Tensor Tensor::clamp_min(double lo) const {
  return clamp_impl(*this, lo, std::nullopt, "clamp_min");
}
Tensor Tensor::clamp_max(double hi) const {
  return clamp_impl(*this, std::nullopt, hi, "clamp_max");
}

}  // namespace paragrad
