// constraints::positive_definite, positive_semidefinite(_low_rank, _fixed_rank) and correlation:
// geotorch's behaviours on every size, rank, map and trivialization.
#include "parametrize/constraints_helpers.hpp"

using namespace paragrad;
using namespace paragrad::test;

namespace {
const std::vector<Shape> kShapes = {{1, 1}, {2, 2}, {3, 3},    {4, 4},
                                    {5, 5}, {6, 6}, {3, 4, 4}, {2, 2, 3, 3}};

Tensor minus_identity(const Shape& s, Dtype d) { return -eye(s.back(), d).expand(s).contiguous(); }

const char* triv_name(C::Triv t) { return t == C::Triv::Expm ? "expm" : "cayley"; }
}  // namespace

TEST_CASE("positive_definite keeps weights positive definite through steps set and update_base") {
  for (std::string f : {"softplus", "exp", "sigmoid"})
    for (C::Triv triv : {C::Triv::Expm, C::Triv::Cayley})
      for (const Shape& s : kShapes) {
        BehaviourOptions o;
        o.off_manifold = minus_identity;
        check_behaviours(
            cat("positive_definite ", f, " ", triv_name(triv)),
            [=](nn::Module& m) { C::positive_definite(m, "weight", f, triv); }, s, o);
      }
}

TEST_CASE("positive_semidefinite keeps weights positive semidefinite") {
  for (C::Triv triv : {C::Triv::Expm, C::Triv::Cayley})
    for (const Shape& s : kShapes) {
      BehaviourOptions o;
      o.off_manifold = minus_identity;
      check_behaviours(
          cat("positive_semidefinite ", triv_name(triv)),
          [=](nn::Module& m) { C::positive_semidefinite(m, "weight", triv); }, s, o);
    }
}

TEST_CASE("positive_semidefinite_low_rank keeps rank at most r") {
  for (C::Triv triv : {C::Triv::Expm, C::Triv::Cayley})
    for (const Shape& s : kShapes)
      for (int64_t rank : {int64_t(1), int64_t(2), s.back()}) {
        if (rank > s.back()) continue;
        BehaviourOptions o;
        // rank < n: the identity has full rank; rank = n: -I is not semidefinite
        o.off_manifold =
            rank < s.back()
                ? [](const Shape& sh, Dtype d) { return eye(sh.back(), d).expand(sh).contiguous(); }
                : std::function<Tensor(const Shape&, Dtype)>(minus_identity);
        check_behaviours(
            cat("positive_semidefinite_low_rank ", rank, " ", triv_name(triv)),
            [=](nn::Module& m) { C::positive_semidefinite_low_rank(m, "weight", rank, triv); }, s,
            o);
      }
}

TEST_CASE("positive_semidefinite_fixed_rank keeps rank exactly r") {
  for (std::string f : {"softplus", "exp"})
    for (C::Triv triv : {C::Triv::Expm, C::Triv::Cayley})
      for (const Shape& s : kShapes)
        for (int64_t rank : {int64_t(1), int64_t(3), s.back()}) {
          if (rank > s.back()) continue;
          BehaviourOptions o;
          o.off_manifold = minus_identity;
          check_behaviours(
              cat("positive_semidefinite_fixed_rank ", rank, " ", f, " ", triv_name(triv)),
              [=](nn::Module& m) {
                C::positive_semidefinite_fixed_rank(m, "weight", rank, f, triv);
              },
              s, o);
        }
}

TEST_CASE("correlation keeps unit diagonal and positive definiteness") {
  for (const Shape& s : kShapes) {
    BehaviourOptions o;
    o.off_manifold = [](const Shape& sh, Dtype d) {
      return 2.0 * eye(sh.back(), d).expand(sh).contiguous();
    };
    check_behaviours(
        "correlation", [](nn::Module& m) { C::correlation(m); }, s, o);
  }
}

TEST_CASE("correlation values have an exactly unit diagonal to rounding") {
  manual_seed(1);
  auto m = weight_holder({6, 6}, kFloat64);
  C::correlation(*m);
  overwrite(*m, "parametrizations.weight.original", randn({6, 6}, kFloat64));
  Tensor Cm = m->get("weight");
  REQUIRE(allclose(Cm.diagonal(), ones({6}, kFloat64), 0, 1e-14));
  REQUIRE(linalg::eigvalsh(Cm).min().item<double>() > 0);
}

TEST_CASE("set of a positive definite matrix round-trips and its eigenvalues are kept") {
  Tensor A = tensor({{4.0, 1.0, 0.5}, {1.0, 3.0, -0.2}, {0.5, -0.2, 1.0}}, kFloat64);
  auto m = weight_holder({3, 3}, kFloat64);
  C::positive_definite(*m);
  m->set("weight", A);
  REQUIRE(max_abs_diff(m->get("weight"), A) < 1e-10);
  // a semidefinite matrix of rank 1 through positive_semidefinite_low_rank(1)
  Tensor v = tensor({1.0, -2.0, 0.5}, kFloat64).unsqueeze(1);
  Tensor R1 = matmul(v, v.mT());
  auto r = weight_holder({3, 3}, kFloat64);
  C::positive_semidefinite_low_rank(*r, "weight", 1);
  r->set("weight", R1);
  REQUIRE(max_abs_diff(r->get("weight"), R1) < 1e-10);
  REQUIRE_THROWS_WITH_SUBSTR(r->set("weight", A), "rank > 1");
}

TEST_CASE("positive_definite with a bounded f holds eigenvalues below 1 only") {
  auto m = weight_holder({3, 3}, kFloat64);
  C::positive_definite(*m, "weight", "sigmoid");
  REQUIRE(linalg::eigvalsh(m->get("weight")).max().item<double>() < 1);
  REQUIRE_THROWS_WITH_SUBSTR(m->set("weight", 2.0 * eye(3, kFloat64)), "is bounded");
  m->set("weight", 0.5 * eye(3, kFloat64));
  REQUIRE(max_abs_diff(m->get("weight"), 0.5 * eye(3, kFloat64)) < 1e-10);
}
