#pragma once
// The GEMM kernel behind matmul and linear, compiled once per CPU level (docs/cpu-dispatch.md).
//
// A problem is plain pointers and strides, no Eigen type: each level's translation unit
// (gemm_level.cpp) sees Eigen under a name of its own, so its template instantiations never merge
// with another level's at link time. Strides are in elements; in each operand one of the two is 1
// (row-major: column stride 1; column-major: row stride 1).
#include <cstdint>

#include <paragrad/engine/kernels/level.hpp>

namespace paragrad::kernels {

template <class T>
struct GemmProblem {
  int64_t rows, cols, inner;  // C is rows x cols, A rows x inner, B inner x cols
  const T* a;
  int64_t a_rs, a_cs;
  const T* b;
  int64_t b_rs, b_cs;
  T* c;
  int64_t c_rs, c_cs;
  bool accumulate;  // C += A B instead of C = A B
};

struct GemmKernels {
  void (*f32)(const GemmProblem<float>&);
  void (*f64)(const GemmProblem<double>&);
};
PARAGRAD_DECLARE_LEVEL_TABLES(GemmKernels, gemm_kernels)

// C (=|+=) A B on the active level (kernels/dispatch.cpp).
void gemm(const GemmProblem<float>& p);
void gemm(const GemmProblem<double>& p);

}  // namespace paragrad::kernels
