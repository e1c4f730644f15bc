// Scans along a dim: cumsum, cumprod, and the first-order linear recurrence both are made of,
//   linear_scan(b, a):          y_0 = b_0,          y_i = b_i + a_i y_{i-1}
//   linear_scan(b, a, reverse): y_{n-1} = b_{n-1},  y_i = b_i + a_i y_{i+1}.
// Integer and bool inputs of cumsum/cumprod give Int64 (as PyTorch); float sums accumulate
// in double.
//
// Why the recurrence: the gradient of cumprod must be right where x has zeros, where the usual
// formula (reverse cumsum of g·y) / x divides by zero. With y_i = Π_{m<=i} x_m,
//   ∂L/∂x_i = Σ_{j>=i} g_j Π_{m<=j, m≠i} x_m = y_{i-1} · λ_i,
//   λ_i = Σ_{j>=i} g_j Π_{i<m<=j} x_m = g_i + x_{i+1} λ_{i+1},
// i.e. λ = linear_scan(g, shift_left(x), reverse) and ∂L/∂x = λ · shift_right(y, 1): no
// division, exact at any number of zeros. The recurrence's own adjoint is again a recurrence
// (the reversed one, with the coefficients shifted by one), so every order of derivative is
// O(n) and exact: PyTorch instead falls back to an O(n²) loop for double backward.
#include <paragrad/engine/autograd/function.hpp>
#include <paragrad/engine/detail/along_dim.hpp>

namespace paragrad {

using autograd::grad_list;
using autograd::needs_grad;
using autograd::record;
using autograd::SavedTensor;

namespace {

// t shifted by one along d, towards higher indices (right) or lower (left); the vacated
// entry is `fill`. Differentiable (narrow + cat).
Tensor shift(const Tensor& t, int64_t d, bool right, double fill) {
  const int64_t n = t.size(d);
  if (n == 0) return t;
  Shape one = t.shape();
  one[size_t(d)] = 1;
  const Tensor pad = full(one, fill, t.dtype());
  return right ? cat({pad, t.narrow(d, 0, n - 1)}, d) : cat({t.narrow(d, 1, n - 1), pad}, d);
}

// The recurrence on rows of b and a (same shape, floating, contiguous).
Tensor linear_scan(const Tensor& b, const Tensor& a, int64_t dim, bool reverse) {
  const detail::Rows rb = detail::to_rows(b, dim, "linear_scan");
  const detail::Rows ra = detail::to_rows(a, dim, "linear_scan");
  Tensor out = empty(rb.data.sizes(), b.dtype());
  dispatch_floating(b.dtype(), "linear_scan", [&](auto tag) {
    using T = decltype(tag);
    const T* pb = rb.data.data_ptr<T>();
    const T* pa = ra.data.data_ptr<T>();
    T* po = out.data_ptr<T>();
    const int64_t len = rb.len;
    for (int64_t r = 0; r < rb.count; ++r) {
      const int64_t o = r * len;
      if (len == 0) continue;
      if (!reverse) {
        po[o] = pb[o];
        for (int64_t i = 1; i < len; ++i) po[o + i] = pb[o + i] + pa[o + i] * po[o + i - 1];
      } else {
        po[o + len - 1] = pb[o + len - 1];
        for (int64_t i = len - 2; i >= 0; --i) po[o + i] = pb[o + i] + pa[o + i] * po[o + i + 1];
      }
    }
  });
  out = detail::from_rows(out, rb.dim, b.dim());
  if (needs_grad(b, a)) {
    const int64_t d = rb.dim;
    // Adjoint: λ = scan of g in the other direction with a shifted by one; gb = λ,
    // ga_i = λ_i · y_{i∓1} (0 where a_i multiplies nothing).
    // grad LinearScanBackward: linear_scan(b, a, r) => (λ, λ out_{i∓1}), λ = scan(g, a_{i±1}, !r)
    record("LinearScanBackward", out, {b, a},
           [d, reverse, sa = SavedTensor(a), so = SavedTensor(out, true)](const Tensor& g) {
             if (g.dim() == 0) return grad_list(g, zeros_like(g));
             const Tensor lambda = linear_scan(g, shift(sa.unpack(), d, reverse, 0.0), d, !reverse);
             return grad_list(lambda, lambda * shift(so.unpack(), d, !reverse, 0.0));
           });
  }
  return out;
}

Dtype scan_type(Dtype d) { return is_floating(d) ? d : kInt64; }

// y_i = combine(y_{i-1}, x_i) along dim, in dtype scan_type(x), accumulating in A.
template <class F>
Tensor scan_kernel(const Tensor& x, int64_t dim, const char* op, F&& combine) {
  const detail::Rows r = detail::to_rows(x, dim, op);
  const Dtype t = scan_type(x.dtype());
  Tensor out = empty(r.data.sizes(), t);
  dispatch(x.dtype(), [&](auto tag) {
    using S = decltype(tag);
    dispatch_numeric(t, op, [&](auto otag) {
      using O = decltype(otag);
      using A = std::conditional_t<std::is_floating_point<O>::value, double, int64_t>;
      const S* px = r.data.data_ptr<S>();
      O* po = out.data_ptr<O>();
      for (int64_t row = 0; row < r.count; ++row) {
        const int64_t o = row * r.len;
        A acc{};
        for (int64_t i = 0; i < r.len; ++i) {
          acc = i == 0 ? static_cast<A>(px[o]) : combine(acc, static_cast<A>(px[o + i]));
          po[o + i] = static_cast<O>(acc);
        }
      }
    });
  });
  return detail::from_rows(out, r.dim, x.dim());
}

}  // namespace

Tensor Tensor::cumsum(int64_t dim) const {
  Tensor out = scan_kernel(*this, dim, "cumsum", [](auto a, auto b) { return a + b; });
  if (needs_grad(*this)) {
    const int64_t d = detail::wrap_dim(dim, this->dim(), "cumsum", sizes());
    // The adjoint of a running sum is the running sum from the end.
    // grad CumsumBackward: cumsum(x, dim) => g.flip(dim).cumsum(dim).flip(dim)
    record("CumsumBackward", out, {*this}, [d](const Tensor& g) {
      if (g.dim() == 0) return g;
      return g.flip({d}).cumsum(d).flip({d});
    });
  }
  return out;
}

// Accumulates in the output's type (double for float32), like the kernel of cumsum.
Tensor Tensor::cumprod(int64_t dim) const {
  Tensor out = scan_kernel(*this, dim, "cumprod", [](auto a, auto b) { return a * b; });
  if (needs_grad(*this)) {
    const int64_t d = detail::wrap_dim(dim, this->dim(), "cumprod", sizes());
    // grad CumprodBackward: cumprod(x, dim) => λ out_{i-1} (1 at i=0), λ = scan(g, x_{i+1}, rev)
    record("CumprodBackward", out, {*this},
           [d, sx = SavedTensor(*this), so = SavedTensor(out, true)](const Tensor& g) {
             if (g.dim() == 0) return g;
             const Tensor lambda = linear_scan(g, shift(sx.unpack(), d, false, 0.0), d, true);
             return lambda * shift(so.unpack(), d, true, 1.0);
           });
  }
  return out;
}

}  // namespace paragrad
