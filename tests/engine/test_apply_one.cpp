// A node with one output and one input runs through Node::apply_one (engine.cpp): a rule that
// returns a plain Tensor passes its gradient with no list, a node that has only apply() goes
// through the default apply_one, which wraps it. These tests show that both give the gradients
// the list path gives (first and second order), that the errors of the list path are raised on
// this one too, and that hooks, anomaly mode and autograd::grad's captured gradients still see
// what they saw. Expected values are worked out here from the closed forms (d/dx x³ = 3x², ...).
#include <cmath>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <paragrad/engine/autograd/function.hpp>
#include <paragrad/engine/engine.hpp>

#include "check_values.hpp"

using namespace paragrad;

namespace {

const std::vector<double> kX = {-1.5, -0.4, 0.0, 0.3, 1.1};

Tensor leaf() { return tensor({-1.5, -0.4, 0.0, 0.3, 1.1}, kFloat64).requires_grad_(); }

std::vector<double> each(double (*f)(double)) {
  std::vector<double> out;
  for (double x : kX) out.push_back(f(x));
  return out;
}

// x³ recorded with a rule written in Tensor ops (so create_graph differentiates it), returned
// as a plain Tensor (apply_one) or as a one-entry list (apply, through the default apply_one
// the engine calls, since LambdaNode overrides it only for Tensor-returning rules).
Tensor cube(const Tensor& x, bool as_list) {
  Tensor out;
  {
    NoGradGuard ng;
    out = x.detach() * x.detach() * x.detach();
  }
  if (!autograd::needs_grad(x)) return out;
  if (as_list)
    autograd::record("CubeListBackward", out, {x},
                     [sx = autograd::SavedTensor(x)](const Tensor& g) {
                       return autograd::grad_list(g * sx.unpack().square() * 3.0);
                     });
  else
    autograd::record("CubeBackward", out, {x}, [sx = autograd::SavedTensor(x)](const Tensor& g) {
      return g * sx.unpack().square() * 3.0;
    });
  return out;
}

// A node written against Node alone (as an embedder may): apply() returns `count` gradients, each
// the incoming one times 2.
class TimesTwo final : public autograd::Node {
 public:
  explicit TimesTwo(size_t count) : count_(count) {}
  const char* name() const override { return "TimesTwoBackward"; }
  TensorList apply(TensorList&& grads) override {
    TensorList out;
    for (size_t i = 0; i < count_; ++i) out.push_back(grads[0] * 2.0);
    return out;
  }

 private:
  size_t count_;
};

Tensor times_two(const Tensor& x, size_t count) {
  Tensor out = x.detach() * 2.0;
  autograd::connect(new TimesTwo(count), &x, 1, &out, 1);
  return out;
}

}  // namespace

TEST_CASE("a one-input rule returning a Tensor or a list gives the same gradients, both orders",
          "[autograd]") {
  for (bool as_list : {false, true}) {
    CAPTURE(as_list);
    Tensor x = leaf();
    Tensor y = cube(x, as_list).tanh();
    Tensor g = autograd::grad({y.sum()}, {x}, {}, true, true)[0];
    // d/dx tanh(x³) = 3x² (1 - tanh²(x³))
    check_values(g, each([](double v) {
                   const double t = std::tanh(v * v * v);
                   return 3 * v * v * (1 - t * t);
                 }));
    // d²/dx² tanh(x³) = 6x (1 - t²) - 18 x⁴ t (1 - t²), t = tanh(x³)
    Tensor h = autograd::grad({g.sum()}, {x})[0];
    check_values(h, each([](double v) {
                   const double t = std::tanh(v * v * v);
                   return 6 * v * (1 - t * t) - 18 * v * v * v * v * t * (1 - t * t);
                 }));
    // And through .grad(): a plain backward.
    cube(x, as_list).sum().backward();
    check_values(x.grad(), each([](double v) { return 3 * v * v; }));
  }
}

TEST_CASE("a node with only apply() runs through the default apply_one", "[autograd]") {
  Tensor x = leaf();
  (times_two(x.tanh(), 1) * 3.0).sum().backward();
  check_values(x.grad(), each([](double v) { return 6 * (1 - std::tanh(v) * std::tanh(v)); }));
}

TEST_CASE("the wrong number of gradients from a one-input node raises naming it", "[autograd]") {
  Tensor x = leaf();
  Tensor y = times_two(x.tanh(), 2);
  REQUIRE_THROWS_MATCHES(y.sum().backward(), AutogradError,
                         Catch::Message("TimesTwoBackward: returned 2 gradients for 1 inputs"));
  CHECK_FALSE(x.grad().defined());
  // A rule returning a single Tensor, recorded with two inputs, goes through the list path.
  Tensor a = leaf(), b = leaf();
  Tensor out = (a * b).detach();
  autograd::record("OneOfTwoBackward", out, {a, b}, [](const Tensor& g) { return g; });
  REQUIRE_THROWS_MATCHES(out.sum().backward(), AutogradError,
                         Catch::Message("OneOfTwoBackward: returned 1 gradients for 2 inputs"));
}

TEST_CASE("a one-input node's rule, once released, raises on a second backward", "[autograd]") {
  Tensor x = leaf();
  Tensor y = (x * 2.0).tanh();
  y.sum().backward();
  REQUIRE_THROWS_WITH(y.sum().backward(),
                      Catch::StartsWith("TanhBackward: trying to backward through the graph a "
                                        "second time"));
  // With retain_graph the second pass adds the same gradient again.
  Tensor z = leaf();
  Tensor w = (z * 2.0).tanh().sum();
  w.backward({}, true);
  w.backward();
  check_values(z.grad(), each([](double v) {
                 const double t = std::tanh(2 * v);
                 return 2 * 2 * (1 - t * t);
               }));
}

TEST_CASE("hooks, anomaly mode and autograd::grad see one-input nodes as before", "[autograd]") {
  const auto dtanh2 = [](double v) {  // d/dx tanh(2x)
    const double t = std::tanh(2 * v);
    return 2 * (1 - t * t);
  };
  SECTION("a hook on a one-input node's output changes the gradient it passes on") {
    Tensor x = leaf();
    Tensor t = x * 2.0;
    t.register_hook([](const Tensor& g) { return g * 10.0; });
    t.tanh().sum().backward();
    check_values(x.grad(), each([](double v) {
                   const double th = std::tanh(2 * v);
                   return 10 * 2 * (1 - th * th);
                 }));
  }
  SECTION("anomaly mode gives the same gradients") {
    autograd::DetectAnomalyGuard anomaly;
    Tensor x = leaf();
    (x * 2.0).tanh().sum().backward();
    check_values(x.grad(), each(+dtanh2));
  }
  SECTION("autograd::grad reads an intermediate's gradient off its one-input node") {
    Tensor x = leaf();
    Tensor t = x * 2.0;
    Tensor y = t.tanh().sum();
    TensorList g = autograd::grad({y}, {t, x});
    check_values(g[0], each([](double v) {
                   const double th = std::tanh(2 * v);
                   return 1 - th * th;
                 }));
    check_values(g[1], each(+dtanh2));
  }
}

TEST_CASE("a one-input node that receives no gradient runs no rule and passes none on",
          "[autograd]") {
  // out = f(tanh(x), w), whose rule gives tanh(x) no gradient: TanhBackward becomes ready with
  // an empty buffer, must not run its rule (it would raise on the undefined gradient) and leaves
  // x.grad() undefined, while w gets its gradient.
  Tensor x = leaf(), w = leaf();
  Tensor t = x.tanh();
  Tensor out = (t * w).detach();
  autograd::record("OnlyTheSecondBackward", out, {t, w},
                   [](const Tensor& g) { return autograd::grad_list(Tensor(), g * 2.0); });
  out.sum().backward();
  CHECK_FALSE(x.grad().defined());
  check_values(w.grad(), {2, 2, 2, 2, 2});
}

namespace {
// A one-input node whose rule notes its name in `ran` and passes the gradient on times `k`.
Tensor noted(const Tensor& x, const char* name, double k, std::vector<std::string>& ran) {
  Tensor out = x.detach() * k;
  autograd::record(name, out, {x}, [name, k, &ran](Tensor g) {
    ran.push_back(name);
    return g * k;
  });
  return out;
}
}  // namespace

TEST_CASE("a chain of one-input nodes runs node after node, in the order of the ready stack",
          "[autograd]") {
  // out = M(B(A(x)), D(C(x))). M queues B, then D; the last queued runs first (a stack), and each
  // one-input node makes the next of its chain ready, which runs at once: M, D, C, then B, A.
  // The leaf's accumulator waits for both chains. d out/dx = 2·3 + 5·7 per element.
  std::vector<std::string> ran;
  Tensor x = leaf();
  Tensor a = noted(x, "A", 2.0, ran);
  Tensor b = noted(a, "B", 3.0, ran);
  Tensor d = noted(noted(x, "C", 5.0, ran), "D", 7.0, ran);
  Tensor out = (b + d).detach();
  autograd::record("M", out, {b, d}, [&ran](const Tensor& g) {
    ran.push_back("M");
    return autograd::grad_list(g, g);
  });
  SECTION("backward") {
    out.sum().backward();
    CHECK(ran == std::vector<std::string>{"M", "D", "C", "B", "A"});
    check_values(x.grad(), std::vector<double>(kX.size(), 2 * 3 + 5 * 7));
  }
  SECTION("autograd::grad of an input in the middle of a chain stops the chain at its node") {
    // a is A's output, B's input: B hands A over as the next node of its chain, but A is a
    // requested input's node, so the loop leaves it to the general path, which reads the gradient
    // off it and does not run it (it leads to no other requested input). d's node D is requested
    // too and does not run; C and A lead to nothing requested: M and B only run.
    TensorList g = autograd::grad({out.sum()}, {a, d}, {}, /*retain_graph=*/true);
    CHECK(ran == std::vector<std::string>{"M", "B"});
    check_values(g[0], std::vector<double>(kX.size(), 3.0));
    check_values(g[1], std::vector<double>(kX.size(), 1.0));
    TensorList gc = autograd::grad({out.sum()}, {x});
    CHECK(ran == std::vector<std::string>{"M", "B", "M", "D", "C", "B", "A"});
    check_values(gc[0], std::vector<double>(kX.size(), 2 * 3 + 5 * 7));
  }
}
