// gradcheck itself: an op with a planted backward rule (wrong in one way each) must be caught,
// and a right one must pass. The forward is x³ elementwise; the rule is chosen per test.
#include <cmath>
#include <limits>

#include <paragrad/engine/autograd/function.hpp>

#include "engine/engine_test_util.hpp"

using namespace paragrad;
using autograd::gradcheck;
using paragrad::test::leaf;

namespace {

enum class Plant {
  Right,             // g · 3x², in Tensor ops (differentiable again)
  Scaled,            // g · 3x² · 1.01: slightly wrong everywhere
  OneElement,        // right except element 1, which is off by 1
  OffAtZero,         // right except element 0, which is off by 1
  NaN,               // NaN everywhere
  NaNAtOne,          // right except a NaN at element 1
  NaNAfterMismatch,  // element 0 off by 1 and element 1 NaN (a later NaN must not hide it)
  Inf,               // +inf at element 0
  Missing,           // no gradient (undefined)
  Detached,          // right value, but computed from detached x: the second order is lost
  WrongSecondOrder,  // right value; its own backward (the second order) is wrong
};

// The derivative rule's helper for WrongSecondOrder: h(x) = 3x², whose own rule is off.
Tensor three_x_squared_wrong_rule(const Tensor& x) {
  Tensor out;
  {
    NoGradGuard ng;
    out = x.detach().square() * 3.0;
  }
  if (autograd::needs_grad(x))
    autograd::record("PlantedHBackward", out, {x},
                     [sx = autograd::SavedTensor(x)](const Tensor& g) {
                       return autograd::grad_list(g * sx.unpack() * 7.0);  // should be 6x
                     });
  return out;
}

// y = x³ recorded with the planted rule p.
Tensor cube_with(const Tensor& x, Plant p) {
  Tensor out;
  {
    NoGradGuard ng;
    out = x.detach() * x.detach() * x.detach();
  }
  if (!autograd::needs_grad(x)) return out;
  autograd::record(
      "PlantedBackward", out, {x}, [p, sx = autograd::SavedTensor(x)](const Tensor& g) {
        const Tensor xv = sx.unpack();
        const Tensor right = g * xv.square() * 3.0;
        const Tensor at1 =
            (arange(0, double(xv.numel()), 1, kInt64) == scalar(1, kInt64)).to(kFloat64);
        const Tensor at0 =
            (arange(0, double(xv.numel()), 1, kInt64) == scalar(0, kInt64)).to(kFloat64);
        switch (p) {
          case Plant::Right:
            return autograd::grad_list(right);
          case Plant::Scaled:
            return autograd::grad_list(right * 1.01);
          case Plant::OneElement:
            return autograd::grad_list(right + at1);
          case Plant::OffAtZero:
            return autograd::grad_list(right + at0);
          case Plant::NaN:
            return autograd::grad_list(right * std::numeric_limits<double>::quiet_NaN());
          case Plant::NaNAtOne:
            return autograd::grad_list(where(at1 > 0.5, full_like(right, NAN), right));
          case Plant::NaNAfterMismatch:
            return autograd::grad_list(where(at1 > 0.5, full_like(right, NAN), right + at0));
          case Plant::Inf:
            return autograd::grad_list(where(at0 > 0.5, full_like(right, INFINITY), right));
          case Plant::Missing:
            return autograd::grad_list(Tensor());
          case Plant::Detached:
            return autograd::grad_list(g * xv.detach().square() * 3.0);
          case Plant::WrongSecondOrder:
            return autograd::grad_list(g * three_x_squared_wrong_rule(xv));
        }
        return autograd::grad_list(Tensor());
      });
  return out;
}

// y = sqrt(x) recorded with the rule g · 0.5 (finite everywhere; right only at x = 1).
Tensor sqrt_with_half_rule(const Tensor& x) {
  Tensor out;
  {
    NoGradGuard ng;
    out = x.detach().sqrt();
  }
  autograd::record("PlantedSqrtBackward", out, {x},
                   [](const Tensor& g) { return autograd::grad_list(g * 0.5); });
  return out;
}

auto planted(Plant p) {
  return [p](const TensorList& in) { return cube_with(in[0], p); };
}

// Away from 0, so that 3x² is not tiny.
Tensor input() { return tensor({0.7, -1.3, 1.1}, kFloat64).requires_grad_(); }

}  // namespace

TEST_CASE("gradcheck passes the right rule at first and second order", "[gradcheck]") {
  CHECK(gradcheck(planted(Plant::Right), {input()}, 1e-6, 1e-5, 1e-3, true));
}

TEST_CASE("gradcheck catches a gradient that is slightly wrong everywhere", "[gradcheck]") {
  REQUIRE_THROWS_AS(gradcheck(planted(Plant::Scaled), {input()}), AutogradError);
}

TEST_CASE("gradcheck catches a gradient wrong at one element and names it", "[gradcheck]") {
  REQUIRE_THROWS_WITH(gradcheck(planted(Plant::OneElement), {input()}),
                      Catch::Contains("at element 1") && Catch::Contains("input 0"));
}

TEST_CASE("gradcheck catches a NaN analytical gradient", "[gradcheck]") {
  REQUIRE_THROWS_WITH(gradcheck(planted(Plant::NaN), {input()}), Catch::Contains("nan"));
  REQUIRE_THROWS_WITH(gradcheck(planted(Plant::NaNAtOne), {input()}),
                      Catch::Contains("at element 1") && Catch::Contains("nan"));
}

TEST_CASE("gradcheck catches a mismatch followed by a NaN", "[gradcheck]") {
  REQUIRE_THROWS_AS(gradcheck(planted(Plant::NaNAfterMismatch), {input()}), AutogradError);
}

TEST_CASE("gradcheck catches an infinite analytical gradient", "[gradcheck]") {
  REQUIRE_THROWS_WITH(gradcheck(planted(Plant::Inf), {input()}), Catch::Contains("at element 0"));
}

TEST_CASE("gradcheck catches a missing gradient", "[gradcheck]") {
  REQUIRE_THROWS_AS(gradcheck(planted(Plant::Missing), {input()}), AutogradError);
  // Two inputs, the rule returns a gradient for the first only.
  auto half = [](const TensorList& in) { return cube_with(in[0], Plant::Right) + in[1].detach(); };
  REQUIRE_THROWS_WITH(gradcheck(half, {input(), input()}), Catch::Contains("input 1"));
}

TEST_CASE("gradcheck catches a rule whose own derivative is lost", "[gradcheck]") {
  CHECK(gradcheck(planted(Plant::Detached), {input()}));  // first order is right
  REQUIRE_THROWS_WITH(gradcheck(planted(Plant::Detached), {input()}, 1e-6, 1e-5, 1e-3, true),
                      Catch::StartsWith("gradcheck (second order)"));
}

TEST_CASE("gradcheck catches a wrong second order", "[gradcheck]") {
  CHECK(gradcheck(planted(Plant::WrongSecondOrder), {input()}));  // first order is right
  REQUIRE_THROWS_WITH(
      gradcheck(planted(Plant::WrongSecondOrder), {input()}, 1e-6, 1e-5, 1e-3, true),
      Catch::StartsWith("gradcheck (second order)"));
}

TEST_CASE("gradcheck fails where the finite difference is NaN and the gradient finite",
          "[gradcheck]") {
  // sqrt at 0: the central difference reads sqrt(-eps) = NaN; the planted rule returns 0.5
  // (finite). Nothing can confirm that gradient, so gradcheck must not pass it.
  Tensor x = tensor({0.0, 1.0}, kFloat64).requires_grad_();
  REQUIRE_THROWS_WITH(
      gradcheck([](const TensorList& in) { return sqrt_with_half_rule(in[0]); }, {x}),
      Catch::Contains("at element 0") && Catch::Contains("nan"));
}

TEST_CASE("gradcheck catches a mismatch followed by a NaN finite difference", "[gradcheck]") {
  // Element 0: the cube's rule is off by 1 (a finite mismatch). Element 1 is 0, where the
  // finite difference of sqrt is NaN and the planted rule finite: that later NaN must neither
  // pass itself nor hide the earlier mismatch.
  Tensor x = tensor({0.7, 0.0}, kFloat64).requires_grad_();
  auto f = [](const TensorList& in) {
    return cube_with(in[0], Plant::OffAtZero) + sqrt_with_half_rule(in[0]);
  };
  REQUIRE_THROWS_AS(gradcheck(f, {x}), AutogradError);
}

TEST_CASE("gradcheck fails where both the finite difference and the gradient are NaN",
          "[gradcheck]") {
  Tensor x = tensor({0.0, 1.0}, kFloat64).requires_grad_();
  auto f = [](const TensorList& in) { return in[0].sqrt() * 0.0 + in[0].log() * 0.0; };
  // At 0: the finite difference is NaN (sqrt(-eps)), the gradient NaN (0 · inf).
  REQUIRE_THROWS_AS(gradcheck(f, {x}), AutogradError);
}

TEST_CASE("gradcheck passes a right rule on several inputs and a non-contiguous one",
          "[gradcheck]") {
  Tensor a = leaf({2, 3}), b = leaf({3, 2}, 1);
  CHECK(gradcheck([](const TensorList& in) { return cube_with(in[0].t(), Plant::Right) * in[1]; },
                  {a, b}, 1e-6, 1e-5, 1e-3, true));
}
