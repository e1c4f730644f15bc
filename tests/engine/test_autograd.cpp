// The autograd engine: leaves and non-leaves, accumulation into .grad(), retain_graph,
// create_graph (Hessian-vector products), autograd::grad with grad_outputs and
// allow_unused, grad mode guards, detach, a 1,000,000-op chain, and freeing saved tensors.
#include <cmath>
#include <thread>

#include <paragrad/engine/autograd/function.hpp>

#include "engine/engine_test_util.hpp"

using namespace paragrad;
using paragrad::test::gradcheck2;
using paragrad::test::leaf;

TEST_CASE("leaves and non-leaves: only leaves get .grad(), grad_fn names the op", "[autograd]") {
  Tensor x = tensor({1.0, 2.0}).requires_grad_();
  Tensor y = x * x;
  CHECK(x.is_leaf());
  CHECK_FALSE(y.is_leaf());
  CHECK(x.grad_fn_name().empty());
  CHECK(y.grad_fn_name() == "MulBackward");
  CHECK(y.requires_grad());
  Tensor z = tensor({1.0, 2.0});
  CHECK(z.is_leaf());
  CHECK_FALSE((z * z).requires_grad());
  CHECK((z * z).is_leaf());
  y.sum().backward();
  CHECK(x.grad().tolist() == std::vector<double>{2, 4});
  CHECK_FALSE(y.grad().defined());
}

TEST_CASE("gradients accumulate into .grad() across backward calls until zero_grad", "[autograd]") {
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  (x * 3.0).sum().backward();
  (x * x).sum().backward();
  CHECK(x.grad().tolist() == std::vector<double>{5, 7});
  x.zero_grad();
  CHECK_FALSE(x.grad().defined());
  (x * 2.0).sum().backward();
  CHECK(x.grad().tolist() == std::vector<double>{2, 2});
}

TEST_CASE("a tensor used twice receives the sum of both paths", "[autograd]") {
  Tensor x = scalar(3.0, kFloat64).requires_grad_();
  Tensor y = x * x + x.exp() * x;
  y.backward();
  CHECK(x.grad().item<double>() == Approx(2 * 3.0 + std::exp(3.0) * 4.0));
}

TEST_CASE("retain_graph allows a second backward through the same graph", "[autograd]") {
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor y = (x * x).sum();
  y.backward({}, /*retain_graph=*/true);
  y.backward();
  CHECK(x.grad().tolist() == std::vector<double>{4, 8});
}

TEST_CASE("backward with an explicit gradient for a non-scalar output", "[autograd]") {
  Tensor x = tensor({1.0, 2.0, 3.0}, kFloat64).requires_grad_();
  Tensor y = x * x;
  y.backward(tensor({1.0, 0.5, 0.0}, kFloat64));
  CHECK(x.grad().tolist() == std::vector<double>{2, 2, 0});
}

TEST_CASE("a gradient of another dtype is cast to the leaf's dtype", "[autograd][dtype]") {
  Tensor x = tensor({1.0, 2.0}).requires_grad_();  // float32
  Tensor y = x.to(kFloat64) * 2.0;
  CHECK(y.dtype() == kFloat64);
  y.sum().backward();
  CHECK(x.grad().dtype() == kFloat32);
  CHECK(x.grad().tolist() == std::vector<double>{2, 2});
}

TEST_CASE("autograd::grad returns gradients without touching .grad()", "[autograd]") {
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor w = tensor({3.0, 4.0}, kFloat64).requires_grad_();
  Tensor y = (x * w).sum();
  TensorList g = autograd::grad({y}, {x, w});
  CHECK(g[0].tolist() == std::vector<double>{3, 4});
  CHECK(g[1].tolist() == std::vector<double>{1, 2});
  CHECK_FALSE(x.grad().defined());
  CHECK_FALSE(w.grad().defined());
  CHECK_FALSE(g[0].requires_grad());
}

TEST_CASE("autograd::grad with grad_outputs computes a vector-Jacobian product", "[autograd]") {
  Tensor x = tensor({1.0, 2.0, 3.0}, kFloat64).requires_grad_();
  Tensor y = x * x;  // J = diag(2x)
  TensorList g = autograd::grad({y}, {x}, {tensor({1.0, 10.0, 100.0}, kFloat64)});
  CHECK(g[0].tolist() == std::vector<double>{2, 40, 600});
}

TEST_CASE("autograd::grad for a non-leaf input and for several outputs", "[autograd]") {
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor h = x * 2.0;
  Tensor y1 = (h * h).sum(), y2 = h.sum();
  TensorList g = autograd::grad({y1, y2}, {h});
  CHECK(g[0].tolist() == std::vector<double>{5, 9});  // 2h + 1
}

TEST_CASE("autograd::grad with allow_unused returns an undefined gradient for an unused input",
          "[autograd]") {
  Tensor x = tensor({1.0}, kFloat64).requires_grad_();
  Tensor u = tensor({1.0}, kFloat64).requires_grad_();
  Tensor y = (x * 2.0).sum();
  TensorList g = autograd::grad({y}, {x, u}, {}, false, false, /*allow_unused=*/true);
  CHECK(g[0].tolist() == std::vector<double>{2});
  CHECK_FALSE(g[1].defined());
}

TEST_CASE("create_graph: the Hessian-vector product of a known function matches its closed form",
          "[autograd]") {
  // f(x) = sum(x^3) + (a . x)^2  =>  H = diag(6x) + 2 a a^T,  H v = 6 x * v + 2 a (a . v)
  Tensor x = tensor({0.5, -1.0, 2.0}, kFloat64).requires_grad_();
  Tensor a = tensor({1.0, 2.0, -1.0}, kFloat64);
  Tensor v = tensor({0.3, 0.2, -0.7}, kFloat64);
  Tensor f = x.pow(3.0).sum() + matmul(a, x).pow(2.0);
  TensorList g = autograd::grad({f}, {x}, {}, false, /*create_graph=*/true);
  CHECK(g[0].requires_grad());
  TensorList hv = autograd::grad({(g[0] * v).sum()}, {x});
  const double av = 0.3 * 1 + 0.2 * 2 + -0.7 * -1;
  std::vector<double> expect{6 * 0.5 * 0.3 + 2 * 1 * av, 6 * -1.0 * 0.2 + 2 * 2 * av,
                             6 * 2.0 * -0.7 + 2 * -1 * av};
  REQUIRE(hv[0].numel() == 3);
  for (size_t i = 0; i < 3; ++i) CHECK(hv[0].tolist()[i] == Approx(expect[i]));
}

TEST_CASE("backward with create_graph builds a differentiable .grad()", "[autograd]") {
  Tensor x = scalar(2.0, kFloat64).requires_grad_();
  (x.pow(4.0)).backward({}, false, /*create_graph=*/true);
  Tensor gx = x.grad();  // 4 x^3 = 32
  CHECK(gx.item<double>() == 32.0);
  CHECK(gx.requires_grad());
  TensorList h = autograd::grad({gx}, {x});  // 12 x^2 = 48
  CHECK(h[0].item<double>() == 48.0);
  x.zero_grad();  // break the x -> grad -> graph -> x cycle that create_graph makes
}

TEST_CASE("a gradient penalty is differentiable (third order through tanh)", "[autograd]") {
  Tensor x = leaf({3});
  auto f = [](const TensorList& in) {
    TensorList g = autograd::grad({in[0].tanh().sum()}, {in[0]}, {}, true, true);
    return g[0].pow(2.0).sum();
  };
  CHECK(gradcheck2(f, {x}));
}

TEST_CASE("NoGradGuard records no graph and EnableGradGuard re-enables it", "[autograd]") {
  Tensor x = ones({2}).requires_grad_();
  CHECK(is_grad_enabled());
  {
    NoGradGuard ng;
    CHECK_FALSE(is_grad_enabled());
    Tensor y = x * 2.0;
    CHECK_FALSE(y.requires_grad());
    CHECK(y.grad_fn_name().empty());
    {
      EnableGradGuard eg;
      CHECK(is_grad_enabled());
      CHECK((x * 2.0).requires_grad());
    }
    CHECK_FALSE(is_grad_enabled());
    {
      NoGradGuard nested;
      CHECK_FALSE(is_grad_enabled());
    }
    CHECK_FALSE(is_grad_enabled());
  }
  CHECK(is_grad_enabled());
}

TEST_CASE("grad mode is thread-local", "[autograd]") {
  NoGradGuard ng;
  bool other = false;
  std::thread t([&] { other = is_grad_enabled(); });
  t.join();
  CHECK(other);
  CHECK_FALSE(is_grad_enabled());
}

TEST_CASE("detach shares data but has no history and does not require grad", "[autograd]") {
  Tensor x = tensor({1.0, 2.0}).requires_grad_();
  Tensor y = x * 3.0;
  Tensor d = y.detach();
  CHECK_FALSE(d.requires_grad());
  CHECK(d.is_leaf());
  CHECK(d.impl()->storage.get() == y.impl()->storage.get());
  Tensor z = (d * x).sum();
  z.backward();
  CHECK(x.grad().tolist() == std::vector<double>{3, 6});  // d is a constant
  d.fill_(0.0);
  CHECK(y.tolist() == std::vector<double>{0, 0});
}

TEST_CASE("requires_grad_ toggles leaves only and floating tensors only", "[autograd]") {
  Tensor x = ones({2});
  x.requires_grad_();
  CHECK(x.requires_grad());
  x.requires_grad_(false);
  CHECK_FALSE(x.requires_grad());
  REQUIRE_THROWS_WITH(ones({2}, kInt64).requires_grad_(),
                      Catch::StartsWith("requires_grad_") && Catch::Contains("int64"));
  Tensor y = ones({2}).requires_grad_() * 2.0;
  REQUIRE_THROWS_WITH(y.requires_grad_(false), Catch::StartsWith("requires_grad_"));
}

TEST_CASE("integer results of differentiable inputs carry no gradient", "[autograd]") {
  Tensor x = tensor({1.0, 3.0, 2.0}).requires_grad_();
  auto [v, i] = x.max(0);
  CHECK(v.requires_grad());
  CHECK_FALSE(i.requires_grad());
  CHECK_FALSE((x > 1.0).requires_grad());
  CHECK_FALSE(x.argmax(0).requires_grad());
  CHECK_FALSE(x.to(kInt64).requires_grad());
}

TEST_CASE("a 1,000,000-op chain runs backward and is destroyed without stack overflow",
          "[autograd][deep]") {
  Tensor x = scalar(1.0, kFloat64).requires_grad_();
  {
    Tensor y = x;
    for (int i = 0; i < 1000000; ++i) y = y * 1.0;
    y.backward();
    CHECK(x.grad().item<double>() == 1.0);
  }
  {
    // destroyed without ever running backward
    Tensor y = x;
    for (int i = 0; i < 1000000; ++i) y = y + 1.0;
    CHECK(y.item<double>() == 1000001.0);
  }
  {
    // retain_graph keeps the saved tensors; the chain still dies iteratively
    Tensor y = x;
    for (int i = 0; i < 1000000; ++i) y = (y * 1.0).tanh();
    y.backward({}, true);
  }
}

TEST_CASE("saved tensors are freed after backward without retain_graph", "[autograd][leaks]") {
  Tensor x = ones({1000}, kFloat64).requires_grad_();
  Tensor w = full({1000}, 2.0, kFloat64);  // saved by MulBackward for x's gradient
  Tensor e = x.exp();                      // ExpBackward saves its output (a new handle)
  const auto* storage = e.impl()->storage.get();
  CHECK(w.impl()->use_count() == 1);
  CHECK(storage->use_count() == 2);
  Tensor y = (x * w).sum() + e.sum();
  CHECK(w.impl()->use_count() == 2);
  y.backward();
  CHECK(w.impl()->use_count() == 1);
  CHECK(storage->use_count() == 1);
}

TEST_CASE("a graph kept by retain_graph is freed when its output dies", "[autograd][leaks]") {
  Tensor x = ones({10}, kFloat64).requires_grad_();
  Tensor w = full({10}, 3.0, kFloat64);
  {
    Tensor y = (x * w).sum();
    y.backward({}, true);
    CHECK(w.impl()->use_count() == 2);
  }
  CHECK(w.impl()->use_count() == 1);
}

TEST_CASE("a backward through a leaf itself seeds its .grad() with ones", "[autograd]") {
  Tensor x = scalar(5.0).requires_grad_();
  x.backward();
  CHECK(x.grad().item<float>() == 1.0f);
}

TEST_CASE("gradients of a leaf used by two graphs accumulate independently", "[autograd]") {
  Tensor x = tensor({1.0}, kFloat64).requires_grad_();
  Tensor y1 = (x * 2.0).sum(), y2 = (x * 5.0).sum();
  y2.backward();
  y1.backward();
  CHECK(x.grad().item<double>() == 7.0);
}

TEST_CASE("the gradient stored in .grad() does not alias another leaf's or the seed",
          "[autograd]") {
  // Known engine bug (engine/autograd/node.cpp AccumulateGrad::apply): the incoming
  // gradient tensor is stored as .grad() without a copy, so z = x + y gives x and y the
  // same .grad() tensor, and a user-provided seed becomes .grad() itself.
  Tensor x = tensor({1.0}, kFloat64).requires_grad_();
  Tensor y = tensor({1.0}, kFloat64).requires_grad_();
  (x + y).sum().backward();
  CHECK_FALSE(x.grad().impl()->storage.get() == y.grad().impl()->storage.get());
  Tensor seed = tensor({1.0}, kFloat64);
  Tensor w = tensor({1.0}, kFloat64).requires_grad_();
  (w * 1.0).backward(seed);
  CHECK_FALSE(w.grad().impl()->storage.get() == seed.impl()->storage.get());
}

TEST_CASE("gradcheck reports the input and element that differ", "[autograd][gradcheck]") {
  Tensor x = leaf({3});
  // A wrong gradient: forward x^2, backward claims 3x.
  auto wrong = [](const TensorList& in) {
    Tensor y = in[0] * in[0].detach();  // d/dx = x, not 2x
    return y + in[0].detach() * in[0].detach() * 0.0;
  };
  REQUIRE_THROWS_WITH(autograd::gradcheck(wrong, {x}), Catch::Contains("input 0") &&
                                                           Catch::Contains("numerical") &&
                                                           Catch::Contains("analytical"));
  REQUIRE_THROWS_WITH(autograd::gradcheck([](const TensorList& in) { return in[0] * 2.0; },
                                          {ones({2}).requires_grad_()}),
                      Catch::Contains("float64"));
  CHECK(autograd::gradcheck([](const TensorList& in) { return in[0].sin(); }, {x}));
}

TEST_CASE("a broadcast gradient and a plain gradient for the same input add up correctly",
          "[autograd][broadcast]") {
  // Regression: gradients of different shapes must each be summed to the input's shape
  // before they are added (adding them broadcast counted the reduced one once per row).
  // x reaches the loss twice: once broadcast against a [3, 2] tensor (its MulBackward
  // returns a [3, 2] gradient for the engine to sum down) and once directly ([2]).
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor loss = (x * ones({3, 2}, kFloat64)).sum() + x.sum();
  loss.backward();
  CHECK(x.grad().tolist() == std::vector<double>{4, 4});
  TensorList g = autograd::grad({(x * ones({3, 2}, kFloat64)).sum() + x.sum()}, {x});
  CHECK(g[0].tolist() == std::vector<double>{4, 4});
}

TEST_CASE("autograd::grad runs only the part of the graph that leads to the inputs", "[autograd]") {
  // exp's node saves its output; a rule that ran would notice the in-place change and raise.
  Tensor x = tensor({0.5, 1.0}, kFloat64).requires_grad_();
  Tensor y = tensor({2.0, 3.0}, kFloat64).requires_grad_();
  Tensor a = x.exp();
  Tensor loss = a.sum() + (y * y).sum();
  {
    NoGradGuard ng;
    a.mul_(2.0);  // only the branch to x is stale
  }
  TensorList g = autograd::grad({loss}, {y}, {}, /*retain_graph=*/true);
  CHECK(g[0].tolist() == std::vector<double>{4, 6});
  REQUIRE_THROWS_WITH(autograd::grad({loss}, {x}), Catch::StartsWith("ExpBackward"));
}

TEST_CASE("autograd::grad does not free the part of the graph it did not need", "[autograd]") {
  Tensor x = tensor({0.5, 1.0}, kFloat64).requires_grad_();
  Tensor y = tensor({2.0, 3.0}, kFloat64).requires_grad_();
  Tensor h = x.exp();  // the lower graph, shared by both losses
  Tensor loss = (h * y).sum();
  TensorList g = autograd::grad({loss}, {y});  // without retain_graph
  CHECK(g[0].tolist() == h.detach().tolist());
  h.sum().backward();  // h's node did not run, so it was not freed
  CHECK(x.grad().tolist() == h.detach().tolist());
  // What did run was freed: a second pass through loss's own node raises.
  REQUIRE_THROWS_WITH(autograd::grad({loss}, {y}), Catch::Contains("second time"));
}

TEST_CASE("autograd::grad reads a non-leaf input's gradient without running its node",
          "[autograd]") {
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor h = x.sin();
  Tensor loss = (h * h).sum();
  TensorList g = autograd::grad({loss}, {h});
  CHECK(g[0].tolist() == (h * 2.0).detach().tolist());
  CHECK_FALSE(x.grad().defined());
  loss = (h * 3.0).sum();
  loss.backward();  // SinBackward was neither run nor freed by grad()
  CHECK(x.grad().tolist() == (x.cos() * 3.0).detach().tolist());
}

TEST_CASE("the lists rules return are recycled empty: a spare list holds no gradient",
          "[autograd]") {
  // The engine hands each rule's list back once it has moved the gradients out
  // (function.hpp: take_grad_list / recycle_grad_list); a spare must not keep a tensor alive.
  Tensor g = ones({3});
  TensorList list = autograd::take_grad_list(2);
  CHECK(list.empty());
  list.push_back(g);
  list.push_back(g);
  CHECK(g.impl()->use_count() == 3);
  autograd::recycle_grad_list(std::move(list));
  CHECK(g.impl()->use_count() == 1);
  TensorList again = autograd::take_grad_list(3);
  CHECK(again.empty());
  CHECK(again.capacity() >= 3);

  // Through a backward pass: the intermediate gradients die with it, the leaf's stays.
  Tensor x = tensor({1.0, 2.0, 3.0}).requires_grad_();
  Tensor y = ((x * 2.0 + 1.0).tanh() * x).sum();
  y.backward();
  Tensor gx = x.grad();
  CHECK(gx.impl()->use_count() == 2);  // x's .grad() and gx
  CHECK(gx.impl()->storage->use_count() == 1);
  const auto want = [](double v) {
    const double t = std::tanh(2 * v + 1);
    return t + v * 2 * (1 - t * t);
  };
  for (int i = 0; i < 3; ++i) CHECK(gx.tolist()[size_t(i)] == Approx(want(i + 1.0)));
}
