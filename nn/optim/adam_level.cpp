// Adam's fused update for one CPU level (adam_kernel.hpp), compiled once per level.
#ifndef PARAGRAD_KERNEL_LEVEL
#error "adam_level.cpp is compiled once per CPU level with -DPARAGRAD_KERNEL_LEVEL=<level>"
#endif
#include <cmath>

#include <paragrad/nn/optim/adam_kernel.hpp>

namespace paragrad::kernels::PARAGRAD_KERNEL_LEVEL {
namespace {

// The whole update of one parameter in a single pass over its elements.
template <class T>
void fused_update(T* p, const T* grad, T* m, T* v, T* vmax, int64_t n, const AdamStep& a) {
  const T b1 = T(a.beta1), b2 = T(a.beta2), one_b1 = T(1 - a.beta1), one_b2 = T(1 - a.beta2);
  const T wd = T(a.weight_decay), shrink = T(1 - a.lr * a.weight_decay);
  const T bc2 = T(a.bias_correction2_sqrt), eps = T(a.eps), neg_step = T(-a.step_size);
  for (int64_t i = 0; i < n; ++i) {
    T g = grad[i];
    if (a.weight_decay != 0) {
      if (a.decoupled)
        p[i] = p[i] * shrink;
      else
        g = g + wd * p[i];
    }
    m[i] = m[i] * b1;
    m[i] = m[i] + one_b1 * g;
    v[i] = v[i] * b2;
    v[i] = v[i] + one_b2 * (g * g);
    T second = v[i];
    if (a.amsgrad) {
      vmax[i] = (vmax[i] > v[i] || vmax[i] != vmax[i]) ? vmax[i] : v[i];
      second = vmax[i];
    }
    const T denom = std::sqrt(second) / bc2 + eps;
    p[i] = p[i] + neg_step * (m[i] / denom);
  }
}

}  // namespace

const AdamKernels adam_kernels = {&fused_update<float>, &fused_update<double>};

}  // namespace paragrad::kernels::PARAGRAD_KERNEL_LEVEL
