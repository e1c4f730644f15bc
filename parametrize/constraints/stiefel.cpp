// Stiefel (orthogonal), SO(n) (special_orthogonal) and the Grassmannian, after geotorch's SO,
// Stiefel and Grassmannian (Lezcano-Casado 2019), with one change: for tall n x k matrices the
// base B in O(n) is never formed. It is kept as its first k columns Y = B E and the Householder
// reflectors of Y's QR decomposition, B = H_1 ... H_k diag(signs, 1, ..., 1) = (I - W T W^T) D,
// so that B L costs O(n k^2) (compact WY form: Schreiber & Van Loan 1989, LAPACK's dlarft), and
// B f(A) E = Y P22 - (B L) P12 (maps::stiefel_tall_blocks). geotorch's n x n base made
// orthogonal() on a 30000 x 50 weight run out of memory (lezcano/geotorch#30).
#include <cmath>

#include <Eigen/QR>

#include <paragrad/linalg/linalg.hpp>
#include <paragrad/parametrize/constraints/detail.hpp>
#include <paragrad/parametrize/constraints/manifolds.hpp>
#include <paragrad/parametrize/constraints/maps.hpp>

namespace paragrad::constraints {

using detail::as_f64;
using detail::batch_of;
using detail::exceeds;
using detail::RowMatrix;
using detail::with_tail;

namespace {
constexpr double kPi = 3.14159265358979323846;
}  // namespace

Stiefel::Stiefel(Shape shape, Dtype dtype, Triv triv, std::string constraint)
    : Manifold(std::move(constraint), std::move(shape), dtype), triv_(triv) {
  detail::check_matrix_shape(tensor_shape(), this->constraint());
  const Shape& s = tensor_shape();
  const int64_t rows = s[s.size() - 2], cols = s[s.size() - 1];
  transposed_ = rows < cols;
  n_ = std::max(rows, cols);
  k_ = std::min(rows, cols);
  const Shape batch = batch_of(s);
  // Until right_inverse sets them: B = I.
  NoGradGuard g;
  if (n_ == k_) {
    register_buffer("base", eye(n_, dtype).expand(with_tail(batch, {n_, n_})).contiguous());
  } else {
    register_buffer("base", eye(n_, k_, dtype).expand(with_tail(batch, {n_, k_})).contiguous());
    register_buffer("reflectors", zeros(with_tail(batch, {n_, k_}), dtype));
    register_buffer("reflector_t", zeros(with_tail(batch, {k_, k_}), dtype));
    register_buffer("signs", ones(with_tail(batch, {k_}), dtype));
  }
}

Tensor Stiefel::frame(const Tensor& Xtall) const { return Xtall.tril(-1); }

Tensor Stiefel::forward(const Tensor& X) {
  const Tensor L = frame(detail::tall(X, transposed_));
  Tensor Q;
  const Tensor& base = buffer_slot("base");
  if (n_ == k_) {
    Q = matmul(base, maps::so(L - L.mT(), triv_));
  } else {
    auto [P12, P22] = maps::stiefel_tall_blocks(L, triv_);
    // B L = (I - W T W^T) (D L), D scaling the first k rows by the signs.
    const Tensor& W = buffer_slot("reflectors");
    const Tensor& signs = buffer_slot("signs");
    Shape ones_shape = signs.shape();
    ones_shape.back() = n_ - k_;
    const Tensor D = cat({signs, ones(ones_shape, signs.dtype())}, -1).unsqueeze(-1);
    const Tensor Z = L * D;
    const Tensor BL = Z - matmul(W, matmul(buffer_slot("reflector_t"), matmul(W.mT(), Z)));
    Q = matmul(base, P22) - matmul(BL, P12);
  }
  return transposed_ ? Q.mT() : Q;
}

TensorList Stiefel::right_inverse(const Tensor& X) {
  check_on_manifold(X);
  NoGradGuard no_grad;
  const Tensor Xt = as_f64(detail::tall(X, transposed_));
  const Shape batch = batch_of(Xt.shape());
  const int64_t n = n_, k = k_;
  Tensor base = zeros(with_tail(batch, {n, k}), kFloat64);
  Tensor W = zeros(with_tail(batch, {n, k}), kFloat64);
  Tensor T = zeros(with_tail(batch, {k, k}), kFloat64);
  Tensor signs = ones(with_tail(batch, {k}), kFloat64);
  detail::for_each_matrix(Xt, [&](int64_t b, const Eigen::Map<const RowMatrix>& M) {
    Eigen::HouseholderQR<Eigen::MatrixXd> qr(M);
    const Eigen::MatrixXd& R = qr.matrixQR();
    const Eigen::VectorXd& tau = qr.hCoeffs();
    Eigen::VectorXd d(k);
    for (int64_t i = 0; i < k; ++i) d(i) = R(i, i) < 0 ? -1.0 : 1.0;
    // Y = Q_thin diag(d): X itself, re-orthonormalized.
    Eigen::MatrixXd Y = qr.householderQ() * Eigen::MatrixXd::Identity(n, k);
    Y = Y * d.asDiagonal();
    Eigen::Map<RowMatrix>(base.data_ptr<double>() + b * n * k, n, k) = Y;
    Eigen::Map<Eigen::VectorXd>(signs.data_ptr<double>() + b * k, k) = d;
    // W: unit lower trapezoidal; T: upper triangular with H_1 ... H_k = I - W T W^T, built a
    // column at a time: T(0:i, i) = -tau_i T(0:i, 0:i) W(:, 0:i)^T w_i, T(i, i) = tau_i.
    Eigen::MatrixXd w = Eigen::MatrixXd::Zero(n, k);
    for (int64_t j = 0; j < k; ++j) {
      w(j, j) = 1.0;
      w.col(j).tail(n - j - 1) = R.col(j).tail(n - j - 1);
    }
    Eigen::MatrixXd t = Eigen::MatrixXd::Zero(k, k);
    for (int64_t i = 0; i < k; ++i) {
      t(i, i) = tau(i);
      if (i > 0) {
        Eigen::VectorXd z = w.leftCols(i).transpose() * w.col(i);
        const Eigen::VectorXd tz = t.topLeftCorner(i, i).triangularView<Eigen::Upper>() * z;
        t.col(i).head(i) = -tau(i) * tz;
      }
    }
    Eigen::Map<RowMatrix>(W.data_ptr<double>() + b * n * k, n, k) = w;
    Eigen::Map<RowMatrix>(T.data_ptr<double>() + b * k * k, k, k) = t;
  });
  const Dtype dt = tensor_dtype();
  detail::assign_buffer(*this, "base", base.to(dt));
  if (n != k) {
    detail::assign_buffer(*this, "reflectors", W.to(dt));
    detail::assign_buffer(*this, "reflector_t", T.to(dt));
    detail::assign_buffer(*this, "signs", signs.to(dt));
  }
  return {zeros(tensor_shape(), tensor_dtype())};
}

Tensor Stiefel::base_matrix() const {
  NoGradGuard g;
  auto* self = const_cast<Stiefel*>(this);
  const Tensor& base = self->buffer_slot("base");
  if (n_ == k_) return base.clone();
  const Tensor& W = self->buffer_slot("reflectors");
  const Tensor& signs = self->buffer_slot("signs");
  Shape ones_shape = signs.shape();
  ones_shape.back() = n_ - k_;
  const Tensor D = cat({signs, ones(ones_shape, signs.dtype())}, -1).unsqueeze(-2);
  const Tensor B = eye(n_, W.dtype()) - matmul(W, matmul(self->buffer_slot("reflector_t"), W.mT()));
  return B * D;
}

Tensor Stiefel::sample() const {
  Tensor Q =
      detail::orthonormal_q(randn(with_tail(batch_of(tensor_shape()), {n_, k_}), tensor_dtype()));
  return transposed_ ? Q.mT().contiguous() : Q;
}

Tensor Stiefel::sample(const std::string& distribution) const {
  if (distribution == "uniform") return sample();
  check<ValueError>(distribution == "torus", constraint(),
                    ": sample(distribution): expected \"uniform\" or \"torus\", got \"",
                    distribution, "\"");
  // exp of the skew matrix with blocks [[0, -b], [b, 0]] on the diagonal is the rotation by b in
  // each coordinate plane (2i, 2i+1); the Cayley transform rotates by 2 atan(b / 2).
  const Shape batch = batch_of(tensor_shape());
  const int64_t count = detail::count(batch);
  Tensor Q = zeros(with_tail(batch, {n_, k_}), kFloat64);
  double* q = Q.data_ptr<double>();
  for (int64_t b = 0; b < count; ++b) {
    Eigen::Map<RowMatrix> M(q + b * n_ * k_, n_, k_);
    for (int64_t i = 0; 2 * i + 1 < n_; ++i) {
      const double angle = (2.0 * random::uniform() - 1.0) * kPi;
      const double theta = triv_ == Triv::Expm ? angle : 2.0 * std::atan(angle / 2.0);
      const int64_t r0 = 2 * i, r1 = 2 * i + 1;
      if (r0 < k_) {
        M(r0, r0) = std::cos(theta);
        M(r1, r0) = std::sin(theta);
      }
      if (r1 < k_) {
        M(r0, r1) = -std::sin(theta);
        M(r1, r1) = std::cos(theta);
      }
    }
    if (n_ % 2 == 1 && n_ - 1 < k_) M(n_ - 1, n_ - 1) = 1.0;
  }
  Q = Q.to(tensor_dtype());
  return transposed_ ? Q.mT().contiguous() : Q;
}

std::string Stiefel::violation(const Tensor& X, double tol) const {
  return exceeds(transposed_ ? "max|X X^T - I|" : "max|X^T X - I|",
                 detail::orthonormality_residual(as_f64(detail::tall(X, transposed_))), tol);
}

SpecialOrthogonal::SpecialOrthogonal(Shape shape, Dtype dtype, Triv triv)
    : Stiefel(std::move(shape), dtype, triv, "special_orthogonal") {
  check<ValueError>(n_ == k_, "special_orthogonal: expected square matrices, got shape ",
                    detail::shape_text(tensor_shape()));
}

Tensor SpecialOrthogonal::sample() const {
  Tensor Q = Stiefel::sample();
  // Flip the first column where det = -1.
  const Tensor flip =
      where(linalg::det(Q) < 0.0, full({}, -1.0, Q.dtype()), full({}, 1.0, Q.dtype()));
  const Tensor first = Q.narrow(-1, 0, 1) * flip.unsqueeze(-1).unsqueeze(-1);
  return cat({first, Q.narrow(-1, 1, n_ - 1)}, -1);
}

std::string SpecialOrthogonal::violation(const Tensor& X, double tol) const {
  std::string why = Stiefel::violation(X, tol);
  if (!why.empty() || X.numel() == 0) return why;
  const double det_min = linalg::det(as_f64(X)).min().item<double>();
  if (det_min <= 0) return cat("det = ", detail::num(det_min), " (SO(n) needs det = +1)");
  return "";
}

Grassmannian::Grassmannian(Shape shape, Dtype dtype, Triv triv)
    : Stiefel(std::move(shape), dtype, triv, "grassmannian") {}

Tensor Grassmannian::frame(const Tensor& Xtall) const {
  // Only the rows below the first k: the skew matrix [[0, -C^T], [C, 0]] moves the subspace
  // (horizontal directions) and never rotates within it.
  Tensor mask = cat({zeros({k_, 1}, Xtall.dtype()), ones({n_ - k_, 1}, Xtall.dtype())}, 0);
  return Xtall * mask;
}

}  // namespace paragrad::constraints
