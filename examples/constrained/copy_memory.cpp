// Problem: the copying-memory task (Hochreiter & Schmidhuber 1997; Arjovsky et al. 2016), as in
// the expRNN paper (Lezcano-Casado & Martinez-Rubio 2019, "Cheap orthogonal constraints in neural
// networks"). A sequence of T + 20 symbols starts with 10 random data symbols from {1..8}, then T
// blanks (0), a marker (9) and 9 more blanks; the network must output blanks until the marker and
// then reproduce the 10 data symbols. A model that remembers nothing can at best output blanks and
// then guess uniformly: cross-entropy 10 log(8) / (T + 20), the baseline. The model: an RNN
// h_t = modReLU(W h_{t-1} + E x_t) whose recurrent weight W is orthogonal (constraints::orthogonal,
// Expm or Cayley), which keeps gradients from vanishing over T steps; W is computed once per
// sequence under parametrize::cached(). The optimizer: Adam (a smaller learning rate for W's
// original, as in the paper). The check: the final loss (averaged over the last evaluations) is
// clearly below the baseline: the gap is loss / baseline, tolerance 0.5. --full uses the paper's
// settings (T = 1000, hidden size 190, batch 128).
#include <cmath>

#include "demo.hpp"

namespace {
using namespace demo;

// Inputs and targets for a batch: [T + 20, B] Int64 each.
std::pair<Tensor, Tensor> batch(int64_t T, int64_t B) {
  Tensor data = randint(1, 9, {10, B});
  Tensor x =
      cat({data, zeros({T - 1, B}, kInt64), full({1, B}, 9, kInt64), zeros({10, B}, kInt64)}, 0);
  Tensor y = cat({zeros({T + 10, B}, kInt64), data}, 0);
  return {x, y};
}

struct ModReLURNN : nn::Module {
  ModReLURNN(int64_t hidden, constraints::Triv triv) : hidden_(hidden) {
    embed = register_module("embed", std::make_shared<nn::Embedding>(10, hidden));
    recurrent = register_module("recurrent", std::make_shared<nn::Linear>(hidden, hidden, false));
    out = register_module("out", std::make_shared<nn::Linear>(hidden, 9));
    register_parameter("bias", (rand({hidden}) - 0.5) * 0.02);
    constraints::orthogonal(*recurrent, "weight", triv);
    // geotorch's recommended initialization for recurrent kernels: block rotations.
    auto& M = dynamic_cast<constraints::Stiefel&>(constraints::manifold(*recurrent, "weight"));
    recurrent->set("weight", M.sample("torus"));
    NoGradGuard g;
    Tensor w = embed->get("weight");
    w.mul_(1.0 / std::sqrt(double(hidden)));
  }
  // logits [T + 20, B, 9]
  Tensor run(const Tensor& x) {
    auto guard = parametrize::cached();  // W once per sequence
    const Tensor W = recurrent->get("weight");
    const Tensor b = get("bias");
    const Tensor inputs = embed->forward(x);  // [L, B, hidden]
    Tensor h = zeros({x.size(1), hidden_});
    TensorList hs;
    for (int64_t t = 0; t < x.size(0); ++t) {
      const Tensor z = matmul(h, W.mT()) + inputs.select(0, t);
      h = z.sign() * (z.abs() + b).relu();  // modReLU
      hs.push_back(h);
    }
    return out->forward(stack(hs, 0));
  }
  std::shared_ptr<nn::Embedding> embed;
  std::shared_ptr<nn::Linear> recurrent, out;
  int64_t hidden_;
};

Result run(Run& r) {
  const int64_t T = r.integer("T"), hidden = r.integer("hidden"), B = r.integer("batch");
  const int64_t steps = r.integer("steps");
  const std::string triv_name = r.str("triv");
  check<ValueError>(triv_name == "expm" || triv_name == "cayley",
                    "copy_memory: --triv expects expm or cayley, got ", triv_name);
  const auto triv = triv_name == "expm" ? constraints::Triv::Expm : constraints::Triv::Cayley;
  const double baseline = 10.0 * std::log(8.0) / double(T + 20);
  r.say(cat("T = ", T, ", hidden ", hidden, ", batch ", B, ", ", triv_name,
            "; memoryless baseline ", baseline));

  ModReLURNN model(hidden, triv);
  const Tensor W_original = parametrize::parametrizations(*model.recurrent, "weight").original();
  TensorList others;
  for (const Tensor& p : model.parameters())
    if (!p.is_same(W_original)) others.push_back(p);
  optim::Adam opt(others, r.num("lr"));
  opt.add_param_group({W_original}, {{"lr", r.num("lr_orthogonal")}});

  std::vector<double> losses, violations;
  double recent = 0;
  for (int64_t step = 1; step <= steps; ++step) {
    auto [x, y] = batch(T, B);
    opt.zero_grad();
    const Tensor logits = model.run(x);
    const Tensor loss = nn::functional::cross_entropy(logits.reshape({-1, 9}), y.reshape({-1}));
    loss.backward();
    opt.step();
    const double l = value(loss);
    losses.push_back(l);
    const int64_t window = std::min<int64_t>(20, int64_t(losses.size()));
    recent = 0;
    for (int64_t i = 0; i < window; ++i) recent += losses[losses.size() - 1 - size_t(i)];
    recent /= double(window);
    violations.push_back(orthogonality(model.recurrent->get("weight")));
    r.log(step, steps, l, violations.back());
  }
  // The loss curve against the baseline, and the recurrent weight's distance from orthogonal.
  std::vector<double> idx, base;
  for (size_t i = 0; i < losses.size(); ++i) {
    idx.push_back(double(i + 1));
    base.push_back(baseline);
  }
  r.write_csv("loss.csv", {"step", "loss", "baseline", "violation"},
              {idx, losses, base, violations});
  r.gnuplot("loss", "set title 'copy_memory: T = " + std::to_string(T) +
                        "' noenhanced\nset xlabel 'step'\nset ylabel 'cross-entropy'\n"
                        "set logscale y\nset y2label 'constraint violation max|W^T W - I|' "
                        "noenhanced\nset logscale y2\nset format y2 '%.0e'\nset ytics nomirror\n"
                        "set y2tics\nplot '" +
                        r.path("loss.csv") +
                        "' skip 1 using 1:2 with lines lw 1 title 'orthogonal RNN (" + triv_name +
                        ")', '' skip 1 using 1:3 with lines lw 2 dt 2 title 'memoryless "
                        "baseline', '' skip 1 using 1:($4 > 1e-17 ? $4 : 1e-17) axes x1y2 with "
                        "lines lw 1 dt 3 title 'violation'\n");
  r.say(cat("mean loss over the last 20 steps ", recent, " = ", recent / baseline,
            " x the baseline"));
  Result res{recent / baseline, 0.5, "final loss / baseline 10 log(8)/(T+20)", {}};
  res.checks.push_back({"the recurrent weight stays orthogonal (1e-4, float32)",
                        orthogonality(model.recurrent->get("weight")) < 1e-4});
  return res;
}

PARAGRAD_DEMO("copy_memory", "copying memory with an orthogonal RNN (expRNN), vs the baseline",
              "orthogonal (Expm / Cayley), cached()",
              {{"T", "100", "delay (sequence length T + 20)", "1000"},
               {"hidden", "64", "hidden size", "190"},
               {"batch", "64", "batch size", "128"},
               {"steps", "400", "training steps", "4000"},
               {"triv", "expm", "expm or cayley"},
               {"lr", "2e-3", "Adam learning rate"},
               {"lr_orthogonal", "2e-4", "Adam learning rate of the recurrent weight"}},
              run);
}  // namespace
