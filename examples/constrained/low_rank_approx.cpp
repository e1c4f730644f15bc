// Problem: the best rank-r approximation of a matrix A in the Frobenius norm: minimize |X - A|_F
// over matrices of rank <= r (low_rank) and of rank exactly r (fixed_rank, f = softplus). The
// optimizer: LBFGS, re-based every 5 steps. Closed form (Eckart-Young): the truncated SVD, whose
// error is sqrt(sum_{i > r} sigma_i^2). The gap is the relative excess error of the worse of the
// two, (|X - A| - EY) / EY, tolerance 1e-6.
#include "demo.hpp"

namespace {
using namespace demo;

Result run(Run& r) {
  const int64_t rows = r.integer("rows"), cols = r.integer("cols"), rank = r.integer("rank");
  // A: singular values 2^-i/2 along random directions, plus a little noise.
  const int64_t k = std::min(rows, cols);
  std::vector<double> s;
  for (int64_t i = 0; i < k; ++i) s.push_back(std::pow(2.0, -0.5 * double(i)));
  const Tensor U = constraints::Stiefel({rows, k}, kFloat64).sample();
  const Tensor V = constraints::Stiefel({cols, k}, kFloat64).sample();
  const Tensor A =
      matmul(U * tensor(s, {k}, kFloat64), V.mT()) + 0.01 * randn({rows, cols}, kFloat64);
  const Tensor sv = linalg::svdvals(A);
  const double eckart_young = value(sv.narrow(0, rank, k - rank).square().sum().sqrt());

  double worst = 0;
  for (const std::string kind : {"low_rank", "fixed_rank"}) {
    nn::Module m;
    m.register_parameter("X", zeros({rows, cols}, kFloat64));
    if (kind == "low_rank")
      constraints::low_rank(m, "X", rank);
    else
      constraints::fixed_rank(m, "X", rank);
    Loop loop;
    loop.loss = [&] { return 0.5 * (m.get("X") - A).square().sum(); };
    loop.violation = [&] {
      const Tensor S = linalg::svdvals(m.get("X").detach());
      return value(S.narrow(0, rank, 1).sum() / S.narrow(0, 0, 1).sum());  // sigma_{r+1} / sigma_1
    };
    loop.steps = r.integer("steps");
    loop.rebase_every = r.integer("rebase");
    loop.rebase = {{&m, "X"}};
    r.begin_run(kind);  // each constraint its own run in trajectory.csv and loss.svg
    r.say(cat(kind, "(", rank, "):"));
    lbfgs(r, m, loop);
    const double err = value((m.get("X").detach() - A).norm());
    r.say(cat(kind, ": |X - A| = ", err, ", Eckart-Young ", eckart_young));
    worst = std::max(worst, (err - eckart_young) / eckart_young);
  }
  r.plot_trajectory();
  return Result{worst, 1e-6, "(|X - A| - EY) / EY", {}};
}

PARAGRAD_DEMO("low_rank_approx", "best rank-r approximation, vs Eckart-Young (truncated SVD)",
              "low_rank, fixed_rank",
              {{"rows", "60", "rows of A", "400"},
               {"cols", "40", "columns of A", "300"},
               {"rank", "5", "target rank"},
               {"steps", "20", "LBFGS steps (20 iterations each) per constraint"},
               {"rebase", "5", "update_base every this many steps (0: never)"}},
              run);
}  // namespace
