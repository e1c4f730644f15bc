// Problem: the closest matrix with unit-norm columns to a matrix A: minimize |X - A|_F over the
// oblique manifold (every column of norm 1). The constraint: oblique. The optimizer: LBFGS.
// Closed form: A with each column divided by its norm. The gap is max |X - X*|, tolerance 1e-6
// (the objective is flat to rounding within about 1e-7 of the optimum).
#include "demo.hpp"

namespace {
using namespace demo;

Result run(Run& r) {
  const int64_t rows = r.integer("rows"), cols = r.integer("cols");
  const Tensor A = randn({rows, cols}, kFloat64) * 2.0 + 0.5;
  nn::Module m;
  m.register_parameter("X", zeros({rows, cols}, kFloat64));
  constraints::oblique(m, "X");
  Loop loop;
  loop.loss = [&] { return 0.5 * (m.get("X") - A).square().sum(); };
  loop.violation = [&] {
    return value((m.get("X").detach().square().sum({0}).sqrt() - 1.0).abs().max());
  };
  loop.steps = r.integer("steps");
  lbfgs(r, m, loop);
  r.plot_trajectory();
  const Tensor closed = A / A.square().sum({0}, true).sqrt();
  const double gap = value((m.get("X").detach() - closed).abs().max());
  Result res{gap, 1e-6, "max |X - A / |A|_columns|", {}};
  res.checks.push_back({"columns of norm 1 (1e-12)", loop.violation() < 1e-12});
  return res;
}

PARAGRAD_DEMO("unit_columns", "closest unit-norm-column matrix, vs column normalization", "oblique",
              {{"rows", "20", "rows", "500"},
               {"cols", "30", "columns", "500"},
               {"steps", "10", "LBFGS steps (20 iterations each)"}},
              run);
}  // namespace
