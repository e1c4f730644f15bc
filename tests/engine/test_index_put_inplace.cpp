// index_put_ in the graph, as PyTorch records it (issue 11, item 1): on a non-leaf that requires
// grad, on a view of one (CopySlices), with values that require grad written into a plain
// buffer; gradients against PyTorch 1.13 (the index_put__* cases of engine/oracle/indexing.hpp,
// replayed in test_index_put.cpp) and closed forms, gradcheck to second order, and the
// version-counter checks.
#include "engine/engine_test_util.hpp"

using namespace paragrad;
using paragrad::test::gradcheck2;
using paragrad::test::leaf;

namespace {
// x written in place through index_put_ on a clone (so that gradcheck's leaves stay leaves).
Tensor put_on_clone(const Tensor& x, const std::vector<TensorIndex>& idx, const Tensor& v,
                    bool acc) {
  Tensor y = x.clone();
  y.index_put_(idx, v, acc);
  return y;
}
}  // namespace

TEST_CASE("index_put_ on a non-leaf records IndexPutBackward with PyTorch's gradients",
          "[index_put][inplace][autograd]") {
  Tensor x = tensor({1.0, 2.0, 3.0, 4.0}, kFloat64).requires_grad_();
  Tensor v = tensor({10.0, 20.0}, kFloat64).requires_grad_();
  Tensor y = x * 2.0;
  y.index_put_({tensor({3, 1})}, v);
  CHECK(y.grad_fn_name() == "IndexPutBackward");
  CHECK(y.tolist() == std::vector<double>{2, 20, 6, 10});
  const Tensor w = tensor({1.0, 2.0, 3.0, 4.0}, kFloat64);
  TensorList g = autograd::grad({(y * w).sum()}, {x, v});
  CHECK(g[0].tolist() == std::vector<double>{2, 0, 6, 0});  // 2 w, zero where written
  CHECK(g[1].tolist() == std::vector<double>{4, 2});        // w at indices 3 and 1
  Tensor z = x * 2.0;
  z.index_put_({tensor({3, 1, 3})}, v.index({tensor({0, 1, 1})}), /*accumulate=*/true);
  CHECK(z.tolist() == std::vector<double>{2, 24, 6, 38});
  g = autograd::grad({(z * w).sum()}, {x, v});
  CHECK(g[0].tolist() == std::vector<double>{2, 4, 6, 8});  // all of 2 w when accumulating
  CHECK(g[1].tolist() == std::vector<double>{4, 2 + 4});    // w[3] and w[1] + w[3]
}

TEST_CASE("index_put_ of values that require grad into a plain buffer passes their gradient on",
          "[index_put][inplace][autograd]") {
  // The scenario with index_put_: the buffer requires grad after the write.
  Tensor v = tensor({1.0, 2.0, 3.0}).requires_grad_();
  Tensor buf = zeros({5});
  buf.index_put_({tensor({4, 0, 2})}, v);
  CHECK(buf.requires_grad());
  CHECK_FALSE(buf.is_leaf());
  CHECK(buf.grad_fn_name() == "IndexPutBackward");
  ((buf * 2.0).sum() + v.sum()).backward();
  CHECK(v.grad().tolist() == std::vector<double>{3, 3, 3});
  // Values broadcast to the indexed shape get their gradient summed back.
  Tensor s = tensor({1.5, -2.0}, kFloat64).requires_grad_();
  Tensor m = zeros({3, 2}, kFloat64);
  m.index_put_({tensor({0, 2})}, s);
  CHECK(m.tolist() == std::vector<double>{1.5, -2, 0, 0, 1.5, -2});
  const Tensor w = arange(6.0).reshape({3, 2}).to(kFloat64);
  Tensor gs = autograd::grad({(m * w).sum()}, {s})[0];
  CHECK(gs.tolist() == std::vector<double>{0 + 4, 1 + 5});
}

TEST_CASE("index_put_ on a view of a non-leaf rewrites the base's history through CopySlices",
          "[index_put][inplace][views][autograd]") {
  Tensor x = tensor({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, kFloat64).requires_grad_();
  Tensor v = tensor({-1.0}, kFloat64).requires_grad_();
  Tensor y = x * 1.0;
  Tensor rows = y.view({3, 2});
  Tensor col = rows.select(1, 1);  // elements 1, 3, 5 of y
  col.index_put_({tensor({2, 0})}, v);
  CHECK(y.grad_fn_name() == "CopySlices");
  CHECK(col.grad_fn_name() == "AsStridedBackward");
  CHECK(y.tolist() == std::vector<double>{1, -1, 3, 4, 5, -1});
  const Tensor w = arange(1.0, 7.0).to(kFloat64);
  TensorList g = autograd::grad({(y * w).sum() + (col * col).sum()}, {x, v});
  // y's elements 1 and 5 were overwritten; col = [-1, 4, -1] adds 2 col to y's 1, 3, 5.
  CHECK(g[0].tolist() == std::vector<double>{1, 0, 3, 4 + 8, 5, 0});
  CHECK(g[1].tolist() == std::vector<double>{(2 + 6) + 2 * (-1 + -1)});
}

TEST_CASE("index_put_ passes gradcheck to second order for self and values, accumulating or not",
          "[index_put][inplace][gradcheck]") {
  Tensor x = leaf({4, 3}), v = leaf({2, 3}, 1), s = leaf({3}, 2);
  const Tensor distinct = tensor({2, 0}), repeated = tensor({1, 1});
  for (bool acc : {false, true})
    CHECK(gradcheck2(
        [&](const TensorList& in) { return put_on_clone(in[0], {distinct}, in[1], acc); }, {x, v}));
  CHECK(gradcheck2(
      [&](const TensorList& in) { return put_on_clone(in[0], {repeated}, in[1], true); }, {x, v}));
  CHECK(gradcheck2(
      [&](const TensorList& in) { return put_on_clone(in[0], {distinct}, in[1], false); }, {x, s}));
  // Repeated indices without accumulate: the last write wins and alone gets the gradient.
  CHECK(gradcheck2(
      [&](const TensorList& in) { return put_on_clone(in[0], {repeated}, in[1], false); }, {x, v}));
  const Tensor mask = tensor(
      {{true, false, true}, {false, false, false}, {true, true, false}, {false, false, true}});
  Tensor m = leaf({5}, 3);
  CHECK(gradcheck2([&](const TensorList& in) { return put_on_clone(in[0], {mask}, in[1], false); },
                   {x, m}));
}

TEST_CASE("index_put_ on views passes gradcheck to second order (CopySlices)",
          "[index_put][inplace][views][gradcheck]") {
  Tensor x = leaf({4, 3}), v = leaf({2}, 1);
  for (bool acc : {false, true}) {
    // The base after the write, and the view itself (its history rebuilt from the base).
    CHECK(gradcheck2(
        [&](const TensorList& in) {
          Tensor y = in[0].clone();
          y.t().select(0, 1).index_put_({tensor({3, 0})}, in[1], acc);
          return y;
        },
        {x, v}));
    CHECK(gradcheck2(
        [&](const TensorList& in) {
          Tensor y = in[0].clone();
          Tensor col = y.t().select(0, 1);
          col.index_put_({tensor({3, 0})}, in[1], acc);
          return col * y.sum();
        },
        {x, v}));
  }
}

TEST_CASE("index_put_ on a leaf that requires grad, or a view of one, raises with grad mode on",
          "[index_put][inplace][errors]") {
  Tensor x = zeros({3}).requires_grad_();
  const uint32_t version = x.version();
  REQUIRE_THROWS_AS(x.index_put_({tensor({0})}, scalar(1.0)), AutogradError);
  REQUIRE_THROWS_AS(x.narrow(0, 1, 2).index_put_({tensor({0})}, scalar(1.0)), AutogradError);
  CHECK(x.tolist() == std::vector<double>{0, 0, 0});
  CHECK(x.version() == version);
}

TEST_CASE("index_put_ errors leave self, its history and its version unchanged",
          "[index_put][inplace][errors]") {
  Tensor x = tensor({1.0, 2.0, 3.0}, kFloat64).requires_grad_();
  Tensor y = x * 2.0;
  const uint32_t version = y.version();
  Tensor v = ones({2}, kFloat64).requires_grad_();
  REQUIRE_THROWS_WITH(y.index_put_({tensor({0})}, v),
                      Catch::StartsWith("index_put_: shape mismatch: values of shape [2] cannot "
                                        "be broadcast to the indexing result of shape [1]"));
  REQUIRE_THROWS_WITH(y.index_put_({tensor({3})}, v.narrow(0, 0, 1)),
                      Catch::StartsWith("index_put_: index 3 is out of bounds"));
  REQUIRE_THROWS_WITH(y.index_put_({tensor({0})}, ones({1})),
                      Catch::StartsWith("index_put_: values of dtype float32 cannot be written "
                                        "into a float64 tensor"));
  CHECK(y.tolist() == std::vector<double>{2, 4, 6});
  CHECK(y.version() == version);
  CHECK(y.grad_fn_name() == "MulBackward");
}

TEST_CASE("a tensor saved for backward then changed by index_put_ raises at backward",
          "[index_put][inplace][autograd][errors]") {
  Tensor x = tensor({1.0, 2.0, 3.0}, kFloat64).requires_grad_();
  Tensor y = x * 1.0;
  Tensor z = y.sin();  // SinBackward saves y
  y.index_put_({tensor({1})}, scalar(0.0, kFloat64));
  REQUIRE_THROWS_WITH(z.sum().backward(), Catch::StartsWith("SinBackward") &&
                                              Catch::Contains("modified by an in-place"));
  // Without grad mode the write is not recorded, but the version still moves.
  Tensor y2 = x * 1.0;
  Tensor z2 = y2.sin();
  {
    NoGradGuard ng;
    y2.index_put_({tensor({1})}, scalar(0.0, kFloat64), true);
  }
  REQUIRE_THROWS_AS(z2.sum().backward(), AutogradError);
}

TEST_CASE("an index changed in place between index_put_ and backward raises at backward",
          "[index_put][inplace][autograd][errors]") {
  Tensor x = tensor({1.0, 2.0, 3.0}, kFloat64).requires_grad_();
  Tensor idx = tensor({0, 2});
  Tensor y = x * 1.0;
  y.index_put_({idx}, scalar(5.0, kFloat64));
  idx.fill_(1);
  REQUIRE_THROWS_WITH(y.sum().backward(), Catch::StartsWith("IndexPutBackward") &&
                                              Catch::Contains("modified by an in-place"));
  Tensor idx2 = tensor({0, 2});
  Tensor r = x.index({idx2});
  idx2.fill_(1);
  REQUIRE_THROWS_WITH(r.sum().backward(), Catch::StartsWith("IndexBackward"));
}
