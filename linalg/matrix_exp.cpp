// matrix_exp: Eigen's scaling-and-squaring Padé approximant (Higham 2005) per matrix of the
// batch, from unsupported/Eigen/MatrixFunctions; the backward by the scaling-and-squaring
// Fréchet derivative of Al-Mohy & Higham (2009).
#include <algorithm>
#include <cmath>

#include <Eigen/LU>
#include <unsupported/Eigen/MatrixFunctions>

#include <paragrad/linalg/batch.hpp>
#include <paragrad/linalg/linalg.hpp>

namespace paragrad::linalg {

using autograd::grad_list;
using autograd::needs_grad;
using autograd::record;
using autograd::SavedTensor;
using namespace linalg::detail;

namespace {

// ---- the Fréchet derivative L(A, E) of exp at A in direction E --------------------------------
//
// Al-Mohy & Higham, "Computing the Fréchet derivative of the matrix exponential, with an
// application to condition number estimation", SIAM J. Matrix Anal. Appl. 30(4), 2009,
// Algorithm 6.4: the scaling-and-squaring method for exp (Higham 2005), differentiated.
// With r_m = p_m/q_m the [m/m] Padé approximant, p_m(X) = U + V and q_m(X) = −U + V, where U
// holds the odd and V the even powers of X:
//   U = X Σ_{j odd} b_j X^{j−1},  V = Σ_{j even} b_j X^j;
// their derivatives in direction E follow from those of the powers, M_j = L_{x^j}(X, E):
//   M_2 = X E + E X,  M_4 = X² M_2 + M_2 X²,  M_6 = X⁴ M_2 + M_4 X²,  M_8 = X⁴ M_4 + M_4 X⁴,
//   L_U = X Σ_{j odd} b_j M_{j−1} + E Σ_{j odd} b_j X^{j−1},  L_V = Σ_{j even} b_j M_j;
// then R = q⁻¹ p and L = q⁻¹ (L_U + L_V + (L_U − L_V) R) (one LU for both), and with
// X = 2^{−s} A, E ← 2^{−s} E, the squaring phase L ← R L + L R, R ← R² (s times).
// The degree m and the scaling s depend on ‖A‖₁ only (never on E): the largest m with
// ‖A‖₁ ≤ ℓ_m (Table 6.1, backward error ≤ 2⁻⁵³ for both exp and L), else m = 13 with s such that
// ‖2^{−s} A‖₁ ≤ ℓ_13. float32 uses the same (float64) table: accurate beyond its precision.
// Cost: about three exponentials of an n×n matrix, against an exponential of the 2n×2n block
// [[A, E], [0, A]] (eight times the work per product, and squarings for ‖E‖ too).
constexpr double kEll3 = 1.08e-2, kEll5 = 2.00e-1, kEll7 = 7.83e-1, kEll9 = 1.78, kEll13 = 4.74;

// The Padé coefficients b_0..b_m (Higham 2005, Table 2.2; Al-Mohy & Higham 2009, §6).
constexpr double kB3[] = {120.0, 60.0, 12.0, 1.0};
constexpr double kB5[] = {30240.0, 15120.0, 3360.0, 420.0, 30.0, 1.0};
constexpr double kB7[] = {17297280.0, 8648640.0, 1995840.0, 277200.0, 25200.0, 1512.0, 56.0, 1.0};
constexpr double kB9[] = {17643225600.0, 8821612800.0, 2075673600.0, 302702400.0, 30270240.0,
                          2162160.0,     110880.0,     3960.0,       90.0,        1.0};
constexpr double kB13[] = {64764752532480000.0,
                           32382376266240000.0,
                           7771770303897600.0,
                           1187353796428800.0,
                           129060195264000.0,
                           10559470521600.0,
                           670442572800.0,
                           33522128640.0,
                           1323241920.0,
                           40840800.0,
                           960960.0,
                           16380.0,
                           182.0,
                           1.0};

// Returns L(X, E) in E. X is not modified.
template <class T>
void exp_frechet(const ColMat<T>& X0, ColMat<T>& E) {
  using M = ColMat<T>;
  const Eigen::Index n = X0.rows();
  const double norm = X0.cwiseAbs().colwise().sum().maxCoeff();
  const M I = M::Identity(n, n);
  M X = X0, U(n, n), V(n, n), Lu(n, n), Lv(n, n);
  int s = 0;
  if (norm <= kEll9) {
    // Degree 3, 5, 7 or 9: powers X^2, X^4, X^6, X^8 as needed.
    const int m = norm <= kEll3 ? 3 : norm <= kEll5 ? 5 : norm <= kEll7 ? 7 : 9;
    const double* b = m == 3 ? kB3 : m == 5 ? kB5 : m == 7 ? kB7 : kB9;
    M P[5], D[5];  // P[k] = X^{2k}, D[k] = M_{2k} (k >= 1)
    P[1].noalias() = X * X;
    D[1].noalias() = X * E;
    D[1].noalias() += E * X;
    for (int k = 2; 2 * k <= m - 1; ++k) {
      const int i = k / 2, j = k - i;  // X^{2k} = X^{2i} X^{2j}
      P[k].noalias() = P[i] * P[j];
      D[k].noalias() = P[i] * D[j];
      D[k].noalias() += D[i] * P[j];
    }
    M W = T(b[1]) * I;  // Σ_{j odd} b_j X^{j−1}
    V = T(b[0]) * I;
    M Lw = M::Zero(n, n);
    Lv.setZero();
    for (int k = 1; 2 * k <= m - 1; ++k) {
      W += T(b[2 * k + 1]) * P[k];
      V += T(b[2 * k]) * P[k];
      Lw += T(b[2 * k + 1]) * D[k];
      Lv += T(b[2 * k]) * D[k];
    }
    U.noalias() = X * W;
    Lu.noalias() = X * Lw;
    Lu.noalias() += E * W;
  } else {
    // Degree 13 on X = 2^{−s} A.
    s = std::max(0, int(std::ceil(std::log2(norm / kEll13))));
    const T scale = T(std::ldexp(1.0, -s));
    X *= scale;
    E *= scale;
    const double* b = kB13;
    M X2 = X * X, X4(n, n), X6(n, n), M2(n, n), M4(n, n), M6(n, n);
    M2.noalias() = X * E;
    M2.noalias() += E * X;
    X4.noalias() = X2 * X2;
    M4.noalias() = X2 * M2;
    M4.noalias() += M2 * X2;
    X6.noalias() = X2 * X4;
    M6.noalias() = X4 * M2;
    M6.noalias() += M4 * X2;
    const M W1 = T(b[13]) * X6 + T(b[11]) * X4 + T(b[9]) * X2;
    const M W2 = T(b[7]) * X6 + T(b[5]) * X4 + T(b[3]) * X2 + T(b[1]) * I;
    const M Z1 = T(b[12]) * X6 + T(b[10]) * X4 + T(b[8]) * X2;
    const M Z2 = T(b[6]) * X6 + T(b[4]) * X4 + T(b[2]) * X2 + T(b[0]) * I;
    M W = W2;
    W.noalias() += X6 * W1;
    U.noalias() = X * W;
    V = Z2;
    V.noalias() += X6 * Z1;
    const M Lw1 = T(b[13]) * M6 + T(b[11]) * M4 + T(b[9]) * M2;
    const M Lw2 = T(b[7]) * M6 + T(b[5]) * M4 + T(b[3]) * M2;
    const M Lz1 = T(b[12]) * M6 + T(b[10]) * M4 + T(b[8]) * M2;
    const M Lz2 = T(b[6]) * M6 + T(b[4]) * M4 + T(b[2]) * M2;
    M Lw = Lw2;
    Lw.noalias() += X6 * Lw1;
    Lw.noalias() += M6 * W1;
    Lu.noalias() = X * Lw;
    Lu.noalias() += E * W;
    Lv = Lz2;
    Lv.noalias() += X6 * Lz1;
    Lv.noalias() += M6 * Z1;
  }
  const Eigen::PartialPivLU<M> q(V - U);
  M R = q.solve(U + V);
  M rhs = Lu + Lv;
  rhs.noalias() += (Lu - Lv) * R;
  E = q.solve(rhs);
  M tmp(n, n);
  for (int k = 0; k < s; ++k) {
    tmp.noalias() = R * E;
    tmp.noalias() += E * R;
    E.swap(tmp);
    if (k + 1 < s) {
      tmp.noalias() = R * R;
      R.swap(tmp);
    }
  }
}

// gA = L(Aᵀ, G) for every matrix of the batch: the adjoint of E ↦ L(A, E) is E ↦ L(Aᵀ, E)
// (the power series of exp has real coefficients). A row-major buffer read column-major is Aᵀ.
Tensor exp_frechet_adjoint(const Tensor& A, const Tensor& G) {
  const Tensor a = kernel_input(A), g = kernel_input(G);
  const int64_t n = rows(A);
  Tensor out = empty(A.sizes(), A.dtype());
  dispatch_floating(A.dtype(), "linalg.matrix_exp backward", [&](auto tag) {
    using T = decltype(tag);
    using ColMap = Eigen::Map<const ColMat<T>>;
    ColMat<T> at(n, n), e(n, n);
    for_each_matrix<T>(g, [&](int64_t b, const MatMap<T>& gm) {
      if (n == 0) return;
      at = ColMap(a.data_ptr<T>() + b * n * n, n, n);
      e = gm;
      exp_frechet<T>(at, e);
      MatMap<T>(out.data_ptr<T>() + b * n * n, n, n) = e;
    });
  });
  return out;
}

// The same in Tensor ops, differentiable again (for create_graph): the upper-right n×n block of
// exp([[Aᵀ, G], [0, Aᵀ]]) (Najfeld & Havel 1995, "Derivatives of the matrix exponential and
// their computation", eq. 10; Mathias 1996; PyTorch's differential_analytic_matrix_function).
// Its second order costs a 4n×4n exponential.
Tensor exp_frechet_adjoint_ops(const Tensor& A, const Tensor& G) {
  const int64_t n = rows(A);
  const Tensor at = A.mT();
  const Tensor top = cat({at, G}, -1);
  const Tensor bottom = cat({zeros_like(at), at}, -1);
  const Tensor big = matrix_exp(cat({top, bottom}, -2));
  return big.narrow(-2, 0, n).narrow(-1, n, n);
}

}  // namespace

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
  // Backward: gA = L(Aᵀ, G), the adjoint of the Fréchet derivative. A plain backward runs the
  // kernel above; when the backward is itself recorded (create_graph) and A or G requires grad,
  // the Tensor-op block formula, whose own backward gives the second order.
  if (needs_grad(A))
    // grad LinalgMatrixExpBackward: linalg.matrix_exp(A) => L(Aᵀ, g), the Fréchet derivative at Aᵀ
    record("LinalgMatrixExpBackward", out, {A}, [sA = SavedTensor(A)](const Tensor& g) {
      const Tensor a = sA.unpack();
      const Tensor G = broadcast_to(g, a.sizes());
      if (is_grad_enabled() && (a.requires_grad() || G.requires_grad()))
        return exp_frechet_adjoint_ops(a, G);
      return exp_frechet_adjoint(a, G);
    });
  return out;
}

}  // namespace paragrad::linalg
