// Tensor hooks and retain_grad (engine/autograd/hooks.hpp), with PyTorch's semantics. The
// LibTorch cases (test/cpp/api/autograd.cpp: Hooks, HooksInplace, HooksInplaceWithRetainsGrad,
// HooksInplaceTwiceWithRetainsGrad, HookNone, RetainGrad) are rewritten here in paragrad's API;
// the values where PyTorch's order of hooks matters come from scripts/oracle/hooks_oracle.py
// (PyTorch 1.13), quoted beside each check.
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <paragrad/engine/engine.hpp>

#include "bad_input.hpp"
#include "engine/hooks_oracle.hpp"

using namespace paragrad;

namespace {
using Catch::Matchers::Contains;
namespace oracle = paragrad::test::hooks_oracle;

bool same(const Tensor& a, const Tensor& b) { return a.defined() && allclose(a, b); }

// A hook that counts its calls and keeps the gradient.
autograd::Hook counting(int& calls, int inc = 1) {
  return [&calls, inc](const Tensor&) {
    calls += inc;
    return Tensor();
  };
}
}  // namespace

TEST_CASE("hooks on a non-leaf and a leaf are counted, added and removed as in LibTorch Hooks") {
  Tensor x = ones({5, 5}).requires_grad_();
  Tensor y = (ones({5, 5}) * 4).requires_grad_();
  int counter = 0;
  Tensor z = x * x + x * 2 + x * y + y;
  x.register_hook(counting(counter, 0));
  auto hook_1 = z.register_hook(counting(counter, 1));
  z.backward(ones({5, 5}), true, true);
  CHECK(counter == 1);

  auto hook_2 = z.register_hook(counting(counter, 2));
  z.backward(ones({5, 5}), true, true);
  CHECK(counter == 4);

  hook_2.remove();
  z.backward(ones({5, 5}), true, true);
  CHECK(counter == 5);

  hook_1.remove();
  z.register_hook([](const Tensor& g) { return g * 2; });
  y.zero_grad();
  z.backward(ones({5, 5}), true, false);
  CHECK(same(y.grad(), (x + 1) * 2));

  y.register_hook([](const Tensor& g) { return g * 2; });
  y.zero_grad();
  z.backward(ones({5, 5}), false, false);
  CHECK(same(y.grad(), (x + 1) * 4));
}

TEST_CASE("several hooks run in registration order and each sees the previous result") {
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor y = x * 3.0;
  std::vector<std::string> order;
  std::vector<double> seen;
  y.register_hook([&](const Tensor& g) {
    order.push_back("first");
    seen.push_back(g.tolist()[0]);
    return g + 1.0;
  });
  y.register_hook([&](const Tensor& g) {
    order.push_back("second");
    seen.push_back(g.tolist()[0]);
    return g * 10.0;
  });
  y.register_hook([&](const Tensor& g) {
    order.push_back("third");
    seen.push_back(g.tolist()[0]);
    return Tensor();  // keep
  });
  y.sum().backward();
  CHECK(order == std::vector<std::string>{"first", "second", "third"});
  CHECK(seen == std::vector<double>{1.0, 2.0, 20.0});
  CHECK(x.grad().tolist() == std::vector<double>{60.0, 60.0});  // 3 * (1 + 1) * 10
}

TEST_CASE("a hook runs once per backward with the sum over all uses of its tensor") {
  // PyTorch 1.13: the hook sees [5, 9] once, x.grad = [10, 18]
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor y = x * 2.0;
  int calls = 0;
  std::vector<double> seen;
  y.register_hook([&](const Tensor& g) {
    ++calls;
    seen = g.tolist();
    return Tensor();
  });
  (y * y + y).sum().backward();
  CHECK(double(calls) == oracle::two_uses_hook_calls[0]);
  CHECK(seen == oracle::two_uses_hook_sees);  // 2y + 1
  CHECK(x.grad().tolist() == oracle::two_uses_x_grad);
}

TEST_CASE("a leaf hook runs before accumulation and its result is what .grad receives") {
  Tensor x = tensor({1.0, -1.0}, kFloat64).requires_grad_();
  std::vector<double> grad_when_hook_ran;
  bool had_grad = true;
  x.register_hook([&](const Tensor& g) {
    had_grad = x.grad().defined();
    grad_when_hook_ran = g.tolist();
    return g * 0.5;
  });
  (x * 4.0).sum().backward();
  CHECK_FALSE(had_grad);  // ran before anything was added
  CHECK(grad_when_hook_ran == std::vector<double>{4.0, 4.0});
  CHECK(x.grad().tolist() == std::vector<double>{2.0, 2.0});
  // Second backward: the hook sees the new gradient only, then it is added.
  (x * 4.0).sum().backward();
  CHECK(grad_when_hook_ran == std::vector<double>{4.0, 4.0});
  CHECK(x.grad().tolist() == std::vector<double>{4.0, 4.0});
}

TEST_CASE("a removed hook is not called again and removing twice is harmless") {
  Tensor x = tensor({1.0}, kFloat64).requires_grad_();
  int calls = 0;
  auto h = x.register_hook(counting(calls));
  (x * 2.0).sum().backward();
  h.remove();
  h.remove();
  (x * 2.0).sum().backward();
  CHECK(calls == 1);
  autograd::RemovableHandle never_set;
  never_set.remove();  // a default handle removes nothing
}

TEST_CASE("removing a hook after its tensor and graph are gone does nothing") {
  autograd::RemovableHandle leaf_handle, node_handle;
  int calls = 0;
  {
    Tensor x = tensor({1.0}, kFloat64).requires_grad_();
    Tensor y = x * 2.0;
    leaf_handle = x.register_hook(counting(calls));
    node_handle = y.register_hook(counting(calls));
  }
  leaf_handle.remove();
  node_handle.remove();
  CHECK(calls == 0);
}

TEST_CASE("a hook may remove itself while it runs and stays for the rest of that pass") {
  Tensor x = tensor({1.0}, kFloat64).requires_grad_();
  Tensor y = x * 2.0;
  int calls = 0;
  auto handle = std::make_shared<autograd::RemovableHandle>();
  *handle = y.register_hook([&calls, handle](const Tensor& g) {
    ++calls;
    handle->remove();
    return g * 3.0;
  });
  y.sum().backward(Tensor(), /*retain_graph=*/true);
  CHECK(x.grad().tolist() == std::vector<double>{6.0});
  y.sum().backward();
  CHECK(calls == 1);
  CHECK(x.grad().tolist() == std::vector<double>{8.0});
}

TEST_CASE("hooks on a tensor before and after an in-place op see their own values as LibTorch") {
  // LibTorch HooksInplace: the hook from before mul_ sees 2, the one after sees 1
  Tensor a = ones({5, 5}).requires_grad_().clone();
  int hook1 = 0, hook2 = 0;
  bool ok1 = false, ok2 = false;
  a.register_hook([&](const Tensor& g) {
    ++hook1;
    ok1 = same(g, ones({5, 5}) * 2);
    return Tensor();
  });
  a.mul_(2);
  a.register_hook([&](const Tensor& g) {
    ++hook2;
    ok2 = same(g, ones({5, 5}));
    return Tensor();
  });
  (a + 1).sum().backward();
  CHECK(hook1 == 1);
  CHECK(hook2 == 1);
  CHECK(ok1);
  CHECK(ok2);
}

TEST_CASE(
    "retain_grad follows a tensor through in-place ops as LibTorch HooksInplaceWithRetainsGrad") {
  for (int writes : {1, 2}) {
    Tensor a = ones({5, 5}).requires_grad_().clone();
    const double before = writes == 1 ? 2.0 : 4.0;
    std::vector<int> counts(3, 0);
    std::vector<bool> ok(3, false);
    auto expect = [&](int i, double v) {
      return [&counts, &ok, i, v](const Tensor& g) {
        ++counts[size_t(i)];
        ok[size_t(i)] = same(g, full({5, 5}, v));
        return Tensor();
      };
    };
    a.register_hook(expect(0, before));
    a.retain_grad();
    a.register_hook(expect(1, before));
    for (int k = 0; k < writes; ++k) a.mul_(2);
    a.register_hook(expect(2, 1.0));
    (a + 1).sum().backward();
    CHECK(counts == std::vector<int>{1, 1, 1});
    CHECK(ok == std::vector<bool>{true, true, true});
    CHECK(a.retains_grad());
    CHECK(same(a.grad(), ones({5, 5})));
  }
}

TEST_CASE("hooks on views of a leaf receive defined gradients as LibTorch HookNone") {
  Tensor x = randn({5, 5}).requires_grad_();
  Tensor rx = x.index({0}), ry = x.index({1});
  int called = 0;
  bool all_defined = true;
  auto hook = [&](const Tensor& g) {
    ++called;
    all_defined = all_defined && g.defined();
    return Tensor();
  };
  rx.register_hook(hook);
  ry.register_hook(hook);
  (rx + ry).sum().backward();
  CHECK(called == 2);
  CHECK(all_defined);
}

TEST_CASE("retain_grad keeps a non-leaf gradient and accumulates it as LibTorch RetainGrad") {
  Tensor input = rand({1, 3}, kFloat64).requires_grad_();
  Tensor h1 = input * 3;
  Tensor out = (h1 * h1).sum();
  CHECK_FALSE(h1.retains_grad());
  h1.retain_grad();
  h1.retain_grad();  // twice is fine
  CHECK(h1.retains_grad());
  out.backward(Tensor(), /*retain_graph=*/true);
  CHECK(same(h1.grad(), h1 * 2));
  out.backward(Tensor(), /*retain_graph=*/true);
  CHECK(same(h1.grad(), h1 * 4));
  input.zero_grad();
  input.retain_grad();  // a no-op for leaves
  input.retain_grad();
  CHECK_FALSE(input.retains_grad());
  out.backward();
  CHECK(same(input.grad(), input * 18));
}

TEST_CASE("a non-leaf without retain_grad has no grad after backward") {
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor y = x * 2.0;
  y.sum().backward();
  CHECK_FALSE(y.grad().defined());
}

TEST_CASE("retain_grad sees the hooks registered before it and not those after, as PyTorch 1.13") {
  // PyTorch 1.13: y.retain_grad(); y.register_hook(g * 10) -> y.grad = [1, 1], x.grad = [20, 20]
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor y = x * 2.0;
  y.retain_grad();
  y.register_hook([](const Tensor& g) { return g * 10.0; });
  y.sum().backward();
  CHECK(y.grad().tolist() == oracle::retain_then_hook_y_grad);
  CHECK(x.grad().tolist() == oracle::retain_then_hook_x_grad);

  Tensor x2 = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor y2 = x2 * 2.0;
  y2.register_hook([](const Tensor& g) { return g * 10.0; });
  y2.retain_grad();
  y2.sum().backward();
  CHECK(y2.grad().tolist() == oracle::hook_then_retain_y_grad);
}

TEST_CASE("a retained gradient is released with its tensor and the graph runs on") {
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor z;
  {
    Tensor y = x * 2.0;
    y.retain_grad();
    z = (y * y).sum();
  }  // y is gone; its retain_grad entry on the graph must not write into freed memory
  z.backward();
  CHECK(x.grad().tolist() == std::vector<double>{8.0, 16.0});
}

TEST_CASE("autograd grad runs non-leaf hooks and returns the unhooked input gradient as PyTorch") {
  // PyTorch 1.13: y.register_hook(g * 10); grad(y.sum(), [y, x]) -> ([1, 1], [20, 20]);
  // with a hook on a leaf x, grad((x * 2).sum(), [x]) -> [2, 2] and no .grad anywhere
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor y = x * 2.0;
  int y_calls = 0;
  y.register_hook([&](const Tensor& g) {
    ++y_calls;
    return g * 10.0;
  });
  TensorList gs = autograd::grad({y.sum()}, {y, x});
  CHECK(y_calls == 1);
  CHECK(gs[0].tolist() == oracle::grad_nonleaf_y);
  CHECK(gs[1].tolist() == oracle::grad_nonleaf_x);
  CHECK_FALSE(x.grad().defined());

  Tensor w = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  int w_calls = 0;
  w.register_hook([&](const Tensor& g) {
    ++w_calls;
    return g * 10.0;
  });
  TensorList gw = autograd::grad({(w * 2.0).sum()}, {w});
  CHECK(gw[0].tolist() == oracle::grad_leaf_w);
  CHECK(double(w_calls) == oracle::grad_leaf_hook_calls[0]);  // autograd::grad accumulates nothing
  CHECK_FALSE(w.grad().defined());
}

TEST_CASE("under create_graph a hook result carries graph and second order goes through it") {
  // y = x^3 with a hook g -> g * x on y: dL/dx = 3 x^2 * x = 3 x^3, whose derivative is 9 x^2.
  Tensor x = tensor({1.5, -2.0}, kFloat64).requires_grad_();
  Tensor y = x * x * x;
  y.register_hook([&x](const Tensor& g) { return g * x; });
  TensorList g1 = autograd::grad({y.sum()}, {x}, {}, false, /*create_graph=*/true);
  CHECK(allclose(g1[0], x.detach() * x.detach() * x.detach() * 3.0));
  REQUIRE(g1[0].requires_grad());
  TensorList g2 = autograd::grad({g1[0].sum()}, {x});
  CHECK(allclose(g2[0], x.detach() * x.detach() * 9.0));
}

TEST_CASE("retain_grad under create_graph keeps a gradient with history") {
  Tensor x = tensor({2.0}, kFloat64).requires_grad_();
  Tensor y = x * x;
  y.retain_grad();
  (y * y).sum().backward(Tensor(), false, /*create_graph=*/true);
  REQUIRE(y.grad().defined());
  CHECK(y.grad().requires_grad());  // 2 y, a function of x
  TensorList gg = autograd::grad({y.grad().sum()}, {x});
  CHECK(gg[0].tolist() == std::vector<double>{8.0});  // d(2 x^2)/dx = 4 x
  // A .grad() with history holds a graph that saved the tensor itself: a reference cycle (PyTorch
  // warns about it for create_graph backward). Clearing the gradients breaks it.
  x.zero_grad();
  y.zero_grad();
}

TEST_CASE("hooks on the outputs of a two-output op see their own slot") {
  Tensor x = tensor({3.0, 1.0, 2.0}, kFloat64).requires_grad_();
  auto [vals, idx] = x.sort(0);
  std::vector<double> seen;
  vals.register_hook([&](const Tensor& g) {
    seen = g.tolist();
    return g * 2.0;
  });
  (vals * tensor({1.0, 10.0, 100.0}, kFloat64)).sum().backward();
  CHECK(seen == std::vector<double>{1.0, 10.0, 100.0});
  // sorted order is x[1], x[2], x[0]
  CHECK(x.grad().tolist() == std::vector<double>{200.0, 2.0, 20.0});
}

TEST_CASE("register_hook on a tensor that does not require grad raises naming register_hook") {
  Tensor x = tensor({1.0, 2.0});
  const std::string msg =
      test::error_of<AutogradError>([&] { x.register_hook([](const Tensor& g) { return g; }); });
  CHECK_THAT(msg, Contains("register_hook") && Contains("does not require grad"));
  CHECK_THAT(test::error_of<AutogradError>([&] { x.retain_grad(); }), Contains("retain_grad"));
  CHECK_THAT(test::error_of<ValueError>([&] { Tensor().register_hook({}); }),
             Contains("register_hook"));
  Tensor leaf = tensor({1.0}).requires_grad_();
  CHECK_THAT(test::error_of<ValueError>([&] { leaf.register_hook({}); }),
             Contains("register_hook") && Contains("empty"));
}

TEST_CASE("a hook returning the wrong shape raises naming register_hook and the shapes") {
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor y = x * 2.0;
  y.register_hook([](const Tensor& g) { return g.sum(); });
  const std::string msg = test::error_of<AutogradError>([&] { y.sum().backward(); });
  CHECK_THAT(msg, Contains("register_hook") && Contains("[2]") && Contains("[]") &&
                      Contains("MulBackward"));
  CHECK_FALSE(x.grad().defined());

  Tensor w = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  w.register_hook([](const Tensor& g) { return g.to(kFloat32); });
  CHECK_THAT(test::error_of<AutogradError>([&] { (w * 2.0).sum().backward(); }),
             Contains("register_hook") && Contains("float32"));
  CHECK_FALSE(w.grad().defined());
}
