// Binary arithmetic with broadcasting: + - * / with tensors and with scalars, maximum,
// minimum, atan2, pow. Each forward is followed by its backward rule. Gradients may be
// returned in the broadcast shape; the engine sums them down to each input's shape.
#include <cmath>

#include <paragrad/engine/autograd/function.hpp>
#include <paragrad/engine/detail/checked_math.hpp>
#include <paragrad/engine/detail/elementwise.hpp>
#include <paragrad/engine/detail/promotion.hpp>

namespace paragrad {

using autograd::grad_list;
using autograd::needs_grad;
using autograd::record;
using autograd::SavedTensor;
using detail::Over;

namespace {

// The result dtype of a binary op; first of all, both inputs must be defined.
Dtype arith_type(const char* op, const Tensor& a, const Tensor& b) {
  check_defined(op, a, b);
  return result_type(a, b);
}
Dtype float_type(Dtype d) { return is_floating(d) ? d : kFloat32; }

// The dtype of tensor (op) double, as torch.result_type with a wrapped number (see
// detail::scalar_result_type); first of all, the tensor must be defined.
Dtype scalar_type(const char* op, const Tensor& a, double s) {
  check_defined(op, a);
  return detail::scalar_result_type(a.dtype(), s);
}

void check_not_bool(const char* op, const Tensor& a) {
  check_defined(op, a);
  check<DtypeError>(a.dtype() != kBool, op, ": subtraction with a bool tensor (shape ",
                    shape_str(a.sizes()), ") is not supported; convert it to int64 first");
}

// f(a, s) elementwise; `over`: a gradient the caller owns or an operand it handed over, written
// over when it can be (detail::output_for).
template <class F>
Tensor scalar_map(const char* op, const Tensor& a, double s, Dtype out_dtype, F&& f,
                  Over over = {}) {
  // The small-op path: a float tensor of the result's dtype that may be written over (a gradient
  // a rule owns, an operand handed over; detail::output_for) gets f on its elements where they
  // lie, with none of the general path's conversion, output and dispatch on two dtypes. The same
  // arithmetic: the scalar converted to the dtype, then f element by element. (Those layers were
  // a quarter of a scalar op on four floats: 234 instructions for `std::move(g) * s` without grad,
  // 179 with this path; callgrind. A new output here as well cost the written-over case more than
  // it saved.)
  // (may_write_over also checks that `a` is of out_dtype, contiguous and of its own shape.)
  if (over.t == &a && (out_dtype == kFloat32 || out_dtype == kFloat64) &&
      detail::may_write_over(over, a.sizes(), out_dtype)) {
    Tensor out = std::move(*over.t);
    dispatch_floating(out_dtype, op, [&](auto tag) {
      using T = decltype(tag);
      T* p = out.data_ptr<T>();
      const T v = static_cast<T>(s);
      detail::parallel_for(out.numel(), detail::kParallelElementwiseGrain,
                           [&](int64_t lo, int64_t hi) {
                             for (int64_t i = lo; i < hi; ++i) p[i] = f(p[i], v);
                           });
    });
    return out;
  }
  Tensor holder;
  const Tensor& x = detail::as_type(a, out_dtype, holder, op);
  return detail::unary_map<detail::Kinds::Numeric>(
      x, out_dtype,
      [&](auto v) {
        using T = decltype(v);
        return f(v, static_cast<T>(s));
      },
      op, over);
}

}  // namespace

Dtype result_type(const Tensor& a, const Tensor& b) {
  check_defined("result_type", a, b);
  return paragrad::result_type(a.dtype(), a.dim() == 0, b.dtype(), b.dim() == 0);
}

namespace {
// Each op with an `over`: what its result may be written over (detail::Over): the gradient a
// backward rule owns, or the first operand of the public operators taking it as an rvalue.
Tensor add_of(const Tensor& a, const Tensor& b, Over over) {
  const Dtype t = arith_type("add", a, b);
  Tensor out = detail::binary_map<kernels::Binary::add>(
      "add", a, b, t, t, [](auto x, auto y) { return detail::wrap_add(x, y); }, over);
  const Tensor& in = detail::taken_or(a, out);  // (out may have taken a over)
  if (needs_grad(in, b))
    // grad AddBackward: add(a, b) => (g, g)
    record("AddBackward", out, {in, b}, [](const Tensor& g) { return grad_list(g, g); });
  return out;
}

Tensor sub_of(const Tensor& a, const Tensor& b, Over over) {
  const Dtype t = arith_type("sub", a, b);
  check<DtypeError>(a.dtype() != kBool && b.dtype() != kBool,
                    "sub: subtraction with a bool tensor is not supported (", dtype_name(a.dtype()),
                    " of shape ", shape_str(a.sizes()), " minus ", dtype_name(b.dtype()),
                    " of shape ", shape_str(b.sizes()), "); use logical ops or convert to int64");
  Tensor out = detail::binary_map<kernels::Binary::sub>(
      "sub", a, b, t, t, [](auto x, auto y) { return detail::wrap_sub(x, y); }, over);
  const Tensor& in = detail::taken_or(a, out);  // (out may have taken a over)
  if (needs_grad(in, b))
    // grad SubBackward: sub(a, b) => (g, -g)
    record("SubBackward", out, {in, b}, [](const Tensor& g) { return grad_list(g, -g); });
  return out;
}

// (The backward rules of the products and of the scalar quotient run them again on the incoming
// gradient g, which they may write over: over = &g.)
Tensor mul_of(const Tensor& a, const Tensor& b, Over over) {
  const Dtype t = arith_type("mul", a, b);
  Tensor out = detail::binary_map<kernels::Binary::mul>(
      "mul", a, b, t, t, [](auto x, auto y) { return detail::wrap_mul(x, y); }, over);
  const Tensor& in = detail::taken_or(a, out);  // (out may have taken a over)
  if (needs_grad(in, b)) {
    SavedTensor sa(in.requires_grad() ? b : Tensor()), sb(b.requires_grad() ? in : Tensor());
    // d(ab)/da = b, d(ab)/db = a: each input's rule keeps the other input.
    // grad MulBackward: mul(a, b) => (g * b, g * a)
    record("MulBackward", out, {in, b}, [sa = std::move(sa), sb = std::move(sb)](Tensor g) {
      // (the last product may be written over g)
      Tensor ga = sa.defined() ? mul_of(g, sa.unpack(), sb.defined() ? nullptr : &g) : Tensor();
      Tensor gb = sb.defined() ? mul_of(g, sb.unpack(), &g) : Tensor();
      return grad_list(ga, gb);
    });
  }
  return out;
}

Tensor mul_of(const Tensor& a, double s, Over over) {
  Tensor out = scalar_map(
      "mul", a, s, scalar_type("mul", a, s), [](auto x, auto y) { return detail::wrap_mul(x, y); },
      over);
  const Tensor& in = detail::taken_or(a, out);  // (out may have taken a over)
  if (needs_grad(in))
    // grad MulBackward: mul(a, s) => g * s
    record("MulBackward", out, {in}, [s](Tensor g) { return mul_of(g, s, &g); });
  return out;
}

Tensor div_of(const Tensor& a, double s, Over over) {
  check_defined("div", a);
  Tensor out = scalar_map(
      "div", a, s, float_type(a.dtype()), [](auto x, auto y) { return x / y; }, over);
  const Tensor& in = detail::taken_or(a, out);  // (out may have taken a over)
  if (needs_grad(in))
    // grad DivBackward: div(a, s) => g / s
    record("DivBackward", out, {in}, [s](Tensor g) { return div_of(g, s, &g); });
  return out;
}

Tensor tensor_div_of(const Tensor& a, const Tensor& b, Over over) {
  const Dtype t = float_type(arith_type("div", a, b));
  Tensor out = detail::binary_map<kernels::Binary::div>(
      "div", a, b, t, t, [](auto x, auto y) { return x / y; }, over);
  const Tensor& in = detail::taken_or(a, out);  // (out may have taken a over)
  if (needs_grad(in, b)) {
    const bool need_b = b.requires_grad();
    // grad DivBackward: div(a, b) => (g / b, -g * a / b²)
    record("DivBackward", out, {in, b},
           [sa = SavedTensor(need_b ? in : Tensor()), sb = SavedTensor(b)](const Tensor& g) {
             Tensor bb = sb.unpack();
             Tensor ga = g / bb;
             Tensor gb = sa.defined() ? -ga * sa.unpack() / bb : Tensor();
             return grad_list(ga, gb);
           });
  }
  return out;
}

Tensor add_of(const Tensor& a, double s, Over over) {
  Tensor out = scalar_map(
      "add", a, s, scalar_type("add", a, s), [](auto x, auto y) { return detail::wrap_add(x, y); },
      over);
  const Tensor& in = detail::taken_or(a, out);  // (out may have taken a over)
  // grad AddBackward: add(a, s) => g
  if (needs_grad(in)) record("AddBackward", out, {in}, [](Tensor g) { return g; });
  return out;
}

Tensor sub_of(const Tensor& a, double s, Over over) {
  check_not_bool("sub", a);
  Tensor out = scalar_map(
      "sub", a, s, scalar_type("sub", a, s), [](auto x, auto y) { return detail::wrap_sub(x, y); },
      over);
  const Tensor& in = detail::taken_or(a, out);  // (out may have taken a over)
  // grad SubBackward: sub(a, s) => g
  if (needs_grad(in)) record("SubBackward", out, {in}, [](const Tensor& g) { return g; });
  return out;
}

Tensor rsub_of(double s, const Tensor& a, Over over) {
  check_not_bool("sub", a);
  Tensor out = scalar_map(
      "sub", a, s, scalar_type("sub", a, s), [](auto x, auto y) { return detail::wrap_sub(y, x); },
      over);
  const Tensor& in = detail::taken_or(a, out);  // (out may have taken a over)
  if (needs_grad(in))
    // grad RsubBackward: rsub(a, s) => -g (the op s - a)
    record("RsubBackward", out, {in}, [](const Tensor& g) { return -g; });
  return out;
}

Tensor rdiv_of(double s, const Tensor& a, Over over) {
  check_defined("div", a);
  const Dtype t = float_type(a.dtype());
  Tensor out = scalar_map(
      "div", a, s, t, [](auto x, auto y) { return y / x; }, over);
  const Tensor& in = detail::taken_or(a, out);  // (out may have taken a over)
  if (needs_grad(in))
    // d(s/a)/da = -s/a^2 = -out/a
    // grad RdivBackward: rdiv(a, s) => -g * out / a (the op s / a)
    record("RdivBackward", out, {in},
           [sa = SavedTensor(in), so = SavedTensor(out, true)](const Tensor& g) {
             return -g * so.unpack() / sa.unpack();
           });
  return out;
}

// An operator taking its first operand `a` as an rvalue: op(over) computes the result, offered
// a's elements (detail::can_take_over) unless the op's backward keeps a (`keeps_a`: a product or
// quotient that will be recorded). When the result took them, a is left undefined, so that a
// tensor passed with std::move is not a second handle to the result.
template <class Op>
Tensor consume(Tensor& a, bool keeps_a, Op&& op) {
  return op(keeps_a ? Over() : Over::operand(a));  // (a taken is moved into the result)
}
}  // namespace

Tensor operator+(const Tensor& a, const Tensor& b) { return add_of(a, b, {}); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub_of(a, b, {}); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul_of(a, b, {}); }
Tensor operator/(const Tensor& a, const Tensor& b) { return tensor_div_of(a, b, {}); }
Tensor operator+(const Tensor& a, double s) { return add_of(a, s, {}); }
Tensor operator-(const Tensor& a, double s) { return sub_of(a, s, {}); }
Tensor operator*(const Tensor& a, double s) { return mul_of(a, s, {}); }
Tensor operator/(const Tensor& a, double s) { return div_of(a, s, {}); }
Tensor operator+(double s, const Tensor& a) { return add_of(a, s, {}); }
Tensor operator-(double s, const Tensor& a) { return rsub_of(s, a, {}); }
Tensor operator*(double s, const Tensor& a) { return mul_of(a, s, {}); }
Tensor operator/(double s, const Tensor& a) { return rdiv_of(s, a, {}); }

Tensor operator+(Tensor&& a, const Tensor& b) {
  return consume(a, false, [&](Over o) { return add_of(a, b, o); });
}
Tensor operator-(Tensor&& a, const Tensor& b) {
  return consume(a, false, [&](Over o) { return sub_of(a, b, o); });
}
Tensor operator*(Tensor&& a, const Tensor& b) {
  return consume(a, needs_grad(a, b), [&](Over o) { return mul_of(a, b, o); });
}
Tensor operator/(Tensor&& a, const Tensor& b) {
  return consume(a, needs_grad(a, b), [&](Over o) { return tensor_div_of(a, b, o); });
}
Tensor operator+(Tensor&& a, double s) {
  return consume(a, false, [&](Over o) { return add_of(a, s, o); });
}
Tensor operator-(Tensor&& a, double s) {
  return consume(a, false, [&](Over o) { return sub_of(a, s, o); });
}
Tensor operator*(Tensor&& a, double s) {
  return consume(a, false, [&](Over o) { return mul_of(a, s, o); });
}
Tensor operator/(Tensor&& a, double s) {
  return consume(a, false, [&](Over o) { return div_of(a, s, o); });
}
Tensor operator+(double s, Tensor&& a) { return std::move(a) + s; }
Tensor operator-(double s, Tensor&& a) {
  return consume(a, false, [&](Over o) { return rsub_of(s, a, o); });
}
Tensor operator*(double s, Tensor&& a) { return std::move(a) * s; }
Tensor operator/(double s, Tensor&& a) {
  return consume(a, needs_grad(a), [&](Over o) { return rdiv_of(s, a, o); });
}

Tensor operator-(const Tensor& a) { return a.neg(); }

namespace {
// The backward of maximum (is_max) or minimum: each input gets g where it was selected, half of
// g on ties (as PyTorch). A NaN input is selected (the output is that NaN); when both are NaN
// the first is. The gradient is selected with `where`, never multiplied by a mask, so a NaN or
// inf in g stays out of the unselected input. (PyTorch 1.13 gives g to both inputs where one
// is NaN; the second input does not change the output there, so its derivative is 0.)
TensorList extremum_backward(const Tensor& g, const Tensor& x, const Tensor& y, bool is_max) {
  const Tensor tie = x == y, nx = x.isnan(), ny = y.isnan();
  const Tensor x_wins = (is_max ? x > y : x < y) || nx;
  const Tensor y_wins = (is_max ? y > x : y < x) || (ny && nx.logical_not());
  const Tensor zero = scalar(0.0, g.dtype()), half = g * 0.5;
  return grad_list(where(tie, half, where(x_wins, g, zero)),
                   where(tie, half, where(y_wins, g, zero)));
}

Tensor extremum(const Tensor& a, const Tensor& b, bool is_max) {
  const char* op = is_max ? "maximum" : "minimum";
  const Dtype t = arith_type(op, a, b);
  Tensor out = is_max ? detail::binary_map(op, a, b, t, t,
                                           [](auto x, auto y) {
                                             return (x > y || x != x) ? x : y;  // NaN propagates
                                           })
                      : detail::binary_map(op, a, b, t, t, [](auto x, auto y) {
                          return (x < y || x != x) ? x : y;
                        });
  if (needs_grad(a, b))
    // grad MaximumBackward: maximum(a, b) => g to the larger (or NaN) input, ½ g to each on ties
    // grad MinimumBackward: minimum(a, b) => g to the smaller (or NaN) input, ½ g to each on ties
    record(is_max ? "MaximumBackward" : "MinimumBackward", out, {a, b},
           [sa = SavedTensor(a), sb = SavedTensor(b), is_max](const Tensor& g) {
             return extremum_backward(g, sa.unpack(), sb.unpack(), is_max);
           });
  return out;
}
}  // namespace

Tensor maximum(const Tensor& a, const Tensor& b) { return extremum(a, b, true); }
Tensor minimum(const Tensor& a, const Tensor& b) { return extremum(a, b, false); }

Tensor atan2(const Tensor& a, const Tensor& b) {
  const Dtype t = float_type(arith_type("atan2", a, b));
  Tensor out =
      detail::binary_map("atan2", a, b, t, t, [](auto y, auto x) { return std::atan2(y, x); });
  if (needs_grad(a, b))
    // grad Atan2Backward: atan2(a, b) => (g * b / (a² + b²), -g * a / (a² + b²))
    record("Atan2Backward", out, {a, b},
           [sa = SavedTensor(a), sb = SavedTensor(b)](const Tensor& g) {
             Tensor y = sa.unpack(), x = sb.unpack();
             Tensor r = g / (x * x + y * y);
             return grad_list(r * x, -r * y);
           });
  return out;
}

// dtype: torch.result_type (int64 ** int64 stays int64, as PyTorch); bool ** bool is refused.
Tensor Tensor::pow(const Tensor& e) const {
  const Tensor& a = *this;
  const Dtype t = arith_type("pow", a, e);
  check<DtypeError>(t != kBool, "pow: not supported for two bool tensors (", shape_str(a.sizes()),
                    " and ", shape_str(e.sizes()), ")");
  Tensor out = detail::binary_map("pow", a, e, t, t, [](auto x, auto y) {
    if constexpr (std::is_same<decltype(x), int64_t>::value)
      return detail::int_pow(x, y);
    else
      return decltype(x)(std::pow(x, y));
  });
  if (needs_grad(a, e))
    // grad PowBackward: pow(a, e) => (g * e * a^(e-1), g * out * log(a), 0 where a == 0)
    record(
        "PowBackward", out, {a, e},
        [sa = SavedTensor(a), se = SavedTensor(e), so = SavedTensor(out, true)](const Tensor& g) {
          const Tensor x = sa.unpack(), y = se.unpack(), zero = scalar(0.0, g.dtype());
          // d(x^y)/dx = y x^(y-1), taken as 0 where y == 0 (x^0 = 1 is constant; the formula
          // would give 0 · 0^-1 = NaN at x = 0), as PyTorch.
          const Tensor ga = where(y == zero, zero, g * y * x.pow(y - 1.0));
          // d(x^y)/dy = x^y log x, taken as 0 where x == 0 and y >= 0 (as PyTorch).
          const Tensor gb = where((x == zero) && (y >= zero), zero, g * so.unpack() * x.log());
          return grad_list(ga, gb);
        });
  return out;
}

}  // namespace paragrad
