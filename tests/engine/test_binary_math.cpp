// fmod, remainder, floor_divide, hypot, logaddexp, lerp and the member spellings of atan2,
// maximum, minimum: PyTorch's values and gradients (broadcast, 0-d, empty, integer, mixed
// dtypes), gradcheck to second order, the points where PyTorch's gradient is NaN, and errors.
#include <cmath>
#include <limits>

#include "engine/engine_test_util.hpp"
#include "engine/oracle/binary.hpp"

using namespace paragrad;
using namespace paragrad::ops_oracle;
using paragrad::test::gradcheck2;
using paragrad::test::leaf;

namespace {
Op binary(Tensor (*f)(const Tensor&, const Tensor&)) {
  return
      [f](const TensorList& in, const std::vector<double>&) { return TensorList{f(in[0], in[1])}; };
}
Op with_scalar(Tensor (Tensor::*f)(double) const) {
  return [f](const TensorList& in, const std::vector<double>& a) {
    return TensorList{(in[0].*f)(a[0])};
  };
}
const double kInfinity = std::numeric_limits<double>::infinity();
}  // namespace

TEST_CASE("binary math ops match PyTorch with broadcasting, 0-d, empty and integer inputs",
          "[binary_math][oracle]") {
  OpTable ops{
      {"fmod", binary(&fmod)},
      {"remainder", binary(&remainder)},
      {"floor_divide", binary(&floor_divide)},
      {"atan2", binary(&atan2)},
      {"hypot", binary(&hypot)},
      {"logaddexp", binary(&logaddexp)},
      {"maximum", binary(&maximum)},
      {"minimum", binary(&minimum)},
      {"fmod_scalar", with_scalar(&Tensor::fmod)},
      {"remainder_scalar", with_scalar(&Tensor::remainder)},
      {"floor_divide_scalar", with_scalar(&Tensor::floor_divide)},
      {"lerp_scalar",
       [](const TensorList& in, const std::vector<double>& a) {
         return TensorList{in[0].lerp(in[1], a[0])};
       }},
      {"lerp", [](const TensorList& in,
                  const std::vector<double>&) { return TensorList{in[0].lerp(in[1], in[2])}; }},
  };
  replay(binary_cases, ops);
}

TEST_CASE("binary math ops pass first and second order gradcheck with broadcasting",
          "[binary_math]") {
  Tensor a = leaf({3, 1}, 1), b = leaf({4}, 2);
  Tensor far = (leaf({4}, 3).detach() * 0.1 + 2.0).requires_grad_();  // away from 0
  CHECK(gradcheck2([](const TensorList& in) { return hypot(in[0], in[1]); }, {a, b}));
  CHECK(gradcheck2([](const TensorList& in) { return logaddexp(in[0], in[1]); }, {a, b}));
  CHECK(gradcheck2([](const TensorList& in) { return fmod(in[0] * 3.0, in[1]); }, {a, far}));
  CHECK(gradcheck2([](const TensorList& in) { return remainder(in[0] * 3.0, in[1]); }, {a, far}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].fmod(0.7); }, {a}));
  Tensor w = (rand({3, 4}, kFloat64) * 2.0 - 0.5).requires_grad_();
  CHECK(gradcheck2([](const TensorList& in) { return lerp(in[0], in[1], in[2]); }, {a, b, w}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].lerp(in[1], 0.75); }, {a, b}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].lerp(in[1], 0.25); }, {a, b}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].maximum(in[1]); }, {a, b}));
}

TEST_CASE("hypot has gradient 0 at the origin where PyTorch gives NaN", "[binary_math]") {
  Tensor a = tensor({0.0, 3.0}, kFloat64).requires_grad_();
  Tensor b = tensor({0.0, 4.0}, kFloat64).requires_grad_();
  TensorList g = autograd::grad({hypot(a, b).sum()}, {a, b});
  CHECK(allclose(g[0], tensor({0.0, 0.6}, kFloat64), 1e-15));
  CHECK(allclose(g[1], tensor({0.0, 0.8}, kFloat64), 1e-15));
}

TEST_CASE("logaddexp gradients are finite with infinite inputs, half each for equal infinities",
          "[binary_math]") {
  Tensor a = tensor({-kInfinity, kInfinity, 2.0, kInfinity, -kInfinity}, kFloat64).requires_grad_();
  Tensor b = tensor({-kInfinity, kInfinity, -kInfinity, 3.0, 1.0}, kFloat64).requires_grad_();
  Tensor y = logaddexp(a, b);
  CHECK(y.tolist() == std::vector<double>{-kInfinity, kInfinity, 2, kInfinity, 1});
  TensorList g = autograd::grad({y.sum()}, {a, b});
  CHECK(g[0].tolist() == std::vector<double>{0.5, 0.5, 1, 1, 0});
  CHECK(g[1].tolist() == std::vector<double>{0.5, 0.5, 0, 0, 1});
}

TEST_CASE("fmod and remainder gradients for the divisor are minus the rounded quotient",
          "[binary_math]") {
  Tensor a = tensor({5.5, -5.5}, kFloat64).requires_grad_();
  Tensor b = tensor({2.0, 2.0}, kFloat64).requires_grad_();
  CHECK(autograd::grad({fmod(a, b).sum()}, {b})[0].tolist() == std::vector<double>{-2, 2});
  CHECK(autograd::grad({remainder(a, b).sum()}, {b})[0].tolist() == std::vector<double>{-2, 3});
}

TEST_CASE("floor_divide has a zero gradient where PyTorch raises", "[binary_math]") {
  Tensor a = tensor({5.5, -5.5}, kFloat64).requires_grad_();
  Tensor b = tensor({2.0, 2.0}, kFloat64).requires_grad_();
  TensorList g = autograd::grad({floor_divide(a, b).sum()}, {a, b});
  CHECK(g[0].tolist() == std::vector<double>{0, 0});
  CHECK(g[1].tolist() == std::vector<double>{0, 0});
}

TEST_CASE("floor_divide passes gradcheck to second order away from the steps", "[binary_math]") {
  // The quotients (-2.75, -1.3, 1.75, ...) are at least 0.05 from an integer: finite
  // differences of floor_divide are 0 there.
  Tensor a = tensor({{5.5, -2.6, 0.7}, {-4.1, 3.3, 9.1}}, kFloat64).requires_grad_();
  Tensor b = tensor({-2.0, 2.0, 0.4}, kFloat64).requires_grad_();
  CHECK(gradcheck2([](const TensorList& in) { return floor_divide(in[0], in[1]); }, {a, b}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].floor_divide(1.5); }, {a}));
}

TEST_CASE("integer division ops round like Python and wrap at INT64_MIN over -1",
          "[binary_math][dtype]") {
  Tensor a = tensor({-7, 7, -7, 7});
  Tensor b = tensor({2, -2, -2, 2});
  CHECK(floor_divide(a, b).tolist() == std::vector<double>{-4, -4, 3, 3});
  CHECK(remainder(a, b).tolist() == std::vector<double>{1, -1, -1, 1});
  CHECK(fmod(a, b).tolist() == std::vector<double>{-1, 1, -1, 1});
  CHECK(floor_divide(a, b).dtype() == kInt64);
  const int64_t lowest = std::numeric_limits<int64_t>::min();
  Tensor m = detail::int_tensor({lowest}, Dims{1}, kInt64), neg1 = tensor({-1});
  CHECK(floor_divide(m, neg1).item<int64_t>() == lowest);
  CHECK(fmod(m, neg1).item<int64_t>() == 0);
  CHECK(remainder(m, neg1).item<int64_t>() == 0);
  CHECK(tensor({5, 6}).fmod(2.5).dtype() == kFloat32);
  CHECK(tensor({5, 6}).fmod(2.0).dtype() == kInt64);
}

TEST_CASE("binary math ops raise on bad dtypes, integer division by zero and bad shapes",
          "[binary_math][errors]") {
  REQUIRE_THROWS_AS(floor_divide(tensor({1, 2}), tensor({1, 0})), ValueError);
  REQUIRE_THROWS_WITH(fmod(tensor({1, 2}), tensor({0, 1})),
                      Catch::StartsWith("fmod: integer division by zero"));
  REQUIRE_THROWS_WITH(tensor({3}).remainder(0.0),
                      Catch::StartsWith("remainder: integer division by zero"));
  REQUIRE_THROWS_WITH(hypot(tensor({1, 2}), tensor({1, 2})),
                      Catch::StartsWith("hypot: expected floating tensors, got int64 and int64"));
  REQUIRE_THROWS_WITH(logaddexp(tensor({true}), tensor({true})),
                      Catch::StartsWith("logaddexp: expected floating"));
  REQUIRE_THROWS_WITH(fmod(tensor({true}), tensor({true})),
                      Catch::StartsWith("fmod: not supported for bool"));
  REQUIRE_THROWS_AS(fmod(zeros({2, 3}), zeros({4})), ShapeError);
  REQUIRE_THROWS_WITH(lerp(zeros({2}), zeros({2}, kFloat64), 0.5),
                      Catch::StartsWith("lerp: expected end of dtype float32, got float64"));
  REQUIRE_THROWS_WITH(lerp(zeros({2}), zeros({2}), zeros({2}, kFloat64)),
                      Catch::StartsWith("lerp: expected weight of dtype float32"));
  REQUIRE_THROWS_WITH(lerp(tensor({1, 2}), tensor({1, 2}), 0.5),
                      Catch::StartsWith("lerp: expected a floating tensor, got int64"));
  REQUIRE_THROWS_AS(lerp(zeros({2, 3}), zeros({4}), 0.5), ShapeError);
}
