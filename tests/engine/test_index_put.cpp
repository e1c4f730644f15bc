// Indexing with tensors: index (Int64 indices and Bool masks mixed with integers, slices,
// None and Ellipsis), index_put / index_put_ (accumulate, repeated indices), index_add,
// masked_select, nonzero, diag and trace: PyTorch's values and gradients, gradcheck to second
// order, the in-place rules, errors.
#include "engine/engine_test_util.hpp"
#include "engine/oracle/indexing.hpp"

using namespace paragrad;
using namespace paragrad::ops_oracle;
using paragrad::test::gradcheck2;
using paragrad::test::leaf;

TEST_CASE("indexing with tensors matches PyTorch, including masks, broadcasting and repeats",
          "[index_put][oracle]") {
  using L = const TensorList&;
  using A = const std::vector<double>&;
  OpTable ops{
      {"index_t", [](L in, A) { return TensorList{in[0].index({in[1]})}; }},
      {"index_st",
       [](L in, A) {
         return TensorList{in[0].index({Slice(), in[1]})};
       }},
      {"index_tt",
       [](L in, A) {
         return TensorList{in[0].index({in[1], in[2]})};
       }},
      {"index_tst",
       [](L in, A) {
         return TensorList{in[0].index({in[1], Slice(), in[2]})};
       }},
      {"index_it",
       [](L in, A a) {
         return TensorList{in[0].index({I(a[0]), Slice(), in[1]})};
       }},
      {"index_et",
       [](L in, A) {
         return TensorList{in[0].index({Ellipsis, in[1]})};
       }},
      {"index_nt",
       [](L in, A) {
         return TensorList{in[0].index({None, in[1]})};
       }},
      {"index_put_t",
       [](L in, A a) { return TensorList{in[0].index_put({in[1]}, in[2], B(a[0]))}; }},
      {"index_put_tt",
       [](L in, A a) {
         return TensorList{in[0].index_put({in[1], in[2]}, in[3], B(a[0]))};
       }},
      {"index_put_st",
       [](L in, A a) {
         return TensorList{in[0].index_put({arange(4).unsqueeze(1), in[1]}, in[2], B(a[0]))};
       }},
      {"index_put__t",
       [](L in, A a) {
         Tensor y = in[0].clone();
         y.index_put_({in[1]}, in[2], B(a[0]));
         return TensorList{y};
       }},
      {"index_put__view",
       [](L in, A a) {
         Tensor y = in[0].clone();
         Tensor v = y.transpose(0, 1).narrow(0, 1, 4);
         v.index_put_({in[1]}, in[2], B(a[0]));
         return TensorList{y, v};
       }},
      {"index_add",
       [](L in, A a) { return TensorList{in[0].index_add(I(a[0]), in[1], in[2], a[1])}; }},
      {"masked_select", [](L in, A) { return TensorList{in[0].masked_select(in[1])}; }},
      {"nonzero", [](L in, A) { return TensorList{in[0].nonzero()}; }},
      {"diag", [](L in, A a) { return TensorList{in[0].diag(I(a[0]))}; }},
      {"trace", [](L in, A) { return TensorList{in[0].trace()}; }},
  };
  replay(indexing_cases, ops);
}

TEST_CASE("index with tensors passes gradcheck to second order, repeats accumulating",
          "[index_put]") {
  Tensor x = leaf({4, 5, 3});
  const Tensor i = tensor({0, 3, -1, 0}), j = tensor({{1, 4}, {0, 0}});
  const Tensor mask = tensor({true, false, true, true});
  CHECK(gradcheck2([&](const TensorList& in) { return in[0].index({i}); }, {x}));
  CHECK(gradcheck2([&](const TensorList& in) { return in[0].index({Slice(), j}); }, {x}));
  CHECK(gradcheck2(
      [&](const TensorList& in) {
        return in[0].index({i, Slice(), tensor({0, 1, 2, 2})});
      },
      {x}));
  CHECK(gradcheck2([&](const TensorList& in) { return in[0].index({mask, 1}); }, {x}));
  CHECK(gradcheck2(
      [&](const TensorList& in) {
        return in[0].transpose(0, 2).index({Ellipsis, i});
      },
      {x}));
  Tensor g = autograd::grad({x.index({i}).sum()}, {x})[0];
  CHECK(g.select(0, 0).sum().item<double>() == 2 * 15);  // index 0 appears twice
}

TEST_CASE("index_put passes gradcheck to second order for self and values", "[index_put]") {
  Tensor x = leaf({4, 3}), v = leaf({2, 3}, 1), s = leaf({3}, 2);
  const Tensor distinct = tensor({2, 0}), repeated = tensor({1, 1});
  for (bool acc : {false, true})
    CHECK(gradcheck2([&](const TensorList& in) { return in[0].index_put({distinct}, in[1], acc); },
                     {x, v}));
  CHECK(gradcheck2([&](const TensorList& in) { return in[0].index_put({repeated}, in[1], true); },
                   {x, v}));
  CHECK(gradcheck2([&](const TensorList& in) { return in[0].index_put({distinct}, in[1], true); },
                   {x, s}));
  const Tensor mask = tensor(
      {{true, false, true}, {false, false, false}, {true, true, false}, {false, false, true}});
  Tensor w = leaf({5}, 3);
  CHECK(gradcheck2([&](const TensorList& in) { return in[0].index_put({mask}, in[1]); }, {x, w}));
}

TEST_CASE("index_put with accumulate sums repeated indices in value and gradient", "[index_put]") {
  Tensor v = tensor({1.0, 2.0, 3.0}, kFloat64).requires_grad_();
  Tensor y = zeros({5}, kFloat64).index_put({tensor({0, 0, 2})}, v, true);
  CHECK(y.tolist() == std::vector<double>{3, 0, 3, 0, 0});
  Tensor g = autograd::grad({(y * tensor({1.0, 10.0, 100.0, 0.0, 0.0}, kFloat64)).sum()}, {v})[0];
  CHECK(g.tolist() == std::vector<double>{1, 1, 100});
}

TEST_CASE("index_put without accumulate keeps the last write and only it gets a gradient",
          "[index_put]") {
  Tensor x = zeros({5}, kFloat64).requires_grad_();
  Tensor v = tensor({1.0, 2.0, 3.0}, kFloat64).requires_grad_();
  Tensor y = x.index_put({tensor({0, 0, 2})}, v);
  CHECK(y.tolist() == std::vector<double>{2, 0, 3, 0, 0});
  TensorList g = autograd::grad({y.sum()}, {x, v});
  CHECK(g[0].tolist() == std::vector<double>{0, 1, 0, 1, 1});
  // PyTorch gives (1, 1, 1): the overwritten value 1 does not reach the output.
  CHECK(g[1].tolist() == std::vector<double>{0, 1, 1});
}

TEST_CASE("index_put_ writes in place, bumps the version and follows the in-place rules",
          "[index_put][inplace]") {
  Tensor x = zeros({2, 3});
  const uint32_t before = x.version();
  x.index_put_({tensor({{true, false, true}, {false, false, true}})}, scalar(7.0));
  CHECK(x.tolist() == std::vector<double>{7, 0, 7, 0, 0, 7});
  CHECK(x.version() > before);
  x.index_put_({1, Slice(0, 2)}, 5.0);
  CHECK(x.tolist() == std::vector<double>{7, 0, 7, 5, 5, 7});
  x.index_put_(TensorList{Tensor(), tensor({0, 0})}, tensor({1.0, 2.0}), true);
  CHECK(x.tolist() == std::vector<double>{10, 0, 7, 8, 5, 7});
  Tensor view = x.t();
  view.index_put_({tensor({2})}, ones({2}));
  CHECK(x.tolist() == std::vector<double>{10, 0, 1, 8, 5, 1});
  Tensor leafy = zeros({3}).requires_grad_();
  REQUIRE_THROWS_AS(leafy.index_put_({tensor({0})}, scalar(1.0)), AutogradError);
  {
    NoGradGuard ng;
    leafy.index_put_({tensor({0})}, scalar(1.0));
  }
  CHECK(leafy.tolist() == std::vector<double>{1, 0, 0});
  Tensor src = ones({1}).requires_grad_();
  Tensor buf = zeros({3});
  buf.index_put_({tensor({0})}, src);  // recorded: see test_index_put_inplace.cpp
  CHECK(buf.requires_grad());
  Tensor self_src = arange(4.0);
  self_src.index_put_({tensor({0, 1})}, self_src.narrow(0, 2, 2));
  CHECK(self_src.tolist() == std::vector<double>{2, 3, 2, 3});
}

TEST_CASE("index_add, masked_select and diag pass gradcheck to second order", "[index_put]") {
  Tensor x = leaf({4, 3}), src = leaf({3, 3}, 1);
  const Tensor idx = tensor({0, 3, 0});
  CHECK(gradcheck2([&](const TensorList& in) { return in[0].index_add(0, idx, in[1], 2.5); },
                   {x, src}));
  const Tensor mask = tensor({true, false, true});
  CHECK(gradcheck2([&](const TensorList& in) { return in[0].masked_select(mask); }, {x}));
  Tensor row = leaf({3}, 2);
  CHECK(gradcheck2(
      [&](const TensorList& in) {
        return in[0].masked_select(tensor({{true, false, true}, {false, true, true}}));
      },
      {row}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].diag(1); }, {row}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].diag(-1); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].narrow(0, 0, 3).trace(); }, {x}));
}

TEST_CASE("diag of a matrix beyond its last diagonal is empty, of a vector a shifted matrix",
          "[index_put][edge]") {
  Tensor m = arange(12.0).reshape({3, 4});
  CHECK(m.diag(5).shape() == Shape{0});  // PyTorch 1.13 fails with an overflow error here
  CHECK(m.diag(-3).shape() == Shape{0});
  CHECK(m.diag(3).tolist() == std::vector<double>{3});
  CHECK(tensor({1, 2}).diag(-1).tolist() == std::vector<double>{0, 0, 0, 1, 0, 0, 0, 2, 0});
}

TEST_CASE("indexing with tensors raises naming the op, the index and the shape",
          "[index_put][errors]") {
  Tensor x = zeros({2, 3});
  REQUIRE_THROWS_WITH(
      x.index({tensor({5})}),
      Catch::StartsWith("index: index 5 is out of bounds for dimension 0 with size 2"));
  REQUIRE_THROWS_AS(x.index({Slice(), tensor({-4})}), IndexError);
  REQUIRE_THROWS_WITH(
      x.index({tensor({1.0})}),
      Catch::StartsWith("index: tensors used as indices must be int64 or bool, got float32"));
  REQUIRE_THROWS_WITH(x.index({tensor({true, false, true})}),
                      Catch::StartsWith("index: the mask of shape [3] does not match the indexed "
                                        "tensor of shape [2, 3] at dim 0"));
  REQUIRE_THROWS_WITH(x.index({tensor({0}), tensor({0}), tensor({0})}),
                      Catch::StartsWith("index: too many indices for a tensor of shape [2, 3]"));
  REQUIRE_THROWS_WITH(x.index({tensor({0, 1}), tensor({0, 1, 2})}),
                      Catch::StartsWith("index: shape mismatch: indexing tensors could not be "
                                        "broadcast together with shapes [2], [3]"));
  REQUIRE_THROWS_WITH(x.index_put({tensor({1})}, zeros({2})),
                      Catch::StartsWith("index_put: shape mismatch: values of shape [2] cannot be "
                                        "broadcast to the indexing result of shape [1, 3]"));
  REQUIRE_THROWS_WITH(
      x.index_put({tensor({1})}, zeros({3}, kFloat64)),
      Catch::StartsWith(
          "index_put: values of dtype float64 cannot be written into a float32 tensor"));
  REQUIRE_THROWS_WITH(x.index_put_({tensor({2})}, scalar(1.0)),
                      Catch::StartsWith("index_put_: index 2 is out of bounds"));
  CHECK(x.tolist() == std::vector<double>(6, 0.0));  // unchanged after the errors
  REQUIRE_THROWS_WITH(x.index_add(0, tensor({0.0}), zeros({1, 3})),
                      Catch::StartsWith("index_add: index must be int64, got float32"));
  REQUIRE_THROWS_WITH(
      x.index_add(0, tensor({0}), zeros({1, 3}, kFloat64)),
      Catch::StartsWith("index_add: self (float32) and source (float64) must have the same dtype"));
  REQUIRE_THROWS_WITH(
      x.index_add(1, tensor({0}), zeros({2, 2})),
      Catch::StartsWith("index_add: source of shape [2, 2] does not match self of shape [2, 3]"));
  REQUIRE_THROWS_WITH(x.index_add(0, tensor({3}), zeros({1, 3})),
                      Catch::StartsWith("index_add: index 3 is out of bounds"));
  REQUIRE_THROWS_WITH(x.masked_select(zeros({3})),
                      Catch::StartsWith("masked_select: mask must be bool"));
  REQUIRE_THROWS_WITH(
      x.masked_select(tensor({true, false})),
      Catch::StartsWith("masked_select: shapes [2, 3] and mask [2] are not broadcastable"));
  REQUIRE_THROWS_WITH(zeros({2, 2, 2}).diag(),
                      Catch::StartsWith("diag: expected a 1-d or 2-d tensor, got shape [2, 2, 2]"));
  REQUIRE_THROWS_WITH(zeros({3}).trace(),
                      Catch::StartsWith("trace: expected a matrix, got shape [3]"));
}
