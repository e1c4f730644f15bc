#include <algorithm>
#include <cmath>

#include <paragrad/linalg/linalg.hpp>
#include <paragrad/parametrize/constraints/detail.hpp>
#include <paragrad/parametrize/constraints/manifold.hpp>

namespace paragrad::constraints {

Manifold::Manifold() : dtype_(kFloat32) {}

Manifold::Manifold(std::string constraint, Shape shape, Dtype dtype)
    : constraint_(std::move(constraint)),
      shape_(std::move(shape)),
      shape_known_(true),
      dtype_(dtype) {}

std::string Manifold::constraint() const { return constraint_.empty() ? type_name() : constraint_; }

Tensor Manifold::sample() const {
  throw NotImplementedError(cat(constraint(), ": sample() is not implemented"));
}

std::string Manifold::violation(const Tensor&, double) const {
  throw NotImplementedError(cat(constraint(), ": in_manifold() is not implemented"));
}

double Manifold::tolerance(double eps, const Tensor& X) {
  double rows = 1;
  if (X.dim() >= 2)
    rows = double(std::max(X.size(-2), X.size(-1)));
  else if (X.dim() == 1)
    rows = double(X.size(0));
  const double size_factor = std::max(1.0, std::sqrt(rows / 64.0));
  const double dtype_factor = X.dtype() == kFloat32 ? 64.0 : 1.0;
  return eps * size_factor * dtype_factor;
}

bool Manifold::in_manifold(const Tensor& X, double eps) const {
  if (!X.defined() || !X.is_floating_point()) return false;
  if (shape_known_ && X.shape() != shape_) return false;
  NoGradGuard no_grad;
  if (!X.isfinite().all()) return false;
  return violation(X, tolerance(eps, X)).empty();
}

void Manifold::check_shape(const Tensor& X, const char* what) const {
  check<ValueError>(X.defined(), constraint(), ": ", what, " got an undefined tensor");
  check<ShapeError>(!shape_known_ || X.shape() == shape_, constraint(), ": ", what,
                    " expected a tensor of shape ", detail::shape_text(shape_), ", got ",
                    shape_str(X.sizes()));
}

void Manifold::check_on_manifold(const Tensor& X) const {
  check_shape(X, "set()");
  check<DtypeError>(X.is_floating_point(), constraint(), ": set() expected a floating tensor, got ",
                    dtype_name(X.dtype()));
  if (in_manifold(X)) return;
  std::string why;
  try {
    NoGradGuard no_grad;
    why = X.isfinite().all() ? violation(X, tolerance(1e-5, X)) : "it contains NaN or Inf";
  } catch (const NotImplementedError&) {
  }
  throw ValueError(cat(constraint(), ": the value is not on the manifold",
                       why.empty() ? std::string() : cat(" (", why, ")"),
                       "; set() and registration need a tensor that satisfies the constraint"));
}

namespace detail {

Shape batch_of(const Shape& shape, int64_t core) {
  return Shape(shape.begin(), shape.end() - core);
}

Shape with_tail(Shape batch, std::initializer_list<int64_t> tail) {
  for (int64_t t : tail) batch.push_back(t);
  return batch;
}

void check_matrix_shape(const Shape& shape, const std::string& constraint) {
  check<ValueError>(shape.size() >= 2, constraint,
                    ": expected a matrix or a batch of matrices (at least 2 dimensions), got "
                    "shape ",
                    detail::shape_text(shape));
}

int64_t square_size(const Shape& shape, const std::string& constraint) {
  check_matrix_shape(shape, constraint);
  check<ValueError>(shape[shape.size() - 2] == shape[shape.size() - 1], constraint,
                    ": expected square matrices, got shape ", detail::shape_text(shape));
  return shape.back();
}

void assign_buffer(nn::Module& m, const std::string& name, const Tensor& value) {
  NoGradGuard no_grad;
  if (m.has_buffer(name)) {
    Tensor& slot = m.buffer_slot(name);
    if (slot.defined() && slot.shape() == value.shape() && slot.dtype() == value.dtype()) {
      slot.copy_(value);
      return;
    }
  }
  m.register_buffer(name, value.detach().contiguous().clone());
}

double orthonormality_residual(const Tensor& X) {
  const int64_t k = X.size(-1);
  Tensor R = matmul(X.mT(), X) - eye(k, X.dtype());
  return R.numel() == 0 ? 0.0 : R.abs().max().item<double>();
}

double symmetry_residual(const Tensor& X) {
  if (X.numel() == 0) return 0.0;
  const double scale = std::max(1.0, X.abs().max().item<double>());
  return (X - X.mT()).abs().max().item<double>() / scale;
}

Tensor xavier_normal(const Shape& shape, Dtype dtype) {
  const double n = double(shape[shape.size() - 2]), k = double(shape[shape.size() - 1]);
  return randn(shape, dtype) * std::sqrt(2.0 / (n + k));
}

Tensor orthonormal_q(const Tensor& G) {
  auto [Q, R] = linalg::qr(G);
  Tensor d = R.diagonal(0, -2, -1).sign();
  d = where(d.abs() < 0.5, ones_like(d), d);
  return Q * d.unsqueeze(-2);
}

}  // namespace detail
}  // namespace paragrad::constraints
