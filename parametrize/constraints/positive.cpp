// Entrywise positive tensors and the probability simplex.
#include <cmath>
#include <limits>

#include <paragrad/parametrize/constraints/detail.hpp>
#include <paragrad/parametrize/constraints/manifolds.hpp>
#include <paragrad/parametrize/constraints/maps.hpp>

namespace paragrad::constraints {

using detail::as_f64;
using detail::exceeds;

namespace {
// Positive values below this are clamped up to it before inverting softplus or log (a value
// the forward map can still produce: softplus(-80) = 1.8e-35 in float32).
double smallest_positive(Dtype d) {
  return d == kFloat32 ? 16.0 * double(std::numeric_limits<float>::min())
                       : 16.0 * std::numeric_limits<double>::min();
}
// "" when every entry of X is > 0, else why not. Both sets are open: a zero entry is off them
// whatever eps is (only an underflowing forward map yields one, e.g. float32 softplus(-110)).
std::string nonpositive(const Tensor& X64) {
  if (X64.numel() == 0) return "";
  const double smallest = X64.min().item<double>();
  if (smallest > 0) return "";
  return cat("min X = ", detail::num(smallest), " (entries must be > 0)");
}
}  // namespace

Positive::Positive(Shape shape, Dtype dtype) : Manifold("positive", std::move(shape), dtype) {}

Tensor Positive::forward(const Tensor& X) { return X.softplus(); }

TensorList Positive::right_inverse(const Tensor& X) {
  check_on_manifold(X);
  return {maps::inverse_softplus(in_dtype(X).clamp_min(smallest_positive(tensor_dtype())))};
}

Tensor Positive::sample() const { return randn(tensor_shape(), tensor_dtype()).softplus(); }

std::string Positive::violation(const Tensor& X, double) const { return nonpositive(as_f64(X)); }

Simplex::Simplex(Shape shape, Dtype dtype, int64_t dim)
    : Manifold("simplex", std::move(shape), dtype), dim_(dim) {
  const int64_t nd = int64_t(tensor_shape().size());
  check<ValueError>(nd >= 1,
                    "simplex: expected a tensor with at least one dimension, got a 0-d "
                    "tensor");
  check<ValueError>(dim >= -nd && dim < nd, "simplex: dim ", dim, " is out of range for a tensor ",
                    "of shape ", detail::shape_text(tensor_shape()), " (expected -", nd,
                    " <= dim < ", nd, ")");
  dim_ = dim < 0 ? dim + nd : dim;
}

Tensor Simplex::forward(const Tensor& X) {
  return X.numel() == 0 ? X * 1.0 : X.softmax(dim_);  // (softmax reduces: not over nothing)
}

TensorList Simplex::right_inverse(const Tensor& X) {
  check_on_manifold(X);
  return {in_dtype(X).clamp_min(smallest_positive(tensor_dtype())).log()};
}

Tensor Simplex::sample() const {
  // Normalized standard exponentials are uniform on the simplex (Dirichlet(1, ..., 1)).
  Tensor E = -(1.0 - rand(tensor_shape(), kFloat64)).log();
  if (E.numel() == 0) return E.to(tensor_dtype());
  return (E / E.sum({dim_}, true)).to(tensor_dtype());
}

std::string Simplex::violation(const Tensor& X, double tol) const {
  const Tensor X64 = as_f64(X);
  if (X64.numel() == 0) return "";
  std::string why = nonpositive(X64);
  if (!why.empty()) return why;
  return exceeds("max|sum - 1|", (X64.sum({dim_}) - 1.0).abs().max().item<double>(), tol);
}

}  // namespace paragrad::constraints
