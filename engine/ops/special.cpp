// log2, log10, erf, erfc and nan_to_num. Integer inputs of the first four compute in float32.
#include <cmath>
#include <limits>

#include <paragrad/engine/autograd/function.hpp>
#include <paragrad/engine/detail/unary_helpers.hpp>

namespace paragrad {

using autograd::grad_list;
using autograd::needs_grad;
using autograd::record;
using autograd::SavedTensor;

namespace {
constexpr double kTwoOverSqrtPi = 1.1283791670955126;  // d erf(x)/dx = 2/√π · e^(−x²)
}

Tensor Tensor::log2() const {
  Tensor out = detail::float_unary("log2", *this, [](auto v) { return std::log2(v); });
  if (needs_grad(*this))
    // grad Log2Backward: log2(x) => g / (x ln 2)
    record("Log2Backward", out, {*this}, [sx = SavedTensor(*this)](const Tensor& g) {
      return g / (sx.unpack() * std::log(2.0));
    });
  return out;
}

Tensor Tensor::log10() const {
  Tensor out = detail::float_unary("log10", *this, [](auto v) { return std::log10(v); });
  if (needs_grad(*this))
    // grad Log10Backward: log10(x) => g / (x ln 10)
    record("Log10Backward", out, {*this}, [sx = SavedTensor(*this)](const Tensor& g) {
      return g / (sx.unpack() * std::log(10.0));
    });
  return out;
}

Tensor Tensor::erf() const {
  Tensor out = detail::float_unary("erf", *this, [](auto v) { return std::erf(v); });
  if (needs_grad(*this))
    // grad ErfBackward: erf(x) => g * 2/√π * exp(-x²)
    record("ErfBackward", out, {*this}, [sx = SavedTensor(*this)](const Tensor& g) {
      Tensor x = sx.unpack();
      return g * (-(x * x)).exp() * kTwoOverSqrtPi;
    });
  return out;
}

Tensor Tensor::erfc() const {
  Tensor out = detail::float_unary("erfc", *this, [](auto v) { return std::erfc(v); });
  if (needs_grad(*this))
    // grad ErfcBackward: erfc(x) => -g * 2/√π * exp(-x²)
    record("ErfcBackward", out, {*this}, [sx = SavedTensor(*this)](const Tensor& g) {
      Tensor x = sx.unpack();
      return g * (-(x * x)).exp() * -kTwoOverSqrtPi;
    });
  return out;
}

// Replaced elements are constants: the gradient passes only where x is finite (PyTorch's
// rule). Integer and bool tensors have nothing to replace and come back as a copy.
Tensor Tensor::nan_to_num(double nan, std::optional<double> posinf,
                          std::optional<double> neginf) const {
  if (!is_floating_point()) return detach().clone();
  Tensor out = dispatch_floating(dtype(), "nan_to_num", [&](auto tag) {
    using T = decltype(tag);
    const T n = static_cast<T>(nan);
    const T hi = posinf ? static_cast<T>(*posinf) : std::numeric_limits<T>::max();
    const T lo = neginf ? static_cast<T>(*neginf) : std::numeric_limits<T>::lowest();
    return detail::unary_map<detail::Kinds::Floating>(
        *this, dtype(),
        [=](auto v) {
          return v != v ? n
                        : (v == std::numeric_limits<T>::infinity()
                               ? hi
                               : (v == -std::numeric_limits<T>::infinity() ? lo : v));
        },
        "nan_to_num");
  });
  if (needs_grad(*this))
    // grad NanToNumBackward: nan_to_num(x, nan, posinf, neginf) => g * [x is finite]
    record("NanToNumBackward", out, {*this}, [sx = SavedTensor(*this)](const Tensor& g) {
      return g * sx.unpack().isfinite().to(g.dtype());
    });
  return out;
}

}  // namespace paragrad
