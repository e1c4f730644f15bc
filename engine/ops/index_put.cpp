// Indexing with tensors, as PyTorch's x[idx] and x[idx] = v: index (advanced), index_put and
// index_put_ (with accumulate), index_add, masked_select and nonzero.
//
// An index list mixes basic pieces (integers, Slice, None, Ellipsis: views, applied first) and
// tensors: Int64 tensors index one dim each, Bool masks stand for their nonzero() indices over
// as many dims as they have. The index tensors broadcast together to a shape B. The result has
// B in place of the indexed dims when those are adjacent, else B first (NumPy's rule, which
// PyTorch follows). Both directions run on one plan: the storage offset of every element of B
// (all bounds checked before anything is written) and the offsets of the remaining dims.
//
// Gradients. index: the gradient is g written back with index_put(accumulate = true) into
// zeros; index_put: self gets g with the written positions zeroed (all of g when accumulating),
// values get g.index(indices). With repeated indices and accumulate = false the last write
// wins (in the order of B), and only the winning values receive gradient — PyTorch, whose write
// order is unspecified there, hands g to every duplicate.
//
// index_put_ runs the same kernel and gradient rule (values_for/write_values, index_put_rule)
// through autograd::inplace: recorded in the graph as PyTorch records it (on a view, through
// CopySlices), with the version-counter checks.
#include <algorithm>

#include <paragrad/engine/autograd/engine.hpp>
#include <paragrad/engine/autograd/function.hpp>
#include <paragrad/engine/autograd/inplace.hpp>
#include <paragrad/engine/detail/advanced_index.hpp>
#include <paragrad/engine/detail/loops.hpp>

namespace paragrad {

using autograd::grad_list;
using autograd::needs_grad;
using autograd::record;
using autograd::SavedTensor;

TensorIndex::TensorIndex(const Tensor& t) : kind_(Kind::Tensor), tensor_(t.impl_ptr()) {
  check<ValueError>(t.defined(), "index: an undefined tensor is not an index");
}
Tensor TensorIndex::tensor() const { return Tensor(tensor_); }

namespace {

struct Indexed {
  Tensor view;                  // self after the basic indices
  std::vector<Tensor> per_dim;  // an Int64 index per dim of view; undefined: the whole dim
};

// Applies the basic pieces (as views) and turns masks into index tensors.
Indexed apply_indices(const Tensor& self, const std::vector<TensorIndex>& idx, const char* op) {
  using Kind = TensorIndex::Kind;
  int64_t consumed = 0, ellipses = 0;
  for (const TensorIndex& i : idx) {
    if (i.kind() == Kind::Integer || i.kind() == Kind::Slice) ++consumed;
    if (i.kind() == Kind::Ellipsis) ++ellipses;
    if (i.kind() == Kind::Tensor) {
      const Tensor t = i.tensor();
      check<IndexError>(t.dtype() == kInt64 || t.dtype() == kBool, op,
                        ": tensors used as indices must be int64 or bool, got ",
                        dtype_name(t.dtype()), " of shape ", shape_str(t.sizes()));
      consumed += t.dtype() == kBool ? t.dim() : 1;
    }
  }
  check<IndexError>(ellipses <= 1, op, ": an index can only have a single ellipsis");
  check<IndexError>(consumed <= self.dim(), op, ": too many indices for a tensor of shape ",
                    shape_str(self.sizes()), " (", consumed, " dims indexed)");
  Tensor r = self;
  std::vector<std::pair<int64_t, Tensor>> adv;
  int64_t d = 0;
  for (const TensorIndex& i : idx) {
    switch (i.kind()) {
      case Kind::Integer: {
        const int64_t n = r.sizes()[size_t(d)];
        check<IndexError>(i.integer() >= -n && i.integer() < n, op, ": index ", i.integer(),
                          " is out of bounds for dimension ", d, " with size ", n, " (shape ",
                          shape_str(self.sizes()), ")");
        r = r.select(d, i.integer());
        break;
      }
      case Kind::Slice: {
        const Slice& s = i.slice();
        const int64_t step = s.step.value_or(1);
        check<IndexError>(step > 0, op, ": slice step must be positive, got ", step);
        r = slice(r, d, s.start.value_or(0), s.stop.value_or(INT64_MAX), step);
        ++d;
        break;
      }
      case Kind::Ellipsis:
        d += self.dim() - consumed;
        break;
      case Kind::None:
        r = r.unsqueeze(d);
        ++d;
        break;
      case Kind::Tensor: {
        const Tensor t = i.tensor();
        if (t.dtype() == kInt64) {
          adv.emplace_back(d++, t);
        } else if (t.dim() == 0) {  // x[True] adds a dim of size 1, x[False] one of size 0
          r = r.unsqueeze(d);
          adv.emplace_back(d++, zeros({t.item<bool>() ? 1 : 0}, kInt64));
        } else {
          for (int64_t k = 0; k < t.dim(); ++k)
            check<IndexError>(t.sizes()[size_t(k)] == r.sizes()[size_t(d + k)], op,
                              ": the mask of shape ", shape_str(t.sizes()),
                              " does not match the indexed tensor of shape ", shape_str(r.sizes()),
                              " at dim ", d + k);
          const Tensor nz = t.nonzero();
          for (int64_t k = 0; k < t.dim(); ++k) adv.emplace_back(d++, nz.select(1, k));
        }
        break;
      }
    }
  }
  Indexed out{r, std::vector<Tensor>(size_t(r.dim()))};
  for (auto& [dim, t] : adv) out.per_dim[size_t(dim)] = t;
  return out;
}

// Where every element of the indexing result lives in the view's storage.
struct Plan {
  Dims result;                // the result's shape
  Dims front;                 // [B..., rest...]: the order the kernels produce
  Shape to_result;            // permutation front -> result (empty: none needed)
  std::vector<int64_t> base;  // per element of B: storage offset (view offset included)
  std::vector<int64_t> rest;  // per element of the other dims: offset from base
};

Plan make_plan(const Tensor& view, const std::vector<Tensor>& per_dim, const char* op) {
  Shape adv_dims;
  Dims B;
  for (size_t k = 0; k < per_dim.size(); ++k) {
    if (!per_dim[k].defined()) continue;
    adv_dims.push_back(int64_t(k));
    try {
      B = adv_dims.size() == 1 ? per_dim[k].sizes() : broadcast_shapes(B, per_dim[k].sizes());
    } catch (const ShapeError&) {
      std::string shapes;
      for (const Tensor& t : per_dim)
        if (t.defined()) shapes += (shapes.empty() ? "" : ", ") + std::string(shape_str(t.sizes()));
      throw IndexError(cat(op, ": shape mismatch: indexing tensors could not be broadcast ",
                           "together with shapes ", shapes));
    }
  }
  int64_t nb = 1;
  for (int64_t s : B) nb *= s;
  Plan p;
  p.base.assign(size_t(nb), view.impl()->offset);
  for (int64_t d : adv_dims) {
    const Tensor idx = broadcast_to(per_dim[size_t(d)].detach(), B).contiguous();
    const int64_t* pi = idx.data_ptr<int64_t>();
    const int64_t n = view.sizes()[size_t(d)], stride = view.strides()[size_t(d)];
    for (int64_t b = 0; b < nb; ++b) {
      int64_t i = pi[b];
      check<IndexError>(i >= -n && i < n, op, ": index ", i, " is out of bounds for dimension ", d,
                        " with size ", n, " (indexed shape ", shape_str(view.sizes()), ")");
      if (i < 0) i += n;
      p.base[size_t(b)] += i * stride;
    }
  }
  Dims rest_sizes, rest_strides;
  for (size_t k = 0; k < per_dim.size(); ++k)
    if (!per_dim[k].defined()) {
      rest_sizes.push_back(view.sizes()[k]);
      rest_strides.push_back(view.strides()[k]);
    }
  int64_t nr = 1;
  for (int64_t s : rest_sizes) nr *= s;
  p.rest.reserve(size_t(nr));
  if (nr > 0) {
    Dims at(rest_sizes.size(), 0);
    for (int64_t e = 0; e < nr; ++e) {
      int64_t off = 0;
      for (size_t k = 0; k < at.size(); ++k) off += at[k] * rest_strides[k];
      p.rest.push_back(off);
      for (size_t k = at.size(); k-- > 0;) {
        if (++at[k] < rest_sizes[k]) break;
        at[k] = 0;
      }
    }
  }
  p.front = B;
  for (int64_t s : rest_sizes) p.front.push_back(s);
  // B goes where the indexed dims were when they are adjacent (and not first).
  bool adjacent = true;
  for (size_t k = 1; k < adv_dims.size(); ++k) adjacent &= adv_dims[k] == adv_dims[k - 1] + 1;
  const int64_t at = adv_dims.empty() ? 0 : adv_dims[0];
  p.result = p.front;
  if (adjacent && at > 0) {
    const int64_t nB = int64_t(B.size());
    p.result.clear();
    for (int64_t k = 0; k < at; ++k) p.result.push_back(rest_sizes[size_t(k)]);
    for (int64_t s : B) p.result.push_back(s);
    for (size_t k = size_t(at); k < rest_sizes.size(); ++k) p.result.push_back(rest_sizes[k]);
    for (int64_t k = 0; k < at; ++k) p.to_result.push_back(nB + k);
    for (int64_t k = 0; k < nB; ++k) p.to_result.push_back(k);
    for (int64_t k = nB + at; k < int64_t(p.front.size()); ++k) p.to_result.push_back(k);
  }
  return p;
}

Tensor gather_plan(const Tensor& view, const Plan& p) {
  Tensor out = empty(p.front, view.dtype());
  dispatch(view.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* src = static_cast<const T*>(view.impl()->storage->data());
    T* dst = out.data_ptr<T>();
    const size_t nr = p.rest.size();
    for (size_t b = 0; b < p.base.size(); ++b)
      for (size_t j = 0; j < nr; ++j) dst[b * nr + j] = src[p.base[b] + p.rest[j]];
  });
  return p.to_result.empty() ? out : out.permute(p.to_result).contiguous();
}

// values broadcast to the result's shape, in the kernel's order and contiguous (a private copy
// when they share the destination's storage); raises on a dtype or shape mismatch.
Tensor values_for(const Tensor& view, const Plan& p, const Tensor& values, const char* op) {
  check<DtypeError>(values.dtype() == view.dtype(), op, ": values of dtype ",
                    dtype_name(values.dtype()), " cannot be written into a ",
                    dtype_name(view.dtype()), " tensor (the dtypes must match)");
  Tensor v;
  try {
    v = broadcast_to(values.detach(), p.result);
  } catch (const ShapeError&) {
    throw ShapeError(cat(op, ": shape mismatch: values of shape ", shape_str(values.sizes()),
                         " cannot be broadcast to the indexing result of shape ",
                         shape_str(p.result)));
  }
  if (!p.to_result.empty()) {
    Shape inverse(p.to_result.size());
    for (size_t k = 0; k < p.to_result.size(); ++k) inverse[size_t(p.to_result[k])] = int64_t(k);
    v = v.permute(inverse);
  }
  return v.impl()->storage == view.impl()->storage ? v.clone() : v.contiguous();
}

// v (from values_for) written or added at the plan.
void write_values(const Tensor& view, const Plan& p, const Tensor& v, bool accumulate) {
  dispatch(view.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* src = v.data_ptr<T>();
    T* dst = static_cast<T*>(view.impl()->storage->data());
    const size_t nr = p.rest.size();
    for (size_t b = 0; b < p.base.size(); ++b)
      for (size_t j = 0; j < nr; ++j) {
        T& d = dst[p.base[b] + p.rest[j]];
        d = accumulate ? static_cast<T>(d + src[b * nr + j]) : src[b * nr + j];
      }
  });
}

// For accumulate = false with repeated indices: 1 where an element of the result is the last
// write to its position (and so the value that stays), 0 where a later one overwrites it;
// undefined when no position repeats.
Tensor last_writes(const Plan& p, Dtype dtype) {
  std::vector<int64_t> sorted = p.base;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end()) return Tensor();
  Tensor keep = empty(p.front, dtype);
  std::vector<bool> wins(p.base.size());
  {
    std::vector<std::pair<int64_t, int64_t>> order;  // (offset, b)
    for (size_t b = 0; b < p.base.size(); ++b) order.emplace_back(p.base[b], int64_t(b));
    std::sort(order.begin(), order.end());
    for (size_t k = 0; k < order.size(); ++k)
      wins[size_t(order[k].second)] = k + 1 == order.size() || order[k + 1].first != order[k].first;
  }
  dispatch_floating(dtype, "index_put", [&](auto tag) {
    using T = decltype(tag);
    T* pk = keep.data_ptr<T>();
    const size_t nr = p.rest.size();
    for (size_t b = 0; b < p.base.size(); ++b)
      for (size_t j = 0; j < nr; ++j) pk[b * nr + j] = wins[b] ? T(1) : T(0);
  });
  return p.to_result.empty() ? keep : keep.permute(p.to_result).contiguous();
}

std::vector<TensorIndex> as_index_list(const TensorList& indices) {
  std::vector<TensorIndex> out;
  for (const Tensor& t : indices)
    out.emplace_back(t.defined() ? TensorIndex(t) : TensorIndex(Slice()));
  return out;
}

// The gradient rule of index_put and index_put_ (indices as the user gave them): self gets g
// with the written positions zeroed (all of g when accumulating), values get g.index(indices)
// (the engine sums it back to values' shape), times keep (last_writes) when defined. The index
// tensors are saved, so that changing one in place before backward raises there.
auto index_put_rule(const std::vector<TensorIndex>& indices, bool accumulate, const Tensor& keep) {
  std::vector<SavedTensor> saved;
  for (const TensorIndex& i : indices)
    if (i.kind() == TensorIndex::Kind::Tensor) saved.emplace_back(i.tensor());
  return [indices, accumulate, keep, saved = std::move(saved)](const Tensor& g) {
    for (const SavedTensor& s : saved) s.unpack();  // raises if an index changed since
    Tensor gs = accumulate ? g : g.index_put(indices, zeros({}, g.dtype()));
    Tensor gv = g.index(indices);
    if (keep.defined()) gv = gv * keep;
    return grad_list(gs, gv);
  };
}

Tensor index_put_impl(const Tensor& self, const std::vector<TensorIndex>& indices,
                      const Tensor& values, bool accumulate, const char* op) {
  check<ValueError>(values.defined(), op, ": values are undefined");
  const bool grad_on = is_grad_enabled();
  Tensor out = self.detach().clone();
  Tensor keep;
  {
    NoGradGuard no_grad;
    const Indexed ix = apply_indices(out, indices, op);
    const Plan p = make_plan(ix.view, ix.per_dim, op);
    write_values(ix.view, p, values_for(ix.view, p, values, op), accumulate);
    if (!accumulate && values.requires_grad() && grad_on) keep = last_writes(p, values.dtype());
  }
  // grad IndexPutBackward: index_put(x, idx, v, acc) => (acc ? g : g with g[idx] = 0, g[idx])
  if (needs_grad(self, values))
    record("IndexPutBackward", out, {self, values}, index_put_rule(indices, accumulate, keep));
  return out;
}

}  // namespace

namespace detail {

bool has_tensor_index(const std::vector<TensorIndex>& indices) {
  for (const TensorIndex& i : indices)
    if (i.kind() == TensorIndex::Kind::Tensor) return true;
  return false;
}

Tensor advanced_index(const Tensor& self, const std::vector<TensorIndex>& indices) {
  const Indexed ix = apply_indices(self, indices, "index");
  const Plan p = make_plan(ix.view, ix.per_dim, "index");
  Tensor out = gather_plan(ix.view, p);
  if (needs_grad(ix.view)) {
    TensorList per_dim(ix.per_dim.begin(), ix.per_dim.end());
    std::vector<SavedTensor> saved;  // so that changing an index before backward raises there
    for (const Tensor& t : per_dim)
      if (t.defined()) saved.emplace_back(t);
    // grad IndexBackward: index(x, idx) => zeros_like(x).index_put(idx, g, accumulate=true)
    record("IndexBackward", out, {ix.view},
           [shape = ix.view.shape(), per_dim, saved = std::move(saved)](const Tensor& g) {
             for (const SavedTensor& s : saved) s.unpack();
             return zeros(shape, g.dtype()).index_put(per_dim, g, /*accumulate=*/true);
           });
  }
  return out;
}

}  // namespace detail

Tensor Tensor::index(const TensorList& indices) const { return index(as_index_list(indices)); }

Tensor Tensor::index_put(std::initializer_list<TensorIndex> indices, const Tensor& values,
                         bool accumulate) const {
  return index_put_impl(*this, indices, values, accumulate, "index_put");
}
Tensor Tensor::index_put(const std::vector<TensorIndex>& indices, const Tensor& values,
                         bool accumulate) const {
  return index_put_impl(*this, indices, values, accumulate, "index_put");
}
Tensor Tensor::index_put(const TensorList& indices, const Tensor& values, bool accumulate) const {
  return index_put_impl(*this, as_index_list(indices), values, accumulate, "index_put");
}

Tensor& Tensor::index_put_(const std::vector<TensorIndex>& indices, const Tensor& values,
                           bool accumulate) {
  const char* op = "index_put_";
  check<ValueError>(defined() && values.defined(), op, ": undefined tensor");
  // Indices, bounds, dtypes and shapes are checked before anything is recorded or written.
  Indexed ix;
  Plan p;
  Tensor v;
  {
    NoGradGuard no_grad;
    ix = apply_indices(*this, indices, op);
    p = make_plan(ix.view, ix.per_dim, op);
    v = values_for(ix.view, p, values, op);
  }
  // grad IndexPutBackward: index_put_(x, idx, v, acc) => (acc ? g : g with g[idx] = 0, g[idx])
  autograd::inplace(
      {"index_put_", "IndexPutBackward"}, *this, {values},
      [&] {
        const Tensor keep =
            !accumulate && values.requires_grad() ? last_writes(p, values.dtype()) : Tensor();
        return index_put_rule(indices, accumulate, keep);
      },
      [&] { write_values(ix.view, p, v, accumulate); });
  return *this;
}
Tensor& Tensor::index_put_(std::initializer_list<TensorIndex> indices, const Tensor& values,
                           bool accumulate) {
  return index_put_(std::vector<TensorIndex>(indices), values, accumulate);
}
Tensor& Tensor::index_put_(const TensorList& indices, const Tensor& values, bool accumulate) {
  return index_put_(as_index_list(indices), values, accumulate);
}
Tensor& Tensor::index_put_(std::initializer_list<TensorIndex> indices, double value) {
  return index_put_(std::vector<TensorIndex>(indices), scalar(value, dtype()), false);
}

// self with source (times alpha) added at index along dim: index_put with accumulate.
Tensor Tensor::index_add(int64_t dim, const Tensor& index, const Tensor& source,
                         double alpha) const {
  const char* op = "index_add";
  check<DtypeError>(index.dtype() == kInt64, op, ": index must be int64, got ",
                    dtype_name(index.dtype()));
  check<ShapeError>(index.dim() <= 1, op, ": index must be 0-d or 1-d, got shape ",
                    shape_str(index.sizes()));
  check<DtypeError>(source.dtype() == dtype(), op, ": self (", dtype_name(dtype()),
                    ") and source (", dtype_name(source.dtype()), ") must have the same dtype");
  if (this->dim() == 0)
    return reshape({1}).index_add(0, index, source.reshape({-1}), alpha).reshape({});
  const int64_t d = detail::wrap_dim(dim, this->dim(), op, sizes());
  Dims expected = sizes();
  expected[size_t(d)] = index.numel();
  const Tensor src = source.dim() == 0 && expected.size() == 1 ? source.reshape({1}) : source;
  check<ShapeError>(src.sizes() == expected, op, ": source of shape ", shape_str(source.sizes()),
                    " does not match self of shape ", shape_str(sizes()), " with ", index.numel(),
                    " indices along dim ", d, " (expected ", shape_str(expected), ")");
  std::vector<TensorIndex> indices(size_t(d), TensorIndex{Slice{}});
  indices.emplace_back(index.reshape({-1}));
  return index_put_impl(*this, indices, alpha == 1 ? src : src * alpha, true, op);
}

Tensor Tensor::masked_select(const Tensor& mask) const {
  check<DtypeError>(mask.dtype() == kBool, "masked_select: mask must be bool, got ",
                    dtype_name(mask.dtype()));
  Dims shape;
  try {
    shape = broadcast_shapes(sizes(), mask.sizes());
  } catch (const ShapeError&) {
    throw ShapeError(cat("masked_select: shapes ", shape_str(sizes()), " and mask ",
                         shape_str(mask.sizes()), " are not broadcastable"));
  }
  const Tensor m = broadcast_to(mask, shape);
  if (shape.empty()) return reshape({1}).index({m.reshape({1})});
  return broadcast_to(*this, shape).index({m});
}

Tensor Tensor::nonzero() const {
  const Tensor x = detach().contiguous();
  const int64_t nd = dim();
  std::vector<int64_t> hits;
  dispatch(dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* p = x.data_ptr<T>();
    for (int64_t i = 0, n = x.numel(); i < n; ++i)
      if (p[i] != T(0)) hits.push_back(i);
  });
  Tensor out = empty(Dims{int64_t(hits.size()), nd}, kInt64);
  int64_t* po = out.data_ptr<int64_t>();
  const Dims st = contiguous_strides(sizes());
  for (size_t h = 0; h < hits.size(); ++h) {
    int64_t rem = hits[h];
    for (int64_t k = 0; k < nd; ++k) {
      po[int64_t(h) * nd + k] = rem / st[size_t(k)];
      rem %= st[size_t(k)];
    }
  }
  return out;
}

}  // namespace paragrad
