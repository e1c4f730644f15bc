// triu / tril: values for each diagonal offset, batches, gradients.
#include "engine/engine_test_util.hpp"

using namespace paragrad;
using paragrad::test::gradcheck2;
using paragrad::test::leaf;

TEST_CASE("triu and tril keep a triangle from diagonal k", "[triangle]") {
  Tensor x = arange(1, 10).reshape({3, 3});
  CHECK(x.triu().tolist() == std::vector<double>{1, 2, 3, 0, 5, 6, 0, 0, 9});
  CHECK(x.triu(1).tolist() == std::vector<double>{0, 2, 3, 0, 0, 6, 0, 0, 0});
  CHECK(x.triu(-1).tolist() == std::vector<double>{1, 2, 3, 4, 5, 6, 0, 8, 9});
  CHECK(x.tril().tolist() == std::vector<double>{1, 0, 0, 4, 5, 0, 7, 8, 9});
  CHECK(x.tril(-1).tolist() == std::vector<double>{0, 0, 0, 4, 0, 0, 7, 8, 0});
  CHECK(x.tril(5).tolist() == x.tolist());
  CHECK(x.triu(5).tolist() == std::vector<double>(9, 0.0));
}

TEST_CASE("triu and tril work on rectangular, batched and transposed inputs", "[triangle]") {
  Tensor r = arange(1, 7).reshape({2, 3});
  CHECK(r.triu().tolist() == std::vector<double>{1, 2, 3, 0, 5, 6});
  CHECK(r.t().tril().tolist() == std::vector<double>{1, 0, 2, 5, 3, 6});
  Tensor b = ones({2, 2, 2});
  CHECK(b.triu().tolist() == std::vector<double>{1, 1, 0, 1, 1, 1, 0, 1});
  CHECK(zeros({0, 3}).triu().shape() == Shape{0, 3});
  CHECK(ones({2, 2}, kInt64).tril().dtype() == kInt64);
}

TEST_CASE("triu and tril do not modify their input", "[triangle]") {
  Tensor x = ones({2, 2});
  x.triu();
  CHECK(x.tolist() == std::vector<double>(4, 1.0));
}

TEST_CASE("triu and tril pass first and second order gradcheck", "[triangle]") {
  Tensor x = leaf({2, 3, 4});
  CHECK(gradcheck2([](const TensorList& in) { return in[0].triu().pow(2.0); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].tril(-1).pow(2.0); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].mT().triu(1).pow(2.0); }, {x}));
  // The seed example's symmetric parametrization X.triu() + X.triu(1).t()
  Tensor s = leaf({3, 3}, 1);
  CHECK(gradcheck2([](const TensorList& in) { return in[0].triu() + in[0].triu(1).t(); }, {s}));
}

TEST_CASE("triu and tril need at least 2 dims", "[triangle][errors]") {
  REQUIRE_THROWS_WITH(ones({3}).triu(), Catch::StartsWith("triu") && Catch::Contains("[3]"));
  REQUIRE_THROWS_WITH(scalar(1.0).tril(), Catch::StartsWith("tril"));
}

TEST_CASE("diag_embed puts a vector on the diagonal", "[triangle]") {
  Tensor d = diag_embed(tensor({1.0, 2.0}));
  CHECK(d.tolist() == std::vector<double>{1, 0, 0, 2});
  CHECK(diag_embed(ones({3, 2})).shape() == Shape{3, 2, 2});
  Tensor v = leaf({2, 3});
  CHECK(gradcheck2([](const TensorList& in) { return diag_embed(in[0]); }, {v}));
  REQUIRE_THROWS_WITH(diag_embed(scalar(1.0)), Catch::StartsWith("diag_embed"));
}
