// householder_product: explicit reflector products, orthogonality, PyTorch oracle, gradients.
#include <catch2/catch.hpp>

#include "linalg/linalg_oracle.hpp"
#include "linalg/linalg_test_util.hpp"

using namespace paragrad;
using namespace paragrad::linalg_test;

namespace {
// H_1 ⋯ H_k built explicitly, first n columns.
Tensor explicit_product(const Tensor& A, const Tensor& tau) {
  const int64_t m = A.size(0), n = A.size(1), k = tau.size(0);
  Tensor Q = eye(m, A.dtype());
  for (int64_t i = 0; i < k; ++i) {
    Tensor v = zeros({m}, A.dtype());
    v.narrow(0, i, 1).fill_(1.0);
    if (i + 1 < m) v.narrow(0, i + 1, m - i - 1).copy_(A.select(1, i).narrow(0, i + 1, m - i - 1));
    const Tensor H = eye(m, A.dtype()) - tau.select(0, i) * outer(v, v);
    Q = matmul(Q, H);
  }
  return Q.narrow(1, 0, n);
}
}  // namespace

TEST_CASE("householder_product equals the explicit product of reflectors") {
  manual_seed(91);
  const Tensor A = randn({5, 3}, kFloat64), tau = rand({2}, kFloat64);
  CHECK(max_diff(linalg::householder_product(A, tau), explicit_product(A, tau)) < 1e-14);
}

TEST_CASE("householder_product with tau = 2 / |v|^2 has orthonormal columns, batched") {
  manual_seed(92);
  const Tensor A = randn({3, 6, 4}, kFloat64);
  const Tensor V = A.tril(-1) + eye(6, 4, kFloat64);
  const Tensor tau = 2.0 / V.square().sum({-2});
  const Tensor Q = linalg::householder_product(A, tau);
  CHECK(Q.shape() == Shape{3, 6, 4});
  CHECK(orthonormality_error(Q) < 1e-12);
}

TEST_CASE("householder_product matches PyTorch on a fixed input") {
  const Tensor A = tensor({{1.0, 0.5}, {0.3, -0.2}, {-0.7, 0.9}}, kFloat64);
  const Tensor tau = tensor({1.2, 0.4}, kFloat64);
  CHECK(max_diff(linalg::householder_product(A, tau),
                 tensor(linalg_oracle::householder, {3, 2}, kFloat64)) < 1e-14);
}

TEST_CASE("householder_product gradient passes first and second order gradcheck") {
  manual_seed(93);
  const Tensor A = leaf(randn({2, 4, 3}, kFloat64)), tau = leaf(rand({2, 3}, kFloat64));
  auto f = [](const TensorList& x) { return linalg::householder_product(x[0], x[1]); };
  CHECK(autograd::gradcheck(f, {A, tau}, 1e-6, 1e-5, 1e-4, true));
}

TEST_CASE("householder_product works in float32") {
  manual_seed(94);
  const Tensor A = randn({4, 2}), tau = rand({2});
  CHECK(linalg::householder_product(A, tau).dtype() == kFloat32);
}

TEST_CASE("householder_product rejects wide A, long tau and mismatched batches") {
  REQUIRE_THROWS_WITH(linalg::householder_product(ones({2, 3}, kFloat64), ones({2}, kFloat64)),
                      Catch::Contains("linalg.householder_product") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_AS(linalg::householder_product(ones({4, 3}, kFloat64), ones({4}, kFloat64)),
                    ShapeError);
  REQUIRE_THROWS_AS(linalg::householder_product(ones({2, 4, 3}, kFloat64), ones({3, 2}, kFloat64)),
                    ShapeError);
  REQUIRE_THROWS_AS(linalg::householder_product(ones({4, 3}, kFloat64), ones({2})), DtypeError);
}
