// Views: results share storage with their input and differ only in sizes, strides and
// offset. The gradient of a view either reshapes back (reshape, transpose, permute,
// unsqueeze, squeeze), sums back (expand), or writes g into a zero tensor shaped like the
// input at the viewed window (select, narrow, slice, diagonal: `scatter_into_view`).
// Every view records its base (make_view), so an in-place op on it can rewrite the base's
// history (autograd/views.hpp).
#include <algorithm>
#include <numeric>

#include <paragrad/engine/autograd/function.hpp>
#include <paragrad/engine/detail/advanced_index.hpp>
#include <paragrad/engine/detail/checked_math.hpp>
#include <paragrad/engine/detail/loops.hpp>

namespace paragrad {

using autograd::grad_list;
using autograd::needs_grad;
using autograd::record;
using detail::wrap_dim;

namespace {

// A view of `input`. Its base is input's base if input is itself a view, else input; a view
// made without grad mode (or of such a view) is marked so (in-place on it is then refused
// with grad mode on, as in PyTorch).
Tensor make_view(const Tensor& input, Dims sizes, Dims strides, int64_t offset) {
  const TensorImpl& in = *input.impl();
  auto view = make_intrusive<TensorImpl>(in.storage, std::move(sizes), std::move(strides), offset,
                                         in.dtype);
  view->view_base = in.view_base ? in.view_base : input.impl_ptr();
  view->view_history.store(view->view_base->history, std::memory_order_relaxed);
  if (!is_grad_enabled() || (in.view_base && in.view_creation == ViewCreation::NoGradMode))
    view->view_creation = ViewCreation::NoGradMode;
  return Tensor(std::move(view));
}

// A zero tensor of `sizes` with g written into the window view_of(zeros) selects. Its own
// gradient is view_of(g2), so double backward through views works.
template <class ViewOf>
Tensor scatter_into_view(const Tensor& g, const Dims& sizes, const char* name, ViewOf view_of) {
  Tensor base = zeros(Shape(sizes.begin(), sizes.end()), g.dtype());
  detail::copy_into(view_of(base), g);
  if (needs_grad(g))
    // grad SelectBackwardBackward: select_backward(grad, ...) => g.select(dim, i)
    // grad SliceBackwardBackward: slice_backward(grad, ...) => slice(g, dim, start, stop, step)
    // grad DiagonalBackwardBackward: diagonal_backward(grad, ...) => g.diagonal(offset, d0, d1)
    record(name, base, {g}, [view_of](const Tensor& g2) { return view_of(g2); });
  return base;
}

// Strides for viewing t as `shape` without a copy, or empty if impossible
// (the algorithm of PyTorch's computeStride: split/merge runs of compatible dims).
bool view_strides(const Tensor& t, const Dims& shape, Dims& out) {
  const Dims& old_sizes = t.sizes();
  const Dims& old_strides = t.strides();
  out.assign(shape.size(), 1);
  // No elements, or one element of a 0-d tensor: any strides address the data.
  if (t.numel() == 0 || old_sizes.empty()) {
    out = contiguous_strides(shape);
    return true;
  }
  int64_t view_d = int64_t(shape.size()) - 1;
  int64_t chunk_base_stride = old_strides.empty() ? 1 : old_strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t td = int64_t(old_sizes.size()) - 1; td >= 0; --td) {
    tensor_numel *= old_sizes[size_t(td)];
    if (td == 0 || (old_sizes[size_t(td - 1)] != 1 &&
                    old_strides[size_t(td - 1)] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || shape[size_t(view_d)] == 1)) {
        out[size_t(view_d)] = view_numel * chunk_base_stride;
        view_numel *= shape[size_t(view_d)];
        --view_d;
      }
      if (view_numel != tensor_numel) return false;
      if (td > 0) {
        chunk_base_stride = old_strides[size_t(td - 1)];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  return view_d == -1;
}

Dims infer_shape(const Shape& shape, int64_t numel, const char* op, const Dims& from) {
  Dims out(shape.begin(), shape.end());
  int64_t known = 1, infer = -1;
  bool overflow = false;  // known is then meaningless: no input matches (numel fits int64)
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      check<ShapeError>(infer < 0, op, ": only one dimension can be inferred in ", shape_str(out));
      infer = int64_t(i);
    } else {
      check<ShapeError>(out[i] >= 0, op, ": invalid size in shape ", shape_str(out));
      overflow = overflow || !detail::mul_ok(known, out[i], known);
    }
  }
  if (std::find(out.begin(), out.end(), int64_t(0)) != out.end()) {  // a zero size wins
    known = 0;
    overflow = false;
  }
  if (infer >= 0) {
    check<ShapeError>(!overflow && known != 0 && numel % known == 0, op, ": shape ", shape_str(out),
                      " is invalid for input of shape ", shape_str(from));
    out[size_t(infer)] = numel / known;
  } else {
    check<ShapeError>(!overflow && known == numel, op, ": shape ", shape_str(out),
                      " is invalid for input of shape ", shape_str(from));
  }
  detail::check_shape(op, out);  // [0, 2^62, 2^62]: no representable strides
  return out;
}

Tensor record_reshape(const Tensor& in, Tensor out, const char* name) {
  if (needs_grad(in)) {
    Shape back = in.shape();
    // grad ViewBackward: view(x, shape) => g.reshape(x.shape) (also reshape, when it can view)
    // grad ReshapeBackward: reshape(x, shape) => g.reshape(x.shape) (when reshape copies)
    record(name, out, {in}, [back](const Tensor& g) { return g.reshape(back); });
  }
  return out;
}

}  // namespace

namespace detail {
Dims broadcast_shapes(const Dims& a, const Dims& b, const char* op) {
  const size_t n = std::max(a.size(), b.size());
  Dims out(n, 1);
  for (size_t i = 0; i < n; ++i) {
    const int64_t x = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const int64_t y = i < n - b.size() ? 1 : b[i - (n - b.size())];
    check<ShapeError>(x == y || x == 1 || y == 1, op, ": shapes ", shape_str(a), " and ",
                      shape_str(b), " are not broadcastable");
    out[i] = x == 1 ? y : x;
  }
  return out;
}
}  // namespace detail

Dims broadcast_shapes(const Dims& a, const Dims& b) {
  return detail::broadcast_shapes(a, b, "broadcast_shapes");
}

Tensor Tensor::view(Shape shape) const {
  check_defined("view", *this);
  Dims target = infer_shape(shape, numel(), "view", sizes());
  Dims st;
  check<ShapeError>(view_strides(*this, target, st), "view: shape ", shape_str(target),
                    " is not compatible with input of shape ", shape_str(sizes()), " and strides ",
                    shape_str(strides()), "; use reshape() instead");
  return record_reshape(*this, make_view(*this, target, st, impl()->offset), "ViewBackward");
}

Tensor Tensor::reshape(Shape shape) const {
  check_defined("reshape", *this);
  Dims target = infer_shape(shape, numel(), "reshape", sizes());
  if (target == sizes())
    return record_reshape(*this, make_view(*this, target, strides(), impl()->offset),
                          "ViewBackward");
  Dims st;
  if (view_strides(*this, target, st))
    return record_reshape(*this, make_view(*this, target, st, impl()->offset), "ViewBackward");
  Tensor c = clone();  // records CloneBackward
  return record_reshape(c, make_view(c, target, contiguous_strides(target), 0), "ReshapeBackward");
}

Tensor Tensor::flatten() const {
  check_defined("flatten", *this);
  return reshape({-1});
}

Tensor Tensor::permute(Shape perm) const {
  check_defined("permute", *this);
  const int64_t n = dim();
  check<ShapeError>(int64_t(perm.size()) == n, "permute: got ", perm.size(),
                    " dims for a tensor of shape ", shape_str(sizes()));
  Dims sz(size_t(n), 0), st(size_t(n), 0);
  std::vector<bool> seen(size_t(n), false);
  Shape inverse(static_cast<size_t>(n), 0);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t d = wrap_dim(perm[size_t(i)], n, "permute", sizes());
    check<ShapeError>(!seen[size_t(d)], "permute: repeated dim ", perm[size_t(i)]);
    seen[size_t(d)] = true;
    sz[size_t(i)] = sizes()[size_t(d)];
    st[size_t(i)] = strides()[size_t(d)];
    inverse[size_t(d)] = i;
  }
  Tensor out = make_view(*this, sz, st, impl()->offset);
  if (needs_grad(*this))
    // grad PermuteBackward: permute(x, dims) => g.permute(the inverse of dims)
    record("PermuteBackward", out, {*this},
           [inverse](const Tensor& g) { return g.permute(inverse); });
  return out;
}

Tensor Tensor::transpose(int64_t d0, int64_t d1) const {
  check_defined("transpose", *this);
  const int64_t n = dim();
  d0 = wrap_dim(d0, n, "transpose", sizes());
  d1 = wrap_dim(d1, n, "transpose", sizes());
  if (n == 0) return *this;
  Dims sz = sizes(), st = strides();
  std::swap(sz[size_t(d0)], sz[size_t(d1)]);
  std::swap(st[size_t(d0)], st[size_t(d1)]);
  Tensor out = make_view(*this, sz, st, impl()->offset);
  if (needs_grad(*this))
    // grad TransposeBackward: transpose(x, d0, d1) => g.transpose(d0, d1)
    record("TransposeBackward", out, {*this},
           [d0, d1](const Tensor& g) { return g.transpose(d0, d1); });
  return out;
}

Tensor Tensor::t() const {
  check_defined("t", *this);
  check<ShapeError>(dim() <= 2, "t: expects a tensor with <= 2 dimensions, got shape ",
                    shape_str(sizes()));
  return dim() < 2 ? *this : transpose(0, 1);
}

Tensor Tensor::mT() const {
  check_defined("mT", *this);
  if (dim() == 0) return *this;  // as PyTorch 1.13 (deprecated there since 2.0)
  check<ShapeError>(dim() >= 2, "mT: expects a tensor with >= 2 dimensions, got shape ",
                    shape_str(sizes()));
  return transpose(-2, -1);
}

Tensor Tensor::unsqueeze(int64_t d) const {
  check_defined("unsqueeze", *this);
  d = wrap_dim(d, dim() + 1, "unsqueeze", sizes());
  Dims sz = sizes(), st = strides();
  // The new dim has size 1, so its stride never addresses anything: where the product would
  // overflow, 1 serves as well.
  int64_t stride = 1;
  if (size_t(d) < sz.size() && !detail::mul_ok(sz[size_t(d)], st[size_t(d)], stride)) stride = 1;
  sz.insert(size_t(d), 1);
  st.insert(size_t(d), stride);
  Tensor out = make_view(*this, sz, st, impl()->offset);
  if (needs_grad(*this))
    // grad UnsqueezeBackward: unsqueeze(x, d) => g.squeeze(d)
    record("UnsqueezeBackward", out, {*this}, [d](const Tensor& g) { return g.squeeze(d); });
  return out;
}

Tensor Tensor::squeeze(int64_t d) const {
  check_defined("squeeze", *this);
  if (dim() == 0) return *this;
  d = wrap_dim(d, dim(), "squeeze", sizes());
  if (sizes()[size_t(d)] != 1) return *this;
  Dims sz = sizes(), st = strides();
  sz.erase(size_t(d));
  st.erase(size_t(d));
  Tensor out = make_view(*this, sz, st, impl()->offset);
  if (needs_grad(*this))
    // grad SqueezeBackward: squeeze(x, d) => g.unsqueeze(d)
    record("SqueezeBackward", out, {*this}, [d](const Tensor& g) { return g.unsqueeze(d); });
  return out;
}

Tensor Tensor::squeeze() const {
  check_defined("squeeze", *this);
  Shape keep;
  for (int64_t s : sizes())
    if (s != 1) keep.push_back(s);
  return reshape(keep);
}

namespace {
// t broadcast to shape (-1 keeps a size); errors name op (expand, expand_as, broadcast_to).
Tensor expand_impl(const Tensor& t, const Dims& shape, const char* op) {
  check_defined(op, t);
  check<ShapeError>(shape.size() >= t.sizes().size(), op, ": cannot expand shape ",
                    shape_str(t.sizes()), " to ", shape_str(shape));
  const size_t lead = shape.size() - t.sizes().size();
  Dims sz(shape), st(shape.size(), 0);
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i < lead) {
      check<ShapeError>(shape[i] >= 0, op, ": invalid size in ", shape_str(shape));
      continue;
    }
    const int64_t s = t.sizes()[i - lead];
    if (shape[i] == -1 || shape[i] == s) {
      sz[i] = s;
      st[i] = t.strides()[i - lead];
    } else {
      check<ShapeError>(s == 1, op, ": the expanded size ", shape[i],
                        " must match the existing size ", s, " at dimension ", i, " (shape ",
                        shape_str(t.sizes()), " to ", shape_str(shape), ")");
    }
  }
  if (sz == t.sizes()) return t;
  detail::check_shape(op, sz);  // [2^32, 2^32] has more elements than int64 counts
  Tensor out = make_view(t, sz, st, t.impl()->offset);
  if (needs_grad(t)) {
    Dims back = t.sizes();
    // grad ExpandBackward: expand(x, shape) => g.sum_to(x.shape)
    record("ExpandBackward", out, {t}, [back](const Tensor& g) { return g.sum_to(back); });
  }
  return out;
}

}  // namespace

Tensor broadcast_to(const Tensor& t, const Dims& shape) {
  return expand_impl(t, shape, "broadcast_to");
}
Tensor Tensor::expand(Shape shape) const {
  return expand_impl(*this, Dims(shape.begin(), shape.end()), "expand");
}
Tensor Tensor::expand_as(const Tensor& o) const {
  check_defined("expand_as", *this, o);
  return expand_impl(*this, o.sizes(), "expand_as");
}

Tensor Tensor::select(int64_t d, int64_t i) const {
  check_defined("select", *this);
  check<IndexError>(dim() > 0, "select: cannot select from a 0-d tensor");
  d = wrap_dim(d, dim(), "select", sizes());
  const int64_t n = sizes()[size_t(d)];
  check<IndexError>(i >= -n && i < n, "select: index ", i, " is out of bounds for dimension ", d,
                    " with size ", n, " (shape ", shape_str(sizes()), ")");
  if (i < 0) i += n;
  Dims sz = sizes(), st = strides();
  const int64_t offset = impl()->offset + i * st[size_t(d)];
  sz.erase(size_t(d));
  st.erase(size_t(d));
  Tensor out = make_view(*this, sz, st, offset);
  if (needs_grad(*this)) {
    Dims in = sizes();
    // grad SelectBackward: select(x, dim, i) => zeros_like(x), g at index i along dim
    record("SelectBackward", out, {*this}, [in, d, i](const Tensor& g) {
      return scatter_into_view(g, in, "SelectBackwardBackward",
                               [d, i](const Tensor& b) { return b.select(d, i); });
    });
  }
  return out;
}

// slice(dim, start, stop, step): a strided window along one dim (Python's a[start:stop:step]).
Tensor slice(const Tensor& t, int64_t d, int64_t start, int64_t stop, int64_t step) {
  check_defined("slice", t);
  check<ValueError>(step > 0, "slice: step must be positive, got ", step);
  d = wrap_dim(d, t.dim(), "slice", t.sizes());
  const int64_t n = t.sizes()[size_t(d)];
  auto clampi = [n](int64_t v) { return v < 0 ? std::max<int64_t>(v + n, 0) : std::min(v, n); };
  start = clampi(start);
  stop = std::max(clampi(stop), start);
  Dims sz = t.sizes(), st = t.strides();
  const int64_t offset = t.impl()->offset + start * st[size_t(d)];
  sz[size_t(d)] = stop == start ? 0 : (stop - start - 1) / step + 1;  // no overflow for huge steps
  // With two or more elements, step < n and stride * step stays within the storage; with at
  // most one, the stride addresses nothing and is kept (step 2^62 must not overflow it).
  if (sz[size_t(d)] > 1)
    check<ShapeError>(detail::mul_ok(st[size_t(d)], step, st[size_t(d)]), "slice: step ", step,
                      " overflows the stride of dimension ", d, " (shape ", shape_str(t.sizes()),
                      ")");
  Tensor out = make_view(t, sz, st, offset);
  if (needs_grad(t)) {
    Dims in = t.sizes();
    // grad SliceBackward: slice(x, dim, start, stop, step) => zeros_like(x), g in the window
    record("SliceBackward", out, {t}, [in, d, start, stop, step](const Tensor& g) {
      return scatter_into_view(g, in, "SliceBackwardBackward",
                               [=](const Tensor& b) { return slice(b, d, start, stop, step); });
    });
  }
  return out;
}

Tensor Tensor::narrow(int64_t d, int64_t start, int64_t length) const {
  check_defined("narrow", *this);
  check<IndexError>(dim() > 0, "narrow: cannot narrow a 0-d tensor");
  const int64_t dd = wrap_dim(d, dim(), "narrow", sizes());
  const int64_t n = sizes()[size_t(dd)];
  if (start < 0 && start >= -n) start += n;
  // length <= n - start rather than start + length <= n, which overflows for huge lengths.
  check<IndexError>(start >= 0 && start <= n && length >= 0 && length <= n - start,
                    "narrow: start ", start, " and length ", length, " exceed dimension ", dd,
                    " of size ", n, " (shape ", shape_str(sizes()), ")");
  return slice(*this, dd, start, start + length, 1);
}

Tensor Tensor::diagonal(int64_t offset, int64_t d0, int64_t d1) const {
  check_defined("diagonal", *this);
  check<ShapeError>(dim() >= 2, "diagonal: expects at least 2 dimensions, got shape ",
                    shape_str(sizes()));
  d0 = wrap_dim(d0, dim(), "diagonal", sizes());
  d1 = wrap_dim(d1, dim(), "diagonal", sizes());
  check<ShapeError>(d0 != d1, "diagonal: dimensions ", d0, " and ", d1, " are the same");
  const int64_t n0 = sizes()[size_t(d0)], n1 = sizes()[size_t(d1)];
  int64_t len = offset >= 0 ? std::min(n0, n1 - offset) : std::min(n0 + offset, n1);
  len = std::max<int64_t>(len, 0);
  int64_t start = impl()->offset;
  if (len > 0)
    start += offset >= 0 ? offset * strides()[size_t(d1)] : -offset * strides()[size_t(d0)];
  Dims sz, st;
  for (size_t i = 0; i < sizes().size(); ++i) {
    if (int64_t(i) == d0 || int64_t(i) == d1) continue;
    sz.push_back(sizes()[i]);
    st.push_back(strides()[i]);
  }
  sz.push_back(len);
  int64_t diag_stride = 0;
  check<ShapeError>(detail::add_ok(strides()[size_t(d0)], strides()[size_t(d1)], diag_stride),
                    "diagonal: the strides of shape ", shape_str(sizes()), " overflow int64");
  st.push_back(diag_stride);
  Tensor out = make_view(*this, sz, st, start);
  if (needs_grad(*this)) {
    Dims in = sizes();
    // grad DiagonalBackward: diagonal(x, offset, d0, d1) => zeros_like(x), g on the diagonal
    record("DiagonalBackward", out, {*this}, [in, offset, d0, d1](const Tensor& g) {
      return scatter_into_view(g, in, "DiagonalBackwardBackward",
                               [=](const Tensor& b) { return b.diagonal(offset, d0, d1); });
    });
  }
  return out;
}

Tensor Tensor::index(std::initializer_list<TensorIndex> idx) const {
  return index(std::vector<TensorIndex>(idx));
}

Tensor Tensor::index(const std::vector<TensorIndex>& idx) const {
  check_defined("index", *this);
  if (detail::has_tensor_index(idx)) return detail::advanced_index(*this, idx);  // index_put.cpp
  int64_t consumed = 0, ellipses = 0;
  for (const TensorIndex& i : idx) {
    if (i.kind() == TensorIndex::Kind::Integer || i.kind() == TensorIndex::Kind::Slice) ++consumed;
    if (i.kind() == TensorIndex::Kind::Ellipsis) ++ellipses;
  }
  check<IndexError>(ellipses <= 1, "index: an index can only have a single ellipsis");
  check<IndexError>(consumed <= dim(), "index: too many indices (", consumed,
                    ") for a tensor of shape ", shape_str(sizes()));
  Tensor r = *this;
  int64_t d = 0;  // current dim of r
  for (const TensorIndex& i : idx) {
    switch (i.kind()) {
      case TensorIndex::Kind::Integer: {
        const int64_t n = r.sizes()[size_t(d)];
        check<IndexError>(i.integer() >= -n && i.integer() < n, "index: index ", i.integer(),
                          " is out of bounds for dimension ", d, " with size ", n, " (shape ",
                          shape_str(sizes()), ")");
        r = r.select(d, i.integer());
        break;
      }
      case TensorIndex::Kind::Slice: {
        const Slice& s = i.slice();
        const int64_t step = s.step.value_or(1);
        check<IndexError>(step > 0, "index: slice step must be positive, got ", step);
        r = slice(r, d, s.start.value_or(0), s.stop.value_or(INT64_MAX), step);
        ++d;
        break;
      }
      case TensorIndex::Kind::Ellipsis:
        d += dim() - consumed;
        break;
      case TensorIndex::Kind::None:
        r = r.unsqueeze(d);
        ++d;
        break;
      case TensorIndex::Kind::Tensor:  // handled by advanced_index above
        break;
    }
  }
  return r;
}

}  // namespace paragrad
