// A backward rule that owns its incoming gradient writes its elementwise result over it, and the
// engine adds a second gradient for an input into the first one's elements, when nothing else
// can see them (detail::can_write_over, autograd/function.hpp). These tests show that it happens
// and that a gradient anyone else holds (a hook's copy, retain_grad, the caller's own gradient,
// a from_blob buffer, a view, autograd::grad's result) is never written over. Expected values are
// the derivatives worked out elementwise here with std::tanh.
#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include <paragrad/engine/engine.hpp>

#include "check_values.hpp"
#include "gradient_address.hpp"

using namespace paragrad;

namespace {

const std::vector<double> kX = {-1.5, -0.4, 0.0, 0.3, 1.1};

Tensor leaf() { return tensor({-1.5, -0.4, 0.0, 0.3, 1.1}, kFloat64).requires_grad_(); }

// d/dx of sum(tanh(k x)), elementwise.
std::vector<double> dtanh(double k) {
  std::vector<double> d;
  for (double x : kX) d.push_back(k * (1 - std::tanh(k * x) * std::tanh(k * x)));
  return d;
}

}  // namespace

namespace {

// Runs backward of loss(t), t = x * 3, and returns where the gradients of t and of x lay (hooks
// that note the address and keep nothing); `x_grad` gets x's gradient.
struct Addresses {
  const void* at_t = nullptr;
  const void* at_x = nullptr;
};
Addresses gradient_addresses(Tensor (*loss)(const Tensor&), Tensor& x_grad) {
  Tensor x = leaf();
  Addresses a;
  Tensor t = x * 3.0;
  t.register_hook(address_of(a.at_t));
  x.register_hook(address_of(a.at_x));
  loss(t).backward();
  x_grad = x.grad();
  return a;
}

}  // namespace

TEST_CASE("a backward rule writes its result over a gradient it alone holds") {
  Tensor x_grad;
  const Addresses a = gradient_addresses([](const Tensor& t) { return t.tanh().sum(); }, x_grad);
  // TanhBackward wrote t's gradient over sum's (a new tensor in a plain backward); MulBackward,
  // its only holder, wrote g * 3 over it, and that is what x received.
  REQUIRE(a.at_t != nullptr);
  CHECK(a.at_x == a.at_t);
  check_values(x_grad, dtanh(3));
}

TEST_CASE("the whole sum's rule gives a gradient the next rule writes over") {
  // In a plain backward sum()'s rule makes a new tensor of g's value, not a broadcast view of g:
  // MulBackward, its only holder, writes g * 3 over it, so x receives t's very gradient. (Over a
  // view it could not: sum over named dims still broadcasts, and x then gets a new tensor.)
  Tensor x_grad;
  const Addresses whole = gradient_addresses([](const Tensor& t) { return t.sum(); }, x_grad);
  REQUIRE(whole.at_t != nullptr);
  CHECK(whole.at_x == whole.at_t);
  check_values(x_grad, std::vector<double>(kX.size(), 3.0));
  const Addresses dims = gradient_addresses([](const Tensor& t) { return t.sum({0}); }, x_grad);
  REQUIRE(dims.at_t != nullptr);
  CHECK(dims.at_x != dims.at_t);
  check_values(x_grad, std::vector<double>(kX.size(), 3.0));
}

TEST_CASE("tanh's, sigmoid's, the products' and the quotient's rules write over their gradient") {
  // y = sum(2 (w tanh(sigmoid(x))) / 4): every rule on the way back may write over its gradient,
  // so the one x receives lies where the hook on y's last factor put its fresh result.
  Tensor x = leaf();
  Tensor w = tensor({2.0, -1.0, 0.5, 3.0, 1.0}, kFloat64);
  const void* made = nullptr;
  const void* at_x = nullptr;
  Tensor v = (w * x.sigmoid().tanh()) / 4.0;
  v.register_hook([&made](const Tensor& g) {
    Tensor fresh = g * 1.0;  // (a new tensor: the hook's result replaces g)
    made = fresh.data_ptr<double>();
    return fresh;
  });
  x.register_hook(address_of(at_x));
  (v * 2.0).sum().backward();
  REQUIRE(made != nullptr);
  CHECK(at_x == made);
  const std::vector<double> wv = w.tolist();
  std::vector<double> want;
  for (size_t i = 0; i < kX.size(); ++i) {
    const double s = 1 / (1 + std::exp(-kX[i])), th = std::tanh(s);
    want.push_back(0.5 * wv[i] * (1 - th * th) * s * (1 - s));
  }
  check_values(x.grad(), want);
}

TEST_CASE("a gradient that anyone else holds is never written over") {
  Tensor x = leaf();
  Tensor t = x * 3.0;
  std::vector<double> dy_dt;  // d sum(tanh(t)) / dt
  for (double v : kX) dy_dt.push_back(1 - std::tanh(3 * v) * std::tanh(3 * v));
  std::vector<double> want_x;
  for (double d : dy_dt) want_x.push_back(3 * d);

  SECTION("a hook's copy") {
    Tensor kept;
    const void* at_x = nullptr;
    t.register_hook([&kept](const Tensor& g) {
      kept = g;
      return Tensor();
    });
    x.register_hook(address_of(at_x));
    t.tanh().sum().backward();
    check_values(kept, dy_dt);
    check_values(x.grad(), want_x);
    CHECK(at_x != kept.data_ptr<double>());
  }
  SECTION("retain_grad") {
    t.retain_grad();
    t.tanh().sum().backward();
    check_values(t.grad(), dy_dt);
    check_values(x.grad(), want_x);
  }
  SECTION("the gradient passed to backward") {
    Tensor gy = tensor({1.0, -2.0, 0.5, 4.0, -1.0}, kFloat64);
    t.backward(gy);
    check_values(gy, {1.0, -2.0, 0.5, 4.0, -1.0});
    check_values(x.grad(), {3.0, -6.0, 1.5, 12.0, -3.0});
  }
  SECTION("a hook's result over the caller's memory (from_blob)") {
    std::vector<double> buffer = {1.0, 2.0, 3.0, 4.0, 5.0};
    t.register_hook([&buffer](const Tensor&) { return from_blob(buffer.data(), {5}, kFloat64); });
    t.tanh().sum().backward();
    CHECK(buffer == std::vector<double>{1.0, 2.0, 3.0, 4.0, 5.0});
    check_values(x.grad(), {3.0, 6.0, 9.0, 12.0, 15.0});
  }
  SECTION("a hook's result that views another tensor") {
    Tensor big = arange(10.0, kFloat64);
    t.register_hook([&big](const Tensor&) { return big.narrow(0, 2, 5); });
    t.tanh().sum().backward();
    check_values(big, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    check_values(x.grad(), {6.0, 9.0, 12.0, 15.0, 18.0});
  }
  SECTION("a hook's result it also keeps") {
    Tensor mine = tensor({1.0, 1.0, 1.0, 1.0, 1.0}, kFloat64);
    t.register_hook([&mine](const Tensor&) { return mine; });
    t.tanh().sum().backward();
    check_values(mine, {1.0, 1.0, 1.0, 1.0, 1.0});
    check_values(x.grad(), {3.0, 3.0, 3.0, 3.0, 3.0});
  }
  SECTION("autograd::grad's result for an intermediate") {
    TensorList g = autograd::grad({t.tanh().sum()}, {t, x});
    check_values(g[0], dy_dt);
    check_values(g[1], want_x);
  }
  SECTION("create_graph: the rules record, nothing is written over") {
    Tensor y = t.tanh().sum();
    Tensor gx = autograd::grad({y}, {x}, {}, true, true)[0];
    check_values(gx, want_x);
    // d/dx sum(gx) = sum over i of d/dx 3 (1 - tanh²(3x)) = -18 tanh(3x) (1 - tanh²(3x))
    Tensor ggx = autograd::grad({gx.sum()}, {x})[0];
    std::vector<double> want;
    for (double v : kX) {
      const double th = std::tanh(3 * v);
      want.push_back(-18 * th * (1 - th * th));
    }
    check_values(ggx, want);
  }
}

TEST_CASE("a second gradient for an input is added into the first when the engine alone holds it") {
  Tensor x = leaf();
  SECTION("two fresh gradients") {
    Tensor t = x * 2.0;
    (t.tanh() + t.sigmoid()).sum().backward();
    std::vector<double> want;
    for (double v : kX) {
      const double th = std::tanh(2 * v), s = 1 / (1 + std::exp(-2 * v));
      want.push_back(2 * ((1 - th * th) + s * (1 - s)));
    }
    check_values(x.grad(), want);
  }
  SECTION("the sum lies where one of the two was") {
    // a and b's hooks make fresh gradients, each rule writes g * 1 over its own, and t's slot
    // adds the second into the first: t receives one of those two blocks, not a third.
    Tensor t = x * 1.0;
    Tensor a = t * 1.0, b = t * 1.0;
    const void* made_a = nullptr;
    const void* made_b = nullptr;
    const void* at_t = nullptr;
    auto fresh = [](const void*& where) {
      return [&where](const Tensor& g) {
        Tensor r = g * 1.0;
        where = r.data_ptr<double>();
        return r;
      };
    };
    a.register_hook(fresh(made_a));
    b.register_hook(fresh(made_b));
    t.register_hook(address_of(at_t));
    (a + b).sum().backward();
    REQUIRE(at_t != nullptr);
    CHECK((at_t == made_a || at_t == made_b));
    check_values(x.grad(), {2, 2, 2, 2, 2});
  }
  SECTION("the same gradient twice (t + t): not added into itself") {
    Tensor t = x * 1.0;
    (t + t).tanh().sum().backward();
    std::vector<double> want;
    for (double v : kX) want.push_back(2 * (1 - std::tanh(2 * v) * std::tanh(2 * v)));
    check_values(x.grad(), want);
  }
  SECTION("a first gradient a hook keeps") {
    // a's hook keeps the fresh gradient it returns; `t + 0.5`'s rule passes it on to t unchanged,
    // so t's first or second gradient is one the hook holds.
    Tensor t = x * 1.0;
    Tensor a = t + 0.5;
    Tensor kept;
    a.register_hook([&kept](const Tensor& g) {
      kept = g * 1.0;
      return kept;
    });
    (a + t.tanh()).sum().backward();
    check_values(kept, {1, 1, 1, 1, 1});
    std::vector<double> want;
    for (double v : kX) want.push_back(1 + (1 - std::tanh(v) * std::tanh(v)));
    check_values(x.grad(), want);
  }
}

TEST_CASE("a leaf keeps a view gradient that only it can reach, without copying it") {
  // AccumulateGrad (autograd/node.cpp) keeps such a view as a plain tensor on the same elements;
  // a view anyone else can reach, or of part of a buffer, or of the caller's memory, is copied.
  Tensor x = tensor({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, {2, 3}, kFloat64).requires_grad_();
  const void* made = nullptr;
  SECTION("a reshape of a fresh gradient: kept as it is") {
    x.register_hook([&made](const Tensor& g) {
      Tensor fresh = (g * 2.0).reshape({6});
      made = fresh.data_ptr<double>();
      return fresh.reshape({2, 3});  // a view whose base only it holds
    });
    (x * 1.0).sum().backward();
    CHECK(x.grad().data_ptr<double>() == made);
    CHECK(x.grad().is_contiguous());
    check_values(x.grad(), {2, 2, 2, 2, 2, 2});
    x.grad().mul_(3.0);  // a plain tensor: written like any .grad
    check_values(x.grad(), {6, 6, 6, 6, 6, 6});
    (x * 1.0).sum().backward();  // accumulates into it
    check_values(x.grad(), {8, 8, 8, 8, 8, 8});
  }
  SECTION("einsum's gradients arrive as views: values right, contiguous") {
    Tensor a = tensor({1.0, 2.0, 3.0, 4.0}, {1, 2, 2}, kFloat64).requires_grad_();
    Tensor b = tensor({5.0, 6.0, 7.0, 8.0}, {1, 2, 2}, kFloat64).requires_grad_();
    einsum("bij,bjk->bik", {a, b}).sum().backward();
    // d sum(AB)/dA = 1 Bᵀ (row sums of B), d/dB = Aᵀ 1 (column sums of A)
    check_values(a.grad(), {11, 15, 11, 15});
    check_values(b.grad(), {4, 4, 6, 6});
    CHECK(a.grad().is_contiguous());
    CHECK(b.grad().is_contiguous());
  }
  SECTION("a view of a tensor the caller holds: copied") {
    Tensor mine = tensor({1.0, 1.0, 1.0, 1.0, 1.0, 1.0}, kFloat64);
    x.register_hook([&mine](const Tensor&) { return mine.reshape({2, 3}); });
    (x * 1.0).sum().backward();
    CHECK(x.grad().data_ptr<double>() != mine.data_ptr<double>());
    x.grad().mul_(5.0);
    check_values(mine, {1, 1, 1, 1, 1, 1});
  }
  SECTION("a view of part of a fresh buffer: copied, the buffer not kept") {
    x.register_hook([&made](const Tensor&) {
      Tensor big = ones({4, 3}, kFloat64);
      made = big.data_ptr<double>();
      return big.narrow(0, 0, 2);  // contiguous, but half of its storage
    });
    (x * 1.0).sum().backward();
    CHECK(x.grad().data_ptr<double>() != made);
    check_values(x.grad(), {1, 1, 1, 1, 1, 1});
  }
  SECTION("a view over the caller's memory (from_blob): copied") {
    std::vector<double> buffer = {7, 7, 7, 7, 7, 7};
    x.register_hook([&buffer](const Tensor&) {
      return from_blob(buffer.data(), {6}, kFloat64).reshape({2, 3});
    });
    (x * 1.0).sum().backward();
    CHECK(x.grad().data_ptr<double>() != static_cast<const void*>(buffer.data()));
    x.grad().mul_(2.0);
    CHECK(buffer == std::vector<double>{7, 7, 7, 7, 7, 7});
  }
}
