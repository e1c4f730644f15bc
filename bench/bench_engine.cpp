// Engine workloads, paragrad side: op_chain, matmul512, einsum_bmm vs matmul_bmm, deep_chain.
#include <algorithm>

#include <paragrad/engine/engine.hpp>

#include "common.hpp"

namespace {
using namespace paragrad;

Tensor from_rows(const bench::RowMatrixXd& m, Dtype dtype) {
  return from_eigen(Eigen::MatrixXd(m)).to(dtype).contiguous();
}

// op_chain: 4 floats, 33 × (mul 1.01, add 0.1, tanh), sum, backward.
void op_chain(benchmark::State& state) {
  bench::Rng rng(bench::kSeedOpChain);
  Tensor x = from_rows(bench::randn(rng, bench::kOpChainLen, 1), kFloat32)
                 .reshape({bench::kOpChainLen})
                 .requires_grad_();
  for (auto _ : state) {
    Tensor y = x;
    for (int i = 0; i < bench::kOpChainReps; ++i) y = (y * 1.01 + 0.1).tanh();
    y.sum().backward();
    benchmark::DoNotOptimize(x.grad().impl());
    x.zero_grad();
  }
  state.counters["ops"] = bench::kOpChainOps;
}

// matmul512: C = A B, sum, backward (the two gradient GEMMs): 6 n³ flops.
void matmul512(benchmark::State& state) {
  Tensor A = from_rows(bench::matmul_input(0), kFloat32).requires_grad_();
  Tensor B = from_rows(bench::matmul_input(1), kFloat32).requires_grad_();
  for (auto _ : state) {
    matmul(A, B).sum().backward();
    benchmark::DoNotOptimize(A.grad().impl());
    benchmark::DoNotOptimize(B.grad().impl());
    A.zero_grad();
    B.zero_grad();
  }
  state.counters["GFLOP/s"] =
      benchmark::Counter(bench::kMatmulFlops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// einsum_bmm / matmul_bmm: the same batched product, 16 × (128×128 · 128×128), written as
// einsum("bij,bjk->bik") and as matmul; forward, sum, backward. einsum should cost what matmul
// costs (it contracts through matmul without copies; issue 16).
constexpr int kBmmBatch = 16, kBmmN = 128;
void bmm_workload(benchmark::State& state, bool use_einsum) {
  const Shape shape{kBmmBatch, kBmmN, kBmmN};  // the 512×512 inputs hold 16·128·128 values
  Tensor A = from_rows(bench::matmul_input(0), kFloat32).reshape(shape).requires_grad_();
  Tensor B = from_rows(bench::matmul_input(1), kFloat32).reshape(shape).requires_grad_();
  for (auto _ : state) {
    Tensor C = use_einsum ? einsum("bij,bjk->bik", {A, B}) : matmul(A, B);
    C.sum().backward();
    benchmark::DoNotOptimize(A.grad().impl());
    A.zero_grad();
    B.zero_grad();
  }
  state.counters["GFLOP/s"] = benchmark::Counter(6.0 * kBmmBatch * kBmmN * kBmmN * kBmmN * 1e-9,
                                                 benchmark::Counter::kIsIterationInvariantRate);
}
void einsum_bmm(benchmark::State& state) { bmm_workload(state, true); }
void matmul_bmm(benchmark::State& state) { bmm_workload(state, false); }

// deep_chain: a scalar through `ops` alternating mul and add, backward, the graph freed. Reports
// the peak memory above the starting RSS per op.
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
      Tensor x = scalar(1.0).requires_grad_();
      Tensor y = x;
      for (int i = 0; i < ops; ++i) y = (i % 2 == 0) ? y * 0.9999999 : y + 1e-7;
      const double live = bench::rss_bytes();  // the whole graph is alive here
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

BENCHMARK(op_chain)->Name("paragrad/op_chain")->Apply(bench::configure);
BENCHMARK(matmul512)
    ->Name("paragrad/matmul512")
    ->Unit(benchmark::kMillisecond)
    ->Apply(bench::configure);
BENCHMARK(einsum_bmm)
    ->Name("paragrad/einsum_bmm")
    ->Unit(benchmark::kMillisecond)
    ->Apply(bench::configure);
BENCHMARK(matmul_bmm)
    ->Name("paragrad/matmul_bmm")
    ->Unit(benchmark::kMillisecond)
    ->Apply(bench::configure);
BENCHMARK(deep_chain)
    ->Name("paragrad/deep_chain")
    ->Arg(bench::kDeepChainShortOps)
    ->Arg(bench::kDeepChainOps)
    ->Iterations(1)
    ->Repetitions(1)
    ->Unit(benchmark::kMillisecond);
