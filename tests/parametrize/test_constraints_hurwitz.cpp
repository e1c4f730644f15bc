// constraints::alpha_stable (Hurwitz matrices): geotorch's behaviours, the Lyapunov right
// inverse, and the eigenvalue bound.
#include <Eigen/Eigenvalues>

#include "parametrize/constraints_helpers.hpp"

using namespace paragrad;
using namespace paragrad::test;
namespace P = paragrad::parametrize;

namespace {
// The largest real part of the eigenvalues over a batch (Eigen's nonsymmetric solver).
double max_real_eigenvalue(const Tensor& A) {
  Tensor X = A.detach().to(kFloat64).contiguous();
  const int64_t n = X.size(-1);
  double worst = -1e300;
  for (int64_t b = 0; b < X.numel() / (n * n); ++b) {
    Eigen::Map<const Eigen::Matrix<double, -1, -1, Eigen::RowMajor>> M(
        X.data_ptr<double>() + b * n * n, n, n);
    Eigen::EigenSolver<Eigen::MatrixXd> es(M, false);
    worst = std::max(worst, es.eigenvalues().real().maxCoeff());
  }
  return worst;
}
}  // namespace

TEST_CASE("alpha_stable keeps every eigenvalue's real part at most -alpha") {
  for (double alpha : {0.0, 1e-3, 0.5})
    for (Shape s : {Shape{1, 1}, Shape{2, 2}, Shape{3, 3}, Shape{4, 4}, Shape{5, 5}, Shape{6, 6},
                    Shape{3, 3, 3}}) {
      BehaviourOptions o;
      o.off_manifold = [](const Shape& sh, Dtype d) {
        return eye(sh.back(), d).expand(sh).contiguous();
      };
      check_behaviours(
          cat("alpha_stable ", alpha),
          [alpha](nn::Module& m) { C::alpha_stable(m, "weight", alpha); }, s, o);
      auto m = weight_holder(s, kFloat64);
      C::alpha_stable(*m, "weight", alpha);
      REQUIRE(max_real_eigenvalue(m->get("weight")) <= -alpha + 1e-9);
    }
}

TEST_CASE("alpha_stable has three originals P Q and S") {
  auto m = weight_holder({4, 4});
  C::alpha_stable(*m);
  auto& list = P::parametrizations(*m, "weight");
  REQUIRE(list.num_originals() == 3);
  REQUIRE(m->has("parametrizations.weight.original0"));
  REQUIRE(m->has("parametrizations.weight.original2"));
  REQUIRE(m->parameters().size() == 3);
}

TEST_CASE("set of a stable matrix round-trips through the Lyapunov equation") {
  // A non-normal stable matrix: eigenvalues -1, -2, -0.5 +- 2i, with a large upper part.
  Tensor A = tensor({{-1, 5, 0, 1}, {0, -2, 3, 0}, {0, 0, -0.5, 2}, {0, 0, -2, -0.5}}, kFloat64);
  auto m = weight_holder({4, 4}, kFloat64);
  C::alpha_stable(*m, "weight", 0.25);
  m->set("weight", A);
  REQUIRE(max_abs_diff(m->get("weight"), A) < 1e-9);
}

TEST_CASE("alpha_stable rejects a matrix with an eigenvalue right of -alpha naming the bound") {
  Tensor A = tensor({{-0.1, 1}, {0, -2}}, kFloat64);
  auto m = weight_holder({2, 2}, kFloat64);
  C::alpha_stable(*m, "weight", 0.5);
  REQUIRE_THROWS_WITH(m->set("weight", A), Catch::Matchers::Contains("alpha_stable") &&
                                               Catch::Matchers::Contains("-alpha = -0.5"));
}

TEST_CASE("alpha_stable of a non-square weight is an Error") {
  auto m = weight_holder({3, 4});
  REQUIRE_THROWS_WITH_SUBSTR(C::alpha_stable(*m), "alpha_stable: expected square matrices");
  REQUIRE_FALSE(P::is_parametrized(*m));
}
