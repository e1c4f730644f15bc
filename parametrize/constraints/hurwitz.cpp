// alpha-stable (Hurwitz) matrices: A = P (S - Q/2) - alpha I, P and Q positive definite, S skew
// (geotorch's Hurwitz). Every such A has eigenvalues with real part <= -alpha: with
// B = S - Q/2, P B is similar to P^1/2 B P^1/2, whose symmetric part -P^1/2 Q P^1/2 / 2 is
// negative definite. Conversely (Lyapunov), a Hurwitz A' = A + alpha I has a P' > 0 with
// A'^T P' + P' A' = -I; then P = P'^-1, Q = I, S = skew(P' A') give back A.
#include <complex>

#include <Eigen/Eigenvalues>

#include <paragrad/linalg/linalg.hpp>
#include <paragrad/parametrize/constraints/detail.hpp>
#include <paragrad/parametrize/constraints/manifolds.hpp>
#include <paragrad/parametrize/constraints/maps.hpp>

namespace paragrad::constraints {

using detail::as_f64;
using detail::batch_of;
using detail::RowMatrix;
using detail::with_tail;

namespace {
// P with A^T P + P A = -I for a Hurwitz A: Bartels & Stewart (1972) on the complex Schur form
// A = Z T Z^H. With Y = Z^H P Z the equation becomes T^H Y + Y T = -I, solved a column at a time:
// (T^H + t_jj I) y_j = -e_j - sum_{l<j} y_l t_lj, a lower triangular system whose diagonal
// conj(t_ii) + t_jj has real part Re(l_i) + Re(l_j) < 0. O(n^3).
Eigen::MatrixXd lyapunov(const Eigen::MatrixXd& A) {
  const Eigen::Index n = A.rows();
  Eigen::ComplexSchur<Eigen::MatrixXd> schur(A);
  const Eigen::MatrixXcd& T = schur.matrixT();
  const Eigen::MatrixXcd& Z = schur.matrixU();
  const Eigen::MatrixXcd TH = T.adjoint();
  Eigen::MatrixXcd Y = Eigen::MatrixXcd::Zero(n, n);
  for (Eigen::Index j = 0; j < n; ++j) {
    Eigen::VectorXcd rhs = Eigen::VectorXcd::Zero(n);
    rhs(j) = -1.0;
    if (j > 0) rhs -= Y.leftCols(j) * T.col(j).head(j);
    Eigen::MatrixXcd M = TH;
    M.diagonal().array() += T(j, j);
    Y.col(j) = M.triangularView<Eigen::Lower>().solve(rhs);
  }
  const Eigen::MatrixXd P = (Z * Y * Z.adjoint()).real();
  return 0.5 * (P + P.transpose());
}
}  // namespace

Hurwitz::Hurwitz(Shape shape, Dtype dtype, double alpha, Triv triv)
    : Manifold("alpha_stable", std::move(shape), dtype), alpha_(alpha) {
  const int64_t n = detail::square_size(tensor_shape(), "alpha_stable");
  check<ValueError>(alpha >= 0, "alpha_stable: alpha has to be >= 0, got ", alpha);
  P_ = register_module(
      "P", std::make_shared<SymF>(tensor_shape(), dtype, n, "softplus", triv, "alpha_stable"));
  Q_ = register_module(
      "Q", std::make_shared<SymF>(tensor_shape(), dtype, n, "softplus", triv, "alpha_stable"));
  S_ = register_module("S", std::make_shared<Skew>(tensor_shape(), dtype));
}

Tensor Hurwitz::forward(const Tensor&) {
  throw ValueError("alpha_stable: forward takes the three originals (P, Q, S)");
}

Tensor Hurwitz::forward(const TensorList& Xs) {
  check<ValueError>(Xs.size() == 3, "alpha_stable: forward takes the three originals (P, Q, S), ",
                    "got ", Xs.size());
  return maps::hurwitz(P_->forward(Xs[0]), Q_->forward(Xs[1]), S_->forward(Xs[2]), alpha_);
}

TensorList Hurwitz::right_inverse(const Tensor& A) {
  check_on_manifold(A);
  NoGradGuard no_grad;
  const Tensor A64 = as_f64(A);
  const int64_t n = A.size(-1);
  Tensor P = zeros(A64.shape(), kFloat64), S = zeros(A64.shape(), kFloat64);
  detail::for_each_matrix(A64, [&](int64_t b, const Eigen::Map<const RowMatrix>& M) {
    const Eigen::MatrixXd Ash = M + alpha_ * Eigen::MatrixXd::Identity(n, n);
    const Eigen::MatrixXd L = lyapunov(Ash);
    const double residual =
        (Ash.transpose() * L + L * Ash + Eigen::MatrixXd::Identity(n, n)).cwiseAbs().maxCoeff();
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(L, Eigen::EigenvaluesOnly);
    const double scale =
        std::max(1.0, double(n) * Ash.cwiseAbs().maxCoeff() * L.cwiseAbs().maxCoeff());
    check<ValueError>(
        std::isfinite(residual) && residual <= 1e-9 * scale && eig.eigenvalues()(0) > 0,
        "alpha_stable: the Lyapunov equation (A + alpha I)^T P + P (A + alpha I) = ",
        "-I is too ill-conditioned to solve (residual ", detail::num(residual),
        "): an eigenvalue of A is too close to -alpha = ", -alpha_);
    const Eigen::MatrixXd B = L * Ash;
    Eigen::Map<RowMatrix>(S.data_ptr<double>() + b * n * n, n, n) = 0.5 * (B - B.transpose());
    const Eigen::MatrixXd Pinv = L.inverse();
    Eigen::Map<RowMatrix>(P.data_ptr<double>() + b * n * n, n, n) = 0.5 * (Pinv + Pinv.transpose());
  });
  const Dtype dt = tensor_dtype();
  const Tensor Q = eye(n, dt).expand(tensor_shape()).contiguous();
  return {P_->right_inverse(P.to(dt))[0], Q_->right_inverse(Q)[0], S_->right_inverse(S.to(dt))[0]};
}

Tensor Hurwitz::sample() const {
  const Shape& s = tensor_shape();
  const int64_t n = s.back();
  const Tensor I = eye(n, kFloat64);
  const Tensor G = detail::xavier_normal(s, kFloat64), H = detail::xavier_normal(s, kFloat64);
  const Tensor P = matmul(G, G.mT()) + I, Q = matmul(H, H.mT()) + I;
  const Tensor K = detail::xavier_normal(s, kFloat64);
  return maps::hurwitz(P, Q, 0.5 * (K - K.mT()), alpha_).to(tensor_dtype());
}

std::string Hurwitz::violation(const Tensor& X, double tol) const {
  const Tensor X64 = as_f64(X);
  double worst = -1e300, worst_re = 0;
  detail::for_each_matrix(X64, [&](int64_t, const Eigen::Map<const RowMatrix>& M) {
    Eigen::EigenSolver<Eigen::MatrixXd> es(M, /*computeEigenvectors=*/false);
    const Eigen::VectorXcd l = es.eigenvalues();
    const double re = l.real().maxCoeff();
    const double scale = std::max(1.0, l.cwiseAbs().maxCoeff());
    if ((re + alpha_) / scale > worst) {
      worst = (re + alpha_) / scale;
      worst_re = re;
    }
  });
  if (X64.numel() == 0 || worst <= tol) return "";
  return cat("max Re(eigenvalue) = ", detail::num(worst_re), " > -alpha = ", -alpha_, " (by ",
             detail::num(worst), " relative to max(1, |eigenvalue|))");
}

}  // namespace paragrad::constraints
