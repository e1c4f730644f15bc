// In-place ops in the graph, as PyTorch records them: an in-place op on a tensor rewrites that
// tensor's history; on a view it rewrites the history of the view's base (CopySlices) and the
// view's own grad_fn is regenerated from the base. Leaves that require grad, and views created
// under NoGradGuard, refuse in-place ops with grad mode on. Expected values: closed forms, or
// PyTorch 1.13 (tests/engine/inplace_oracle.hpp, from scripts/oracle/inplace_oracle.py).
#include "engine/engine_test_util.hpp"
#include "engine/inplace_oracle.hpp"

using namespace paragrad;
using paragrad::test::gradcheck2;
using paragrad::test::leaf;

namespace {
std::vector<double> values(const Tensor& t) { return t.tolist(); }

void check_close(const Tensor& t, const std::vector<double>& expected, double tol = 1e-12) {
  const std::vector<double> v = t.tolist();
  REQUIRE(v.size() == expected.size());
  for (size_t i = 0; i < v.size(); ++i) CHECK(v[i] == Approx(expected[i]).margin(tol));
}
}  // namespace

// ---- the scenarios

TEST_CASE("copy_ into a buffer records CopyBackwards and the buffer requires grad",
          "[inplace][autograd]") {
  Tensor x = tensor({1.0, 2.0, 3.0}).requires_grad_();
  Tensor buf = zeros({3});
  buf.copy_(x);
  CHECK(buf.requires_grad());
  CHECK(buf.grad_fn_name() == "CopyBackwards");
  CHECK_FALSE(buf.is_leaf());
  ((buf * 2.0).sum() + x.sum()).backward();
  CHECK(values(x.grad()) == std::vector<double>{3, 3, 3});
}

TEST_CASE("add_ mul_ div_ and clamp_ on a non-leaf are differentiated", "[inplace][autograd]") {
  Tensor x = tensor({-1.0, 0.5, 2.0}, kFloat64).requires_grad_();
  Tensor w = tensor({3.0, -2.0, 0.5}, kFloat64).requires_grad_();
  Tensor y = x * 1.0;
  y.add_(w, 2.0);  // y = x + 2w
  y.mul_(w);       // y = (x + 2w) w
  y.div_(4.0);     // y = (x + 2w) w / 4
  y.mul_(3.0);     // y = 3 (x + 2w) w / 4
  y.clamp_(-1.0, 10.0);
  CHECK(y.grad_fn_name() == "ClampBackward");
  y.sum().backward();
  // y before clamp: [3(-1+6)3/4, 3(0.5-4)(-2)/4, 3(2+1)0.5/4] = [11.25, 5.25, 1.125]: the first
  // is clamped to 10 (gradient 0), the others pass through.
  CHECK(values(y.detach()) == std::vector<double>{10.0, 5.25, 1.125});
  // d/dx = 3w/4, d/dw = 3(x + 4w)/4 where not clamped
  check_close(x.grad(), {0.0, 3 * -2.0 / 4, 3 * 0.5 / 4});
  check_close(w.grad(), {0.0, 3 * (0.5 - 8.0) / 4, 3 * (2.0 + 2.0) / 4});
}

TEST_CASE("fill_ and zero_ cut the gradient of what they overwrite", "[inplace][autograd]") {
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor y = x * 3.0;
  y.fill_(5.0);
  CHECK(y.requires_grad());
  CHECK(y.grad_fn_name() == "FillBackward");
  (y * x).sum().backward();  // d/dx (5 x) = 5: nothing flows through the filled y
  CHECK(values(x.grad()) == std::vector<double>{5, 5});
  x.zero_grad();
  Tensor z = x * 3.0;
  z.zero_();
  CHECK(z.grad_fn_name() == "ZeroBackward");
  (z + x).sum().backward();
  CHECK(values(x.grad()) == std::vector<double>{1, 1});
}

TEST_CASE("an in-place op on a view rewrites its base's history (CopySlices)",
          "[inplace][views][autograd]") {
  Tensor x = tensor({1.0, 2.0, 3.0, 4.0}, kFloat64).requires_grad_();
  Tensor w = tensor({10.0, 20.0}, kFloat64).requires_grad_();
  Tensor y = x.clone();
  Tensor v = y.narrow(0, 1, 2);
  v.mul_(w);
  CHECK(y.grad_fn_name() == "CopySlices");
  CHECK(v.grad_fn_name() == "AsStridedBackward");
  CHECK(values(y.detach()) == std::vector<double>{1, 20, 60, 4});
  (y * y).sum().backward();
  // y = [x0, x1 w0, x2 w1, x3]
  CHECK(values(x.grad()) == std::vector<double>{2, 2 * 20 * 10, 2 * 60 * 20, 8});
  CHECK(values(w.grad()) == std::vector<double>{2 * 20 * 2, 2 * 60 * 3});
}

TEST_CASE("a view of a view has the root tensor as its base", "[views][autograd]") {
  Tensor y = zeros({4, 5});
  Tensor v = y.narrow(0, 1, 2).t().select(0, 3);
  REQUIRE(v.impl()->view_base);
  CHECK(v.impl()->view_base.get() == y.impl());
  CHECK_FALSE(y.impl()->view_base);
  CHECK(y.t().impl()->view_base.get() == y.impl());
}

TEST_CASE("an in-place op through a view of a view reaches the root base",
          "[inplace][views][autograd]") {
  Tensor x = arange(0, 12, 1, kFloat64).reshape({3, 4}).requires_grad_();
  Tensor s = tensor({2.0, 3.0}, kFloat64).requires_grad_();
  Tensor y = x * 1.0;
  y.narrow(0, 1, 2).t().select(0, 2).mul_(s);  // y[1, 2] *= 2, y[2, 2] *= 3
  y.sum().backward();
  CHECK(values(x.grad()) == std::vector<double>{1, 1, 1, 1, 1, 1, 2, 1, 1, 1, 3, 1});
  CHECK(values(s.grad()) == std::vector<double>{6, 10});
}

TEST_CASE("a view taken before an in-place op on its base follows the new history",
          "[inplace][views][autograd]") {
  Tensor x = tensor({1.0, 2.0, 3.0}, kFloat64).requires_grad_();
  Tensor y = x * 1.0;
  Tensor v = y.narrow(0, 0, 2);
  CHECK(v.grad_fn_name() == "SliceBackward");
  y.mul_(4.0);
  CHECK(v.grad_fn_name() == "AsStridedBackward");
  CHECK(values(v.detach()) == std::vector<double>{4, 8});
  v.sum().backward();
  CHECK(values(x.grad()) == std::vector<double>{4, 4, 0});
}

TEST_CASE("a view of a buffer requires grad once another view wrote a tensor that does",
          "[inplace][views][autograd]") {
  Tensor buf = zeros({4}, kFloat64);
  Tensor a = buf.narrow(0, 0, 2), b = buf.narrow(0, 2, 2);
  CHECK_FALSE(b.requires_grad());
  Tensor x = tensor({5.0, 6.0}, kFloat64).requires_grad_();
  b.copy_(x * 2.0);
  CHECK(buf.requires_grad());
  CHECK(b.requires_grad());
  CHECK(a.requires_grad());  // its base now requires grad, as in PyTorch
  (a.sum() + (b * b).sum()).backward();
  CHECK(values(x.grad()) == std::vector<double>{40, 48});
}

// ---- gradcheck, first and second order, through in-place ops on views

TEST_CASE("gradcheck: mul_ on a narrowed view of a clone", "[inplace][views][gradcheck]") {
  Tensor x = leaf({5}, 1), w = leaf({2}, 2);
  CHECK(gradcheck2(
      [](const TensorList& in) {
        Tensor y = in[0].clone();
        y.narrow(0, 1, 2).mul_(in[1]);
        return (y * y).sum() + (y * in[0]).sum();
      },
      {x, w}));
}

TEST_CASE("gradcheck: add_ copy_ and div_ through transposed, selected and diagonal views",
          "[inplace][views][gradcheck]") {
  Tensor x = leaf({3, 3}, 3), a = leaf({3}, 4), b = leaf({3}, 5);
  CHECK(gradcheck2(
      [](const TensorList& in) {
        Tensor y = in[0] * 1.0;
        y.t().select(0, 1).add_(in[1], 0.5);  // column 1
        y.diagonal().mul_(in[2]);
        y.select(0, 2).div_(3.0);
        Tensor z = zeros({2, 3}, kFloat64);
        z.select(0, 1).copy_(y.select(1, 0));
        return (y.tanh() * y).sum() + (z * z.sin()).sum();
      },
      {x, a, b}));
}

TEST_CASE("gradcheck: clamp_ fill_ and zero_ on views", "[inplace][views][gradcheck]") {
  Tensor x = leaf({4, 2}, 6);
  CHECK(gradcheck2(
      [](const TensorList& in) {
        Tensor y = in[0].sin() * 2.0;  // (exp would save its output, which clamp_ changes)
        y.narrow(0, 0, 2).clamp_(0.5, 1.5);
        y.select(0, 2).fill_(0.25);
        y.select(1, 1).narrow(0, 3, 1).zero_();
        return (y * y * in[0]).sum();
      },
      {x}));
}

TEST_CASE("gradcheck: in-place on a base whose views are used afterwards",
          "[inplace][views][gradcheck]") {
  Tensor x = leaf({6}, 7), w = leaf({6}, 8);
  CHECK(gradcheck2(
      [](const TensorList& in) {
        Tensor y = in[0].sin();
        Tensor v = y.view({2, 3}).select(1, 2);
        y.mul_(in[1]);
        Tensor u = y.narrow(0, 1, 3);
        u.add_(v.sum() * in[1].narrow(0, 0, 3));
        return (v * v).sum() + (u * y.narrow(0, 0, 3)).sum();
      },
      {x, w}));
}

// On a tensor that is not a view the in-place op's own node is the new grad_fn (on a view it is
// wrapped in CopySlices, whose graph does not show it), so CopyBackwards, FillBackward and
// ZeroBackward are checked on whole tensors.
TEST_CASE("gradcheck: copy_ fill_ and zero_ on non-views", "[inplace][gradcheck]") {
  Tensor x = leaf({4}, 9), w = leaf({4}, 10);
  CHECK(gradcheck2(
      [](const TensorList& in) {
        Tensor y = in[0] * 1.0;
        y.copy_(in[1].sin());  // y's old history gets no gradient, the source all of it
        return (y * y * in[0]).sum();
      },
      {x, w}));
  CHECK(gradcheck2(
      [](const TensorList& in) {
        Tensor y = in[0] * 3.0;
        Tensor z = in[0] * 2.0;
        y.fill_(0.5);
        z.zero_();
        return (y * in[0] * in[0]).sum() + (z + in[0]).square().sum();
      },
      {x}));
}

// CopySlices' backward reads the view's window out of the gradient (window_of) and scatters the
// op's gradient back into it (scatter_window); with create_graph those record WindowBackward and
// ScatterWindowBackward, so a gradient taken through CopySlices is itself checked here.
TEST_CASE("gradcheck: a gradient taken through CopySlices", "[inplace][views][gradcheck]") {
  Tensor x = leaf({5}, 11), w = leaf({2}, 12), g = leaf({5}, 13);
  CHECK(gradcheck2(
      [](const TensorList& in) {
        Tensor y = in[0].sin();
        y.narrow(0, 1, 2).mul_(in[1]);
        TensorList gs = autograd::grad({y}, {in[0], in[1]}, {in[2]}, /*retain_graph=*/true,
                                       /*create_graph=*/true);
        return (gs[0] * gs[0]).sum() + (gs[1] * in[1]).sum();
      },
      {x, w, g}));
}

// ---- PyTorch 1.13 golden values

TEST_CASE("in-place programs on views give PyTorch's values and gradients",
          "[inplace][views][oracle]") {
  using namespace inplace_oracle;
  const Tensor x0 = tensor(p_x, {6}, kFloat64);
  const Tensor w0 = tensor(p_w, {2}, kFloat64);
  const Tensor c = tensor(p_c, {6}, kFloat64);
  SECTION("narrow().mul_ then a weighted square") {
    Tensor x = x0.clone().requires_grad_(), w = w0.clone().requires_grad_();
    Tensor y = x.clone();
    y.narrow(0, 1, 2).mul_(w);
    Tensor loss = (y * y * c).sum();
    check_close(loss, p1_loss);
    TensorList g = autograd::grad({loss}, {x, w}, {}, false, /*create_graph=*/true);
    check_close(g[0], p1_gx);
    check_close(g[1], p1_gw);
    // second order: the gradient of g . (vx, vw)
    Tensor vx = tensor(p_vx, {6}, kFloat64), vw = tensor(p_vw, {2}, kFloat64);
    TensorList h = autograd::grad({(g[0] * vx).sum() + (g[1] * vw).sum()}, {x, w});
    check_close(h[0], p1_hx);
    check_close(h[1], p1_hw);
  }
  SECTION("views of a 2-d buffer written by copy_, add_ and clamp_") {
    Tensor x = x0.clone().requires_grad_(), w = w0.clone().requires_grad_();
    Tensor buf = zeros({2, 3}, kFloat64);
    buf.select(0, 0).copy_(x.narrow(0, 0, 3));
    buf.t().select(0, 2).add_(w, 2.0);
    buf.narrow(1, 0, 2).clamp_(-0.5, 0.75);
    Tensor loss = (buf * buf.exp()).sum();
    check_close(buf, p2_buf);
    TensorList g = autograd::grad({loss}, {x, w}, {}, false, /*create_graph=*/true);
    check_close(g[0], p2_gx);
    check_close(g[1], p2_gw);
    Tensor vx = tensor(p_vx, {6}, kFloat64), vw = tensor(p_vw, {2}, kFloat64);
    TensorList h = autograd::grad({(g[0] * vx).sum() + (g[1] * vw).sum()}, {x, w});
    check_close(h[0], p2_hx);
    check_close(h[1], p2_hw);
  }
  SECTION("a view taken before the base's in-place op, and fill_ on a view") {
    Tensor x = x0.clone().requires_grad_(), w = w0.clone().requires_grad_();
    Tensor y = x.sin();
    Tensor v = y.view({3, 2}).select(1, 0);  // elements 0, 2, 4
    y.mul_(c);
    y.view({2, 3}).select(0, 1).narrow(0, 1, 2).fill_(0.5);  // elements 4, 5
    Tensor loss = (v * v).sum() * w.select(0, 0) + (y * y.cos()).sum() * w.select(0, 1);
    check_close(v, p3_v);
    TensorList g = autograd::grad({loss}, {x, w}, {}, false, /*create_graph=*/true);
    check_close(g[0], p3_gx);
    check_close(g[1], p3_gw);
    Tensor vx = tensor(p_vx, {6}, kFloat64), vw = tensor(p_vw, {2}, kFloat64);
    TensorList h = autograd::grad({(g[0] * vx).sum() + (g[1] * vw).sum()}, {x, w});
    check_close(h[0], p3_hx);
    check_close(h[1], p3_hw);
  }
}

// ---- what is refused, as in PyTorch (and nothing is written when it is)

TEST_CASE("in-place on a leaf that requires grad, or on a view of one, raises with grad mode on",
          "[inplace][autograd][errors]") {
  Tensor x = tensor({1.0, 2.0, 3.0}).requires_grad_();
  REQUIRE_THROWS_AS(x.mul_(2.0), AutogradError);
  REQUIRE_THROWS_WITH(x.add_(ones({3})), Catch::StartsWith("add_") && Catch::Contains("leaf") &&
                                             Catch::Contains("requires grad"));
  REQUIRE_THROWS_WITH(x.narrow(0, 1, 2).mul_(2.0),
                      Catch::StartsWith("mul_") && Catch::Contains("view of a leaf"));
  REQUIRE_THROWS_WITH(x.t().copy_(ones({3})), Catch::StartsWith("copy_"));
  CHECK(values(x) == std::vector<double>{1, 2, 3});
  CHECK(x.version() == 0);
}

TEST_CASE("a view taken under NoGradGuard of a tensor that requires grad requires grad",
          "[views][autograd]") {
  Tensor x = tensor({1.0, 2.0}).requires_grad_();
  Tensor v;
  {
    NoGradGuard ng;
    v = x.narrow(0, 0, 1);
  }
  CHECK(v.requires_grad());
  CHECK(v.is_leaf());
  CHECK(v.grad_fn_name().empty());
}

TEST_CASE("in-place on a view made under NoGradGuard raises outside it and leaves the data",
          "[inplace][views][autograd][errors]") {
  // The program: y = x^2, then y *= 2 through a no-grad view. Accepting it gave x.grad
  // 4 where d(2x^2)/dx = 8.
  Tensor x = scalar(2.0, kFloat64).requires_grad_();
  Tensor y = x * x;
  Tensor v;
  {
    NoGradGuard ng;
    v = y.view({1});
  }
  REQUIRE_THROWS_WITH(v.mul_(2.0), Catch::StartsWith("mul_") && Catch::Contains("NoGradGuard") &&
                                       Catch::Contains("in place"));
  CHECK(y.item<double>() == 4.0);
  {
    NoGradGuard ng;  // inside the guard it is allowed, and not recorded
    v.mul_(2.0);
  }
  CHECK(y.item<double>() == 8.0);
  // The same rule holds when only the source requires grad (PyTorch: no_grad view of a buffer).
  Tensor buf = zeros({3});
  Tensor w;
  {
    NoGradGuard ng;
    w = buf.narrow(0, 0, 2);
  }
  REQUIRE_THROWS_WITH(w.copy_(ones({2}).requires_grad_()), Catch::StartsWith("copy_"));
  CHECK(values(buf) == std::vector<double>{0, 0, 0});
  w.copy_(ones({2}));  // nothing requires grad: nothing to record, allowed
  CHECK(values(buf) == std::vector<double>{1, 1, 0});
}

TEST_CASE("a NoGradGuard view whose base was modified in place with grad mode raises when used",
          "[inplace][views][autograd][errors]") {
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor y = x * 1.0;
  Tensor v;
  {
    NoGradGuard ng;
    v = y.narrow(0, 0, 1);
  }
  y.mul_(3.0);  // recorded: y's history changes under v
  REQUIRE_THROWS_WITH(v * 2.0, Catch::Contains("NoGradGuard") && Catch::Contains("base"));
  {
    NoGradGuard ng;
    CHECK((v * 2.0).item<double>() == 6.0);  // data access is fine
  }
}

TEST_CASE("a NoGradGuard view stays usable after a no-grad write to its base",
          "[inplace][views][autograd]") {
  // PyTorch raises here too (its check cannot tell a no-grad write from a recorded one); a
  // write under NoGradGuard does not change the base's history, so the view is still exact.
  Tensor w = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor v;
  {
    NoGradGuard ng;
    v = w.narrow(0, 1, 1);
    w.add_(ones({2}, kFloat64));  // an optimizer step
  }
  Tensor x = scalar(3.0, kFloat64).requires_grad_();
  (v * x).sum().backward();
  CHECK(x.grad().item<double>() == 3.0);
  CHECK_FALSE(w.grad().defined());  // no gradient flows through a view made without grad
}

TEST_CASE("in-place through an expanded view is refused, fill_ excepted",
          "[inplace][views][errors]") {
  Tensor x = zeros({1, 3});
  Tensor e = x.expand({4, 3});
  REQUIRE_THROWS_WITH(e.add_(ones({4, 3})),
                      Catch::StartsWith("add_") && Catch::Contains("single memory location"));
  REQUIRE_THROWS_WITH(e.copy_(ones({4, 3})), Catch::StartsWith("copy_"));
  CHECK(values(x) == std::vector<double>{0, 0, 0});
  e.fill_(2.0);  // every write stores the same value: allowed, as in PyTorch
  CHECK(values(x) == std::vector<double>{2, 2, 2});
}

// ---- version counters

TEST_CASE("a recorded in-place op on a saved input raises at backward naming the op",
          "[inplace][autograd][errors]") {
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor y = x * 1.0;
  Tensor z = y.sin();  // SinBackward saves y
  y.add_(ones({2}, kFloat64));
  REQUIRE_THROWS_WITH(z.sum().backward(), Catch::StartsWith("SinBackward") &&
                                              Catch::Contains("modified by an in-place"));
  Tensor y2 = x * 1.0;
  Tensor z2 = y2.sin();
  y2.narrow(0, 0, 1).mul_(2.0);  // through a view
  REQUIRE_THROWS_WITH(z2.sum().backward(), Catch::StartsWith("SinBackward"));
}

TEST_CASE("tanh and sigmoid read their saved output in place and still check its version",
          "[inplace][autograd][errors]") {
  // Their rules read the output's elements where they lie (SavedTensor::plain_elements, no
  // header made): the version check must hold there too.
  for (const bool sigmoid : {false, true}) {
    Tensor x = tensor({0.5, -1.0, 2.0}, kFloat64).requires_grad_();
    Tensor y = sigmoid ? x.sigmoid() : x.tanh();
    y.mul_(2.0);
    REQUIRE_THROWS_WITH(y.sum().backward(),
                        Catch::StartsWith(sigmoid ? "SigmoidBackward" : "TanhBackward") &&
                            Catch::Contains("modified by an in-place"));
    // Unmodified, the same chain gives tanh' = 1 - y², sigmoid' = y (1 - y).
    Tensor y2 = sigmoid ? x.sigmoid() : x.tanh();
    (y2 * 2.0).sum().backward();
    const std::vector<double> yv = y2.tolist(), gv = x.grad().tolist();
    for (size_t i = 0; i < yv.size(); ++i)
      CHECK(gv[i] == Approx(2 * (sigmoid ? yv[i] * (1 - yv[i]) : 1 - yv[i] * yv[i])));
  }
}

TEST_CASE("an output saved for backward and overwritten by zero_ fill_ or copy_ raises at backward",
          "[inplace][autograd][errors]") {
  // PyTorch's rules for fill_/zero_/copy_ give self a zero gradient (zeros_like(grad)), so the
  // node that saved the overwritten value still runs and its version check raises (found by
  // the differential test, tests/differential/golden/inplace_grad.txt).
  Tensor x = tensor({0.5, -1.0, 2.0}, kFloat64).requires_grad_();
  Tensor y = x.exp();  // ExpBackward saves its output y
  y.zero_();
  REQUIRE_THROWS_WITH(y.sum().backward(), Catch::StartsWith("ExpBackward") &&
                                              Catch::Contains("modified by an in-place"));
  Tensor y2 = x.exp();
  y2.fill_(1.0);
  REQUIRE_THROWS_WITH(y2.sum().backward(), Catch::StartsWith("ExpBackward"));
  Tensor y3 = x.exp();  // a whole-tensor view overwritten from a buffer without grad
  y3.narrow(0, 0, 3).copy_(ones({3}, kFloat64));
  REQUIRE_THROWS_WITH(y3.sum().backward(), Catch::StartsWith("ExpBackward"));
  Tensor y4 = x.exp();
  y4.narrow(0, 1, 2).copy_(ones({2}, kFloat64));  // a window: the rest of y4 still flows
  REQUIRE_THROWS_WITH(y4.narrow(0, 1, 2).sum().backward(), Catch::StartsWith("ExpBackward"));
  // a node that saved nothing is not affected: the overwritten part gets a zero gradient
  Tensor y5 = x * 3.0;
  y5.narrow(0, 0, 2).copy_(ones({2}, kFloat64));
  y5.sum().backward();
  CHECK(values(x.grad()) == std::vector<double>{0, 0, 3});
}

TEST_CASE("mul_ of a tensor by itself raises at backward, as in PyTorch",
          "[inplace][autograd][errors]") {
  Tensor x = tensor({1.0, 2.0, 3.0}, kFloat64).requires_grad_();
  Tensor a = x * 1.0;
  a.mul_(a);  // the saved operand is a itself, which the op then modifies
  REQUIRE_THROWS_WITH(a.sum().backward(),
                      Catch::StartsWith("MulBackward") && Catch::Contains("in-place"));
}

TEST_CASE("an operand saved by an in-place op on a view is checked too",
          "[inplace][views][autograd][errors]") {
  Tensor x = tensor({1.0, 2.0, 3.0}, kFloat64).requires_grad_();
  Tensor w = tensor({2.0, 2.0}, kFloat64).requires_grad_();
  Tensor s = w * 1.0;
  Tensor y = x * 1.0;
  y.narrow(0, 0, 2).mul_(s);  // saves s for x's gradient
  s.add_(ones({2}, kFloat64));
  REQUIRE_THROWS_WITH(y.sum().backward(), Catch::StartsWith("MulBackward"));
}

TEST_CASE("Tensor::set_ keeps the version counter continuous", "[inplace][autograd][errors]") {
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor p = tensor({3.0, 4.0}, kFloat64);
  {
    NoGradGuard ng;
    p.fill_(5.0);  // p at version 1: a fresh storage starts at 0, and once bumped would match
  }
  Tensor y = (x * p).sum();  // MulBackward saves p
  const uint32_t saved = p.version();
  {
    NoGradGuard ng;
    p.set_(tensor({7.0, 8.0, 9.0}, kFloat64));
  }
  CHECK(p.sizes() == Dims{3});
  CHECK(p.version() > saved);
  REQUIRE_THROWS_WITH(y.backward(),
                      Catch::StartsWith("MulBackward") && Catch::Contains("in-place"));
}

TEST_CASE("Tensor::set_ shares the source's storage and layout", "[inplace]") {
  Tensor src = arange(0, 6, 1, kFloat64).reshape({2, 3}).t();
  Tensor dst = zeros({4}, kFloat64);
  Tensor old_view = dst.narrow(0, 0, 2);
  const uint32_t old_version = dst.version();
  dst.set_(src);
  CHECK(dst.impl()->storage.get() == src.impl()->storage.get());
  CHECK(dst.sizes() == src.sizes());
  CHECK(dst.strides() == src.strides());
  CHECK(equal(dst, src));
  CHECK(old_view.version() > old_version);  // the old storage's savers see a change too
  dst.select(0, 0).fill_(-1.0);
  CHECK(src.tolist()[0] == -1.0);
  REQUIRE_THROWS_AS(dst.set_(zeros({2}, kFloat32)), DtypeError);
  Tensor r = ones({2}, kFloat64).requires_grad_();
  REQUIRE_THROWS_WITH(dst.set_(r), Catch::StartsWith("set_") && Catch::Contains("NoGradGuard"));
}

TEST_CASE("autograd::increment_version marks a tensor written outside the ops",
          "[inplace][autograd][errors]") {
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor p = tensor({3.0, 4.0}, kFloat64);
  Tensor y = (x * p).sum();
  p.data_ptr<double>()[0] = 10.0;  // a raw write, then the bump every such write owes
  autograd::increment_version(p);
  REQUIRE_THROWS_WITH(y.backward(), Catch::StartsWith("MulBackward"));
}
