// In-place ops. They write through the tensor's view into its storage and bump the
// storage's version counter, so a backward that saved this tensor notices. On a tensor
// that requires grad they are refused unless grad mode is off (as for a leaf in PyTorch).
#include <paragrad/engine/autograd/grad_mode.hpp>
#include <paragrad/engine/detail/elementwise.hpp>

namespace paragrad {

namespace {
void check_writable(const Tensor& t, const char* op) {
  check<ValueError>(t.defined(), op, ": undefined tensor");
  check<AutogradError>(!(t.requires_grad() && is_grad_enabled()), op,
                       ": a tensor that requires grad (shape ", shape_str(t.sizes()),
                       ") cannot be modified in place; use NoGradGuard or detach()");
}
// dst[...] = f(dst[...], src broadcast) elementwise, in dst's dtype.
template <class F>
void update(Tensor& dst, const Tensor& src_in, const char* op, F&& f) {
  check_writable(dst, op);
  check<ShapeError>(broadcast_shapes(dst.sizes(), src_in.sizes()) == dst.sizes(), op, ": shape ",
                    shape_str(src_in.sizes()), " cannot be broadcast to ", shape_str(dst.sizes()));
  Tensor src = detail::as_type(src_in, dst.dtype());
  // Writing from an overlapping view of the same storage: read a private copy first.
  if (src.impl()->storage == dst.impl()->storage) src = src.detach().clone();
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
  update(*this, src, "copy_", [](auto, auto s) { return s; });
  return *this;
}
Tensor& Tensor::add_(const Tensor& o, double alpha) {
  update(*this, o, "add_", [alpha](auto d, auto s) {
    using T = decltype(d);
    return d + static_cast<T>(alpha) * s;
  });
  return *this;
}
Tensor& Tensor::mul_(const Tensor& o) {
  update(*this, o, "mul_", [](auto d, auto s) { return d * s; });
  return *this;
}
Tensor& Tensor::mul_(double v) { return mul_(scalar(v, dtype())); }
Tensor& Tensor::div_(double v) {
  check<DtypeError>(is_floating_point(), "div_: expected a floating tensor, got ",
                    dtype_name(dtype()));
  return mul_(scalar(1.0 / v, dtype()));
}
Tensor& Tensor::fill_(double v) {
  update(*this, scalar(v, dtype()), "fill_", [](auto, auto s) { return s; });
  return *this;
}
Tensor& Tensor::zero_() { return fill_(0.0); }
Tensor& Tensor::clamp_(double lo, double hi) {
  check<ValueError>(!(lo > hi), "clamp_: min ", lo, " is greater than max ", hi);
  update(*this, scalar(0.0, dtype()), "clamp_", [lo, hi](auto d, auto) {
    using T = decltype(d);
    return double(d) < lo ? T(lo) : (double(d) > hi ? T(hi) : d);
  });
  return *this;
}

}  // namespace paragrad
