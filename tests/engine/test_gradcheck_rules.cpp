// Gradient rules that no other engine test put through gradcheck to second order, found by
// CTest's derivatives_gradcheck_coverage (scripts/gen_derivatives --coverage, see
// docs/derivatives.md). Each case names the node it exercises. The ...BackwardBackward nodes
// are the rules of backward functions: they appear in a graph only when a gradient is taken
// with create_graph and a gradient that itself requires grad.
#include "engine/engine_test_util.hpp"

using namespace paragrad;
using paragrad::test::gradcheck2;
using paragrad::test::leaf;

namespace {
// The gradient of view(x) with respect to x for the incoming gradient g, as a function of g
// (x only shapes the graph): records the view's backward-of-backward node.
Tensor backward_of(const std::function<Tensor(const Tensor&)>& view, const Tensor& x,
                   const Tensor& g) {
  return autograd::grad({view(x)}, {x}, {g}, /*retain_graph=*/true, /*create_graph=*/true)[0];
}
}  // namespace

TEST_CASE("max and min along a dim (MaxBackward, MinBackward) pass gradcheck to second order",
          "[gradcheck_rules]") {
  Tensor x = leaf({3, 4});
  CHECK(gradcheck2([](const TensorList& in) { return std::get<0>(in[0].max(1)); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return std::get<0>(in[0].min(0, true)); }, {x}));
}

TEST_CASE("norm (NormBackward) passes gradcheck to second order", "[gradcheck_rules]") {
  CHECK(gradcheck2([](const TensorList& in) { return in[0].norm(); }, {leaf({2, 3})}));
}

TEST_CASE("permute (PermuteBackward) passes gradcheck to second order", "[gradcheck_rules]") {
  CHECK(gradcheck2(
      [](const TensorList& in) {
        return in[0].permute({2, 0, 1}).square();
      },
      {leaf({2, 3, 4})}));
}

TEST_CASE("prod (ProdBackward) passes gradcheck to second order, zeros included",
          "[gradcheck_rules]") {
  CHECK(gradcheck2([](const TensorList& in) { return in[0].prod(); }, {leaf({5})}));
  Tensor z = tensor({1.5, 0.0, -2.0, 0.5}, kFloat64).requires_grad_();
  CHECK(gradcheck2([](const TensorList& in) { return in[0].prod(); }, {z}));
}

TEST_CASE("scatter_add (ScatterAddBackward) passes gradcheck to second order",
          "[gradcheck_rules]") {
  const Tensor index = tensor({0, 2, 0, 1, 1, 2}, {2, 3}, kInt64);
  CHECK(
      gradcheck2([&](const TensorList& in) { return scatter_add(in[0], 0, index, in[1]).square(); },
                 {leaf({3, 3}), leaf({2, 3}, 1)}));
}

TEST_CASE("a dtype conversion (ToCopyBackward) passes gradcheck to second order",
          "[gradcheck_rules]") {
  // Through float32: a coarse step and tolerances for float32 rounding.
  auto f = [](const TensorList& in) { return (in[0].to(kFloat32) * 2.0f).square().to(kFloat64); };
  CHECK(autograd::gradcheck(f, {leaf({4})}, 1e-2, 1e-3, 1e-3, /*check_grad_grad=*/true));
}

TEST_CASE("triu (TriuBackward) passes gradcheck to second order", "[gradcheck_rules]") {
  CHECK(gradcheck2([](const TensorList& in) { return in[0].triu(1).square(); }, {leaf({3, 4})}));
}

TEST_CASE("clone, reshape by copy and squeeze pass gradcheck to second order",
          "[gradcheck_rules]") {
  Tensor x = leaf({3, 1, 4});
  CHECK(gradcheck2([](const TensorList& in) { return in[0].clone().square(); }, {x}));
  // A transposed tensor cannot be viewed flat: reshape copies (ReshapeBackward).
  auto flat = [](const TensorList& in) { return in[0].squeeze(1).t().reshape({-1}).square(); };
  REQUIRE(x.squeeze(1).t().reshape({-1}).grad_fn_name() == "ReshapeBackward");
  CHECK(gradcheck2(flat, {x}));
}

TEST_CASE("diagonal and gather pass gradcheck to second order", "[gradcheck_rules]") {
  CHECK(
      gradcheck2([](const TensorList& in) { return in[0].diagonal(1).square(); }, {leaf({3, 4})}));
  const Tensor index = tensor({2, 0, 1, 1}, {2, 2}, kInt64);
  CHECK(gradcheck2([&](const TensorList& in) { return in[0].gather(1, index).square(); },
                   {leaf({2, 3})}));
}

TEST_CASE("where (WhereBackward) passes gradcheck to second order", "[gradcheck_rules]") {
  const Tensor cond = tensor({1, 0, 0, 1, 1, 0}, {2, 3}, kBool);
  CHECK(gradcheck2([&](const TensorList& in) { return where(cond, in[0], in[1]).square(); },
                   {leaf({2, 3}), leaf({3}, 1)}));
}

TEST_CASE("sigmoid_backward (SigmoidBackwardBackward) passes gradcheck to second order",
          "[gradcheck_rules]") {
  // f(x) = sigmoid'(x): its graph holds the node, so this checks sigmoid to third order.
  auto f = [](const TensorList& in) {
    return autograd::grad({in[0].sigmoid()}, {in[0]}, {ones_like(in[0])}, true, true)[0];
  };
  CHECK(gradcheck2(f, {leaf({4})}));
}

TEST_CASE("tanh_backward (TanhBackwardBackward) passes gradcheck to second order",
          "[gradcheck_rules]") {
  // f(x) = tanh'(x) through tanh's rule, which reads its saved output in place in a plain backward
  // and re-attaches it (SavedTensor::unpack()) here, under create_graph: third order.
  auto f = [](const TensorList& in) {
    return autograd::grad({in[0].tanh()}, {in[0]}, {ones_like(in[0])}, true, true)[0];
  };
  CHECK(gradcheck2(f, {leaf({4})}));
}

TEST_CASE("the backward of select, slice and diagonal passes gradcheck to second order",
          "[gradcheck_rules]") {
  Tensor x = leaf({3, 4});
  auto check_view = [&](const char* node, const std::function<Tensor(const Tensor&)>& view) {
    INFO(node);
    Tensor g = leaf(view(x).shape(), 7);
    REQUIRE(backward_of(view, x, g).grad_fn_name() == node);
    CHECK(
        gradcheck2([&](const TensorList& in) { return backward_of(view, in[0], in[1]); }, {x, g}));
  };
  check_view("SelectBackwardBackward", [](const Tensor& t) { return t.select(1, 2); });
  check_view("SliceBackwardBackward", [](const Tensor& t) { return slice(t, 1, 0, 4, 2); });
  check_view("DiagonalBackwardBackward", [](const Tensor& t) { return t.diagonal(-1); });
}
