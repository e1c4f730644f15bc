// Integer-indexed ops: gather and its adjoint scatter_add (each is the other's
// gradient, so second order works), and index_select, masked_fill and diag_embed built
// on them.
#include <paragrad/engine/autograd/function.hpp>
#include <paragrad/engine/detail/checked_math.hpp>
#include <paragrad/engine/detail/loops.hpp>

namespace paragrad {

using autograd::grad_list;
using autograd::needs_grad;
using autograd::record;
using autograd::SavedTensor;

namespace {

// For every element of index (row-major), the flat row-major offset into a tensor of
// shape `sizes` that it addresses: the element's own coordinates, with coordinate `d`
// replaced by the index value. Raises on any out-of-range index.
std::vector<int64_t> positions(const Dims& sizes, const Tensor& index, int64_t d, const char* op) {
  check<DtypeError>(index.dtype() == kInt64, op, ": index must be int64, got ",
                    dtype_name(index.dtype()));
  check<ShapeError>(index.dim() == int64_t(sizes.size()), op, ": index (shape ",
                    shape_str(index.sizes()), ") must have as many dims as input (shape ",
                    shape_str(sizes), ")");
  for (size_t i = 0; i < sizes.size(); ++i)
    check<ShapeError>(int64_t(i) == d || index.sizes()[i] <= sizes[i], op, ": index shape ",
                      shape_str(index.sizes()), " exceeds input shape ", shape_str(sizes),
                      " outside dimension ", d);
  const Tensor idx = index.contiguous();
  const Dims xs = contiguous_strides(sizes), is = contiguous_strides(idx.sizes());
  const int64_t n = sizes.empty() ? 1 : sizes[size_t(d)];
  const int64_t* pi = idx.data_ptr<int64_t>();
  std::vector<int64_t> pos(size_t(idx.numel()));
  if (sizes.empty()) {  // 0-d input and index: the index must still address element 0
    check<IndexError>(pi[0] == 0, op, ": index ", pi[0],
                      " is out of bounds for dimension 0 with size 1 (shape [])");
    pos[0] = 0;
    return pos;
  }
  for (int64_t flat = 0; flat < idx.numel(); ++flat) {
    int64_t rem = flat, off = 0;
    for (size_t k = 0; k < is.size(); ++k) {
      int64_t c = rem / is[k];
      rem %= is[k];
      if (int64_t(k) == d) {
        c = pi[flat];
        // Negative indices are out of range, as in torch.gather, scatter_add and index_select.
        check<IndexError>(c >= 0 && c < n, op, ": index ", c, " is out of bounds for dimension ", d,
                          " with size ", n, " (shape ", shape_str(sizes), ")");
      }
      off += c * xs[k];
    }
    pos[size_t(flat)] = off;
  }
  return pos;
}

// torch.gather's values (no graph); `op` names the public op in errors (gather, index_select).
Tensor gather_values(const Tensor& self, int64_t d, const Tensor& index, const char* op) {
  check_defined(op, self, index);
  const std::vector<int64_t> pos = positions(self.sizes(), index, d, op);
  const Tensor x = self.detach().contiguous();
  Tensor out = empty(index.sizes(), self.dtype());
  dispatch(self.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data_ptr<T>();
    T* po = out.data_ptr<T>();
    for (size_t i = 0; i < pos.size(); ++i) po[i] = px[pos[i]];
  });
  return out;
}

// index_select's 1-d index spread along dim d and broadcast over the other dims of `shape`:
// the gather index that selects the same slices.
Tensor spread_index(const Tensor& index, int64_t d, const Dims& shape) {
  Shape along(shape.size(), 1);
  along[size_t(d)] = index.numel();
  Shape out_shape(shape.begin(), shape.end());
  out_shape[size_t(d)] = index.numel();
  return index.detach().reshape(along).expand(out_shape).contiguous();
}

}  // namespace

// Backward: g scattered back (scatter_add, whose own backward is gather: second order works).
// The index is saved like any tensor, so an in-place edit of it before backward raises.
Tensor Tensor::gather(int64_t dim, const Tensor& index) const {
  check_defined("gather", *this, index);
  const int64_t d = detail::wrap_dim(dim, this->dim(), "gather", sizes());
  Tensor out = gather_values(*this, d, index, "gather");
  if (needs_grad(*this)) {
    Dims in = sizes();
    // grad GatherBackward: gather(x, dim, index) => scatter_add(zeros_like(x), dim, index, g)
    record("GatherBackward", out, {*this}, [in, d, si = SavedTensor(index)](const Tensor& g) {
      return scatter_add(zeros(Shape(in.begin(), in.end()), g.dtype()), d, si.unpack(), g);
    });
  }
  return out;
}

Tensor scatter_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  check_defined("scatter_add", self, index, src);
  const int64_t d = detail::wrap_dim(dim, self.dim(), "scatter_add", self.sizes());
  check<ShapeError>(src.sizes() == index.sizes(), "scatter_add: src shape ", shape_str(src.sizes()),
                    " must equal index shape ", shape_str(index.sizes()));
  check<DtypeError>(self.dtype() == src.dtype(), "scatter_add: expected self and src to have the ",
                    "same dtype, got ", dtype_name(self.dtype()), " and ", dtype_name(src.dtype()));
  const std::vector<int64_t> pos = positions(self.sizes(), index, d, "scatter_add");
  const Dtype t = self.dtype();
  Tensor out = self.detach().clone();
  const Tensor s = src.detach().contiguous();
  dispatch(t, [&](auto tag) {
    using T = decltype(tag);
    const T* ps = s.data_ptr<T>();
    T* po = out.data_ptr<T>();
    for (size_t i = 0; i < pos.size(); ++i)
      po[pos[i]] = static_cast<T>(detail::wrap_add(po[pos[i]], ps[i]));
  });
  if (needs_grad(self, src))
    // grad ScatterAddBackward: scatter_add(self, dim, index, src) => (g, g.gather(dim, index))
    record("ScatterAddBackward", out, {self, src}, [d, si = SavedTensor(index)](const Tensor& g) {
      return grad_list(g, g.gather(d, si.unpack()));
    });
  return out;
}

// Backward: g added back at the selected slices (a scatter_add of the spread index). The index
// is saved like any tensor, so an in-place edit of it before backward raises.
Tensor Tensor::index_select(int64_t dim, const Tensor& index) const {
  check_defined("index_select", *this, index);
  check<ShapeError>(index.dim() <= 1, "index_select: index must be 0-d or 1-d, got shape ",
                    shape_str(index.sizes()));
  check<DtypeError>(index.dtype() == kInt64, "index_select: index must be int64, got ",
                    dtype_name(index.dtype()));
  if (this->dim() == 0) return reshape({1}).index_select(0, index).reshape({});
  const int64_t d = detail::wrap_dim(dim, this->dim(), "index_select", sizes());
  Tensor out = gather_values(*this, d, spread_index(index, d, sizes()), "index_select");
  if (needs_grad(*this)) {
    Dims in = sizes();
    // grad IndexSelectBackward: index_select(x, dim, index) => g scatter-added at the index
    record("IndexSelectBackward", out, {*this}, [in, d, si = SavedTensor(index)](const Tensor& g) {
      return scatter_add(zeros(Shape(in.begin(), in.end()), g.dtype()), d,
                         spread_index(si.unpack(), d, in), g);
    });
  }
  return out;
}

// self with value where mask is true (mask broadcasts to self; the result keeps self's dtype).
// Backward: g where mask is false. The mask is saved like any tensor: an in-place edit of it
// before backward raises.
Tensor Tensor::masked_fill(const Tensor& mask, double value) const {
  check_defined("masked_fill", *this, mask);
  check<DtypeError>(mask.dtype() == kBool, "masked_fill: mask must be bool, got ",
                    dtype_name(mask.dtype()));
  Tensor out;
  {
    NoGradGuard no_grad;
    out = detail::where_impl("masked_fill", mask,
                             detail::full_for("masked_fill", {}, value, dtype()), detach());
  }
  check<ShapeError>(out.sizes() == sizes(), "masked_fill: mask of shape ", shape_str(mask.sizes()),
                    " does not broadcast to the shape ", shape_str(sizes()));
  if (needs_grad(*this))
    // grad MaskedFillBackward: masked_fill(x, mask, v) => where(mask, 0, g)
    record("MaskedFillBackward", out, {*this}, [sm = SavedTensor(mask)](const Tensor& g) {
      return where(sm.unpack(), scalar(0.0, g.dtype()), g);
    });
  return out;
}

Tensor diag_embed(const Tensor& v) {
  check_defined("diag_embed", v);
  check<ShapeError>(v.dim() >= 1, "diag_embed: expects at least 1 dimension, got shape ",
                    shape_str(v.sizes()));
  const int64_t n = v.sizes().back();
  return v.unsqueeze(-1) * eye(n, v.dtype());
}

}  // namespace paragrad
