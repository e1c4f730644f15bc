// matrix_exp: closed forms, PyTorch oracle, gradients to second order.
#include <catch2/catch.hpp>

#include "linalg/linalg_oracle.hpp"
#include "linalg/linalg_test_util.hpp"

using namespace paragrad;
using namespace paragrad::linalg_test;

TEST_CASE("matrix_exp of a skew-symmetric matrix is orthogonal with determinant 1") {
  manual_seed(61);
  const Tensor X = randn({3, 5, 5}, kFloat64);
  const Tensor Q = linalg::matrix_exp(X - X.mT());
  CHECK(orthonormality_error(Q) < 1e-12);
  CHECK(max_diff(linalg::det(Q), ones({3}, kFloat64)) < 1e-12);
}

TEST_CASE("matrix_exp of a diagonal matrix exponentiates the diagonal") {
  const Tensor d = tensor({-1.0, 0.0, 0.5, 2.0}, kFloat64);
  const Tensor E = linalg::matrix_exp(d.unsqueeze(-1) * eye(4, kFloat64));
  CHECK(max_diff(E, d.exp().unsqueeze(-1) * eye(4, kFloat64)) < 1e-13);
}

TEST_CASE("matrix_exp of a nilpotent matrix is its finite Taylor series") {
  const Tensor N = tensor({{0.0, 1.0, 2.0}, {0.0, 0.0, 3.0}, {0.0, 0.0, 0.0}}, kFloat64);
  const Tensor expected = eye(3, kFloat64) + N + 0.5 * matmul(N, N);
  CHECK(max_diff(linalg::matrix_exp(N), expected) < 1e-14);
}

TEST_CASE("matrix_exp matches PyTorch on a fixed matrix") {
  const Tensor A = tensor({{0.5, -1.0, 0.2}, {0.3, 0.1, 0.7}, {-0.4, 0.6, -0.2}}, kFloat64);
  CHECK(max_diff(linalg::matrix_exp(A), tensor(linalg_oracle::matrix_exp, {3, 3}, kFloat64)) <
        1e-13);
}

TEST_CASE("matrix_exp works in float32 and on batches") {
  manual_seed(62);
  const Tensor A = randn({2, 4, 4}) * 0.5;
  const Tensor E = linalg::matrix_exp(A);
  CHECK(E.dtype() == kFloat32);
  // exp(A) exp(-A) = I
  CHECK(max_diff(matmul(E, linalg::matrix_exp(-A)), eye(4)) < 1e-5);
}

TEST_CASE("matrix_exp gradient passes first and second order gradcheck") {
  manual_seed(63);
  const Tensor A = leaf(randn({2, 3, 3}, kFloat64) * 0.5);
  CHECK(autograd::gradcheck([](const TensorList& x) { return linalg::matrix_exp(x[0]); }, {A}, 1e-6,
                            1e-5, 1e-4, true));
}

// The plain backward runs the Fréchet kernel (Al-Mohy & Higham 2009, Algorithm 6.4); the
// reference is the block formula gA = upper-right block of exp([[Aᵀ, G], [0, Aᵀ]]), computed here
// with matrix_exp itself. The 1-norms cover every Padé degree (3, 5, 7, 9, 13) and scaling.
TEST_CASE("matrix_exp backward equals the block-exponential formula to float64 precision") {
  manual_seed(64);
  const int64_t n = 6;
  for (double norm : {0.004, 0.1, 0.5, 1.5, 3.0, 40.0}) {
    Tensor A0 = randn({2, n, n}, kFloat64);  // not normal: Aᵀ ≠ A, AAᵀ ≠ AᵀA
    A0 = A0 * (norm / A0.abs().sum({-2}).amax({-1}).amax({0}).item<double>());
    const Tensor G = randn({2, n, n}, kFloat64);
    const Tensor At = A0.mT();
    const Tensor block = cat({cat({At, G}, -1), cat({zeros_like(At), At}, -1)}, -2);
    const Tensor expected = linalg::matrix_exp(block).narrow(-2, 0, n).narrow(-1, n, n);
    const Tensor A = A0.clone().requires_grad_();
    linalg::matrix_exp(A).backward(G);
    const double scale = expected.abs().max().item<double>();
    INFO("1-norm " << norm);
    CHECK(max_diff(A.grad(), expected) <= 1e-13 * scale * (1 + norm));
  }
}

TEST_CASE("matrix_exp backward in float32 agrees with float64") {
  manual_seed(65);
  const Tensor A64 = randn({8, 8}, kFloat64) * 0.3, G = randn({8, 8}, kFloat64);
  const Tensor A32 = A64.to(kFloat32).requires_grad_(), A = A64.clone().requires_grad_();
  linalg::matrix_exp(A).backward(G);
  linalg::matrix_exp(A32).backward(G.to(kFloat32));
  CHECK(A32.grad().dtype() == kFloat32);
  CHECK(max_diff(A32.grad(), A.grad()) < 1e-5 * A.grad().abs().max().item<double>());
}

TEST_CASE("matrix_exp plain backward passes gradcheck on a scaled matrix") {
  manual_seed(66);
  const Tensor A = leaf(randn({4, 4}, kFloat64) * 3.0);  // degree 13 with squarings
  CHECK(autograd::gradcheck([](const TensorList& x) { return linalg::matrix_exp(x[0]); }, {A}, 1e-6,
                            1e-5, 1e-4, false));
}

TEST_CASE("matrix_exp second order through create_graph matches finite differences") {
  manual_seed(67);
  const Tensor A = leaf(randn({3, 3}, kFloat64) * 0.7);
  CHECK(autograd::gradcheck([](const TensorList& x) { return linalg::matrix_exp(x[0]); }, {A}, 1e-6,
                            1e-5, 1e-4, true));
}

TEST_CASE("matrix_exp gradient of a diagonal matrix is diagonal exp") {
  const Tensor d = tensor({0.1, -0.3, 0.7}, kFloat64);
  const Tensor A = leaf(d.unsqueeze(-1) * eye(3, kFloat64));
  linalg::matrix_exp(A).diagonal().sum().backward();
  CHECK(max_diff(A.grad(), d.exp().unsqueeze(-1) * eye(3, kFloat64)) < 1e-13);
}

TEST_CASE("matrix_exp rejects non-square and NaN input") {
  REQUIRE_THROWS_WITH(linalg::matrix_exp(ones({2, 3}, kFloat64)),
                      Catch::Contains("linalg.matrix_exp") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(linalg::matrix_exp(full({1, 1}, NAN, kFloat64)),
                      Catch::Contains("linalg.matrix_exp") && Catch::Contains("NaN"));
}
