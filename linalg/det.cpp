// det and slogdet from a partial-pivot LU per matrix of the batch: det = sign(P) · ∏ u_ii.
// Singular matrices are valid input here (det 0, slogdet (0, -inf)).
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

// sign and log|det| of every matrix (log|det| = -inf, sign 0 for an exactly singular LU).
// singular (optional) is set when some pivot has |u_ii| <= n · eps · max|a_ij|.
std::tuple<Tensor, Tensor> lu_slogdet(const Tensor& A, const char* op, bool* singular = nullptr) {
  check_square(A, op);
  check_finite(A, op);
  const Tensor X = kernel_input(A);
  const int64_t n = rows(A);
  Tensor sign = empty(batch_dims(A), A.dtype()), logabs = empty(batch_dims(A), A.dtype());
  dispatch_floating(A.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    Eigen::PartialPivLU<ColMat<T>> lu(n);
    ColMat<T> a(n, n);
    for_each_matrix<T>(X, [&](int64_t b, const MatMap<T>& am) {
      T s = 1, la = 0;
      if (n > 0) {
        a = am;
        const T tol = T(n) * std::numeric_limits<T>::epsilon() * a.cwiseAbs().maxCoeff();
        lu.compute(a);
        s = T(lu.permutationP().determinant());
        for (int64_t i = 0; i < n; ++i) {
          const T u = lu.matrixLU()(i, i);
          if (singular && std::abs(u) <= tol) *singular = true;
          s *= u > 0 ? T(1) : (u < 0 ? T(-1) : T(0));
          la += std::log(std::abs(u));
        }
      }
      sign.data_ptr<T>()[b] = s;
      logabs.data_ptr<T>()[b] = s == 0 ? -std::numeric_limits<T>::infinity() : la;
    });
  });
  return {sign, logabs};
}

// Whether some matrix of the batch is singular to working precision (LU pivot test).
bool any_singular(const Tensor& A) {
  bool singular = false;
  lu_slogdet(A.detach(), "linalg.det", &singular);
  return singular;
}

// Cofactor matrix C = ∂det/∂A through the SVD A = U S Vᵀ: C = det(U) det(V) U D Vᵀ with
// D_i = ∏_{j≠i} σ_j. Valid for singular A, where det · A⁻ᵀ is not.
Tensor cofactor_matrix(const Tensor& A) {
  NoGradGuard no_grad;
  auto [U, S, Vh] = svd(A.detach());
  const Tensor Sc = S.contiguous();
  Tensor D = empty(Sc.sizes(), Sc.dtype());
  const int64_t n = rows(A), count = Sc.numel() / std::max<int64_t>(n, 1);
  dispatch_floating(A.dtype(), "linalg.det", [&](auto tag) {
    using T = decltype(tag);
    const T* s = Sc.data_ptr<T>();
    T* d = D.data_ptr<T>();
    for (int64_t b = 0; b < count; ++b)
      for (int64_t i = 0; i < n; ++i) {
        T p = 1;
        for (int64_t j = 0; j < n; ++j)
          if (j != i) p *= s[b * n + j];
        d[b * n + i] = p;
      }
  });
  const Tensor alpha =
      (std::get<0>(lu_slogdet(U, "linalg.det")) * std::get<0>(lu_slogdet(Vh, "linalg.det")))
          .unsqueeze(-1)
          .unsqueeze(-1);
  return alpha * matmul(U * D.unsqueeze(-2), Vh);
}

}  // namespace

// Backward (Jacobi's formula): gA = g · det(A) · A⁻ᵀ, written with inv so it differentiates
// again. At a singular A, where A⁻ᵀ does not exist, the gradient is the cofactor matrix
// (through the SVD, see cofactor_matrix); that branch is first order only.
Tensor det(const Tensor& A) {
  auto [sign, logabs] = lu_slogdet(A, "linalg.det");
  Tensor out = sign * logabs.exp();
  if (needs_grad(A))
    // grad LinalgDetBackward: linalg.det(A) => g * det(A) * A⁻ᵀ (cofactors where A is singular)
    record("LinalgDetBackward", out, {A},
           [sA = SavedTensor(A), sdet = SavedTensor(out, true)](const Tensor& g) {
             const Tensor a = sA.unpack();
             const Tensor gd = (g * sdet.unpack()).unsqueeze(-1).unsqueeze(-1);
             if (any_singular(a)) return g.unsqueeze(-1).unsqueeze(-1) * cofactor_matrix(a);
             return gd * inv(a).mT();
           });
  return out;
}

// Backward: g_logabs · A⁻ᵀ (sign is piecewise constant: no gradient). At a singular A the
// log is -inf and has no derivative: backward raises.
std::tuple<Tensor, Tensor> slogdet(const Tensor& A) {
  auto [sign, logabs] = lu_slogdet(A, "linalg.slogdet");
  if (needs_grad(A))
    // grad LinalgSlogdetBackward: linalg.slogdet(A) => g_logabs * A⁻ᵀ (sign gets none)
    record("LinalgSlogdetBackward", logabs, {A}, [sA = SavedTensor(A)](const Tensor& g) {
      const Tensor a = sA.unpack();
      check<ValueError>(!any_singular(a), "linalg.slogdet: backward through a singular matrix ",
                        "of shape ", shape_str(a.sizes()), " (log|det| = -inf has no gradient)");
      return g.unsqueeze(-1).unsqueeze(-1) * inv(a).mT();
    });
  return {sign, logabs};
}

}  // namespace paragrad::linalg
