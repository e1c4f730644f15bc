// qr: Eigen's Householder QR per matrix of the batch (LAPACK's sign convention: R's diagonal
// may be negative, as in PyTorch).
#include <Eigen/QR>

#include <paragrad/linalg/batch.hpp>
#include <paragrad/linalg/linalg.hpp>

namespace paragrad::linalg {

using autograd::grad_list;
using autograd::needs_grad;
using autograd::record_multi;
using autograd::SavedTensor;
using namespace linalg::detail;

namespace {

// tril(M) + tril(M, -1)ᵀ: the lower triangle copied to the upper one.
Tensor copyltu(const Tensor& M) { return M.tril() + M.tril(-1).mT(); }

// X R⁻ᵀ for upper-triangular, invertible R (k×k): (R⁻¹ Xᵀ)ᵀ.
Tensor right_solve_rt(const Tensor& X, const Tensor& R) { return solve(R, X.mT()).mT(); }

// Backward of A = QR for m >= n, reduced (Q m×n, R n×n).
//
// Derivation (Walter & Lehmann 2018, "Algorithmic differentiation of linear algebra functions
// with application in optimum experimental design", eq. 3.8; Seeger et al. 2017,
// arXiv:1710.08717; Liao et al. 2019, arXiv:1903.09650, eq. 6): with dA = dQ R + Q dR, QᵀdQ
// skew and dR R⁻¹ upper triangular, the adjoint is
//   gA = [gQ + Q copyltu(M)] R⁻ᵀ,   M = R gRᵀ − gQᵀ Q.
// Needs R invertible (A of full column rank).
Tensor qr_backward_tall(const Tensor& gQ, const Tensor& gR, const Tensor& Q, const Tensor& R) {
  Tensor M;
  if (gR.defined()) M = matmul(R, gR.mT());
  if (gQ.defined()) M = M.defined() ? M - matmul(gQ.mT(), Q) : -matmul(gQ.mT(), Q);
  Tensor b = matmul(Q, copyltu(M));
  if (gQ.defined()) b = b + gQ;
  return right_solve_rt(b, R);
}

// m < n: split A = [X | Y], R = [U | V] with X, U square. Then X = QU is the square case and
// Y = QV; Y only moves R's V block (gY = Q gV) and X also feeds Q through V = QᵀY, which adds
// Y gVᵀ to gQ (Liao et al. 2019, sec. 3.2).
Tensor qr_backward(const Tensor& gQ, const Tensor& gR, const Tensor& Q, const Tensor& R,
                   const Tensor& A) {
  const int64_t m = Q.size(-2), n = R.size(-1);
  if (m >= n) return qr_backward_tall(gQ, gR, Q, R);
  const Tensor U = R.narrow(-1, 0, m), Y = A.narrow(-1, m, n - m);
  Tensor gU, gV, gQx = gQ;
  if (gR.defined()) {
    gU = gR.narrow(-1, 0, m);
    gV = gR.narrow(-1, m, n - m);
    const Tensor extra = matmul(Y, gV.mT());
    gQx = gQx.defined() ? gQx + extra : extra;
  }
  if (!gQx.defined() && !gU.defined()) return Tensor();
  const Tensor gX = qr_backward_tall(gQx, gU, Q, U);
  const Tensor gY = gV.defined() ? matmul(Q, gV) : zeros_like(Y);
  return cat({gX, gY}, -1);
}

}  // namespace

std::tuple<Tensor, Tensor> qr(const Tensor& A, const std::string& mode) {
  const char* op = "linalg.qr";
  check<ValueError>(mode == "reduced" || mode == "complete" || mode == "r", op,
                    ": mode must be 'reduced', 'complete' or 'r', got '", mode, "'");
  check_matrix(A, op);
  check_finite(A, op);
  const Tensor X = kernel_input(A);
  const int64_t m = rows(A), n = cols(A), k = std::min(m, n);
  const bool complete = mode == "complete", want_q = mode != "r";
  const int64_t qcols = complete ? m : k, rrows = complete ? m : k;
  const Dims batch = batch_dims(A);
  Tensor Q = want_q ? empty(with_tail(batch, {m, qcols}), A.dtype()) : empty(Dims{0}, A.dtype());
  Tensor R = empty(with_tail(batch, {rrows, n}), A.dtype());
  dispatch_floating(A.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    Eigen::HouseholderQR<ColMat<T>> hqr(m, n);
    ColMat<T> a(m, n);
    for_each_matrix<T>(X, [&](int64_t b, const MatMap<T>& am) {
      MatMap<T> r(R.data_ptr<T>() + b * rrows * n, rrows, n);
      if (k == 0) {
        r.setZero();
        if (want_q) MatMap<T>(Q.data_ptr<T>() + b * m * qcols, m, qcols).setIdentity();
        return;
      }
      a = am;
      hqr.compute(a);
      r = hqr.matrixQR().topRows(rrows).template triangularView<Eigen::Upper>();
      if (want_q) {
        MatMap<T> q(Q.data_ptr<T>() + b * m * qcols, m, qcols);
        q.setIdentity();
        q.applyOnTheLeft(hqr.householderQ());
      }
    });
  });
  if (needs_grad(A)) {
    TensorList outs{Q, R};
    // grad LinalgQrBackward: linalg.qr(A) => (gQ + Q copyltu(M)) R⁻ᵀ, M = R gRᵀ - gQᵀQ (m≥n)
    record_multi("LinalgQrBackward", outs, {A},
                 [sQ = SavedTensor(outs[0], true), sR = SavedTensor(outs[1], true, 1),
                  sA = SavedTensor(A), m, n, want_q, complete](const TensorList& g) {
                   check<ValueError>(want_q, "linalg.qr: the derivative of qr needs Q, which ",
                                     "mode='r' does not compute; use mode='reduced'");
                   check<ValueError>(!complete || m <= n, "linalg.qr: mode='complete' is not ",
                                     "differentiable when rows > cols (got ", m, "x", n, ")");
                   return qr_backward(g[0], g[1], sQ.unpack(), sR.unpack(), sA.unpack());
                 });
    return {outs[0], outs[1]};
  }
  return {Q, R};
}

}  // namespace paragrad::linalg
