// An application compiled for a higher CPU level than the library (uses_eigen_avx2.cpp is built
// with -march=x86-64-v3, the library with no -march): the Eigen objects it gets through paragrad's
// API are made and freed under its own Eigen configuration (32-byte alignment here, 16 in the
// library), so nothing crashes or corrupts the heap (docs/cpu-dispatch.md). This file is
// compiled for the baseline CPU and checks that the CPU runs AVX2 code before calling any.
#include <cstdio>

int run_avx2_application();  // uses_eigen_avx2.cpp

int main() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma") ||
      !__builtin_cpu_supports("bmi2")) {
    std::printf("PARAGRAD_SKIPPED: this CPU cannot run x86-64-v3 code\n");
    return 0;
  }
  return run_avx2_application();
#else
  std::printf("PARAGRAD_SKIPPED: not an x86-64 build\n");
  return 0;
#endif
}
