// An op's output saved for its backward (SavedTensor(out, true)) is kept as its elements when it
// is contiguous from its storage's start: no tensor header, its shape and dtype read off the
// saving node's record of the output (autograd/saved_tensor.hpp). These tests show that such an
// output unpacks to the right values, shape and dtype in a plain backward and under create_graph,
// that tanh's and sigmoid's rules reading it in place give the gradients the general path gives,
// that a write after the save is still caught and named, that one saved otherwise (not
// contiguous) behaves the same, and that unpacking one outside its node's backward is an Error.
// Expected values are the closed forms worked out here with std::tanh and std::exp.
#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include <paragrad/engine/autograd/function.hpp>
#include <paragrad/engine/engine.hpp>

#include "check_values.hpp"
#include "gradient_address.hpp"

using namespace paragrad;

namespace {

const std::vector<double> kX = {-1.5, -0.4, 0.0, 0.3, 1.1, 2.0};

Tensor leaf(Dtype dtype = kFloat64) {
  return tensor({-1.5, -0.4, 0.0, 0.3, 1.1, 2.0}, {2, 3}, dtype).requires_grad_();
}

double sigmoid(double x) { return 1 / (1 + std::exp(-x)); }

// d/dx of sum(f(f(f(x)))) for f = tanh or sigmoid, elementwise, with f' given by f's output.
std::vector<double> chain3(double (*f)(double), double (*df_of_y)(double)) {
  std::vector<double> d;
  for (double x : kX) {
    double v = x, g = 1;
    for (int i = 0; i < 3; ++i) {
      v = f(v);
      g *= df_of_y(v);
    }
    d.push_back(g);
  }
  return d;
}
double dtanh_of_y(double y) { return 1 - y * y; }
double dsigmoid_of_y(double y) { return y * (1 - y); }
double tanh_of(double x) { return std::tanh(x); }

// t holds `want` within `tol` relative to each element (float32 results against float64 forms).
void check_near(const Tensor& t, const std::vector<double>& want, double tol) {
  REQUIRE(t.defined());
  const std::vector<double> got = t.tolist();
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) CHECK(got[i] == Approx(want[i]).epsilon(tol));
}

// `out` recorded as the output of an op of x whose rule is g * out, transposed back to x's shape:
// the rule reads its saved output through unpack(). `out` is (x * 2)ᵀ, made without a graph,
// and either a transposed view (not contiguous: saved with a header) or a contiguous copy.
Tensor twice_transposed(const Tensor& x, bool contiguous) {
  Tensor out;
  {
    NoGradGuard ng;
    out = (x.detach() * 2.0).t();
    if (contiguous) out = out.contiguous();
  }
  autograd::record("TwiceTransposedBackward", out, {x},
                   [so = autograd::SavedTensor(out, true)](const Tensor& g) {
                     const Tensor y = so.unpack();
                     check<ValueError>(y.sizes() == g.sizes(), "unexpected saved shape");
                     return (g * y).t();
                   });
  return out;
}

}  // namespace

TEST_CASE("tanh and sigmoid read their saved output in place and give the chain rule's gradient",
          "[saved_output]") {
  for (Dtype dtype : {kFloat64, kFloat32}) {
    // The first rule on the way back gets the gradient of a sum over named dims, an expanded view
    // it may not write over (the general path); the two after it get a fresh one they alone hold
    // (the in-place path).
    Tensor x = leaf(dtype);
    x.tanh().tanh().tanh().sum({0, 1}).backward();
    check_near(x.grad(), chain3(tanh_of, dtanh_of_y), dtype == kFloat64 ? 1e-12 : 1e-5);
    Tensor z = leaf(dtype);
    z.sigmoid().sigmoid().sigmoid().sum({0, 1}).backward();
    check_near(z.grad(), chain3(sigmoid, dsigmoid_of_y), dtype == kFloat64 ? 1e-12 : 1e-5);
  }
}

TEST_CASE("every rule that reads its saved output writes over a gradient it alone holds",
          "[saved_output]") {
  // f(f(x)) for each op: the outer rule gets sum's gradient (a new tensor in a plain backward)
  // and writes over it; the inner rule then alone holds that gradient and writes its result over
  // it too; so the gradient x receives lies where the hook on the inner output saw its gradient.
  struct Op {
    const char* name;
    Tensor (*f)(const Tensor&);
    double (*value)(double);
    double (*derivative)(double);
    bool any_sign = false;  // defined for every x (relu: its zero branch too), not only x > 0
  };
  const Op ops[] = {
      {"exp", [](const Tensor& t) { return t.exp(); }, [](double v) { return std::exp(v); },
       [](double v) { return std::exp(v); }},
      {"expm1", [](const Tensor& t) { return t.expm1(); }, [](double v) { return std::expm1(v); },
       [](double v) { return std::exp(v); }},
      {"sqrt", [](const Tensor& t) { return t.sqrt(); }, [](double v) { return std::sqrt(v); },
       [](double v) { return 0.5 / std::sqrt(v); }},
      {"rsqrt", [](const Tensor& t) { return t.rsqrt(); },
       [](double v) { return 1 / std::sqrt(v); },
       [](double v) { return -0.5 / (v * std::sqrt(v)); }},
      {"reciprocal", [](const Tensor& t) { return t.reciprocal(); }, [](double v) { return 1 / v; },
       [](double v) { return -1 / (v * v); }},
      {"tan", [](const Tensor& t) { return t.tan(); }, [](double v) { return std::tan(v); },
       [](double v) { return 1 + std::tan(v) * std::tan(v); }},
      {"tanh", [](const Tensor& t) { return t.tanh(); }, tanh_of,
       [](double v) { return dtanh_of_y(std::tanh(v)); }},
      {"sigmoid", [](const Tensor& t) { return t.sigmoid(); }, sigmoid,
       [](double v) { return dsigmoid_of_y(sigmoid(v)); }},
      {"relu", [](const Tensor& t) { return t.relu(); }, [](double v) { return v > 0 ? v : 0; },
       [](double v) { return v > 0 ? 1.0 : 0.0; }, true},
  };
  for (const Op& op : ops) {
    INFO(op.name);
    const std::vector<double> xs = op.any_sign
                                       ? std::vector<double>{-0.8, 0.45, -0.1, 0.9, 0, 1.2}
                                       : std::vector<double>{0.2, 0.45, 0.7, 0.9, 1.05, 1.2};
    Tensor x = tensor(xs, {2, 3}, kFloat64).requires_grad_();
    const void* at_inner = nullptr;
    const void* at_x = nullptr;
    Tensor inner = op.f(x);
    inner.register_hook(address_of(at_inner));
    x.register_hook(address_of(at_x));
    op.f(inner).sum().backward();
    REQUIRE(at_inner != nullptr);
    CHECK(at_x == at_inner);
    std::vector<double> want;
    for (double v : xs) want.push_back(op.derivative(op.value(v)) * op.derivative(v));
    check_near(x.grad(), want, 1e-12);
  }
}

TEST_CASE("a gradient a hook keeps is not written over by a rule reading its saved output",
          "[saved_output]") {
  Tensor x = leaf();
  Tensor kept;
  Tensor y = x.tanh();
  Tensor u = y.tanh();
  u.register_hook([&kept](const Tensor& g) {
    kept = g;
    return Tensor();
  });
  (u * 3.0).sum().backward();
  // The hook holds u's gradient (3 everywhere): u's rule may not write its result over it.
  check_values(kept, std::vector<double>(6, 3.0));
  std::vector<double> want;
  for (double v : kX) {
    const double a = std::tanh(v), b = std::tanh(a);
    want.push_back(3 * (1 - b * b) * (1 - a * a));
  }
  check_values(x.grad(), want);
}

TEST_CASE("a saved output written in place makes backward raise, naming the op and the shape",
          "[saved_output]") {
  for (auto op :
       {+[](const Tensor& t) { return t.tanh(); }, +[](const Tensor& t) { return t.sigmoid(); },
        +[](const Tensor& t) { return t.exp(); }}) {
    Tensor x = leaf();
    Tensor y = op(x);
    const std::string name = y.grad_fn()->name();
    y.mul_(2.0);  // recorded: y's history is now MulBackward, its version 1
    CHECK_THROWS_WITH(y.sum().backward(),
                      Catch::Contains(name + ": a tensor saved for backward (shape [2, 3]") &&
                          Catch::Contains("it is at version 1, expected version 0"));
    CHECK(x.grad().defined() == false);
  }
}

TEST_CASE("an output saved as its elements is differentiated again under create_graph",
          "[saved_output]") {
  // y = tanh(x): dy/dx = 1 - y², d²y/dx² = -2 y (1 - y²); sigmoid: s (1 - s), s (1 - s)(1 - 2s);
  // exp: exp, exp. The first gradient's rules read the saved output, re-attached to its node.
  Tensor x = leaf();
  const Tensor gt = autograd::grad({x.tanh().sum()}, {x}, {}, true, true)[0];
  const Tensor gs = autograd::grad({x.sigmoid().sum()}, {x}, {}, true, true)[0];
  const Tensor ge = autograd::grad({x.exp().sum()}, {x}, {}, true, true)[0];
  CHECK(gt.requires_grad());
  (gt + gs + ge).sum().backward();
  std::vector<double> want;
  for (double v : kX) {
    const double t = std::tanh(v), s = sigmoid(v);
    want.push_back(-2 * t * (1 - t * t) + s * (1 - s) * (1 - 2 * s) + std::exp(v));
  }
  check_values(x.grad(), want);
}

TEST_CASE("an output saved with or without its header unpacks to the same tensor",
          "[saved_output]") {
  for (bool contiguous : {false, true}) {
    INFO("contiguous output: " << contiguous);
    Tensor x = leaf();
    Tensor y = twice_transposed(x, contiguous);
    CHECK(y.is_contiguous() == contiguous);
    y.sum().backward();
    // d/dx sum(g ⊙ yᵀ) with g = 1: the rule returns yᵀ = 2x.
    std::vector<double> want;
    for (double v : kX) want.push_back(2 * v);
    check_values(x.grad(), want);
  }
}

TEST_CASE("a saved output is unpacked only inside its node's backward", "[saved_output]") {
  Tensor x = leaf();
  Tensor y = x.exp();
  const autograd::SavedTensor as_output(y, true);
  CHECK(as_output.defined());
  CHECK_THROWS_AS(as_output.unpack(), AutogradError);
  CHECK_THROWS_WITH(as_output.unpack(), Catch::Contains("inside the backward of the node"));
  // A saved input is the tensor itself, anywhere.
  const autograd::SavedTensor as_input(y);
  CHECK(as_input.unpack().impl() == y.impl());
  CHECK(!autograd::SavedTensor().defined());
}

TEST_CASE("a saved output whose node's record it does not fit is an Error, not a read past it",
          "[saved_output]") {
  // A rule written by hand that saves output 1 (2 elements) as if it were output 0 (6): its
  // storage cannot hold the shape the node recorded for output 0.
  Tensor x = leaf();
  TensorList outs;
  {
    NoGradGuard ng;
    outs = {x.detach() * 2.0, x.detach().sum(1).clone()};
  }
  autograd::record_multi("MislabeledBackward", outs, {x},
                         [so = autograd::SavedTensor(outs[1], true, 0)](const TensorList& gs) {
                           return autograd::grad_list(gs[0] * so.unpack());
                         });
  CHECK_THROWS_AS(outs[0].sum().backward(), AutogradError);
  CHECK_THROWS_WITH(outs[0].sum().backward(),
                    Catch::Contains("MislabeledBackward: the saved output of shape [2, 3] does "
                                    "not fit its storage of 16 bytes"));
}
