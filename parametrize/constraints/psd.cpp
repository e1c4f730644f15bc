// Symmetric positive (semi)definite matrices Q diag(f(l)) Q^T (geotorch's SymF family: PSD,
// PSSD, PSSDLowRank, PSSDFixedRank) and correlation matrices built on them.
#include <cmath>

#include <paragrad/linalg/linalg.hpp>
#include <paragrad/parametrize/constraints/detail.hpp>
#include <paragrad/parametrize/constraints/manifolds.hpp>
#include <paragrad/parametrize/constraints/maps.hpp>

namespace paragrad::constraints {

using detail::as_f64;
using detail::batch_of;
using detail::exceeds;
using detail::max_of;
using detail::square_size;
using detail::with_tail;

namespace {
// Columns n-1, n-2, ..., n-r of a [..., n, m] tensor's last dim (the top r eigenpairs of eigh's
// ascending order, descending).
Tensor top_descending(const Tensor& t, int64_t r) {
  const int64_t n = t.size(-1);
  return t.index_select(t.dim() - 1, arange(double(n - 1), double(n - r - 1), -1, kInt64));
}

// Eigenvalues (ascending) of the symmetric part of X64, and max |eigenvalue| per matrix.
Tensor symmetric_eigenvalues(const Tensor& X64) { return linalg::eigvalsh(0.5 * (X64 + X64.mT())); }

}  // namespace

SymF::SymF(Shape shape, Dtype dtype, int64_t rank, std::string f, Triv triv, std::string constraint)
    : Manifold(std::move(constraint), std::move(shape), dtype), r_(rank), f_(std::move(f)) {
  n_ = square_size(tensor_shape(), this->constraint());
  check<ValueError>(rank >= 1 && rank <= n_, this->constraint(),
                    ": the rank has to be 1 <= rank <= n = ", n_, " for shape ",
                    detail::shape_text(tensor_shape()), ", got ", rank);
  check<ValueError>(f_ == "abs" || maps::is_positive_map(f_), this->constraint(), ": unknown f \"",
                    f_, "\"; expected a positive map: \"softplus\", \"exp\" or \"sigmoid\"");
  Q_ = register_module("Q", std::make_shared<Stiefel>(with_tail(batch_of(tensor_shape()), {n_, r_}),
                                                      dtype, triv, this->constraint()));
}

Tensor SymF::forward(const Tensor& X) {
  const Tensor Q = Q_->forward(X.tril(-1).narrow(-1, 0, r_));
  const Tensor l = X.diagonal(0, -2, -1).narrow(-1, 0, r_);
  return maps::congruence(Q, f_ == "abs" ? l.abs() : maps::positive(f_, l));
}

TensorList SymF::right_inverse(const Tensor& X) {
  check_on_manifold(X);
  NoGradGuard no_grad;
  const Dtype dt = tensor_dtype();
  const Tensor X64 = as_f64(X);
  auto [lambda, V] = linalg::eigh(0.5 * (X64 + X64.mT()));
  const Tensor l = top_descending(lambda, r_).to(dt);
  Q_->right_inverse(top_descending(V, r_).to(dt).contiguous());
  Tensor original = zeros(tensor_shape(), dt);
  original.diagonal(0, -2, -1).narrow(-1, 0, r_).copy_(f_ == "abs" ? l.clamp_min(0.0)
                                                                   : maps::positive_inverse(f_, l));
  return {original};
}

Tensor SymF::sample() const {
  const Shape batch = batch_of(tensor_shape());
  const Tensor G = detail::xavier_normal(with_tail(batch, {n_, n_}), kFloat64);
  auto [lambda, V] = linalg::eigh(matmul(G, G.mT()));
  Tensor l = top_descending(lambda, r_);
  // Positive maps: the top r eigenvalues kept away from 0 relative to the largest.
  if (f_ != "abs") {
    l = maximum(l, 0.05 * l.narrow(-1, 0, 1));
    const double sup = maps::positive_supremum(f_);
    if (std::isfinite(sup)) l = l * (0.9 * sup) / l.narrow(-1, 0, 1);
  }
  return maps::congruence(top_descending(V, r_), l.clamp_min(0.0)).to(tensor_dtype());
}

std::string SymF::violation(const Tensor& X, double tol) const {
  const Tensor X64 = as_f64(X);
  if (X64.numel() == 0) return "";
  std::string why = exceeds("max|X - X^T| / max(1, max|X|)", detail::symmetry_residual(X64), tol);
  if (!why.empty()) return why;
  const Tensor lambda = symmetric_eigenvalues(X64);  // ascending
  const Tensor scale = lambda.abs().amax({-1}).clamp_min(1e-300);
  why = exceeds("-lambda_min / max|lambda|",
                max_of((-lambda.narrow(-1, 0, 1).squeeze(-1)).clamp_min(0.0) / scale), tol);
  if (!why.empty()) return why;
  if (f_ != "abs" && std::isfinite(maps::positive_supremum(f_))) {
    const double sup = maps::positive_supremum(f_);
    why = exceeds(cat("lambda_1 / ", sup, " - 1 (f = ", f_, " is bounded)"),
                  max_of(lambda.narrow(-1, n_ - 1, 1)) / sup - 1.0, tol);
    if (!why.empty()) return why;
  }
  if (r_ == n_) return why;
  why = exceeds(cat("rank > ", r_, ": lambda_", r_ + 1, " / lambda_1"),
                max_of(lambda.narrow(-1, n_ - r_ - 1, 1).squeeze(-1) / scale), tol);
  if (!why.empty() || f_ == "abs") return why;
  const Tensor ratio = lambda.narrow(-1, n_ - r_, 1).squeeze(-1) / scale;
  const double worst = ratio.min().item<double>();
  if (worst > tol) return "";
  return cat("rank < ", r_, ": lambda_", r_, " / lambda_1 = ", detail::num(worst),
             " <= ", detail::num(tol));
}

Correlation::Correlation(Shape shape, Dtype dtype, Triv triv)
    : Manifold("correlation", std::move(shape), dtype) {
  const int64_t n = square_size(tensor_shape(), "correlation");
  P_ = register_module(
      "P", std::make_shared<SymF>(tensor_shape(), dtype, n, "softplus", triv, "correlation"));
}

Tensor Correlation::forward(const Tensor& X) { return maps::correlation(P_->forward(X)); }

TensorList Correlation::right_inverse(const Tensor& X) {
  check_on_manifold(X);
  return P_->right_inverse(X);  // P = X, whose diagonal is already 1
}

Tensor Correlation::sample() const { return maps::correlation(P_->sample()); }

std::string Correlation::violation(const Tensor& X, double tol) const {
  const Tensor X64 = as_f64(X);
  if (X64.numel() == 0) return "";
  std::string why = exceeds("max|diag(X) - 1|", max_of((X64.diagonal(0, -2, -1) - 1.0).abs()), tol);
  if (!why.empty()) return why;
  return P_->violation(X64, tol);
}

}  // namespace paragrad::constraints
