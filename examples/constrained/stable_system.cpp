// Problem: identify a stable linear system dx/dt = A x from noisy measurements of states x and
// derivatives dx/dt, with the guarantee that the model is alpha-stable (every eigenvalue of A has
// real part <= -alpha). The constraint: alpha_stable (A = P (S - Q/2) - alpha I, P, Q positive
// definite, S skew), re-based every 5 steps. The optimizer: LBFGS. Reference: least squares
// A_ls = dX X^T (X X^T)^-1. When the true system is stable with a margin, A_ls is alpha-stable,
// the constraint is inactive and the fit must equal A_ls: the gap is |A - A_ls|_F / |A_ls|_F,
// tolerance 1e-6. A second fit, on a system whose slowest mode decays slower than alpha,
// shows the guarantee: least squares leaves the stable set, the constrained fit does not.
#include <cmath>

#include <Eigen/Eigenvalues>

#include "demo.hpp"

namespace {
using namespace demo;

double max_real_eigenvalue(const Tensor& A) {
  Eigen::EigenSolver<Eigen::MatrixXd> es(A.detach().to_eigen(), false);
  return es.eigenvalues().real().maxCoeff();
}

// States along trajectories of dx/dt = A x from random starts, and noisy derivatives.
std::pair<Tensor, Tensor> measurements(const Tensor& A, int64_t trajectories, int64_t samples,
                                       double noise) {
  const int64_t n = A.size(0);
  const Tensor step = linalg::matrix_exp(0.05 * A);
  TensorList xs;
  for (int64_t t = 0; t < trajectories; ++t) {
    Tensor x = randn({n, 1}, kFloat64);
    for (int64_t s = 0; s < samples; ++s) {
      xs.push_back(x);
      x = matmul(step, x);
    }
  }
  const Tensor X = cat(xs, 1);
  return {X, matmul(A, X) + noise * randn(X.shape(), kFloat64)};
}

struct Fit {
  Tensor A, A_ls;
};

// One fit: the run `run` of the trajectory (and its lines in loss.svg), announced by `text`.
Fit fit(Run& r, const Tensor& X, const Tensor& dX, double alpha, const std::string& run,
        const std::string& text) {
  const int64_t n = X.size(0);
  const Tensor A_ls = linalg::solve(matmul(X, X.mT()), matmul(X, dX.mT())).mT();
  nn::Module m;
  m.register_parameter("A", zeros({n, n}, kFloat64));
  constraints::alpha_stable(m, "A", alpha);
  Loop loop;
  const double scale = 1.0 / double(X.size(1));
  loop.loss = [&] { return (matmul(m.get("A"), X) - dX).square().sum() * scale; };
  loop.violation = [&] { return std::max(0.0, max_real_eigenvalue(m.get("A")) + alpha); };
  loop.steps = r.integer("steps");
  loop.rebase_every = r.integer("rebase");
  loop.rebase = {{&m, "A"}};
  r.begin_run(run);
  r.say(text);
  lbfgs(r, m, loop);
  return {m.get("A").detach(), A_ls};
}

Result run(Run& r) {
  const int64_t n = r.integer("n");
  const double alpha = r.num("alpha"), noise = r.num("noise");
  // 1. A system with decay rate 0.5 > alpha: the constraint is inactive at the optimum.
  const Tensor A1 = constraints::Hurwitz({n, n}, kFloat64, 0.5).sample();
  auto [X1, dX1] = measurements(A1, 16, 20, noise);
  const Fit f1 =
      fit(r, X1, dX1, alpha, "fit1", "fit 1: a system with margin (the constraint inactive)");
  const double gap = value((f1.A - f1.A_ls).norm() / f1.A_ls.norm());
  r.say(cat("fit 1: |A - A_ls| / |A_ls| = ", gap, ", max Re(eig) ", max_real_eigenvalue(f1.A),
            " (least squares ", max_real_eigenvalue(f1.A_ls), ")"));

  // 2. A slowest mode decaying at rate 0.02 < alpha: least squares is not alpha-stable.
  //    A2 = V diag(-0.02, -0.32, -0.62, ...) V^-1 with V a well-conditioned random basis.
  const Tensor V = eye(n, kFloat64) + 0.3 * randn({n, n}, kFloat64) / std::sqrt(double(n));
  const Tensor decay = -(0.02 + arange(0, double(n), 1, kFloat64) * 0.3);
  const Tensor A2 = matmul(V * decay.unsqueeze(0), linalg::inv(V));
  auto [X2, dX2] = measurements(A2, 16, 20, noise);
  const Fit f2 = fit(r, X2, dX2, alpha, "fit2", "fit 2: a slower system (the constraint active)");
  r.plot_trajectory();  // both fits, one pair of lines each
  const double re_fit = max_real_eigenvalue(f2.A), re_ls = max_real_eigenvalue(f2.A_ls);
  r.say(cat("fit 2: max Re(eig) of the constrained fit ", re_fit, ", of least squares ", re_ls,
            " (bound -alpha = ", -alpha, ")"));
  r.write_csv("eigenvalues.csv", {"fit1_re", "fit2_re", "ls2_re"},
              {{max_real_eigenvalue(f1.A)}, {re_fit}, {re_ls}});

  Result res{gap, 1e-6, "|A - A_ls|_F / |A_ls|_F (fit 1)", {}};
  res.checks.push_back({"fit 1: every eigenvalue has real part <= -alpha",
                        max_real_eigenvalue(f1.A) <= -alpha + 1e-9});
  res.checks.push_back(
      {"fit 2: every eigenvalue has real part <= -alpha", re_fit <= -alpha + 1e-9});
  res.checks.push_back({"fit 2: least squares alone is not alpha-stable", re_ls > -alpha});
  return res;
}

PARAGRAD_DEMO("stable_system", "stable linear system identification, vs least squares",
              "alpha_stable",
              {{"n", "5", "state dimension", "12"},
               {"alpha", "0.1", "guaranteed decay rate"},
               {"noise", "0.01", "noise on the derivatives"},
               {"steps", "15", "LBFGS steps (20 iterations each) per fit"},
               {"rebase", "5", "update_base every this many steps (0: never)"}},
              run);
}  // namespace
