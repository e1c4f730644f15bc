// In-place ops. They write through the tensor's view into its storage and bump the
// storage's version counter, so a backward that saved this tensor notices. On a tensor
// that requires grad they are refused unless grad mode is off (as for a leaf in PyTorch).
#include <cmath>

#include <paragrad/engine/autograd/grad_mode.hpp>
#include <paragrad/engine/detail/checked_math.hpp>
#include <paragrad/engine/detail/elementwise.hpp>

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

// A double as a 0-d operand: integral values int64 can hold keep an integer tensor's dtype,
// others are float64 (so that mul_(2.5) or mul_(1e30) on an int64 tensor is refused, not
// truncated); a floating tensor gets it rounded to its dtype (1e300 is inf in float32).
Tensor scalar_operand(const Tensor& dst, double v, const char* op) {
  if (dst.is_floating_point()) return detail::full_for(op, {}, v, dst.dtype(), false);
  if (std::floor(v) == v && detail::converts_to<int64_t>(v))
    return detail::full_for(op, {}, v, dst.dtype());
  return detail::full_for(op, {}, v, kFloat64);
}

// A factor or bound v used in dst's dtype must be representable there, as PyTorch's checked
// scalar conversion requires (an infinite bound means "no bound" and is never converted).
void check_representable(const Tensor& dst, double v, const char* op, bool is_bound = false) {
  if (is_bound && std::isinf(v)) return;
  dispatch(dst.dtype(), [&](auto tag) { detail::checked_convert<decltype(tag)>(v, op); });
}

// dst[...] = f(dst[...], src broadcast) elementwise, in dst's dtype. Unless `casting`
// (copy_, fill_), a src whose type would promote dst's is refused, as PyTorch refuses to
// cast a float result into an integer tensor.
template <class F>
void update(Tensor& dst, const Tensor& src_in, const char* op, F&& f, bool casting = false) {
  check_writable(dst, op);
  check_defined(op, dst, src_in);
  check<ShapeError>(broadcasts_to(src_in.sizes(), dst.sizes()), op, ": shape ",
                    shape_str(src_in.sizes()), " cannot be broadcast to ", shape_str(dst.sizes()));
  const Dtype result = promote(dst.dtype(), src_in.dtype());
  check<DtypeError>(casting || result == dst.dtype(), op, ": result type ", dtype_name(result),
                    " cannot be cast to the ", dtype_name(dst.dtype()), " tensor written in place");
  Tensor holder;
  const Tensor* src_ptr = &detail::as_type(src_in, dst.dtype(), holder, op);
  // Writing from an overlapping view of the same storage: read a private copy first.
  if (src_ptr->impl()->storage == dst.impl()->storage) {
    holder = src_ptr->detach().clone();
    src_ptr = &holder;
  }
  const Tensor& src = *src_ptr;
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
  update(*this, detail::full_for("div_", {}, 1.0 / v, dtype(), false), "div_",
         [](auto d, auto s) { return d * s; });
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
  check_writable(*this, "clamp_");
  check<ValueError>(!(lo > hi), "clamp_: min ", lo, " is greater than max ", hi);
  check_representable(*this, lo, "clamp_", true);
  check_representable(*this, hi, "clamp_", true);
  update(*this, detail::full_for("clamp_", {}, 0.0, dtype()), "clamp_", [lo, hi](auto d, auto) {
    using T = decltype(d);
    return double(d) < lo ? T(lo) : (double(d) > hi ? T(hi) : d);
  });
  return *this;
}

}  // namespace paragrad
