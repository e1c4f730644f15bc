// paragrad_bench_torch: the LibTorch side of the benchmarks (torch/bench_*.cpp), one thread.
#include <ATen/Parallel.h>
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include "common.hpp"

int main(int argc, char** argv) {
  bench::pin_one_thread();
  torch::set_num_threads(1);
  at::set_num_interop_threads(1);
  benchmark::AddCustomContext("side", "libtorch");
  benchmark::AddCustomContext("torch_version", TORCH_VERSION);
  benchmark::AddCustomContext("torch_threads", std::to_string(at::get_num_threads()));
  benchmark::AddCustomContext("torch_interop_threads",
                              std::to_string(at::get_num_interop_threads()));
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
