// Problem: spread N points on the unit sphere in R^3 (Thomson's problem): minimize the
// electrostatic energy sum_{i<j} 1 / |x_i - x_j| over N points with |x_i| = 1. The constraint:
// sphere on an [N, 3] weight (each row a point: leading dims are batch dims), re-based every 5
// steps. The optimizer: LBFGS. Closed form, for N = 2, 3, 4, 6: antipodal points, an equilateral
// triangle on a great circle, the regular tetrahedron (every pairwise angle arccos(-1/3) =
// 109.4712 degrees), the octahedron. The gap is the largest difference between the sorted
// pairwise angles and the closed form's, in degrees, tolerance 1e-4. Plot: the points on the
// sphere.
#include <algorithm>
#include <cmath>

#include "demo.hpp"

namespace {
using namespace demo;
constexpr double kPi = 3.14159265358979323846;

std::vector<double> expected_angles(int64_t N) {
  const double tet = std::acos(-1.0 / 3.0) * 180.0 / kPi;
  if (N == 2) return {180.0};
  if (N == 3) return {120.0, 120.0, 120.0};
  if (N == 4) return std::vector<double>(6, tet);
  if (N == 6) {
    std::vector<double> a(12, 90.0);
    a.insert(a.end(), 3, 180.0);
    return a;
  }
  throw ValueError(
      cat("sphere_packing: --points must be 2, 3, 4 or 6 (the closed forms), got ", N));
}

Result run(Run& r) {
  const int64_t N = r.integer("points");
  const std::vector<double> expected = expected_angles(N);
  nn::Module m;
  m.register_parameter("x", zeros({N, 3}, kFloat64));
  constraints::sphere(m, "x");
  const Tensor upper = ones({N, N}, kFloat64).triu(1);
  const Tensor I = eye(N, kFloat64);
  Loop loop;
  loop.loss = [&] {
    Tensor x = m.get("x");
    Tensor d2 = (x.unsqueeze(1) - x.unsqueeze(0)).square().sum({-1});
    return ((d2 + I).rsqrt() * upper).sum();  // (the diagonal, masked out, kept away from 0)
  };
  loop.violation = [&] {
    return value((m.get("x").detach().square().sum({1}).sqrt() - 1.0).abs().max());
  };
  loop.steps = r.integer("steps");
  loop.rebase_every = r.integer("rebase");
  loop.rebase = {{&m, "x"}};
  lbfgs(r, m, loop);
  r.plot_trajectory();

  const Tensor x = m.get("x").detach();
  const Tensor cosines = matmul(x, x.mT()).clamp(-1.0, 1.0);
  std::vector<double> angles;
  for (int64_t i = 0; i < N; ++i)
    for (int64_t j = i + 1; j < N; ++j)
      angles.push_back(std::acos(cosines.index({i, j}).item<double>()) * 180.0 / kPi);
  std::sort(angles.begin(), angles.end());
  double gap = 0;
  for (size_t i = 0; i < angles.size(); ++i) gap = std::max(gap, std::abs(angles[i] - expected[i]));
  r.say(cat("smallest pairwise angle ", angles.front(), " degrees (closed form ", expected.front(),
            ")"));

  std::vector<std::vector<double>> cols;
  for (int64_t c = 0; c < 3; ++c) cols.push_back(x.select(1, c).contiguous().tolist());
  r.write_csv("points.csv", {"x", "y", "z"}, cols);
  std::vector<std::vector<double>> edges(6);  // every pair: from (x, y, z) by (dx, dy, dz)
  for (int64_t i = 0; i < N; ++i)
    for (int64_t j = i + 1; j < N; ++j)
      for (int64_t c = 0; c < 3; ++c) {
        edges[size_t(c)].push_back(cols[size_t(c)][size_t(i)]);
        edges[size_t(c + 3)].push_back(cols[size_t(c)][size_t(j)] - cols[size_t(c)][size_t(i)]);
      }
  r.write_csv("edges.csv", {"x", "y", "z", "dx", "dy", "dz"}, edges);
  r.gnuplot(
      "points",
      "set title 'sphere_packing: " + std::to_string(N) +
          " points' noenhanced\n"
          "set parametric\nset isosamples 24, 12\nset urange [0:2*pi]\nset vrange [-pi/2:pi/2]\n"
          "set view equal xyz\nset view 65, 35\nunset border\nunset tics\nset key bottom right\n"
          "splot cos(u)*cos(v), sin(u)*cos(v), sin(v) with lines lc rgb '#dddddd' notitle, '" +
          r.path("edges.csv") +
          "' skip 1 using 1:2:3:4:5:6 with vectors nohead lw 2 "
          "lc rgb '#1f77b4' title 'pairs', '" +
          r.path("points.csv") +
          "' skip 1 using 1:2:3 "
          "with points pt 7 ps 2 lc rgb '#d62728' title 'points'\n");
  Result res{gap, 1e-4, "max |pairwise angle - closed form| (degrees)", {}};
  res.checks.push_back({"points on the unit sphere (1e-12)", loop.violation() < 1e-12});
  return res;
}

PARAGRAD_DEMO("sphere_packing", "points on the sphere (Thomson), vs the regular tetrahedron",
              "sphere (batched rows)",
              {{"points", "4", "number of points: 2, 3, 4 or 6", "6"},
               {"steps", "20", "LBFGS steps (20 iterations each)"},
               {"rebase", "5", "update_base every this many steps (0: never)"}},
              run);
}  // namespace
