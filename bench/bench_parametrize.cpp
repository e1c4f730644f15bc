// parametrize workloads, paragrad side: orthogonal_linear, symmetric_linear and parametrized_get
// (uncached, inside cached(), a plain parameter, and the bare forward ops it should cost).
#include <paragrad/engine/engine.hpp>
#include <paragrad/nn/nn.hpp>
#include <paragrad/parametrize/parametrize.hpp>

#include "common.hpp"

namespace {
using namespace paragrad;

Tensor from_rows(const bench::RowMatrixXd& m) {
  return from_eigen(Eigen::MatrixXd(m)).to(kFloat32).contiguous();
}

// The seed example's parametrization.
struct Symmetric : parametrize::Parametrization {
  Tensor forward(const Tensor& X) override { return X.triu() + X.triu(1).t(); }
  TensorList right_inverse(const Tensor& A) override { return {A.triu()}; }
};

std::shared_ptr<nn::Linear> make_linear(const bench::ParamData& d) {
  auto l = std::make_shared<nn::Linear>(bench::kParamN, bench::kParamN);
  l->set("weight", from_rows(d.lin.weight));
  l->set("bias", from_rows(d.lin.bias).reshape({bench::kParamN}));
  return l;
}

// Linear(64, 64) forward on a batch of 32, loss = sum(y²), backward.
void run_linear(benchmark::State& state, nn::Linear& m, const Tensor& x) {
  for (auto _ : state) {
    Tensor loss = m(x).pow(2).sum();
    loss.backward();
    benchmark::DoNotOptimize(loss.impl());
    m.zero_grad();
  }
}

void orthogonal_linear(benchmark::State& state) {
  const bench::ParamData d = bench::param_data();
  auto m = make_linear(d);
  manual_seed(bench::kSeedParam);
  parametrizations::orthogonal(*m, "weight", "matrix_exp", /*use_trivialization=*/true);
  {
    // A non-zero skew part, so that matrix_exp does representative work (the registration
    // leaves the original at -I, whose skew part is 0).
    NoGradGuard no_grad;
    Tensor original = parametrize::parametrizations(*m, "weight").original();
    original.copy_(from_rows(d.ortho_original));
  }
  run_linear(state, *m, from_rows(d.x));
}

void symmetric_linear(benchmark::State& state) {
  const bench::ParamData d = bench::param_data();
  auto m = make_linear(d);
  parametrize::register_parametrization(*m, "weight", std::make_shared<Symmetric>());
  run_linear(state, *m, from_rows(d.x));
}

// get("weight"): mode 0 uncached, 1 inside cached(), 2 a plain (unparametrized) parameter.
void parametrized_get(benchmark::State& state) {
  const bench::ParamData d = bench::param_data();
  auto m = make_linear(d);
  const int mode = int(state.range(0));
  if (mode != 2) {
    parametrize::register_parametrization(*m, "weight", std::make_shared<Symmetric>());
  }
  if (mode == 1) {
    auto guard = parametrize::cached();
    benchmark::DoNotOptimize(m->get("weight").impl());  // computed once, outside the loop
    for (auto _ : state) benchmark::DoNotOptimize(m->get("weight").impl());
  } else {
    for (auto _ : state) benchmark::DoNotOptimize(m->get("weight").impl());
  }
}

// What an uncached get() must do at least: the Symmetric forward on a 64×64 leaf that requires
// grad.
void symmetric_forward_ops(benchmark::State& state) {
  const bench::ParamData d = bench::param_data();
  Tensor X = from_rows(d.lin.weight).triu().requires_grad_();
  for (auto _ : state) {
    Tensor W = X.triu() + X.triu(1).t();
    benchmark::DoNotOptimize(W.impl());
  }
}

}  // namespace

BENCHMARK(orthogonal_linear)
    ->Name("paragrad/orthogonal_linear")
    ->Unit(benchmark::kMicrosecond)
    ->Apply(bench::configure);
BENCHMARK(symmetric_linear)
    ->Name("paragrad/symmetric_linear")
    ->Unit(benchmark::kMicrosecond)
    ->Apply(bench::configure);
BENCHMARK(parametrized_get)
    ->Name("paragrad/parametrized_get")
    ->Arg(0)
    ->Arg(1)
    ->Arg(2)
    ->Apply(bench::configure);
BENCHMARK(symmetric_forward_ops)->Name("paragrad/symmetric_forward_ops")->Apply(bench::configure);
