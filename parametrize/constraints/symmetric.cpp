// Symmetric and skew-symmetric matrices (geotorch's Symmetric and Skew).
#include <paragrad/parametrize/constraints/detail.hpp>
#include <paragrad/parametrize/constraints/manifolds.hpp>
#include <paragrad/parametrize/constraints/maps.hpp>

namespace paragrad::constraints {

using detail::as_f64;
using detail::exceeds;

Symmetric::Symmetric(Shape shape, Dtype dtype, bool lower)
    : Manifold("symmetric", std::move(shape), dtype), lower_(lower) {}

Tensor Symmetric::forward(const Tensor& X) { return maps::symmetric(X, lower_); }

TensorList Symmetric::right_inverse(const Tensor& X) {
  check_on_manifold(X);
  return {in_dtype(X)};
}

Tensor Symmetric::sample() const {
  Tensor G = detail::xavier_normal(tensor_shape(), tensor_dtype());
  return 0.5 * (G + G.mT());
}

std::string Symmetric::violation(const Tensor& X, double tol) const {
  return exceeds("max|X - X^T| / max(1, max|X|)", detail::symmetry_residual(as_f64(X)), tol);
}

Skew::Skew(Shape shape, Dtype dtype, bool lower)
    : Manifold("skew", std::move(shape), dtype), lower_(lower) {}

Tensor Skew::forward(const Tensor& X) { return maps::skew(X, lower_); }

TensorList Skew::right_inverse(const Tensor& X) {
  check_on_manifold(X);
  return {in_dtype(X)};
}

Tensor Skew::sample() const {
  Tensor G = detail::xavier_normal(tensor_shape(), tensor_dtype());
  return 0.5 * (G - G.mT());
}

std::string Skew::violation(const Tensor& X, double tol) const {
  const Tensor X64 = as_f64(X);
  if (X64.numel() == 0) return "";
  const double scale = std::max(1.0, X64.abs().max().item<double>());
  return exceeds("max|X + X^T| / max(1, max|X|)",
                 (X64 + X64.mT()).abs().max().item<double>() / scale, tol);
}

}  // namespace paragrad::constraints
