// Problem: regression with a 1-Lipschitz network. Fit y = f(x) with a network (activation |x|)
// whose every
// Linear weight is divided by its spectral norm (parametrizations::spectral_norm), so the network
// is 1-Lipschitz by construction: a certificate robust to input perturbations. The optimizer:
// Adam. Check: the product of the layers' largest singular values (linalg::svdvals, computed
// independently of spectral_norm's power iteration) bounds the network's Lipschitz constant; the
// gap is how much it exceeds 1, tolerance 1e-3. Further checks: the slopes measured on a fine grid
// stay below the bound, and the fit's mean squared error meets its documented tolerance.
#include <cmath>

#include "demo.hpp"

namespace {
using namespace demo;

// |x|, elementwise: 1-Lipschitz and, unlike ReLU, gradient-norm preserving (Anil, Lucas & Grosse
// 2019, "Sorting out Lipschitz function approximation"), so the layers' spectral norms of 1 are
// actually usable slopes.
struct Abs : nn::Module {
  Tensor forward(const Tensor& x) override { return x.abs(); }
  std::string class_name() const override { return "Abs"; }
};

Result run(Run& r) {
  const int64_t width = r.integer("width"), N = 256;
  const Tensor x = linspace(-3, 3, N, kFloat64).unsqueeze(1);
  const Tensor y = 0.5 * (1.5 * x).sin();  // 0.75-Lipschitz
  auto net = std::make_shared<nn::Sequential>();
  net->push_back(std::make_shared<nn::Linear>(1, width, true, kFloat64));
  net->push_back(r.str("activation") == "relu"
                     ? std::shared_ptr<nn::Module>(std::make_shared<nn::ReLU>())
                     : std::make_shared<Abs>());
  net->push_back(std::make_shared<nn::Linear>(width, width, true, kFloat64));
  net->push_back(r.str("activation") == "relu"
                     ? std::shared_ptr<nn::Module>(std::make_shared<nn::ReLU>())
                     : std::make_shared<Abs>());
  net->push_back(std::make_shared<nn::Linear>(width, 1, true, kFloat64));
  std::vector<std::string> layers = {"0", "2", "4"};
  for (const auto& l : layers) parametrizations::spectral_norm(*net->child(l));

  Loop loop;
  loop.loss = [&] { return nn::functional::mse_loss((*net)(x), y); };
  loop.violation = [&] {
    double prod = 1;
    for (const auto& l : layers)
      prod *= value(linalg::svdvals(net->child(l)->get("weight").detach()).max());
    return std::max(0.0, prod - 1.0);
  };
  loop.steps = r.integer("steps");
  adam(r, *net, loop, r.num("lr"));
  r.plot_trajectory();

  // A few more power iterations, then freeze (eval mode) and verify.
  {
    NoGradGuard g;
    for (int i = 0; i < 500; ++i)
      for (const auto& l : layers) net->child(l)->get("weight");
  }
  net->eval();
  double bound = 1;
  for (const auto& l : layers)
    bound *= value(linalg::svdvals(net->child(l)->get("weight").detach()).max());
  Tensor pred;
  {
    NoGradGuard g;
    pred = (*net)(x);
  }
  const double mse = value((pred - y).square().mean());
  const Tensor fine = linspace(-4, 4, 4001, kFloat64).unsqueeze(1);
  Tensor out;
  {
    NoGradGuard g;
    out = (*net)(fine);
  }
  const double slope =
      value(((out.narrow(0, 1, 4000) - out.narrow(0, 0, 4000)).abs() / (8.0 / 4000.0)).max());
  r.say(cat("Lipschitz bound (product of sigma_max) ", bound, ", largest measured slope ", slope,
            ", mse ", mse));
  r.write_csv("fit.csv", {"x", "y", "prediction"},
              {x.flatten().tolist(), y.flatten().tolist(), pred.flatten().tolist()});
  r.gnuplot("fit",
            "set title 'lipschitz: a 1-Lipschitz fit' noenhanced\nset key top left\n"
            "plot '" +
                r.path("fit.csv") +
                "' skip 1 using 1:2 with lines lw 2 title "
                "'target 0.5 sin(1.5 x)', '' skip 1 using 1:3 with lines lw 2 dt 2 title "
                "'network'\n");
  const double mse_tol = r.num("mse");
  Result res{std::max(0.0, bound - 1.0), 1e-3, "max(0, prod sigma_max - 1)", {}};
  res.checks.push_back({"measured slopes <= the bound", slope <= bound * (1 + 1e-9)});
  res.checks.push_back({cat("fit: mse ", mse, " <= ", mse_tol), mse <= mse_tol});
  return res;
}

PARAGRAD_DEMO("lipschitz", "a 1-Lipschitz regression network, verified with svdvals",
              "spectral_norm",
              {{"width", "32", "hidden width", "128"},
               {"steps", "1500", "Adam steps", "6000"},
               {"lr", "0.01", "Adam learning rate"},
               {"mse", "1e-3", "documented fit tolerance (mean squared error)"},
               {"activation", "abs", "abs or relu"}},
              run);
}  // namespace
