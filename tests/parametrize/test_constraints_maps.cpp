// constraints::maps against PyTorch 1.13 (tests/parametrize/constraints_oracle.hpp, from
// scripts/oracle/constraints_oracle.py), and gradcheck through the maps.
#include "parametrize/constraints_helpers.hpp"
#include "parametrize/constraints_oracle.hpp"

using namespace paragrad;
using namespace paragrad::test;
namespace O = paragrad::test::constraints_oracle;
namespace M = paragrad::constraints::maps;
using autograd::gradcheck;

namespace {
#define LIT(name) lit(O::name, O::name##_shape)
constexpr double kTol = 1e-12;
}  // namespace

TEST_CASE("symmetric and skew maps match geotorch's formulas in PyTorch") {
  REQUIRE(allclose(M::symmetric(LIT(X44), true), LIT(sym_lower_X44), 0, kTol));
  REQUIRE(allclose(M::symmetric(LIT(X44), false), LIT(sym_upper_X44), 0, kTol));
  REQUIRE(allclose(M::skew(LIT(X44), true), LIT(skew_lower_X44), 0, kTol));
  REQUIRE(allclose(M::skew(LIT(X44), false), LIT(skew_upper_X44), 0, kTol));
}

TEST_CASE("matrix_exp and Cayley of a skew matrix match PyTorch") {
  Tensor A = M::skew(LIT(X44));
  REQUIRE(allclose(M::so(A, C::Triv::Expm), LIT(so_expm_X44), 0, kTol));
  REQUIRE(allclose(M::so(A, C::Triv::Cayley), LIT(so_cayley_X44), 0, kTol));
}

TEST_CASE("the tall Stiefel map equals the first columns of PyTorch's n by n maps") {
  REQUIRE(allclose(M::stiefel_tall(LIT(L63).tril(-1), C::Triv::Expm), LIT(stiefel_expm_L63_tril), 0,
                   kTol));
  REQUIRE(allclose(M::stiefel_tall(LIT(L63).tril(-1), C::Triv::Cayley),
                   LIT(stiefel_cayley_L63_tril), 0, kTol));
  // the identity holds for any L, and batched
  REQUIRE(allclose(M::stiefel_tall(LIT(L63), C::Triv::Expm), LIT(stiefel_expm_L63), 0, kTol));
  REQUIRE(allclose(M::stiefel_tall(LIT(L63), C::Triv::Cayley), LIT(stiefel_cayley_L63), 0, kTol));
  REQUIRE(allclose(M::stiefel_tall(LIT(L252), C::Triv::Expm), LIT(stiefel_expm_L252), 0, kTol));
  REQUIRE(allclose(M::stiefel_tall(LIT(L252), C::Triv::Cayley), LIT(stiefel_cayley_L252), 0, kTol));
}

TEST_CASE("gradients through the tall Stiefel map match PyTorch's through the n by n maps") {
  const Tensor R = arange(0, 18, 1, kFloat64).reshape({6, 3}) / 10.0 - 0.8;
  for (C::Triv triv : {C::Triv::Expm, C::Triv::Cayley}) {
    Tensor L = LIT(L63).requires_grad_();
    (M::stiefel_tall(L, triv) * R).sum().backward();
    REQUIRE(allclose(
        L.grad(), triv == C::Triv::Expm ? LIT(stiefel_expm_L63_grad) : LIT(stiefel_cayley_L63_grad),
        0, 1e-11));
  }
}

TEST_CASE("positive and bounded scalar maps match PyTorch") {
  REQUIRE(allclose(M::positive("softplus", LIT(xs)), LIT(softplus_eps_xs), 0, kTol));
  REQUIRE(allclose(M::positive("exp", LIT(xs)), LIT(exp_xs), 1e-14, 0));
  REQUIRE(allclose(M::positive("sigmoid", LIT(xs)), LIT(sigmoid_eps_xs), 0, kTol));
  REQUIRE(allclose(M::bounded("sin", LIT(xs)), LIT(sin_xs), 0, kTol));
  REQUIRE(allclose(M::bounded("tanh", LIT(xs)), LIT(tanh_xs), 0, kTol));
  REQUIRE(allclose(M::bounded("sigmoid", LIT(xs)), LIT(scaled_sigmoid_xs), 0, kTol));
}

TEST_CASE("inverse maps match PyTorch and invert the maps") {
  REQUIRE(
      allclose(M::positive_inverse("softplus", LIT(ys)), LIT(inv_softplus_eps_ys), 1e-9, 1e-12));
  REQUIRE(allclose(M::bounded_inverse("sin", LIT(bs)), LIT(asin_bs), 0, kTol));
  REQUIRE(allclose(M::bounded_inverse("tanh", LIT(bs)), LIT(atanh_bs), 0, 1e-11));
  const Tensor x = LIT(xs).clamp(-15, 15);
  for (std::string f : {"softplus", "exp", "sigmoid"}) {
    INFO(f);
    REQUIRE(allclose(M::positive_inverse(f, M::positive(f, x)), x, 1e-6, 1e-6));
  }
  const Tensor b = LIT(bs) * 1.5;  // within (-pi/2, pi/2) for sin
  for (std::string f : {"sin", "tanh", "sigmoid"}) {
    INFO(f);
    REQUIRE(allclose(M::bounded_inverse(f, M::bounded(f, b)), b, 1e-9, 1e-9));
  }
}

TEST_CASE("inverse softplus is finite from tiny to large values") {
  Tensor y = tensor({1e-300, 1e-30, 1e-8, 1.0, 40.0, 800.0}, kFloat64);
  Tensor x = M::inverse_softplus(y);
  REQUIRE(x.isfinite().all());
  REQUIRE(allclose(x.softplus(), y, 1e-12, 0));
}

TEST_CASE("the sphere's exponential map and projection match PyTorch") {
  REQUIRE(allclose(M::sphere_exp(LIT(sph_x), LIT(sph_v), 2.0), LIT(sphere_exp_r2), 0, kTol));
  REQUIRE(allclose(M::normalize(LIT(sph_v).narrow(0, 0, 2) + 0.1, -1, 3.0), LIT(normalize_rows_r3),
                   0, kTol));
  REQUIRE(allclose(M::normalize(LIT(X44), -2), LIT(normalize_cols_X44), 0, kTol));
}

TEST_CASE("gradients through the sphere's exponential map match PyTorch also at 0") {
  const Tensor R = tensor({{0.3, -0.2, 0.5, 0.1}, {-0.6, 0.4, 0.2, 0.7}}, kFloat64);
  Tensor v = LIT(sph_v).narrow(0, 0, 2).clone().requires_grad_();
  (M::sphere_exp(LIT(sph_x).narrow(0, 0, 2), v, 2.0) * R).sum().backward();
  REQUIRE(allclose(v.grad(), LIT(sphere_exp_r2_grad), 0, 1e-12));
  Tensor v0 = zeros({1, 4}, kFloat64).requires_grad_();
  (M::sphere_exp(LIT(sph_x).narrow(0, 0, 1), v0, 2.0) * R.narrow(0, 0, 1)).sum().backward();
  REQUIRE(allclose(v0.grad(), LIT(sphere_exp_grad_at_zero), 0, 1e-14));
}

TEST_CASE("correlation and Hurwitz maps match PyTorch") {
  REQUIRE(allclose(M::correlation(LIT(P33)), LIT(correlation_P33), 0, kTol));
  REQUIRE(allclose(M::hurwitz(LIT(P33), LIT(Q33), LIT(S33), 0.5), LIT(hurwitz_alpha_0p5), 0, kTol));
}

TEST_CASE("gradcheck of the maps to second order") {
  manual_seed(5);
  const Tensor L = (0.4 * randn({5, 2}, kFloat64)).requires_grad_(),
               A = (0.4 * randn({3, 3}, kFloat64)).requires_grad_();
  for (C::Triv triv : {C::Triv::Expm, C::Triv::Cayley}) {
    REQUIRE(gradcheck([triv](const TensorList& x) { return M::stiefel_tall(x[0], triv); }, {L},
                      1e-6, 1e-5, 1e-3, true));
    REQUIRE(gradcheck([triv](const TensorList& x) { return M::so(M::skew(x[0]), triv); }, {A}, 1e-6,
                      1e-5, 1e-3, true));
  }
  const Tensor x = LIT(sph_x), v = (0.5 * randn({3, 4}, kFloat64)).requires_grad_();
  REQUIRE(gradcheck([&x](const TensorList& t) { return M::sphere_exp(x, t[0], 1.5); }, {v}, 1e-6,
                    1e-5, 1e-3, true));
  // around 0, where the Taylor branch and the sqrt branch meet
  REQUIRE(gradcheck([&x](const TensorList& t) { return M::sphere_exp(x, t[0], 1.5); },
                    {zeros({3, 4}, kFloat64).requires_grad_()}, 1e-6, 1e-5, 1e-3, true));
  REQUIRE(gradcheck([](const TensorList& t) { return M::normalize(t[0], -2, 2.0); }, {A}, 1e-6,
                    1e-5, 1e-3, true));
  const Tensor s = tensor({-2.0, 0.1, 1.5}, kFloat64).requires_grad_();
  for (std::string f : {"softplus", "exp", "sigmoid"})
    REQUIRE(gradcheck([f](const TensorList& t) { return M::positive(f, t[0]); }, {s}, 1e-6, 1e-5,
                      1e-3, true));
  for (std::string f : {"sin", "tanh", "sigmoid"})
    REQUIRE(gradcheck([f](const TensorList& t) { return M::bounded(f, t[0]); }, {s}, 1e-6, 1e-5,
                      1e-3, true));
  const Tensor P = LIT(P33).requires_grad_(), Q = LIT(Q33).requires_grad_(),
               S = LIT(S33).requires_grad_();
  REQUIRE(gradcheck([](const TensorList& t) { return M::correlation(t[0]); }, {P}, 1e-6, 1e-5, 1e-3,
                    true));
  REQUIRE(gradcheck([](const TensorList& t) { return M::hurwitz(t[0], t[1], t[2], 0.3); },
                    {P, Q, S}, 1e-6, 1e-5, 1e-3, true));
  REQUIRE(gradcheck([](const TensorList& t) { return M::congruence(t[0], t[1]); },
                    {L, tensor({0.5, 2.0}, kFloat64).requires_grad_()}, 1e-6, 1e-5, 1e-3, true));
}
