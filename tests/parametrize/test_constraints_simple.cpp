// constraints::symmetric, skew, sphere, positive, simplex and oblique: geotorch's behaviours on
// every size, and what registration keeps.
#include "parametrize/constraints_helpers.hpp"

using namespace paragrad;
using namespace paragrad::test;
namespace P = paragrad::parametrize;

namespace {
const std::vector<Shape> kSquare = {{1, 1}, {2, 2}, {3, 3},    {4, 4},
                                    {5, 5}, {6, 6}, {3, 4, 4}, {2, 2, 3, 3}};
const std::vector<Shape> kAny = {{1, 1}, {3, 3}, {6, 6},    {7, 3},
                                 {3, 7}, {1, 7}, {2, 5, 4}, {2, 2, 3, 3}};
}  // namespace

TEST_CASE("symmetric keeps weights symmetric through steps set and update_base") {
  for (bool lower : {true, false})
    for (const Shape& s : kSquare) {
      BehaviourOptions o;
      o.off_manifold = gaussian();
      if (s.back() == 1) o.off_manifold = nullptr;  // every 1x1 matrix is symmetric
      check_behaviours(
          cat("symmetric lower=", lower),
          [lower](nn::Module& m) { C::symmetric(m, "weight", lower); }, s, o);
    }
}

TEST_CASE("skew keeps weights skew-symmetric through steps set and update_base") {
  for (bool lower : {true, false})
    for (const Shape& s : kSquare) {
      BehaviourOptions o;
      o.off_manifold = [](const Shape& sh, Dtype d) { return randn(sh, d) + 1.0; };
      check_behaviours(
          cat("skew lower=", lower), [lower](nn::Module& m) { C::skew(m, "weight", lower); }, s, o);
    }
}

TEST_CASE("symmetric and skew registration keep the current value's symmetric and skew parts") {
  Tensor W = tensor({{1, 2, 3}, {4, 5, 6}, {7, 8, 10}}, kFloat64);
  auto a = weight_holder({3, 3}, kFloat64);
  overwrite(*a, "weight", W);
  C::symmetric(*a);
  REQUIRE(allclose(a->get("weight"), 0.5 * (W + W.t()), 0, 1e-15));
  auto b = weight_holder({3, 3}, kFloat64);
  overwrite(*b, "weight", W);
  C::skew(*b, "weight", /*lower=*/false);
  REQUIRE(allclose(b->get("weight"), 0.5 * (W - W.t()), 0, 1e-15));
}

TEST_CASE("sphere keeps rows at the radius through steps set and update_base") {
  for (bool embedded : {false, true})
    for (double radius : {0.01, 1.0, 2.0, 10.0})
      for (Shape s :
           {Shape{1}, Shape{5}, Shape{4, 3}, Shape{3, 7}, Shape{2, 3, 4}, Shape{2, 2, 3, 3}}) {
        BehaviourOptions o;
        o.off_manifold = [radius](const Shape& sh, Dtype d) {
          return C::maps::normalize(randn(sh, d), -1, 2.0 * radius);
        };
        check_behaviours(
            cat("sphere r=", radius, " embedded=", embedded),
            [=](nn::Module& m) { C::sphere(m, "weight", radius, embedded); }, s, o);
      }
}

TEST_CASE("sphere registration draws a uniform sample seeded by manual_seed") {
  auto a = weight_holder({6, 3}), b = weight_holder({6, 3});
  manual_seed(21);
  C::sphere(*a);
  manual_seed(21);
  C::sphere(*b);
  REQUIRE(equal(a->get("weight"), b->get("weight")));
  REQUIRE(P::parametrizations(*a, "weight").original().abs().max().item<double>() == 0);
}

TEST_CASE("sphere's gradient at its base point is the projection onto the tangent space") {
  // Right after registration the original is 0, where a plain norm has no derivative.
  auto m = weight_holder({3}, kFloat64);
  C::sphere(*m, "weight", 2.0);
  Tensor x = m->get("weight").detach() / 2.0;
  Tensor R = tensor({0.3, -0.2, 0.5}, kFloat64);
  (m->get("weight") * R).sum().backward();
  Tensor g = P::parametrizations(*m, "weight").original().grad();
  REQUIRE(allclose(g, 2.0 * (R - (R * x).sum() * x), 0, 1e-14));
}

TEST_CASE("positive keeps entries positive through steps set and update_base") {
  for (Shape s : {Shape{}, Shape{1}, Shape{5}, Shape{4, 3}, Shape{2, 3, 4}}) {
    BehaviourOptions o;
    o.off_manifold = [](const Shape& sh, Dtype d) { return -ones(sh, d); };
    check_behaviours(
        "positive", [](nn::Module& m) { C::positive(m); }, s, o);
  }
}

TEST_CASE("simplex keeps positive entries summing to 1 along dim") {
  for (int64_t dim : {int64_t(-1), int64_t(0), int64_t(1)})
    for (Shape s : {Shape{1, 1}, Shape{5, 2}, Shape{4, 3}, Shape{2, 3, 4}}) {
      BehaviourOptions o;
      o.off_manifold = [](const Shape& sh, Dtype d) { return ones(sh, d); };
      if (s[size_t(dim < 0 ? dim + int64_t(s.size()) : dim)] == 1)
        o.off_manifold = [](const Shape& sh, Dtype d) { return -ones(sh, d); };
      check_behaviours(
          cat("simplex dim=", dim), [dim](nn::Module& m) { C::simplex(m, "weight", dim); }, s, o);
    }
  BehaviourOptions o;
  o.off_manifold = [](const Shape& sh, Dtype d) { return ones(sh, d); };
  check_behaviours(
      "simplex of a vector", [](nn::Module& m) { C::simplex(m); }, {6}, o);
}

TEST_CASE("simplex sums are 1 along the chosen dim") {
  auto m = weight_holder({3, 4}, kFloat64);
  C::simplex(*m, "weight", 0);
  REQUIRE(allclose(m->get("weight").sum({0}), ones({4}, kFloat64), 0, 1e-14));
  REQUIRE(m->get("weight").min().item<double>() > 0);
}

TEST_CASE("positive and simplex need strictly positive entries whatever eps") {
  for (Dtype d : {kFloat32, kFloat64}) {
    C::Positive pos({3}, d);
    REQUIRE(pos.in_manifold(tensor({1.0, 1e-30, 2.0}, {3}, d)));
    REQUIRE_FALSE(pos.in_manifold(tensor({1.0, 0.0, 2.0}, {3}, d)));
    REQUIRE_FALSE(pos.in_manifold(tensor({1.0, -0.0, 2.0}, {3}, d), 1.0));
    REQUIRE_FALSE(pos.in_manifold(tensor({1.0, -1e-12, 2.0}, {3}, d), 1e-3));
    C::Simplex sim({3}, d);
    REQUIRE(sim.in_manifold(tensor({0.5, 0.25, 0.25}, {3}, d)));
    // eps still bounds the sum's residual
    REQUIRE(sim.in_manifold(tensor({0.5, 0.25, 0.25 + 1e-7}, {3}, d)));
    REQUIRE_FALSE(sim.in_manifold(tensor({0.5, 0.25, 0.26}, {3}, d)));
    // a vertex or an edge of the closed simplex sums to 1 but is off the open one
    REQUIRE_FALSE(sim.in_manifold(tensor({1.0, 0.0, 0.0}, {3}, d)));
    REQUIRE_FALSE(sim.in_manifold(tensor({0.5, 0.5, 0.0}, {3}, d), 1.0));
  }
  auto p = weight_holder({3}, kFloat64);
  C::positive(*p);
  const Tensor before = p->get("weight");
  REQUIRE_THROWS_WITH_SUBSTR(p->set("weight", tensor({1.0, 0.0, 2.0}, kFloat64)),
                             "positive: the value is not on the manifold (min X = 0");
  REQUIRE(max_abs_diff(p->get("weight"), before) == 0);
  auto s = weight_holder({3}, kFloat64);
  C::simplex(*s);
  REQUIRE_THROWS_WITH_SUBSTR(s->set("weight", tensor({0.5, 0.5, 0.0}, kFloat64)),
                             "entries must be > 0");
}

TEST_CASE("oblique keeps unit-norm columns through steps set and update_base") {
  for (const Shape& s : kAny) {
    BehaviourOptions o;
    o.off_manifold = [](const Shape& sh, Dtype d) {
      return 2.0 * C::maps::normalize(randn(sh, d), -2);
    };
    check_behaviours(
        "oblique", [](nn::Module& m) { C::oblique(m); }, s, o);
  }
}
