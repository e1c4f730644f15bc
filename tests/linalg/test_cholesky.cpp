// cholesky: L Lᵀ = A, lower triangle only, gradients to second order, non-PD input.
#include <catch2/catch.hpp>

#include "linalg/linalg_test_util.hpp"

using namespace paragrad;
using namespace paragrad::linalg_test;

TEST_CASE("cholesky returns a lower-triangular L with L Lt = A, batched") {
  manual_seed(41);
  const Tensor A = random_spd({3, 5, 5});
  const Tensor L = linalg::cholesky(A);
  CHECK(max_diff(matmul(L, L.mT()), A) < 1e-12);
  CHECK(max_diff(L.triu(1), zeros({3, 5, 5}, kFloat64)) == 0.0);
  CHECK((L.diagonal() > 0.0).all());
}

TEST_CASE("cholesky reads only the lower triangle") {
  manual_seed(42);
  const Tensor A = random_spd({4, 4});
  const Tensor B = A.tril() + randn({4, 4}, kFloat64).triu(1);
  CHECK(max_diff(linalg::cholesky(B), linalg::cholesky(A)) < 1e-14);
}

TEST_CASE("cholesky works in float32") {
  manual_seed(43);
  const Tensor A = random_spd({2, 4, 4}, kFloat32);
  const Tensor L = linalg::cholesky(A);
  CHECK(L.dtype() == kFloat32);
  CHECK(max_diff(matmul(L, L.mT()), A) < 1e-4);
}

TEST_CASE("cholesky gradient passes first and second order gradcheck") {
  manual_seed(44);
  const Tensor X = leaf(randn({2, 3, 3}, kFloat64));
  auto f = [](const TensorList& x) {
    return linalg::cholesky(matmul(x[0], x[0].mT()) + 3.0 * eye(3, kFloat64));
  };
  CHECK(autograd::gradcheck(f, {X}, 1e-6, 1e-5, 1e-4, true));
}

TEST_CASE("cholesky raises on a matrix that is not positive-definite") {
  const Tensor A = tensor({{1.0, 2.0}, {2.0, 1.0}}, kFloat64);
  REQUIRE_THROWS_AS(linalg::cholesky(A), ValueError);
  REQUIRE_THROWS_WITH(linalg::cholesky(A), Catch::Contains("linalg.cholesky") &&
                                               Catch::Contains("positive-definite") &&
                                               Catch::Contains("[2, 2]"));
  REQUIRE_THROWS_WITH(linalg::cholesky(-eye(3, kFloat64).unsqueeze(0)),
                      Catch::Contains("batch element 0"));
}

TEST_CASE("cholesky rejects non-square and NaN input") {
  REQUIRE_THROWS_AS(linalg::cholesky(ones({3, 2}, kFloat64)), ShapeError);
  REQUIRE_THROWS_WITH(linalg::cholesky(tensor({{NAN, 0.0}, {0.0, 1.0}}, kFloat64)),
                      Catch::Contains("linalg.cholesky") && Catch::Contains("NaN"));
}
