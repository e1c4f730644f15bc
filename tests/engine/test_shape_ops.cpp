// flip, roll, repeat, tile, split, split_with_sizes, chunk, unbind: PyTorch's values and
// gradients, gradcheck to second order, views where PyTorch returns views, errors.
#include "engine/engine_test_util.hpp"
#include "engine/oracle/shape_ops.hpp"

using namespace paragrad;
using namespace paragrad::ops_oracle;
using paragrad::test::gradcheck2;
using paragrad::test::leaf;

TEST_CASE("shape ops match PyTorch on random, strided, 0-d and empty inputs",
          "[shape_ops][oracle]") {
  OpTable ops{
      {"flip",
       [](const TensorList& in, const std::vector<double>& a) {
         return TensorList{in[0].flip(dims_from(a, 0, a.size()))};
       }},
      {"roll",
       [](const TensorList& in, const std::vector<double>& a) {
         const size_t n = size_t(a[0]);
         return TensorList{in[0].roll(dims_from(a, 1, 1 + n), dims_from(a, 1 + n, a.size()))};
       }},
      {"repeat",
       [](const TensorList& in, const std::vector<double>& a) {
         return TensorList{in[0].repeat(dims_from(a, 0, a.size()))};
       }},
      {"tile",
       [](const TensorList& in, const std::vector<double>& a) {
         return TensorList{in[0].tile(dims_from(a, 0, a.size()))};
       }},
      {"split", [](const TensorList& in,
                   const std::vector<double>& a) { return in[0].split(I(a[0]), I(a[1])); }},
      {"split_with_sizes",
       [](const TensorList& in, const std::vector<double>& a) {
         return in[0].split_with_sizes(dims_from(a, 1, a.size()), I(a[0]));
       }},
      {"chunk", [](const TensorList& in,
                   const std::vector<double>& a) { return in[0].chunk(I(a[0]), I(a[1])); }},
      {"unbind",
       [](const TensorList& in, const std::vector<double>& a) { return in[0].unbind(I(a[0])); }},
  };
  replay(shape_ops_cases, ops);
}

TEST_CASE("shape ops pass first and second order gradcheck", "[shape_ops]") {
  Tensor x = leaf({2, 3, 4});
  CHECK(gradcheck2([](const TensorList& in) { return in[0].flip({0, 2}); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].transpose(0, 2).flip(1); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].roll({1, -2}, {1, 2}); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].roll(5); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].repeat({2, 1, 1, 2}); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].tile({2}); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return cat(in[0].split(3, 2), 2); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].chunk(2, 1)[1]; }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].unbind(2)[3] * in[0].unbind(2)[0]; },
                   {x}));
}

TEST_CASE("split, chunk and unbind return views, flip and roll return copies",
          "[shape_ops][views]") {
  Tensor x = zeros({4, 2});
  TensorList parts = x.split(3);
  REQUIRE(parts.size() == 2);
  CHECK(parts[1].shape() == Shape{1, 2});
  parts[1].fill_(7.0);
  CHECK(x.tolist() == std::vector<double>{0, 0, 0, 0, 0, 0, 7, 7});
  x.chunk(2)[0].fill_(1.0);
  x.unbind(1)[1].fill_(2.0);
  CHECK(x.tolist() == std::vector<double>{1, 2, 1, 2, 0, 2, 7, 2});
  Tensor f = x.flip(0);
  f.fill_(9.0);
  CHECK(x.sum().item<float>() == 1 + 2 + 1 + 2 + 2 + 7 + 2);
  CHECK(tensor({1, 2, 3}).roll(1).tolist() == std::vector<double>{3, 1, 2});
  CHECK(x.chunk(3).size() == 2);  // ceil(4 / 3) = 2 per piece: two pieces
  CHECK(zeros({0}).chunk(3).size() == 3);
}

TEST_CASE("shape ops raise on bad arguments naming the op and shape", "[shape_ops][errors]") {
  Tensor x = zeros({2, 3});
  REQUIRE_THROWS_WITH(x.flip({0, 0}), Catch::StartsWith("flip: dim 0 appears multiple times") &&
                                          Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_AS(x.flip({2}), IndexError);
  REQUIRE_THROWS_WITH(x.roll({1, 2}, {0}), Catch::StartsWith("roll: shifts and dims must align"));
  REQUIRE_THROWS_WITH(x.roll({1, 2}), Catch::StartsWith("roll: without dims, expected one shift"));
  REQUIRE_THROWS_WITH(x.repeat({2}),
                      Catch::StartsWith("repeat: 1 repeat dims for a tensor of shape [2, 3]"));
  REQUIRE_THROWS_WITH(x.repeat({2, -1}), Catch::StartsWith("repeat: negative repeat -1"));
  REQUIRE_THROWS_WITH(
      x.split(0), Catch::StartsWith("split: split size 0 is invalid for dimension 0 of size 2"));
  REQUIRE_THROWS_WITH(x.split_with_sizes({1, 3}, 1),
                      Catch::StartsWith("split_with_sizes: sizes [1, 3] add up to 4"));
  REQUIRE_THROWS_WITH(x.chunk(0), Catch::StartsWith("chunk: chunks must be greater than 0"));
  REQUIRE_THROWS_WITH(scalar(1.0).unbind(),
                      Catch::StartsWith("unbind: cannot unbind a 0-d tensor"));
  REQUIRE_THROWS_AS(scalar(1.0).split(1), IndexError);
  REQUIRE_THROWS_AS(x.unbind(2), IndexError);
}
