// qr: QR = A, orthonormal Q, upper-triangular R, the three modes, gradients.
#include <catch2/catch.hpp>

#include "linalg/linalg_oracle.hpp"
#include "linalg/linalg_test_util.hpp"

using namespace paragrad;
using namespace paragrad::linalg_test;

TEST_CASE("qr reduced and complete reconstruct A with orthonormal Q and upper-triangular R") {
  manual_seed(51);
  for (Shape shape : {Shape{4, 4}, Shape{6, 3}, Shape{3, 6}, Shape{2, 5, 4}}) {
    for (std::string mode : {"reduced", "complete"}) {
      const Tensor A = randn(shape, kFloat64);
      auto [Q, R] = linalg::qr(A, mode);
      const int64_t m = shape[shape.size() - 2], n = shape.back(), k = std::min(m, n);
      CHECK(Q.size(-1) == (mode == "complete" ? m : k));
      CHECK(R.size(-2) == (mode == "complete" ? m : k));
      CHECK(max_diff(matmul(Q, R), A) < 1e-12);
      CHECK(orthonormality_error(Q) < 1e-12);
      CHECK(max_diff(R.tril(-1), zeros_like(R)) == 0.0);
    }
  }
}

TEST_CASE("qr mode r returns R only, equal to the reduced R") {
  manual_seed(52);
  const Tensor A = randn({5, 3}, kFloat64);
  auto [Q, R] = linalg::qr(A, "r");
  CHECK(Q.numel() == 0);
  CHECK(max_diff(R, std::get<1>(linalg::qr(A))) == 0.0);
}

TEST_CASE("qr matches PyTorch's sign convention on a fixed matrix") {
  const Tensor A = tensor({{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}}, kFloat64);
  auto [Q, R] = linalg::qr(A);
  CHECK(max_diff(R, tensor(linalg_oracle::qr_R, {2, 2}, kFloat64)) < 1e-12);
  CHECK(max_diff(Q, tensor(linalg_oracle::qr_Q, {3, 2}, kFloat64)) < 1e-12);
}

TEST_CASE("qr works in float32") {
  manual_seed(53);
  const Tensor A = randn({2, 6, 4});
  auto [Q, R] = linalg::qr(A);
  CHECK(Q.dtype() == kFloat32);
  CHECK(max_diff(matmul(Q, R), A) < 1e-5);
}

TEST_CASE("qr gradient passes gradcheck for tall, square and wide inputs") {
  manual_seed(54);
  for (Shape shape : {Shape{5, 3}, Shape{3, 3}, Shape{3, 5}, Shape{2, 4, 3}}) {
    const Tensor A = leaf(randn(shape, kFloat64));
    const Tensor WQ = randn(std::get<0>(linalg::qr(A.detach())).shape(), kFloat64);
    const Tensor WR = randn(std::get<1>(linalg::qr(A.detach())).shape(), kFloat64);
    auto f = [WQ, WR](const TensorList& x) {
      auto [Q, R] = linalg::qr(x[0]);
      return (Q * WQ).sum() + (R * WR).sum();
    };
    CHECK(autograd::gradcheck(f, {A}, 1e-6, 1e-5, 1e-4));
  }
}

TEST_CASE("qr gradient passes second order gradcheck") {
  manual_seed(55);
  const Tensor A = leaf(randn({4, 3}, kFloat64));
  auto f = [](const TensorList& x) {
    auto [Q, R] = linalg::qr(x[0]);
    return Q.sum() + R.square().sum();
  };
  CHECK(autograd::gradcheck(f, {A}, 1e-6, 1e-5, 1e-4, true));
}

TEST_CASE("qr rejects a bad mode, and backward through mode r or complete tall raises") {
  REQUIRE_THROWS_WITH(linalg::qr(eye(2, kFloat64), "full"),
                      Catch::Contains("linalg.qr") && Catch::Contains("full"));
  const Tensor A = leaf(randn({4, 2}, kFloat64));
  REQUIRE_THROWS_WITH(std::get<1>(linalg::qr(A, "r")).sum().backward(),
                      Catch::Contains("linalg.qr") && Catch::Contains("mode='r'"));
  REQUIRE_THROWS_WITH(std::get<0>(linalg::qr(A, "complete")).sum().backward(),
                      Catch::Contains("linalg.qr") && Catch::Contains("complete"));
  REQUIRE_THROWS_WITH(linalg::qr(tensor({{NAN, 1.0}}, kFloat64)),
                      Catch::Contains("linalg.qr") && Catch::Contains("NaN"));
  REQUIRE_THROWS_AS(linalg::qr(ones({3}, kFloat64)), ShapeError);
}
