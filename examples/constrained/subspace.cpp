// Problem: the dominant invariant subspace of a symmetric matrix A (n x n, n = 128 as in
// pymanopt's example): maximize trace(X^T A X) over the Grassmannian of 3-dimensional
// subspaces, X an orthonormal basis. The constraint: grassmannian, re-based every 5 steps. The
// optimizer: LBFGS. Closed form: the span of A's top 3 eigenvectors (linalg::eigh). The gap is the
// sine of the largest principal angle between the subspaces, |(I - V V^T) X|_2, tolerance 1e-6.
#include "demo.hpp"

namespace {
using namespace demo;

Result run(Run& r) {
  const int64_t n = r.integer("n"), p = r.integer("p");
  // pymanopt's matrix: a symmetrized Gaussian one.
  Tensor G = randn({n, n}, kFloat64);
  const Tensor A = 0.5 * (G + G.mT());

  nn::Module m;
  m.register_parameter("X", zeros({n, p}, kFloat64));
  constraints::grassmannian(m, "X");
  Loop loop;
  loop.loss = [&] {
    Tensor X = m.get("X");
    return -(X * matmul(A, X)).sum();
  };
  loop.violation = [&] { return orthogonality(m.get("X")); };
  loop.steps = r.integer("steps");
  loop.rebase_every = r.integer("rebase");
  loop.rebase = {{&m, "X"}};
  lbfgs(r, m, loop);
  r.plot_trajectory();

  auto [lambda, V] = linalg::eigh(A);
  const Tensor Vp = V.narrow(1, n - p, p);
  const Tensor X = m.get("X").detach();
  const double sine = value(linalg::matrix_norm(X - matmul(Vp, matmul(Vp.mT(), X)), "2"));
  r.say(cat("trace(X^T A X) = ", -value(loop.loss()), ", sum of the top ", p, " eigenvalues ",
            value(lambda.narrow(0, n - p, p).sum())));
  Result res{sine, 1e-6, "sin(largest principal angle)", {}};
  res.checks.push_back({"X keeps orthonormal columns (1e-12)", loop.violation() < 1e-12});
  return res;
}

PARAGRAD_DEMO("subspace", "dominant invariant subspace (Grassmannian 128x3), vs eigh",
              "grassmannian",
              {{"n", "128", "matrix size"},
               {"p", "3", "subspace dimension"},
               {"steps", "40", "LBFGS steps (20 iterations each)"},
               {"rebase", "5", "update_base every this many steps (0: never)"}},
              run);
}  // namespace
