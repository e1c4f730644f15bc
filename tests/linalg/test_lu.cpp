// lu_factor, lu_factor_ex, lu and lu_solve: reconstruction, LAPACK's 1-based pivots, batched
// square, wide and tall inputs, gradcheck to second order, zero pivots, errors.
#include "linalg/linalg_test_util.hpp"

#include <catch2/catch.hpp>

using namespace paragrad;
using namespace paragrad::linalg_test;

namespace {
bool gradcheck2(const std::function<Tensor(const TensorList&)>& f, const TensorList& xs) {
  return autograd::gradcheck(f, xs, 1e-6, 1e-5, 1e-3, /*check_grad_grad=*/true);
}
Tensor random_leaf(Shape shape, uint64_t seed) {
  manual_seed(seed);
  return randn(shape, kFloat64).requires_grad_();
}
}  // namespace

TEST_CASE("lu reconstructs A = P L U for square, wide, tall and batched inputs", "[linalg][lu]") {
  for (const Shape& s : {Shape{4, 4}, Shape{3, 5}, Shape{5, 3}, Shape{2, 3, 4, 4}, Shape{1, 3}}) {
    manual_seed(7);
    Tensor A = randn(s, kFloat64);
    auto [P, L, U] = linalg::lu(A);
    const int64_t m = s[s.size() - 2], n = s.back(), k = std::min(m, n);
    INFO("shape " << shape_str(Dims(s.begin(), s.end())));
    CHECK(L.size(-1) == k);
    CHECK(U.size(-2) == k);
    CHECK(max_diff(matmul(P, matmul(L, U)), A) < 1e-12);
    CHECK(max_diff(L.triu(1), zeros_like(L)) == 0);
    CHECK(max_diff(U.tril(-1), zeros_like(U)) == 0);
    if (k > 0) CHECK(max_diff(L.diagonal(), ones_like(L.diagonal())) == 0);
  }
}

TEST_CASE("lu of an empty matrix has empty factors", "[linalg][lu][edge]") {
  auto [P, L, U] = linalg::lu(zeros({0, 3}, kFloat64));
  CHECK(P.shape() == Shape{0, 0});
  CHECK(L.shape() == Shape{0, 0});
  CHECK(U.shape() == Shape{0, 3});
  auto [LU, piv] = linalg::lu_factor(zeros({2, 3, 0}, kFloat64));
  CHECK(piv.shape() == Shape{2, 0});
}

TEST_CASE("lu_factor pivots are LAPACK's 1-based row swaps", "[linalg][lu]") {
  Tensor A = tensor({{1.0, 2.0}, {3.0, 4.0}}, kFloat64);
  auto [LU, piv] = linalg::lu_factor(A);
  CHECK(piv.dtype() == kInt64);
  CHECK(piv.tolist() == std::vector<double>{2, 2});
  CHECK(max_diff(LU, tensor({{3.0, 4.0}, {1.0 / 3.0, 2.0 - 4.0 / 3.0}}, kFloat64)) < 1e-15);
}

TEST_CASE("lu and lu_factor pass gradcheck to second order, batched", "[linalg][lu]") {
  for (const Shape& s : {Shape{3, 3}, Shape{2, 3, 3}, Shape{2, 4}, Shape{4, 2}}) {
    Tensor A = random_leaf(s, 1);
    INFO("shape " << shape_str(Dims(s.begin(), s.end())));
    CHECK(gradcheck2([](const TensorList& in) { return std::get<1>(linalg::lu(in[0])); }, {A}));
    CHECK(gradcheck2([](const TensorList& in) { return std::get<2>(linalg::lu(in[0])); }, {A}));
    CHECK(gradcheck2(
        [](const TensorList& in) {
          auto [P, L, U] = linalg::lu(in[0]);
          return L.sum(-1, true) * U.sum(-2, true).sum(-1, true);
        },
        {A}));
    CHECK(gradcheck2([](const TensorList& in) { return std::get<0>(linalg::lu_factor(in[0])); },
                     {A}));
  }
}

TEST_CASE("lu_solve solves with A, its transpose, from the left and the right", "[linalg][lu]") {
  manual_seed(4);
  Tensor A = randn({2, 4, 4}, kFloat64) + 3.0 * eye(4, kFloat64);
  Tensor B = randn({2, 4, 3}, kFloat64), Bt = randn({2, 3, 4}, kFloat64);
  auto [LU, piv] = linalg::lu_factor(A);
  CHECK(max_diff(matmul(A, linalg::lu_solve(LU, piv, B)), B) < 1e-12);
  CHECK(max_diff(matmul(A.mT(), linalg::lu_solve(LU, piv, B, true, true)), B) < 1e-12);
  CHECK(max_diff(matmul(linalg::lu_solve(LU, piv, Bt, false), A), Bt) < 1e-12);
  CHECK(max_diff(matmul(linalg::lu_solve(LU, piv, Bt, false, true), A.mT()), Bt) < 1e-12);
}

TEST_CASE("lu_solve passes gradcheck to second order for LU and B, batched", "[linalg][lu]") {
  manual_seed(5);
  Tensor A = (randn({2, 3, 3}, kFloat64) + 3.0 * eye(3, kFloat64)).requires_grad_();
  Tensor B = random_leaf({2, 3, 2}, 6);
  for (bool left : {true, false})
    for (bool adjoint : {false, true}) {
      INFO("left " << left << ", adjoint " << adjoint);
      CHECK(gradcheck2(
          [left, adjoint](const TensorList& in) {
            auto [LU, piv] = linalg::lu_factor(in[0]);
            return linalg::lu_solve(LU, piv, left ? in[1] : in[1].mT(), left, adjoint);
          },
          {A, B}));
    }
}

TEST_CASE("lu_solve passes gradcheck to second order for LU given directly, batched",
          "[linalg][lu]") {
  // LU as an input of its own (not through lu_factor(A)): every entry of the packed factors,
  // the strictly lower part (L) and the upper part with the diagonal (U), gets its gradient.
  manual_seed(8);
  const Tensor A = randn({2, 3, 3}, kFloat64) + 3.0 * eye(3, kFloat64);
  auto [LU0, piv] = linalg::lu_factor(A);
  Tensor LU = LU0.detach().requires_grad_();
  Tensor B = random_leaf({2, 3, 2}, 9);
  for (bool left : {true, false})
    for (bool adjoint : {false, true}) {
      INFO("left " << left << ", adjoint " << adjoint);
      CHECK(gradcheck2(
          [left, adjoint, piv = piv](const TensorList& in) {
            return linalg::lu_solve(in[0], piv, left ? in[1] : in[1].mT(), left, adjoint);
          },
          {LU, B}));
    }
  // and with respect to LU alone (B constant), with pivots that swap rows
  const Tensor P = tensor({{0.0, 1.0, 0.0}, {0.0, 0.0, 1.0}, {1.0, 0.0, 0.0}}, kFloat64);
  auto [LU1, piv1] = linalg::lu_factor(matmul(P, A.select(0, 0)));
  CHECK(piv1.tolist() != std::vector<double>{1, 2, 3});
  Tensor LUs = LU1.detach().requires_grad_();
  const Tensor Bc = randn({3, 2}, kFloat64);
  CHECK(gradcheck2(
      [piv1 = piv1, Bc](const TensorList& in) { return linalg::lu_solve(in[0], piv1, Bc); },
      {LUs}));
}

TEST_CASE("lu_factor raises on a zero pivot and lu_factor_ex reports it", "[linalg][lu][errors]") {
  Tensor S = tensor({{1.0, 2.0}, {2.0, 4.0}}, kFloat64);
  REQUIRE_THROWS_WITH(
      linalg::lu_factor(S),
      Catch::StartsWith("linalg.lu_factor: U[1, 1] is zero") && Catch::Contains("[2, 2]"));
  auto [LU, piv, info] = linalg::lu_factor_ex(stack({S, eye(2, kFloat64)}, 0));
  CHECK(info.tolist() == std::vector<double>{2, 0});
  REQUIRE_THROWS_WITH(linalg::lu(zeros({3})), Catch::StartsWith("linalg.lu: expected a matrix"));
  REQUIRE_THROWS_AS(linalg::lu(zeros({2, 2}, kInt64)), DtypeError);
  auto [LUo, pivo] = linalg::lu_factor(eye(3, kFloat64));
  REQUIRE_THROWS_WITH(
      linalg::lu_solve(LUo, pivo, zeros({2, 1}, kFloat64)),
      Catch::StartsWith("linalg.lu_solve: LU of shape [3, 3] and B of shape [2, 1] do not match"));
  REQUIRE_THROWS_WITH(linalg::lu_solve(LUo, tensor({1, 2}), zeros({3, 1}, kFloat64)),
                      Catch::StartsWith("linalg.lu_solve: pivots of shape [2] do not match LU"));
  REQUIRE_THROWS_WITH(linalg::lu_solve(LUo, tensor({4, 2, 3}), zeros({3, 1}, kFloat64)),
                      Catch::StartsWith("linalg.lu_solve: pivot 4 at position 0 is out of range"));
  REQUIRE_THROWS_WITH(linalg::lu_solve(LUo, pivo, zeros({3, 1})),
                      Catch::StartsWith("linalg.lu_solve: expected LU and B of the same dtype"));
}
