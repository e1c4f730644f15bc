// Trigonometric and hyperbolic functions and their inverses: tan, asin, acos, atan, sinh,
// cosh, asinh, acosh, atanh. Integer inputs compute in float32. Each rule is the textbook
// derivative, written in Tensor ops (so it differentiates again).
#include <cmath>

#include <paragrad/engine/autograd/function.hpp>
#include <paragrad/engine/detail/saved_output.hpp>
#include <paragrad/engine/detail/unary_helpers.hpp>

namespace paragrad {

using autograd::grad_list;
using autograd::needs_grad;
using autograd::record;
using autograd::SavedTensor;

Tensor Tensor::tan() const {
  Tensor out = detail::float_unary("tan", *this, [](auto v) { return std::tan(v); });
  if (needs_grad(*this))  // 1 + tan²
    // grad TanBackward: tan(x) => g * (1 + out²)
    record("TanBackward", out, {*this}, [so = SavedTensor(out, true)](Tensor g) {
      if (detail::over_with_output(g, so, [](auto a, auto y) { return a * (y * y + 1); })) return g;
      Tensor y = so.unpack();
      return g * (y * y + 1.0);
    });
  return out;
}

Tensor Tensor::asin() const {
  Tensor out = detail::float_unary("asin", *this, [](auto v) { return std::asin(v); });
  if (needs_grad(*this))  // 1 / √(1 − x²)
    // grad AsinBackward: asin(x) => g / √(1 - x²)
    record("AsinBackward", out, {*this}, [sx = SavedTensor(*this)](const Tensor& g) {
      Tensor x = sx.unpack();
      return g * (1.0 - x * x).rsqrt();
    });
  return out;
}

Tensor Tensor::acos() const {
  Tensor out = detail::float_unary("acos", *this, [](auto v) { return std::acos(v); });
  if (needs_grad(*this))  // −1 / √(1 − x²)
    // grad AcosBackward: acos(x) => -g / √(1 - x²)
    record("AcosBackward", out, {*this}, [sx = SavedTensor(*this)](const Tensor& g) {
      Tensor x = sx.unpack();
      return -g * (1.0 - x * x).rsqrt();
    });
  return out;
}

Tensor Tensor::atan() const {
  Tensor out = detail::float_unary("atan", *this, [](auto v) { return std::atan(v); });
  if (needs_grad(*this))  // 1 / (1 + x²)
    // grad AtanBackward: atan(x) => g / (1 + x²)
    record("AtanBackward", out, {*this}, [sx = SavedTensor(*this)](const Tensor& g) {
      Tensor x = sx.unpack();
      return g / (x * x + 1.0);
    });
  return out;
}

Tensor Tensor::sinh() const {
  Tensor out = detail::float_unary("sinh", *this, [](auto v) { return std::sinh(v); });
  if (needs_grad(*this))
    // grad SinhBackward: sinh(x) => g * cosh(x)
    record("SinhBackward", out, {*this},
           [sx = SavedTensor(*this)](const Tensor& g) { return g * sx.unpack().cosh(); });
  return out;
}

Tensor Tensor::cosh() const {
  Tensor out = detail::float_unary("cosh", *this, [](auto v) { return std::cosh(v); });
  if (needs_grad(*this))
    // grad CoshBackward: cosh(x) => g * sinh(x)
    record("CoshBackward", out, {*this},
           [sx = SavedTensor(*this)](const Tensor& g) { return g * sx.unpack().sinh(); });
  return out;
}

Tensor Tensor::asinh() const {
  Tensor out = detail::float_unary("asinh", *this, [](auto v) { return std::asinh(v); });
  if (needs_grad(*this))  // 1 / √(x² + 1)
    // grad AsinhBackward: asinh(x) => g / √(x² + 1)
    record("AsinhBackward", out, {*this}, [sx = SavedTensor(*this)](const Tensor& g) {
      Tensor x = sx.unpack();
      return g * (x * x + 1.0).rsqrt();
    });
  return out;
}

Tensor Tensor::acosh() const {
  Tensor out = detail::float_unary("acosh", *this, [](auto v) { return std::acosh(v); });
  if (needs_grad(*this))  // 1 / √(x² − 1)
    // grad AcoshBackward: acosh(x) => g / √(x² - 1)
    record("AcoshBackward", out, {*this}, [sx = SavedTensor(*this)](const Tensor& g) {
      Tensor x = sx.unpack();
      return g * (x * x - 1.0).rsqrt();
    });
  return out;
}

Tensor Tensor::atanh() const {
  Tensor out = detail::float_unary("atanh", *this, [](auto v) { return std::atanh(v); });
  if (needs_grad(*this))  // 1 / (1 − x²)
    // grad AtanhBackward: atanh(x) => g / (1 - x²)
    record("AtanhBackward", out, {*this}, [sx = SavedTensor(*this)](const Tensor& g) {
      Tensor x = sx.unpack();
      return g / (1.0 - x * x);
    });
  return out;
}

}  // namespace paragrad
