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
