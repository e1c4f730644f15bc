// eigh and eigvalsh: Eigen's SelfAdjointEigenSolver per matrix of the batch. Like PyTorch
// (UPLO='L'), only the lower triangle of A is read; eigenvalues come out ascending.
#include <Eigen/Eigenvalues>

#include <paragrad/linalg/batch.hpp>
#include <paragrad/linalg/linalg.hpp>

namespace paragrad::linalg {

using autograd::grad_list;
using autograd::needs_grad;
using autograd::record_multi;
using autograd::SavedTensor;
using namespace linalg::detail;

namespace {

std::tuple<Tensor, Tensor> eigh_forward(const Tensor& A, bool compute_v, const char* op) {
  check_square(A, op);
  check_finite(A, op);
  const Tensor X = kernel_input(A);
  const int64_t n = rows(A);
  const Dims batch = batch_dims(A);
  Tensor L = empty(with_tail(batch, {n}), A.dtype());
  Tensor V = compute_v ? empty(with_tail(batch, {n, n}), A.dtype()) : Tensor();
  dispatch_floating(A.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    Eigen::SelfAdjointEigenSolver<ColMat<T>> solver(n);
    ColMat<T> a(n, n);
    for_each_matrix<T>(X, [&](int64_t b, const MatMap<T>& x) {
      if (n == 0) return;
      a = x;  // the solver reads the lower triangle only
      solver.compute(a, compute_v ? Eigen::ComputeEigenvectors : Eigen::EigenvaluesOnly);
      check<ValueError>(solver.info() == Eigen::Success, op,
                        ": the eigenvalue iteration did not converge for the input of shape ",
                        shape_str(A.sizes()));
      VecMap<T>(L.data_ptr<T>() + b * n, n) = solver.eigenvalues();
      if (compute_v) MatMap<T>(V.data_ptr<T>() + b * n * n, n, n) = solver.eigenvectors();
    });
  });
  return {L, V};
}

// Backward of A = V diag(L) Vᵀ (symmetric A, orthogonal V).
//
// Derivation (Giles 2008, "Collected matrix derivative results for forward and reverse mode
// AD", sec. 3.1; PyTorch's linalg_eig_backward, FunctionsManual.cpp): from A V = V Λ,
//   dΛ = I ∘ (Vᵀ dA V),  Vᵀ dV = F ∘ (Vᵀ dA V),  F_ij = 1/(λ_j − λ_i) (i ≠ j), F_ii = 0.
// The adjoint, with VᵀgV projected onto the skew matrices (the tangent space of O(n)):
//   gA = V [diag(gL) + F ∘ ½(VᵀgV − gVᵀV)] Vᵀ.
// As in PyTorch, gA is the symmetric gradient: it treats A's perturbations as symmetric.
//
// Degenerate-spectrum policy (beyond PyTorch, which gives inf/NaN): F_ij := 0 when
// |λ_i − λ_j| <= √eps · max|λ|. For a loss invariant under rotations V_B → V_B Q inside a
// block B of equal eigenvalues (sum/functions of eigenvalues, the projector V_B V_Bᵀ onto the
// whole block), skew(VᵀgV) vanishes on B×B, so dropping those pairs is exact. Losses that do
// depend on the basis inside a degenerate block have no derivative; the result is then the
// gradient of their gauge-invariant part. eigvalsh's rule, V diag(gL) Vᵀ, has no F terms.
Tensor eigh_backward(const Tensor& gL, const Tensor& gV, const Tensor& L, const Tensor& V) {
  if (!gV.defined()) return gL.defined() ? matmul(V * gL.unsqueeze(-2), V.mT()) : Tensor();
  const Tensor Ld = L.detach();
  const Tensor tol = Ld.abs().amax({-1}, true) * std::sqrt(eps_of(L.dtype()));
  const Tensor distinct = (Ld.unsqueeze(-2) - Ld.unsqueeze(-1)).abs() > tol.unsqueeze(-1);
  const Tensor F = safe_reciprocal(L.unsqueeze(-2) - L.unsqueeze(-1), distinct);
  Tensor inner = 0.5 * skew(matmul(V.mT(), gV)) * F;
  if (gL.defined()) inner = inner + diag_matrix(gL);
  return matmul(V, matmul(inner, V.mT()));
}

}  // namespace

std::tuple<Tensor, Tensor> eigh(const Tensor& A) {
  auto [L, V] = eigh_forward(A, /*compute_v=*/true, "linalg.eigh");
  if (needs_grad(A)) {
    TensorList outs{L, V};
    // grad LinalgEighBackward: linalg.eigh(A) => V(diag(gL) + ½F∘skew(VᵀgV))Vᵀ, F_ij = 1/(λ_j-λ_i)
    record_multi(
        "LinalgEighBackward", outs, {A},
        [sL = SavedTensor(outs[0], true), sV = SavedTensor(outs[1], true, 1)](const TensorList& g) {
          return eigh_backward(g[0], g[1], sL.unpack(), sV.unpack());
        });
    return {outs[0], outs[1]};
  }
  return {L, V};
}

// With a gradient, the eigenvalues come from eigh so that the backward V diag(gL) Vᵀ is
// differentiable again (second order); without one, no eigenvectors are computed.
Tensor eigvalsh(const Tensor& A) {
  if (needs_grad(A)) {
    check_square(A, "linalg.eigvalsh");  // errors name the function called, not eigh
    check_finite(A, "linalg.eigvalsh");
    return std::get<0>(eigh(A));
  }
  return std::get<0>(eigh_forward(A, /*compute_v=*/false, "linalg.eigvalsh"));
}

}  // namespace paragrad::linalg
