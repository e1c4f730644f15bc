#pragma once
// CPU capability dispatch (docs/cpu-dispatch.md). The hot kernels are compiled for several x86-64
// levels and one is chosen at the first use from the CPU, as PyTorch's CPU capability dispatch:
//   "baseline"  x86-64 (SSE2), and the only level on other architectures;
//   "avx2"      x86-64-v3 (AVX2, FMA, BMI2);
//   "avx512"    x86-64-v4 (AVX-512 F/BW/CD/DQ/VL).
// The environment variable PARAGRAD_CPU_CAPABILITY (read once, at the first use) caps the choice:
// a level this CPU cannot run, or one not compiled in, gives the highest level below it that can
// run; a value that names no level is ignored. Nothing is printed: cpu_capability() tells.
#include <string>
#include <vector>

#include <paragrad/engine/export.hpp>

PARAGRAD_API_BEGIN

namespace paragrad {

// The level whose kernels run now.
std::string cpu_capability();

// The levels this build holds and this CPU runs, lowest first ("baseline" always).
std::vector<std::string> available_cpu_capabilities();

// Runs the kernels of `level` from now on (for tests and comparisons; every thread). ValueError
// when the level is unknown or not in available_cpu_capabilities().
void set_cpu_capability(const std::string& level);

}  // namespace paragrad

PARAGRAD_API_END
