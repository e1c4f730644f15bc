#pragma once
// Backward rules used by more than one linalg op (internal). Each is written in Tensor ops,
// so it differentiates again.
#include <paragrad/engine/tensor.hpp>

namespace paragrad::linalg::detail {

// Vector-Jacobian product of X = pinv(A) (rank.cpp): the gradient for A given g = ∂L/∂X.
Tensor pinv_backward(const Tensor& g, const Tensor& A, const Tensor& X);
// Of L = cholesky(A) (cholesky.cpp): the (symmetric) gradient for A given gL.
Tensor cholesky_backward(const Tensor& gL, const Tensor& L);

}  // namespace paragrad::linalg::detail
