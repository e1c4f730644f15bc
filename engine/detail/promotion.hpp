#pragma once
// Type rules for ops that take a C++ double next to a tensor (internal). PyTorch tells a
// Python int from a Python float; a C++ double cannot tell 2 from 2.0, so here an integral
// value that int64 holds acts as a Python int and any other value as a Python float (a
// "wrapped number" of the default dtype, float32). Also integer pow, shared by both pows.
#include <cmath>
#include <cstdint>

#include <paragrad/engine/dtype.hpp>

namespace paragrad::detail {

// Whether s is an integer in [-2^63, 2^63), i.e. converts to int64 without overflow.
inline bool is_int64_value(double s) { return std::floor(s) == s && s >= -0x1p63 && s < 0x1p63; }

// torch.result_type(tensor of dtype d, s): a floating tensor keeps its dtype; an int64 or bool
// tensor gives int64 with an integral s and float32 with any other.
inline Dtype scalar_result_type(Dtype d, double s) {
  if (is_floating(d)) return d;
  return is_int64_value(s) ? kInt64 : kFloat32;
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
