// nn workloads, paragrad side: small_mlp_adam, mlp_sgd and mlp_sgd_memory.
#include <paragrad/engine/engine.hpp>
#include <paragrad/nn/nn.hpp>

#include "common.hpp"

namespace {
using namespace paragrad;

Tensor from_rows(const bench::RowMatrixXd& m, Dtype dtype = kFloat32) {
  return from_eigen(Eigen::MatrixXd(m)).to(dtype).contiguous();
}

std::shared_ptr<nn::Linear> make_linear(const bench::LinearInit& init) {
  auto l = std::make_shared<nn::Linear>(int(init.weight.cols()), int(init.weight.rows()));
  l->set("weight", from_rows(init.weight));
  l->set("bias", from_rows(init.bias).reshape({int64_t(init.bias.rows())}));
  return l;
}

// 784 → 256 → ReLU → 10, cross-entropy, SGD with momentum: the model, its data and one step.
struct MlpSgd {
  bench::MlpData d = bench::mlp_sgd_data();
  std::shared_ptr<nn::Sequential> model = std::make_shared<nn::Sequential>();
  Tensor x = from_rows(d.x);
  Tensor y = from_rows(d.y, kInt64).reshape({bench::kMlpBatch});
  std::unique_ptr<optim::SGD> opt;
  MlpSgd() {
    model->push_back(make_linear(d.l1));
    model->push_back(std::make_shared<nn::ReLU>());
    model->push_back(make_linear(d.l2));
    opt = std::make_unique<optim::SGD>(model->parameters(), bench::kMlpLr, bench::kMlpMomentum);
  }
  float step() {
    opt->zero_grad();
    Tensor loss = nn::functional::cross_entropy((*model)(x), y);
    loss.backward();
    opt->step();
    return loss.item<float>();
  }
};

void mlp_sgd(benchmark::State& state) {
  MlpSgd m;
  for (auto _ : state) benchmark::DoNotOptimize(m.step());
}

// Resident memory after 1,000 and after 10,000 steps: a leak per step shows as growth.
void mlp_sgd_memory(benchmark::State& state) {
  for (auto _ : state) {
    MlpSgd m;
    double rss_first = 0, hwm_first = 0;
    for (int i = 1; i <= bench::kMemorySteps; ++i) {
      benchmark::DoNotOptimize(m.step());
      if (i == bench::kMemoryFirstProbe) {
        rss_first = bench::rss_bytes();
        hwm_first = bench::peak_rss_bytes();
      }
    }
    state.counters["rss_first_MiB"] = rss_first / (1 << 20);
    state.counters["rss_last_MiB"] = bench::rss_bytes() / (1 << 20);
    state.counters["hwm_first_MiB"] = hwm_first / (1 << 20);
    state.counters["hwm_last_MiB"] = bench::peak_rss_bytes() / (1 << 20);
  }
  state.counters["steps"] = bench::kMemorySteps;
}

// 8 → 32 → tanh → 1, MSE, Adam.
void small_mlp_adam(benchmark::State& state) {
  const bench::MlpData d = bench::small_mlp_data();
  auto model = std::make_shared<nn::Sequential>();
  model->push_back(make_linear(d.l1));
  model->push_back(std::make_shared<nn::Tanh>());
  model->push_back(make_linear(d.l2));
  const Tensor x = from_rows(d.x), y = from_rows(d.y);
  optim::Adam opt(model->parameters(), bench::kAdamLr);
  for (auto _ : state) {
    opt.zero_grad();
    Tensor loss = nn::functional::mse_loss((*model)(x), y);
    loss.backward();
    opt.step();
    benchmark::DoNotOptimize(loss.impl());
  }
}

}  // namespace

BENCHMARK(small_mlp_adam)
    ->Name("paragrad/small_mlp_adam")
    ->Unit(benchmark::kMicrosecond)
    ->Apply(bench::configure);
BENCHMARK(mlp_sgd)
    ->Name("paragrad/mlp_sgd")
    ->Unit(benchmark::kMillisecond)
    ->Apply(bench::configure);
BENCHMARK(mlp_sgd_memory)
    ->Name("paragrad/mlp_sgd_memory")
    ->Iterations(1)
    ->Repetitions(1)
    ->Unit(benchmark::kMillisecond);
