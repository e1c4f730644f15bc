// householder_product (LAPACK's orgqr): the first n columns of Q = H_1 H_2 ⋯ H_k with
// H_i = I − τ_i v_i v_iᵀ, where v_i has zeros above row i, a 1 at row i and A[i+1:, i] below.
//
// Written as k rank-one updates in Tensor ops, Q ← Q − τ_i v_i (v_iᵀ Q) applied from H_k
// down to H_1 on I[:, :n], so the gradient (and its gradient) with respect to A and tau is
// derived by autograd: no separate backward rule is needed. O(k·m·n) work, like orgqr.
#include <paragrad/linalg/batch.hpp>
#include <paragrad/linalg/linalg.hpp>

namespace paragrad::linalg {

using namespace linalg::detail;

Tensor householder_product(const Tensor& A, const Tensor& tau) {
  const char* op = "linalg.householder_product";
  check_matrix(A, op);
  check_floating(tau, op);
  check<DtypeError>(A.dtype() == tau.dtype(), op, ": expected A and tau of the same dtype, got ",
                    dtype_name(A.dtype()), " and ", dtype_name(tau.dtype()));
  const int64_t m = rows(A), n = cols(A);
  check<ShapeError>(m >= n, op, ": A must have at least as many rows as columns, got shape ",
                    shape_str(A.sizes()));
  check<ShapeError>(tau.dim() == A.dim() - 1, op, ": tau must have one dimension less than A, ",
                    "got shapes ", shape_str(A.sizes()), " and ", shape_str(tau.sizes()));
  check<ShapeError>(batch_dims(tau, 1) == batch_dims(A), op, ": batch dimensions of A ",
                    shape_str(A.sizes()), " and tau ", shape_str(tau.sizes()), " differ");
  const int64_t k = tau.size(-1);
  check<ShapeError>(k <= n, op, ": tau must have at most as many entries as A has columns, got ",
                    "shapes ", shape_str(A.sizes()), " and ", shape_str(tau.sizes()));
  const Tensor V = A.tril(-1) + eye(m, n, A.dtype());  // column i is v_i
  Tensor Q = broadcast_to(eye(m, n, A.dtype()), A.sizes());
  for (int64_t i = k - 1; i >= 0; --i) {
    const Tensor v = V.select(-1, i).unsqueeze(-1);                  // [..., m, 1]
    const Tensor t = tau.select(-1, i).unsqueeze(-1).unsqueeze(-1);  // [..., 1, 1]
    Q = Q - (t * v) * matmul(v.mT(), Q);
  }
  return k == 0 ? Q.contiguous() : Q;
}

}  // namespace paragrad::linalg
