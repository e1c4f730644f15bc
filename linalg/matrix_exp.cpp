// matrix_exp: Eigen's scaling-and-squaring Padé approximant (Higham 2005) per matrix of the
// batch, from unsupported/Eigen/MatrixFunctions.
#include <unsupported/Eigen/MatrixFunctions>

#include <paragrad/linalg/batch.hpp>
#include <paragrad/linalg/linalg.hpp>

namespace paragrad::linalg {

using autograd::grad_list;
using autograd::needs_grad;
using autograd::record;
using autograd::SavedTensor;
using namespace linalg::detail;

// Backward. The Fréchet derivative L(A, E) of exp at A in direction E is the upper-right
// block of exp([[A, E], [0, A]]) (Najfeld & Havel 1995, "Derivatives of the matrix
// exponential and their computation", eq. 10; Mathias 1996). The adjoint of E ↦ L(A, E) is
// E ↦ L(Aᵀ, E), so
//   gA = upper-right n×n block of exp([[Aᵀ, G], [0, Aᵀ]]).
// The block is built with cat and exponentiated with matrix_exp itself, so the rule is
// differentiable again (second order costs a 4n×4n exponential).
Tensor matrix_exp(const Tensor& A) {
  const char* op = "linalg.matrix_exp";
  check_square(A, op);
  check_finite(A, op);
  const Tensor X = kernel_input(A);
  const int64_t n = rows(A);
  Tensor out = empty(A.sizes(), A.dtype());
  dispatch_floating(A.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    ColMat<T> a(n, n), e(n, n);
    for_each_matrix<T>(X, [&](int64_t b, const MatMap<T>& am) {
      if (n == 0) return;
      a = am;
      e = a.exp();
      MatMap<T>(out.data_ptr<T>() + b * n * n, n, n) = e;
    });
  });
  check<ValueError>(out.isfinite().all(), op, ": the exponential of the input of shape ",
                    shape_str(A.sizes()), " overflows");
  if (needs_grad(A))
    // grad LinalgMatrixExpBackward: linalg.matrix_exp(A) => top right of exp([[Aᵀ, g], [0, Aᵀ]])
    record("LinalgMatrixExpBackward", out, {A}, [sA = SavedTensor(A), n](const Tensor& g) {
      const Tensor at = sA.unpack().mT();
      const Tensor G = broadcast_to(g, at.sizes());
      const Tensor top = cat({at, G}, -1);
      const Tensor bottom = cat({zeros_like(at), at}, -1);
      const Tensor big = matrix_exp(cat({top, bottom}, -2));
      return grad_list(big.narrow(-2, 0, n).narrow(-1, n, n));
    });
  return out;
}

}  // namespace paragrad::linalg
