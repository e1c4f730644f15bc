// solve and inv: Eigen's partial-pivot LU per matrix of the (broadcast) batch.
//
// Singular matrices raise: a pivot u_ii of the LU with |u_ii| <= n · eps · max|a_ij| means A
// is singular to working precision (its solution would be inf or noise), never returned.
#include <Eigen/LU>

#include <paragrad/linalg/batch.hpp>
#include <paragrad/linalg/linalg.hpp>

namespace paragrad::linalg {

using autograd::grad_list;
using autograd::needs_grad;
using autograd::record;
using autograd::SavedTensor;
using namespace linalg::detail;

namespace {

template <class T>
void check_nonsingular(const Eigen::PartialPivLU<ColMat<T>>& lu, T scale, const Tensor& A,
                       int64_t b, const char* op) {
  const auto& LU = lu.matrixLU();
  const int64_t n = LU.rows();
  const T tol = T(n) * std::numeric_limits<T>::epsilon() * scale;
  for (int64_t i = 0; i < n; ++i)
    check<ValueError>(std::abs(LU(i, i)) > tol, op, ": the input of shape ", shape_str(A.sizes()),
                      " is singular", A.dim() > 2 ? cat(" (batch element ", b, ")") : "",
                      ": pivot ", i, " of its LU factorization is zero to working precision");
}

Tensor solve_forward(const Tensor& A, const Tensor& B, const char* op) {
  const int64_t n = rows(A), k = cols(B);
  const Dims batch = broadcast_batch(A, B, op);
  const Tensor Ae = broadcast_to(A.detach(), with_tail(batch, {n, n})).contiguous();
  const Tensor Be = broadcast_to(B.detach(), with_tail(batch, {n, k})).contiguous();
  Tensor X = empty(with_tail(batch, {n, k}), A.dtype());
  dispatch_floating(A.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    Eigen::PartialPivLU<ColMat<T>> lu(n);
    ColMat<T> a(n, n);
    const T* pb = Be.data_ptr<T>();
    for_each_matrix<T>(Ae, [&](int64_t b, const MatMap<T>& am) {
      if (n == 0) return;
      a = am;
      lu.compute(a);
      check_nonsingular(lu, a.cwiseAbs().maxCoeff(), A, b, op);
      MatMap<T>(X.data_ptr<T>() + b * n * k, n, k) =
          lu.solve(Eigen::Map<const RowMat<T>>(pb + b * n * k, n, k));
    });
  });
  return X;
}

}  // namespace

namespace {
// X = A⁻¹B for A [..., n, n] and a matrix right-hand side B [..., n, k], batch dims broadcast.
// Backward: gB = A⁻ᵀ g (a solve with Aᵀ), gA = −gB Xᵀ (Giles 2008, sec. 2.3.1). Written with
// solve_matrix and matmul, so it differentiates again.
Tensor solve_matrix(const Tensor& A, const Tensor& B, const char* op) {
  check<ShapeError>(B.dim() >= 2 && rows(B) == rows(A), op, ": A of shape ", shape_str(A.sizes()),
                    " and B of shape ", shape_str(B.sizes()),
                    " do not match (B must be [..., n, k] or [..., n])");
  check_finite(A, op);
  Tensor X = solve_forward(A, B, op);
  if (needs_grad(A, B))
    // grad LinalgSolveBackward: linalg.solve(A, B) => (-gB Xᵀ, gB), gB = solve(Aᵀ, g), X = out
    record("LinalgSolveBackward", X, {A, B},
           [sA = SavedTensor(A), sX = SavedTensor(X, true), op](const Tensor& g) {
             const Tensor gB = solve_matrix(sA.unpack().mT(), g, op);
             return grad_list(-matmul(gB, sX.unpack().mT()), gB);
           });
  return X;
}
}  // namespace

// PyTorch's rule for B: a (batch of) vector(s) when B is 1-d, or when its shape is exactly A's
// shape without the last dim; a vector b is solved as the matrix b.unsqueeze(-1) (its batch dims
// broadcast against A's) and the column is squeezed away again. So A [1, 1, 1] with b [1] gives
// [1, 1]: b becomes [1, 1], broadcast against A's batch [1].
Tensor solve(const Tensor& A, const Tensor& B) {
  const char* op = "linalg.solve";
  check_square(A, op);
  check_floating(B, op);
  check<DtypeError>(A.dtype() == B.dtype(), op, ": expected A and B of the same dtype, got ",
                    dtype_name(A.dtype()), " and ", dtype_name(B.dtype()));
  check<ShapeError>(B.dim() >= 1, op, ": B must have at least 1 dimension, got shape ",
                    shape_str(B.sizes()));
  const bool vector_rhs =
      B.dim() == 1 ||
      (B.dim() == A.dim() - 1 && B.sizes() == Dims(A.sizes().begin(), A.sizes().end() - 1));
  if (!vector_rhs) return solve_matrix(A, B, op);
  check<ShapeError>(B.size(-1) == rows(A), op, ": A of shape ", shape_str(A.sizes()),
                    " and B of shape ", shape_str(B.sizes()), " do not match");
  return solve_matrix(A, B.unsqueeze(-1), op).squeeze(-1);
}

// inv(A) by LU. Backward: gA = −Xᵀ g Xᵀ with X = A⁻¹ (d(A⁻¹) = −A⁻¹ dA A⁻¹).
Tensor inv(const Tensor& A) {
  const char* op = "linalg.inv";
  check_square(A, op);
  check_finite(A, op);
  const Tensor Xin = kernel_input(A);
  const int64_t n = rows(A);
  Tensor X = empty(A.sizes(), A.dtype());
  dispatch_floating(A.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    Eigen::PartialPivLU<ColMat<T>> lu(n);
    ColMat<T> a(n, n);
    for_each_matrix<T>(Xin, [&](int64_t b, const MatMap<T>& am) {
      if (n == 0) return;
      a = am;
      lu.compute(a);
      check_nonsingular(lu, a.cwiseAbs().maxCoeff(), A, b, op);
      MatMap<T>(X.data_ptr<T>() + b * n * n, n, n) = lu.inverse();
    });
  });
  if (needs_grad(A))
    // grad LinalgInvBackward: linalg.inv(A) => -Xᵀ g Xᵀ, X = out
    record("LinalgInvBackward", X, {A}, [sX = SavedTensor(X, true)](const Tensor& g) {
      const Tensor Xt = sX.unpack().mT();
      return -matmul(Xt, matmul(g, Xt));
    });
  return X;
}

}  // namespace paragrad::linalg
