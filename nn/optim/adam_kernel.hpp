#pragma once
// Adam's fused update of one parameter (nn/optim/adam.cpp), compiled once per CPU level
// (adam_level.cpp; docs/cpu-dispatch.md). The arithmetic is that of Adam's op-by-op path, in the
// same order and precision, on every level (no FMA contraction), so all give the same numbers.
#include <cstdint>

#include <paragrad/engine/kernels/level.hpp>

namespace paragrad::kernels {

struct AdamStep {
  double lr, beta1, beta2, eps, weight_decay, bias_correction2_sqrt, step_size;
  bool amsgrad, decoupled;
};

struct AdamKernels {
  // p, grad, m (exp_avg), v (exp_avg_sq), vmax (max_exp_avg_sq; null without amsgrad): n each
  void (*f32)(float* p, const float* grad, float* m, float* v, float* vmax, int64_t n,
              const AdamStep& a);
  void (*f64)(double* p, const double* grad, double* m, double* v, double* vmax, int64_t n,
              const AdamStep& a);
};
PARAGRAD_DECLARE_LEVEL_TABLES(AdamKernels, adam_kernels)

}  // namespace paragrad::kernels
