// Problem: the dominant eigenvector of a symmetric matrix A, i.e. maximize x^T A x over the unit
// sphere |x| = 1 (the Rayleigh quotient). The constraint: sphere (the exponential-map chart at a
// base point, re-based every 5 steps: dynamic trivialization). The optimizer: LBFGS. Closed form:
// the eigenvector of A's largest eigenvalue from linalg::eigh. The gap is the sine of the angle
// between the two, |x - <x, v> v|, with tolerance 1e-6.
#include "demo.hpp"

namespace {
using namespace demo;

Result run(Run& r) {
  const int64_t n = r.integer("n");
  // A spectrum with its top eigenvalue 10 and the rest spread over [-8, 8].
  std::vector<double> spectrum{10.0};
  for (int64_t i = 1; i < n; ++i) spectrum.push_back(8.0 - 16.0 * double(i - 1) / double(n - 1));
  const Tensor A = symmetric_with_spectrum(spectrum);

  nn::Module m;
  m.register_parameter("x", zeros({n}, kFloat64));
  constraints::sphere(m, "x");
  Loop loop;
  loop.loss = [&] {
    Tensor x = m.get("x");
    return -(x * matmul(A, x)).sum();
  };
  loop.violation = [&] { return std::abs(value(m.get("x").norm()) - 1.0); };
  loop.steps = r.integer("steps");
  loop.rebase_every = r.integer("rebase");
  loop.rebase = {{&m, "x"}};
  lbfgs(r, m, loop);
  r.plot_trajectory();

  auto [lambda, V] = linalg::eigh(A);
  const Tensor v = V.select(1, n - 1);
  const Tensor x = m.get("x").detach();
  const double sine = value((x - (x * v).sum() * v).norm());
  r.say(cat("x^T A x = ", -loop.loss().item<double>(), ", largest eigenvalue ",
            lambda.max().item<double>()));
  Result res{sine, 1e-6, "sin(angle(x, v_max))", {}};
  res.checks.push_back({"x stays on the sphere (| |x| - 1 | < 1e-12)", loop.violation() < 1e-12});
  return res;
}

PARAGRAD_DEMO("eigenvector", "dominant eigenvector of a symmetric matrix, vs eigh", "sphere",
              {{"n", "200", "matrix size", "1000"},
               {"steps", "30", "LBFGS steps (20 iterations each)"},
               {"rebase", "5", "update_base every this many steps (0: never)"}},
              run);
}  // namespace
