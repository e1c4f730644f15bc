// Reductions: sum/mean over all or some dims (keepdim), prod, max/min (all and along a
// dim), argmax/argmin, amax, logsumexp, norm, var, softmax and log_softmax.
#include <cmath>

#include "engine/engine_test_util.hpp"

using namespace paragrad;
using paragrad::test::gradcheck2;
using paragrad::test::leaf;
using paragrad::test::positive_leaf;

TEST_CASE("sum and mean over all elements and over dims pass gradcheck", "[reduce]") {
  Tensor x = leaf({2, 3, 4});
  CHECK(gradcheck2([](const TensorList& in) { return in[0].sum(); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].mean(); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].sum({1}); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].sum({0, 2}, true); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].sum({-1}); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].mean({0, -1}); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].mean({1}, true); }, {x}));
  // non-contiguous input
  CHECK(gradcheck2([](const TensorList& in) { return in[0].transpose(0, 2).sum({0}); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return (in[0] * in[0]).sum({1}).sum(); }, {x}));
  // the whole sum of a non-contiguous input (the general path, not sum()'s small-tensor one)
  CHECK(gradcheck2([](const TensorList& in) { return in[0].transpose(0, 2).sum(); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].transpose(0, 2).mean(); }, {x}));
}

TEST_CASE("the whole sum of a small float tensor matches the general path bit for bit",
          "[reduce]") {
  // sum() folds a contiguous float tensor of up to one chunk straight into a 0-dim result; the
  // general path (sum over every dim named) must give the very same bits, in the same order.
  for (Dtype dtype : {kFloat32, kFloat64}) {
    INFO(dtype_name(dtype));
    for (int64_t n : {0, 1, 4, 37, 1000}) {
      INFO(n);
      Tensor x = randn({n}, dtype) * 1000.0 + 0.001;
      Tensor fast = x.sum();
      Tensor general = x.sum({0});
      CHECK(fast.dim() == 0);
      CHECK(fast.dtype() == dtype);
      CHECK_FALSE(fast.impl()->view_base);  // a tensor of its own, not a view of a [1] result
      CHECK(fast.item<double>() == general.item<double>());
      if (n > 0)
        CHECK(x.mean().item<double>() == x.mean({0}).item<double>());
      else
        CHECK(std::isnan(x.mean().item<double>()));  // (0 / 0, as the general path)
    }
  }
  // A transposed (non-contiguous) tensor takes the general path: the same value, in its order.
  Tensor m = arange(0.0, 12.0, 1.0, kFloat64).reshape({3, 4});
  CHECK(m.t().sum().item<double>() == 66.0);
  CHECK(m.t().sum().dim() == 0);
}

TEST_CASE(
    "the whole sum's gradient is a new tensor in a plain backward, differentiable again with "
    "create_graph",
    "[reduce]") {
  Tensor x = leaf({2, 3});
  (x * 2.0).sum().backward();
  // MulBackward wrote 2 over sum's gradient of ones: what x received is that tensor, contiguous.
  CHECK(x.grad().is_contiguous());
  CHECK(x.grad().tolist() == std::vector<double>(6, 2.0));
  // With create_graph the rule is recorded (a broadcast of g) and can be differentiated again.
  Tensor y = leaf({2, 3});
  Tensor g = autograd::grad({(y * y).sum()}, {y}, {}, true, true)[0];
  CHECK(g.requires_grad());
  Tensor gg = autograd::grad({g.sum()}, {y})[0];
  CHECK(gg.tolist() == std::vector<double>(6, 2.0));
}

TEST_CASE("sum and mean give the right shapes and values with keepdim", "[reduce]") {
  Tensor x = arange(0.0, 24.0).reshape({2, 3, 4});
  CHECK(x.sum().item<float>() == 276.0f);
  CHECK(x.sum({1}).shape() == Shape{2, 4});
  CHECK(x.sum({1}, true).shape() == Shape{2, 1, 4});
  CHECK(x.sum({0, 2}).tolist() == std::vector<double>{60, 92, 124});
  CHECK(x.mean({2}).tolist() == std::vector<double>{1.5, 5.5, 9.5, 13.5, 17.5, 21.5});
  CHECK(x.transpose(0, 2).sum({2}).tolist() == x.sum({0}).t().contiguous().tolist());
}

TEST_CASE("sum of integer and bool tensors gives int64", "[reduce][dtype]") {
  CHECK(arange(0, 5, 1, kInt64).sum().dtype() == kInt64);
  CHECK(arange(0, 5, 1, kInt64).sum().item<int64_t>() == 10);
  Tensor b = tensor({1, 0, 1}, kBool);
  CHECK(b.sum().dtype() == kInt64);
  CHECK(b.sum().item<int64_t>() == 2);
}

TEST_CASE("reductions of zero-size tensors give the identity", "[reduce][edge]") {
  Tensor e = zeros({0, 3});
  CHECK(e.sum().item<float>() == 0.0f);
  CHECK(e.sum({0}).tolist() == std::vector<double>{0, 0, 0});
  CHECK(e.prod().item<float>() == 1.0f);
  CHECK(std::isnan(e.mean().item<float>()));
  REQUIRE_THROWS_WITH(e.max(), Catch::Contains("amax") || Catch::Contains("max"));
}

TEST_CASE("reductions of 0-d tensors return 0-d tensors", "[reduce][edge]") {
  Tensor s = scalar(3.0, kFloat64);
  CHECK(s.sum().dim() == 0);
  CHECK(s.sum({0}).dim() == 0);
  CHECK(s.mean().item<double>() == 3.0);
  CHECK(s.max().item<double>() == 3.0);
  auto [v, i] = s.max(0);
  CHECK(v.item<double>() == 3.0);
  CHECK(i.item<int64_t>() == 0);
  Tensor x = leaf({});
  CHECK(gradcheck2([](const TensorList& in) { return in[0].sum() * in[0].mean(); }, {x}));
}

TEST_CASE("prod passes gradcheck, including with a zero element", "[reduce]") {
  Tensor x = leaf({2, 3});
  CHECK(gradcheck2([](const TensorList& in) { return in[0].prod(); }, {x}));
  Tensor z = tensor({2.0, 0.0, 3.0}, kFloat64).requires_grad_();
  z.prod().backward();
  CHECK(z.grad().tolist() == std::vector<double>{0, 6, 0});
}

TEST_CASE("max and min of all elements pass gradcheck and split ties", "[reduce]") {
  Tensor x = leaf({3, 4});
  CHECK(gradcheck2([](const TensorList& in) { return in[0].max(); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].min(); }, {x}));
  Tensor t = tensor({1.0, 3.0, 3.0}, kFloat64).requires_grad_();
  t.max().backward();
  CHECK(t.grad().tolist() == std::vector<double>{0, 0.5, 0.5});
}

TEST_CASE("max, min, argmax and argmin along a dim return values and indices", "[reduce]") {
  Tensor x = tensor({{1, 5, 3}, {7, 2, 9}});
  auto [mv, mi] = x.max(1);
  CHECK(mv.tolist() == std::vector<double>{5, 9});
  CHECK(mi.tolist() == std::vector<double>{1, 2});
  CHECK(mi.dtype() == kInt64);
  auto [nv, ni] = x.min(0, true);
  CHECK(nv.shape() == Shape{1, 3});
  CHECK(nv.tolist() == std::vector<double>{1, 2, 3});
  CHECK(ni.tolist() == std::vector<double>{0, 1, 0});
  CHECK(x.argmax(1).tolist() == std::vector<double>{1, 2});
  CHECK(x.argmin(-1).tolist() == std::vector<double>{0, 1});
  CHECK(x.argmax(0, true).shape() == Shape{1, 3});
  CHECK(x.t().argmax(0).tolist() == std::vector<double>{1, 2});
}

TEST_CASE("max and min along a dim pass gradcheck with and without keepdim", "[reduce]") {
  Tensor x = leaf({3, 4, 2});
  CHECK(gradcheck2([](const TensorList& in) { return std::get<0>(in[0].max(1)); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return std::get<0>(in[0].max(-1, true)); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return std::get<0>(in[0].min(0)); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return std::get<0>(in[0].transpose(0, 2).min(2)); },
                   {x}));
}

TEST_CASE("amax and logsumexp pass gradcheck", "[reduce]") {
  Tensor x = leaf({3, 4});
  CHECK(gradcheck2([](const TensorList& in) { return in[0].amax({1}); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].amax({0}, true); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].logsumexp({1}); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].logsumexp({0, 1}); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].t().logsumexp({0}, true); }, {x}));
}

TEST_CASE("logsumexp is stable for large and for all -inf inputs", "[reduce]") {
  Tensor x = tensor({1000.0, 1000.0}, kFloat64);
  CHECK(x.logsumexp({0}).item<double>() == Approx(1000.0 + std::log(2.0)));
  Tensor m = full({3}, -INFINITY, kFloat64);
  CHECK(m.logsumexp({0}).item<double>() == -INFINITY);
}

TEST_CASE("softmax and log_softmax pass gradcheck along each dim", "[reduce]") {
  Tensor x = leaf({3, 4});
  CHECK(gradcheck2([](const TensorList& in) { return in[0].softmax(1); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].softmax(0); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].log_softmax(-1); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].t().log_softmax(0); }, {x}));
}

TEST_CASE("softmax and log_softmax are numerically stable for large inputs", "[reduce]") {
  Tensor x = tensor({{1000.0, 1000.0, 999.0}, {-1000.0, 0.0, 1000.0}});
  Tensor s = x.softmax(1);
  Tensor ls = x.log_softmax(1);
  CHECK_FALSE(s.isnan().any());
  CHECK_FALSE(ls.isnan().any());
  CHECK(ls.isfinite().tolist()[0]);
  // Expected values: PyTorch 1.13 (float32).
  CHECK(allclose(s, tensor({{0.42231879, 0.42231879, 0.15536241}, {0.0, 0.0, 1.0}}), 1e-5, 1e-7));
  CHECK(allclose(ls.index({0}), tensor({-0.86199480, -0.86199480, -1.86199480}), 1e-5, 1e-6));
  CHECK(ls.index({1, 2}).item<float>() == 0.0f);
  CHECK(ls.index({1, 0}).item<float>() == -2000.0f);
  Tensor big = tensor({1000.0, 1001.0}, kFloat64).requires_grad_();
  big.log_softmax(0).index({0}).backward();
  CHECK_FALSE(big.grad().isnan().any());
}

TEST_CASE("softmax and log_softmax along a middle dim pass gradcheck, first and second order",
          "[reduce]") {
  // (a dim with dims after it: the kernels' strided path; engine/ops/softmax.cpp)
  Tensor x = leaf({2, 3, 4});
  CHECK(gradcheck2([](const TensorList& in) { return in[0].softmax(1); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].log_softmax(1); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].log_softmax(0); }, {x}));
}

TEST_CASE("softmax and log_softmax equal their composed definitions, edge cases included",
          "[reduce]") {
  // softmax = exp(x - m) / sum, log_softmax = x - logsumexp, m the slice's maximum (0 where it
  // is not finite): an all -inf slice gives NaN, a +inf entry NaN there and 0 (-inf) elsewhere,
  // a NaN makes its slice NaN, as PyTorch 1.13.
  const double inf = INFINITY, nan = NAN;
  Tensor x =
      tensor({1.0, 2.0, 3.0, -inf, -inf, -inf, inf, 1.0, 0.0, nan, 1.0, 2.0}, {4, 3}, kFloat64);
  const std::vector<double> s = x.softmax(1).tolist(), ls = x.log_softmax(1).tolist();
  const double e = std::exp(1.0), z = 1 + e + e * e;
  CHECK(s[0] == Approx(1 / z).epsilon(1e-14));
  CHECK(s[2] == Approx(e * e / z).epsilon(1e-14));
  CHECK(ls[0] == Approx(1.0 - (3.0 + std::log(z / (e * e)))).epsilon(1e-14));
  for (int i = 3; i < 6; ++i) CHECK(std::isnan(s[size_t(i)]));
  for (int i = 3; i < 6; ++i) CHECK(std::isnan(ls[size_t(i)]));
  CHECK(std::isnan(s[6]));
  CHECK(s[7] == 0.0);
  CHECK(std::isnan(ls[6]));
  CHECK(ls[7] == -inf);
  for (int i = 9; i < 12; ++i) CHECK(std::isnan(s[size_t(i)]));
  // random values, every dim of a 3-d tensor, float32 and float64: as the composed forms
  manual_seed(11);
  for (Dtype t : {kFloat32, kFloat64}) {
    Tensor r = (randn({3, 4, 5}) * 4.0).to(t);
    for (int64_t d : {0, 1, 2, -1}) {
      const Tensor ref_ls = r - r.logsumexp({d}, true);
      const Tensor ex = (r - r.amax({d}, true)).exp();
      const Tensor ref_s = ex / ex.sum({d}, true);
      const double tol = t == kFloat32 ? 1e-5 : 1e-12;
      CHECK(allclose(r.log_softmax(d), ref_ls, tol, tol));
      CHECK(allclose(r.softmax(d), ref_s, tol, tol));
    }
  }
  // more slices side by side than one tile of the kernels (256): dims 0 and 1 of [3, 2, 300]
  Tensor wide = randn({3, 2, 300}, kFloat64) * 3.0;
  for (int64_t d : {0, 1}) {
    CHECK(allclose(wide.log_softmax(d), wide - wide.logsumexp({d}, true), 1e-12, 1e-12));
    const Tensor ew = (wide - wide.amax({d}, true)).exp();
    CHECK(allclose(wide.softmax(d), ew / ew.sum({d}, true), 1e-12, 1e-12));
  }
  // a 0-d tensor (a slice of one), an empty one
  CHECK(scalar(3.0, kFloat64).softmax(0).item<double>() == 1.0);
  CHECK(scalar(3.0, kFloat64).log_softmax(-1).item<double>() == 0.0);
  CHECK(zeros({0, 3}).log_softmax(1).shape() == Shape{0, 3});
  CHECK(zeros({2, 0}).softmax(1).shape() == Shape{2, 0});
}

TEST_CASE("softmax's and log_softmax's one-kernel backward equals the recorded one", "[reduce]") {
  // A plain backward runs one kernel; create_graph runs the rule in Tensor ops.
  manual_seed(12);
  for (int64_t d : {1, 0}) {
    for (bool log : {false, true}) {
      // (along dim 0: 300 slices side by side, more than one tile)
      Tensor x = randn({5, 300}, kFloat64).requires_grad_();
      Tensor w = randn({5, 300}, kFloat64);
      auto f = [&] { return ((log ? x.log_softmax(d) : x.softmax(d)) * w).sum(); };
      const Tensor plain = autograd::grad({f()}, {x})[0];
      const Tensor recorded = autograd::grad({f()}, {x}, {}, true, true)[0];
      CHECK(recorded.requires_grad());
      CHECK(allclose(plain, recorded.detach(), 1e-13, 1e-13));
    }
  }
}

TEST_CASE("softmax rows sum to one", "[reduce]") {
  manual_seed(3);
  Tensor s = randn({4, 5}).softmax(-1);
  CHECK(allclose(s.sum({1}), ones({4}), 1e-5, 1e-6));
}

TEST_CASE("norm passes gradcheck and has gradient 0 at the origin", "[reduce]") {
  Tensor x = leaf({3, 4});
  CHECK(gradcheck2([](const TensorList& in) { return in[0].norm(); }, {x}));
  Tensor z = zeros({3}, kFloat64).requires_grad_();
  z.norm().backward();
  CHECK(z.grad().tolist() == std::vector<double>{0, 0, 0});
  CHECK(tensor({3.0, 4.0}).norm().item<float>() == 5.0f);
}

TEST_CASE("var passes gradcheck, unbiased and biased", "[reduce]") {
  Tensor x = leaf({3, 4});
  CHECK(gradcheck2([](const TensorList& in) { return in[0].var({1}); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].var({0}, false, true); }, {x}));
  CHECK(tensor({1.0, 2.0, 3.0, 4.0}).var({0}).item<float>() == Approx(1.6666666));
  CHECK(tensor({1.0, 2.0, 3.0, 4.0}).var({0}, false).item<float>() == Approx(1.25));
}

TEST_CASE("all and any", "[reduce]") {
  CHECK(tensor({1, 1}, kBool).all());
  CHECK_FALSE(tensor({1, 0}, kBool).all());
  CHECK(tensor({0, 1}, kBool).any());
  CHECK_FALSE(zeros({3}).any());
  CHECK(zeros({0}).all());
}

TEST_CASE("max of an integer tensor is exact", "[reduce][dtype]") {
  Tensor i = tensor({-5, 3, 2}, kInt64);
  CHECK(i.max().item<int64_t>() == 3);
  CHECK(i.min().item<int64_t>() == -5);
  CHECK(i.max().dtype() == kInt64);
  Tensor big = tensor({-9e18, -8e18}, kInt64);
  CHECK(big.max().item<int64_t>() == int64_t(-8e18));
}

TEST_CASE("reductions reject out-of-range and repeated dims naming the op", "[reduce][errors]") {
  Tensor x = ones({2, 3});
  REQUIRE_THROWS_WITH(x.sum({2}), Catch::Contains("sum") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(x.sum({-3}), Catch::Contains("sum"));
  REQUIRE_THROWS_WITH(x.sum({1, -1}), Catch::Contains("sum") && Catch::Contains("twice"));
  REQUIRE_THROWS_WITH(x.mean({5}), Catch::Contains("mean"));
  REQUIRE_THROWS_WITH(x.max(2), Catch::Contains("max"));
  REQUIRE_THROWS_WITH(x.argmax(-3), Catch::Contains("argmax"));
  REQUIRE_THROWS_WITH(x.softmax(2), Catch::Contains("softmax"));
  REQUIRE_THROWS_WITH(x.log_softmax(-3), Catch::Contains("log_softmax"));
  REQUIRE_THROWS_WITH(x.logsumexp({4}), Catch::Contains("logsumexp"));
  REQUIRE_THROWS_WITH(zeros({2, 0}).max(1), Catch::Contains("max") && Catch::Contains("[2, 0]"));
  REQUIRE_THROWS_WITH(ones({2}, kInt64).mean(),
                      Catch::Contains("mean") && Catch::Contains("int64"));
  // softmax and log_softmax of an integer tensor: a DtypeError naming the op, dtype and shape
  const Tensor ints = ones({2, 3}, kInt64);
  REQUIRE_THROWS_AS(ints.softmax(1), DtypeError);
  REQUIRE_THROWS_WITH(ints.softmax(1), Catch::StartsWith("softmax") && Catch::Contains("int64") &&
                                           Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(ints.log_softmax(0), Catch::StartsWith("log_softmax") &&
                                               Catch::Contains("int64") &&
                                               Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(ones({2}, kInt64).norm(), Catch::Contains("norm"));
}
