// Creation functions: shapes, values, dtypes, and their errors; linspace and the *_like ops
// against PyTorch 1.13 (scripts/oracle/ops_oracle.py).
#include "engine/engine_test_util.hpp"
#include "engine/oracle/creation.hpp"

using namespace paragrad;

TEST_CASE("linspace, zeros_like, ones_like and full_like match PyTorch's values and dtypes",
          "[creation][oracle]") {
  using L = const TensorList&;
  using A = const std::vector<double>&;
  using ops_oracle::I;
  const Dtype dtypes[] = {kFloat32, kFloat64, kInt64};  // the generator's dtype codes
  ops_oracle::OpTable ops{
      {"linspace",
       [&](L, A a) { return TensorList{linspace(a[0], a[1], I(a[2]), dtypes[I(a[3])])}; }},
      {"zeros_like", [](L in, A) { return TensorList{zeros_like(in[0])}; }},
      {"ones_like", [](L in, A) { return TensorList{ones_like(in[0])}; }},
      {"full_like", [](L in, A a) { return TensorList{full_like(in[0], a[0])}; }},
  };
  ops_oracle::replay(ops_oracle::creation_cases, ops);
}

TEST_CASE("zeros, ones, full, eye and scalar make leaves with the given values", "[creation]") {
  CHECK(zeros({2, 3}).tolist() == std::vector<double>(6, 0.0));
  CHECK(ones({2}, kInt64).dtype() == kInt64);
  CHECK(full({2}, 2.5, kFloat64).tolist() == std::vector<double>{2.5, 2.5});
  CHECK(eye(3).tolist() == std::vector<double>{1, 0, 0, 0, 1, 0, 0, 0, 1});
  CHECK(eye(2, 3, kFloat64).tolist() == std::vector<double>{1, 0, 0, 0, 1, 0});
  CHECK(eye(0).shape() == Shape{0, 0});
  CHECK(eye(3, 0, kFloat32).shape() == Shape{3, 0});
  CHECK(scalar(4.0).dim() == 0);
  CHECK(zeros({}).dim() == 0);
  CHECK(zeros({}).numel() == 1);
  CHECK_FALSE(ones({2}).requires_grad());
  CHECK(ones({2}).is_leaf());
  CHECK(zeros_like(ones({2}, kFloat64)).dtype() == kFloat64);
  CHECK(ones_like(zeros({3})).tolist() == std::vector<double>{1, 1, 1});
  CHECK(full_like(zeros({2}), 7.0).tolist() == std::vector<double>{7, 7});
}

TEST_CASE("arange and linspace", "[creation]") {
  CHECK(arange(0, 5).tolist() == std::vector<double>{0, 1, 2, 3, 4});
  CHECK(arange(1, 2, 0.25).tolist() == std::vector<double>{1, 1.25, 1.5, 1.75});
  CHECK(arange(5, 0, -2).tolist() == std::vector<double>{5, 3, 1});
  CHECK(arange(0, 0).numel() == 0);
  CHECK(arange(0, 3, 1, kInt64).dtype() == kInt64);
  CHECK(linspace(0, 1, 5).tolist() == std::vector<double>{0, 0.25, 0.5, 0.75, 1});
  CHECK(linspace(2, 2, 1).tolist() == std::vector<double>{2});
  CHECK(linspace(0, 1, 0).numel() == 0);
  REQUIRE_THROWS_WITH(arange(0, 1, 0), Catch::StartsWith("arange"));
  REQUIRE_THROWS_WITH(linspace(0, 1, -1), Catch::StartsWith("linspace"));
}

TEST_CASE("tensor() from lists and from_eigen", "[creation]") {
  Tensor t = tensor({{1.0, 2, 3}, {4, 5, 6}});
  CHECK(t.shape() == Shape{2, 3});
  CHECK(t.dtype() == kFloat32);
  CHECK(tensor({1.0, 2.0, 3.0, 4.0}, {2, 2}, kFloat64).shape() == Shape{2, 2});
  Eigen::MatrixXd m(2, 2);
  m << 1, 2, 3, 4;
  Tensor e = from_eigen(m);
  CHECK(e.dtype() == kFloat64);
  CHECK(e.tolist() == std::vector<double>{1, 2, 3, 4});
  CHECK(e.to_eigen() == m);
  Eigen::MatrixXf mf = Eigen::MatrixXf::Identity(2, 3);
  CHECK(from_eigen(mf).dtype() == kFloat32);
  CHECK(from_eigen(mf).tolist() == std::vector<double>{1, 0, 0, 0, 1, 0});
  CHECK(tensor({1.0, 2.0}).to_eigen().rows() == 2);
}

TEST_CASE("creation functions reject negative sizes and bad lists", "[creation][errors]") {
  REQUIRE_THROWS_WITH(zeros({2, -1}), Catch::Contains("negative") && Catch::Contains("[2, -1]"));
  REQUIRE_THROWS_WITH(ones({-3}), Catch::Contains("negative"));
  REQUIRE_THROWS_WITH(eye(-1), Catch::StartsWith("eye"));
  REQUIRE_THROWS_WITH(tensor({{1, 2}, {3}}),
                      Catch::StartsWith("tensor") && Catch::Contains("ragged"));
  REQUIRE_THROWS_WITH(tensor({1.0, 2.0, 3.0}, {2, 2}), Catch::StartsWith("tensor"));
  REQUIRE_THROWS_WITH(ones({3, 3, 3}).to_eigen(), Catch::StartsWith("to_eigen"));
  REQUIRE_THROWS_WITH(empty({int64_t(1) << 40, int64_t(1) << 40}), Catch::StartsWith("empty"));
}
