#pragma once
// The SVD kernel's table for the CPU levels (svd_level.cpp, compiled once per level;
// docs/cpu-dispatch.md). linalg/svd_kernel.cpp picks the active level's.
#include <cstdint>

#include <paragrad/engine/kernels/level.hpp>

namespace paragrad::kernels {

struct SvdKernels {
  // The SVD of the row-major m×n matrix a: s[0..k) descending, k = min(m, n); with U and Vh
  // non-null also U (row-major m×ucols) and Vh (row-major vrows×n), ucols = full ? m : k,
  // vrows = full ? n : k. a must be finite. False when the iteration did not converge.
  bool (*f32)(const float* a, int64_t m, int64_t n, float* s, float* U, float* Vh, bool full);
  bool (*f64)(const double* a, int64_t m, int64_t n, double* s, double* U, double* Vh, bool full);
};
PARAGRAD_DECLARE_LEVEL_TABLES(SvdKernels, svd_kernels)

}  // namespace paragrad::kernels
