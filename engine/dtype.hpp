#pragma once
// The four element types, their sizes and names, PyTorch's promotion rule, and
// `dispatch`, which turns a runtime Dtype into a compile-time C++ type once per op.
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <type_traits>

#include <paragrad/engine/error.hpp>
#include <paragrad/engine/export.hpp>

PARAGRAD_API_BEGIN

namespace paragrad {

enum class Dtype : uint8_t { Float32, Float64, Int64, Bool };
inline constexpr Dtype kFloat32 = Dtype::Float32, kFloat64 = Dtype::Float64, kInt64 = Dtype::Int64,
                       kBool = Dtype::Bool;

inline constexpr size_t element_size(Dtype d) {
  switch (d) {
    case Dtype::Float32:
      return 4;
    case Dtype::Float64:
      return 8;
    case Dtype::Int64:
      return 8;
    case Dtype::Bool:
      return 1;
  }
  return 1;
}
inline constexpr bool is_floating(Dtype d) { return d == kFloat32 || d == kFloat64; }
const char* dtype_name(Dtype d);  // "float32", ...
std::ostream& operator<<(std::ostream& os, Dtype d);

// torch.result_type for two tensors: float beats int beats bool; wider float wins.
inline Dtype promote(Dtype a, Dtype b) {
  if (a == b) return a;
  if (a == kFloat64 || b == kFloat64) return kFloat64;
  if (a == kFloat32 || b == kFloat32) return kFloat32;
  return kInt64;  // Int64 with Bool
}

// torch.result_type's rule for two tensor operands, given their dtypes and whether each is
// 0-d: the dimensioned operands decide the dtype within their category (bool < integer <
// floating); a 0-d operand counts only when its category is higher. So ones({3}) (float32)
// times a 0-d float64 tensor is float32, but an int64 tensor times a 0-d float64 is float64.
inline Dtype result_type(Dtype a, bool a_zero_dim, Dtype b, bool b_zero_dim) {
  if (a_zero_dim == b_zero_dim) return promote(a, b);
  const Dtype dim = a_zero_dim ? b : a, zero = a_zero_dim ? a : b;
  if (is_floating(dim)) return dim;
  if (dim == kBool || is_floating(zero)) return promote(dim, zero);
  return dim;
}

template <class T>
struct dtype_of;
template <>
struct dtype_of<float> {
  static constexpr Dtype value = kFloat32;
};
template <>
struct dtype_of<double> {
  static constexpr Dtype value = kFloat64;
};
template <>
struct dtype_of<int64_t> {
  static constexpr Dtype value = kInt64;
};
template <>
struct dtype_of<bool> {
  static constexpr Dtype value = kBool;
};

// dispatch(d, [&](auto tag) { using T = decltype(tag); ... }) calls f with T{} for d's type.
template <class F>
decltype(auto) dispatch(Dtype d, F&& f) {
  switch (d) {
    case Dtype::Float32:
      return f(float{});
    case Dtype::Float64:
      return f(double{});
    case Dtype::Int64:
      return f(int64_t{});
    case Dtype::Bool:
      return f(bool{});
  }
  throw DtypeError("dispatch: unknown dtype");
}
// The same for ops defined only on floating types; others raise a DtypeError naming op.
template <class F>
decltype(auto) dispatch_floating(Dtype d, const char* op, F&& f) {
  switch (d) {
    case Dtype::Float32:
      return f(float{});
    case Dtype::Float64:
      return f(double{});
    default:
      throw DtypeError(cat(op, ": expected a floating tensor, got ", dtype_name(d)));
  }
}

// The same for arithmetic ops: every dtype but Bool.
template <class F>
decltype(auto) dispatch_numeric(Dtype d, const char* op, F&& f) {
  switch (d) {
    case Dtype::Float32:
      return f(float{});
    case Dtype::Float64:
      return f(double{});
    case Dtype::Int64:
      return f(int64_t{});
    default:
      throw DtypeError(cat(op, ": not supported for ", dtype_name(d), " tensors"));
  }
}

}  // namespace paragrad

PARAGRAD_API_END
