// matrix_rank and pinv, both from the singular values (svd.cpp), with PyTorch's default
// tolerance: σ counts as zero when σ <= max(m, n) · eps · σ_max.

#include <paragrad/linalg/backward_rules.hpp>
#include <paragrad/linalg/batch.hpp>
#include <paragrad/linalg/linalg.hpp>

namespace paragrad::linalg {

using autograd::grad_list;
using autograd::needs_grad;
using autograd::record;
using autograd::SavedTensor;
using namespace linalg::detail;

namespace {

// Number of σ > max(atol, rtol · σ_max) per matrix (an integer: no gradient).
Tensor count_above(const Tensor& A, double atol, double rtol) {
  const Tensor S = svdvals(A.detach());
  const Tensor tol = maximum(S.amax({-1}, true) * rtol, full_like(S.narrow(-1, 0, 1), atol));
  return (S > tol).to(kInt64).sum({-1});
}

}  // namespace

Tensor matrix_rank(const Tensor& A) {
  check_matrix(A, "linalg.matrix_rank");
  if (std::min(rows(A), cols(A)) == 0) return empty(batch_dims(A), kInt64).zero_();
  return count_above(A, 0.0, double(std::max(rows(A), cols(A))) * eps_of(A.dtype()));
}

Tensor matrix_rank(const Tensor& A, double tol) {
  check_matrix(A, "linalg.matrix_rank");
  check<ValueError>(tol >= 0, "linalg.matrix_rank: tol must be non-negative, got ", tol);
  if (std::min(rows(A), cols(A)) == 0) return empty(batch_dims(A), kInt64).zero_();
  return count_above(A, tol, 0.0);
}

// pinv(A) = V diag(1/σ) Uᵀ over the σ above the tolerance. Backward (Golub & Pereyra 1973,
// "The differentiation of pseudo-inverses", eq. 4.12; PyTorch's pinv_backward), valid where
// the rank is locally constant, written with matmul on A and X = A⁺ so it differentiates again:
//   dX = −X dA X + X Xᵀ dAᵀ (I − A X) + (I − X A) dAᵀ Xᵀ X, hence
//   gA = −Xᵀ g Xᵀ + (I − A X) gᵀ X Xᵀ + Xᵀ X gᵀ (I − X A),
// grouped so the largest intermediate is min(m, n) square.
namespace detail {
Tensor pinv_backward(const Tensor& g, const Tensor& a, const Tensor& x) {
  const int64_t m = rows(a), n = cols(a);
  const Tensor xt = x.mT(), gt = g.mT();
  if (m <= n) {
    const Tensor K = matmul(gt, x), Kxt = matmul(K, xt);
    return -matmul(x, K).mT() + Kxt - matmul(matmul(a, x), Kxt) +
           matmul(matmul(xt, x), gt - matmul(K, a));
  }
  const Tensor K = matmul(x, gt), xtK = matmul(xt, K);
  return -matmul(K, x).mT() + matmul(matmul(gt - matmul(a, K), x), xt) + xtK -
         matmul(matmul(xtK, x), a);
}
}  // namespace detail

Tensor pinv(const Tensor& A) {
  const char* op = "linalg.pinv";
  check_matrix(A, op);
  check_finite(A, op);
  const int64_t m = rows(A), n = cols(A);
  Tensor X;
  if (std::min(m, n) == 0) {
    X = empty(with_tail(batch_dims(A), {n, m}), A.dtype());
    X.zero_();
  } else {
    NoGradGuard no_grad;
    auto [U, S, Vh] = svd(A.detach(), /*full_matrices=*/false);
    const Tensor tol = S.narrow(-1, 0, 1) * (double(std::max(m, n)) * eps_of(A.dtype()));
    const Tensor Sinv = safe_reciprocal(S, S > tol);
    X = matmul(Vh.mT() * Sinv.unsqueeze(-2), U.mT());
  }
  if (needs_grad(A))
    // grad LinalgPinvBackward: linalg.pinv(A) => -(XK)ᵀ + KXᵀ - AXKXᵀ + XᵀX(gᵀ - KA), K = gᵀX (m≤n)
    record("LinalgPinvBackward", X, {A},
           [sA = SavedTensor(A), sX = SavedTensor(X, true)](const Tensor& g) {
             return pinv_backward(g, sA.unpack(), sX.unpack());
           });
  return X;
}

}  // namespace paragrad::linalg
