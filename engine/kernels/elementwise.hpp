#pragma once
// The elementwise loops with CPU-level kernels (docs/cpu-dispatch.md): the flat (contiguous)
// float32/float64 loops of add, sub, mul, div (two tensors, or a tensor and a one-element one),
// neg, abs, relu, tanh, and add_ with alpha. Each level runs exactly the generic loop's arithmetic
// (IEEE operations in the same order; the level objects are compiled with -ffp-contract=off, so
// no a * b + c becomes an FMA), so every level gives bitwise the same result. The one exception:
// float32 tanh is Eigen's vectorized approximation (at most 6 ulp from the exact value), whose
// polynomial uses FMA where the level has it, so levels may differ in the last bits; it is exactly
// +-1 for |x| >= 9 on every architecture (elementwise_level.cpp: Eigen 3.4's NEON one is not).
#include <cstdint>

#include <paragrad/engine/kernels/level.hpp>

namespace paragrad::kernels {

enum class Binary : int { add, sub, mul, div, none };
enum class Operands : int { arrays, scalar_a, scalar_b };  // which operand is a single value
enum class Unary : int { neg, abs, relu, tanh, none };

template <class T>
struct ElementwiseFns {
  // o[i] = a[i] op b[i] for i in [0, n) (a[0] or b[0] for a scalar operand)
  void (*binary)(Binary op, Operands which, const T* a, const T* b, T* o, int64_t n);
  // d[i] = d[i] + alpha * s[i] (s[0] when scalar): add_ with alpha
  void (*axpy)(T alpha, const T* s, bool scalar, T* d, int64_t n);
  // o[i] = op(a[i]); relu(x) = x <= 0 ? 0 : x (NaN stays NaN)
  void (*unary)(Unary op, const T* a, T* o, int64_t n);
};
struct ElementwiseKernels {
  ElementwiseFns<float> f32;
  ElementwiseFns<double> f64;
};
PARAGRAD_DECLARE_LEVEL_TABLES(ElementwiseKernels, elementwise_kernels)

// The active level's functions for T (float or double) (engine/kernels/dispatch.cpp).
template <class T>
const ElementwiseFns<T>& elementwise();
template <>
const ElementwiseFns<float>& elementwise<float>();
template <>
const ElementwiseFns<double>& elementwise<double>();

}  // namespace paragrad::kernels
