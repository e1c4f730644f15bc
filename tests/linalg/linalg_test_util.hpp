#pragma once
// Helpers shared by the linalg tests: matrix comparisons and well-conditioned inputs.
#include <cmath>
#include <cstdint>

#include <paragrad/paragrad.hpp>

namespace paragrad::linalg_test {

// max |a − b| over all elements (shapes broadcast).
inline double max_diff(const Tensor& a, const Tensor& b) {
  NoGradGuard ng;
  return (a.detach().to(kFloat64) - b.detach().to(kFloat64)).abs().max().item<double>();
}
inline bool all_finite(const Tensor& t) { return t.detach().isfinite().all(); }

// ‖XᵀX − I‖_max for the columns of X (batched).
inline double orthonormality_error(const Tensor& X) {
  NoGradGuard ng;
  const Tensor x = X.detach();
  return max_diff(matmul(x.mT(), x), eye(x.size(-1), x.dtype()));
}

// A random orthogonal n×n matrix (from the QR of a Gaussian matrix).
inline Tensor random_orthogonal(int64_t n, Dtype dt = kFloat64) {
  NoGradGuard ng;
  return std::get<0>(linalg::qr(randn({n, n}, dt)));
}

// Q diag(values) Rᵀ with random orthogonal Q, R: a matrix with prescribed singular values.
inline Tensor with_singular_values(const Tensor& values) {
  NoGradGuard ng;
  const int64_t n = values.size(0);
  const Tensor Q = random_orthogonal(n, values.dtype()), R = random_orthogonal(n, values.dtype());
  return matmul(Q * values.unsqueeze(0), R.mT());
}

// A random symmetric positive-definite matrix.
inline Tensor random_spd(Shape shape, Dtype dt = kFloat64) {
  NoGradGuard ng;
  const Tensor X = randn(shape, dt);
  return matmul(X, X.mT()) + double(shape.back()) * eye(shape.back(), dt);
}

// A float64 leaf that requires grad.
inline Tensor leaf(const Tensor& t) { return t.detach().to(kFloat64).clone().requires_grad_(); }

}  // namespace paragrad::linalg_test
