// det and slogdet: closed forms, PyTorch oracle values, gradients, singular input.
#include <catch2/catch.hpp>

#include "linalg/linalg_oracle.hpp"
#include "linalg/linalg_test_util.hpp"

using namespace paragrad;
using namespace paragrad::linalg_test;

TEST_CASE("det of triangular and permutation matrices matches closed forms") {
  const Tensor T = tensor({{2.0, 5.0, 1.0}, {0.0, -3.0, 7.0}, {0.0, 0.0, 0.5}}, kFloat64);
  CHECK(std::abs(linalg::det(T).item<double>() + 3.0) < 1e-12);
  const Tensor P = tensor({{0.0, 1.0, 0.0}, {1.0, 0.0, 0.0}, {0.0, 0.0, 1.0}}, kFloat64);
  CHECK(std::abs(linalg::det(P).item<double>() + 1.0) < 1e-12);
  CHECK(linalg::det(zeros({2, 2}, kFloat64)).item<double>() == 0.0);
}

TEST_CASE("det and slogdet match PyTorch, with gradients") {
  // scripts/oracle/linalg_oracle.py
  const Tensor A = leaf(tensor({{1.0, 2.0, 0.5}, {-1.0, 0.5, 2.0}, {3.0, 1.0, 1.5}}, kFloat64));
  const Tensor d = linalg::det(A);
  CHECK(std::abs(d.item<double>() - linalg_oracle::det[0]) < 1e-12);
  d.backward();
  CHECK(max_diff(A.grad(), tensor(linalg_oracle::det_grad, {3, 3}, kFloat64)) < 1e-12);
  const Tensor B = leaf(A.detach());
  auto [sign, logabs] = linalg::slogdet(B);
  CHECK(sign.item<double>() == linalg_oracle::slogdet_sign[0]);
  CHECK(std::abs(logabs.item<double>() - linalg_oracle::slogdet_logabs[0]) < 1e-12);
  logabs.backward();
  CHECK(max_diff(B.grad(), tensor(linalg_oracle::slogdet_grad, {3, 3}, kFloat64)) < 1e-12);
}

TEST_CASE("det and slogdet are batched and work in float32") {
  manual_seed(31);
  const Tensor A = randn({2, 3, 4, 4}, kFloat64);
  const Tensor d = linalg::det(A);
  CHECK(d.shape() == Shape{2, 3});
  auto [sign, logabs] = linalg::slogdet(A);
  CHECK(max_diff(sign * logabs.exp(), d) < 1e-10);
  const Tensor d32 = linalg::det(A.to(kFloat32));
  CHECK(d32.dtype() == kFloat32);
  CHECK(max_diff(d32, d) < 1e-4);
}

TEST_CASE("det gradient passes first and second order gradcheck") {
  manual_seed(32);
  const Tensor A = leaf(randn({2, 3, 3}, kFloat64) + 2.0 * eye(3, kFloat64));
  CHECK(autograd::gradcheck([](const TensorList& x) { return linalg::det(x[0]); }, {A}, 1e-6, 1e-5,
                            1e-4, true));
}

TEST_CASE("slogdet gradient passes first and second order gradcheck") {
  manual_seed(33);
  const Tensor A = leaf(randn({2, 3, 3}, kFloat64) + 2.0 * eye(3, kFloat64));
  auto f = [](const TensorList& x) { return std::get<1>(linalg::slogdet(x[0])); };
  CHECK(autograd::gradcheck(f, {A}, 1e-6, 1e-5, 1e-4, true));
}

TEST_CASE("det gradient at a singular matrix is the cofactor matrix") {
  const Tensor A = leaf(tensor({{1.0, 2.0}, {2.0, 4.0}}, kFloat64));
  linalg::det(A).backward();
  // cofactors of [[a, b], [c, d]]: [[d, -c], [-b, a]]
  CHECK(max_diff(A.grad(), tensor({{4.0, -2.0}, {-2.0, 1.0}}, kFloat64)) < 1e-12);
  const Tensor Z = leaf(zeros({3, 3}, kFloat64));
  linalg::det(Z).backward();
  CHECK(max_diff(Z.grad(), zeros({3, 3}, kFloat64)) < 1e-12);
}

TEST_CASE("slogdet of a singular matrix is sign 0 and log -inf, and its backward raises") {
  const Tensor A = leaf(zeros({2, 2}, kFloat64));
  auto [sign, logabs] = linalg::slogdet(A);
  CHECK(sign.item<double>() == 0.0);
  CHECK(std::isinf(logabs.item<double>()));
  CHECK(logabs.item<double>() < 0);
  REQUIRE_THROWS_WITH(logabs.backward(),
                      Catch::Contains("linalg.slogdet") && Catch::Contains("singular"));
}

TEST_CASE("det rejects non-square, NaN and 1-d input") {
  REQUIRE_THROWS_WITH(linalg::det(ones({2, 3}, kFloat64)), Catch::Contains("linalg.det") &&
                                                               Catch::Contains("square") &&
                                                               Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(linalg::slogdet(full({1, 1}, NAN, kFloat64)),
                      Catch::Contains("linalg.slogdet") && Catch::Contains("NaN"));
  REQUIRE_THROWS_AS(linalg::det(ones({3}, kFloat64)), ShapeError);
}
