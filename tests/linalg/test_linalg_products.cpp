// matrix_power, multi_dot, vecdot, cross and cond: values against plain compositions,
// gradcheck to second order (batched), errors.
#include <cmath>

#include "linalg/linalg_test_util.hpp"

#include <catch2/catch.hpp>

using namespace paragrad;
using namespace paragrad::linalg_test;

namespace {
bool gradcheck2(const std::function<Tensor(const TensorList&)>& f, const TensorList& xs) {
  return autograd::gradcheck(f, xs, 1e-6, 1e-5, 1e-3, /*check_grad_grad=*/true);
}
}  // namespace

TEST_CASE("matrix_power multiplies by repeated squaring, negative powers through inv",
          "[linalg][products]") {
  manual_seed(1);
  Tensor A = randn({2, 3, 3}, kFloat64) * 0.5 + eye(3, kFloat64);
  CHECK(max_diff(linalg::matrix_power(A, 5), matmul(A, matmul(A, matmul(A, matmul(A, A))))) <
        1e-12);
  CHECK(max_diff(linalg::matrix_power(A, -2), matmul(linalg::inv(A), linalg::inv(A))) < 1e-12);
  CHECK(max_diff(linalg::matrix_power(A, 0), broadcast_to(eye(3, kFloat64), A.sizes())) == 0);
  CHECK(linalg::matrix_power(tensor({{1, 1}, {1, 0}}), 10).tolist() ==
        std::vector<double>{89, 55, 55, 34});
  Tensor L = A.detach().requires_grad_();
  for (int64_t n : {0, 1, 2, 3, -1, -3}) {
    INFO("n = " << n);
    CHECK(gradcheck2([n](const TensorList& in) { return linalg::matrix_power(in[0], n); }, {L}));
  }
}

TEST_CASE("multi_dot multiplies in the cheapest order and drops vector dims",
          "[linalg][products]") {
  manual_seed(2);
  Tensor a = randn({10}, kFloat64), B = randn({10, 3}, kFloat64), C = randn({3, 20}, kFloat64),
         d = randn({20}, kFloat64);
  Tensor r = linalg::multi_dot({a, B, C, d});
  CHECK(r.dim() == 0);
  CHECK(std::abs(r.item<double>() - matmul(matmul(matmul(a, B), C), d).item<double>()) < 1e-12);
  CHECK(linalg::multi_dot({B, C}).shape() == Shape{10, 20});
  Tensor x = randn({3, 4}, kFloat64).requires_grad_(), y = randn({4, 2}, kFloat64).requires_grad_(),
         z = randn({2, 5}, kFloat64).requires_grad_();
  CHECK(gradcheck2([](const TensorList& in) { return linalg::multi_dot(in); }, {x, y, z}));
}

TEST_CASE("vecdot and cross broadcast and pass gradcheck", "[linalg][products]") {
  manual_seed(3);
  Tensor x = randn({3, 4}, kFloat64).requires_grad_(), y = randn({4}, kFloat64).requires_grad_();
  CHECK(max_diff(linalg::vecdot(x, y), matmul(x, y)) < 1e-12);
  CHECK(gradcheck2([](const TensorList& in) { return linalg::vecdot(in[0], in[1]); }, {x, y}));
  Tensor a = randn({2, 3}, kFloat64).requires_grad_(), b = randn({1, 3}, kFloat64).requires_grad_();
  CHECK(gradcheck2([](const TensorList& in) { return linalg::cross(in[0], in[1]); }, {a, b}));
}

TEST_CASE("cond is the ratio of extreme singular values, inf for singular square input",
          "[linalg][products]") {
  Tensor D = tensor({{4.0, 0.0}, {0.0, 0.5}}, kFloat64);
  CHECK(std::abs(linalg::cond(D).item<double>() - 8.0) < 1e-12);
  CHECK(std::abs(linalg::cond(D, -2).item<double>() - 0.125) < 1e-12);
  CHECK(std::abs(linalg::cond(D, 1).item<double>() - 8.0) < 1e-12);
  CHECK(std::isinf(linalg::cond(tensor({{1.0, 2.0}, {2.0, 4.0}}, kFloat64), "fro").item<double>()));
  manual_seed(4);
  Tensor A = (randn({2, 3, 3}, kFloat64) + 3.0 * eye(3, kFloat64)).requires_grad_();
  for (const char* p : {"2", "fro", "nuc", "1", "inf"}) {
    INFO("p = " << p);
    CHECK(
        gradcheck2([p](const TensorList& in) { return linalg::cond(in[0], std::string(p)); }, {A}));
  }
}

TEST_CASE("cond passes gradcheck to second order for p = -2, -1 and -inf", "[linalg][products]") {
  // (PyTorch 1.13 differentiates cond only for p = ±2 and "nuc"; for ±1, ±inf and "fro" its
  // backward raises, so these are checked against finite differences alone.)
  manual_seed(7);
  Tensor A = (randn({2, 3, 3}, kFloat64) + 3.0 * eye(3, kFloat64)).requires_grad_();
  for (double p : {-2.0, -1.0, -double(INFINITY)}) {
    INFO("p = " << p);
    CHECK(gradcheck2([p](const TensorList& in) { return linalg::cond(in[0], p); }, {A}));
  }
  for (const char* p : {"-2", "-1", "-inf"}) {
    INFO("p = '" << p << "'");
    CHECK(
        gradcheck2([p](const TensorList& in) { return linalg::cond(in[0], std::string(p)); }, {A}));
  }
}

TEST_CASE("cond of an empty matrix is 0 without a gradient, as PyTorch", "[linalg][products]") {
  Tensor E = zeros({0, 0}, kFloat64).requires_grad_();
  const Tensor c = linalg::cond(E);
  CHECK(c.dim() == 0);
  CHECK(c.item<double>() == 0.0);
  CHECK_FALSE(c.requires_grad());
  CHECK(linalg::cond(zeros({2, 0, 3}), 1).shape() == Shape{2});
  REQUIRE_THROWS_WITH(linalg::cond(zeros({0, 3}), "fro"),
                      Catch::StartsWith("linalg.cond: expected square matrices"));
}

TEST_CASE("matrix_power, multi_dot, vecdot, cross and cond raise naming the op",
          "[linalg][products][errors]") {
  REQUIRE_THROWS_WITH(
      linalg::matrix_power(zeros({2, 3}), 2),
      Catch::StartsWith(
          "linalg.matrix_power: expected a square matrix or a batch of them, got shape [2, 3]"));
  REQUIRE_THROWS_WITH(linalg::multi_dot({zeros({2, 2})}),
                      Catch::StartsWith("linalg.multi_dot: expected at least 2 tensors, got 1"));
  REQUIRE_THROWS_WITH(
      linalg::multi_dot({zeros({2, 3}), zeros({2, 3})}),
      Catch::StartsWith(
          "linalg.multi_dot: tensors 0 and 1 of shapes [2, 3] and [2, 3] cannot be multiplied"));
  REQUIRE_THROWS_WITH(linalg::multi_dot({zeros({2}), zeros({2}), zeros({2})}),
                      Catch::StartsWith("linalg.multi_dot: tensor 1 must be 2-d, got shape [2]"));
  REQUIRE_THROWS_WITH(
      linalg::vecdot(zeros({2, 3}), zeros({2})),
      Catch::StartsWith("linalg.vecdot: shapes [2, 3] and [2] are not broadcastable"));
  REQUIRE_THROWS_WITH(linalg::cross(zeros({2, 2}), zeros({2, 2})),
                      Catch::StartsWith("linalg.cross: dimension -1 must have size 3"));
  REQUIRE_THROWS_WITH(linalg::cond(zeros({2, 2}), "bad"),
                      Catch::StartsWith("linalg.cond: p must be one of"));
  REQUIRE_THROWS_WITH(linalg::cond(zeros({2, 3}), "fro"),
                      Catch::StartsWith("linalg.cond: expected square matrices"));
}
