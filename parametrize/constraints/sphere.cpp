// Spheres (geotorch's Sphere and SphereEmbedded, along the last dim) and the oblique manifold
// (unit-norm columns).
#include <paragrad/parametrize/constraints/detail.hpp>
#include <paragrad/parametrize/constraints/manifolds.hpp>
#include <paragrad/parametrize/constraints/maps.hpp>

namespace paragrad::constraints {

using detail::as_f64;
using detail::exceeds;

namespace {
// max | |x|_dim - r | / r
double norm_residual(const Tensor& X, int64_t dim, double r) {
  const Tensor X64 = as_f64(X);
  if (X64.numel() == 0) return 0.0;
  return ((X64 * X64).sum({dim}).sqrt() - r).abs().max().item<double>() / r;
}
}  // namespace

Sphere::Sphere(Shape shape, Dtype dtype, double radius)
    : Manifold("sphere", std::move(shape), dtype), radius_(radius) {
  // Until right_inverse sets it, the base is the first basis vector in every row.
  Tensor base = zeros(tensor_shape(), dtype);
  if (base.numel() > 0) {
    NoGradGuard g;
    base.narrow(-1, 0, 1).fill_(1.0);
  }
  register_buffer("base", base);
}

Tensor Sphere::forward(const Tensor& V) {
  return maps::sphere_exp(buffer_slot("base"), V, radius_);
}

TensorList Sphere::right_inverse(const Tensor& X) {
  check_on_manifold(X);
  NoGradGuard g;
  detail::assign_buffer(*this, "base", maps::normalize(in_dtype(X), -1));
  return {zeros(tensor_shape(), tensor_dtype())};
}

Tensor Sphere::sample() const {
  return maps::normalize(randn(tensor_shape(), tensor_dtype()), -1, radius_);
}

std::string Sphere::violation(const Tensor& X, double tol) const {
  return exceeds("max| |x| - r | / r (rows)", norm_residual(X, -1, radius_), tol);
}

SphereEmbedded::SphereEmbedded(Shape shape, Dtype dtype, double radius)
    : Manifold("sphere", std::move(shape), dtype), radius_(radius) {}

Tensor SphereEmbedded::forward(const Tensor& X) { return maps::normalize(X, -1, radius_); }

TensorList SphereEmbedded::right_inverse(const Tensor& X) {
  check_on_manifold(X);
  return {in_dtype(X) / radius_};
}

Tensor SphereEmbedded::sample() const {
  return maps::normalize(randn(tensor_shape(), tensor_dtype()), -1, radius_);
}

std::string SphereEmbedded::violation(const Tensor& X, double tol) const {
  return exceeds("max| |x| - r | / r (rows)", norm_residual(X, -1, radius_), tol);
}

Oblique::Oblique(Shape shape, Dtype dtype) : Manifold("oblique", std::move(shape), dtype) {}

Tensor Oblique::forward(const Tensor& X) { return maps::normalize(X, -2); }

TensorList Oblique::right_inverse(const Tensor& X) {
  check_on_manifold(X);
  return {in_dtype(X)};
}

Tensor Oblique::sample() const {
  return maps::normalize(randn(tensor_shape(), tensor_dtype()), -2);
}

std::string Oblique::violation(const Tensor& X, double tol) const {
  return exceeds("max| |column| - 1 |", norm_residual(X, -2, 1.0), tol);
}

}  // namespace paragrad::constraints
