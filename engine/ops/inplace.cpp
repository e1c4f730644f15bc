// In-place ops, and Tensor::set_. Each in-place op writes through the tensor's view into its
// storage, bumps the storage's version counter (so a backward that saved the tensor notices) and,
// with grad mode on and the tensor or an operand requiring grad, is recorded in the graph as
// PyTorch records it: see autograd/inplace.hpp. The rule's first gradient is that of self before
// the write.
//
// Types follow PyTorch: the op computes in result_type(self, operand) and the result is cast
// into self's dtype; a float result into an integer tensor, or a non-bool one into a bool
// tensor, is refused. copy_ and fill_ convert instead.
#include <algorithm>
#include <cmath>

#include <paragrad/engine/autograd/inplace.hpp>
#include <paragrad/engine/detail/checked_math.hpp>
#include <paragrad/engine/detail/elementwise.hpp>
#include <paragrad/engine/detail/promotion.hpp>

namespace paragrad {

using autograd::grad_list;
using autograd::SavedTensor;

namespace {

// Whether a tensor of shape src broadcasts to dst without changing dst's shape.
bool broadcasts_to(const Dims& src, const Dims& dst) {
  const size_t n = dst.size(), m = src.size();
  for (size_t i = 0; i < m; ++i) {
    const int64_t s = src[m - 1 - i];
    if (s != 1 && (i >= n || s != dst[n - 1 - i])) return false;
  }
  return true;
}

// A double as a 0-d operand of torch.result_type's dtype for it (detail::scalar_result_type):
// a floating tensor's own dtype (the value rounded to it: 1e300 is inf in float32), int64 for an
// integral value, float32 otherwise (so that mul_(2.5) on an int64 tensor is refused, not
// truncated, and mul_(2) on a bool one too).
Tensor scalar_operand(const Tensor& dst, double v, const char* op) {
  check_defined(op, dst);
  return detail::full_for(op, {}, v, detail::scalar_result_type(dst.dtype(), v), false);
}

// A factor v used in dst's dtype must be representable there, as PyTorch's checked scalar
// conversion requires.
void check_representable(const Tensor& dst, double v, const char* op) {
  dispatch(dst.dtype(), [&](auto tag) { detail::checked_convert<decltype(tag)>(v, op); });
}

// Checks dst op= src and returns the dtype it computes in: result_type(dst, src) (the 0-d
// rule included), or dst's own dtype for ops that convert src (copy_, fill_).
Dtype compute_type(const Tensor& dst, const Tensor& src, const char* op, bool converts) {
  check_defined(op, dst, src);
  check<ShapeError>(broadcasts_to(src.sizes(), dst.sizes()), op, ": shape ", shape_str(src.sizes()),
                    " cannot be broadcast to ", shape_str(dst.sizes()));
  if (converts) return dst.dtype();
  const Dtype result = result_type(dst, src);
  check<DtypeError>(detail::can_cast(result, dst.dtype()), op, ": result type ", dtype_name(result),
                    " cannot be cast to the ", dtype_name(dst.dtype()), " tensor written in place");
  return result;
}

// dst[...] = f(dst[...], src broadcast) elementwise, computed in `compute` and stored in
// dst's dtype (PyTorch: float32 += float64 is float32(float64(a) + b)).
template <class F>
void write(const Tensor& dst, const Tensor& src_in, Dtype compute, F&& f, const char* op = "to") {
  if (compute != dst.dtype()) {
    Tensor wide = dst.detach().to(compute);
    write(wide, src_in, compute, f, op);
    detail::copy_into(dst, wide);
    return;
  }
  Tensor holder;
  const Tensor* src_ptr = &detail::as_type(src_in, dst.dtype(), holder, op);
  // Writing from an overlapping view of the same storage: read a private copy first.
  if (src_ptr->impl()->storage == dst.impl()->storage) {
    holder = src_ptr->detach().clone();
    src_ptr = &holder;
  }
  dispatch(dst.dtype(), [&](auto tag) {
    using T = decltype(tag);
    detail::update_each<T>(dst, *src_ptr, f);
  });
}

// The rule of an op whose gradient for self is g times a constant and that has no operand.
auto scaled_rule(double factor) {
  return [factor] { return [factor](const Tensor& g) { return factor == 1 ? g : g * factor; }; };
}

// The rule of an op that overwrites self with constants (fill_, zero_): self's old value gets
// a zero gradient. Zeros, not an undefined gradient, as PyTorch's zeros_like(grad): the nodes
// of the old history still run, so one that saved the overwritten value raises its version
// error as in PyTorch (an undefined gradient would skip them).
auto overwrite_rule() {
  return [] { return [](const Tensor& g) { return zeros_like(g); }; };
}

}  // namespace

Tensor& Tensor::copy_(const Tensor& src) {
  const Dtype t = compute_type(*this, src, "copy_", /*converts=*/true);
  // grad CopyBackwards: copy_(x, src) => (zeros_like(g), g)
  autograd::inplace(
      {"copy_", "CopyBackwards"}, *this, {src},
      [] { return [](const Tensor& g) { return grad_list(zeros_like(g), g); }; },
      [&] {
        write(
            *this, src, t, [](auto, auto s) { return s; }, "copy_");
      });
  return *this;
}

Tensor& Tensor::add_(const Tensor& o, double alpha) {
  const Dtype t = compute_type(*this, o, "add_", false);
  check<DtypeError>(is_floating(t) || std::floor(alpha) == alpha, "add_: alpha ", alpha,
                    " must be integral for a ", dtype_name(dtype()), " tensor");
  check_representable(*this, alpha, "add_");
  // grad AddBackward: add_(x, o, alpha) => (g, alpha * g)
  autograd::inplace(
      {"add_", "AddBackward"}, *this, {o},
      [alpha] {
        return [alpha](const Tensor& g) { return grad_list(g, alpha == 1 ? g : g * alpha); };
      },
      [&] {
        if (detail::axpy_flat(*this, o, alpha)) return;  // the CPU level's kernel
        write(*this, o, t, [alpha](auto d, auto s) {
          using T = decltype(d);
          return detail::wrap_add(d, detail::wrap_mul(static_cast<T>(alpha), s));
        });
      });
  return *this;
}

Tensor& Tensor::mul_(const Tensor& o) {
  const Dtype t = compute_type(*this, o, "mul_", false);
  // grad MulBackward: mul_(x, w) => (g * w, g * x) (x: its value before the write)
  autograd::inplace(
      {"mul_", "MulBackward"}, *this, {o},
      [&] {
        // o's gradient needs self's values before the write: a clone that keeps their history
        // (as PyTorch's original_self), so the gradient is differentiable again.
        Tensor old = o.requires_grad() ? clone() : Tensor();
        return [so = autograd::save_operand(o, *this), sold = SavedTensor(old)](const Tensor& g) {
          return grad_list(g * so.unpack(), sold.defined() ? g * sold.unpack() : Tensor());
        };
      },
      [&] { write(*this, o, t, [](auto d, auto s) { return detail::wrap_mul(d, s); }); });
  return *this;
}

Tensor& Tensor::mul_(double v) {
  const Tensor s = scalar_operand(*this, v, "mul_");
  const Dtype t = compute_type(*this, s, "mul_", false);
  // grad MulBackward: mul_(x, s) => g * s
  autograd::inplace({"mul_", "MulBackward"}, *this, {}, scaled_rule(v), [&] {
    write(*this, s, t, [](auto d, auto x) { return detail::wrap_mul(d, x); });
  });
  return *this;
}

Tensor& Tensor::div_(double v) {
  check_defined("div_", *this);
  check<DtypeError>(is_floating_point(), "div_: result type float32 cannot be cast to the ",
                    dtype_name(dtype()), " tensor written in place");
  // d / v (not d * (1 / v), which differs in the last bit), as PyTorch's div_.
  const Tensor s = detail::full_for("div_", {}, v, dtype(), false);
  // grad DivBackward: div_(x, s) => g * (1 / s)
  autograd::inplace({"div_", "DivBackward"}, *this, {}, scaled_rule(1.0 / v),
                    [&] { write(*this, s, dtype(), [](auto d, auto x) { return d / x; }); });
  return *this;
}

Tensor& Tensor::fill_(double v) {
  check_defined("fill_", *this);
  const Tensor s = detail::full_for("fill_", {}, v, dtype());  // checked: 1e30 into int64 raises
  // grad FillBackward: fill_(x, v) => zeros_like(g)
  autograd::inplace({"fill_", "FillBackward", /*writes_constant=*/true}, *this, {},
                    overwrite_rule(),
                    [&] { write(*this, s, dtype(), [](auto, auto x) { return x; }); });
  return *this;
}

Tensor& Tensor::zero_() {
  check_defined("zero_", *this);
  const Tensor s = scalar(0.0, dtype());
  // grad ZeroBackward: zero_(x) => zeros_like(g)
  autograd::inplace({"zero_", "ZeroBackward", /*writes_constant=*/true}, *this, {},
                    overwrite_rule(),
                    [&] { write(*this, s, dtype(), [](auto, auto x) { return x; }); });
  return *this;
}

Tensor& Tensor::clamp_(double lo, double hi) {
  // As torch.clamp_: the result type of the tensor with its bounds must fit the tensor
  // (int64.clamp_(0.5, 2.5) is refused); with lo > hi every element becomes hi.
  check_defined("clamp_", *this);
  const Dtype t = detail::clamp_result_type(dtype(), lo, hi);
  check<DtypeError>(detail::can_cast(t, dtype()), "clamp_: result type ", dtype_name(t),
                    " of bounds ", lo, " and ", hi, " cannot be cast to the ", dtype_name(dtype()),
                    " tensor written in place");
  for (double b : {lo, hi})  // as clamp: a finite bound must fit the dtype (1e300 in float32)
    if (std::isfinite(b)) check_representable(*this, b, "clamp_");
  const Tensor none = scalar(0.0, dtype());
  // grad ClampBackward: clamp_(x, lo, hi) => where(lo <= x <= hi, g, 0) (x before the write)
  autograd::inplace(
      {"clamp_", "ClampBackward"}, *this, {},
      [&] {
        // The gradient passes where the old value lay within [lo, hi] (as PyTorch: at the
        // bounds too, and not at NaN).
        const Tensor old = detach();
        Tensor inside = (old >= lo) && (old <= hi);
        return [si = SavedTensor(inside)](const Tensor& g) {
          return where(si.unpack(), g, scalar(0.0, g.dtype()));
        };
      },
      [&] {
        write(*this, none, dtype(),
              [lo, hi](auto d, auto) { return detail::clamp_value(d, lo, hi); });
      });
  return *this;
}

Tensor& Tensor::set_(const Tensor& source) {
  check_defined("set_", *this, source);
  check<DtypeError>(dtype() == source.dtype(), "set_: cannot set a ", dtype_name(dtype()),
                    " tensor to the storage of a ", dtype_name(source.dtype()), " tensor");
  check<AutogradError>(!is_grad_enabled() || !(requires_grad() || source.requires_grad()),
                       "set_: not differentiable; call it under NoGradGuard when the tensor or "
                       "the source requires grad");
  TensorImpl& d = *impl_;
  const TensorImpl& s = *source.impl();
  // The version counter lives on the storage: the old storage's other users (views, saved
  // copies) see a write to this tensor, and the new storage continues this tensor's count, so
  // a tensor saved from it before is recognised as modified (PyTorch keeps one counter per
  // tensor across set_; here the source's savers see a change too).
  const uint32_t next = std::max(d.storage->version(), s.storage->version()) + 1;
  d.storage->bump_version();
  s.storage->raise_version_to(next);
  d.storage = s.storage;
  d.sizes = s.sizes;
  d.strides = s.strides;
  d.offset = s.offset;
  d.recompute_layout();
  d.view_base.reset();  // no longer a window of its old base
  return *this;
}

}  // namespace paragrad
