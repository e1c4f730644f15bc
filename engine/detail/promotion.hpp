#pragma once
// Type rules for ops that take a C++ double next to a tensor (internal). PyTorch tells a
// Python int from a Python float; a C++ double cannot tell 2 from 2.0, so here an integral
// value that int64 holds acts as a Python int and any other value as a Python float (a
// "wrapped number" of the default dtype, float32). Also integer pow, shared by both pows.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <type_traits>

#include <paragrad/engine/branch_hints.hpp>
#include <paragrad/engine/dtype.hpp>

namespace paragrad::detail {

// Whether s is an integer in [-2^63, 2^63), i.e. converts to int64 without overflow.
inline bool is_int64_value(double s) { return std::floor(s) == s && s >= -0x1p63 && s < 0x1p63; }

// torch.result_type(tensor of dtype d, s): a floating tensor keeps its dtype; an int64 or bool
// tensor gives int64 with an integral s and float32 with any other.
inline Dtype scalar_result_type(Dtype d, double s) {
  if (PARAGRAD_LIKELY(is_floating(d))) return d;
  return is_int64_value(s) ? kInt64 : kFloat32;
}

// The dtype of torch.clamp(tensor of dtype d, lo, hi) with the bounds given: result_type of the
// tensor with each bound; a bool tensor clamped to integers is int64.
inline Dtype clamp_result_type(Dtype d, std::optional<double> lo, std::optional<double> hi) {
  Dtype t = d;
  if (lo) t = promote(t, scalar_result_type(d, *lo));
  if (hi) t = promote(t, scalar_result_type(d, *hi));
  return t == kBool ? kInt64 : t;
}

// Whether an in-place op may write a result of dtype `from` into a tensor of dtype `to`
// (PyTorch's canCast): a floating result never goes into an integer or bool tensor, nor an
// integer one into a bool tensor.
inline constexpr bool can_cast(Dtype from, Dtype to) {
  return !(is_floating(from) && !is_floating(to)) && !(from != kBool && to == kBool);
}

// min(max(v, l), h) as torch.clamp: with l > h every element becomes h; a NaN v stays NaN and a
// NaN bound gives NaN (for floating T; an integer T never sees a NaN bound, its dtype rule makes
// the result floating). Compared as double: an infinite bound is never cast to an integer type.
template <class T>
T clamp_value(T v, double l, double h) {
  if constexpr (std::is_floating_point<T>::value) {
    if (v != v) return v;
    if (l != l || h != h) return std::numeric_limits<T>::quiet_NaN();
  }
  const double r = std::min(std::max(double(v), l), h);
  return r == double(v) ? v : T(r);
}

// x^y for integers as PyTorch computes it: by squaring, wrapping around on overflow (done in
// unsigned arithmetic, where wrapping is defined); a negative power is 0 except for the bases
// 1 and -1 (1/x^|y| truncated toward zero).
inline int64_t int_pow(int64_t x, int64_t y) {
  if (y < 0) return x == 1 ? 1 : (x == -1 ? ((y & 1) ? -1 : 1) : 0);
  uint64_t result = 1, base = uint64_t(x);
  for (auto e = uint64_t(y); e; e >>= 1) {
    if (e & 1) result *= base;
    base *= base;
  }
  return int64_t(result);
}

}  // namespace paragrad::detail
