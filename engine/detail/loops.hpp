#pragma once
// Strided loops shared by the kernels. `for_each_run` walks an n-d index space in
// row-major order and hands the body whole innermost runs, so the inner loop is a
// plain strided (often unit-stride) loop the compiler can vectorize.
#include <array>
#include <cstdint>

#include <paragrad/engine/branch_hints.hpp>
#include <paragrad/engine/detail/parallel.hpp>
#include <paragrad/engine/tensor.hpp>

namespace paragrad::detail {

// d as an index into ndim dims (negative counts from the end; a 0-d tensor accepts 0 and
// -1); an IndexError naming op and shape otherwise.
inline int64_t wrap_dim(int64_t d, int64_t ndim, const char* op, const Dims& shape) {
  const int64_t n = ndim > 1 ? ndim : 1;
  check<IndexError>(d >= -n && d < n, op, ": dimension ", d, " out of range for a tensor of shape ",
                    shape_str(shape));
  return d < 0 ? d + n : d;
}

// Strides of t as seen from a broadcast shape `to` (0 where t is broadcast).
Dims broadcast_strides(const Tensor& t, const Dims& to);

// body(const std::array<int64_t, K>& offsets, int64_t n, const std::array<int64_t, K>& step)
template <size_t K, class Body>
void for_each_run(const Dims& shape, const std::array<const Dims*, K>& strides, Body&& body) {
  const size_t nd = shape.size();
  for (int64_t s : shape)
    if (s == 0) return;
  std::array<int64_t, K> off{};
  std::array<int64_t, K> step{};
  if (nd == 0) {
    body(off, int64_t(1), step);
    return;
  }
  const int64_t inner = shape[nd - 1];
  for (size_t k = 0; k < K; ++k) step[k] = (*strides[k])[nd - 1];
  if (nd == 1) {
    body(off, inner, step);
    return;
  }
  Dims idx(nd - 1, 0);
  while (true) {
    body(off, inner, step);
    // Advance the outer index like an odometer.
    int64_t d = int64_t(nd) - 2;
    for (; d >= 0; --d) {
      if (++idx[size_t(d)] < shape[size_t(d)]) {
        for (size_t k = 0; k < K; ++k) off[k] += (*strides[k])[size_t(d)];
        break;
      }
      for (size_t k = 0; k < K; ++k) off[k] -= (*strides[k])[size_t(d)] * (shape[size_t(d)] - 1);
      idx[size_t(d)] = 0;
    }
    if (d < 0) return;
  }
}

// Calls f(T&) for every element of t (any layout).
template <class T, class F>
void for_each_element(const Tensor& t, F&& f) {
  T* base = t.data_ptr<T>();
  if (t.is_contiguous()) {
    for (int64_t i = 0, n = t.numel(); i < n; ++i) f(base[i]);
    return;
  }
  std::array<const Dims*, 1> st{&t.strides()};
  for_each_run<1>(t.sizes(), st,
                  [&](const std::array<int64_t, 1>& o, int64_t n, const std::array<int64_t, 1>& s) {
                    T* p = base + o[0];
                    for (int64_t i = 0; i < n; ++i) f(p[i * s[0]]);
                  });
}

// dst[i] = f(dst[i], src[i]) for every element of dst (any layout), in order, with src
// broadcast to dst's shape; both are of dtype T. Elements that dst repeats (stride 0) are
// updated once per repetition.
template <class T, class F>
void update_each(const Tensor& dst, const Tensor& src, F&& f) {
  T* pd = dst.data_ptr<T>();
  const T* ps = src.data_ptr<T>();
  // Flat layouts: one loop, on the intra-op pool when large (each element written once).
  if (dst.is_contiguous() &&
      (src.numel() == 1 || (src.is_contiguous() && src.sizes() == dst.sizes()))) {
    const bool scalar = src.numel() == 1;
    parallel_for(dst.numel(), kParallelElementwiseGrain, [&](int64_t lo, int64_t hi) {
      if (scalar)
        for (int64_t i = lo; i < hi; ++i) pd[i] = static_cast<T>(f(pd[i], ps[0]));
      else
        for (int64_t i = lo; i < hi; ++i) pd[i] = static_cast<T>(f(pd[i], ps[i]));
    });
    return;
  }
  const Dims ss = broadcast_strides(src, dst.sizes());
  std::array<const Dims*, 2> st{&dst.strides(), &ss};
  for_each_run<2>(dst.sizes(), st,
                  [&](const std::array<int64_t, 2>& o, int64_t n, const std::array<int64_t, 2>& k) {
                    for (int64_t i = 0; i < n; ++i) {
                      T& d = pd[o[0] + i * k[0]];
                      d = static_cast<T>(f(d, ps[o[1] + i * k[1]]));
                    }
                  });
}

// Copies src (any layout, broadcast to dst's shape) into dst (any layout), converting types.
// A floating value an integer dst cannot hold (NaN, inf, out of range) raises ValueError
// naming op, where a plain conversion would be undefined behaviour.
void copy_into(const Tensor& dst, const Tensor& src, const char* op = "copy_");
// t's values as dtype d (t itself if it has d), no graph recorded; errors name op.
Tensor convert(const Tensor& t, Dtype d, const char* op);

// --- the checks every new shape passes, naming the op the user called
// ShapeError unless sizes are non-negative and the product of the non-zero sizes (hence numel
// and every contiguous stride) fits in int64.
void check_shape(const char* op, const Dims& sizes);
// empty(sizes, dtype) with errors (bad shape, allocation failure) naming op. `numel`: the count of
// elements of sizes when the caller knows it (sizes are an existing tensor's, already checked),
// else -1.
Tensor empty_for_checked(const char* op, const Dims& sizes, Dtype dtype, int64_t numel);
inline Tensor empty_for(const char* op, const Dims& sizes, Dtype dtype, int64_t numel = -1) {
  // A count the caller knows needs no check but its bytes' (none up to 2^56 elements): every
  // elementwise op's output goes from here straight to make_contiguous, one call and not two.
  if (PARAGRAD_LIKELY(numel >= 0 && numel <= (int64_t(1) << 56)))
    return Tensor(
        TensorImpl::make_contiguous(sizes, numel, dtype, size_t(numel) * element_size(dtype), op));
  return empty_for_checked(op, sizes, dtype, numel);
}
// full(sizes, value, dtype) with errors naming op. `checked` (PyTorch's full, fill_): a value
// dtype cannot hold raises (NaN as int64, 1e300 as float32); unchecked, floating dtypes round
// it (1e300 becomes inf, as a scalar operand of mul_ does in PyTorch).
Tensor full_for(const char* op, const Dims& sizes, double value, Dtype dtype, bool checked = true);
// broadcast_shapes(a, b) with the ShapeError naming op.
Dims broadcast_shapes(const Dims& a, const Dims& b, const char* op);
// where(cond, a, b) with errors naming op (where, masked_fill).
Tensor where_impl(const char* op, const Tensor& cond, const Tensor& a, const Tensor& b);

}  // namespace paragrad::detail
