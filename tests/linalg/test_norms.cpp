// matrix_norm and vector_norm: PyTorch oracle values, gradients, degenerate points, errors.
#include <catch2/catch.hpp>

#include "linalg/linalg_oracle.hpp"
#include "linalg/linalg_test_util.hpp"

using namespace paragrad;
using namespace paragrad::linalg_test;

namespace {
const Tensor& fixed_matrix() {
  static const Tensor A = tensor({{1.0, -2.0, 3.0}, {0.5, 4.0, -1.0}}, kFloat64);
  return A;
}
}  // namespace

TEST_CASE("matrix_norm matches PyTorch for every ord") {
  // scripts/oracle/linalg_oracle.py: torch.linalg.matrix_norm(A, ord)
  const std::vector<std::string> ords{"fro", "nuc", "2", "-2", "1", "-1", "inf", "-inf"};
  const std::vector<double>& expected = linalg_oracle::matrix_norms;
  for (size_t i = 0; i < ords.size(); ++i) {
    INFO("ord " << ords[i]);
    CHECK(std::abs(linalg::matrix_norm(fixed_matrix(), ords[i]).item<double>() - expected[i]) <
          1e-12);
  }
  CHECK(std::abs(linalg::matrix_norm(fixed_matrix(), 2.0).item<double>() - expected[2]) < 1e-12);
  CHECK(std::abs(linalg::matrix_norm(fixed_matrix(), -INFINITY).item<double>() - expected[7]) <
        1e-12);
}

TEST_CASE("vector_norm matches PyTorch for common ords") {
  const Tensor x = tensor({3.0, -4.0, 0.0, 1.5}, kFloat64);
  for (size_t i = 0; i < linalg_oracle::vector_norm_ords.size(); ++i) {
    const double ord = linalg_oracle::vector_norm_ords[i];
    INFO("ord " << ord);
    CHECK(std::abs(linalg::vector_norm(x, ord).item<double>() - linalg_oracle::vector_norms[i]) <
          1e-12);
  }
}

TEST_CASE("vector_norm reduces over dims with keepdim") {
  const Tensor x = tensor({{3.0, 4.0}, {6.0, 8.0}}, kFloat64);
  const Tensor n = linalg::vector_norm(x, 2, {-1}, true);
  CHECK(n.shape() == Shape{2, 1});
  CHECK(max_diff(n, tensor(std::vector<double>{5.0, 10.0}, {2, 1}, kFloat64)) < 1e-14);
}

TEST_CASE("vector_norm takes one dim as an integer, as every reduction") {
  manual_seed(74);
  const Tensor x = randn({2, 3, 4}, kFloat64);
  CHECK(equal(linalg::vector_norm(x, 2, 1), linalg::vector_norm(x, 2, {1})));
  CHECK(linalg::vector_norm(x, 2, 1).shape() == Shape{2, 4});
  CHECK(equal(linalg::vector_norm(x, 1, -1, true), linalg::vector_norm(x, 1, {-1}, true)));
  CHECK(linalg::vector_norm(x, 1, -1, true).shape() == Shape{2, 3, 1});
  const int64_t d = 0;
  CHECK(equal(linalg::vector_norm(x, INFINITY, d), linalg::vector_norm(x, INFINITY, {0})));
  CHECK(equal(linalg::vector_norm(x, 3, 2L), x.norm(3, 2)));  // the same op as Tensor::norm
  CHECK(linalg::vector_norm(scalar(-2.0, kFloat64), 2, 0).item<double>() == 2.0);  // 0-d: dim 0
  REQUIRE_THROWS_AS(linalg::vector_norm(x, 2, 3), IndexError);
}

TEST_CASE("matrix_norm is batched and works in float32") {
  manual_seed(71);
  const Tensor A = randn({3, 4, 5});
  const Tensor n = linalg::matrix_norm(A, "nuc");
  CHECK(n.shape() == Shape{3});
  CHECK(n.dtype() == kFloat32);
  CHECK(max_diff(n, linalg::svdvals(A.to(kFloat64)).sum({-1})) < 1e-4);
}

TEST_CASE("matrix_norm gradients pass gradcheck for every ord") {
  manual_seed(72);
  const Tensor A = leaf(randn({2, 3, 4}, kFloat64));
  for (std::string ord : {"fro", "nuc", "2", "-2", "1", "-1", "inf", "-inf"}) {
    INFO("ord " << ord);
    CHECK(autograd::gradcheck([ord](const TensorList& x) { return linalg::matrix_norm(x[0], ord); },
                              {A}, 1e-6, 1e-5, 1e-4));
  }
}

TEST_CASE("vector_norm gradients pass gradcheck for p = 2, 3, 0.5, 1, inf") {
  manual_seed(73);
  const Tensor x = leaf(randn({2, 5}, kFloat64));
  for (double p : {2.0, 3.0, 0.5, 1.0, double(INFINITY), -double(INFINITY)}) {
    INFO("p " << p);
    CHECK(
        autograd::gradcheck([p](const TensorList& v) { return linalg::vector_norm(v[0], p, {-1}); },
                            {x}, 1e-6, 1e-5, 1e-4, p == 2.0 || p == 3.0));
  }
}

// Second order (gradgradcheck), float64, on inputs where each norm is twice differentiable:
// Gaussian matrices have distinct singular values and no ties among their absolute row / column
// sums; the vectors are kept away from zero (|x| >= 0.5) and have no ties in |x|.
TEST_CASE("matrix_norm second-order gradcheck for every ord") {
  manual_seed(75);
  for (Shape shape : {Shape{3, 3}, Shape{4, 3}, Shape{3, 4}}) {
    const Tensor A = leaf(randn(shape, kFloat64));
    for (std::string ord : {"fro", "nuc", "2", "-2", "1", "-1", "inf", "-inf"}) {
      INFO("shape " << shape[0] << "x" << shape[1] << ", ord " << ord);
      CHECK(
          autograd::gradcheck([ord](const TensorList& x) { return linalg::matrix_norm(x[0], ord); },
                              {A}, 1e-6, 1e-5, 1e-4, /*check_grad_grad=*/true));
    }
  }
}

TEST_CASE("vector_norm second-order gradcheck for p = 2, 1, 3, 0.5, inf, -inf away from zero") {
  manual_seed(76);
  const Tensor r = randn({2, 5}, kFloat64);
  const Tensor x = leaf(r + 0.5 * r.sign());
  for (double p : {2.0, 1.0, 3.0, 0.5, double(INFINITY), -double(INFINITY)}) {
    INFO("p " << p);
    CHECK(
        autograd::gradcheck([p](const TensorList& v) { return linalg::vector_norm(v[0], p, {-1}); },
                            {x}, 1e-6, 1e-5, 1e-4, /*check_grad_grad=*/true));
    CHECK(autograd::gradcheck([p](const TensorList& v) { return linalg::vector_norm(v[0], p); },
                              {x}, 1e-6, 1e-5, 1e-4, /*check_grad_grad=*/true));
  }
}

TEST_CASE("nuclear norm gradient is U Vh and finite at repeated and zero singular values") {
  manual_seed(74);
  const Tensor A = leaf(with_singular_values(tensor({2.0, 2.0, 0.0, 0.0}, kFloat64)));
  linalg::matrix_norm(A, "nuc").backward();
  REQUIRE(all_finite(A.grad()));
  auto [U, S, Vh] = linalg::svd(A.detach());
  CHECK(max_diff(A.grad(), matmul(U, Vh)) < 1e-12);
}

TEST_CASE("norm gradients at zero are zero, not NaN") {
  const Tensor x = leaf(zeros({4}, kFloat64));
  linalg::vector_norm(x, 2).backward();
  CHECK(max_diff(x.grad(), zeros({4}, kFloat64)) == 0.0);
  const Tensor y = leaf(zeros({4}, kFloat64));
  linalg::vector_norm(y, 0.5).backward();
  CHECK(max_diff(y.grad(), zeros({4}, kFloat64)) == 0.0);
  const Tensor A = leaf(zeros({3, 3}, kFloat64));
  (linalg::matrix_norm(A) + linalg::matrix_norm(A, "2")).backward();
  REQUIRE(all_finite(A.grad()));
}

TEST_CASE("vector_norm with ord 0 counts non-zeros and has zero gradient") {
  const Tensor x = leaf(tensor({0.0, 2.0, -1.0, 0.0}, kFloat64));
  const Tensor n = linalg::vector_norm(x, 0);
  CHECK(n.item<double>() == 2.0);
  n.backward();
  CHECK(max_diff(x.grad(), zeros({4}, kFloat64)) == 0.0);
}

TEST_CASE("norms reject bad ords, vectors for matrix_norm and integer input") {
  REQUIRE_THROWS_WITH(linalg::matrix_norm(eye(2, kFloat64), "3"),
                      Catch::Contains("linalg.matrix_norm") && Catch::Contains("'3'"));
  REQUIRE_THROWS_AS(linalg::matrix_norm(eye(2, kFloat64), 3.0), ValueError);
  REQUIRE_THROWS_WITH(linalg::matrix_norm(ones({3}, kFloat64)),
                      Catch::Contains("linalg.matrix_norm") && Catch::Contains("[3]"));
  REQUIRE_THROWS_AS(linalg::vector_norm(ones({3}, kInt64)), DtypeError);
  REQUIRE_THROWS_AS(linalg::vector_norm(ones({3}, kFloat64), 2, {3}), IndexError);
}
