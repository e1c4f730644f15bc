// paragrad_bench: the paragrad and raw Eigen sides of the benchmarks (bench_*.cpp), one thread.
#include <benchmark/benchmark.h>

#include "common.hpp"

int main(int argc, char** argv) {
  bench::pin_one_thread();
  benchmark::AddCustomContext("side", "paragrad+eigen");
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
