// constraints::low_rank, fixed_rank, invertible, sln and almost_orthogonal: geotorch's
// behaviours on every size, rank, map and trivialization.
#include "parametrize/constraints_helpers.hpp"

using namespace paragrad;
using namespace paragrad::test;
namespace P = paragrad::parametrize;

namespace {
const std::vector<Shape> kShapes = {{1, 1}, {2, 2}, {3, 3}, {4, 4}, {5, 5},    {6, 6},
                                    {7, 3}, {3, 7}, {8, 2}, {1, 7}, {2, 5, 4}, {2, 2, 3, 3}};

int64_t min_side(const Shape& s) { return std::min(s[s.size() - 2], s[s.size() - 1]); }

// A Gaussian matrix of rank `rank` (0: zeros), batched.
Tensor of_rank(const Shape& s, Dtype d, int64_t rank) {
  Shape a = s, b = s;
  a.back() = rank;
  b[b.size() - 2] = rank;
  if (rank == 0) return zeros(s, d);
  return matmul(randn(a, d), randn(b, d));
}

// Gaussian matrices with det < 0 (the first column flipped where det > 0).
Tensor negative_det(const Shape& s, Dtype d) {
  Tensor G = randn(s, d);
  Tensor flip = where(linalg::det(G) > 0.0, full({}, -1.0, d), full({}, 1.0, d));
  return cat({G.narrow(-1, 0, 1) * flip.unsqueeze(-1).unsqueeze(-1), G.narrow(-1, 1, s.back() - 1)},
             -1);
}

const char* triv_name(C::Triv t) { return t == C::Triv::Expm ? "expm" : "cayley"; }
}  // namespace

TEST_CASE("low_rank keeps the rank at most r through steps set and update_base") {
  for (C::Triv triv : {C::Triv::Expm, C::Triv::Cayley})
    for (const Shape& s : kShapes)
      for (int64_t rank : {int64_t(1), int64_t(2), min_side(s)}) {
        if (rank > min_side(s)) continue;
        BehaviourOptions o;
        if (rank < min_side(s)) o.off_manifold = gaussian();
        check_behaviours(
            cat("low_rank ", rank, " ", triv_name(triv)),
            [=](nn::Module& m) { C::low_rank(m, "weight", rank, triv); }, s, o);
      }
}

TEST_CASE("fixed_rank keeps the rank exactly r through steps set and update_base") {
  for (std::string f : {"softplus", "exp", "sigmoid"})
    for (C::Triv triv : {C::Triv::Expm, C::Triv::Cayley})
      for (const Shape& s : kShapes)
        for (int64_t rank : {int64_t(1), int64_t(3), min_side(s)}) {
          if (rank > min_side(s)) continue;
          BehaviourOptions o;
          o.off_manifold = [rank](const Shape& sh, Dtype d) { return of_rank(sh, d, rank - 1); };
          check_behaviours(
              cat("fixed_rank ", rank, " ", f, " ", triv_name(triv)),
              [=](nn::Module& m) { C::fixed_rank(m, "weight", rank, f, triv); }, s, o);
        }
}

TEST_CASE("fixed_rank in float64 keeps the rank exactly r") {
  for (const Shape& s : {Shape{5, 3}, Shape{3, 6}, Shape{2, 4, 4}}) {
    BehaviourOptions o;
    o.dtype = kFloat64;
    o.off_manifold = [](const Shape& sh, Dtype d) { return of_rank(sh, d, 1); };
    check_behaviours(
        "fixed_rank 2", [](nn::Module& m) { C::fixed_rank(m, "weight", 2); }, s, o);
  }
}

TEST_CASE("invertible keeps det positive through steps set and update_base") {
  for (std::string f : {"softplus", "exp", "sigmoid"})
    for (C::Triv triv : {C::Triv::Expm, C::Triv::Cayley})
      for (Shape s : {Shape{1, 1}, Shape{2, 2}, Shape{3, 3}, Shape{4, 4}, Shape{5, 5}, Shape{6, 6},
                      Shape{3, 4, 4}}) {
        BehaviourOptions o;
        o.off_manifold = negative_det;
        check_behaviours(
            cat("invertible ", f, " ", triv_name(triv)),
            [=](nn::Module& m) { C::invertible(m, "weight", f, triv); }, s, o);
      }
}

TEST_CASE("invertible samples and values have det greater than 0") {
  manual_seed(4);
  for (int i = 0; i < 5; ++i) {
    nn::Module m;
    m.register_parameter("weight", randn({8, 3, 3}, kFloat64));
    C::invertible(m);
    REQUIRE(linalg::det(m.get("weight")).min().item<double>() > 0);
  }
}

TEST_CASE("sln keeps det equal to 1 through steps set and update_base") {
  for (std::string f : {"softplus", "exp", "sigmoid"})
    for (C::Triv triv : {C::Triv::Expm, C::Triv::Cayley})
      for (Shape s : {Shape{1, 1}, Shape{2, 2}, Shape{3, 3}, Shape{4, 4}, Shape{5, 5}, Shape{6, 6},
                      Shape{2, 3, 3}}) {
        BehaviourOptions o;
        o.off_manifold = [](const Shape& sh, Dtype d) {
          return 2.0 * eye(sh.back(), d).expand(sh).contiguous();
        };
        check_behaviours(
            cat("sln ", f, " ", triv_name(triv)),
            [=](nn::Module& m) { C::sln(m, "weight", f, triv); }, s, o);
      }
}

TEST_CASE("sln values have determinant 1 to rounding") {
  manual_seed(8);
  nn::Module m;
  m.register_parameter("weight", randn({4, 5, 5}, kFloat64));
  C::sln(m);
  REQUIRE(allclose(linalg::det(m.get("weight")), ones({4}, kFloat64), 0, 1e-12));
  REQUIRE_FALSE(C::manifold(m, "weight").in_manifold(-eye(5, kFloat64).expand({4, 5, 5})));
}

TEST_CASE("almost_orthogonal keeps singular values within lam of 1") {
  for (double lam : {0.01, 0.5, 1.0})
    for (std::string f : {"sin", "tanh", "sigmoid"})
      for (C::Triv triv : {C::Triv::Expm, C::Triv::Cayley})
        for (const Shape& s : kShapes) {
          BehaviourOptions o;
          o.off_manifold = [](const Shape& sh, Dtype d) {
            return 3.0 * C::Stiefel(sh, d).sample();
          };
          check_behaviours(
              cat("almost_orthogonal ", lam, " ", f, " ", triv_name(triv)),
              [=](nn::Module& m) { C::almost_orthogonal(m, "weight", lam, f, triv); }, s, o);
        }
}

TEST_CASE("almost_orthogonal with lam 0 is orthogonal") {
  auto m = weight_holder({5, 3}, kFloat64);
  C::almost_orthogonal(*m, "weight", 0.0);
  overwrite(*m, "parametrizations.weight.original", randn({5, 3}, kFloat64));
  Tensor W = m->get("weight");
  REQUIRE(max_abs_diff(matmul(W.mT(), W), eye(3, kFloat64)) < 1e-12);
}

TEST_CASE("set of a matrix of known singular values round-trips through almost_orthogonal") {
  // U diag(0.7, 1.2) V^T with lam 0.5: both singular values are within [0.5, 1.5].
  auto m = weight_holder({4, 2}, kFloat64);
  C::almost_orthogonal(*m, "weight", 0.5, "tanh");
  C::Stiefel St({4, 2}, kFloat64), Sv({2, 2}, kFloat64);
  Tensor X = matmul(St.sample() * tensor({0.7, 1.2}, kFloat64), Sv.sample().mT());
  m->set("weight", X);
  REQUIRE(max_abs_diff(m->get("weight"), X) < 1e-10);
  REQUIRE(allclose(linalg::svdvals(m->get("weight")), tensor({1.2, 0.7}, kFloat64), 0, 1e-10));
}

TEST_CASE("set of a rank r matrix round-trips through low_rank and fixed_rank") {
  manual_seed(9);
  Tensor X = of_rank({6, 4}, kFloat64, 2);
  auto a = weight_holder({6, 4}, kFloat64);
  C::low_rank(*a, "weight", 2);
  a->set("weight", X);
  REQUIRE(max_abs_diff(a->get("weight"), X) < 1e-10);
  auto b = weight_holder({6, 4}, kFloat64);
  C::fixed_rank(*b, "weight", 2);
  b->set("weight", X);
  REQUIRE(max_abs_diff(b->get("weight"), X) < 1e-10);
  REQUIRE(linalg::matrix_rank(b->get("weight")).item<int64_t>() == 2);
}

TEST_CASE("low_rank packs U s and V into one original of the weight's shape") {
  auto m = weight_holder({5, 3}, kFloat64);
  C::low_rank(*m, "weight", 2);
  Tensor original = P::parametrizations(*m, "weight").original();
  REQUIRE(original.shape() == Shape{5, 3});
  // right after registration: U and V at their bases, the singular values on the diagonal
  REQUIRE(original.tril(-1).abs().max().item<double>() == 0);
  REQUIRE(original.triu(1).abs().max().item<double>() == 0);
  Tensor S = linalg::svdvals(m->get("weight"));
  REQUIRE(allclose(original.diagonal().narrow(0, 0, 2), S.narrow(0, 0, 2), 0, 1e-12));
  REQUIRE(m->state_dict().count("parametrizations.weight.0.U.base") == 1);
  REQUIRE(m->state_dict().count("parametrizations.weight.0.V.base") == 1);
}
