// prod(dim), std, var(), amin, the integer-dim overloads (x.sum(1)), norm(p, dims), all/any
// along a dim, cumsum and cumprod: PyTorch's values and gradients, gradients at zeros (prod,
// cumprod) and at zero vectors (norm), gradcheck to second order, errors.
#include <cmath>

#include "engine/engine_test_util.hpp"
#include "engine/oracle/reductions.hpp"

using namespace paragrad;
using namespace paragrad::ops_oracle;
using paragrad::test::gradcheck2;
using paragrad::test::leaf;

namespace {
Op dim_keepdim(Tensor (Tensor::*f)(int64_t, bool) const) {
  return [f](const TensorList& in, const std::vector<double>& a) {
    return TensorList{(in[0].*f)(I(a[0]), B(a[1]))};
  };
}
}  // namespace

TEST_CASE("reductions and scans match PyTorch on random, strided, 0-d, empty and integer inputs",
          "[statistics][oracle]") {
  OpTable ops{
      {"prod", dim_keepdim(&Tensor::prod)},
      {"prod_all",
       [](const TensorList& in, const std::vector<double>&) { return TensorList{in[0].prod()}; }},
      {"std",
       [](const TensorList& in, const std::vector<double>& a) {
         return TensorList{in[0].std(dims_from(a, 2, a.size()), B(a[0]), B(a[1]))};
       }},
      {"var",
       [](const TensorList& in, const std::vector<double>& a) {
         return TensorList{in[0].var(dims_from(a, 2, a.size()), B(a[0]), B(a[1]))};
       }},
      {"std_all",
       [](const TensorList& in, const std::vector<double>&) { return TensorList{in[0].std()}; }},
      {"var_all",
       [](const TensorList& in, const std::vector<double>&) { return TensorList{in[0].var()}; }},
      {"amax",
       [](const TensorList& in, const std::vector<double>& a) {
         return TensorList{in[0].amax(I(a[0]), B(a[1]))};
       }},
      {"amin",
       [](const TensorList& in, const std::vector<double>& a) {
         return TensorList{in[0].amin(I(a[0]), B(a[1]))};
       }},
      {"amax_dims",
       [](const TensorList& in, const std::vector<double>& a) {
         return TensorList{in[0].amax(dims_from(a, 0, a.size()))};
       }},
      {"amin_dims",
       [](const TensorList& in, const std::vector<double>& a) {
         return TensorList{in[0].amin(dims_from(a, 0, a.size()))};
       }},
      {"sum_dim", [](const TensorList& in,
                     const std::vector<double>& a) { return TensorList{in[0].sum(I(a[0]))}; }},
      {"mean_dim", [](const TensorList& in,
                      const std::vector<double>& a) { return TensorList{in[0].mean(I(a[0]))}; }},
      {"logsumexp_dim",
       [](const TensorList& in, const std::vector<double>& a) {
         return TensorList{in[0].logsumexp(I(a[0]))};
       }},
      {"norm",
       [](const TensorList& in, const std::vector<double>& a) {
         return TensorList{in[0].norm(a[0], dims_from(a, 2, a.size()), B(a[1]))};
       }},
      {"norm_all", [](const TensorList& in,
                      const std::vector<double>& a) { return TensorList{in[0].norm(a[0])}; }},
      {"all", dim_keepdim(&Tensor::all)},
      {"any", dim_keepdim(&Tensor::any)},
      {"cumsum", [](const TensorList& in,
                    const std::vector<double>& a) { return TensorList{in[0].cumsum(I(a[0]))}; }},
      {"cumprod", [](const TensorList& in,
                     const std::vector<double>& a) { return TensorList{in[0].cumprod(I(a[0]))}; }},
  };
  replay(reductions_cases, ops);
}

TEST_CASE("prod along a dim passes gradcheck to second order with one and with several zeros",
          "[statistics]") {
  Tensor x = leaf({3, 4});
  CHECK(gradcheck2([](const TensorList& in) { return in[0].prod(1); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].prod(0, true); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].t().prod(-1); }, {x}));
  Tensor z = tensor({{2.0, 0.0, 3.0, -1.0}, {0.0, 0.0, 5.0, 2.0}, {1.5, 2.0, -0.5, 3.0}}, kFloat64);
  z.requires_grad_();
  CHECK(gradcheck2([](const TensorList& in) { return in[0].prod(1); }, {z}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].prod(); }, {z}));
  // one zero: only the zero gets the product of the others; two zeros: nothing
  Tensor g = autograd::grad({z.prod(1).sum()}, {z})[0];
  CHECK(g.tolist() == std::vector<double>{0, -6, 0, 0, 0, 0, 0, 0, -3, -2.25, 9, -1.5});
}

TEST_CASE("cumprod passes gradcheck to second order with zeros in the input", "[statistics]") {
  Tensor x = leaf({3, 5});
  CHECK(gradcheck2([](const TensorList& in) { return in[0].cumprod(1); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].cumprod(0); }, {x}));
  Tensor z = tensor(
      {{2.0, 0.0, 3.0, -1.0, 0.5}, {0.0, 1.5, 0.0, 2.0, 1.0}, {1.0, 2.0, 0.0, 0.0, 3.0}}, kFloat64);
  z.requires_grad_();
  CHECK(gradcheck2([](const TensorList& in) { return in[0].cumprod(1); }, {z}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].t().cumprod(0); }, {z}));
  Tensor s = tensor({0.0, 2.0, 3.0}, kFloat64).requires_grad_();
  // y = (0, 0, 0); dy_j/dx_0 = prod_{1..j} x: 1 + 2 + 6
  CHECK(autograd::grad({s.cumprod(0).sum()}, {s})[0].tolist() == std::vector<double>{9, 0, 0});
}

TEST_CASE("the gradient of cumprod (LinearScanBackward) passes gradcheck to second order",
          "[statistics]") {
  // cumprod's rule runs the linear recurrence on g; with create_graph that records
  // LinearScanBackward, whose own rule is then checked here to first and second order.
  Tensor v = tensor({{0.5, -1.0, 2.0, 0.25}, {1.5, 0.75, -0.5, 1.0}}, kFloat64);
  auto grad_of_cumprod = [v](int64_t dim) {
    return [v, dim](const TensorList& in) {
      return autograd::grad({in[0].cumprod(dim)}, {in[0]}, {v}, /*retain_graph=*/true,
                            /*create_graph=*/true)[0];
    };
  };
  Tensor x = leaf({2, 4});
  CHECK(gradcheck2(grad_of_cumprod(1), {x}));
  CHECK(gradcheck2(grad_of_cumprod(0), {x}));
  Tensor z = tensor({{2.0, 0.0, 3.0, -1.0}, {0.0, 1.5, 0.0, 2.0}}, kFloat64).requires_grad_();
  CHECK(gradcheck2(grad_of_cumprod(1), {z}));
}

TEST_CASE("cumsum passes gradcheck and keeps integer sums exact", "[statistics]") {
  Tensor x = leaf({2, 3, 4});
  CHECK(gradcheck2([](const TensorList& in) { return in[0].cumsum(1); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].cumsum(-1).cumsum(0); }, {x}));
  CHECK(tensor({1, 2, 3}).cumsum(0).tolist() == std::vector<double>{1, 3, 6});
  CHECK(tensor({true, true}).cumsum(0).dtype() == kInt64);
  CHECK(zeros({0, 2}).cumsum(0).shape() == Shape{0, 2});
}

TEST_CASE("std passes gradcheck and has gradient zero on a constant slice", "[statistics]") {
  Tensor x = leaf({3, 4});
  CHECK(gradcheck2([](const TensorList& in) { return in[0].std({1}); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].std({0}, false, true); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].std(); }, {x}));
  Tensor c = ones({2, 3}, kFloat64).requires_grad_();
  Tensor g = autograd::grad({c.std(1).sum()}, {c})[0];
  CHECK(g.tolist() == std::vector<double>(6, 0.0));
}

TEST_CASE("norm with p and dims passes gradcheck and is 0-gradient at zero vectors",
          "[statistics]") {
  Tensor x = leaf({3, 4});
  for (double p : {2.0, 1.5, 3.0, 1.0, double(INFINITY)}) {
    INFO("p = " << p);
    CHECK(gradcheck2([p](const TensorList& in) { return in[0].norm(p, {1}); }, {x}));
    CHECK(gradcheck2([p](const TensorList& in) { return in[0].norm(p, {0}, true); }, {x}));
  }
  Tensor z = tensor({{0.0, 0.0, 0.0}, {3.0, 0.0, -4.0}}, kFloat64).requires_grad_();
  for (double p : {2.0, 3.0, 0.5, 1.0}) {
    Tensor g = autograd::grad({z.norm(p, {1}).sum()}, {z})[0];
    INFO("p = " << p);
    CHECK(g.isfinite().all());
    CHECK(g.narrow(0, 0, 1).tolist() == std::vector<double>{0, 0, 0});
  }
}

TEST_CASE("norm with p = -inf over dims passes gradcheck to second order", "[statistics]") {
  Tensor x = leaf({3, 4}, 1);
  CHECK(gradcheck2([](const TensorList& in) { return in[0].norm(-INFINITY, {1}); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].norm(-INFINITY, {0}, true); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].norm(-INFINITY, {0, 1}); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].norm(-INFINITY, -1); }, {x}));
  // the gradient goes to the element of smallest |x| in each row, with its sign
  Tensor t = tensor({{3.0, -0.5, 2.0}, {-4.0, 1.0, -0.25}}, kFloat64).requires_grad_();
  CHECK(autograd::grad({t.norm(-INFINITY, {1}).sum()}, {t})[0].tolist() ==
        std::vector<double>{0, -1, 0, 0, 0, -1});
}

TEST_CASE("var() and std() of all elements pass gradcheck to second order", "[statistics]") {
  Tensor x = leaf({3, 4}, 2);
  CHECK(gradcheck2([](const TensorList& in) { return in[0].var(); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].std(); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].t().var(); }, {x}));
  Tensor v = leaf({5}, 3);
  CHECK(gradcheck2([](const TensorList& in) { return in[0].var() * in[0].std(); }, {v}));
  // the value: unbiased, over every element
  CHECK(tensor({1.0, 2.0, 3.0, 4.0}, kFloat64).var().item<double>() == Approx(5.0 / 3.0));
  CHECK(tensor({{1.0, 2.0}, {3.0, 4.0}}, kFloat64).std().item<double>() ==
        Approx(std::sqrt(5.0 / 3.0)));
}

TEST_CASE("the unbiased var of one element is NaN with a NaN gradient", "[statistics]") {
  // PyTorch 1.13 agrees for shape (1,) but gives the gradient inf for a 0-d tensor; paragrad
  // gives NaN for both (the oracle checks only the values there).
  for (const Shape& shape : {Shape{}, Shape{1}}) {
    Tensor x = full(shape, 1.5, kFloat64).requires_grad_();
    const Tensor v = x.var();
    CHECK(std::isnan(v.item<double>()));
    CHECK(std::isnan(autograd::grad({v}, {x})[0].tolist()[0]));
  }
}

TEST_CASE("amin passes gradcheck and splits the gradient evenly among ties", "[statistics]") {
  Tensor x = leaf({3, 4});
  CHECK(gradcheck2([](const TensorList& in) { return in[0].amin(1); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].amin({0, 1}); }, {x}));
  Tensor t = tensor({{1.0, -2.0, -2.0}, {0.0, 4.0, 0.0}}, kFloat64).requires_grad_();
  CHECK(autograd::grad({t.amin(1).sum()}, {t})[0].tolist() ==
        std::vector<double>{0, 0.5, 0.5, 0.5, 0, 0.5});
  CHECK(tensor({3, -7, 2}).min().item<int64_t>() == -7);
  CHECK(tensor({true, false}).amin(0).item<bool>() == false);
}

TEST_CASE("every reduction takes one dim as an integer", "[statistics]") {
  Tensor x = arange(24.0).reshape({2, 3, 4});
  CHECK(x.sum(1).shape() == Shape{2, 4});
  CHECK(equal(x.sum(1), x.sum({1})));
  CHECK(equal(x.mean(-1, true), x.mean({-1}, true)));
  CHECK(equal(x.std(0), x.std({0})));
  CHECK(equal(x.var(1, false), x.var({1}, false)));
  CHECK(equal(x.amax(2), x.amax({2})));
  CHECK(equal(x.amin(int64_t(0)), x.amin({0})));
  CHECK(equal(x.logsumexp(1), x.logsumexp({1})));
  CHECK(equal(x.norm(2, 1), x.norm(2, {1})));
  CHECK(x.prod(1).shape() == Shape{2, 4});
  CHECK(x.all(0).shape() == Shape{3, 4});
  CHECK(x.cumsum(1).shape() == Shape{2, 3, 4});
  CHECK(x.sum({}).dim() == 0);  // an empty list still means every dim
}

TEST_CASE("reductions along a dim raise naming the op and the shape", "[statistics][errors]") {
  Tensor x = zeros({2, 3});
  REQUIRE_THROWS_WITH(
      x.prod(2), Catch::StartsWith("prod: dimension 2 out of range") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_AS(x.cumsum(-3), IndexError);
  REQUIRE_THROWS_WITH(x.cumprod(5), Catch::StartsWith("cumprod: dimension 5"));
  REQUIRE_THROWS_WITH(x.all(2), Catch::StartsWith("all: dimension 2"));
  REQUIRE_THROWS_WITH(tensor({1, 2}).std({0}),
                      Catch::StartsWith("std: expected a floating tensor"));
  REQUIRE_THROWS_WITH(tensor({1, 2}).norm(2.0),
                      Catch::StartsWith("norm: expected a floating tensor"));
  REQUIRE_THROWS_WITH(x.norm(2, {3}), Catch::StartsWith("norm: dimension 3"));
  REQUIRE_THROWS_WITH(x.norm(NAN), Catch::StartsWith("norm: p must not be NaN"));
  REQUIRE_THROWS_WITH(zeros({0}).amin({}),
                      Catch::StartsWith("amin: cannot reduce an empty tensor"));
  REQUIRE_THROWS_AS(x.std({0, 0}), IndexError);
}
