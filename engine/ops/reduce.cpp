// Reductions. Sums accumulate in double (float64 for float32 inputs, like a careful
// BLAS) and each rule below its forward sends the gradient back by broadcasting.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <paragrad/engine/autograd/function.hpp>
#include <paragrad/engine/detail/checked_math.hpp>
#include <paragrad/engine/detail/loops.hpp>
#include <paragrad/engine/detail/parallel.hpp>

namespace paragrad {

using autograd::grad_list;
using autograd::needs_grad;
using autograd::record;
using autograd::SavedTensor;

namespace {

// Which dims are reduced (empty dims list: all of them).
SmallVec<bool, 8> reduced_mask(const Tensor& x, const Shape& dims, const char* op) {
  check_defined(op, x);
  const int64_t n = x.dim();
  SmallVec<bool, 8> mask(size_t(n), dims.empty());
  for (int64_t d : dims) {
    const int64_t m = std::max<int64_t>(n, 1);
    check<IndexError>(d >= -m && d < m, op, ": dimension ", d,
                      " out of range for a tensor of shape ", shape_str(x.sizes()));
    if (n == 0) continue;
    const int64_t w = d < 0 ? d + n : d;
    check<IndexError>(!mask[size_t(w)] || dims.empty(), op, ": dim ", w, " appears twice");
    mask[size_t(w)] = true;
  }
  return mask;
}

Dims kept_shape(const Tensor& x, const SmallVec<bool, 8>& mask, bool keepdim) {
  Dims out;
  for (size_t i = 0; i < x.sizes().size(); ++i) {
    if (!mask[i])
      out.push_back(x.sizes()[i]);
    else if (keepdim)
      out.push_back(1);
  }
  return out;
}

// The accumulator's start value; an infinite init (max/min) is the integer type's extreme
// for integer accumulators (casting infinity to an integer is undefined behaviour).
template <class A>
A initial(double init) {
  if (std::is_integral<A>::value && std::isinf(init))
    return init > 0 ? std::numeric_limits<A>::max() : std::numeric_limits<A>::lowest();
  return static_cast<A>(init);
}

// a = combine(a, p[i]) for i in [lo, hi), in accumulator type A: one chunk of a full reduction
// of contiguous elements (reduce_kernel's, and sum()'s small-tensor path).
template <class A, class T, class F>
A fold(A a, const T* p, int64_t lo, int64_t hi, F&& combine) {
  for (int64_t i = lo; i < hi; ++i) a = combine(a, static_cast<A>(p[i]));
  return a;
}

// out[j] = combine over the reduced elements, in accumulator type A, starting at init.
// A full reduction of a contiguous tensor folds chunks of kParallelReduceGrain elements (on the
// intra-op pool when there are several), each from init, and then merges the chunks' results in
// chunk order: the chunks depend on the size only, so the result does not depend on the thread
// count. `merge` joins two partial results (the combine itself for sum, max, all; a plain sum
// for a combine like a + b² that transforms its element).
template <class F, class M>
Tensor reduce_kernel(const Tensor& x, const SmallVec<bool, 8>& mask, bool keepdim, Dtype out_dtype,
                     double init, F&& combine, M&& merge) {
  Dims keep = kept_shape(x, mask, true);
  Tensor out = empty(keep, out_dtype);
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    dispatch(out_dtype, [&](auto otag) {
      using O = decltype(otag);
      // (never bool: std::vector<bool> has no addressable elements)
      using A = std::conditional_t<std::is_floating_point<O>::value, double, int64_t>;
      std::vector<A> acc(size_t(out.numel()), initial<A>(init));
      const T* px = x.data_ptr<T>();
      if (x.is_contiguous() && out.numel() == 1) {
        const int64_t n = x.numel(), grain = detail::kParallelReduceGrain;
        if (n <= grain) {  // one chunk: no partials (the small-op path)
          acc[0] = fold(acc[0], px, 0, n, combine);
        } else {
          std::vector<A> part(size_t((n + grain - 1) / grain));
          detail::parallel_for(n, grain, [&](int64_t lo, int64_t hi) {
            part[size_t(lo / grain)] = fold(acc[0], px, lo, hi, combine);
          });
          A a = part[0];
          for (size_t c = 1; c < part.size(); ++c) a = merge(a, part[c]);
          acc[0] = a;
        }
      } else {
        Dims ost = contiguous_strides(keep);
        for (size_t i = 0; i < keep.size(); ++i)
          if (mask[i]) ost[i] = 0;
        std::array<const Dims*, 2> st{&x.strides(), &ost};
        detail::for_each_run<2>(
            x.sizes(), st,
            [&](const std::array<int64_t, 2>& o, int64_t n, const std::array<int64_t, 2>& k) {
              for (int64_t i = 0; i < n; ++i) {
                A& a = acc[size_t(o[1] + i * k[1])];
                a = combine(a, static_cast<A>(px[o[0] + i * k[0]]));
              }
            });
      }
      O* po = out.data_ptr<O>();
      for (size_t i = 0; i < acc.size(); ++i) po[i] = static_cast<O>(acc[i]);
    });
  });
  if (!keepdim) {
    const Dims kept = kept_shape(x, mask, false);
    out = out.reshape(Shape(kept.begin(), kept.end()));
  }
  return out;
}

template <class F>
Tensor reduce_kernel(const Tensor& x, const SmallVec<bool, 8>& mask, bool keepdim, Dtype out_dtype,
                     double init, F&& combine) {
  return reduce_kernel(x, mask, keepdim, out_dtype, init, combine, combine);
}

// Puts g (shaped like a reduction's output) back to x's rank, ready to broadcast.
Tensor unreduce(const Tensor& g, const Dims& in_sizes, const SmallVec<bool, 8>& mask,
                bool keepdim) {
  if (keepdim) return g;
  Shape s;
  for (size_t i = 0; i < in_sizes.size(); ++i) s.push_back(mask[i] ? 1 : in_sizes[i]);
  return g.reshape(s);
}

Dtype sum_type(Dtype d) { return is_floating(d) ? d : kInt64; }

}  // namespace

Tensor Tensor::sum(Shape dims, bool keepdim) const {
  auto mask = reduced_mask(*this, dims, "sum");
  Tensor out = reduce_kernel(*this, mask, keepdim, sum_type(dtype()), 0.0,
                             [](auto a, auto b) { return detail::wrap_add(a, b); });
  if (needs_grad(*this)) {
    Dims in = sizes();
    // grad SumBackward: sum(x, dims, keepdim) => g broadcast back to x.shape
    record("SumBackward", out, {*this}, [in, mask, keepdim](const Tensor& g) {
      return broadcast_to(unreduce(g, in, mask, keepdim), in);
    });
  }
  return out;
}

namespace {
// SumBackward of a whole-tensor sum: g (0-dim) spread over the input's shape `in`. In a plain
// backward (grad mode off) it is a new tensor filled with g's value, not a broadcast view of g:
// the next rule may write its result over it, and a leaf takes it as its .grad without a copy.
// Under create_graph it is the broadcast, which is itself differentiable.
Tensor spread_sum_grad(const Tensor& g, const Dims& in) {
  if (!is_grad_enabled() && g.dim() == 0 && is_floating(g.dtype()))
    return detail::full_for("sum", in, g.item<double>(), g.dtype(), false);
  return broadcast_to(g, in);
}
}  // namespace

// The whole tensor's sum, the usual `loss.sum()`. A contiguous floating tensor of up to one
// chunk (the general path's small-op case) is folded straight into a 0-dim result, in double and
// in the same order as the general path; the general path builds a [1] result, an accumulator
// vector and a reshaped view of the result, which for a small tensor cost several times the sum.
Tensor Tensor::sum() const {
  check_defined("sum", *this);
  const TensorImpl& x = *impl_;
  if (!x.contiguous || !is_floating(x.dtype) || x.numel > detail::kParallelReduceGrain)
    return sum({}, false);
  Tensor out = detail::empty_for("sum", Dims(), x.dtype, 1);
  dispatch_floating(x.dtype, "sum", [&](auto tag) {
    using T = decltype(tag);
    const T* p = data_ptr<T>();
    const double a =
        fold(0.0, p, 0, x.numel, [](double u, double v) { return detail::wrap_add(u, v); });
    *out.data_ptr<T>() = static_cast<T>(a);
  });
  if (needs_grad(*this))
    // grad SumBackward: sum(x) => g broadcast to x.shape
    record("SumBackward", out, {*this},
           [in = x.sizes](const Tensor& g) { return spread_sum_grad(g, in); });
  return out;
}

Tensor Tensor::mean(Shape dims, bool keepdim) const {
  check_defined("mean", *this);
  check<DtypeError>(is_floating_point(), "mean: expected a floating tensor, got ",
                    dtype_name(dtype()));
  auto mask = reduced_mask(*this, dims, "mean");
  int64_t count = 1;
  for (size_t i = 0; i < mask.size(); ++i)
    if (mask[i]) count *= sizes()[i];
  return (dims.empty() && !keepdim ? sum() : sum(dims, keepdim)) / double(count);
}
Tensor Tensor::mean() const { return mean({}, false); }

Tensor Tensor::sum_to(const Dims& shape) const {
  check_defined("sum_to", *this);
  if (sizes() == shape) return *this;
  const size_t lead = sizes().size() - std::min(sizes().size(), shape.size());
  check<ShapeError>(shape.size() <= sizes().size(), "sum_to: cannot sum shape ", shape_str(sizes()),
                    " to ", shape_str(shape));
  Shape dims;
  for (size_t i = 0; i < sizes().size(); ++i) {
    if (i < lead) {
      dims.push_back(int64_t(i));
    } else if (shape[i - lead] == 1 && sizes()[i] != 1) {
      dims.push_back(int64_t(i));
    } else {
      check<ShapeError>(shape[i - lead] == sizes()[i], "sum_to: cannot sum shape ",
                        shape_str(sizes()), " to ", shape_str(shape));
    }
  }
  Tensor r = dims.empty() ? *this : sum(dims, true);
  return r.reshape(Shape(shape.begin(), shape.end()));
}

// Through prod(dim) (statistics.cpp), whose gradient is exact at zeros and O(n).
Tensor Tensor::prod() const {
  check_defined("prod", *this);
  return reshape({-1}).prod(0);
}

namespace {
// amax (is_max) or amin over dims. As PyTorch: reducing a zero-size dimension raises (there is no
// identity), while an empty tensor reduced over non-empty dims gives an empty result; NaN wins.
//
// Backward: the gradient is shared evenly among the elements equal to the result (PyTorch's
// tie rule), and where the result is NaN among the NaN elements (as PyTorch's max() of all
// elements; PyTorch's amax gives NaN to the whole group there). It is selected with `where`, so a
// NaN or inf in g never reaches an element that was not selected.
Tensor extreme_reduce(const Tensor& x, const Shape& dims, bool keepdim, bool is_max,
                      const char* op) {
  check_defined(op, x);
  auto mask = reduced_mask(x, dims, op);
  // As PyTorch: over all elements of an empty tensor a RuntimeError, over a named empty dim an
  // IndexError.
  check<ValueError>(!dims.empty() || x.numel() > 0, op, ": cannot reduce an empty tensor of shape ",
                    shape_str(x.sizes()), " over all elements; specify a non-empty dim");
  for (size_t i = 0; i < mask.size(); ++i)
    check<IndexError>(!mask[i] || x.sizes()[i] > 0, op, ": cannot reduce over dimension ", i,
                      " of size 0 (shape ", shape_str(x.sizes()), "): specify a non-empty dim");
  const double init =
      is_max ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  Tensor out = is_max ? reduce_kernel(x, mask, keepdim, x.dtype(), init,
                                      [](auto a, auto b) { return (b > a || b != b) ? b : a; })
                      : reduce_kernel(x, mask, keepdim, x.dtype(), init,
                                      [](auto a, auto b) { return (b < a || b != b) ? b : a; });
  if (needs_grad(x)) {
    Dims in = x.sizes();
    // grad AmaxBackward: amax(x, dims, keepdim) => g * [x == out] / (number of maxima)
    // grad AminBackward: amin(x, dims, keepdim) => g * [x == out] / (number of minima)
    record(is_max ? "AmaxBackward" : "AminBackward", out, {x},
           [in, mask, keepdim, sx = SavedTensor(x), so = SavedTensor(out, true)](const Tensor& g) {
             const Tensor xv = sx.unpack(), ov = unreduce(so.unpack(), in, mask, keepdim);
             const Tensor hit = (xv == ov) || (xv.isnan() && ov.isnan());
             Shape rdims;
             for (size_t i = 0; i < mask.size(); ++i)
               if (mask[i]) rdims.push_back(int64_t(i));
             const Tensor count = (rdims.empty() ? hit : hit.sum(rdims, true)).to(g.dtype());
             return where(hit, unreduce(g, in, mask, keepdim) / count, scalar(0.0, g.dtype()));
           });
  }
  return out;
}
}  // namespace

Tensor Tensor::amax(Shape dims, bool keepdim) const {
  return extreme_reduce(*this, dims, keepdim, true, "amax");
}
Tensor Tensor::amin(Shape dims, bool keepdim) const {
  return extreme_reduce(*this, dims, keepdim, false, "amin");
}
Tensor Tensor::max() const { return extreme_reduce(*this, {}, false, true, "max"); }
Tensor Tensor::min() const { return extreme_reduce(*this, {}, false, false, "min"); }

Tensor Tensor::movedim(int64_t from, int64_t to) const {
  check_defined("movedim", *this);
  const int64_t n = dim(), m = std::max<int64_t>(n, 1);  // a 0-d tensor accepts 0 and -1
  check<IndexError>(from >= -m && from < m && to >= -m && to < m, "movedim: dims ", from, ", ", to,
                    " out of range for shape ", shape_str(sizes()));
  if (n == 0) return *this;
  if (from < 0) from += n;
  if (to < 0) to += n;
  Shape perm;
  for (int64_t i = 0; i < n; ++i)
    if (i != from) perm.push_back(i);
  perm.insert(perm.begin() + to, from);
  return permute(perm);
}

namespace {
// values and indices of the max (is_max) or min along dim.
std::tuple<Tensor, Tensor> extreme_along(const Tensor& x, int64_t dim, bool keepdim, bool is_max,
                                         const char* op) {
  check_defined(op, x);
  check<IndexError>(x.dim() > 0 || dim == 0 || dim == -1, op, ": dim ", dim,
                    " out of range for a 0-d tensor");
  const int64_t n = std::max<int64_t>(x.dim(), 1);
  check<IndexError>(dim >= -n && dim < n, op, ": dimension ", dim,
                    " out of range for a tensor of shape ", shape_str(x.sizes()));
  const int64_t d = x.dim() == 0 ? 0 : (dim < 0 ? dim + n : dim);
  Tensor xm = x.dim() == 0 ? x.reshape({1}) : x;
  const int64_t len = xm.sizes()[size_t(d)];
  check<IndexError>(len > 0, op, ": cannot reduce over dimension ", d, " of size 0 (shape ",
                    shape_str(x.sizes()), ")");
  Tensor rows = xm.detach().movedim(d, -1).contiguous();
  Dims out_shape = rows.sizes();
  out_shape.pop_back();
  Tensor values = empty(out_shape, x.dtype()), indices = empty(out_shape, kInt64);
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* p = rows.data_ptr<T>();
    T* pv = values.data_ptr<T>();
    int64_t* pi = indices.data_ptr<int64_t>();
    for (int64_t r = 0, m = values.numel(); r < m; ++r) {
      const T* row = p + r * len;
      int64_t best = 0;
      for (int64_t j = 1; j < len; ++j) {
        if (row[best] != row[best]) break;  // NaN wins
        const bool better = is_max ? (row[j] > row[best] || row[j] != row[j])
                                   : (row[j] < row[best] || row[j] != row[j]);
        if (better) best = j;
      }
      pv[r] = row[best];
      pi[r] = best;
    }
  });
  if (keepdim && x.dim() > 0) {
    values = values.unsqueeze(d);
    indices = indices.unsqueeze(d);
  }
  if (needs_grad(x)) {
    Dims in = x.sizes();
    const bool kd = keepdim && x.dim() > 0;
    // The gradient goes to the element each index selects (the first of equal values, the
    // first NaN), scattered into zeros so that no other element sees g (a NaN in g included).
    // The indices are saved like any tensor: editing them in place before backward raises.
    // grad MaxBackward: max(x, dim, keepdim) => g at the argmax along dim, 0 elsewhere
    // grad MinBackward: min(x, dim, keepdim) => g at the argmin along dim, 0 elsewhere
    record(is_max ? "MaxBackward" : "MinBackward", values, {x},
           [in, d, kd, si = SavedTensor(indices)](const Tensor& g) {
             if (in.empty()) return g.reshape({});
             const Tensor idx = kd ? si.unpack() : si.unpack().unsqueeze(d);
             const Tensor gk = kd ? g : g.unsqueeze(d);
             return scatter_add(zeros(Shape(in.begin(), in.end()), g.dtype()), d, idx, gk);
           });
  }
  return {values, indices};
}
}  // namespace

std::tuple<Tensor, Tensor> Tensor::max(int64_t dim, bool keepdim) const {
  return extreme_along(*this, dim, keepdim, true, "max");
}
std::tuple<Tensor, Tensor> Tensor::min(int64_t dim, bool keepdim) const {
  return extreme_along(*this, dim, keepdim, false, "min");
}
Tensor Tensor::argmax(int64_t dim, bool keepdim) const {
  check_defined("argmax", *this);
  check<DtypeError>(dtype() != kBool, "argmax: not supported for bool tensors (shape ",
                    shape_str(sizes()), ")");  // as PyTorch
  NoGradGuard ng;
  return std::get<1>(extreme_along(*this, dim, keepdim, true, "argmax"));
}
Tensor Tensor::argmin(int64_t dim, bool keepdim) const {
  check_defined("argmin", *this);
  check<DtypeError>(dtype() != kBool, "argmin: not supported for bool tensors (shape ",
                    shape_str(sizes()), ")");  // as PyTorch
  NoGradGuard ng;
  return std::get<1>(extreme_along(*this, dim, keepdim, false, "argmin"));
}

namespace {
// The (detached) maximum over dims, kept, for the stable form of logsumexp; 0 where
// it is not finite (an all -inf group then gives -inf, not NaN) and everywhere for an empty x
// (a group over an empty dim has no maximum: logsumexp of nothing is log 0 = -inf, as PyTorch).
Tensor stable_shift(const Tensor& x, const Shape& dims, const SmallVec<bool, 8>& mask) {
  NoGradGuard no_grad;
  if (x.numel() == 0) {
    const Dims kept = kept_shape(x, mask, true);
    return zeros(Shape(kept.begin(), kept.end()), x.dtype());
  }
  const Tensor m = x.detach().amax(dims, true);
  return where(m.isfinite(), m, zeros_like(m));
}
}  // namespace

Tensor Tensor::logsumexp(Shape dims, bool keepdim) const {
  const auto mask = reduced_mask(*this, dims, "logsumexp");
  const Tensor x = is_floating_point() ? *this : to(kFloat32);  // as PyTorch: int -> float32
  const Tensor m = stable_shift(x, dims, mask);
  Tensor r = (x - m).exp().sum(dims, true).log() + m;
  if (keepdim) return r;
  const Dims kept = kept_shape(*this, mask, false);
  return r.reshape(Shape(kept.begin(), kept.end()));
}

Tensor Tensor::norm() const {
  check_defined("norm", *this);
  check<DtypeError>(is_floating_point(), "norm: expected a floating tensor, got ",
                    dtype_name(dtype()));
  Tensor out = reduce_kernel(
                   *this, reduced_mask(*this, {}, "norm"), false, dtype(), 0.0,
                   [](auto a, auto b) { return a + b * b; }, [](auto a, auto b) { return a + b; })
                   .sqrt();
  if (needs_grad(*this))
    // d|x|/dx = x/|x|; 0 at x = 0 (the subgradient PyTorch picks)
    // grad NormBackward: norm(x) => g * x / out (0 where out == 0)
    record("NormBackward", out, {*this},
           [sx = SavedTensor(*this), so = SavedTensor(out, true)](const Tensor& g) {
             Tensor n = so.unpack();
             Tensor safe = where(n == zeros_like(n), ones_like(n), n);
             return sx.unpack() * (g / safe);
           });
  return out;
}

Tensor Tensor::var(Shape dims, bool unbiased, bool keepdim) const {
  check_defined("var", *this);
  check<DtypeError>(is_floating_point(), "var: expected a floating tensor, got ",
                    dtype_name(dtype()));
  auto mask = reduced_mask(*this, dims, "var");
  int64_t count = 1;
  for (size_t i = 0; i < mask.size(); ++i)
    if (mask[i]) count *= sizes()[i];
  Tensor c = *this - mean(dims, true);
  return c.square().sum(dims, keepdim) / double(std::max<int64_t>(count - (unbiased ? 1 : 0), 0));
}

bool Tensor::all() const {
  check_defined("all", *this);
  return reduce_kernel(to(kBool), reduced_mask(*this, {}, "all"), false, kBool, 1.0,
                       [](auto a, auto b) { return a && b; })
      .item<bool>();
}
bool Tensor::any() const {
  check_defined("any", *this);
  return reduce_kernel(to(kBool), reduced_mask(*this, {}, "any"), false, kBool, 0.0,
                       [](auto a, auto b) { return a || b; })
      .item<bool>();
}

}  // namespace paragrad
