// Bad input to nn::functional and nn::init: each call raises the right paragrad::Error subclass,
// its message starting with the function called and naming the shapes, and leaves its tensors
// unchanged (an initializer that refuses writes nothing).
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "bad_input.hpp"

#include <paragrad/nn/nn.hpp>

using namespace paragrad;
namespace F = paragrad::nn::functional;
namespace init = paragrad::nn::init;
using paragrad::test::check_raises;
using paragrad::test::check_raises_unchanged;

namespace {
using Case = std::pair<std::string, std::function<void()>>;
const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

Tensor leaf_with_grad(Shape shape) {
  Tensor x = ones(std::move(shape)).requires_grad_();
  (x * 2.0).sum().backward();
  return x;
}
}  // namespace

TEST_CASE("functional: undefined inputs raise naming the function", "[bad_input]") {
  const Tensor u, x = leaf_with_grad({2, 3}), t = tensor({0, 1}, kInt64);
  for (const auto& [op, f] : std::vector<Case>{{"linear", [&] { F::linear(u, x); }},
                                               {"linear", [&] { F::linear(x, u); }},
                                               {"relu", [&] { F::relu(u); }},
                                               {"erf", [&] { F::erf(u); }},
                                               {"gelu", [&] { F::gelu(u); }},
                                               {"softplus", [&] { F::softplus(u); }},
                                               {"layer_norm", [&] { F::layer_norm(u, {3}); }},
                                               {"dropout", [&] { F::dropout(u, 0.5); }},
                                               {"embedding", [&] { F::embedding(u, x); }},
                                               {"embedding", [&] { F::embedding(t, u); }},
                                               {"mse_loss", [&] { F::mse_loss(u, x); }},
                                               {"l1_loss", [&] { F::l1_loss(x, u); }},
                                               {"cross_entropy", [&] { F::cross_entropy(u, t); }},
                                               {"nll_loss", [&] { F::nll_loss(x, u); }},
                                               {"binary_cross_entropy_with_logits", [&] {
                                                  F::binary_cross_entropy_with_logits(u, x);
                                                }}}) {
    INFO(op);
    check_raises_unchanged<ValueError>(f, op, {"undefined"}, {x, t});
  }
}

TEST_CASE("functional: mismatched shapes raise ShapeError naming the function and the shapes",
          "[bad_input]") {
  const Tensor x = leaf_with_grad({2, 3}), y = ones({4, 5});
  for (const auto& [op, f] : std::vector<Case>{
           {"linear", [&] { F::linear(x, y); }},
           {"mse_loss", [&] { F::mse_loss(x, y); }},
           {"l1_loss", [&] { F::l1_loss(x, y, "sum"); }},
           {"binary_cross_entropy_with_logits", [&] { F::binary_cross_entropy_with_logits(x, y); }},
           {"layer_norm", [&] { F::layer_norm(x, {4}); }},
       }) {
    INFO(op);
    const std::string second = op == "layer_norm" ? "[4]" : "[4, 5]";
    check_raises_unchanged<ShapeError>(f, op, {"[2, 3]", second}, {x, y});
  }
  const Tensor target = tensor({0, 1, 1}, kInt64);
  check_raises_unchanged<ShapeError>([&] { F::cross_entropy(x, target); }, "cross_entropy",
                                     {"[3]", "[2, 3]"}, {x, target});
  check_raises_unchanged<ShapeError>([&] { F::nll_loss(x, target); }, "nll_loss", {"[3]", "[2, 3]"},
                                     {x, target});
}

TEST_CASE("functional: out-of-range indices, probabilities and options raise", "[bad_input]") {
  const Tensor x = leaf_with_grad({2, 3});
  check_raises<IndexError>([&] { F::embedding(tensor({2}, kInt64), x); }, "embedding", {"2"});
  check_raises<IndexError>([&] { F::embedding(tensor({-1}, kInt64), x); }, "embedding", {"-1"});
  check_raises<IndexError>(
      [&] {
        F::cross_entropy(x, tensor({0, 3}, kInt64));
      },
      "cross_entropy", {"3"});
  check_raises<IndexError>([&] { F::nll_loss(x, tensor({-1, 0}, kInt64)); }, "nll_loss", {"-1"});
  check_raises<ValueError>([&] { F::dropout(x, 1.5); }, "dropout", {"1.5"});
  check_raises<ValueError>([&] { F::dropout(x, kNaN); }, "dropout", {"nan"});
  check_raises<ValueError>([&] { F::gelu(x, "fast"); }, "gelu", {"fast"});
  check_raises<ValueError>([&] { F::mse_loss(x, x, "avg"); }, "mse_loss", {"avg"});
}

TEST_CASE("init: bad bounds and values raise as in PyTorch and write nothing", "[bad_input]") {
  Tensor w = arange(0.0, 6.0).reshape({2, 3});
  check_raises_unchanged<ValueError>([&] { init::uniform_(w, 1, 0); }, "uniform_",
                                     {"from=1", "to=0"}, {w});
  check_raises_unchanged<ValueError>([&] { init::uniform_(w, kNaN, 1); }, "uniform_", {"nan"}, {w});
  check_raises_unchanged<ValueError>([&] { init::uniform_(w, 0, kInf); }, "uniform_", {"inf"}, {w});
  check_raises_unchanged<ValueError>([&] { init::uniform_(w, -3e38, 3e38); }, "uniform_",
                                     {"float32"}, {w});
  check_raises_unchanged<ValueError>([&] { init::normal_(w, 0, -1); }, "normal_", {"-1"}, {w});
  check_raises_unchanged<ValueError>([&] { init::normal_(w, 0, kNaN); }, "normal_", {"nan"}, {w});
  Tensor n = tensor({1, 2}, kInt64);
  check_raises_unchanged<ValueError>([&] { init::constant_(n, kNaN); }, "constant_",
                                     {"nan", "int64"}, {n});
  check_raises_unchanged<DtypeError>([&] { init::uniform_(n); }, "uniform_", {"int64"}, {n});
  check_raises_unchanged<DtypeError>([&] { init::normal_(n); }, "normal_", {"int64"}, {n});
  // [1, 1) is empty but allowed (every value is 1), as in PyTorch.
  init::uniform_(w, 1, 1);
  CHECK(w.eq(ones({2, 3})).all());
}

TEST_CASE("init: fan-based initializers name themselves for too few dims", "[bad_input]") {
  Tensor v = ones({3});
  for (const auto& [op, f] : std::vector<Case>{
           {"xavier_uniform_", [&] { init::xavier_uniform_(v); }},
           {"xavier_normal_", [&] { init::xavier_normal_(v); }},
           {"kaiming_uniform_", [&] { init::kaiming_uniform_(v); }},
           {"kaiming_normal_", [&] { init::kaiming_normal_(v); }},
           {"orthogonal_", [&] { init::orthogonal_(v); }},
           {"eye_", [&] { init::eye_(v); }},
           {"calculate_fan_in_and_fan_out", [&] { init::calculate_fan_in_and_fan_out(v); }}}) {
    INFO(op);
    check_raises_unchanged<ValueError>(f, op, {"[3]"}, {v});
  }
  Tensor w = ones({2, 3});
  check_raises_unchanged<ValueError>([&] { init::kaiming_uniform_(w, 0, "fan_avg"); },
                                     "kaiming_uniform_", {"fan_avg"}, {w});
  check_raises<ValueError>([] { init::calculate_gain("swish"); }, "calculate_gain", {"swish"});
  Tensor u;
  check_raises<ValueError>([&] { init::zeros_(u); }, "zeros_", {"undefined"});
  check_raises<ValueError>([&] { init::xavier_uniform_(u); }, "xavier_uniform_", {"undefined"});
}
