// Reductions along dims beyond reduce.cpp: prod(dim), std, var() and std() of all elements,
// the p-norms norm(p, dims), and all/any along a dim.
#include <cmath>
#include <limits>

#include <paragrad/engine/autograd/function.hpp>
#include <paragrad/engine/detail/along_dim.hpp>

namespace paragrad {

using autograd::grad_list;
using autograd::needs_grad;
using autograd::record;
using autograd::SavedTensor;

namespace {

// out[row] = fold of the row with combine, starting at init, as dtype O (accumulating in A).
template <class O, class A, class F>
Tensor fold_rows(const detail::Rows& r, Dtype out_dtype, A init, F&& combine) {
  Dims shape = r.data.sizes();
  shape.back() = 1;
  Tensor out = empty(shape, out_dtype);
  O* po = out.data_ptr<O>();
  dispatch(r.data.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* p = r.data.data_ptr<T>();
    for (int64_t row = 0; row < r.count; ++row) {
      A acc = init;
      for (int64_t i = 0; i < r.len; ++i) acc = combine(acc, static_cast<A>(p[row * r.len + i]));
      po[row] = static_cast<O>(acc);
    }
  });
  return out;
}

// rows [..., 1] back to the input's layout, with the dim kept or dropped.
Tensor fold_result(const Tensor& folded, const detail::Rows& r, int64_t ndim, bool keepdim) {
  Tensor out = detail::from_rows(folded, r.dim, ndim);
  return keepdim || ndim == 0 ? out : out.squeeze(r.dim);
}

// Exclusive running product along d: e_i = Π_{m<i} x_m (reverse: Π_{m>i} x_m).
Tensor exclusive_cumprod(const Tensor& x, int64_t d, bool reverse) {
  const int64_t n = x.size(d);
  Shape one = x.shape();
  one[size_t(d)] = 1;
  const Tensor ones_pad = ones(one, x.dtype());
  if (!reverse) return cat({ones_pad, x.narrow(d, 0, n - 1)}, d).cumprod(d);
  return cat({x.narrow(d, 1, n - 1), ones_pad}, d).flip({d}).cumprod(d).flip({d});
}

}  // namespace

// prod along dim. Integer and bool inputs give Int64.
// Backward: ∂/∂x_i = Π_{m≠i} x_m. Without zeros in x that is out / x_i; with zeros (one or
// several) it is the product of the exclusive running products from both ends, which never
// divides and is exact (and differentiable again through cumprod's rule).
Tensor Tensor::prod(int64_t dim, bool keepdim) const {
  check_defined("prod", *this);
  const detail::Rows r = detail::to_rows(*this, dim, "prod");
  const Dtype t = is_floating_point() ? dtype() : kInt64;
  Tensor folded = dispatch_numeric(t, "prod", [&](auto tag) {
    using O = decltype(tag);
    using A = std::conditional_t<std::is_floating_point<O>::value, double, int64_t>;
    // int64 wraps on overflow as in PyTorch (unsigned arithmetic: defined, no UB)
    return fold_rows<O, A>(r, t, A(1), [](A a, A b) {
      if constexpr (std::is_integral<A>::value)
        return A(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
      else
        return a * b;
    });
  });
  Tensor out = fold_result(folded, r, this->dim(), keepdim);
  if (needs_grad(*this)) {
    const int64_t d = r.dim;
    // grad ProdBackward: prod(x, dim, keepdim) => g Π_{m≠i} x_m (g out / x if no zero in x)
    record("ProdBackward", out, {*this},
           [d, keepdim, sx = SavedTensor(*this), so = SavedTensor(out, true)](const Tensor& g) {
             const Tensor x = sx.unpack();
             if (x.dim() == 0) return g;
             const Tensor gk = keepdim ? g : g.unsqueeze(d);
             if (!(x.detach() == zeros_like(x)).any()) {
               const Tensor ok = keepdim ? so.unpack() : so.unpack().unsqueeze(d);
               return gk * ok / x;
             }
             return gk * exclusive_cumprod(x, d, false) * exclusive_cumprod(x, d, true);
           });
  }
  return out;
}

Tensor Tensor::var() const { return var({}, true, false); }
Tensor Tensor::std() const { return std({}, true, false); }

// sqrt(var). Backward: g (x − mean) / ((N − correction) std), and 0 where std = 0 (a
// constant slice: PyTorch's choice, where the derivative of √ is unbounded).
Tensor Tensor::std(Shape dims, bool unbiased, bool keepdim) const {
  check<DtypeError>(is_floating_point(), "std: expected a floating tensor, got ",
                    dtype_name(dtype()), " of shape ", shape_str(sizes()));
  Tensor out;
  {
    NoGradGuard no_grad;
    out = detach().var(dims, unbiased, keepdim).sqrt();
  }
  if (needs_grad(*this)) {
    int64_t count = numel();
    if (!dims.empty() && this->dim() > 0) {
      count = 1;
      std::vector<bool> seen(size_t(this->dim()), false);
      for (int64_t d : dims) {
        const int64_t w = detail::wrap_dim(d, this->dim(), "std", sizes());
        if (!seen[size_t(w)]) count *= sizes()[size_t(w)];
        seen[size_t(w)] = true;
      }
    }
    const double denom = double(count - (unbiased ? 1 : 0));
    // grad StdBackward: std(x, dims, unbiased, keepdim) => g (x - mean) / ((N - c) out), 0 if out=0
    record("StdBackward", out, {*this},
           [dims, keepdim, denom, sx = SavedTensor(*this),
            so = SavedTensor(out, true)](const Tensor& g) {
             const Tensor x = sx.unpack();
             Tensor s = so.unpack(), gk = g;
             if (!keepdim && x.dim() > 0) {
               Shape ks = x.shape();
               if (dims.empty())
                 for (int64_t& v : ks) v = 1;
               for (int64_t d : dims) ks[size_t(d < 0 ? d + x.dim() : d)] = 1;
               s = s.reshape(ks);
               gk = g.reshape(ks);
             }
             const Tensor zero = s.detach() == zeros_like(s);
             const Tensor scale =
                 where(zero, zeros_like(s), gk / (where(zero, ones_like(s), s) * denom));
             return scale * (x - x.mean(dims, true));
           });
  }
  return out;
}

Tensor Tensor::norm(double p) const { return norm(p, {}, false); }

// torch.norm(x, p, dims): (Σ|x|^p)^(1/p) over dims (empty: all); p = inf / -inf is the
// largest / smallest |x| (ties share the gradient evenly, through amax / amin; 0 for an empty
// tensor, as PyTorch); p = 0 counts the non-zeros (gradient zero). Backward of the finite
// p ≠ 0 norms:
//   ∂‖x‖_p/∂x = sign(x) |x|^(p-1) / ‖x‖_p^(p-1),
// taken as 0 where ‖x‖_p = 0 (a zero vector: the subgradient PyTorch picks) and where x = 0
// (for p < 1, where it is unbounded). For p = 2 this is x / ‖x‖.
Tensor Tensor::norm(double p, Shape dims, bool keepdim) const {
  check<DtypeError>(is_floating_point(), "norm: expected a floating tensor, got ",
                    dtype_name(dtype()), " of shape ", shape_str(sizes()));
  check<ValueError>(!std::isnan(p), "norm: p must not be NaN");
  for (int64_t d : dims) detail::wrap_dim(d, this->dim(), "norm", sizes());
  if (std::isinf(p)) {
    // As torch.norm (not linalg.vector_norm, which raises): ±inf of nothing is 0.
    if (numel() == 0) return abs().sum(dims, keepdim);
    return p > 0 ? abs().amax(dims, keepdim) : abs().amin(dims, keepdim);
  }
  if (p == 0) {
    Tensor out = (detach() != zeros_like(*this)).to(dtype()).sum(dims, keepdim);
    if (needs_grad(*this))
      // grad NormBackward: norm(x, 0, dims) => 0 (a count)
      record("NormBackward", out, {*this},
             [shape = shape(), dt = dtype()](const Tensor&) { return zeros(shape, dt); });
    return out;
  }
  Tensor out;
  {
    NoGradGuard no_grad;
    const Tensor a = detach().abs();
    out = p == 2 ? a.square().sum(dims, keepdim).sqrt()
                 : (p == 1 ? a.sum(dims, keepdim) : a.pow(p).sum(dims, keepdim).pow(1.0 / p));
  }
  if (needs_grad(*this)) {
    Shape ks = shape();  // the reduced dims kept as 1 (a 0-d tensor has none: dim 0 is itself)
    if (dims.empty())
      for (int64_t& v : ks) v = 1;
    if (!ks.empty())
      for (int64_t d : dims) ks[size_t(detail::wrap_dim(d, this->dim(), "norm", sizes()))] = 1;
    // grad NormBackward: norm(x, p, dims) => g sign(x) (|x| / out)^(p-1), 0 where out = 0 or x = 0
    record("NormBackward", out, {*this},
           [sx = SavedTensor(*this), so = SavedTensor(out, true), ks, p](const Tensor& g) {
             const Tensor x = sx.unpack(), nrm = so.unpack().reshape(ks), gk = g.reshape(ks);
             const Tensor nz = nrm.detach() != zeros_like(nrm);
             const Tensor nsafe = where(nz, nrm, ones_like(nrm));
             Tensor d;
             if (p == 2) {
               d = x / nsafe;
             } else if (p == 1) {
               d = x.sign();
             } else {
               const Tensor xnz = x.detach() != zeros_like(x);
               const Tensor ratio = where(xnz, x.abs(), ones_like(x)) / nsafe;
               d = where(xnz, x.sign() * ratio.pow(p - 1), zeros_like(x));
             }
             return where(nz, d, zeros_like(d)) * gk;
           });
  }
  return out;
}

namespace {
Tensor logical_fold(const Tensor& x, int64_t dim, bool keepdim, bool is_all, const char* op) {
  const detail::Rows r = detail::to_rows(x, dim, op);
  Dims shape = r.data.sizes();
  shape.back() = 1;
  Tensor folded = empty(shape, kBool);
  bool* po = folded.data_ptr<bool>();
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* p = r.data.data_ptr<T>();
    for (int64_t row = 0; row < r.count; ++row) {
      bool acc = is_all;
      for (int64_t i = 0; i < r.len && acc == is_all; ++i) acc = p[row * r.len + i] != T(0);
      po[row] = acc;
    }
  });
  return fold_result(folded, r, x.dim(), keepdim);
}
}  // namespace

Tensor Tensor::all(int64_t dim, bool keepdim) const {
  return logical_fold(*this, dim, keepdim, true, "all");
}
Tensor Tensor::any(int64_t dim, bool keepdim) const {
  return logical_fold(*this, dim, keepdim, false, "any");
}

}  // namespace paragrad
