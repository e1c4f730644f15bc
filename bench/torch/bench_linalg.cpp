// linalg workloads, LibTorch side: svd forward (16, 64, 256; float64) and svd_backward64.
#include "torch_common.hpp"

namespace {
using torch::indexing::Slice;

void svd(benchmark::State& state) {
  const torch::Tensor A = bench::to_torch(bench::svd_input(int(state.range(0))), torch::kFloat64);
  torch::NoGradGuard no_grad;
  for (auto _ : state) {
    auto [U, S, Vh] = torch::linalg_svd(A, /*full_matrices=*/false);
    benchmark::DoNotOptimize(S.data_ptr());
  }
}

void svd_backward(benchmark::State& state) {
  torch::Tensor A =
      bench::to_torch(bench::svd_input(int(state.range(0))), torch::kFloat64).requires_grad_();
  for (auto _ : state) {
    auto [U, S, Vh] = torch::linalg_svd(A, /*full_matrices=*/false);
    torch::Tensor loss = (U.index({Slice(), 0}) * S.index({0}).sqrt()).sum() + S.sum();
    loss.backward();
    benchmark::DoNotOptimize(A.grad().data_ptr());
    A.mutable_grad() = torch::Tensor();
  }
}

}  // namespace

BENCHMARK(svd)
    ->Name("torch/svd")
    ->Arg(16)
    ->Arg(64)
    ->Arg(256)
    ->Unit(benchmark::kMicrosecond)
    ->Apply(bench::configure);
BENCHMARK(svd_backward)
    ->Name("torch/svd_backward")
    ->Arg(64)
    ->Unit(benchmark::kMicrosecond)
    ->Apply(bench::configure);
