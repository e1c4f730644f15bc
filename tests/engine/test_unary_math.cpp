// Rounding (floor, ceil, round, trunc, frac), trigonometric and hyperbolic functions, log2,
// log10, erf, erfc and nan_to_num: PyTorch's values and gradients, gradcheck to second
// order, dtype rules and errors.
#include <cmath>
#include <limits>

#include "engine/engine_test_util.hpp"
#include "engine/oracle/elementwise.hpp"

using namespace paragrad;
using namespace paragrad::ops_oracle;
using paragrad::test::gradcheck2;
using paragrad::test::leaf;

namespace {
Op unary(Tensor (Tensor::*f)() const) {
  return [f](const TensorList& in, const std::vector<double>&) { return TensorList{(in[0].*f)()}; };
}
}  // namespace

TEST_CASE("unary math ops match PyTorch on random, strided, 0-d, empty and integer inputs",
          "[unary_math][oracle]") {
  OpTable ops{
      {"floor", unary(&Tensor::floor)},
      {"ceil", unary(&Tensor::ceil)},
      {"round", unary(&Tensor::round)},
      {"trunc", unary(&Tensor::trunc)},
      {"frac", unary(&Tensor::frac)},
      {"tan", unary(&Tensor::tan)},
      {"asin", unary(&Tensor::asin)},
      {"acos", unary(&Tensor::acos)},
      {"atan", unary(&Tensor::atan)},
      {"sinh", unary(&Tensor::sinh)},
      {"cosh", unary(&Tensor::cosh)},
      {"asinh", unary(&Tensor::asinh)},
      {"acosh", unary(&Tensor::acosh)},
      {"atanh", unary(&Tensor::atanh)},
      {"log2", unary(&Tensor::log2)},
      {"log10", unary(&Tensor::log10)},
      {"erf", unary(&Tensor::erf)},
      {"erfc", unary(&Tensor::erfc)},
      {"sign", unary(&Tensor::sign)},
      {"nan_to_num", [](const TensorList& in,
                        const std::vector<double>&) { return TensorList{in[0].nan_to_num()}; }},
      {"nan_to_num3",
       [](const TensorList& in, const std::vector<double>& a) {
         return TensorList{in[0].nan_to_num(a[0], a[1], a[2])};
       }},
  };
  replay(elementwise_cases, ops);
}

TEST_CASE("smooth unary math ops pass first and second order gradcheck", "[unary_math]") {
  using F = Tensor (Tensor::*)() const;
  const std::vector<std::pair<F, std::pair<double, double>>> ops{
      {&Tensor::tan, {-1.2, 1.2}}, {&Tensor::asin, {-0.9, 0.9}}, {&Tensor::acos, {-0.9, 0.9}},
      {&Tensor::atan, {-3, 3}},    {&Tensor::sinh, {-2, 2}},     {&Tensor::cosh, {-2, 2}},
      {&Tensor::asinh, {-3, 3}},   {&Tensor::acosh, {1.2, 4}},   {&Tensor::atanh, {-0.9, 0.9}},
      {&Tensor::log2, {0.2, 5}},   {&Tensor::log10, {0.2, 5}},   {&Tensor::erf, {-2, 2}},
      {&Tensor::erfc, {-2, 2}},    {&Tensor::frac, {-3, 3}},
  };
  for (size_t k = 0; k < ops.size(); ++k) {
    const auto [f, range] = ops[k];
    manual_seed(k);
    Tensor x = (rand({3, 4}, kFloat64) * (range.second - range.first) + range.first);
    x.requires_grad_();
    INFO("op " << k);
    CHECK(gradcheck2([f = f](const TensorList& in) { return (in[0].*f)(); }, {x}));
    CHECK(gradcheck2([f = f](const TensorList& in) { return (in[0].t().*f)(); }, {x}));
  }
  Tensor x = leaf({2, 3});
  CHECK(gradcheck2([](const TensorList& in) { return in[0].nan_to_num(); }, {x}));
}

TEST_CASE("rounding ops have a zero gradient and keep integer tensors as they are",
          "[unary_math]") {
  Tensor x = tensor({-1.5, 0.25, 2.75}, kFloat64).requires_grad_();
  for (auto f : {&Tensor::floor, &Tensor::ceil, &Tensor::round, &Tensor::trunc}) {
    Tensor y = (x.*f)();
    CHECK(y.requires_grad());
    CHECK(autograd::grad({y.sum()}, {x})[0].tolist() == std::vector<double>{0, 0, 0});
  }
  CHECK(x.floor().grad_fn_name() == "FloorBackward");
  Tensor i = tensor({-3, 4});
  CHECK(i.floor().dtype() == kInt64);
  CHECK(i.round().tolist() == std::vector<double>{-3, 4});
  CHECK(autograd::grad({x.frac().sum()}, {x})[0].tolist() == std::vector<double>{1, 1, 1});
}

TEST_CASE("floor, ceil, round, trunc and sign record their node and give an exact zero gradient",
          "[unary_math]") {
  // gradcheck cannot tell these rules from a missing one (finite differences are 0 too): check
  // the node, and that the gradient is a defined tensor of zeros of the input's shape and dtype.
  using F = Tensor (Tensor::*)() const;
  const std::vector<std::pair<F, std::string>> ops{{&Tensor::floor, "FloorBackward"},
                                                   {&Tensor::ceil, "CeilBackward"},
                                                   {&Tensor::round, "RoundBackward"},
                                                   {&Tensor::trunc, "TruncBackward"},
                                                   {&Tensor::sign, "SignBackward"}};
  for (const auto& [f, node] : ops) {
    INFO(node);
    for (const Shape& shape : {Shape{2, 3}, Shape{}, Shape{0, 2}}) {
      for (Dtype dt : {kFloat64, kFloat32}) {
        INFO("shape " << shape_str(Dims(shape.begin(), shape.end())) << " " << dtype_name(dt));
        manual_seed(11);
        Tensor x = (randn(shape, kFloat64) * 3.0).to(dt).requires_grad_();
        const Tensor y = (x.*f)();
        CHECK(y.requires_grad());
        CHECK(y.grad_fn_name() == node);
        // a weighted sum, so that a rule passing g through would not give 0 by accident
        const Tensor w = (arange(0.0, double(y.numel()), 1.0, dt) + 1.0).reshape(y.shape());
        const TensorList g = autograd::grad({(y * w).sum()}, {x});
        REQUIRE(g[0].defined());
        CHECK(g[0].shape() == x.shape());
        CHECK(g[0].dtype() == dt);
        CHECK(g[0].tolist() == std::vector<double>(size_t(x.numel()), 0.0));
      }
    }
    // as PyTorch 1.13: a non-leaf input that requires grad gives a result that requires grad
    // (and its inputs get zeros); an input that does not, or NoGradGuard, gives none; the zero
    // gradient does not itself require grad, even with create_graph
    Tensor x = tensor({-1.5, 0.25, 2.75}, kFloat64).requires_grad_();
    const Tensor y = ((x * 2.0).*f)();
    CHECK(y.requires_grad());
    CHECK(y.grad_fn_name() == node);
    const Tensor gx = autograd::grad({y.sum()}, {x}, {}, false, /*create_graph=*/true)[0];
    CHECK(gx.tolist() == std::vector<double>{0, 0, 0});
    CHECK_FALSE(gx.requires_grad());
    CHECK_FALSE((x.detach().*f)().requires_grad());
    CHECK_FALSE((x.detach().*f)().grad_fn());
    {
      NoGradGuard no_grad;
      CHECK_FALSE((x.*f)().requires_grad());
    }
    // integer input: an Int64 result, which never requires grad
    const Tensor i = (tensor({-3, 0, 4}).*f)();
    CHECK(i.dtype() == kInt64);
    CHECK_FALSE(i.requires_grad());
  }
  // in a product the zero path adds nothing: d(floor(x) x)/dx = floor(x)
  Tensor x = tensor({-1.5, 0.25, 2.75}, kFloat64).requires_grad_();
  CHECK(autograd::grad({(x.floor() * x).sum()}, {x})[0].tolist() == std::vector<double>{-2, 0, 2});
}

TEST_CASE("floor, ceil, round and trunc pass gradcheck to second order away from the steps",
          "[unary_math]") {
  // Every element is at least 0.05 from the steps of these ops (the integers, and for round the
  // halves), so their finite differences are 0, as their analytical gradient is.
  Tensor x = tensor({{-2.7, -1.3, -0.4}, {0.35, 1.6, 2.45}}, kFloat64).requires_grad_();
  for (auto f : {&Tensor::floor, &Tensor::ceil, &Tensor::round, &Tensor::trunc}) {
    CHECK(gradcheck2([f](const TensorList& in) { return (in[0].*f)(); }, {x}));
  }
}

TEST_CASE("integer inputs of the transcendental ops compute in float32", "[unary_math][dtype]") {
  Tensor i = tensor({1, 2});
  CHECK(i.tan().dtype() == kFloat32);
  CHECK(i.log2().dtype() == kFloat32);
  CHECK(i.erf().dtype() == kFloat32);
  CHECK(i.log2().tolist() == std::vector<double>{0, 1});
  CHECK(tensor({true, false}).atan().dtype() == kFloat32);
}

TEST_CASE("nan_to_num passes the gradient only where the input is finite", "[unary_math]") {
  const double inf = std::numeric_limits<double>::infinity();
  Tensor x = tensor({std::nan(""), 1.0, inf, -inf, -2.0}, kFloat64).requires_grad_();
  Tensor g = autograd::grad({x.nan_to_num().sum()}, {x})[0];
  CHECK(g.tolist() == std::vector<double>{0, 1, 0, 0, 1});
  Tensor y = x.detach().nan_to_num(0.5, 10.0);
  CHECK(y.tolist() == std::vector<double>{0.5, 1, 10, -std::numeric_limits<double>::max(), -2});
}

TEST_CASE("rounding and frac refuse the dtypes PyTorch refuses, naming the op",
          "[unary_math][errors]") {
  REQUIRE_THROWS_AS(tensor({true}).floor(), DtypeError);
  REQUIRE_THROWS_WITH(tensor({true, false}).round(),
                      Catch::StartsWith("round: not supported for bool") && Catch::Contains("[2]"));
  REQUIRE_THROWS_WITH(tensor({1, 2}).frac(),
                      Catch::StartsWith("frac: expected a floating tensor, got int64"));
}
