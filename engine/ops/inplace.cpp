// In-place ops. They write through the tensor's view into its storage and bump the
// storage's version counter, so a backward that saved this tensor notices. On a tensor
// that requires grad they are refused unless grad mode is off (as for a leaf in PyTorch).
#include <cmath>

#include <paragrad/engine/autograd/grad_mode.hpp>
#include <paragrad/engine/detail/checked_math.hpp>
#include <paragrad/engine/detail/elementwise.hpp>
#include <paragrad/engine/detail/promotion.hpp>

namespace paragrad {

namespace {
void check_writable(const Tensor& t, const char* op) {
  check_defined(op, t);
  check<AutogradError>(!(t.requires_grad() && is_grad_enabled()), op,
                       ": a tensor that requires grad (shape ", shape_str(t.sizes()),
                       ") cannot be modified in place; use NoGradGuard or detach()");
}

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

// dst[...] = f(dst[...], src broadcast) elementwise; src already has dst's dtype.
template <class F>
void apply(Tensor& dst, const Tensor& src, F&& f) {
  dispatch(dst.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* pd = dst.data_ptr<T>();
    const T* ps = src.data_ptr<T>();
    const Dims ss = detail::broadcast_strides(src, dst.sizes());
    std::array<const Dims*, 2> st{&dst.strides(), &ss};
    detail::for_each_run<2>(
        dst.sizes(), st,
        [&](const std::array<int64_t, 2>& o, int64_t n, const std::array<int64_t, 2>& k) {
          for (int64_t i = 0; i < n; ++i) {
            T& d = pd[o[0] + i * k[0]];
            d = static_cast<T>(f(d, ps[o[1] + i * k[1]]));
          }
        });
  });
}

// dst[...] = f(dst[...], src broadcast) elementwise, computed as PyTorch does: in
// torch.result_type(dst, src) (0-d rule included), then written into dst's dtype. A result
// type dst cannot hold (a float into an integer tensor, an integer into a bool one) is refused,
// unless `casting` (copy_, fill_: computed in dst's dtype, src converted).
template <class F>
void update(Tensor& dst, const Tensor& src_in, const char* op, F&& f, bool casting = false) {
  check_writable(dst, op);
  check_defined(op, dst, src_in);
  check<ShapeError>(broadcasts_to(src_in.sizes(), dst.sizes()), op, ": shape ",
                    shape_str(src_in.sizes()), " cannot be broadcast to ", shape_str(dst.sizes()));
  const Dtype compute = casting ? dst.dtype() : result_type(dst, src_in);
  check<DtypeError>(detail::can_cast(compute, dst.dtype()), op, ": result type ",
                    dtype_name(compute), " cannot be cast to the ", dtype_name(dst.dtype()),
                    " tensor written in place");
  Tensor holder;
  const Tensor* src_ptr = &detail::as_type(src_in, compute, holder, op);
  // Writing from an overlapping view of the same storage: read a private copy first.
  if (src_ptr->impl()->storage == dst.impl()->storage) {
    holder = src_ptr->detach().clone();
    src_ptr = &holder;
  }
  if (compute == dst.dtype()) {
    apply(dst, *src_ptr, f);
  } else {
    // A wider float operand (float32.add_(float64)): computed in float64, rounded once.
    Tensor wide = dst.detach().to(compute);
    apply(wide, *src_ptr, f);
    Tensor back = wide.to(dst.dtype());
    apply(dst, back, [](auto, auto s) { return s; });
  }
  dst.impl()->storage->bump_version();
}
}  // namespace

Tensor& Tensor::copy_(const Tensor& src) {
  update(
      *this, src, "copy_", [](auto, auto s) { return s; }, /*casting=*/true);
  return *this;
}
Tensor& Tensor::add_(const Tensor& o, double alpha) {
  check_writable(*this, "add_");
  check<DtypeError>(is_floating_point() || std::floor(alpha) == alpha, "add_: alpha ", alpha,
                    " must be integral for a ", dtype_name(dtype()), " tensor");
  check_representable(*this, alpha, "add_");
  update(*this, o, "add_", [alpha](auto d, auto s) {
    using T = decltype(d);
    return detail::wrap_add(d, detail::wrap_mul(static_cast<T>(alpha), s));
  });
  return *this;
}
Tensor& Tensor::mul_(const Tensor& o) {
  update(*this, o, "mul_", [](auto d, auto s) { return detail::wrap_mul(d, s); });
  return *this;
}
Tensor& Tensor::mul_(double v) {
  check_writable(*this, "mul_");
  update(*this, scalar_operand(*this, v, "mul_"), "mul_",
         [](auto d, auto s) { return detail::wrap_mul(d, s); });
  return *this;
}
Tensor& Tensor::div_(double v) {
  check_writable(*this, "div_");
  check<DtypeError>(is_floating_point(), "div_: expected a floating tensor, got ",
                    dtype_name(dtype()));
  // d / v (not d * (1 / v), which differs in the last bit), as PyTorch's div_.
  update(*this, detail::full_for("div_", {}, v, dtype(), false), "div_",
         [](auto d, auto s) { return d / s; });
  return *this;
}
Tensor& Tensor::fill_(double v) {
  check_writable(*this, "fill_");
  update(
      *this, detail::full_for("fill_", {}, v, dtype()), "fill_", [](auto, auto s) { return s; },
      /*casting=*/true);
  return *this;
}
Tensor& Tensor::zero_() {
  check_writable(*this, "zero_");
  return fill_(0.0);
}
Tensor& Tensor::clamp_(double lo, double hi) {
  // As torch.clamp_: the result type of the tensor with its bounds must fit the tensor
  // (int64.clamp_(0.5, 2.5) is refused); with lo > hi every element becomes hi.
  check_writable(*this, "clamp_");
  const Dtype t = detail::clamp_result_type(dtype(), lo, hi);
  check<DtypeError>(detail::can_cast(t, dtype()), "clamp_: result type ", dtype_name(t),
                    " of bounds ", lo, " and ", hi, " cannot be cast to the ", dtype_name(dtype()),
                    " tensor written in place");
  update(*this, detail::full_for("clamp_", {}, 0.0, dtype()), "clamp_",
         [lo, hi](auto d, auto) { return detail::clamp_value(d, lo, hi); });
  return *this;
}

}  // namespace paragrad
