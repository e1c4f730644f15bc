// Engine workloads, LibTorch side: op_chain, matmul512, deep_chain (as ../bench_engine.cpp).
#include <algorithm>

#include "torch_common.hpp"

namespace {

void op_chain(benchmark::State& state) {
  bench::Rng rng(bench::kSeedOpChain);
  torch::Tensor x = bench::to_torch(bench::randn(rng, bench::kOpChainLen, 1))
                        .reshape({bench::kOpChainLen})
                        .requires_grad_();
  for (auto _ : state) {
    torch::Tensor y = x;
    for (int i = 0; i < bench::kOpChainReps; ++i) y = (y * 1.01 + 0.1).tanh();
    y.sum().backward();
    benchmark::DoNotOptimize(x.grad().data_ptr());
    x.mutable_grad() = torch::Tensor();  // as paragrad's zero_grad(): grad reset to undefined
  }
  state.counters["ops"] = bench::kOpChainOps;
}

void matmul512(benchmark::State& state) {
  torch::Tensor A = bench::to_torch(bench::matmul_input(0)).requires_grad_();
  torch::Tensor B = bench::to_torch(bench::matmul_input(1)).requires_grad_();
  for (auto _ : state) {
    torch::matmul(A, B).sum().backward();
    benchmark::DoNotOptimize(A.grad().data_ptr());
    benchmark::DoNotOptimize(B.grad().data_ptr());
    A.mutable_grad() = torch::Tensor();
    B.mutable_grad() = torch::Tensor();
  }
  state.counters["GFLOP/s"] =
      benchmark::Counter(bench::kMatmulFlops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void deep_chain(benchmark::State& state) {
  const int ops = int(state.range(0));
  double peak_bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const bool reset = bench::reset_peak_rss();
    const double rss0 = bench::rss_bytes();
    state.ResumeTiming();
    double grad = 0;
    {
      torch::Tensor x = torch::tensor(1.0f).requires_grad_();
      torch::Tensor y = x;
      for (int i = 0; i < ops; ++i) y = (i % 2 == 0) ? y * 0.9999999 : y + 1e-7;
      const double live = bench::rss_bytes();
      y.backward();
      grad = x.grad().item<double>();
      peak_bytes = std::max(live, reset ? bench::peak_rss_bytes() : live) - rss0;
    }
    benchmark::DoNotOptimize(grad);
  }
  state.counters["ops"] = ops;
  state.counters["peak_bytes_per_op"] = peak_bytes / ops;
}

}  // namespace

BENCHMARK(op_chain)->Name("torch/op_chain")->Apply(bench::configure);
BENCHMARK(matmul512)
    ->Name("torch/matmul512")
    ->Unit(benchmark::kMillisecond)
    ->Apply(bench::configure);
BENCHMARK(deep_chain)
    ->Name("torch/deep_chain")
    ->Arg(bench::kDeepChainShortOps)
    ->Arg(bench::kDeepChainOps)
    ->Iterations(1)
    ->Repetitions(1)
    ->Unit(benchmark::kMillisecond);
