// linalg workloads, paragrad side: svd forward (16, 64, 256; float64) and svd_backward64.
#include <paragrad/engine/engine.hpp>
#include <paragrad/linalg/linalg.hpp>

#include "common.hpp"

namespace {
using namespace paragrad;
using indexing::Slice;

Tensor from_rows(const bench::RowMatrixXd& m) { return from_eigen(Eigen::MatrixXd(m)); }

void svd(benchmark::State& state) {
  const Tensor A = from_rows(bench::svd_input(int(state.range(0))));
  NoGradGuard no_grad;
  for (auto _ : state) {
    auto [U, S, Vh] = linalg::svd(A, /*full_matrices=*/false);
    benchmark::DoNotOptimize(S.impl());
  }
}

// loss = sum(U[:, 0] · √S₀) + sum(S), forward and backward.
void svd_backward(benchmark::State& state) {
  Tensor A = from_rows(bench::svd_input(int(state.range(0)))).requires_grad_();
  for (auto _ : state) {
    auto [U, S, Vh] = linalg::svd(A, /*full_matrices=*/false);
    Tensor loss = (U.index({Slice(), 0}) * S.index({0}).sqrt()).sum() + S.sum();
    loss.backward();
    benchmark::DoNotOptimize(A.grad().impl());
    A.zero_grad();
  }
}

}  // namespace

BENCHMARK(svd)
    ->Name("paragrad/svd")
    ->Arg(16)
    ->Arg(64)
    ->Arg(256)
    ->Unit(benchmark::kMicrosecond)
    ->Apply(bench::configure);
BENCHMARK(svd_backward)
    ->Name("paragrad/svd_backward")
    ->Arg(64)
    ->Unit(benchmark::kMicrosecond)
    ->Apply(bench::configure);
