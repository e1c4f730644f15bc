// index() with integers, Slice (steps, negative bounds), Ellipsis and None; gather,
// scatter_add, index_select, masked_fill; and their gradients.
#include "engine/engine_test_util.hpp"

using namespace paragrad;
using paragrad::test::gradcheck2;
using paragrad::test::leaf;

TEST_CASE("index with integers selects like Python", "[indexing]") {
  Tensor x = arange(0, 24).reshape({2, 3, 4});
  CHECK(x.index({1}).shape() == Shape{3, 4});
  CHECK(x.index({1, 2, 3}).item<float>() == 23.0f);
  CHECK(x.index({-1, -3, -4}).item<float>() == 12.0f);
  CHECK(x.index({1, 2, 3}).dim() == 0);
  CHECK(x.index({}).shape() == Shape{2, 3, 4});
}

TEST_CASE("index with Slice supports steps and negative and open bounds", "[indexing]") {
  Tensor x = arange(0, 10);
  CHECK(x.index({Slice()}).tolist() == x.tolist());
  CHECK(x.index({Slice(2, 5)}).tolist() == std::vector<double>{2, 3, 4});
  CHECK(x.index({Slice(None, None, 3)}).tolist() == std::vector<double>{0, 3, 6, 9});
  CHECK(x.index({Slice(1, None, 4)}).tolist() == std::vector<double>{1, 5, 9});
  CHECK(x.index({Slice(-3)}).tolist() == std::vector<double>{7, 8, 9});
  CHECK(x.index({Slice(None, -7)}).tolist() == std::vector<double>{0, 1, 2});
  CHECK(x.index({Slice(-4, -1, 2)}).tolist() == std::vector<double>{6, 8});
  // out-of-range bounds are clamped, as in Python
  CHECK(x.index({Slice(-100, 100)}).numel() == 10);
  CHECK(x.index({Slice(8, 3)}).numel() == 0);
  CHECK(x.index({Slice(20, None)}).numel() == 0);
  CHECK(x.index({Slice(0, 10, int64_t(1) << 62)}).tolist() == std::vector<double>{0});
}

TEST_CASE("index with Ellipsis and None like PyTorch U of ..., :, 0 and x of None, ..., 1",
          "[indexing]") {
  Tensor x = arange(0, 24).reshape({2, 3, 4});
  Tensor a = x.index({Ellipsis, Slice(), 0});
  CHECK(a.shape() == Shape{2, 3});
  CHECK(a.tolist() == std::vector<double>{0, 4, 8, 12, 16, 20});
  Tensor b = x.index({None, Ellipsis, 1});
  CHECK(b.shape() == Shape{1, 2, 3});
  CHECK(b.tolist() == std::vector<double>{1, 5, 9, 13, 17, 21});
  Tensor c = x.index({Ellipsis, 0, Slice()});
  CHECK(c.shape() == Shape{2, 4});
  CHECK(c.tolist() == std::vector<double>{0, 1, 2, 3, 12, 13, 14, 15});
  Tensor d = x.index({1, None, Slice(1, 3), None});
  CHECK(d.shape() == Shape{1, 2, 1, 4});
  CHECK(x.index({Ellipsis}).shape() == Shape{2, 3, 4});
  CHECK(x.index({0, Ellipsis, 0}).tolist() == std::vector<double>{0, 4, 8});
  CHECK(scalar(3.0).index({None}).shape() == Shape{1});
}

TEST_CASE("index results are views that write through to the base", "[indexing][views]") {
  Tensor x = zeros({3, 4});
  x.index({Slice(), Slice(1, None, 2)}).fill_(1.0);
  x.index({Ellipsis, 0}).add_(tensor({1.0, 2.0, 3.0}));
  CHECK(x.tolist() == std::vector<double>{1, 1, 0, 1, 2, 1, 0, 1, 3, 1, 0, 1});
}

TEST_CASE("index passes gradcheck with ints, steps, Ellipsis and None", "[indexing]") {
  Tensor x = leaf({3, 4, 5});
  CHECK(gradcheck2([](const TensorList& in) { return in[0].index({1}).pow(2.0); }, {x}));
  CHECK(gradcheck2(
      [](const TensorList& in) {
        return in[0].index({Slice(None, None, 2), -1}).pow(2.0);
      },
      {x}));
  CHECK(gradcheck2(
      [](const TensorList& in) {
        return in[0].index({Ellipsis, Slice(1, -1, 2)}).pow(2.0);
      },
      {x}));
  CHECK(gradcheck2(
      [](const TensorList& in) {
        return in[0].index({None, Ellipsis, 2}).pow(2.0);
      },
      {x}));
}

TEST_CASE("index rejects out-of-range indices, extra indices, two ellipses and bad steps",
          "[indexing][errors]") {
  Tensor x = ones({2, 3});
  REQUIRE_THROWS_WITH(
      x.index({2}), Catch::Contains("index") && Catch::Contains("2") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_AS(x.index({0, -4}), IndexError);
  REQUIRE_THROWS_WITH(x.index({0, 0, 0}), Catch::Contains("too many indices"));
  REQUIRE_THROWS_WITH(x.index({Ellipsis, Ellipsis}), Catch::Contains("ellipsis"));
  REQUIRE_THROWS_WITH(x.index({Slice(None, None, 0)}), Catch::Contains("step"));
  REQUIRE_THROWS_WITH(x.index({Slice(None, None, -1)}), Catch::Contains("step"));
  REQUIRE_THROWS_AS(scalar(1.0).index({0}), IndexError);
}

TEST_CASE("gather picks elements along a dim like torch.gather", "[indexing]") {
  Tensor x = tensor({{1, 2, 3}, {4, 5, 6}});
  Tensor idx = tensor({{2, 0}, {1, 1}}, kInt64);
  CHECK(x.gather(1, idx).tolist() == std::vector<double>{3, 1, 5, 5});
  Tensor idx0 = tensor({{1, 0, 1}}, kInt64);
  CHECK(x.gather(0, idx0).tolist() == std::vector<double>{4, 2, 6});
  CHECK(x.gather(-1, tensor({2, 0}, {2, 1}, kInt64)).tolist() == std::vector<double>{3, 4});
  // A negative index is out of range, as in torch.gather (unlike a negative dim).
  REQUIRE_THROWS_AS(x.gather(-1, tensor({-1, 0}, {2, 1}, kInt64)), IndexError);
}

TEST_CASE("scatter_add adds src at index along a dim and accumulates duplicates", "[indexing]") {
  Tensor self = zeros({2, 3});
  Tensor idx = tensor({{0, 0, 2}, {1, 1, 1}}, kInt64);
  Tensor src = tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}});
  CHECK(scatter_add(self, 1, idx, src).tolist() == std::vector<double>{3, 0, 3, 0, 15, 0});
  CHECK(self.tolist() == std::vector<double>(6, 0.0));  // not in place
}

TEST_CASE("gather and scatter_add pass first and second order gradcheck", "[indexing]") {
  Tensor x = leaf({3, 4});
  Tensor idx = tensor({{0, 3, 3}, {2, 1, 0}, {1, 1, 1}}, kInt64);
  CHECK(gradcheck2([&](const TensorList& in) { return in[0].gather(1, idx).pow(2.0); }, {x}));
  CHECK(
      gradcheck2([&](const TensorList& in) { return in[0].t().gather(0, idx.t()).pow(2.0); }, {x}));
  Tensor self = leaf({3, 5}, 1), src = leaf({3, 3}, 2);
  CHECK(gradcheck2([&](const TensorList& in) { return scatter_add(in[0], 1, idx, in[1]).pow(2.0); },
                   {self, src}));
}

TEST_CASE("index_select passes gradcheck and repeats rows", "[indexing]") {
  Tensor x = arange(0, 6).reshape({3, 2});
  Tensor idx = tensor({2, 0, 2}, kInt64);
  CHECK(x.index_select(0, idx).tolist() == std::vector<double>{4, 5, 0, 1, 4, 5});
  CHECK(x.index_select(1, tensor({1}, kInt64)).tolist() == std::vector<double>{1, 3, 5});
  Tensor l = leaf({3, 4});
  CHECK(gradcheck2([&](const TensorList& in) { return in[0].index_select(0, idx).pow(2.0); }, {l}));
  CHECK(
      gradcheck2([&](const TensorList& in) { return in[0].index_select(-1, idx).pow(2.0); }, {l}));
}

TEST_CASE("masked_fill replaces where the mask is true and blocks the gradient there",
          "[indexing]") {
  Tensor x = tensor({{1, 2}, {3, 4}}, kFloat64).requires_grad_();
  Tensor mask = tensor({{1, 0}, {0, 1}}, kBool);
  Tensor y = x.masked_fill(mask, -1.0);
  CHECK(y.tolist() == std::vector<double>{-1, 2, 3, -1});
  y.sum().backward();
  CHECK(x.grad().tolist() == std::vector<double>{0, 1, 1, 0});
  Tensor row = tensor({1, 0}, kBool);  // broadcast over rows
  CHECK(x.detach().masked_fill(row, 0.0).tolist() == std::vector<double>{0, 2, 0, 4});
  Tensor l = leaf({3, 4});
  Tensor m = l.detach() > 0.0;
  CHECK(gradcheck2([&](const TensorList& in) { return in[0].masked_fill(m, 2.0).pow(2.0); }, {l}));
}

TEST_CASE("gather, scatter_add, index_select and masked_fill reject bad indices naming the op",
          "[indexing][errors]") {
  Tensor x = ones({2, 3});
  REQUIRE_THROWS_WITH(x.gather(1, tensor({3}, {1, 1}, kInt64)),
                      Catch::Contains("gather") && Catch::Contains("out of bounds"));
  REQUIRE_THROWS_WITH(x.gather(1, tensor({0}, {1, 1})),
                      Catch::Contains("gather") && Catch::Contains("int64"));
  REQUIRE_THROWS_WITH(x.gather(2, tensor({0}, {1, 1}, kInt64)), Catch::Contains("gather"));
  REQUIRE_THROWS_WITH(x.gather(1, tensor({0}, kInt64)), Catch::Contains("gather"));
  REQUIRE_THROWS_WITH(scatter_add(x, 1, tensor({5}, {1, 1}, kInt64), ones({1, 1})),
                      Catch::Contains("scatter_add") && Catch::Contains("5"));
  REQUIRE_THROWS_WITH(scatter_add(x, 1, tensor({0}, {1, 1}, kInt64), ones({1, 2})),
                      Catch::Contains("scatter_add"));
  REQUIRE_THROWS_WITH(x.index_select(0, tensor({2}, kInt64)),
                      Catch::StartsWith("index_select") && Catch::Contains("2"));
  REQUIRE_THROWS_WITH(x.index_select(0, tensor({0}, {1, 1}, kInt64)),
                      Catch::Contains("index_select"));
  REQUIRE_THROWS_WITH(x.index_select(0, tensor({0.0})), Catch::Contains("index_select"));
  REQUIRE_THROWS_WITH(x.masked_fill(ones({2, 3}), 0.0), Catch::Contains("masked_fill"));
  REQUIRE_THROWS_WITH(scalar(1.0).gather(0, scalar(4, kInt64)), Catch::Contains("gather"));
}
