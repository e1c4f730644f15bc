// matmul: 1-d, 2-d, batched and broadcast batch dims, strided operands; gradients to
// second order; shape errors.
#include "engine/engine_test_util.hpp"

using namespace paragrad;
using paragrad::test::gradcheck2;
using paragrad::test::leaf;

namespace {
// The reference product of two 2-d tensors through Eigen.
Tensor eigen_mm(const Tensor& a, const Tensor& b) {
  return from_eigen(Eigen::MatrixXd(a.to_eigen() * b.to_eigen()));
}
}  // namespace

TEST_CASE("matmul of 2-d tensors matches Eigen, also for transposed and sliced operands",
          "[matmul]") {
  manual_seed(1);
  Tensor a = randn({4, 3}, kFloat64), b = randn({3, 5}, kFloat64), c = randn({5, 6}, kFloat64);
  CHECK(allclose(matmul(a, b), eigen_mm(a, b), 1e-12, 1e-12));
  CHECK(allclose(matmul(b.t(), a.t()), eigen_mm(b.t().contiguous(), a.t().contiguous()), 1e-12,
                 1e-12));
  Tensor cs = c.index({Slice(None, None, 2), Slice(1, None, 2)});  // [3, 3], both dims strided
  CHECK(allclose(matmul(a, cs), eigen_mm(a, cs.contiguous()), 1e-12, 1e-12));
  Tensor e = tensor({{1.0, 2.0, 3.0}}, kFloat64).expand({4, 3});  // stride 0 rows
  CHECK(allclose(matmul(e, b), eigen_mm(e.contiguous(), b), 1e-12, 1e-12));
}

TEST_CASE("matmul handles 1-d operands like PyTorch", "[matmul]") {
  Tensor v = tensor({1.0, 2.0, 3.0});
  Tensor m = arange(0, 6).to(kFloat32).reshape({3, 2});  // arange of integers is int64
  CHECK(matmul(v, v).dim() == 0);
  CHECK(matmul(v, v).item<float>() == 14.0f);
  CHECK(matmul(v, m).shape() == Shape{2});
  CHECK(matmul(v, m).tolist() == std::vector<double>{16, 22});
  CHECK(matmul(m.t(), v).tolist() == std::vector<double>{16, 22});
  CHECK(matmul(ones({4, 2, 3}), v).shape() == Shape{4, 2});
  CHECK(matmul(v, ones({4, 3, 2})).shape() == Shape{4, 2});
}

TEST_CASE("matmul broadcasts batch dims", "[matmul]") {
  manual_seed(2);
  Tensor a = randn({2, 1, 3, 4}, kFloat64), b = randn({5, 4, 2}, kFloat64);
  Tensor c = matmul(a, b);
  CHECK(c.shape() == Shape{2, 5, 3, 2});
  CHECK(allclose(c.index({1, 3}), eigen_mm(a.index({1, 0}), b.index({3})), 1e-12, 1e-12));
  Tensor d = matmul(a.index({0, 0}), b);  // 2-d with 3-d
  CHECK(d.shape() == Shape{5, 3, 2});
  CHECK(allclose(d.index({4}), eigen_mm(a.index({0, 0}), b.index({4})), 1e-12, 1e-12));
}

TEST_CASE("matmul with zero-size dims gives zeros or empty results", "[matmul][edge]") {
  CHECK(matmul(ones({2, 0}), ones({0, 3})).tolist() == std::vector<double>(6, 0.0));
  CHECK(matmul(ones({0, 2}), ones({2, 3})).shape() == Shape{0, 3});
  CHECK(matmul(ones({0, 2, 2}), ones({2, 3})).shape() == Shape{0, 2, 3});
}

TEST_CASE("matmul of int64 tensors stays int64 and mixed dtypes raise as PyTorch",
          "[matmul][dtype]") {
  Tensor i = tensor({{1, 2}, {3, 4}}, kInt64);
  CHECK(matmul(i, i).dtype() == kInt64);
  CHECK(matmul(i, i).tolist() == std::vector<double>{7, 10, 15, 22});
  REQUIRE_THROWS_WITH(matmul(i, ones({2, 2}, kFloat64)), Catch::StartsWith("matmul") &&
                                                             Catch::Contains("int64") &&
                                                             Catch::Contains("float64"));
}

TEST_CASE("matmul passes first and second order gradcheck in every layout", "[matmul]") {
  Tensor a = leaf({3, 4}, 1), b = leaf({4, 2}, 2);
  CHECK(gradcheck2([](const TensorList& in) { return matmul(in[0], in[1]); }, {a, b}));
  CHECK(gradcheck2([](const TensorList& in) { return matmul(in[1].t(), in[0].t()); }, {a, b}));
  Tensor v = leaf({4}, 3), w = leaf({4}, 4);
  CHECK(gradcheck2([](const TensorList& in) { return matmul(in[0], in[1]); }, {v, w}));
  CHECK(gradcheck2([](const TensorList& in) { return matmul(in[0], in[1]); }, {a, v}));
  CHECK(gradcheck2([](const TensorList& in) { return matmul(in[0], in[1]); }, {v, b}));
  Tensor ba = leaf({2, 1, 3, 4}, 5), bb = leaf({3, 4, 2}, 6);
  CHECK(gradcheck2([](const TensorList& in) { return matmul(in[0], in[1]); }, {ba, bb}));
  CHECK(gradcheck2([](const TensorList& in) { return matmul(in[0], in[1]); }, {ba, b}));
  CHECK(gradcheck2([](const TensorList& in) { return matmul(in[0], in[1].mT().mT()); }, {a, bb}));
  // expanded and sliced operands
  CHECK(gradcheck2(
      [](const TensorList& in) {
        return matmul(in[0].index({Slice(None, None, 2)}).expand({2, 2, 4}), in[1]);
      },
      {a, b}));
}

TEST_CASE("outer is the product of a column and a row", "[matmul]") {
  Tensor u = leaf({3}, 1), v = leaf({2}, 2);
  CHECK(outer(tensor({1.0, 2.0}), tensor({3.0, 4.0, 5.0})).tolist() ==
        std::vector<double>{3, 4, 5, 6, 8, 10});
  CHECK(gradcheck2([](const TensorList& in) { return outer(in[0], in[1]); }, {u, v}));
  REQUIRE_THROWS_WITH(outer(ones({2, 2}), ones({2})), Catch::Contains("outer"));
}

TEST_CASE("matmul of mismatched shapes raises naming both shapes", "[matmul][errors]") {
  REQUIRE_THROWS_WITH(matmul(ones({2, 3}), ones({4, 5})), Catch::StartsWith("matmul") &&
                                                              Catch::Contains("[2, 3]") &&
                                                              Catch::Contains("[4, 5]"));
  REQUIRE_THROWS_WITH(matmul(ones({3}), ones({4})), Catch::StartsWith("matmul") &&
                                                        Catch::Contains("[3]") &&
                                                        Catch::Contains("[4]"));
  REQUIRE_THROWS_WITH(matmul(ones({3}), ones({4, 2})), Catch::StartsWith("matmul") &&
                                                           Catch::Contains("[3]") &&
                                                           Catch::Contains("[4, 2]"));
  REQUIRE_THROWS_WITH(matmul(ones({2, 4}), ones({3})), Catch::StartsWith("matmul") &&
                                                           Catch::Contains("[2, 4]") &&
                                                           Catch::Contains("[3]"));
  REQUIRE_THROWS_WITH(matmul(ones({2, 2, 3}), ones({3, 3, 2})), Catch::StartsWith("matmul") &&
                                                                    Catch::Contains("[2, 2, 3]") &&
                                                                    Catch::Contains("[3, 3, 2]"));
  REQUIRE_THROWS_WITH(matmul(scalar(1.0), ones({2})), Catch::StartsWith("matmul"));
  REQUIRE_THROWS_WITH(matmul(ones({2, 2}, kBool), ones({2, 2}, kBool)),
                      Catch::StartsWith("matmul") && Catch::Contains("bool"));
}
