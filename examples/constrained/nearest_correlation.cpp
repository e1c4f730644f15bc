// Problem: the nearest correlation matrix (Higham 2002). Given a symmetric matrix A with unit
// diagonal that is not positive semidefinite (an inconsistent estimate of correlations), find
// the correlation matrix C (symmetric positive definite, unit diagonal) minimizing |C - A|_F. The
// constraint: correlation. The optimizer: LBFGS, re-based every 5 steps (without re-basing it
// stalls: the chart's eigenvector rotations degenerate near the boundary), or Adam. Reference:
// Higham's alternating projections with Dykstra's correction, run to convergence in the same
// program. The optimum lies on the boundary (C is singular), which the parametrization approaches
// from inside, so the gap is the relative excess distance (|C - A| - |C_H - A|) / |C_H - A|,
// tolerance 1e-5.
#include "demo.hpp"

namespace {
using namespace demo;

// Projection onto the positive semidefinite cone: negative eigenvalues clipped to 0.
Tensor project_psd(const Tensor& X) {
  auto [l, V] = linalg::eigh(0.5 * (X + X.mT()));
  return matmul(V * l.clamp_min(0.0).unsqueeze(0), V.mT());
}

// Higham (2002), "Computing the nearest correlation matrix", Algorithm 3.3 (unit weights).
Tensor higham(const Tensor& A, int64_t& iterations) {
  const int64_t n = A.size(0);
  Tensor Y = A.clone(), dS = zeros_like(A), X;
  const Tensor off = ones({n, n}, kFloat64) - eye(n, kFloat64);
  for (iterations = 1; iterations <= 100000; ++iterations) {
    const Tensor R = Y - dS;
    X = project_psd(R);
    dS = X - R;
    const Tensor Ynew = X * off + eye(n, kFloat64);  // unit diagonal
    const double change = value((Ynew - Y).norm()) / value(Ynew.norm());
    Y = Ynew;
    if (change < 1e-14) break;
  }
  return Y;
}

Result run(Run& r) {
  const int64_t n = r.integer("n");
  // A correlation matrix of a few factors, perturbed symmetrically off the diagonal.
  const Tensor F = randn({n, 3}, kFloat64);
  Tensor C0 = matmul(F, F.mT()) + 0.1 * eye(n, kFloat64);
  const Tensor d = C0.diagonal().rsqrt();
  C0 = C0 * d.unsqueeze(0) * d.unsqueeze(1);
  Tensor E = randn({n, n}, kFloat64);
  E = 0.25 * (E + E.mT()) * (ones({n, n}, kFloat64) - eye(n, kFloat64));
  const Tensor A = (C0 + E).clamp(-1.0, 1.0);
  const double lambda_min = value(linalg::eigvalsh(A).min());
  r.say(cat("A: ", n, " x ", n, ", unit diagonal, smallest eigenvalue ", lambda_min));

  int64_t iters = 0;
  const Tensor CH = higham(A, iters);
  const double dist_h = value((CH - A).norm());
  r.say(cat("Higham: ", iters, " alternating projections, |C_H - A| = ", dist_h));

  nn::Module m;
  m.register_parameter("C", zeros({n, n}, kFloat64));
  constraints::correlation(m, "C");  // starts from a random correlation matrix
  // (Not from I: there P's eigenvalues coincide and the gradient of its eigenvectors vanishes.)
  Loop loop;
  loop.loss = [&] { return 0.5 * (m.get("C") - A).square().sum(); };
  loop.violation = [&] {
    const Tensor Cm = m.get("C").detach();
    return std::max(value((Cm.diagonal() - 1.0).abs().max()),
                    std::max(0.0, -value(linalg::eigvalsh(Cm).min())));
  };
  loop.steps = r.integer("steps");
  loop.decay = r.num("decay");
  if (r.str("optimizer") == "lbfgs") {
    loop.rebase_every = r.integer("rebase");
    loop.rebase = {{&m, "C"}};
    lbfgs(r, m, loop);
  } else {
    adam(r, m, loop, r.num("lr"));
  }
  r.plot_trajectory();
  const Tensor Cm = m.get("C").detach();
  const double dist = value((Cm - A).norm());
  r.say(cat("|C - A| = ", dist, ", |C - C_H| = ", value((Cm - CH).norm()),
            ", smallest eigenvalue of C ", value(linalg::eigvalsh(Cm).min())));
  Result res{(dist - dist_h) / dist_h, 1e-5, "(|C - A| - |C_H - A|) / |C_H - A|", {}};
  res.checks.push_back(
      {"C is a correlation matrix (unit diagonal to 1e-12, eigenvalues > 0)",
       value((Cm.diagonal() - 1.0).abs().max()) < 1e-12 && value(linalg::eigvalsh(Cm).min()) > 0});
  res.checks.push_back({"A was not positive semidefinite", lambda_min < 0});
  return res;
}

PARAGRAD_DEMO("nearest_correlation", "nearest correlation matrix, vs Higham's projections",
              "correlation",
              {{"n", "10", "matrix size", "20"},
               {"optimizer", "lbfgs", "lbfgs or adam"},
               {"steps", "150", "LBFGS steps (20 iterations each), or Adam steps", "2000"},
               {"rebase", "5", "LBFGS: update_base every this many steps (0: never)"},
               {"lr", "0.02", "Adam learning rate"},
               {"decay", "1", "Adam learning-rate decay per step"}},
              run);
}  // namespace
