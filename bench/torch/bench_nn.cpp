// nn workloads, LibTorch side: small_mlp_adam, mlp_sgd and mlp_sgd_memory (as ../bench_nn.cpp).
#include "torch_common.hpp"

namespace {

struct MlpSgd {
  bench::MlpData d = bench::mlp_sgd_data();
  torch::nn::Linear l1{bench::kMlpIn, bench::kMlpHidden}, l2{bench::kMlpHidden, bench::kMlpOut};
  torch::nn::Sequential model;
  torch::Tensor x = bench::to_torch(d.x);
  torch::Tensor y = bench::to_torch(d.y, torch::kInt64).reshape({bench::kMlpBatch});
  std::unique_ptr<torch::optim::SGD> opt;
  MlpSgd() {
    bench::set_linear(l1, d.l1);
    bench::set_linear(l2, d.l2);
    model = torch::nn::Sequential(l1, torch::nn::ReLU(), l2);
    opt = std::make_unique<torch::optim::SGD>(
        model->parameters(), torch::optim::SGDOptions(bench::kMlpLr).momentum(bench::kMlpMomentum));
  }
  float step() {
    bench::zero_grad_to_none(*opt);
    torch::Tensor loss = torch::nn::functional::cross_entropy(model->forward(x), y);
    loss.backward();
    opt->step();
    return loss.item<float>();
  }
};

void mlp_sgd(benchmark::State& state) {
  MlpSgd m;
  for (auto _ : state) benchmark::DoNotOptimize(m.step());
}

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

void small_mlp_adam(benchmark::State& state) {
  const bench::MlpData d = bench::small_mlp_data();
  torch::nn::Linear l1(bench::kSmallIn, bench::kSmallHidden), l2(bench::kSmallHidden, 1);
  bench::set_linear(l1, d.l1);
  bench::set_linear(l2, d.l2);
  torch::nn::Sequential model(l1, torch::nn::Tanh(), l2);
  const torch::Tensor x = bench::to_torch(d.x), y = bench::to_torch(d.y);
  torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(bench::kAdamLr));
  for (auto _ : state) {
    bench::zero_grad_to_none(opt);
    torch::Tensor loss = torch::mse_loss(model->forward(x), y);
    loss.backward();
    opt.step();
    benchmark::DoNotOptimize(loss.data_ptr());
  }
}

}  // namespace

BENCHMARK(small_mlp_adam)
    ->Name("torch/small_mlp_adam")
    ->Unit(benchmark::kMicrosecond)
    ->Apply(bench::configure);
BENCHMARK(mlp_sgd)->Name("torch/mlp_sgd")->Unit(benchmark::kMillisecond)->Apply(bench::configure);
BENCHMARK(mlp_sgd_memory)
    ->Name("torch/mlp_sgd_memory")
    ->Iterations(1)
    ->Repetitions(1)
    ->Unit(benchmark::kMillisecond);
