// solve_triangular: every combination of upper, left and unitriangular, batched with
// broadcasting; only the triangle is read; gradcheck to second order; errors.
#include "linalg/linalg_test_util.hpp"

#include <catch2/catch.hpp>

using namespace paragrad;
using namespace paragrad::linalg_test;

TEST_CASE("solve_triangular solves from the left and the right reading one triangle",
          "[linalg][triangular]") {
  manual_seed(2);
  Tensor A = randn({2, 4, 4}, kFloat64) + 4.0 * eye(4, kFloat64);
  Tensor B = randn({2, 4, 3}, kFloat64), Bt = randn({3, 4}, kFloat64);
  for (bool upper : {true, false})
    for (bool unit : {false, true}) {
      Tensor T = upper ? A.triu() : A.tril();
      if (unit) T = T - diag_embed(T.diagonal(0, -2, -1)) + eye(4, kFloat64);
      INFO("upper " << upper << ", unit " << unit);
      CHECK(max_diff(matmul(T, linalg::solve_triangular(A, B, upper, true, unit)), B) < 1e-12);
      CHECK(max_diff(matmul(linalg::solve_triangular(A, Bt, upper, false, unit), T), Bt) < 1e-12);
    }
}

TEST_CASE("solve_triangular passes gradcheck to second order for every flag",
          "[linalg][triangular]") {
  manual_seed(3);
  Tensor A = (randn({2, 3, 3}, kFloat64) + 3.0 * eye(3, kFloat64)).requires_grad_();
  Tensor B = randn({1, 3, 2}, kFloat64).requires_grad_();
  for (bool upper : {true, false})
    for (bool left : {true, false})
      for (bool unit : {false, true}) {
        INFO("upper " << upper << ", left " << left << ", unit " << unit);
        CHECK(autograd::gradcheck(
            [=](const TensorList& in) {
              return linalg::solve_triangular(in[0], left ? in[1] : in[1].mT(), upper, left, unit);
            },
            {A, B}, 1e-6, 1e-5, 1e-3, true));
      }
}

TEST_CASE("solve_triangular gives A no gradient outside the triangle it reads",
          "[linalg][triangular]") {
  Tensor A = tensor({{2.0, 1.0}, {5.0, 3.0}}, kFloat64).requires_grad_();
  Tensor B = ones({2, 1}, kFloat64);
  Tensor g = autograd::grad({linalg::solve_triangular(A, B, true).sum()}, {A})[0];
  CHECK(g.index({1, 0}).item<double>() == 0.0);
  Tensor gu = autograd::grad({linalg::solve_triangular(A, B, false, true, true).sum()}, {A})[0];
  CHECK(gu.diagonal().tolist() == std::vector<double>{0, 0});
}

TEST_CASE("solve_triangular raises naming the op and shapes", "[linalg][triangular][errors]") {
  const Tensor A = eye(3, kFloat64);
  REQUIRE_THROWS_WITH(
      linalg::solve_triangular(A, ones({3}, kFloat64), true),
      Catch::StartsWith(
          "linalg.solve_triangular: B must have at least 2 dimensions, got shape [3]"));
  REQUIRE_THROWS_WITH(
      linalg::solve_triangular(A, ones({2, 1}, kFloat64), true),
      Catch::StartsWith(
          "linalg.solve_triangular: A of shape [3, 3] and B of shape [2, 1] do not match"));
  REQUIRE_THROWS_WITH(
      linalg::solve_triangular(zeros({2, 3}, kFloat64), ones({2, 1}, kFloat64), true),
      Catch::StartsWith("linalg.solve_triangular: expected square matrices"));
  REQUIRE_THROWS_WITH(
      linalg::solve_triangular(A, ones({3, 1}), true),
      Catch::StartsWith("linalg.solve_triangular: expected A and B of the same dtype"));
  REQUIRE_THROWS_WITH(
      linalg::solve_triangular(zeros({2, 3, 3}, kFloat64), ones({4, 3, 1}, kFloat64), true),
      Catch::StartsWith("linalg.solve_triangular: batch dimensions of A [2, 3, 3] and B [4, 3, 1] "
                        "cannot be broadcast"));
}
