// svd and svdvals: the SVD kernel (svd_kernel.hpp) per matrix of the batch, and the backward.
#include <paragrad/linalg/batch.hpp>
#include <paragrad/linalg/linalg.hpp>
#include <paragrad/linalg/svd_kernel.hpp>

namespace paragrad::linalg {

using autograd::grad_list;
using autograd::needs_grad;
using autograd::record_multi;
using autograd::SavedTensor;
using namespace linalg::detail;

namespace {

// The SVD of every matrix of A. With compute_uv false only S is filled.
struct SvdResult {
  Tensor U, S, Vh;
};

SvdResult svd_forward(const Tensor& A, bool compute_uv, bool full, const char* op) {
  check_matrix(A, op);
  check_finite(A, op);
  const Tensor X = kernel_input(A);
  const int64_t m = rows(A), n = cols(A), k = std::min(m, n);
  const Dims batch = batch_dims(A);
  const int64_t ucols = full ? m : k, vrows = full ? n : k;
  SvdResult r;
  r.S = empty(with_tail(batch, {k}), A.dtype());
  if (compute_uv) {
    r.U = empty(with_tail(batch, {m, ucols}), A.dtype());
    r.Vh = empty(with_tail(batch, {vrows, n}), A.dtype());
  }
  dispatch_floating(A.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    for_each_matrix<T>(X, [&](int64_t b, const MatMap<T>& a) {
      T* U = compute_uv ? r.U.data_ptr<T>() + b * m * ucols : nullptr;
      T* Vh = compute_uv ? r.Vh.data_ptr<T>() + b * vrows * n : nullptr;
      if (k == 0) {  // empty matrix: S is empty, U and Vh are identities
        if (compute_uv) {
          MatMap<T>(U, m, ucols).setIdentity();
          MatMap<T>(Vh, vrows, n).setIdentity();
        }
        return;
      }
      svd_matrix<T>(a, r.S.data_ptr<T>() + b * k, U, Vh, full, op);
    });
  });
  return r;
}

// Backward of the reduced SVD A = U diag(S) Vh (U m×k, Vh k×n, k = min(m, n)).
//
// Derivation (Townsend 2016, "Differentiating the singular value decomposition"; Ionescu et
// al. 2015, arXiv:1509.07838; PyTorch's svd_backward, FunctionsManual.cpp): differentiating
// A = U S Vᵀ with UᵀU = VᵀV = I gives dS = diag(Uᵀ dA V) and, with P = Uᵀ dA V,
//   Uᵀ dU = F ∘ (P S + S Pᵀ),  Vᵀ dV = F ∘ (S P + Pᵀ S),  F_ij = 1/(σ_j² − σ_i²) (i ≠ j),
// plus (I − UUᵀ) dA V S⁻¹ for U when m > n (and its mirror for V when m < n). The adjoint:
//   gA = U [diag(gS) + F ∘ (skew(UᵀgU) S + S skew(VᵀgV))] Vᵀ
//        + (I − UUᵀ) gU S⁻¹ Vᵀ   (m > n)   or   + U S⁻¹ gVᵀ (I − VVᵀ)   (m < n),
// skew(X) = X − Xᵀ.
//
// Degenerate-spectrum policy (goes beyond PyTorch, which returns inf/NaN here):
// * F_ij := 0 when |σ_i − σ_j| <= √eps · σ_max. If the loss is invariant under a common
//   rotation U_B → U_B Q, V_B → V_B Q of a degenerate block B (e.g. sum(S), ‖A‖_nuc, the
//   projector U_B U_Bᵀ onto the whole block), then skew(UᵀgU + VᵀgV) vanishes on B×B, so the
//   exact contribution of those pairs is zero and the gradient is exact. For losses that do
//   depend on the basis inside a (near-)degenerate block the derivative does not exist (or is
//   ~1/(σ_i − σ_j)); those pairs are then dropped and the gradient is that of the
//   gauge-invariant part. The threshold √eps also keeps the cancellation error of near-equal
//   pairs below √eps·|g| instead of amplifying it.
// * 1/σ_i := 0 when σ_i <= √eps · σ_max (zero singular values, a pseudo-inverse): exact for
//   losses that do not depend on the arbitrary completion of U (m > n) or V (m < n).
//   Where several singular values are zero the SVD itself has a kink (the block's singular
//   values move like |x|): sum(S) then gets the subgradient U Vᵀ.
// * With gU and gVh both absent (svdvals, nuclear and spectral norms) the rule is
//   U diag(gS) Vh: no F terms, always finite.
Tensor svd_backward(const Tensor& gU, const Tensor& gS, const Tensor& gVh, const Tensor& U,
                    const Tensor& S, const Tensor& Vh) {
  const int64_t m = U.size(-2), n = Vh.size(-1);
  if (!gU.defined() && !gVh.defined()) {
    if (!gS.defined()) return Tensor();
    return m >= n ? matmul(U, gS.unsqueeze(-1) * Vh) : matmul(U * gS.unsqueeze(-2), Vh);
  }
  const Tensor Sd = S.detach();
  const Tensor tol = Sd.amax({-1}, true) * std::sqrt(eps_of(S.dtype()));  // [..., 1]
  const Tensor distinct = (Sd.unsqueeze(-2) - Sd.unsqueeze(-1)).abs() > tol.unsqueeze(-1);
  const Tensor S2 = S * S;
  const Tensor F = safe_reciprocal(S2.unsqueeze(-2) - S2.unsqueeze(-1), distinct);
  Tensor inner;
  if (gU.defined()) inner = skew(matmul(U.mT(), gU)) * S.unsqueeze(-2);
  if (gVh.defined()) {
    Tensor t = S.unsqueeze(-1) * skew(matmul(Vh, gVh.mT()));
    inner = inner.defined() ? inner + t : t;
  }
  inner = inner * F;
  if (gS.defined()) inner = inner + diag_matrix(gS);
  const Tensor Sinv = safe_reciprocal(S, Sd > tol);
  if (m > n && gU.defined()) {
    const Tensor gUSinv = gU * Sinv.unsqueeze(-2);
    Tensor gA = matmul(U, inner) + gUSinv - matmul(U, matmul(U.mT(), gUSinv));
    return matmul(gA, Vh);
  }
  if (m < n && gVh.defined()) {
    const Tensor SinvgVh = gVh * Sinv.unsqueeze(-1);
    Tensor gA = matmul(inner, Vh) + SinvgVh - matmul(matmul(SinvgVh, Vh.mT()), Vh);
    return matmul(U, gA);
  }
  return m >= n ? matmul(U, matmul(inner, Vh)) : matmul(matmul(U, inner), Vh);
}

// full_matrices: the gradient of the first k columns of U (dim -1; rows of Vh, dim -2) with
// that of the completion folded in. The completion U2 = U[:, k:] is any orthonormal basis of
// the complement of U1 = U[:, :k], so a loss can depend on it only through its projector
// U2 U2ᵀ = I − U1 U1ᵀ (gauge invariance: skew(U2ᵀ G2) = 0 for G2 = dL/dU2). Differentiating
// U1ᵀ U2 = 0 gives U1ᵀ dU2 = −dU1ᵀ U2, so <G2, dU2> = <G2, U1 U1ᵀ dU2> = −<U2 G2ᵀ U1, dU1>:
//   gU1 += −U2 G2ᵀ U1,   and for Vh (V2ᵀ = Vh[k:]):  gVh1 += −(Vh1 gVh2ᵀ) Vh2.
// PyTorch 1.13 drops G2 (derivatives.yaml narrows grad_U to k columns), which is wrong for
// such losses (tests/differential: the `vectors` family's completion programs, checked
// against finite differences). For losses that do depend on the basis of the completion, the
// derivative does not exist; this is then the gradient of their gauge-invariant part.
Tensor completion_grad(const Tensor& g, const Tensor& Q, int64_t k, int64_t dim) {
  if (!g.defined()) return g;
  const int64_t full = Q.size(dim);
  const Tensor g1 = g.narrow(dim, 0, k);
  if (full == k) return g1;
  const Tensor Q1 = Q.narrow(dim, 0, k), Q2 = Q.narrow(dim, k, full - k);
  const Tensor g2 = g.narrow(dim, k, full - k);
  return dim == -1 ? g1 - matmul(Q2, matmul(g2.mT(), Q1)) : g1 - matmul(matmul(Q1, g2.mT()), Q2);
}

}  // namespace

std::tuple<Tensor, Tensor, Tensor> svd(const Tensor& A, bool full_matrices) {
  SvdResult r = svd_forward(A, /*compute_uv=*/true, full_matrices, "linalg.svd");
  if (needs_grad(A)) {
    TensorList outs{r.U, r.S, r.Vh};
    const int64_t k = std::min(rows(A), cols(A));
    // grad LinalgSvdBackward: linalg.svd(A) => U[diag(gS) + F∘(skew(UᵀgU)S + S skew(VᵀgV))]Vᵀ (m=n)
    record_multi("LinalgSvdBackward", outs, {A},
                 [sU = SavedTensor(outs[0], true), sS = SavedTensor(outs[1], true, 1),
                  sVh = SavedTensor(outs[2], true, 2), full_matrices, k](const TensorList& g) {
                   const Tensor U = sU.unpack(), Vh = sVh.unpack();
                   if (!full_matrices) return svd_backward(g[0], g[1], g[2], U, sS.unpack(), Vh);
                   return svd_backward(completion_grad(g[0], U, k, -1), g[1],
                                       completion_grad(g[2], Vh, k, -2), U.narrow(-1, 0, k),
                                       sS.unpack(), Vh.narrow(-2, 0, k));
                 });
    return {outs[0], outs[1], outs[2]};
  }
  return {r.U, r.S, r.Vh};
}

// Without a gradient, only the singular values are computed (much cheaper). With one, S
// comes out of the full svd so its backward, U diag(gS) Vh, uses the singular vectors and
// is finite for every A, repeated or zero singular values included.
Tensor svdvals(const Tensor& A) {
  if (needs_grad(A)) {
    check_matrix(A, "linalg.svdvals");  // errors name the function called, not svd
    check_finite(A, "linalg.svdvals");
    return std::get<1>(svd(A, /*full_matrices=*/false));
  }
  return svd_forward(A, /*compute_uv=*/false, false, "linalg.svdvals").S;
}

}  // namespace paragrad::linalg
