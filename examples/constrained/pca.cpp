// Problem: principal component analysis. Find k orthonormal directions W (d x k, W^T W = I) that
// capture the most variance of centered data X (N x d): maximize trace(W^T C W), C = X^T X / N.
// The constraint: orthogonal (Stiefel). The optimizer: Adam, its learning rate decayed by 0.99 a
// step, with dynamic trivialization (re-based every 50 steps, its state reset). Closed form: the
// sum of C's top k eigenvalues (linalg::eigh). The gap is the relative variance not captured, 1 -
// trace(W^T C W) / sum(top k), tolerance 1e-8.
#include "demo.hpp"

namespace {
using namespace demo;

Result run(Run& r) {
  const int64_t N = r.integer("samples"), d = r.integer("dim"), k = r.integer("k");
  // Data with a decaying spectrum: standard deviations 1/(1 + i/3) along random directions.
  std::vector<double> sd;
  for (int64_t i = 0; i < d; ++i) sd.push_back(1.0 / (1.0 + double(i) / 3.0));
  const Tensor Q = constraints::Stiefel({d, d}, kFloat64).sample();
  Tensor X = matmul(randn({N, d}, kFloat64) * tensor(sd, {d}, kFloat64), Q.mT());
  X = X - X.mean({0}, true);
  const Tensor Cov = matmul(X.mT(), X) / double(N);

  nn::Module m;
  m.register_parameter("W", zeros({d, k}, kFloat64));
  constraints::orthogonal(m, "W");
  Loop loop;
  loop.loss = [&] {
    Tensor W = m.get("W");
    return -(W * matmul(Cov, W)).sum();
  };
  loop.violation = [&] { return orthogonality(m.get("W")); };
  loop.steps = r.integer("steps");
  loop.rebase_every = r.integer("rebase");
  loop.decay = r.num("decay");
  loop.rebase = {{&m, "W"}};
  adam(r, m, loop, r.num("lr"));
  r.plot_trajectory();

  const Tensor top = linalg::eigvalsh(Cov).narrow(0, d - k, k).sum();
  const double captured = -value(loop.loss());
  r.say(cat("captured variance ", captured, " of the optimum ", value(top), " (total ",
            value(Cov.diagonal().sum()), ")"));
  Result res{1.0 - captured / value(top), 1e-8, "1 - captured / optimum", {}};
  res.checks.push_back({"W keeps orthonormal columns (1e-12)", loop.violation() < 1e-12});
  return res;
}

PARAGRAD_DEMO("pca", "PCA: the top-k principal subspace, vs the top-k eigenvalues",
              "orthogonal (Stiefel)",
              {{"samples", "2000", "data points"},
               {"dim", "40", "data dimension"},
               {"k", "4", "components"},
               {"steps", "600", "Adam steps"},
               {"lr", "0.02", "Adam learning rate"},
               {"decay", "0.99", "learning-rate decay per step"},
               {"rebase", "50", "update_base every this many steps (0: never)"}},
              run);
}  // namespace
