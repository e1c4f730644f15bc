// lstsq: the minimum-norm least-squares solution X = A⁺ B, per matrix of the broadcast batch,
// from Eigen's complete orthogonal decomposition (rank-revealing QR with column pivoting, then
// an RQ of the leading block: the method of LAPACK's gelsy, PyTorch's CPU default). Columns
// whose pivot falls below max(m, n) · eps · |r_11| count as zero, as gelsy's default rcond.
//
// Backward: X = A⁺ B, so gB = A⁺ᵀ g and gA is pinv's rule at g Bᵀ (Golub & Pereyra 1973;
// PyTorch's linalg_lstsq backward goes through pinv the same way). Valid where the rank is
// locally constant — in particular for tall full-rank A, where it equals
//   gA = (B − A X) Zᵀ − A Z Xᵀ,  Z = (AᵀA)⁻¹ g.
// A⁺ is recomputed (differentiably) in the rule, so second order works.
#include <Eigen/QR>

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

Tensor lstsq_forward(const Tensor& A, const Tensor& B, const char* op) {
  const int64_t m = rows(A), n = cols(A), k = cols(B);
  const Dims batch = broadcast_batch(A, B, op);
  const Tensor Ae = broadcast_to(A.detach(), with_tail(batch, {m, n})).contiguous();
  const Tensor Be = broadcast_to(B.detach(), with_tail(batch, {m, k})).contiguous();
  const Dims x_shape = with_tail(batch, {n, k});
  Tensor X = zeros(Shape(x_shape.begin(), x_shape.end()), A.dtype());
  dispatch_floating(A.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    Eigen::CompleteOrthogonalDecomposition<ColMat<T>> cod(m, n);
    cod.setThreshold(T(std::max(m, n)) * std::numeric_limits<T>::epsilon());
    ColMat<T> a(m, n);
    const T* pb = Be.data_ptr<T>();
    for_each_matrix<T>(Ae, [&](int64_t b, const MatMap<T>& am) {
      if (m == 0 || n == 0 || k == 0) return;  // X stays zero (the minimum-norm solution)
      a = am;
      cod.compute(a);
      MatMap<T>(X.data_ptr<T>() + b * n * k, n, k) =
          cod.solve(Eigen::Map<const RowMat<T>>(pb + b * m * k, m, k));
    });
  });
  return X;
}

}  // namespace

Tensor lstsq(const Tensor& A, const Tensor& B) {
  const char* op = "linalg.lstsq";
  check_matrix(A, op);
  check_same_floating(A, B, op);
  // B is a (batch of) vector(s) when it has one dimension less than A, as in PyTorch.
  if (B.dim() == A.dim() - 1) {
    check<ShapeError>(B.dim() >= 1 && B.size(-1) == rows(A), op, ": A of shape ",
                      shape_str(A.sizes()), " and B of shape ", shape_str(B.sizes()),
                      " do not match");
    return lstsq(A, B.unsqueeze(-1)).squeeze(-1);
  }
  check<ShapeError>(B.dim() >= 2 && rows(B) == rows(A), op, ": A of shape ", shape_str(A.sizes()),
                    " and B of shape ", shape_str(B.sizes()),
                    " do not match (B must be [..., m, k] or [..., m])");
  check_finite(A, op);
  check_finite(B, op);
  Tensor X = lstsq_forward(A, B, op);
  if (needs_grad(A, B))
    // grad LinalgLstsqBackward: linalg.lstsq(A, B) => (pinv_backward(g Bᵀ, A, A⁺), A⁺ᵀ g)
    record("LinalgLstsqBackward", X, {A, B},
           [sA = SavedTensor(A), sB = SavedTensor(B)](const Tensor& g) {
             const Tensor a = sA.unpack(), P = pinv(a);
             return grad_list(pinv_backward(matmul(g, sB.unpack().mT()), a, P), matmul(P.mT(), g));
           });
  return X;
}

}  // namespace paragrad::linalg
