// The arithmetic operators taking their first operand as an rvalue write the result over the
// operand's elements and take its header when nothing else can see it (detail::can_take_over,
// tensor.hpp): `(x * 3) + 1` makes one new tensor, not two. These tests show that it happens for
// each operator, that the values, the graph and the gradients are those of the const& forms, and
// that an operand anyone else can see (another handle, a view, a saved input, a leaf, a from_blob
// buffer, hooks, a broadcast or converted result, history under no_grad) is left as it was.
// Expected values are worked out here elementwise.
#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <paragrad/engine/engine.hpp>

#include "check_values.hpp"

using namespace paragrad;

namespace {

const std::vector<double> kX = {-1.5, -0.4, 0.25, 0.3, 1.1};

Tensor fresh() { return tensor({-1.5, -0.4, 0.25, 0.3, 1.1}, kFloat64); }
Tensor leaf() { return fresh().requires_grad_(); }

// An operator in its two forms: taking its first operand as an rvalue, and copying it.
struct OperatorCase {
  const char* name;
  std::function<Tensor(Tensor&&)> taking;
  std::function<Tensor(const Tensor&)> copying;
};

std::vector<double> map(const std::function<double(double)>& f) {
  std::vector<double> out;
  for (double x : kX) out.push_back(f(x));
  return out;
}

}  // namespace

TEST_CASE("an rvalue operand is written over and its header taken: (x * 3) + 1") {
  Tensor x = leaf();
  Tensor p = x * 3.0;
  const void* at = p.data_ptr<double>();
  const TensorImpl* header = p.impl();
  Tensor r = std::move(p) + 1.0;
  CHECK(r.data_ptr<double>() == at);
  CHECK(r.impl() == header);
  CHECK_FALSE(p.defined());  // NOLINT(bugprone-use-after-move): left undefined once taken
  check_values(r, map([](double v) { return 3 * v + 1; }));
  // The graph is that of the const& forms: AddBackward -> MulBackward -> x's accumulator.
  REQUIRE(r.grad_fn());
  CHECK(std::string(r.grad_fn()->name()) == "AddBackward");
  REQUIRE(r.grad_fn()->next_edges.size() == 1);
  const NodePtr& mul = r.grad_fn()->next_edges[0].fn;
  REQUIRE(mul);
  CHECK(std::string(mul->name()) == "MulBackward");
  CHECK(r.output_nr() == 0);
  CHECK(r.requires_grad());
  (r * r).sum().backward();  // d/dx (3x + 1)^2 = 6 (3x + 1)
  check_values(x.grad(), map([](double v) { return 6 * (3 * v + 1); }));
}

TEST_CASE("each operator taking an rvalue writes over it, with the const& form's values") {
  const Tensor b = tensor({2.0, -3.0, 0.5, 4.0, -1.25}, kFloat64);
  const std::vector<double> bv = b.tolist();
  const std::vector<OperatorCase> cases = {
      {"t + b", [&](Tensor&& t) { return std::move(t) + b; },
       [&](const Tensor& t) { return t + b; }},
      {"t - b", [&](Tensor&& t) { return std::move(t) - b; },
       [&](const Tensor& t) { return t - b; }},
      {"t * b", [&](Tensor&& t) { return std::move(t) * b; },
       [&](const Tensor& t) { return t * b; }},
      {"t / b", [&](Tensor&& t) { return std::move(t) / b; },
       [&](const Tensor& t) { return t / b; }},
      {"t + s", [](Tensor&& t) { return std::move(t) + 0.5; },
       [](const Tensor& t) { return t + 0.5; }},
      {"t - s", [](Tensor&& t) { return std::move(t) - 0.5; },
       [](const Tensor& t) { return t - 0.5; }},
      {"t * s", [](Tensor&& t) { return std::move(t) * 2.5; },
       [](const Tensor& t) { return t * 2.5; }},
      {"t / s", [](Tensor&& t) { return std::move(t) / 4.0; },
       [](const Tensor& t) { return t / 4.0; }},
      {"s + t", [](Tensor&& t) { return 0.5 + std::move(t); },
       [](const Tensor& t) { return 0.5 + t; }},
      {"s - t", [](Tensor&& t) { return 0.5 - std::move(t); },
       [](const Tensor& t) { return 0.5 - t; }},
      {"s * t", [](Tensor&& t) { return 2.5 * std::move(t); },
       [](const Tensor& t) { return 2.5 * t; }},
      {"s / t", [](Tensor&& t) { return 3.0 / std::move(t); },
       [](const Tensor& t) { return 3.0 / t; }},
  };
  for (const OperatorCase& c : cases) {
    INFO(c.name);
    const Tensor want = c.copying(fresh());
    Tensor t = fresh();
    const void* at = t.data_ptr<double>();
    Tensor r = c.taking(std::move(t));
    CHECK(r.data_ptr<double>() == at);
    CHECK_FALSE(t.defined());  // NOLINT(bugprone-use-after-move)
    CHECK_FALSE(r.requires_grad());
    CHECK_FALSE(r.grad_fn());
    check_values(r, want.tolist());
    CHECK(b.tolist() == bv);  // the second operand is never written
  }
}

TEST_CASE("an op by a scalar written over gives a new tensor's bits, float32 and float64") {
  // Ops by a scalar that write over a float operand take a path of their own (scalar_map in
  // arithmetic.cpp); the elements must be the very bits the general path makes.
  std::vector<double> values;
  for (int i = 0; i < 37; ++i) values.push_back(std::sin(1.7 * i) * std::pow(10.0, i % 7 - 3));
  const double s = 0.1;  // (not exact in binary: the conversion to the dtype matters)
  const std::vector<OperatorCase> cases = {
      {"t + s", [&](Tensor&& t) { return std::move(t) + s; },
       [&](const Tensor& t) { return t + s; }},
      {"t - s", [&](Tensor&& t) { return std::move(t) - s; },
       [&](const Tensor& t) { return t - s; }},
      {"t * s", [&](Tensor&& t) { return std::move(t) * s; },
       [&](const Tensor& t) { return t * s; }},
      {"t / s", [&](Tensor&& t) { return std::move(t) / s; },
       [&](const Tensor& t) { return t / s; }},
      {"s - t", [&](Tensor&& t) { return s - std::move(t); },
       [&](const Tensor& t) { return s - t; }},
  };
  for (Dtype dtype : {kFloat32, kFloat64}) {
    for (const OperatorCase& c : cases) {
      INFO(c.name << " in " << dtype_name(dtype));
      const Tensor want = c.copying(tensor(values, {int64_t(values.size())}, dtype));
      Tensor t = tensor(values, {int64_t(values.size())}, dtype);
      const void* at = t.impl()->raw_data();
      Tensor r = c.taking(std::move(t));
      CHECK(r.impl()->raw_data() == at);  // written over
      REQUIRE(r.dtype() == want.dtype());
      REQUIRE(r.sizes() == want.sizes());
      CHECK(std::memcmp(r.impl()->raw_data(), want.impl()->raw_data(),
                        values.size() * element_size(dtype)) == 0);
    }
  }
  // In backward rules: the rules of `/ s` and `* s` each write over the gradient they receive (the
  // product by w hands the quotient's rule a gradient of its own, w's values: g is ones).
  for (Dtype dtype : {kFloat32, kFloat64}) {
    INFO(dtype_name(dtype));
    Tensor x = tensor(values, {int64_t(values.size())}, dtype).requires_grad_();
    const Tensor w = tensor(values, {int64_t(values.size())}, dtype);
    (((x * s) / s) * w).sum().backward();
    const Tensor quotient =
        w / s;  // the general path (no operand handed over), in the rules' order
    const Tensor want = quotient * s;
    CHECK(std::memcmp(x.grad().impl()->raw_data(), want.impl()->raw_data(),
                      values.size() * element_size(dtype)) == 0);
  }
}

TEST_CASE("an rvalue operand anyone else can see is not written over") {
  const auto kept = [](Tensor& t, const std::vector<double>& v, const Tensor& r) {
    CHECK(r.data_ptr<double>() != t.data_ptr<double>());
    check_values(t, v);
  };
  const std::vector<double> plus1 = map([](double v) { return v + 1; });

  SECTION("another handle to its header") {
    Tensor t = fresh();
    Tensor other = t;
    Tensor r = std::move(t) + 1.0;
    check_values(r, plus1);
    kept(other, kX, r);
  }
  SECTION("a view of its elements") {
    Tensor t = fresh();
    Tensor v = t.narrow(0, 1, 2);
    Tensor r = std::move(t) + 1.0;
    check_values(r, plus1);
    check_values(v, {kX[1], kX[2]});
  }
  SECTION("a node that saved it as an input") {
    Tensor w = leaf();
    Tensor t = w * 2.0;
    Tensor z = t * w;  // MulBackward keeps t (for w's gradient) and w
    Tensor r = std::move(t) + 1.0;
    REQUIRE(t.defined());  // NOLINT(bugprone-use-after-move): not taken, left as it was
    check_values(t, map([](double v) { return 2 * v; }));
    check_values(r, map([](double v) { return 2 * v + 1; }));
    z.sum().backward();  // d/dw sum(2 w^2) = 4 w
    check_values(w.grad(), map([](double v) { return 4 * v; }));
  }
  SECTION("a leaf that requires grad") {
    Tensor l = leaf();
    Tensor r = std::move(l) * 3.0;
    REQUIRE(l.defined());  // NOLINT(bugprone-use-after-move)
    check_values(l, kX);
    r.sum().backward();
    check_values(l.grad(), {3, 3, 3, 3, 3});
  }
  SECTION("a leaf that does not require grad: written over") {
    Tensor l = fresh();
    const void* at = l.data_ptr<double>();
    Tensor r = std::move(l) * 3.0;
    CHECK(r.data_ptr<double>() == at);
  }
  SECTION("memory from_blob") {
    std::vector<double> buf = kX;
    Tensor t = from_blob(buf.data(), {int64_t(buf.size())}, kFloat64);
    Tensor r = std::move(t) + 1.0;
    check_values(r, plus1);
    CHECK(buf == kX);
  }
  SECTION("a hook or retain_grad on it") {
    Tensor x = leaf();
    Tensor t = x * 1.0;
    std::vector<double> seen;
    t.register_hook([&seen](const Tensor& g) {
      seen = g.tolist();
      return Tensor();
    });
    t.retain_grad();
    Tensor r = std::move(t) * 2.0;
    REQUIRE(t.defined());  // NOLINT(bugprone-use-after-move)
    r.sum().backward();
    CHECK(seen == std::vector<double>{2, 2, 2, 2, 2});
    check_values(t.grad(), {2, 2, 2, 2, 2});
    CHECK_FALSE(r.grad().defined());
  }
  SECTION("a result of another shape (broadcast) or dtype") {
    Tensor small = tensor({1.0}, kFloat64);
    Tensor r = std::move(small) + fresh();
    check_values(small, {1.0});  // NOLINT(bugprone-use-after-move)
    check_values(r, plus1);
    Tensor f = tensor({1.0, 2.0}, kFloat32);
    Tensor d = std::move(f) + tensor({0.5, 0.5}, kFloat64);
    CHECK(d.dtype() == kFloat64);
    CHECK(f.defined());  // NOLINT(bugprone-use-after-move)
    Tensor i = tensor({1, 2});
    Tensor q = std::move(i) / 4.0;
    CHECK(q.dtype() == kFloat32);
    CHECK(i.defined());  // NOLINT(bugprone-use-after-move)
  }
  SECTION("the same tensor as both operands") {
    Tensor t = fresh();
    Tensor r = std::move(t) + t;  // NOLINT(bugprone-use-after-move): both bind to t
    check_values(r, map([](double v) { return 2 * v; }));
    check_values(t, kX);
  }
  SECTION("history under no_grad: the result must have none") {
    Tensor x = leaf();
    Tensor t = x * 2.0;
    Tensor r;
    {
      NoGradGuard off;
      r = std::move(t) + 1.0;
    }
    CHECK_FALSE(r.requires_grad());
    CHECK_FALSE(r.grad_fn());
    check_values(r, map([](double v) { return 2 * v + 1; }));
  }
  SECTION("a product or quotient that keeps it for backward") {
    Tensor w = leaf();
    Tensor t = w * 1.0;
    Tensor r = std::move(t) * w;  // MulBackward keeps t for w's gradient
    check_values(t, kX);          // NOLINT(bugprone-use-after-move)
    Tensor u = w * 1.0;
    Tensor q = 1.0 / std::move(u);  // RdivBackward keeps u
    check_values(u, kX);            // NOLINT(bugprone-use-after-move)
    (r + q).sum().backward();       // d/dw (w^2 + 1/w) = 2w - 1/w^2
    check_values(w.grad(), map([](double v) { return 2 * v - 1 / (v * v); }));
  }
}

TEST_CASE("gradients through operands written over: first and second order") {
  // f(x) = sum(((x * x) * 3 + 1) / 2 - x): the temporaries of each step are written over.
  Tensor x = leaf();
  Tensor y = (((x * x) * 3.0 + 1.0) / 2.0 - x).sum();
  auto g = autograd::grad({y}, {x}, {}, true, true);
  check_values(g[0], map([](double v) { return 3 * v - 1; }));
  auto gg = autograd::grad({g[0].sum()}, {x});
  check_values(gg[0], {3, 3, 3, 3, 3});
  // The same function through lvalues only (nothing written over) gives the same gradients.
  Tensor x2 = leaf();
  Tensor sq = x2 * x2;
  Tensor s3 = sq * 3.0;
  Tensor p1 = s3 + 1.0;
  Tensor h = p1 / 2.0;
  Tensor d = h - x2;
  d.sum().backward();
  check_values(x2.grad(), g[0].tolist());
}
