// Matrices from an SVD-like product U diag(g(s)) V^T (geotorch's LowRank, FixedRank, GLp, SL
// and AlmostOrthogonal), U and V on Stiefel manifolds. The factors share one original of the
// tensor's shape, packed as geotorch packs them (strictly lower / diagonal / strictly upper).
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
// The last-dim entries 0..r-1 of a [..., m] tensor.
Tensor head(const Tensor& t, int64_t r) { return t.narrow(-1, 0, r); }

}  // namespace

LowRank::LowRank(Shape shape, Dtype dtype, int64_t rank, Triv triv, std::string constraint)
    : Manifold(std::move(constraint), std::move(shape), dtype), r_(rank) {
  const Shape& s = tensor_shape();
  detail::check_matrix_shape(s, this->constraint());
  const int64_t rows = s[s.size() - 2], cols = s[s.size() - 1];
  transposed_ = rows < cols;
  n_ = std::max(rows, cols);
  k_ = std::min(rows, cols);
  check<ValueError>(rank >= 1 && rank <= k_, this->constraint(),
                    ": the rank has to be 1 <= rank <= min(n, k) = ", k_, " for shape ",
                    detail::shape_text(s), ", got ", rank);
  const Shape batch = batch_of(s);
  U_ = register_module(
      "U", std::make_shared<Stiefel>(with_tail(batch, {n_, r_}), dtype, triv, this->constraint()));
  V_ = register_module(
      "V", std::make_shared<Stiefel>(with_tail(batch, {k_, r_}), dtype, triv, this->constraint()));
}

Tensor LowRank::forward(const Tensor& X) {
  const Tensor Xt = detail::tall(X, transposed_);
  const Tensor U = U_->forward(head(Xt.tril(-1), r_));
  const Tensor V = V_->forward(head(Xt.triu(1).mT(), r_));
  const Tensor s = singular_values(head(Xt.diagonal(0, -2, -1), r_));
  const Tensor W = matmul(U * s.unsqueeze(-2), V.mT());
  return transposed_ ? W.mT() : W;
}

TensorList LowRank::right_inverse(const Tensor& X) {
  check_on_manifold(X);
  NoGradGuard no_grad;
  const Dtype dt = tensor_dtype();
  auto [U, S, Vh] = linalg::svd(as_f64(detail::tall(X, transposed_)), /*full_matrices=*/false);
  U_->right_inverse(head(U, r_).to(dt).contiguous());
  V_->right_inverse(Vh.narrow(-2, 0, r_).mT().to(dt).contiguous());
  Tensor original = zeros(with_tail(batch_of(tensor_shape()), {n_, k_}), dt);
  head(original.diagonal(0, -2, -1), r_).copy_(singular_values_inverse(head(S, r_).to(dt)));
  return {transposed_ ? original.mT().contiguous() : original};
}

Tensor LowRank::sample() const {
  const Dtype dt = tensor_dtype();
  const Tensor G = detail::xavier_normal(with_tail(batch_of(tensor_shape()), {n_, k_}), kFloat64);
  auto [U, S, Vh] = linalg::svd(G, false);
  const Tensor s = sample_singular_values(head(S, r_));
  Tensor X = matmul(head(U, r_) * s.unsqueeze(-2), Vh.narrow(-2, 0, r_)).to(dt);
  return transposed_ ? X.mT().contiguous() : X;
}

std::string LowRank::violation(const Tensor& X, double tol) const {
  const Tensor X64 = as_f64(detail::tall(X, transposed_));
  if (X64.numel() == 0) return "";
  const Tensor S = linalg::svdvals(X64);  // descending
  const Tensor top = S.narrow(-1, 0, 1).squeeze(-1).clamp_min(1e-300);
  if (r_ < k_) {
    const double ratio = max_of(S.narrow(-1, r_, 1).squeeze(-1) / top);
    std::string why = exceeds(cat("rank > ", r_, ": sigma_", r_ + 1, " / sigma_1"), ratio, tol);
    if (!why.empty()) return why;
  }
  return singular_violation(X64, S, tol);
}

std::string LowRank::singular_violation(const Tensor&, const Tensor&, double) const { return ""; }

FixedRank::FixedRank(Shape shape, Dtype dtype, int64_t rank, std::string f, Triv triv,
                     std::string constraint)
    : LowRank(std::move(shape), dtype, rank, triv, std::move(constraint)), f_(std::move(f)) {
  check<ValueError>(maps::is_positive_map(f_), this->constraint(), ": unknown f \"", f_,
                    "\"; expected a positive map: \"softplus\", \"exp\" or \"sigmoid\"");
}

Tensor FixedRank::singular_values(const Tensor& s) const { return maps::positive(f_, s); }

Tensor FixedRank::singular_values_inverse(const Tensor& S) const {
  return maps::positive_inverse(f_, S);
}

std::string FixedRank::singular_violation(const Tensor&, const Tensor& S, double tol) const {
  // rank >= r: sigma_r / sigma_1 above the tolerance (numerical rank).
  const Tensor ratio =
      S.narrow(-1, r_ - 1, 1).squeeze(-1) / S.narrow(-1, 0, 1).squeeze(-1).clamp_min(1e-300);
  const double worst = ratio.numel() == 0 ? 1.0 : ratio.min().item<double>();
  if (worst <= tol)
    return cat("rank < ", r_, ": sigma_", r_, " / sigma_1 = ", detail::num(worst),
               " <= ", detail::num(tol));
  return bound_violation(S, tol);
}

std::string FixedRank::bound_violation(const Tensor& S, double tol) const {
  const double sup = maps::positive_supremum(f_);
  if (!std::isfinite(sup)) return "";
  return exceeds(cat("sigma_1 / ", sup, " - 1 (f = ", f_, " is bounded)"),
                 max_of(S.narrow(-1, 0, 1)) / sup - 1.0, tol);
}

Tensor FixedRank::sample_singular_values(const Tensor& S) const {
  // Kept away from 0 relative to the largest, so that a sample has rank r numerically.
  const Tensor s = maximum(S, 0.05 * S.narrow(-1, 0, 1));
  const double sup = maps::positive_supremum(f_);
  return std::isfinite(sup) ? s * (0.9 * sup) / s.narrow(-1, 0, 1) : s;
}

Invertible::Invertible(Shape shape, Dtype dtype, std::string f, Triv triv, std::string constraint)
    : FixedRank(shape, dtype, square_size(shape, constraint), std::move(f), triv, constraint) {}

Tensor Invertible::sample() const {
  Tensor X = LowRank::sample();
  const Tensor flip =
      where(linalg::det(X) < 0.0, full({}, -1.0, X.dtype()), full({}, 1.0, X.dtype()));
  return cat({X.narrow(-1, 0, 1) * flip.unsqueeze(-1).unsqueeze(-1), X.narrow(-1, 1, n_ - 1)}, -1);
}

namespace {
std::string det_violation(const Tensor& X64, const std::string& constraint) {
  const double det_min = linalg::det(X64).min().item<double>();
  if (det_min > 0) return "";
  return cat("det = ", detail::num(det_min), " (", constraint, " needs det > 0)");
}
}  // namespace

std::string Invertible::singular_violation(const Tensor& X64, const Tensor& S, double tol) const {
  // det > 0; U and V then keep det(U) det(V) = +1 along any optimization path.
  std::string why = det_violation(X64, constraint());
  return why.empty() ? bound_violation(S, tol) : why;
}

SpecialLinear::SpecialLinear(Shape shape, Dtype dtype, std::string f, Triv triv)
    : Invertible(std::move(shape), dtype, std::move(f), triv, "sln") {}

Tensor SpecialLinear::singular_values(const Tensor& s) const {
  const Tensor l = maps::positive(f_, s).log();
  return (l - l.mean({-1}, true)).exp();  // f(s) / geometric mean
}

Tensor SpecialLinear::singular_values_inverse(const Tensor& S) const {
  // g(s) = f(s) / geometric mean is scale-free: bring S into a bounded f's range first.
  const double sup = maps::positive_supremum(f_);
  if (!std::isfinite(sup)) return FixedRank::singular_values_inverse(S);
  return FixedRank::singular_values_inverse(S * (0.5 * sup) / S.amax({-1}, true));
}

std::string SpecialLinear::singular_violation(const Tensor& X64, const Tensor& S,
                                              double tol) const {
  std::string why = det_violation(X64, constraint());  // (f's bound does not apply: g is
  if (!why.empty()) return why;                        // scale-free)
  // |log det| / n = |mean log sigma|
  return exceeds("|log det| / n", max_of(S.log().mean({-1}).abs()), tol);
}

Tensor SpecialLinear::sample_singular_values(const Tensor& S) const {
  const Tensor l = FixedRank::sample_singular_values(S).log();
  return (l - l.mean({-1}, true)).exp();
}

AlmostOrthogonal::AlmostOrthogonal(Shape shape, Dtype dtype, double lam, std::string f, Triv triv)
    : LowRank(shape, dtype,
              shape.size() >= 2 ? std::min(shape[shape.size() - 2], shape[shape.size() - 1]) : 1,
              triv, "almost_orthogonal"),
      lam_(lam),
      f_(std::move(f)) {
  check<ValueError>(lam >= 0 && lam <= 1, "almost_orthogonal: lam has to be in [0, 1], got ", lam);
  check<ValueError>(maps::is_bounded_map(f_), "almost_orthogonal: unknown f \"", f_,
                    "\"; expected a bounded map: \"sin\", \"tanh\" or \"sigmoid\"");
}

Tensor AlmostOrthogonal::singular_values(const Tensor& s) const {
  return 1.0 + lam_ * maps::bounded(f_, s);
}

Tensor AlmostOrthogonal::singular_values_inverse(const Tensor& S) const {
  if (lam_ == 0) return zeros_like(S);
  return maps::bounded_inverse(f_, (S - 1.0) / lam_);
}

std::string AlmostOrthogonal::singular_violation(const Tensor&, const Tensor& S, double tol) const {
  const double dev = max_of((S - 1.0).abs());
  return exceeds(cat("max|sigma - 1| - lam (lam = ", lam_, ")"), std::max(0.0, dev - lam_), tol);
}

Tensor AlmostOrthogonal::sample() const {
  Tensor Q =
      detail::orthonormal_q(randn(with_tail(batch_of(tensor_shape()), {n_, k_}), tensor_dtype()));
  return transposed_ ? Q.mT().contiguous() : Q;
}

}  // namespace paragrad::constraints
