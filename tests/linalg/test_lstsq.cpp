// lstsq: the minimum-norm least-squares solution for tall, wide, rank-deficient, batched and
// vector right-hand sides; gradcheck to second order for tall full-rank A; errors.
#include "linalg/linalg_test_util.hpp"

#include <catch2/catch.hpp>

using namespace paragrad;
using namespace paragrad::linalg_test;

TEST_CASE("lstsq of a tall full-rank system solves the normal equations", "[linalg][lstsq]") {
  manual_seed(1);
  Tensor A = randn({2, 6, 3}, kFloat64), B = randn({2, 6, 2}, kFloat64);
  Tensor X = linalg::lstsq(A, B);
  CHECK(X.shape() == Shape{2, 3, 2});
  CHECK(max_diff(matmul(A.mT(), matmul(A, X)), matmul(A.mT(), B)) < 1e-12);
  Tensor x = linalg::lstsq(A, B.select(-1, 0));
  CHECK(max_diff(x, X.select(-1, 0)) < 1e-12);
}

TEST_CASE("lstsq gives the minimum-norm solution for wide and rank-deficient A",
          "[linalg][lstsq]") {
  manual_seed(2);
  Tensor W = randn({3, 5}, kFloat64), B = randn({3, 2}, kFloat64);
  CHECK(max_diff(linalg::lstsq(W, B), matmul(linalg::pinv(W), B)) < 1e-12);
  Tensor u = randn({4, 1}, kFloat64), v = randn({1, 3}, kFloat64);
  Tensor R = matmul(u, v);  // rank 1
  Tensor b = randn({4, 1}, kFloat64);
  CHECK(max_diff(linalg::lstsq(R, b), matmul(linalg::pinv(R), b)) < 1e-10);
}

TEST_CASE("lstsq passes gradcheck to second order for tall full-rank A and for B",
          "[linalg][lstsq]") {
  manual_seed(3);
  Tensor A = randn({2, 5, 3}, kFloat64).requires_grad_();
  Tensor B = randn({1, 5, 2}, kFloat64).requires_grad_();
  CHECK(autograd::gradcheck([](const TensorList& in) { return linalg::lstsq(in[0], in[1]); },
                            {A, B}, 1e-6, 1e-5, 1e-3, true));
  Tensor W = randn({2, 4}, kFloat64).requires_grad_(), c = randn({2}, kFloat64).requires_grad_();
  CHECK(autograd::gradcheck([](const TensorList& in) { return linalg::lstsq(in[0], in[1]); },
                            {W, c}, 1e-6, 1e-5, 1e-3, true));
}

TEST_CASE("lstsq raises naming the op and shapes", "[linalg][lstsq][errors]") {
  REQUIRE_THROWS_WITH(
      linalg::lstsq(zeros({4, 3}, kFloat64), zeros({3, 2}, kFloat64)),
      Catch::StartsWith("linalg.lstsq: A of shape [4, 3] and B of shape [3, 2] do not match"));
  REQUIRE_THROWS_WITH(linalg::lstsq(zeros({4, 3}, kFloat64), zeros({4, 2})),
                      Catch::StartsWith("linalg.lstsq: expected A and B of the same dtype"));
  REQUIRE_THROWS_WITH(linalg::lstsq(zeros({4}, kFloat64), zeros({4}, kFloat64)),
                      Catch::StartsWith("linalg.lstsq: expected a matrix"));
  Tensor nan = zeros({3, 2}, kFloat64);
  nan.index_put_({0, 0}, std::nan(""));
  REQUIRE_THROWS_WITH(linalg::lstsq(nan, zeros({3, 1}, kFloat64)), Catch::Contains("NaN or Inf"));
}
