// cholesky_ex and inv_ex: cholesky and inv that report failure in `info` (Int64, one entry per
// matrix of the batch) instead of raising, as torch.linalg's *_ex functions. With
// check_errors = true they raise like cholesky / inv.
//
// cholesky_ex runs the unblocked left-looking Cholesky of LAPACK's potf2 per matrix: a
// diagonal that is not positive (or NaN) stops it with info = that column + 1, the failing
// value left on the diagonal (as potf2 leaves it). inv_ex factors with the LU kernel of lu.cpp
// (info: the first exactly zero pivot, as getrf) and solves for the identity; where info > 0
// the inverse holds the inf/NaN of that division (PyTorch: unspecified). The gradients are
// cholesky's and inv's rules (meaningful where info = 0).
#include <cmath>

#include <paragrad/linalg/backward_rules.hpp>
#include <paragrad/linalg/batch.hpp>
#include <paragrad/linalg/linalg.hpp>
#include <paragrad/linalg/lu_kernel.hpp>

namespace paragrad::linalg {

using autograd::grad_list;
using autograd::needs_grad;
using autograd::record;
using autograd::SavedTensor;
using namespace linalg::detail;

namespace {

void raise_on_info(const Tensor& info, const Tensor& A, const char* op, const char* what) {
  const Tensor flat = info.reshape({-1});
  for (int64_t b = 0; b < flat.numel(); ++b) {
    const int64_t i = flat.index({b}).item<int64_t>();
    check<ValueError>(i == 0, op, ": the input of shape ", shape_str(A.sizes()), " is ", what,
                      A.dim() > 2 ? cat(" (batch element ", b, ")") : "", " (info = ", i, ")");
  }
}

}  // namespace

std::tuple<Tensor, Tensor> cholesky_ex(const Tensor& A, bool check_errors) {
  const char* op = "linalg.cholesky_ex";
  check_square(A, op);
  const Tensor X = kernel_input(A);
  const int64_t n = rows(A);
  const Dims batch = batch_dims(A);
  Tensor L = zeros(A.shape(), A.dtype()), info = zeros(Shape(batch.begin(), batch.end()), kInt64);
  dispatch_floating(A.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    for_each_matrix<T>(X, [&](int64_t b, const MatMap<T>& a) {
      MatMap<T> l(L.data_ptr<T>() + b * n * n, n, n);
      l.template triangularView<Eigen::Lower>() = a;  // only the lower triangle is read
      for (int64_t j = 0; j < n; ++j) {
        const T d = l(j, j) - l.row(j).head(j).squaredNorm();
        if (!(d > T(0))) {
          l(j, j) = d;
          info.data_ptr<int64_t>()[b] = j + 1;
          return;
        }
        l(j, j) = std::sqrt(d);
        if (j + 1 < n)
          l.col(j).tail(n - j - 1) = (l.col(j).tail(n - j - 1) - l.bottomLeftCorner(n - j - 1, j) *
                                                                     l.row(j).head(j).transpose()) /
                                     l(j, j);
      }
    });
  });
  if (check_errors) raise_on_info(info, A, op, "not positive-definite");
  if (needs_grad(A))
    // grad LinalgCholeskyExBackward: linalg.cholesky_ex(A) => cholesky's rule at gL (info: none)
    record("LinalgCholeskyExBackward", L, {A}, [sL = SavedTensor(L, true)](const Tensor& gL) {
      return cholesky_backward(gL, sL.unpack());
    });
  return {L, info};
}

std::tuple<Tensor, Tensor> inv_ex(const Tensor& A, bool check_errors) {
  const char* op = "linalg.inv_ex";
  check_square(A, op);
  const LuFactors f = lu_factor_kernel(A, op);
  const int64_t n = rows(A);
  Tensor X = empty(A.sizes(), A.dtype());
  dispatch_floating(A.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const int64_t* piv = f.pivots.data_ptr<int64_t>();
    for_each_matrix<T>(f.LU, [&](int64_t b, const MatMap<T>& lu) {
      MatMap<T> x(X.data_ptr<T>() + b * n * n, n, n);
      x.setIdentity();
      for (int64_t i = 0; i < n; ++i) x.row(i).swap(x.row(piv[b * n + i] - 1));  // Pᵀ I
      lu.template triangularView<Eigen::UnitLower>().solveInPlace(x);
      lu.template triangularView<Eigen::Upper>().solveInPlace(x);
    });
  });
  if (check_errors) raise_on_info(f.info, A, op, "singular");
  if (needs_grad(A))
    // grad LinalgInvExBackward: linalg.inv_ex(A) => -Xᵀ g Xᵀ, X = out (info gets none)
    record("LinalgInvExBackward", X, {A}, [sX = SavedTensor(X, true)](const Tensor& g) {
      const Tensor Xt = sX.unpack().mT();
      return -matmul(Xt, matmul(g, Xt));
    });
  return {X, f.info};
}

}  // namespace paragrad::linalg
