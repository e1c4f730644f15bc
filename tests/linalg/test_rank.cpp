// matrix_rank and pinv: constructed low-rank matrices, PyTorch defaults, Penrose identities.
#include <catch2/catch.hpp>

#include "linalg/linalg_oracle.hpp"
#include "linalg/linalg_test_util.hpp"

using namespace paragrad;
using namespace paragrad::linalg_test;

TEST_CASE("matrix_rank of constructed low-rank matrices, batched, Int64") {
  manual_seed(81);
  TensorList ms;
  for (int64_t r : {1, 2, 3, 5})
    ms.push_back(matmul(randn({6, r}, kFloat64), randn({r, 5}, kFloat64)));
  const Tensor ranks = linalg::matrix_rank(stack(ms, 0));
  CHECK(ranks.dtype() == kInt64);
  CHECK(ranks.tolist() == std::vector<double>{1, 2, 3, 5});
  CHECK(linalg::matrix_rank(zeros({3, 4}, kFloat64)).item<int64_t>() == 0);
  CHECK(linalg::matrix_rank(eye(4)).item<int64_t>() == 4);
}

TEST_CASE("matrix_rank uses PyTorch's default tolerance") {
  // scripts/oracle/linalg_oracle.py: singular values 1, 1e-10, 1e-17 (float64) and 1, 1e-5,
  // 1e-8 (float32)
  const Tensor d64 = tensor({1.0, 1e-10, 1e-17}, kFloat64);
  CHECK(linalg::matrix_rank(d64.unsqueeze(-1) * eye(3, kFloat64)).item<int64_t>() ==
        int64_t(linalg_oracle::rank64[0]));
  const Tensor d32 = tensor({1.0, 1e-5, 1e-8});
  CHECK(linalg::matrix_rank(d32.unsqueeze(-1) * eye(3)).item<int64_t>() ==
        int64_t(linalg_oracle::rank32[0]));
  CHECK(linalg::matrix_rank(d64.unsqueeze(-1) * eye(3, kFloat64), 1e-6).item<int64_t>() == 1);
}

TEST_CASE("pinv satisfies the Penrose identities for full-rank and rank-deficient input") {
  manual_seed(82);
  for (const Tensor& A :
       {randn({5, 3}, kFloat64), randn({3, 5}, kFloat64),
        matmul(randn({4, 2}, kFloat64), randn({2, 4}, kFloat64)), randn({2, 4, 3}, kFloat64)}) {
    const Tensor X = linalg::pinv(A);
    CHECK(max_diff(matmul(matmul(A, X), A), A) < 1e-12);
    CHECK(max_diff(matmul(matmul(X, A), X), X) < 1e-12);
    CHECK(max_diff(matmul(A, X), matmul(A, X).mT()) < 1e-12);
    CHECK(max_diff(matmul(X, A), matmul(X, A).mT()) < 1e-12);
  }
}

TEST_CASE("pinv of an invertible matrix is its inverse, also in float32") {
  manual_seed(83);
  const Tensor A = randn({4, 4}) + 3.0 * eye(4);
  CHECK(linalg::pinv(A).dtype() == kFloat32);
  CHECK(max_diff(linalg::pinv(A), linalg::inv(A)) < 1e-5);
}

TEST_CASE("pinv gradient passes first and second order gradcheck (tall and wide)") {
  manual_seed(84);
  for (Shape shape : {Shape{4, 3}, Shape{3, 4}, Shape{2, 3, 3}}) {
    const Tensor A = leaf(randn(shape, kFloat64));
    CHECK(autograd::gradcheck([](const TensorList& x) { return linalg::pinv(x[0]); }, {A}, 1e-6,
                              1e-5, 1e-4, true));
  }
}

TEST_CASE("matrix_rank and pinv reject vectors and NaN") {
  REQUIRE_THROWS_WITH(linalg::matrix_rank(ones({3}, kFloat64)),
                      Catch::Contains("linalg.matrix_rank") && Catch::Contains("[3]"));
  REQUIRE_THROWS_WITH(linalg::pinv(tensor({{NAN, 1.0}}, kFloat64)),
                      Catch::Contains("linalg.pinv") && Catch::Contains("NaN"));
  REQUIRE_THROWS_WITH(linalg::matrix_rank(tensor({{NAN, 1.0}}, kFloat64)), Catch::Contains("NaN"));
}
