#pragma once
// Arithmetic that cannot be undefined behaviour:
//  - overflow-checked int64 products and sums for sizes, strides and offsets (a shape like
//    [2^32, 2^32] must raise, not wrap to an empty tensor);
//  - two's-complement (wrapping) int64 arithmetic for Int64 tensor elements, as PyTorch computes
//    them (2^62 * 4 == 0), where the plain C++ operators would be undefined;
//  - range checks for double -> element conversions (NaN, infinities and out-of-range values
//    cannot become int64; a finite value beyond float's range cannot become float32), with
//    PyTorch's rule (c10::overflows) and message "value cannot be converted to type ...".
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include <paragrad/engine/error.hpp>

namespace paragrad::detail {

// out = a * b / a + b; false (out unspecified) when the exact result does not fit in int64.
inline bool mul_ok(int64_t a, int64_t b, int64_t& out) {
#if defined(__GNUC__) || defined(__clang__)
  return !__builtin_mul_overflow(a, b, &out);
#else
  if (a != 0 && b != 0) {
    const int64_t hi = std::numeric_limits<int64_t>::max(),
                  lo = std::numeric_limits<int64_t>::min();
    if ((a > 0 && b > 0 && a > hi / b) || (a > 0 && b < 0 && b < lo / a) ||
        (a < 0 && b > 0 && a < lo / b) || (a < 0 && b < 0 && a < hi / b))
      return false;
  }
  out = a * b;
  return true;
#endif
}
inline bool add_ok(int64_t a, int64_t b, int64_t& out) {
#if defined(__GNUC__) || defined(__clang__)
  return !__builtin_add_overflow(a, b, &out);
#else
  if ((b > 0 && a > std::numeric_limits<int64_t>::max() - b) ||
      (b < 0 && a < std::numeric_limits<int64_t>::min() - b))
    return false;
  out = a + b;
  return true;
#endif
}

// The product of sizes (any range of int64), or false when it overflows int64. A zero
// anywhere makes the product 0, whatever the other sizes (PyTorch's numel rule).
template <class Sizes>
bool numel_ok(const Sizes& sizes, int64_t& out) {
  int64_t n = 1;
  bool overflow = false;
  for (int64_t s : sizes) {
    if (s == 0) {
      out = 0;
      return true;
    }
    overflow = overflow || !mul_ok(n, s, n);
  }
  out = n;
  return !overflow;
}

// --- wrapping element arithmetic: the C++ operator for floats, two's complement for int64
// (computed in uint64, where overflow is defined), and for bool what the int arithmetic would
// give converted back to bool (+ is or, * is and, - is xor).
template <class T>
T wrap_add(T a, T b) {
  if constexpr (std::is_same<T, int64_t>::value)
    return int64_t(uint64_t(a) + uint64_t(b));
  else if constexpr (std::is_same<T, bool>::value)
    return a || b;
  else
    return a + b;
}
template <class T>
T wrap_sub(T a, T b) {
  if constexpr (std::is_same<T, int64_t>::value)
    return int64_t(uint64_t(a) - uint64_t(b));
  else if constexpr (std::is_same<T, bool>::value)
    return a != b;
  else
    return a - b;
}
template <class T>
T wrap_mul(T a, T b) {
  if constexpr (std::is_same<T, int64_t>::value)
    return int64_t(uint64_t(a) * uint64_t(b));
  else if constexpr (std::is_same<T, bool>::value)
    return a && b;
  else
    return a * b;
}
template <class T>
T wrap_neg(T a) {
  if constexpr (std::is_same<T, int64_t>::value)
    return int64_t(uint64_t(0) - uint64_t(a));
  else if constexpr (std::is_same<T, bool>::value)
    return a;
  else
    return -a;
}

// --- double -> element type, as c10::checked_convert: true when v converts without overflow.
// Integers: v truncated toward zero must lie in T's range (NaN and infinities never do).
// float: any finite v within float's range, and the infinities and NaN. double, bool: always.
template <class T>
bool converts_to(double v) {
  if constexpr (std::is_same<T, bool>::value || std::is_same<T, double>::value) {
    return true;
  } else if constexpr (std::is_floating_point<T>::value) {
    return !std::isfinite(v) || std::fabs(v) <= double(std::numeric_limits<T>::max());
  } else {
    static_assert(std::is_integral<T>::value, "converts_to: arithmetic types only");
    // lowest <= v <= max compared in double (as PyTorch), and v < 2^(bits-1) so that int64's
    // max, which rounds up to 2^63 in double, does not admit 2^63 itself.
    constexpr double bound = double(uint64_t(1) << (std::numeric_limits<T>::digits - 1)) * 2.0;
    return v >= -bound && v <= double(std::numeric_limits<T>::max()) && v < bound;
  }
}
template <class T>
const char* conversion_type_name() {
  if constexpr (std::is_same<T, float>::value) return "float";
  if constexpr (std::is_same<T, double>::value) return "double";
  if constexpr (std::is_same<T, int64_t>::value) return "int64";
  if constexpr (std::is_same<T, int>::value) return "int";
  return "bool";
}
// v as T, or a ValueError "<op>: value <v> cannot be converted to type <T> without overflow".
template <class T>
T checked_convert(double v, const char* op) {
  if (!converts_to<T>(v))
    throw ValueError(cat(op, ": value ", v, " cannot be converted to type ",
                         conversion_type_name<T>(), " without overflow"));
  return static_cast<T>(v);
}

}  // namespace paragrad::detail
