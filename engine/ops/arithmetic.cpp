// Binary arithmetic with broadcasting: + - * / with tensors and with scalars, maximum,
// minimum, atan2, pow. Each forward is followed by its backward rule. Gradients may be
// returned in the broadcast shape; the engine sums them down to each input's shape.
#include <cmath>

#include <paragrad/engine/autograd/function.hpp>
#include <paragrad/engine/detail/checked_math.hpp>
#include <paragrad/engine/detail/elementwise.hpp>

namespace paragrad {

using autograd::grad_list;
using autograd::needs_grad;
using autograd::record;
using autograd::SavedTensor;

namespace {

// The result dtype of a binary op; first of all, both inputs must be defined.
Dtype arith_type(const char* op, const Tensor& a, const Tensor& b) {
  check_defined(op, a, b);
  return result_type(a, b);
}
Dtype float_type(Dtype d) { return is_floating(d) ? d : kFloat32; }

// The dtype of tensor (op) double: a float tensor keeps its dtype; an integer tensor stays
// integer for integral scalars int64 can hold and becomes float32 otherwise (PyTorch's
// wrapped numbers: int64 * 1e30 is float32, never an undefined conversion of 1e30).
Dtype scalar_result_type(const char* op, const Tensor& a, double s) {
  check_defined(op, a);
  if (is_floating(a.dtype())) return a.dtype();
  return std::floor(s) == s && detail::converts_to<int64_t>(s) ? kInt64 : kFloat32;
}

template <class F>
Tensor scalar_map(const char* op, const Tensor& a, double s, Dtype out_dtype, F&& f) {
  Tensor holder;
  const Tensor& x = detail::as_type(a, out_dtype, holder, op);
  return detail::unary_map<detail::Kinds::Numeric>(
      x, out_dtype,
      [&](auto v) {
        using T = decltype(v);
        return f(v, static_cast<T>(s));
      },
      op);
}

}  // namespace

Dtype result_type(const Tensor& a, const Tensor& b) {
  check_defined("result_type", a, b);
  return paragrad::result_type(a.dtype(), a.dim() == 0, b.dtype(), b.dim() == 0);
}

Tensor operator+(const Tensor& a, const Tensor& b) {
  const Dtype t = arith_type("add", a, b);
  Tensor out =
      detail::binary_map("add", a, b, t, t, [](auto x, auto y) { return detail::wrap_add(x, y); });
  if (needs_grad(a, b))
    record("AddBackward", out, {a, b}, [](const Tensor& g) { return grad_list(g, g); });
  return out;
}

Tensor operator-(const Tensor& a, const Tensor& b) {
  const Dtype t = arith_type("sub", a, b);
  Tensor out =
      detail::binary_map("sub", a, b, t, t, [](auto x, auto y) { return detail::wrap_sub(x, y); });
  if (needs_grad(a, b))
    record("SubBackward", out, {a, b}, [](const Tensor& g) { return grad_list(g, -g); });
  return out;
}

Tensor operator*(const Tensor& a, const Tensor& b) {
  const Dtype t = arith_type("mul", a, b);
  Tensor out =
      detail::binary_map("mul", a, b, t, t, [](auto x, auto y) { return detail::wrap_mul(x, y); });
  if (needs_grad(a, b)) {
    SavedTensor sa(a.requires_grad() ? b : Tensor()), sb(b.requires_grad() ? a : Tensor());
    // d(ab)/da = b, d(ab)/db = a: each input's rule keeps the other input.
    record("MulBackward", out, {a, b}, [sa, sb](const Tensor& g) {
      Tensor ga = sa.defined() ? g * sa.unpack() : Tensor();
      Tensor gb = sb.defined() ? g * sb.unpack() : Tensor();
      return grad_list(ga, gb);
    });
  }
  return out;
}

Tensor operator/(const Tensor& a, const Tensor& b) {
  const Dtype t = float_type(arith_type("div", a, b));
  Tensor out = detail::binary_map("div", a, b, t, t, [](auto x, auto y) { return x / y; });
  if (needs_grad(a, b)) {
    const bool need_b = b.requires_grad();
    record("DivBackward", out, {a, b},
           [sa = SavedTensor(need_b ? a : Tensor()), sb = SavedTensor(b)](const Tensor& g) {
             Tensor bb = sb.unpack();
             Tensor ga = g / bb;
             Tensor gb = sa.defined() ? -ga * sa.unpack() / bb : Tensor();
             return grad_list(ga, gb);
           });
  }
  return out;
}

Tensor operator+(const Tensor& a, double s) {
  Tensor out = scalar_map("add", a, s, scalar_result_type("add", a, s),
                          [](auto x, auto y) { return detail::wrap_add(x, y); });
  if (needs_grad(a)) record("AddBackward", out, {a}, [](const Tensor& g) { return grad_list(g); });
  return out;
}
Tensor operator-(const Tensor& a, double s) {
  Tensor out = scalar_map("sub", a, s, scalar_result_type("sub", a, s),
                          [](auto x, auto y) { return detail::wrap_sub(x, y); });
  if (needs_grad(a)) record("SubBackward", out, {a}, [](const Tensor& g) { return grad_list(g); });
  return out;
}
Tensor operator+(double s, const Tensor& a) { return a + s; }

Tensor operator-(double s, const Tensor& a) {
  Tensor out = scalar_map("sub", a, s, scalar_result_type("sub", a, s),
                          [](auto x, auto y) { return detail::wrap_sub(y, x); });
  if (needs_grad(a))
    record("RsubBackward", out, {a}, [](const Tensor& g) { return grad_list(-g); });
  return out;
}

Tensor operator*(const Tensor& a, double s) {
  Tensor out = scalar_map("mul", a, s, scalar_result_type("mul", a, s),
                          [](auto x, auto y) { return detail::wrap_mul(x, y); });
  if (needs_grad(a))
    record("MulBackward", out, {a}, [s](const Tensor& g) { return grad_list(g * s); });
  return out;
}
Tensor operator*(double s, const Tensor& a) { return a * s; }

Tensor operator/(const Tensor& a, double s) {
  check_defined("div", a);
  const Dtype t = float_type(a.dtype());
  Tensor out = scalar_map("div", a, s, t, [](auto x, auto y) { return x / y; });
  if (needs_grad(a))
    record("DivBackward", out, {a}, [s](const Tensor& g) { return grad_list(g / s); });
  return out;
}

Tensor operator/(double s, const Tensor& a) {
  check_defined("div", a);
  const Dtype t = float_type(a.dtype());
  Tensor out = scalar_map("div", a, s, t, [](auto x, auto y) { return y / x; });
  if (needs_grad(a))
    // d(s/a)/da = -s/a^2 = -out/a
    record("RdivBackward", out, {a},
           [sa = SavedTensor(a), so = SavedTensor(out, true)](const Tensor& g) {
             return grad_list(-g * so.unpack() / sa.unpack());
           });
  return out;
}

Tensor operator-(const Tensor& a) { return a.neg(); }

Tensor maximum(const Tensor& a, const Tensor& b) {
  const Dtype t = arith_type("maximum", a, b);
  Tensor out = detail::binary_map("maximum", a, b, t, t, [](auto x, auto y) {
    return (x > y || x != x) ? x : y;  // NaN propagates
  });
  if (needs_grad(a, b))
    // Ties split the gradient evenly, as PyTorch does.
    record("MaximumBackward", out, {a, b},
           [sa = SavedTensor(a), sb = SavedTensor(b)](const Tensor& g) {
             Tensor x = sa.unpack(), y = sb.unpack();
             Tensor wa = (x > y).to(g.dtype()) + (x == y).to(g.dtype()) * 0.5;
             return grad_list(g * wa, g * (1.0 - wa));
           });
  return out;
}

Tensor minimum(const Tensor& a, const Tensor& b) {
  const Dtype t = arith_type("minimum", a, b);
  Tensor out = detail::binary_map("minimum", a, b, t, t,
                                  [](auto x, auto y) { return (x < y || x != x) ? x : y; });
  if (needs_grad(a, b))
    record("MinimumBackward", out, {a, b},
           [sa = SavedTensor(a), sb = SavedTensor(b)](const Tensor& g) {
             Tensor x = sa.unpack(), y = sb.unpack();
             Tensor wa = (x < y).to(g.dtype()) + (x == y).to(g.dtype()) * 0.5;
             return grad_list(g * wa, g * (1.0 - wa));
           });
  return out;
}

Tensor atan2(const Tensor& a, const Tensor& b) {
  const Dtype t = float_type(arith_type("atan2", a, b));
  Tensor out =
      detail::binary_map("atan2", a, b, t, t, [](auto y, auto x) { return std::atan2(y, x); });
  if (needs_grad(a, b))
    record("Atan2Backward", out, {a, b},
           [sa = SavedTensor(a), sb = SavedTensor(b)](const Tensor& g) {
             Tensor y = sa.unpack(), x = sb.unpack();
             Tensor r = g / (x * x + y * y);
             return grad_list(r * x, -r * y);
           });
  return out;
}

Tensor Tensor::pow(const Tensor& e) const {
  const Tensor& a = *this;
  const Dtype t = float_type(arith_type("pow", a, e));
  Tensor out = detail::binary_map("pow", a, e, t, t, [](auto x, auto y) { return std::pow(x, y); });
  if (needs_grad(a, e))
    record(
        "PowBackward", out, {a, e},
        [sa = SavedTensor(a), se = SavedTensor(e), so = SavedTensor(out, true)](const Tensor& g) {
          Tensor x = sa.unpack(), y = se.unpack();
          Tensor ga = g * y * x.pow(y - 1.0);
          // d(x^y)/dy = x^y log x; taken as 0 where x == 0 (as PyTorch)
          Tensor gb = where(x == zeros_like(x), zeros_like(g), g * so.unpack() * x.log());
          return grad_list(ga, gb);
        });
  return out;
}

}  // namespace paragrad
