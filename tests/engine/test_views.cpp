// Views share storage with their base: writes through a view are seen by the base (and the
// other way round); reshape is a view when the strides allow it and a copy otherwise, and
// view() raises then. Every view op passes gradcheck to second order.
#include "engine/engine_test_util.hpp"

using namespace paragrad;
using paragrad::test::gradcheck2;
using paragrad::test::leaf;

namespace {
bool shares_storage(const Tensor& a, const Tensor& b) {
  return a.impl()->storage.get() == b.impl()->storage.get();
}
}  // namespace

TEST_CASE("a write through a view under NoGradGuard is seen by its base", "[views]") {
  Tensor base = zeros({3, 4}, kFloat64).requires_grad_();
  {
    NoGradGuard ng;
    base.select(0, 1).fill_(7.0);
    base.t().select(0, 2).add_(ones({3}, kFloat64));  // column 2
    base.index({Slice(), Slice(None, None, 3)}).mul_(2.0);
    base.diagonal().add_(full({3}, 0.5, kFloat64));
  }
  CHECK(base.tolist() == std::vector<double>{0.5, 0, 1, 0,    //
                                             14, 7.5, 8, 14,  //
                                             0, 0, 1.5, 0});
}

TEST_CASE("a write to the base is seen by every view", "[views]") {
  Tensor base = arange(0, 6).reshape({2, 3});
  Tensor v = base.t();
  Tensor s = base.narrow(1, 1, 2);
  Tensor u = base.unsqueeze(0).expand({4, 2, 3});
  base.fill_(1.0);
  CHECK(v.tolist() == std::vector<double>(6, 1.0));
  CHECK(s.tolist() == std::vector<double>(4, 1.0));
  CHECK(u.sum().item<float>() == 24.0f);
}

TEST_CASE(
    "transpose, permute, unsqueeze, squeeze, expand, select, narrow and diagonal share storage",
    "[views]") {
  Tensor x = arange(0, 24).reshape({2, 3, 4});
  CHECK(shares_storage(x, x.transpose(0, 2)));
  CHECK(shares_storage(x, x.permute({2, 0, 1})));
  CHECK(shares_storage(x, x.unsqueeze(1)));
  CHECK(shares_storage(x, x.unsqueeze(1).squeeze(1)));
  CHECK(shares_storage(x, x.select(1, 2)));
  CHECK(shares_storage(x, x.narrow(2, 1, 2)));
  CHECK(shares_storage(x, x.diagonal(0, 1, 2)));
  CHECK(shares_storage(x, x.index({Ellipsis, 1})));
  CHECK(shares_storage(x, x.mT()));
  CHECK(shares_storage(x, x.flatten()));
  CHECK(shares_storage(x, x.view({6, 4})));
  CHECK(shares_storage(x.select(0, 0), x.select(0, 0).t()));
  Tensor e = x.select(0, 0).select(0, 0).unsqueeze(0).expand({5, 4});
  CHECK(shares_storage(x, e));
  CHECK(e.strides()[0] == 0);
}

TEST_CASE("reshape is a view when strides allow and a copy otherwise", "[views]") {
  Tensor x = arange(0, 12).reshape({3, 4});
  Tensor r = x.reshape({2, 6});
  CHECK(shares_storage(x, r));
  Tensor y = x.t();  // [4, 3], not contiguous
  Tensor c = y.reshape({12});
  CHECK_FALSE(shares_storage(y, c));
  CHECK(c.tolist() == std::vector<double>{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11});
  // splitting a dim of a transposed tensor is still a view
  Tensor split = y.reshape({2, 2, 3});
  CHECK(shares_storage(y, split));
  CHECK(split.tolist() == std::vector<double>{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11});
}

TEST_CASE("view raises when the strides do not allow it, naming view and the shapes",
          "[views][errors]") {
  Tensor y = arange(0, 12).reshape({3, 4}).t();
  REQUIRE_THROWS_WITH(y.view({12}), Catch::Contains("view") && Catch::Contains("[4, 3]") &&
                                        Catch::Contains("reshape"));
  REQUIRE_THROWS_AS(y.view({12}), ShapeError);
}

TEST_CASE("view and reshape infer one -1 dim and reject bad sizes", "[views][errors]") {
  Tensor x = arange(0, 12);
  CHECK(x.view({3, -1}).shape() == Shape{3, 4});
  CHECK(x.reshape({-1, 6}).shape() == Shape{2, 6});
  REQUIRE_THROWS_WITH(x.view({5, -1}), Catch::Contains("view") && Catch::Contains("[12]"));
  REQUIRE_THROWS_WITH(x.reshape({5, 2}), Catch::Contains("reshape") && Catch::Contains("[5, 2]"));
  REQUIRE_THROWS_WITH(x.reshape({-1, -1}), Catch::Contains("reshape"));
  REQUIRE_THROWS_WITH(x.view({-2, 6}), Catch::Contains("view"));
}

TEST_CASE("0-d and one-element tensors view to any all-ones shape", "[views][edge]") {
  Tensor s = scalar(5.0);
  CHECK(s.view({1}).shape() == Shape{1});
  CHECK(s.view({1, 1}).shape() == Shape{1, 1});
  CHECK(shares_storage(s, s.view({1, 1})));
  CHECK(s.reshape({1}).item<float>() == 5.0f);
  CHECK(shares_storage(s, s.reshape({1})));
  CHECK(ones({1, 1}).view({}).dim() == 0);
  CHECK(s.unsqueeze(0).shape() == Shape{1});
  CHECK(s.flatten().shape() == Shape{1});
}

TEST_CASE("zero-size tensors reshape, transpose and expand", "[views][edge]") {
  Tensor e = zeros({0, 3});
  CHECK(e.reshape({3, 0}).shape() == Shape{3, 0});
  CHECK(e.view({-1, 3}).shape() == Shape{0, 3});
  CHECK(e.t().shape() == Shape{3, 0});
  CHECK(ones({1, 3}).expand({0, 3}).shape() == Shape{0, 3});
  CHECK(e.flatten().shape() == Shape{0});
}

TEST_CASE("view ops pass first and second order gradcheck", "[views]") {
  Tensor x = leaf({2, 3, 4});
  CHECK(gradcheck2([](const TensorList& in) { return in[0].reshape({6, 4}).pow(2.0); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].view({4, -1}).pow(2.0); }, {x}));
  CHECK(gradcheck2(
      [](const TensorList& in) { return in[0].transpose(0, 2).reshape({-1}).pow(2.0); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].flatten().pow(2.0); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].permute({2, 0, 1}).pow(2.0); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].mT().pow(2.0); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].unsqueeze(1).pow(2.0); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].movedim(0, 2).pow(2.0); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].select(1, -1).pow(2.0); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].narrow(2, 1, 2).pow(2.0); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return slice(in[0], 2, 0, 4, 3).pow(2.0); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].diagonal(0, 1, 2).pow(2.0); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].diagonal(1).pow(2.0); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].diagonal(-1, 0, 2).pow(2.0); }, {x}));
  Tensor y = leaf({3, 1, 4}, 1);
  CHECK(gradcheck2([](const TensorList& in) { return in[0].squeeze(1).pow(2.0); }, {y}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].squeeze().pow(2.0); }, {y}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].expand({2, 3, 5, 4}).pow(2.0); }, {y}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].expand({-1, 6, -1}).pow(2.0); }, {y}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].t().pow(2.0); }, {leaf({3, 4}, 2)}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].sum_to({1, 4}).pow(2.0); }, {y}));
  CHECK(gradcheck2(
      [](const TensorList& in) {
        return broadcast_to(in[0], {2, 3, 2, 4}).pow(2.0);
      },
      {y}));
}

TEST_CASE("chained views of views pass gradcheck", "[views]") {
  Tensor x = leaf({4, 6});
  auto f = [](const TensorList& in) {
    return in[0].t().narrow(0, 1, 4).select(1, 2).unsqueeze(0).expand({3, 4}).pow(3.0);
  };
  CHECK(gradcheck2(f, {x}));
}

TEST_CASE("t() of 0-d and 1-d tensors is the identity", "[views][edge]") {
  CHECK(scalar(1.0).t().dim() == 0);
  CHECK(ones({3}).t().shape() == Shape{3});
}

TEST_CASE("view ops reject bad dims naming the op and the shape", "[views][errors]") {
  Tensor x = ones({2, 3});
  REQUIRE_THROWS_WITH(x.transpose(0, 2), Catch::Contains("transpose") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(x.permute({0}), Catch::Contains("permute") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(x.permute({0, 0}), Catch::Contains("permute"));
  REQUIRE_THROWS_WITH(x.unsqueeze(4), Catch::Contains("unsqueeze"));
  REQUIRE_THROWS_WITH(x.squeeze(3), Catch::Contains("squeeze"));
  REQUIRE_THROWS_WITH(x.select(1, 3), Catch::Contains("select") && Catch::Contains("3"));
  REQUIRE_THROWS_WITH(x.select(2, 0), Catch::Contains("select"));
  REQUIRE_THROWS_WITH(x.narrow(1, 2, 2), Catch::Contains("narrow"));
  REQUIRE_THROWS_WITH(x.expand({3, 3}), Catch::Contains("expand") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(x.expand({3}), Catch::Contains("expand"));
  REQUIRE_THROWS_WITH(ones({2, 3, 4}).t(), Catch::Contains("t:") && Catch::Contains("[2, 3, 4]"));
  REQUIRE_THROWS_WITH(ones({3}).mT(), Catch::Contains("mT"));
  REQUIRE_THROWS_WITH(ones({3}).diagonal(), Catch::Contains("diagonal"));
  REQUIRE_THROWS_WITH(x.diagonal(0, 0, 0), Catch::Contains("diagonal"));
  REQUIRE_THROWS_WITH(x.movedim(0, 2), Catch::Contains("movedim"));
  REQUIRE_THROWS_WITH(x.size(2), Catch::Contains("size"));
  REQUIRE_THROWS_WITH(slice(x, 0, 0, 2, 0), Catch::Contains("slice") && Catch::Contains("step"));
}

TEST_CASE("diagonal with offsets selects the right elements", "[views]") {
  Tensor x = arange(0, 12).reshape({3, 4});
  CHECK(x.diagonal().tolist() == std::vector<double>{0, 5, 10});
  CHECK(x.diagonal(1).tolist() == std::vector<double>{1, 6, 11});
  CHECK(x.diagonal(-1).tolist() == std::vector<double>{4, 9});
  CHECK(x.diagonal(5).numel() == 0);
  CHECK(x.diagonal(0, 1, 0).tolist() == std::vector<double>{0, 5, 10});
}

TEST_CASE("clone, contiguous, expand_as and dtype round trips pass gradcheck", "[views]") {
  Tensor x = leaf({3, 4});
  CHECK(gradcheck2([](const TensorList& in) { return in[0].clone().pow(2.0); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].t().contiguous().pow(2.0); }, {x}));
  Tensor y = leaf({1, 4}, 1);
  CHECK(gradcheck2([&](const TensorList& in) { return in[1].expand_as(in[0]) * in[0]; }, {x, y}));
  // float64 -> float32 -> float64 loses precision: check the rule, not the digits
  Tensor z = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  (z.to(kFloat32) * 3.0).sum().backward();
  CHECK(z.grad().dtype() == kFloat64);
  CHECK(z.grad().tolist() == std::vector<double>{3, 3});
}

TEST_CASE("clone copies the data, and contiguous of a contiguous tensor is the tensor", "[views]") {
  Tensor x = arange(0, 4);
  Tensor c = x.clone();
  c.fill_(0.0);
  CHECK(x.tolist() == std::vector<double>{0, 1, 2, 3});
  CHECK(x.contiguous().is_same(x));
  CHECK(x.reshape({2, 2}).t().contiguous().is_contiguous());
}
