// Problem: rotation fitting (orthogonal Procrustes / Kabsch) for a batch of point clouds: for
// each cloud b find the rotation R_b in SO(3) that best maps points P_b onto noisy rotated copies
// Q_b, minimizing sum_b |P_b R_b^T - Q_b|^2. The constraint: special_orthogonal on a [B, 3, 3]
// weight (leading dims are batch dims), re-based every 5 steps. The optimizer: LBFGS. Closed form:
// Kabsch's R_b = V diag(1, 1, det(V U^T)) U^T from the SVD U S V^T of P_b^T Q_b. The gap is
// max_b |R_b - R_b*|_F, tolerance 1e-6. Plot: cloud 0 before, its target and the fitted cloud.
#include "demo.hpp"

namespace {
using namespace demo;

Result run(Run& r) {
  const int64_t B = r.integer("clouds"), npts = r.integer("points");
  const double noise = r.num("noise");
  const Tensor R_true = constraints::SpecialOrthogonal({B, 3, 3}, kFloat64).sample();
  const Tensor P = randn({B, npts, 3}, kFloat64);
  const Tensor Q = matmul(P, R_true.mT()) + noise * randn({B, npts, 3}, kFloat64);

  nn::Module m;
  m.register_parameter("R", zeros({B, 3, 3}, kFloat64));
  constraints::special_orthogonal(m, "R");
  Loop loop;
  loop.loss = [&] { return (matmul(P, m.get("R").mT()) - Q).square().sum() / double(B * npts); };
  loop.violation = [&] { return orthogonality(m.get("R")); };
  loop.steps = r.integer("steps");
  loop.rebase_every = r.integer("rebase");
  loop.rebase = {{&m, "R"}};
  lbfgs(r, m, loop);
  r.plot_trajectory();

  // Kabsch, per cloud
  auto [U, S, Vh] = linalg::svd(matmul(P.mT(), Q));
  const Tensor V = Vh.mT();
  const Tensor d = linalg::det(matmul(V, U.mT()));
  const Tensor D = cat({ones({B, 2}, kFloat64), d.unsqueeze(-1)}, -1);
  const Tensor R_star = matmul(V * D.unsqueeze(-2), U.mT());
  const Tensor R = m.get("R").detach();
  const double gap = value((R - R_star).square().sum({-2, -1}).sqrt().max());

  // cloud 0: source, target, fitted
  const Tensor fit = matmul(P.select(0, 0), R.select(0, 0).mT());
  std::vector<std::vector<double>> cols;
  for (const Tensor& t : {P.select(0, 0), Q.select(0, 0), fit})
    for (int64_t c = 0; c < 3; ++c) cols.push_back(t.select(1, c).contiguous().tolist());
  r.write_csv("cloud.csv", {"px", "py", "pz", "qx", "qy", "qz", "fx", "fy", "fz"}, cols);
  r.gnuplot("cloud",
            "set title 'procrustes: cloud 0' noenhanced\nset view 60, 30\nset ticslevel 0\n"
            "splot '" +
                r.path("cloud.csv") +
                "' skip 1 using 1:2:3 with points pt 6 lc rgb '#999999' "
                "title 'source P', '' skip 1 using 4:5:6 with points pt 7 ps 0.6 lc rgb '#1f77b4' "
                "title 'target Q', '' skip 1 using 7:8:9 with points pt 1 ps 1.2 lc rgb '#d62728' "
                "title 'P R^T (fitted)'\n");
  Result res{gap, 1e-6, "max_b |R_b - R_b(Kabsch)|_F", {}};
  res.checks.push_back({"every R_b is a rotation (orthogonal to 1e-12, det > 0)",
                        loop.violation() < 1e-12 && value(linalg::det(R).min()) > 0});
  return res;
}

PARAGRAD_DEMO("procrustes", "rotation fitting for a batch of point clouds, vs Kabsch (SVD)",
              "special_orthogonal (batched)",
              {{"clouds", "16", "point clouds in the batch", "256"},
               {"points", "40", "points per cloud"},
               {"noise", "0.05", "noise on the targets"},
               {"steps", "15", "LBFGS steps (20 iterations each)"},
               {"rebase", "5", "update_base every this many steps (0: never)"}},
              run);
}  // namespace
