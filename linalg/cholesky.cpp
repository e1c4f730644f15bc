// cholesky: Eigen's LLT per matrix of the batch. Like PyTorch, only the lower triangle of A
// is read, and a matrix that is not positive-definite raises.
#include <Eigen/Cholesky>

#include <paragrad/linalg/backward_rules.hpp>
#include <paragrad/linalg/batch.hpp>
#include <paragrad/linalg/linalg.hpp>

namespace paragrad::linalg {

using autograd::grad_list;
using autograd::needs_grad;
using autograd::record;
using autograd::SavedTensor;
using namespace linalg::detail;

// Backward of A = L Lᵀ (Murray 2016, "Differentiation of the Cholesky decomposition",
// arXiv:1602.07527, eq. 10; PyTorch's cholesky_backward):
//   gA = L⁻ᵀ Φ L⁻¹,  Φ = ½ (P + Pᵀ with the diagonal once),  P = tril(Lᵀ gL).
// gA is symmetric: as in PyTorch, perturbations of A are taken as symmetric. The triangular
// solves are written with solve (differentiable), so second order works.
Tensor cholesky(const Tensor& A) {
  const char* op = "linalg.cholesky";
  check_square(A, op);
  check_finite(A, op);
  const Tensor X = kernel_input(A);
  const int64_t n = rows(A);
  Tensor L = zeros(A.shape(), A.dtype());
  dispatch_floating(A.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    Eigen::LLT<ColMat<T>> llt(n);
    ColMat<T> a(n, n);
    for_each_matrix<T>(X, [&](int64_t b, const MatMap<T>& am) {
      if (n == 0) return;
      a = am;
      llt.compute(a);  // reads the lower triangle
      check<ValueError>(llt.info() == Eigen::Success, op, ": the input of shape ",
                        shape_str(A.sizes()), " is not positive-definite",
                        A.dim() > 2 ? cat(" (batch element ", b, ")") : "");
      MatMap<T>(L.data_ptr<T>() + b * n * n, n, n).template triangularView<Eigen::Lower>() =
          llt.matrixL();
    });
  });
  if (needs_grad(A))
    // grad LinalgCholeskyBackward: linalg.cholesky(A) => L⁻ᵀΦL⁻¹, Φ = sym(tril(Lᵀg)) (see below)
    record("LinalgCholeskyBackward", L, {A}, [sL = SavedTensor(L, true)](const Tensor& gL) {
      return cholesky_backward(gL, sL.unpack());
    });
  return L;
}

namespace detail {
Tensor cholesky_backward(const Tensor& gL, const Tensor& l) {
  const Tensor lt = l.mT();
  Tensor phi = matmul(lt, gL).tril();
  phi = 0.5 * (phi + phi.tril(-1).mT());
  // L⁻ᵀ Φ L⁻¹ = (L⁻ᵀ (L⁻ᵀ Φ)ᵀ)ᵀ
  const Tensor left = solve(lt, phi);
  return solve(lt, left.mT()).mT();
}
}  // namespace detail

}  // namespace paragrad::linalg
