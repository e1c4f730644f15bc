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

// torch.gather; `op` names the public op in errors (gather, index_select).
Tensor gather_impl(const Tensor& self, int64_t dim, const Tensor& index, const char* op) {
  check_defined(op, self, index);
  const int64_t d = detail::wrap_dim(dim, self.dim(), op, self.sizes());
  const std::vector<int64_t> pos = positions(self.sizes(), index, d, op);
  const Tensor x = self.detach().contiguous();
  Tensor out = empty(index.sizes(), self.dtype());
  dispatch(self.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data_ptr<T>();
    T* po = out.data_ptr<T>();
    for (size_t i = 0; i < pos.size(); ++i) po[i] = px[pos[i]];
  });
  if (needs_grad(self)) {
    Dims in = self.sizes();
    record("GatherBackward", out, {self}, [in, d, index](const Tensor& g) {
      return grad_list(scatter_add(zeros(Shape(in.begin(), in.end()), g.dtype()), d, index, g));
    });
  }
  return out;
}

}  // namespace

Tensor Tensor::gather(int64_t dim, const Tensor& index) const {
  return gather_impl(*this, dim, index, "gather");
}

Tensor scatter_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  check_defined("scatter_add", self, index, src);
  const int64_t d = detail::wrap_dim(dim, self.dim(), "scatter_add", self.sizes());
  check<ShapeError>(src.sizes() == index.sizes(), "scatter_add: src shape ", shape_str(src.sizes()),
                    " must equal index shape ", shape_str(index.sizes()));
  const std::vector<int64_t> pos = positions(self.sizes(), index, d, "scatter_add");
  const Dtype t = promote(self.dtype(), src.dtype());
  Tensor out = self.detach().to(t).clone();
  const Tensor s = src.detach().to(t).contiguous();
  dispatch(t, [&](auto tag) {
    using T = decltype(tag);
    const T* ps = s.data_ptr<T>();
    T* po = out.data_ptr<T>();
    for (size_t i = 0; i < pos.size(); ++i)
      po[pos[i]] = static_cast<T>(detail::wrap_add(po[pos[i]], ps[i]));
  });
  if (needs_grad(self, src))
    record("ScatterAddBackward", out, {self, src},
           [d, index](const Tensor& g) { return grad_list(g, g.gather(d, index)); });
  return out;
}

Tensor Tensor::index_select(int64_t dim, const Tensor& index) const {
  check_defined("index_select", *this, index);
  check<ShapeError>(index.dim() <= 1, "index_select: index must be 0-d or 1-d, got shape ",
                    shape_str(index.sizes()));
  check<DtypeError>(index.dtype() == kInt64, "index_select: index must be int64, got ",
                    dtype_name(index.dtype()));
  if (this->dim() == 0) return reshape({1}).index_select(0, index).reshape({});
  const int64_t d = detail::wrap_dim(dim, this->dim(), "index_select", sizes());
  // Spread the 1-d index along dim and broadcast it over the other dims, then gather.
  Shape along(size_t(this->dim()), 1);
  along[size_t(d)] = index.numel();
  Shape out_shape = shape();
  out_shape[size_t(d)] = index.numel();
  Tensor idx = index.reshape(along).expand(out_shape).contiguous();
  return gather_impl(*this, d, idx, "index_select");
}

Tensor Tensor::masked_fill(const Tensor& mask, double value) const {
  check_defined("masked_fill", *this, mask);
  check<DtypeError>(mask.dtype() == kBool, "masked_fill: mask must be bool, got ",
                    dtype_name(mask.dtype()));
  return detail::where_impl("masked_fill", mask,
                            detail::full_for("masked_fill", {}, value, dtype()), *this);
}

Tensor diag_embed(const Tensor& v) {
  check_defined("diag_embed", v);
  check<ShapeError>(v.dim() >= 1, "diag_embed: expects at least 1 dimension, got shape ",
                    shape_str(v.sizes()));
  const int64_t n = v.sizes().back();
  return v.unsqueeze(-1) * eye(n, v.dtype());
}

}  // namespace paragrad
