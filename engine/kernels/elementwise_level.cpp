// The elementwise kernels of one CPU level (elementwise.hpp). Compiled once per level; the loops
// are the generic ones of engine/detail/elementwise.hpp and loops.hpp, vectorized by the
// compiler for the level's instruction set (float32 tanh: Eigen's vectorized one).
#ifndef PARAGRAD_KERNEL_LEVEL
#error "elementwise_level.cpp is compiled once per CPU level with -DPARAGRAD_KERNEL_LEVEL=<level>"
#endif
#include <cmath>
#include <type_traits>

#include <Eigen/Core>
#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include <paragrad/engine/kernels/elementwise.hpp>

namespace paragrad::kernels::PARAGRAD_KERNEL_LEVEL {
namespace {

// o[i] = f(o[i], b[i]) (or with b[0]): the output written over the first operand, as when a
// backward rule writes over the gradient it owns (detail::output_for; never over b). One pointer
// reads and writes o, so the loops below keep their __restrict.
template <class T, class F>
void map2_over_a(Operands which, const T* __restrict b, T* __restrict o, int64_t n, F f) {
  switch (which) {
    case Operands::arrays:
      for (int64_t i = 0; i < n; ++i) o[i] = f(o[i], b[i]);
      break;
    case Operands::scalar_a: {
      const T x = o[0];
      for (int64_t i = 0; i < n; ++i) o[i] = f(x, b[i]);
      break;
    }
    case Operands::scalar_b: {
      const T y = b[0];
      for (int64_t i = 0; i < n; ++i) o[i] = f(o[i], y);
      break;
    }
  }
}

template <class T, class F>
void map2(Operands which, const T* __restrict a, const T* __restrict b, T* __restrict o, int64_t n,
          F f) {
  switch (which) {
    case Operands::arrays:
      for (int64_t i = 0; i < n; ++i) o[i] = f(a[i], b[i]);
      break;
    case Operands::scalar_a: {
      const T x = a[0];
      for (int64_t i = 0; i < n; ++i) o[i] = f(x, b[i]);
      break;
    }
    case Operands::scalar_b: {
      const T y = b[0];
      for (int64_t i = 0; i < n; ++i) o[i] = f(a[i], y);
      break;
    }
  }
}

template <class T, class F>
void map2_any(Operands which, const T* a, const T* b, T* o, int64_t n, F f) {
  if (o == a)
    map2_over_a(which, b, o, n, f);
  else
    map2(which, a, b, o, n, f);
}

template <class T>
void binary(Binary op, Operands which, const T* a, const T* b, T* o, int64_t n) {
  switch (op) {
    case Binary::add:
      return map2_any(which, a, b, o, n, [](T x, T y) { return x + y; });
    case Binary::sub:
      return map2_any(which, a, b, o, n, [](T x, T y) { return x - y; });
    case Binary::mul:
      return map2_any(which, a, b, o, n, [](T x, T y) { return x * y; });
    case Binary::div:
      return map2_any(which, a, b, o, n, [](T x, T y) { return x / y; });
    case Binary::none:
      break;
  }
}

template <class T>
void axpy(T alpha, const T* __restrict s, bool scalar, T* __restrict d, int64_t n) {
  if (scalar) {
    const T v = alpha * s[0];
    for (int64_t i = 0; i < n; ++i) d[i] = d[i] + v;
  } else {
    for (int64_t i = 0; i < n; ++i) d[i] = d[i] + alpha * s[i];
  }
}

template <class T, class F>
void map1(const T* __restrict a, T* __restrict o, int64_t n, F f) {
  for (int64_t i = 0; i < n; ++i) o[i] = f(a[i]);
}

// tanh of the r < P elements at a, written to o. With AVX2 (P = 8; 16 with AVX-512) the last
// 1 to 8 of them go as one 8-lane packet loaded and stored under a mask: the lanes beyond r are
// neither read nor written. (Not through a padded block on the stack: loading the whole packet
// right after storing its elements one by one is a load the CPU cannot forward from those stores,
// and it waits for them to reach the cache; perf put a third of the tanh kernel's samples of
// op_chain there.) SSE has no masked load: the baseline level pads a block (at most 3 elements).
#if defined(__AVX2__)
inline void tanh_tail(const float* a, float* o, int r) {
  using Eigen::internal::ptanh;
  for (; r > 8; r -= 8, a += 8, o += 8)  // (AVX-512: a tail of 9 to 15, its first 8 whole)
    _mm256_storeu_ps(o, ptanh(_mm256_loadu_ps(a)));
  const __m256i mask =
      _mm256_cmpgt_epi32(_mm256_set1_epi32(r), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  _mm256_maskstore_ps(o, mask, ptanh(_mm256_maskload_ps(a, mask)));
}
#else
inline void tanh_tail(const float* a, float* o, int r) {
  constexpr int P = Eigen::internal::packet_traits<float>::size;
  Eigen::Array<float, P, 1> block = Eigen::Array<float, P, 1>::Zero();
  for (int i = 0; i < r; ++i) block[i] = a[i];
  block = block.tanh().eval();
  for (int i = 0; i < r; ++i) o[i] = block[i];
}
#endif

template <class T>
void unary(Unary op, const T* a, T* o, int64_t n) {
  switch (op) {
    case Unary::neg:
      return map1(a, o, n, [](T x) { return -x; });
    case Unary::abs:
      return map1(a, o, n, [](T x) { return x < T(0) ? -x : x; });
    case Unary::relu:
      return map1(a, o, n, [](T x) { return x <= T(0) ? T(0) : x; });
    case Unary::tanh:
      if constexpr (std::is_same<T, float>::value) {  // Eigen's vectorized tanh
        // Whole packets through Eigen's loop; the last n % P elements (all of a 4-element tensor)
        // as one more packet, not one by one: Eigen runs a dynamic-size tail in scalar code, 4
        // scalar tanh took about as long as the rest of op_chain's tanh.
        constexpr int64_t P = Eigen::internal::packet_traits<float>::size;
        const int64_t whole = n - n % P;
        if (whole > 0)
          Eigen::Map<Eigen::ArrayXf>(o, whole) = Eigen::Map<const Eigen::ArrayXf>(a, whole).tanh();
        if (whole < n) tanh_tail(a + whole, o + whole, int(n - whole));
#if !defined(__x86_64__)
        // Eigen 3.4 clamps x to +-7.90531 before its rational approximation unless
        // EIGEN_VECTORIZE_FMA, which it defines on x86 only: the bound where the approximation
        // evaluated without FMA reaches 1. NEON's pmadd is a fused multiply-add on aarch64, so
        // there the vectorized tanh stops at +-0.99999976 and tanh(+-inf) would not be +-1. Beyond
        // |x| = 9, +-1 is within an ulp of tanh(x) (and its rounding from 9.011 on). On x86-64
        // every level already gives exactly +-1 there (packets and scalar tails), so this pass
        // would only cost time. (o and a never overlap: unary_map never writes over its operand
        // through these kernels, detail/elementwise.hpp. No call to std::fabs & co.: not
        // inlined, it would be a weak symbol shared with other levels.)
        for (int64_t i = 0; i < n; ++i) {
          const float x = a[i];  // NaN: neither comparison holds, o[i] stays NaN
          o[i] = x >= 9.0f ? 1.0f : x <= -9.0f ? -1.0f : o[i];
        }
#endif
        return;
      } else {
        return map1(a, o, n, [](T x) { return std::tanh(x); });
      }
    case Unary::none:
      break;
  }
}

}  // namespace

const ElementwiseKernels elementwise_kernels = {{&binary<float>, &axpy<float>, &unary<float>},
                                                {&binary<double>, &axpy<double>, &unary<double>}};

}  // namespace paragrad::kernels::PARAGRAD_KERNEL_LEVEL
