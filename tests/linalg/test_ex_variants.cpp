// cholesky_ex and inv_ex: info instead of an exception (per batch element), check_errors,
// agreement with cholesky and inv where info = 0, their gradients.
#include "linalg/linalg_test_util.hpp"

#include <catch2/catch.hpp>

using namespace paragrad;
using namespace paragrad::linalg_test;

TEST_CASE("cholesky_ex agrees with cholesky and reports the failing minor in info",
          "[linalg][ex]") {
  Tensor S = random_spd({2, 4, 4});
  auto [L, info] = linalg::cholesky_ex(S);
  CHECK(info.tolist() == std::vector<double>{0, 0});
  CHECK(info.dtype() == kInt64);
  CHECK(max_diff(L, linalg::cholesky(S)) < 1e-12);
  Tensor bad = stack({tensor({{1.0, 2.0}, {2.0, 1.0}}, kFloat64), eye(2, kFloat64)}, 0);
  auto [Lb, ib] = linalg::cholesky_ex(bad);
  CHECK(ib.tolist() == std::vector<double>{2, 0});
  CHECK(Lb.select(0, 0).tolist() == std::vector<double>{1, 0, 2, -3});  // as LAPACK's potf2
  REQUIRE_THROWS_WITH(linalg::cholesky_ex(bad, /*check_errors=*/true),
                      Catch::StartsWith("linalg.cholesky_ex: the input of shape [2, 2, 2] is not "
                                        "positive-definite (batch element 0)"));
  Tensor nan = eye(2, kFloat64);
  nan.index_put_({1, 1}, std::nan(""));
  CHECK(std::get<1>(linalg::cholesky_ex(nan)).item<int64_t>() == 2);
}

TEST_CASE("inv_ex agrees with inv and reports the first zero pivot in info", "[linalg][ex]") {
  manual_seed(1);
  Tensor A = randn({2, 3, 3}, kFloat64) + 3.0 * eye(3, kFloat64);
  auto [X, info] = linalg::inv_ex(A);
  CHECK(info.tolist() == std::vector<double>{0, 0});
  CHECK(max_diff(X, linalg::inv(A)) < 1e-12);
  CHECK(std::get<1>(linalg::inv_ex(tensor({{1.0, 2.0}, {2.0, 4.0}}, kFloat64))).item<int64_t>() ==
        2);
  CHECK(std::get<1>(linalg::inv_ex(zeros({2, 2}, kFloat64))).item<int64_t>() == 1);
  REQUIRE_THROWS_WITH(
      linalg::inv_ex(zeros({2, 2}, kFloat64), true),
      Catch::StartsWith("linalg.inv_ex: the input of shape [2, 2] is singular (info = 1)"));
}

TEST_CASE("cholesky_ex and inv_ex pass gradcheck to second order where info is 0", "[linalg][ex]") {
  Tensor S = leaf(random_spd({3, 3}));
  CHECK(autograd::gradcheck(
      [](const TensorList& in) {
        return std::get<0>(linalg::cholesky_ex(0.5 * (in[0] + in[0].mT())));
      },
      {S}, 1e-6, 1e-5, 1e-3, true));
  manual_seed(2);
  Tensor A = (randn({2, 3, 3}, kFloat64) + 3.0 * eye(3, kFloat64)).requires_grad_();
  CHECK(autograd::gradcheck([](const TensorList& in) { return std::get<0>(linalg::inv_ex(in[0])); },
                            {A}, 1e-6, 1e-5, 1e-3, true));
}

TEST_CASE("cholesky_ex and inv_ex raise on inputs that are not square matrices",
          "[linalg][ex][errors]") {
  REQUIRE_THROWS_WITH(
      linalg::cholesky_ex(zeros({2, 3}, kFloat64)),
      Catch::StartsWith("linalg.cholesky_ex: expected square matrices, got shape [2, 3]"));
  REQUIRE_THROWS_WITH(linalg::inv_ex(zeros({3}, kFloat64)),
                      Catch::StartsWith("linalg.inv_ex: expected a matrix"));
  REQUIRE_THROWS_AS(linalg::inv_ex(zeros({2, 2}, kInt64)), DtypeError);
}
