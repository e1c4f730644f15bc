// sort, argsort, topk and median along a dim, and median of all elements.
//
// Order: NaN is larger than every number (ascending sorts put NaNs last, descending first),
// as in PyTorch. Ties: sort is stable, always (PyTorch's default CPU sort is not: with
// stable = false it may order equal elements differently; values agree, indices of ties may
// not). topk returns the k first elements of that stable order, so among equal values the
// lower index wins (PyTorch does not specify which); sorted = false returns them sorted all
// the same. median(dim) is the lower median, the element at position (n - 1) / 2 of the
// stable ascending order, and its index is that element's (PyTorch: "not necessarily the
// first occurrence"); a row with a NaN has median NaN at the index of its first NaN.
//
// Gradients go to the selected elements only: scatter_add of g at the indices (whose own
// gradient is a gather, so second order works). median() over all elements splits g evenly
// among the elements equal to the median (PyTorch's evenly_distribute_backward).
#include <algorithm>
#include <cmath>
#include <numeric>

#include <paragrad/engine/autograd/function.hpp>
#include <paragrad/engine/detail/along_dim.hpp>

namespace paragrad {

using autograd::grad_list;
using autograd::needs_grad;
using autograd::record;
using autograd::SavedTensor;

namespace {

template <class T>
bool is_nan(T v) {
  return v != v;
}

// "a goes before b" for ascending (NaN largest) or descending order; ties are left to the
// caller (stable_sort keeps them, others compare indices).
template <class T>
bool before(T a, T b, bool descending) {
  if (descending) return (is_nan(a) && !is_nan(b)) || a > b;
  return (!is_nan(a) && is_nan(b)) || a < b;
}

// The gradient of values selected at `indices` along d (same rank as the input): g added
// into zeros at the indices.
Tensor selected_backward(const Tensor& g, const Tensor& indices, int64_t d, const Dims& in) {
  if (in.empty()) return g.reshape({});
  return scatter_add(zeros(Shape(in.begin(), in.end()), g.dtype()), d, indices, g);
}

struct Sorted {
  Tensor values, indices;
};

// The first k of each row in stable (ascending or descending) order.
Sorted sort_rows(const Tensor& x, int64_t dim, int64_t k, bool descending, const char* op) {
  const detail::Rows r = detail::to_rows(x, dim, op);
  Dims out_shape = r.data.sizes();
  out_shape.back() = k;
  Tensor values = empty(out_shape, x.dtype()), indices = empty(out_shape, kInt64);
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* p = r.data.data_ptr<T>();
    T* pv = values.data_ptr<T>();
    int64_t* pi = indices.data_ptr<int64_t>();
    std::vector<int64_t> order(size_t(r.len));
    for (int64_t row = 0; row < r.count; ++row) {
      const T* v = p + row * r.len;
      std::iota(order.begin(), order.end(), int64_t(0));
      auto cmp = [&](int64_t a, int64_t b) { return before(v[a], v[b], descending); };
      if (k == r.len) {
        std::stable_sort(order.begin(), order.end(), cmp);
      } else {
        // The stable order's prefix: ties broken by index.
        std::partial_sort(order.begin(), order.begin() + k, order.end(),
                          [&](int64_t a, int64_t b) { return cmp(a, b) || (!cmp(b, a) && a < b); });
      }
      for (int64_t j = 0; j < k; ++j) {
        pv[row * k + j] = v[order[size_t(j)]];
        pi[row * k + j] = order[size_t(j)];
      }
    }
  });
  return {detail::from_rows(values, r.dim, x.dim()), detail::from_rows(indices, r.dim, x.dim())};
}

std::tuple<Tensor, Tensor> sort_op(const Tensor& x, int64_t dim, int64_t k, bool descending,
                                   const char* op, const char* backward_name) {
  const int64_t d = detail::wrap_dim(dim, x.dim(), op, x.sizes());
  Sorted s = sort_rows(x, d, k, descending, op);
  if (needs_grad(x)) {
    Dims in = x.sizes();
    // grad SortBackward: sort(x, dim, descending) => scatter_add(zeros_like(x), dim, indices, g)
    // grad TopkBackward: topk(x, k, dim, largest) => scatter_add(zeros_like(x), dim, indices, g)
    record(backward_name, s.values, {x},
           [in, d, idx = s.indices](const Tensor& g) { return selected_backward(g, idx, d, in); });
  }
  return {s.values, s.indices};
}

}  // namespace

std::tuple<Tensor, Tensor> Tensor::sort(int64_t dim, bool descending, bool) const {
  const int64_t d = detail::wrap_dim(dim, this->dim(), "sort", sizes());
  return sort_op(*this, d, this->dim() == 0 ? 1 : sizes()[size_t(d)], descending, "sort",
                 "SortBackward");
}

Tensor Tensor::argsort(int64_t dim, bool descending, bool) const {
  NoGradGuard no_grad;
  const int64_t d = detail::wrap_dim(dim, this->dim(), "argsort", sizes());
  return sort_rows(*this, d, this->dim() == 0 ? 1 : sizes()[size_t(d)], descending, "argsort")
      .indices;
}

std::tuple<Tensor, Tensor> Tensor::topk(int64_t k, int64_t dim, bool largest, bool) const {
  check<DtypeError>(dtype() != kBool, "topk: not supported for bool tensors (shape ",
                    shape_str(sizes()), ")");
  const int64_t d = detail::wrap_dim(dim, this->dim(), "topk", sizes());
  const int64_t n = this->dim() == 0 ? 1 : sizes()[size_t(d)];
  check<IndexError>(k >= 0 && k <= n, "topk: k (", k, ") is out of range for dimension ", d,
                    " of size ", n, " (shape ", shape_str(sizes()), ")");
  // A 0-d tensor is its own top element for k = 0 and 1 alike (PyTorch's behaviour).
  return sort_op(*this, d, this->dim() == 0 ? 1 : k, largest, "topk", "TopkBackward");
}

std::tuple<Tensor, Tensor> Tensor::median(int64_t dim, bool keepdim) const {
  check<DtypeError>(dtype() != kBool, "median: not supported for bool tensors (shape ",
                    shape_str(sizes()), ")");
  const detail::Rows r = detail::to_rows(*this, dim, "median");
  check<IndexError>(r.len > 0, "median: cannot reduce over dimension ", r.dim, " of size 0 (shape ",
                    shape_str(sizes()), ")");
  Dims out_shape = r.data.sizes();
  out_shape.back() = 1;
  Tensor values = empty(out_shape, dtype()), indices = empty(out_shape, kInt64);
  dispatch(dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* p = r.data.data_ptr<T>();
    std::vector<int64_t> order(size_t(r.len));
    for (int64_t row = 0; row < r.count; ++row) {
      const T* v = p + row * r.len;
      const T* first_nan = std::find_if(v, v + r.len, [](T e) { return is_nan(e); });
      int64_t at;
      if (first_nan != v + r.len) {
        at = first_nan - v;
      } else {
        std::iota(order.begin(), order.end(), int64_t(0));
        const auto mid = order.begin() + (r.len - 1) / 2;
        std::nth_element(order.begin(), mid, order.end(), [&](int64_t a, int64_t b) {
          return v[a] < v[b] || (v[a] == v[b] && a < b);
        });
        at = *mid;
      }
      values.data_ptr<T>()[row] = v[at];
      indices.data_ptr<int64_t>()[row] = at;
    }
  });
  const int64_t nd = this->dim();
  values = detail::from_rows(values, r.dim, nd);
  indices = detail::from_rows(indices, r.dim, nd);
  if (!keepdim && nd > 0) {
    values = values.squeeze(r.dim);
    indices = indices.squeeze(r.dim);
  }
  if (needs_grad(*this)) {
    Dims in = sizes();
    const int64_t d = r.dim;
    const bool kd = keepdim;
    // grad MedianBackward: median(x, dim, keepdim) => scatter_add(zeros_like(x), dim, indices, g)
    record("MedianBackward", values, {*this}, [in, d, kd, indices](const Tensor& g) {
      if (in.empty()) return g.reshape({});
      return selected_backward(kd ? g : g.unsqueeze(d), kd ? indices : indices.unsqueeze(d), d, in);
    });
  }
  return {values, indices};
}

Tensor Tensor::median() const {
  check<DtypeError>(dtype() != kBool, "median: not supported for bool tensors (shape ",
                    shape_str(sizes()), ")");
  if (numel() == 0) {  // PyTorch: NaN for floating tensors (and an arbitrary integer otherwise)
    check<ValueError>(is_floating_point(), "median: the median of an empty ", dtype_name(dtype()),
                      " tensor (shape ", shape_str(sizes()), ") is not defined");
    return full({}, NAN, dtype());
  }
  Tensor out;
  {
    NoGradGuard no_grad;
    out = std::get<0>(detach().reshape({-1}).median(0));
  }
  if (needs_grad(*this))
    // grad MedianBackward: median(x) => g * [x == out] / count(x == out) (NaN median: the NaNs)
    record("MedianBackward", out, {*this},
           [sx = SavedTensor(*this), so = SavedTensor(out, true)](const Tensor& g) {
             const Tensor x = sx.unpack().detach(), m = so.unpack().detach();
             const Tensor hit = m.isnan().item<bool>() ? x.isnan() : x == m;
             const Tensor mask = hit.to(g.dtype());
             return mask * (g / mask.sum());
           });
  return out;
}

}  // namespace paragrad
