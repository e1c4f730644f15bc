// Bad input to the autograd entry points (backward, grad, requires_grad_, gradcheck) and in-place
// writes to tensors saved for backward: each raises the right paragrad::Error subclass naming the
// function called and the shapes, and leaves the leaves' values, flags and gradients as they
// were.
#include <cmath>

#include "bad_input.hpp"

using namespace paragrad;
using paragrad::test::check_raises;
using paragrad::test::check_raises_unchanged;

namespace {
// A float64 leaf whose .grad() already holds 3s.
Tensor leaf_with_grad() {
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  (x * 3.0).sum().backward();
  return x;
}
}  // namespace

TEST_CASE("backward: bad gradients and outputs raise and leave gradients unchanged",
          "[bad_input]") {
  Tensor x = leaf_with_grad();
  check_raises_unchanged<AutogradError>([&] { (x * 2.0).backward(); }, "backward",
                                        {"scalar", "[2]"}, {x});
  check_raises_unchanged<ShapeError>([&] { (x * 2.0).backward(ones({3}, kFloat64)); }, "backward",
                                     {"[3]", "[2]"}, {x});
  check_raises_unchanged<AutogradError>([&] { ones({1}).sum().backward(); }, "backward",
                                        {"does not require grad"}, {x});
  Tensor y = (x * x).sum();
  y.backward();
  const paragrad::test::Snapshot after_one(x);
  check_raises<AutogradError>([&] { y.backward(); }, "SumBackward", {"retain_graph"});
  CHECK(paragrad::test::Snapshot(x) == after_one);
}

TEST_CASE("grad: bad inputs and outputs raise naming grad and the input", "[bad_input]") {
  Tensor x = leaf_with_grad();
  const Tensor y = (x * x).sum();
  check_raises_unchanged<AutogradError>([&] { autograd::grad({y}, {}); }, "grad", {"no inputs"},
                                        {x});
  check_raises_unchanged<AutogradError>([&] { autograd::grad({y}, {ones({2})}, {}, true); }, "grad",
                                        {"does not require grad"}, {x});
  Tensor unused = ones({3}, kFloat64).requires_grad_();
  check_raises_unchanged<AutogradError>(
      [&] {
        autograd::grad({y}, {x, unused}, {}, true);
      },
      "grad", {"input 1", "[3]", "allow_unused"}, {x, unused});
  check_raises_unchanged<ValueError>([&] { autograd::grad({Tensor()}, {x}); }, "grad",
                                     {"argument 1", "undefined"}, {x});
}

TEST_CASE("requires_grad_: integer tensors and non-leaves are refused unchanged", "[bad_input]") {
  Tensor n = tensor({1, 2}, kInt64);
  check_raises_unchanged<AutogradError>([&] { n.requires_grad_(); }, "requires_grad_", {"int64"},
                                        {n});
  Tensor x = leaf_with_grad();
  Tensor h = x * 2.0;
  check_raises_unchanged<AutogradError>([&] { h.requires_grad_(false); }, "requires_grad_",
                                        {"leaf"}, {x});
  CHECK(h.requires_grad());
}

TEST_CASE("a tensor saved for backward and modified in place makes backward raise naming the op",
          "[bad_input]") {
  Tensor x = leaf_with_grad();
  Tensor e = x.exp();  // saves its output
  Tensor y = (e * e).sum();
  {
    NoGradGuard ng;
    e.mul_(2.0);
  }
  const std::string msg = paragrad::test::error_of<AutogradError>([&] { y.backward(); });
  CHECK(msg.find("MulBackward") != std::string::npos);
  CHECK(msg.find("version") != std::string::npos);
}

TEST_CASE("gradcheck: unusable functions and inputs raise naming gradcheck", "[bad_input]") {
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor f32 = ones({2}).requires_grad_();
  check_raises<DtypeError>(
      [&] { autograd::gradcheck([](const TensorList& in) { return in[0] * 2.0; }, {f32}); },
      "gradcheck", {"float32"});
  check_raises<AutogradError>(
      [&] { autograd::gradcheck([](const TensorList&) { return Tensor(); }, {x}); }, "gradcheck",
      {"undefined"});
  check_raises<AutogradError>(
      [&] {
        autograd::gradcheck([](const TensorList& in) { return in[0] * 2.0; },
                            {tensor({1.0}, kFloat64)});
      },
      "gradcheck", {"no input requires grad"});
}
