// fmod (the remainder takes the dividend's sign, C's fmod), remainder (the divisor's sign,
// Python's %) and floor_divide (⌊a / b⌋), with broadcasting and PyTorch's promotion. Integer
// division by zero raises; INT64_MIN / -1 wraps instead of trapping.
//
// Gradients (PyTorch's): fmod: (g, −g·trunc(a/b)); remainder: (g, −g·⌊a/b⌋). floor_divide is
// piecewise constant, so its derivative is zero almost everywhere: paragrad returns zeros where
// PyTorch raises "derivative not implemented".
#include <cmath>
#include <limits>
#include <type_traits>

#include <paragrad/engine/autograd/function.hpp>
#include <paragrad/engine/detail/elementwise.hpp>

namespace paragrad {

using autograd::grad_list;
using autograd::needs_grad;
using autograd::record;
using autograd::SavedTensor;

namespace {

template <class T>
void check_divisor(T b, const char* op) {
  if constexpr (std::is_integral<T>::value)
    check<ValueError>(b != 0, op, ": integer division by zero");
}

template <class T>
T fmod_of(T a, T b) {
  if constexpr (std::is_integral<T>::value)
    return b == -1 ? T(0) : T(a % b);
  else
    return std::fmod(a, b);
}

template <class T>
T remainder_of(T a, T b) {
  const T m = fmod_of(a, b);
  return (m != 0 && ((b < 0) != (m < 0))) ? T(m + b) : m;
}

// Python's floor division: for floats the algorithm of CPython's float_floor_div (exact
// where a / b rounds across an integer); for integers ⌊a / b⌋ without overflow.
template <class T>
T floor_divide_of(T a, T b) {
  if constexpr (std::is_integral<T>::value) {
    if (b == -1) return T(0 - static_cast<uint64_t>(a));  // wraps at INT64_MIN like PyTorch
    const T q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? T(q - 1) : q;
  } else {
    if (b == 0) return a / b;
    const T mod = std::fmod(a, b);
    T div = (a - mod) / b;
    if (mod != 0 && ((b < 0) != (mod < 0))) div -= T(1);
    if (div == 0) return std::copysign(T(0), a / b);
    T floordiv = std::floor(div);
    if (div - floordiv > T(0.5)) floordiv += T(1);
    return floordiv;
  }
}

enum class DivKind { Fmod, Remainder, FloorDivide };

Tensor divide_kernel(const Tensor& a, const Tensor& b, DivKind kind, const char* op) {
  check_defined(op, a, b);
  const Dtype t = result_type(a, b);
  check<DtypeError>(t != kBool, op, ": not supported for bool tensors (shapes ",
                    shape_str(a.sizes()), " and ", shape_str(b.sizes()), ")");
  return detail::binary_map(op, a, b, t, t, [kind, op](auto x, auto y) {
    using T = decltype(x);
    if constexpr (std::is_same<T, bool>::value) {
      return x;  // not reached: bool is refused above
    } else {
      check_divisor(y, op);
      switch (kind) {
        case DivKind::Fmod:
          return fmod_of<T>(x, y);
        case DivKind::Remainder:
          return remainder_of<T>(x, y);
        case DivKind::FloorDivide:
          break;
      }
      return floor_divide_of<T>(x, y);
    }
  });
}

// a (op) s as a (op) 0-d tensor: a float tensor keeps its dtype, an integer tensor stays
// integer for an integral s and becomes float32 otherwise (PyTorch's wrapped numbers).
Tensor scalar_operand(const Tensor& a, double s) {
  if (a.is_floating_point()) return scalar(s, a.dtype());
  return scalar(s, std::floor(s) == s && std::isfinite(s) ? kInt64 : kFloat32);
}

}  // namespace

Tensor fmod(const Tensor& a, const Tensor& b) {
  Tensor out = divide_kernel(a, b, DivKind::Fmod, "fmod");
  if (needs_grad(a, b))
    // grad FmodBackward: fmod(a, b) => (g, -g * trunc(a / b))
    record("FmodBackward", out, {a, b},
           [sa = SavedTensor(a), sb = SavedTensor(b)](const Tensor& g) {
             return grad_list(g, -g * (sa.unpack() / sb.unpack()).trunc());
           });
  return out;
}

Tensor remainder(const Tensor& a, const Tensor& b) {
  Tensor out = divide_kernel(a, b, DivKind::Remainder, "remainder");
  if (needs_grad(a, b))
    // grad RemainderBackward: remainder(a, b) => (g, -g * floor_divide(a, b))
    record("RemainderBackward", out, {a, b},
           [sa = SavedTensor(a), sb = SavedTensor(b)](const Tensor& g) {
             return grad_list(g, -g * floor_divide(sa.unpack(), sb.unpack()));
           });
  return out;
}

Tensor floor_divide(const Tensor& a, const Tensor& b) {
  Tensor out = divide_kernel(a, b, DivKind::FloorDivide, "floor_divide");
  if (needs_grad(a, b))
    // grad FloorDivideBackward: floor_divide(a, b) => (0, 0) (piecewise constant)
    record("FloorDivideBackward", out, {a, b},
           [](const Tensor& g) { return grad_list(zeros_like(g), zeros_like(g)); });
  return out;
}

Tensor Tensor::fmod(const Tensor& o) const { return paragrad::fmod(*this, o); }
Tensor Tensor::fmod(double o) const { return paragrad::fmod(*this, scalar_operand(*this, o)); }
Tensor Tensor::remainder(const Tensor& o) const { return paragrad::remainder(*this, o); }
Tensor Tensor::remainder(double o) const {
  return paragrad::remainder(*this, scalar_operand(*this, o));
}
Tensor Tensor::floor_divide(const Tensor& o) const { return paragrad::floor_divide(*this, o); }
Tensor Tensor::floor_divide(double o) const {
  return paragrad::floor_divide(*this, scalar_operand(*this, o));
}

}  // namespace paragrad
