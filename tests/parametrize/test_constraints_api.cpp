// constraints: argument errors (transactional), manifold(), in_manifold(), update_base() and
// Optimizer::reset_state.
#include <limits>

#include "parametrize/constraints_helpers.hpp"

using namespace paragrad;
using namespace paragrad::test;
namespace P = paragrad::parametrize;

namespace {
// Registration must throw a ValueError containing `needle` and leave m exactly as it was.
void require_rejected(const std::shared_ptr<nn::Module>& m, const Register& reg,
                      const std::string& needle) {
  std::map<std::string, Tensor> before;
  for (auto& [k, v] : m->state_dict()) before[k] = v.clone();
  const bool was_parametrized = P::is_parametrized(*m, "weight");
  REQUIRE_THROWS_AS(reg(*m), ValueError);
  REQUIRE_THROWS_WITH(reg(*m), Catch::Matchers::Contains(needle));
  REQUIRE(P::is_parametrized(*m, "weight") == was_parametrized);
  auto after = m->state_dict();
  REQUIRE(after.size() == before.size());
  for (auto& [k, v] : after) {
    INFO(k);
    REQUIRE(equal(v, before.at(k)));
  }
}
}  // namespace

TEST_CASE("constraints on a vector are a ValueError that leaves the module unchanged") {
  auto m = weight_holder({5});
  const std::vector<std::pair<std::string, Register>> regs = {
      {"symmetric", [](nn::Module& x) { C::symmetric(x); }},
      {"skew", [](nn::Module& x) { C::skew(x); }},
      {"orthogonal", [](nn::Module& x) { C::orthogonal(x); }},
      {"special_orthogonal", [](nn::Module& x) { C::special_orthogonal(x); }},
      {"grassmannian", [](nn::Module& x) { C::grassmannian(x); }},
      {"almost_orthogonal", [](nn::Module& x) { C::almost_orthogonal(x, "weight", 0.5); }},
      {"low_rank", [](nn::Module& x) { C::low_rank(x, "weight", 1); }},
      {"fixed_rank", [](nn::Module& x) { C::fixed_rank(x, "weight", 1); }},
      {"invertible", [](nn::Module& x) { C::invertible(x); }},
      {"sln", [](nn::Module& x) { C::sln(x); }},
      {"positive_definite", [](nn::Module& x) { C::positive_definite(x); }},
      {"positive_semidefinite", [](nn::Module& x) { C::positive_semidefinite(x); }},
      {"positive_semidefinite_low_rank",
       [](nn::Module& x) { C::positive_semidefinite_low_rank(x, "weight", 1); }},
      {"positive_semidefinite_fixed_rank",
       [](nn::Module& x) { C::positive_semidefinite_fixed_rank(x, "weight", 1); }},
      {"alpha_stable", [](nn::Module& x) { C::alpha_stable(x); }},
      {"oblique", [](nn::Module& x) { C::oblique(x); }},
      {"correlation", [](nn::Module& x) { C::correlation(x); }},
  };
  for (const auto& [name, reg] : regs) {
    INFO(name);
    require_rejected(m, reg, name + ": expected a matrix or a batch of matrices");
  }
}

TEST_CASE("constraints needing square matrices reject rectangular ones") {
  auto m = weight_holder({3, 5});
  require_rejected(
      m, [](nn::Module& x) { C::symmetric(x); }, "symmetric: expected square");
  require_rejected(
      m, [](nn::Module& x) { C::skew(x); }, "skew: expected square");
  require_rejected(
      m, [](nn::Module& x) { C::special_orthogonal(x); }, "special_orthogonal: expected square");
  require_rejected(
      m, [](nn::Module& x) { C::invertible(x); }, "invertible: expected square");
  require_rejected(
      m, [](nn::Module& x) { C::sln(x); }, "sln: expected square");
  require_rejected(
      m, [](nn::Module& x) { C::positive_definite(x); }, "positive_definite: expected square");
  require_rejected(
      m, [](nn::Module& x) { C::positive_semidefinite(x); },
      "positive_semidefinite: expected square");
  require_rejected(
      m, [](nn::Module& x) { C::correlation(x); }, "correlation: expected square");
  require_rejected(
      m, [](nn::Module& x) { C::alpha_stable(x); }, "alpha_stable: expected square");
}

TEST_CASE("ranks outside 1 to min(n, k) are a ValueError naming the range") {
  auto m = weight_holder({3, 5});
  for (int64_t rank : {int64_t(0), int64_t(4), int64_t(-1)}) {
    INFO(rank);
    require_rejected(
        m, [rank](nn::Module& x) { C::low_rank(x, "weight", rank); },
        "low_rank: the rank has to be 1 <= rank <= min(n, k) = 3");
    require_rejected(
        m, [rank](nn::Module& x) { C::fixed_rank(x, "weight", rank); },
        "fixed_rank: the rank has to be 1 <= rank <= min(n, k) = 3");
  }
  auto s = weight_holder({4, 4});
  require_rejected(
      s, [](nn::Module& x) { C::positive_semidefinite_low_rank(x, "weight", 5); },
      "positive_semidefinite_low_rank: the rank has to be 1 <= rank <= n = 4");
  require_rejected(
      s, [](nn::Module& x) { C::positive_semidefinite_fixed_rank(x, "weight", 0); },
      "positive_semidefinite_fixed_rank: the rank has to be");
}

TEST_CASE("bad radius lam alpha f and dim are a ValueError naming the argument") {
  auto m = weight_holder({4, 4});
  require_rejected(
      m, [](nn::Module& x) { C::sphere(x, "weight", 0.0); }, "radius has to be > 0");
  require_rejected(
      m, [](nn::Module& x) { C::sphere(x, "weight", -1.0, true); }, "radius has to be > 0");
  require_rejected(
      m, [](nn::Module& x) { C::almost_orthogonal(x, "weight", 1.5); }, "lam has to be in [0, 1]");
  require_rejected(
      m, [](nn::Module& x) { C::almost_orthogonal(x, "weight", -0.1); }, "lam has to be in [0, 1]");
  require_rejected(
      m, [](nn::Module& x) { C::alpha_stable(x, "weight", -1.0); }, "alpha has to be >= 0");
  require_rejected(
      m, [](nn::Module& x) { C::fixed_rank(x, "weight", 2, "relu"); }, "unknown f \"relu\"");
  require_rejected(
      m, [](nn::Module& x) { C::invertible(x, "weight", "sin"); }, "invertible: unknown f \"sin\"");
  require_rejected(
      m, [](nn::Module& x) { C::sln(x, "weight", "tanh"); }, "sln: unknown f");
  require_rejected(
      m, [](nn::Module& x) { C::positive_definite(x, "weight", "abs"); },
      "positive_definite: unknown f \"abs\"");
  require_rejected(
      m, [](nn::Module& x) { C::positive_semidefinite_fixed_rank(x, "w", 1); },
      "has no parameter, buffer or parametrized tensor named 'w'");
  require_rejected(
      m, [](nn::Module& x) { C::almost_orthogonal(x, "weight", 0.5, "softplus"); },
      "almost_orthogonal: unknown f \"softplus\"");
  require_rejected(
      m, [](nn::Module& x) { C::simplex(x, "weight", 2); }, "simplex: dim 2 is out of range");
  require_rejected(
      m, [](nn::Module& x) { C::simplex(x, "weight", -3); }, "simplex: dim -3 is out of range");
  auto scalar = std::make_shared<nn::Module>();
  scalar->register_parameter("weight", tensor({1.0}).reshape({}));
  require_rejected(
      scalar, [](nn::Module& x) { C::sphere(x); }, "sphere: expected a vector");
  require_rejected(
      scalar, [](nn::Module& x) { C::simplex(x); }, "simplex: expected a tensor");
}

TEST_CASE("a constraint on an integer tensor is a DtypeError") {
  nn::Module m;
  m.register_buffer("weight", zeros({3, 3}, kInt64));
  REQUIRE_THROWS_AS(C::orthogonal(m), DtypeError);
  REQUIRE_THROWS_WITH_SUBSTR(C::orthogonal(m), "has to be a floating tensor, got int64");
  REQUIRE_FALSE(P::is_parametrized(m));
}

TEST_CASE("registration initializes with a sample seeded by manual_seed") {
  auto a = weight_holder({5, 3}), b = weight_holder({5, 3});
  manual_seed(42);
  C::orthogonal(*a);
  manual_seed(42);
  C::orthogonal(*b);
  REQUIRE(equal(a->get("weight"), b->get("weight")));
  manual_seed(43);
  auto c = weight_holder({5, 3});
  C::orthogonal(*c);
  REQUIRE_FALSE(equal(a->get("weight"), c->get("weight")));
}

TEST_CASE("registration keeps the parameter object so optimizers built before keep working") {
  nn::Linear layer(4, 4);
  Tensor w = layer.parameters()[0];
  C::orthogonal(layer);
  REQUIRE(P::parametrizations(layer, "weight").original().is_same(w));
  REQUIRE(layer.type_name() == "ParametrizedLinear");
}

TEST_CASE("a constraint registered on top of another composes and stays transactional") {
  // positive on top of a plain parametrization keeps working through the chain
  auto m = weight_holder({3, 3}, kFloat64);
  P::register_parametrization(*m, "weight", std::make_shared<AddOne>());
  C::positive(*m);
  REQUIRE(m->get("weight").min().item<double>() > 0);
  REQUIRE(C::in_manifold(*m, "weight"));
  REQUIRE(P::parametrizations(*m, "weight").size() == 2);
  // a failing one (a chain without right_inverse cannot take the sample) leaves everything
  auto s = weight_holder({3, 3}, kFloat64);
  P::register_parametrization(*s, "weight", std::make_shared<Square>());
  Tensor before = P::parametrizations(*s, "weight").original().clone();
  REQUIRE_THROWS(C::orthogonal(*s));
  REQUIRE(P::parametrizations(*s, "weight").size() == 1);
  REQUIRE(equal(P::parametrizations(*s, "weight").original(), before));
}

TEST_CASE("manifold finds the constraint and is a ValueError without one") {
  auto m = weight_holder({4, 2});
  REQUIRE_THROWS_WITH_SUBSTR(C::manifold(*m, "weight"), "carries no constraint");
  REQUIRE_THROWS_AS(C::in_manifold(*m, "weight"), ValueError);
  P::register_parametrization(*m, "weight", std::make_shared<AddOne>());
  REQUIRE_THROWS_WITH_SUBSTR(C::manifold(*m, "weight"), "not by a constraint");
  auto o = weight_holder({4, 2});
  C::orthogonal(*o, "weight", C::Triv::Cayley);
  auto& M = dynamic_cast<C::Stiefel&>(C::manifold(*o, "weight"));
  REQUIRE(M.triv() == C::Triv::Cayley);
  REQUIRE(M.constraint() == "orthogonal");
}

TEST_CASE("in_manifold is false for a value of another shape or dtype kind") {
  C::Stiefel M({4, 2}, kFloat32);
  REQUIRE(M.in_manifold(M.sample()));
  REQUIRE_FALSE(M.in_manifold(M.sample().mT()));
  REQUIRE_FALSE(M.in_manifold(zeros({4, 2}, kInt64)));
  REQUIRE_FALSE(M.in_manifold(Tensor()));
}

TEST_CASE("in_manifold tolerates float32 rounding but not float64-sized errors") {
  C::Stiefel M32({64, 8}, kFloat32), M64({64, 8}, kFloat64);
  Tensor Q = M64.sample();
  Tensor noise = 1e-5 * randn({64, 8}, kFloat64);
  REQUIRE(M32.in_manifold((Q + noise).to(kFloat32)));
  REQUIRE_FALSE(M64.in_manifold(Q + noise));
  REQUIRE(M64.in_manifold(Q + 1e-8 * noise));
  REQUIRE(M64.in_manifold(Q + noise, 1e-3));
}

TEST_CASE("set with a wrongly shaped value is a ShapeError naming both shapes") {
  auto m = weight_holder({4, 2});
  C::orthogonal(*m);
  REQUIRE_THROWS_AS(m->set("weight", eye(2)), ShapeError);
  REQUIRE_THROWS_WITH(m->set("weight", eye(2)), Catch::Matchers::Contains("orthogonal") &&
                                                    Catch::Matchers::Contains("[4, 2]") &&
                                                    Catch::Matchers::Contains("[2, 2]"));
}

TEST_CASE("update_base moves the base to the current point and zeroes the original") {
  manual_seed(3);
  nn::Linear layer(3, 6, false, kFloat64);
  C::orthogonal(layer);
  overwrite(layer, "parametrizations.weight.original", 0.2 * randn({6, 3}, kFloat64));
  Tensor W = layer.get("weight").clone();
  C::update_base(layer, "weight");
  auto& list = P::parametrizations(layer, "weight");
  REQUIRE(list.original().abs().max().item<double>() == 0);
  REQUIRE(max_abs_diff(layer.get("parametrizations.weight.0.base"), W) < 1e-12);
  REQUIRE(max_abs_diff(layer.get("weight"), W) < 1e-12);
  // the sphere too
  auto s = weight_holder({3, 4}, kFloat64);
  C::sphere(*s);
  overwrite(*s, "parametrizations.weight.original", 0.3 * randn({3, 4}, kFloat64));
  Tensor X = s->get("weight").clone();
  C::update_base(*s, "weight");
  REQUIRE(max_abs_diff(s->get("parametrizations.weight.0.base"), X) < 1e-12);
  REQUIRE(max_abs_diff(s->get("weight"), X) < 1e-12);
}

TEST_CASE("update_base with an optimizer resets the originals' state") {
  auto m = weight_holder({5, 3});
  C::orthogonal(*m);
  optim::Adam adam(m->parameters(), 1e-2);
  (m->get("weight").sum()).backward();
  adam.step();
  Tensor original = P::parametrizations(*m, "weight").original();
  REQUIRE(adam.has_state(original));
  C::update_base(*m, "weight", adam);
  REQUIRE_FALSE(adam.has_state(original));
}

TEST_CASE("reset_state makes Adam's next step equal a fresh optimizer's") {
  manual_seed(1);
  Tensor p = randn({4}).requires_grad_(), q = p.detach().clone().requires_grad_();
  optim::Adam a({p}, 0.1), fresh({q}, 0.1);
  for (int i = 0; i < 3; ++i) {
    a.zero_grad();
    (p * p).sum().backward();
    a.step();
  }
  {
    NoGradGuard g;
    q.copy_(p);
  }
  a.reset_state(p);
  a.zero_grad();
  fresh.zero_grad();
  (p * p).sum().backward();
  (q * q).sum().backward();
  a.step();
  fresh.step();
  REQUIRE(equal(p, q));
}

TEST_CASE("reset_state restarts LBFGS's curvature history") {
  manual_seed(2);
  Tensor p = randn({3}, kFloat64).requires_grad_(), q = p.detach().clone().requires_grad_();
  optim::LBFGS a({p}, 1, 2), fresh({q}, 1, 2);
  auto closure = [](Tensor& x, optim::Optimizer& o) {
    return [&x, &o]() {
      o.zero_grad();
      Tensor loss = (x * x * tensor({1.0, 4.0, 9.0}, kFloat64)).sum();
      loss.backward();
      return loss;
    };
  };
  a.step(closure(p, a));
  {
    NoGradGuard g;
    q.copy_(p);
  }
  a.reset_state(p);
  REQUIRE(a.n_iter() == 0);
  a.step(closure(p, a));
  fresh.step(closure(q, fresh));
  REQUIRE(allclose(p, q, 0, 1e-15));
}

namespace {
// docs/constraints.md's example of a user-written manifold.
struct UnitFrobenius : C::Manifold {
  UnitFrobenius(Shape shape, Dtype dtype) : Manifold("unit_frobenius", std::move(shape), dtype) {}
  Tensor forward(const Tensor& X) override { return X / X.norm(); }
  TensorList right_inverse(const Tensor& X) override {
    check_on_manifold(X);
    return {X.detach().clone()};
  }
  Tensor sample() const override {
    Tensor G = randn(tensor_shape(), tensor_dtype());
    return G / G.norm();
  }
  std::string violation(const Tensor& X, double tol) const override {
    double r = std::abs(X.to(kFloat64).norm().item<double>() - 1);
    return r <= tol ? "" : "| |X|_F - 1 | = " + std::to_string(r);
  }
};
}  // namespace

TEST_CASE("a user-written Manifold works with register_parametrization and the helpers") {
  nn::Linear layer(4, 4);
  auto M = std::make_shared<UnitFrobenius>(Shape{4, 4}, kFloat32);
  layer.set("weight", M->sample());
  P::register_parametrization(layer, "weight", M);
  REQUIRE(C::in_manifold(layer, "weight"));
  REQUIRE(&C::manifold(layer, "weight") == M.get());
  REQUIRE_THROWS_WITH(
      layer.set("weight", 2.0 * M->sample()),
      Catch::Matchers::Contains("unit_frobenius: the value is not on the manifold") &&
          Catch::Matchers::Contains("| |X|_F - 1 |"));
  optim::SGD sgd(layer.parameters(), 0.1);
  (layer(ones({2, 4})).sum()).backward();
  sgd.step();
  REQUIRE(C::in_manifold(layer, "weight"));
}

TEST_CASE("a Manifold without violation or sample raises NotImplementedError") {
  struct Bare : C::Manifold {
    Tensor forward(const Tensor& X) override { return X; }
  };
  Bare b;
  REQUIRE_THROWS_AS(b.sample(), NotImplementedError);
  REQUIRE_THROWS_AS(b.in_manifold(ones({2})), NotImplementedError);
}

TEST_CASE("the README's constraints snippet holds") {
  nn::Linear layer(64, 256), metric(8, 8);
  C::orthogonal(layer);
  C::positive_definite(metric);
  REQUIRE(C::in_manifold(layer, "weight"));
  REQUIRE(C::in_manifold(metric, "weight"));
  Tensor W = layer.get("weight");
  REQUIRE(max_abs_diff(matmul(W.mT(), W), eye(64)) < 1e-5);
}

TEST_CASE("set accepts a value of another floating dtype and converts it") {
  auto m = weight_holder({5, 3});
  C::orthogonal(*m);
  Tensor X = C::Stiefel({5, 3}, kFloat64).sample();
  m->set("weight", X);
  REQUIRE(m->get("weight").dtype() == kFloat32);
  REQUIRE(max_abs_diff(m->get("weight"), X) < 1e-6);
  auto p = weight_holder({4});
  C::positive(*p);
  p->set("weight", tensor({1.0, 2.0, 3.0, 4.0}, kFloat64));
  REQUIRE(max_abs_diff(p->get("weight"), tensor({1.0, 2.0, 3.0, 4.0})) < 1e-5);
}

TEST_CASE("in_manifold of a 0-d constraint checks the shape too") {
  C::Positive M({}, kFloat64);
  REQUIRE(M.in_manifold(scalar(2.0, kFloat64)));
  REQUIRE_FALSE(M.in_manifold(ones({1}, kFloat64)));
}

TEST_CASE("values with NaN or Inf are never on a manifold") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Tensor bad = tensor({nan, 0, 0, 0, 1, 0, 0, 0, 1}, {3, 3}, kFloat64);
  REQUIRE_FALSE(C::SpecialOrthogonal({3, 3}, kFloat64).in_manifold(bad));
  REQUIRE_FALSE(C::Hurwitz({3, 3}, kFloat64).in_manifold(-bad));
  REQUIRE_FALSE(C::Positive({3, 3}, kFloat64).in_manifold(bad.abs()));
  auto m = weight_holder({3, 3}, kFloat64);
  C::special_orthogonal(*m);
  REQUIRE_THROWS_WITH_SUBSTR(m->set("weight", bad), "contains NaN or Inf");
}

TEST_CASE("constraints on empty tensors register or raise a paragrad Error") {
  for (Shape s : {Shape{0, 3}, Shape{3, 0}, Shape{2, 0, 4}}) {
    for (const auto& reg : std::vector<Register>{
             [](nn::Module& x) { C::orthogonal(x); }, [](nn::Module& x) { C::sphere(x); },
             [](nn::Module& x) { C::simplex(x); }, [](nn::Module& x) { C::oblique(x); },
             [](nn::Module& x) { C::positive(x); }}) {
      auto m = weight_holder(s);
      REQUIRE_NOTHROW(reg(*m));
      REQUIRE(m->get("weight").shape() == s);
    }
    auto m = weight_holder(s);
    REQUIRE_THROWS_AS(C::low_rank(*m, "weight", 1), ValueError);
  }
}
