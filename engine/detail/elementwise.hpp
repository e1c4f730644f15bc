#pragma once
// Kernels for elementwise ops: a binary map with broadcasting, a unary map, and a map
// of a tensor with a scalar. They dispatch on dtype once and pick the fastest loop the
// layouts allow (flat, scalar-broadcast, or strided runs); the flat loops of large tensors run
// on the intra-op pool (detail/parallel.hpp). No graph is recorded here;
// ops in engine/ops/*.cpp call these and record their backward rule.
#include <paragrad/engine/detail/loops.hpp>
#include <paragrad/engine/detail/parallel.hpp>

namespace paragrad::detail {

// t in dtype d, without recording a graph (kernels see plain data). A converted copy is kept
// in `holder`; when no conversion is needed, t itself is returned (no handle copy). Errors
// (a NaN that cannot become int64) name op.
inline const Tensor& as_type(const Tensor& t, Dtype d, Tensor& holder, const char* op = "to") {
  if (t.dtype() == d) return t;
  holder = convert(t, d, op);
  return holder;
}

// out = f(a, b) elementwise, a and b converted to `compute`, the result stored as `out_dtype`.
// `op` (the public op) names errors: undefined inputs, shapes that do not broadcast.
template <class F>
Tensor binary_map(const char* op, const Tensor& a_in, const Tensor& b_in, Dtype compute,
                  Dtype out_dtype, F&& f) {
  check_defined(op, a_in, b_in);
  Tensor a_holder, b_holder;
  const Tensor& a = as_type(a_in, compute, a_holder, op);
  const Tensor& b = as_type(b_in, compute, b_holder, op);
  const Dims shape =
      a.sizes() == b.sizes() ? a.sizes() : broadcast_shapes(a.sizes(), b.sizes(), op);
  Tensor out = empty_for(op, shape, out_dtype);
  const int64_t n = out.numel();
  dispatch(compute, [&](auto ctag) {
    using T = decltype(ctag);
    dispatch(out_dtype, [&](auto otag) {
      using O = decltype(otag);
      const T* pa = a.data_ptr<T>();
      const T* pb = b.data_ptr<T>();
      O* po = out.data_ptr<O>();
      const bool ca = a.is_contiguous(), cb = b.is_contiguous();
      if (ca && cb && a.numel() == n && b.numel() == n) {
        parallel_for(n, kParallelElementwiseGrain, [&](int64_t lo, int64_t hi) {
          for (int64_t i = lo; i < hi; ++i) po[i] = static_cast<O>(f(pa[i], pb[i]));
        });
      } else if (cb && b.numel() == n && a.numel() == 1) {
        const T x = pa[0];
        parallel_for(n, kParallelElementwiseGrain, [&](int64_t lo, int64_t hi) {
          for (int64_t i = lo; i < hi; ++i) po[i] = static_cast<O>(f(x, pb[i]));
        });
      } else if (ca && a.numel() == n && b.numel() == 1) {
        const T y = pb[0];
        parallel_for(n, kParallelElementwiseGrain, [&](int64_t lo, int64_t hi) {
          for (int64_t i = lo; i < hi; ++i) po[i] = static_cast<O>(f(pa[i], y));
        });
      } else {
        const Dims sa = broadcast_strides(a, shape), sb = broadcast_strides(b, shape);
        std::array<const Dims*, 3> st{&out.strides(), &sa, &sb};
        for_each_run<3>(
            shape, st,
            [&](const std::array<int64_t, 3>& o, int64_t len, const std::array<int64_t, 3>& k) {
              O* q = po + o[0];
              const T* x = pa + o[1];
              const T* y = pb + o[2];
              for (int64_t i = 0; i < len; ++i) q[i] = static_cast<O>(f(x[i * k[1]], y[i * k[2]]));
            });
      }
    });
  });
  return out;
}

enum class Kinds { All, Numeric, Floating };  // which input dtypes a kernel accepts

// out = f(a) elementwise in a's dtype, stored as out_dtype. `op` names it in errors.
template <Kinds kinds = Kinds::All, class F>
Tensor unary_map(const Tensor& a, Dtype out_dtype, F&& f, const char* op) {
  check_defined(op, a);
  Tensor out = empty_for(op, a.sizes(), out_dtype);
  auto body = [&](auto tag) {
    using T = decltype(tag);
    dispatch(out_dtype, [&](auto otag) {
      using O = decltype(otag);
      const T* pa = a.data_ptr<T>();
      O* po = out.data_ptr<O>();
      const int64_t n = out.numel();
      if (a.is_contiguous()) {
        parallel_for(n, kParallelElementwiseGrain, [&](int64_t lo, int64_t hi) {
          for (int64_t i = lo; i < hi; ++i) po[i] = static_cast<O>(f(pa[i]));
        });
        return;
      }
      std::array<const Dims*, 2> st{&out.strides(), &a.strides()};
      for_each_run<2>(
          a.sizes(), st,
          [&](const std::array<int64_t, 2>& o, int64_t len, const std::array<int64_t, 2>& k) {
            for (int64_t i = 0; i < len; ++i)
              po[o[0] + i * k[0]] = static_cast<O>(f(pa[o[1] + i * k[1]]));
          });
    });
  };
  if constexpr (kinds == Kinds::Floating)
    dispatch_floating(a.dtype(), op, body);
  else if constexpr (kinds == Kinds::Numeric)
    dispatch_numeric(a.dtype(), op, body);
  else
    dispatch(a.dtype(), body);
  return out;
}

}  // namespace paragrad::detail
