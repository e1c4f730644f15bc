// NaN in the gradient rules of max/min-like ops where paragrad is deliberately not PyTorch 1.13
// (the cases where PyTorch is right are replayed from its answers in test_semantics_oracle.cpp):
//   * amax over dims multiplies the upstream gradient by a 0/1 mask in PyTorch, so a NaN upstream
//     gradient reaches every element of the group; paragrad selects it (as PyTorch's own max()).
//   * amax over a group holding a NaN: the result is NaN whatever the other elements are, so their
//     derivative is 0; PyTorch gives NaN to the whole group, paragrad shares g among the NaN
//     elements (as PyTorch's max() of all elements does).
//   * maximum/minimum with one NaN input: the output is that NaN whatever the other input is, so
//     the other input's derivative is 0; PyTorch gives g to both.
#include <cmath>
#include <limits>

#include "engine/engine_test_util.hpp"

using namespace paragrad;
using paragrad::test::gradcheck2;
using paragrad::test::leaf;

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<double> vjp(const Tensor& out, const Tensor& x, const Tensor& upstream) {
  return autograd::grad({out}, {x}, {upstream})[0].tolist();
}

bool same(const std::vector<double>& got, const std::vector<double>& want) {
  if (got.size() != want.size()) return false;
  for (size_t i = 0; i < got.size(); ++i)
    if (!(got[i] == want[i] || (std::isnan(got[i]) && std::isnan(want[i])))) return false;
  return true;
}
}  // namespace

TEST_CASE("amax over a dim keeps a NaN upstream gradient in its own group", "[nan][reduce]") {
  // PyTorch 1.13: [[nan, nan, nan], [0.5, 0, 0.5]] (the NaN spreads over row 0).
  Tensor x = tensor({{1.0, 5.0, 2.0}, {4.0, 0.0, 4.0}}, kFloat64).requires_grad_();
  CHECK(same(vjp(x.amax({1}), x, tensor({kNaN, 1.0}, kFloat64)), {0, kNaN, 0, 0.5, 0, 0.5}));
  CHECK(
      same(vjp(x.amax({0}, true), x, tensor({{1.0, kNaN, 2.0}}, kFloat64)), {0, kNaN, 0, 1, 0, 2}));
}

TEST_CASE("amax over a group holding a NaN sends the gradient to the NaN elements only",
          "[nan][reduce]") {
  // PyTorch 1.13's amax: NaN for the whole group; its max() of all elements: [0, .5, 0, .5].
  Tensor x = tensor({1.0, kNaN, 3.0, kNaN}, kFloat64).requires_grad_();
  Tensor m = x.amax({0});
  CHECK(std::isnan(m.item<double>()));
  CHECK(same(vjp(m, x, scalar(1.0, kFloat64)), {0, 0.5, 0, 0.5}));
  CHECK(same(vjp(x.max(), x, scalar(1.0, kFloat64)), {0, 0.5, 0, 0.5}));
  // The finite elements do not move the output: perturbing them leaves NaN (derivative 0).
  Tensor y = x.detach().clone();
  {
    NoGradGuard ng;
    y.add_(tensor({1.0, 0.0, 1.0, 0.0}, kFloat64));
  }
  CHECK(std::isnan(y.amax({0}).item<double>()));
}

TEST_CASE("maximum and minimum with one NaN input send the gradient to the NaN input",
          "[nan][elementwise]") {
  // PyTorch 1.13: both inputs get 1 at positions 0 and 1.
  Tensor a = tensor({kNaN, 1.0, 2.0}, kFloat64).requires_grad_();
  Tensor b = tensor({1.0, kNaN, 2.0}, kFloat64).requires_grad_();
  for (bool is_max : {true, false}) {
    Tensor out = is_max ? maximum(a, b) : minimum(a, b);
    CHECK(std::isnan(out.tolist()[0]));
    CHECK(std::isnan(out.tolist()[1]));
    TensorList g = autograd::grad({out.sum()}, {a, b});
    CHECK(g[0].tolist() == std::vector<double>{1, 0, 0.5});
    CHECK(g[1].tolist() == std::vector<double>{0, 1, 0.5});
  }
  // Both NaN: the output is the first input's NaN, and so is the gradient's destination.
  Tensor c = tensor({kNaN}, kFloat64).requires_grad_(),
         d = tensor({kNaN}, kFloat64).requires_grad_();
  TensorList g = autograd::grad({maximum(c, d).sum()}, {c, d});
  CHECK(g[0].tolist() == std::vector<double>{1});
  CHECK(g[1].tolist() == std::vector<double>{0});
}

TEST_CASE("relu of NaN is NaN and its gradient passes there, as PyTorch", "[nan][elementwise]") {
  Tensor x = tensor({kNaN, -1.0, 0.0, 2.0}, kFloat64).requires_grad_();
  Tensor y = x.relu();
  CHECK(std::isnan(y.tolist()[0]));
  CHECK(same(y.tolist(), {kNaN, 0, 0, 2}));
  CHECK(same(vjp(y, x, ones({4}, kFloat64)), {1, 0, 0, 1}));
  CHECK(std::isnan(tensor({kNaN}).relu().item<float>()));
}

TEST_CASE("the select-based rules pass first and second order gradcheck away from ties",
          "[nan][gradcheck]") {
  Tensor x = leaf({3, 4}), y = leaf({3, 4}, 1);
  CHECK(gradcheck2([](const TensorList& in) { return in[0].amax({1}); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].amax({0, 1}, true); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].min(); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return std::get<0>(in[0].max(0)); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return std::get<0>(in[0].min(1, true)); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return maximum(in[0], in[1]); }, {x, y}));
  CHECK(gradcheck2([](const TensorList& in) { return minimum(in[0], in[1].sum({0})); }, {x, y}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].relu() * in[0]; }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].clamp(-0.5, 0.5) * in[0]; }, {x}));
}
