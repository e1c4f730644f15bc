// solve and inv: identities, broadcasting, gradients to second order, singular input.
#include <catch2/catch.hpp>

#include "linalg/linalg_test_util.hpp"

using namespace paragrad;
using namespace paragrad::linalg_test;

namespace {
Tensor well_conditioned(Shape shape, Dtype dt = kFloat64) {
  return randn(shape, dt) + 3.0 * eye(shape.back(), dt);
}
}  // namespace

TEST_CASE("solve returns X with A X = B, batched") {
  manual_seed(21);
  const Tensor A = well_conditioned({3, 4, 4}), B = randn({3, 4, 2}, kFloat64);
  CHECK(max_diff(matmul(A, linalg::solve(A, B)), B) < 1e-12);
}

TEST_CASE("solve broadcasts batch dims and accepts vector right-hand sides") {
  manual_seed(22);
  const Tensor A = well_conditioned({2, 1, 3, 3}), B = randn({5, 3, 2}, kFloat64);
  const Tensor X = linalg::solve(A, B);
  CHECK(X.shape() == Shape{2, 5, 3, 2});
  CHECK(max_diff(matmul(A, X), B) < 1e-12);
  const Tensor b = randn({3}, kFloat64);
  const Tensor x = linalg::solve(A.select(0, 0).select(0, 0), b);
  CHECK(x.shape() == Shape{3});
  CHECK(max_diff(matmul(A.select(0, 0).select(0, 0), x), b) < 1e-12);
  const Tensor Ab = well_conditioned({4, 3, 3}), bb = randn({4, 3}, kFloat64);
  const Tensor xb = linalg::solve(Ab, bb);
  CHECK(xb.shape() == Shape{4, 3});
  CHECK(max_diff(matmul(Ab, xb.unsqueeze(-1)).squeeze(-1), bb) < 1e-12);
}

TEST_CASE("solve works in float32") {
  manual_seed(23);
  const Tensor A = well_conditioned({4, 4}, kFloat32), B = randn({4, 3});
  const Tensor X = linalg::solve(A, B);
  CHECK(X.dtype() == kFloat32);
  CHECK(max_diff(matmul(A, X), B) < 1e-5);
}

TEST_CASE("solve gradient passes first and second order gradcheck with broadcasting") {
  manual_seed(24);
  const Tensor A = leaf(well_conditioned({2, 3, 3})), B = leaf(randn({3, 2}, kFloat64));
  auto f = [](const TensorList& x) { return linalg::solve(x[0], x[1]); };
  CHECK(autograd::gradcheck(f, {A, B}, 1e-6, 1e-5, 1e-4, /*check_grad_grad=*/true));
}

TEST_CASE("solve raises on a singular matrix") {
  const Tensor A = tensor({{1.0, 2.0}, {2.0, 4.0}}, kFloat64);
  REQUIRE_THROWS_AS(linalg::solve(A, ones({2, 1}, kFloat64)), ValueError);
  REQUIRE_THROWS_WITH(linalg::solve(A, ones({2, 1}, kFloat64)), Catch::Contains("linalg.solve") &&
                                                                    Catch::Contains("singular") &&
                                                                    Catch::Contains("[2, 2]"));
  const Tensor B = tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}, {7.0, 8.0, 9.0}}, kFloat64);
  REQUIRE_THROWS_WITH(linalg::solve(B, ones({3}, kFloat64)), Catch::Contains("singular"));
}

TEST_CASE("solve raises on mismatched shapes, batch dims and dtypes") {
  REQUIRE_THROWS_AS(linalg::solve(eye(3, kFloat64), ones({2, 1}, kFloat64)), ShapeError);
  REQUIRE_THROWS_WITH(
      linalg::solve(eye(3, kFloat64), ones({2, 1}, kFloat64)),
      Catch::Contains("linalg.solve") && Catch::Contains("[3, 3]") && Catch::Contains("[2, 1]"));
  REQUIRE_THROWS_AS(linalg::solve(ones({2, 3, 3}, kFloat64), ones({4, 3, 1}, kFloat64)),
                    ShapeError);
  REQUIRE_THROWS_WITH(
      linalg::solve(ones({2, 3, 3}, kFloat64), ones({4, 3, 1}, kFloat64)),
      Catch::Contains("batch") && Catch::Contains("[2, 3, 3]") && Catch::Contains("[4, 3, 1]"));
  REQUIRE_THROWS_AS(linalg::solve(ones({2, 3}, kFloat64), ones({2, 1}, kFloat64)), ShapeError);
  REQUIRE_THROWS_AS(linalg::solve(eye(2, kFloat64), ones({2, 1})), DtypeError);
}

TEST_CASE("inv returns the inverse, batched and in float32") {
  manual_seed(25);
  const Tensor A = well_conditioned({3, 4, 4});
  CHECK(max_diff(matmul(A, linalg::inv(A)), eye(4, kFloat64)) < 1e-12);
  const Tensor A32 = well_conditioned({4, 4}, kFloat32);
  CHECK(max_diff(matmul(linalg::inv(A32), A32), eye(4)) < 1e-5);
}

TEST_CASE("inv gradient passes first and second order gradcheck") {
  manual_seed(26);
  const Tensor A = leaf(well_conditioned({2, 3, 3}));
  CHECK(autograd::gradcheck([](const TensorList& x) { return linalg::inv(x[0]); }, {A}, 1e-6, 1e-5,
                            1e-4, true));
}

TEST_CASE("inv raises on singular and non-square matrices and on Inf") {
  REQUIRE_THROWS_WITH(linalg::inv(zeros({2, 3, 3}, kFloat64)), Catch::Contains("linalg.inv") &&
                                                                   Catch::Contains("singular") &&
                                                                   Catch::Contains("[2, 3, 3]"));
  REQUIRE_THROWS_AS(linalg::inv(ones({2, 3}, kFloat64)), ShapeError);
  REQUIRE_THROWS_WITH(linalg::inv(tensor({{INFINITY, 0.0}, {0.0, 1.0}}, kFloat64)),
                      Catch::Contains("linalg.inv") && Catch::Contains("Inf"));
}
