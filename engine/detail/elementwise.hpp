#pragma once
// Kernels for elementwise ops: a binary map with broadcasting, a unary map, and a map
// of a tensor with a scalar. They dispatch on dtype once and pick the fastest loop the
// layouts allow (flat, scalar-broadcast, or strided runs); the flat loops of large tensors run
// on the intra-op pool (detail/parallel.hpp). No graph is recorded here;
// ops in engine/ops/*.cpp call these and record their backward rule. An op that names its
// kernel (kernels::Binary / kernels::Unary) runs its flat float32/float64 loops on the CPU level's
// kernels (kernels/elementwise.hpp: the same arithmetic, vectorized for the level).
#include <type_traits>

#include <paragrad/engine/autograd/grad_mode.hpp>
#include <paragrad/engine/branch_hints.hpp>
#include <paragrad/engine/detail/loops.hpp>
#include <paragrad/engine/detail/parallel.hpp>
#include <paragrad/engine/kernels/elementwise.hpp>

namespace paragrad::detail {

// t in dtype d, without recording a graph (kernels see plain data). A converted copy is kept
// in `holder`; when no conversion is needed, t itself is returned (no handle copy). Errors
// (a NaN that cannot become int64) name op.
inline const Tensor& as_type(const Tensor& t, Dtype d, Tensor& holder, const char* op = "to") {
  if (t.dtype() == d) return t;
  holder = convert(t, d, op);
  return holder;
}

// Whether the flat loop of an op computing in T and storing O runs on a CPU-level kernel.
template <class T, class O>
constexpr bool level_kernel_types = std::is_same<T, O>::value && (std::is_same<T, float>::value ||
                                                                  std::is_same<T, double>::value);

// Whether an elementwise result of `sizes` and `dtype` may be written over t's elements instead
// of a new tensor: t is a gradient a backward rule owns (LambdaNode hands the incoming one over,
// autograd/function.hpp) and nothing else can see it. Its handle is the only one to its header,
// the header the only one onto its storage (no view, no saved copy, no .grad() slot shares it),
// paragrad allocated that storage (not a from_blob buffer), the header has no autograd state
// (no history, no hooks, not a view), and it is contiguous, of the result's shape and dtype. And
// no graph is being recorded (a plain backward, not create_graph): a rule that records its
// result would save g after the result overwrote it. PyTorch's engine likewise adds into a
// gradient in place when it holds the only reference.
inline bool can_write_over(const Tensor& t, const Dims& sizes, Dtype dtype) {
  const TensorImpl* i = t.impl();
  return i && !grad_enabled && i->sole_reference() && i->storage->sole_reference() &&
         !i->storage->is_external() && i->dtype == dtype && i->contiguous && !i->requires_grad &&
         !i->grad_fn && !i->view_base && !i->hooks.load(std::memory_order_relaxed) &&
         i->sizes == sizes;
}
// Whether the result of a forward op may take over its operand t, handed to the op as an rvalue
// (`(x * 2) + 1` writes the sum over the product, the public operators taking Tensor&&): nothing
// else can see t (as in can_write_over: the only handle to its header, the only header onto its
// storage, paragrad's storage), it is contiguous, of the result's shape and dtype, and it holds
// no autograd state the result must not inherit: no hooks or retain_grad, no .grad(), not a view,
// not a leaf that requires grad (its accumulator would then see the result). Its history is
// either none, or t's grad_fn with grad mode on: the op records, and connect() takes the edge to
// t's grad_fn before it sets the result's. Ops whose backward keeps the operand must not offer it.
inline bool can_take_over(const Tensor& t, const Dims& sizes, Dtype dtype) {
  const TensorImpl* i = t.impl();
  return i && i->sole_reference() && i->storage->sole_reference() && !i->storage->is_external() &&
         i->dtype == dtype && i->contiguous && i->sizes == sizes && !i->view_base &&
         !i->hooks.load(std::memory_order_relaxed) && !i->grad && !i->grad_accumulator &&
         (i->grad_fn ? grad_enabled && i->requires_grad : !i->requires_grad);
}

// What an elementwise result may be written over instead of a new tensor: a gradient a backward
// rule owns (`&g`, can_write_over) or an operand the op was handed as an rvalue
// (`Over::operand(a)`, can_take_over).
struct Over {
  Over(Tensor* g = nullptr) : t(g) {}  // (a gradient: implicitly, from its address)
  static Over operand(Tensor& a) {
    Over o(&a);
    o.is_operand = true;
    return o;
  }
  Tensor* t;
  bool is_operand = false;
};
// Whether `over` may be written over with a result of `sizes` and `dtype` (the gradient's test or
// the operand's, above).
inline bool may_write_over(Over over, const Dims& sizes, Dtype dtype) {
  return over.t && (over.is_operand ? can_take_over(*over.t, sizes, dtype)
                                    : can_write_over(*over.t, sizes, dtype));
}

// The output of an elementwise op: `over` itself when its elements may be written over, else a
// new tensor. An elementwise kernel may write over its own operand: element i is read before
// element i is written. `numel`: as empty_for's (sizes are an operand's own: no check again).
// What is written over is moved into the result and its handle left empty (a copy would add a
// reference and the handle's drop remove it: two atomic operations per op). So the maps below
// read their operand from the result then, and an op whose operand was taken records the result
// as its input (`taken_or`: the result holds the operand's header and its grad_fn).
inline Tensor output_for(const char* op, const Dims& sizes, Dtype dtype, Over over,
                         int64_t numel = -1) {
  if (may_write_over(over, sizes, dtype)) return std::move(*over.t);
  return empty_for(op, sizes, dtype, numel);
}

// An op's operand `a`, or its result when the result took `a` over (output_for): the header `a`
// had, with its history.
inline const Tensor& taken_or(const Tensor& a, const Tensor& out) { return a.defined() ? a : out; }

// out = f(a, b) elementwise, a and b converted to `compute`, the result stored as `out_dtype`.
// `op` (the public op) names errors: undefined inputs, shapes that do not broadcast. K: the
// CPU-level kernel computing f on flat float32/float64 data (none: f's loop only). `over`: a_in,
// a gradient the caller owns, written over when it can be (output_for).
template <kernels::Binary K = kernels::Binary::none, class F>
Tensor binary_map(const char* op, const Tensor& a_in, const Tensor& b_in, Dtype compute,
                  Dtype out_dtype, F&& f, Over over = {}) {
  check_defined(op, a_in, b_in);
  Tensor a_holder, b_holder;
  const Tensor& a_conv = as_type(a_in, compute, a_holder, op);
  const Tensor& b = as_type(b_in, compute, b_holder, op);
  // (Operands of one shape, the common case, lend theirs: nothing to copy or check again. The
  // shape lives in the header, which a gradient moved into `out` keeps.)
  const bool same_shape = a_conv.sizes() == b.sizes();
  Dims broadcast;
  if (!same_shape) broadcast = broadcast_shapes(a_conv.sizes(), b.sizes(), op);
  const Dims& shape = same_shape ? a_conv.sizes() : broadcast;
  // (over a_in only, and not when b is a_in too: the kernels read b through its own pointer)
  const bool over_a = over.t == &a_in && b_in.impl() != a_in.impl();
  Tensor out =
      output_for(op, shape, out_dtype, over_a ? over : Over(), same_shape ? a_conv.numel() : -1);
  const Tensor& a = taken_or(a_conv, out);  // (a_in moved into out: the same elements)
  const int64_t n = out.numel();
  dispatch(compute, [&](auto ctag) {
    using T = decltype(ctag);
    dispatch(out_dtype, [&](auto otag) {
      using O = decltype(otag);
      const T* pa = a.data_ptr<T>();
      const T* pb = b.data_ptr<T>();
      O* po = out.data_ptr<O>();
      const bool ca = a.is_contiguous(), cb = b.is_contiguous();
      if constexpr (K != kernels::Binary::none && level_kernel_types<T, O>) {
        using kernels::Operands;
        const Operands which = ca && cb && a.numel() == n && b.numel() == n ? Operands::arrays
                               : cb && b.numel() == n && a.numel() == 1     ? Operands::scalar_a
                               : ca && a.numel() == n && b.numel() == 1     ? Operands::scalar_b
                                                                            : Operands(-1);
        if (which != Operands(-1)) {
          const auto binary = kernels::elementwise<T>().binary;
          parallel_for(n, kParallelElementwiseGrain, [&](int64_t lo, int64_t hi) {
            binary(K, which, which == Operands::scalar_a ? pa : pa + lo,
                   which == Operands::scalar_b ? pb : pb + lo, po + lo, hi - lo);
          });
          return;
        }
      }
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

// dst += alpha * src (add_ with alpha) on the CPU level's kernel when both are float32 or both
// float64, dst contiguous and src one element or contiguous of dst's shape, in another storage;
// false (nothing done) otherwise. The same arithmetic as add_'s generic loop.
inline bool axpy_flat(const Tensor& dst, const Tensor& src, double alpha) {
  const Dtype d = dst.dtype();
  if ((d != kFloat32 && d != kFloat64) || src.dtype() != d || !dst.is_contiguous() ||
      src.impl()->storage == dst.impl()->storage)
    return false;
  const bool scalar = src.numel() == 1;
  if (!scalar && (!src.is_contiguous() || src.sizes() != dst.sizes())) return false;
  dispatch_floating(d, "add_", [&](auto tag) {
    using T = decltype(tag);
    const auto axpy = kernels::elementwise<T>().axpy;
    const T* ps = src.data_ptr<T>();
    T* pd = dst.data_ptr<T>();
    parallel_for(dst.numel(), kParallelElementwiseGrain, [&](int64_t lo, int64_t hi) {
      axpy(static_cast<T>(alpha), scalar ? ps : ps + lo, scalar, pd + lo, hi - lo);
    });
  });
  return true;
}

enum class Kinds { All, Numeric, Floating };  // which input dtypes a kernel accepts

// out = f(a) elementwise in a's dtype, stored as out_dtype. `op` names it in errors. K: the
// CPU-level kernel computing f on flat float32/float64 data (none: f's loop only). `over`: a,
// a gradient the caller owns, written over when it can be (output_for) and f's own loop runs
// (K = none: the level kernels take an output apart from their input).
template <Kinds kinds = Kinds::All, kernels::Unary K = kernels::Unary::none, class F>
Tensor unary_map(const Tensor& a_in, Dtype out_dtype, F&& f, const char* op, Over over = {}) {
  check_defined(op, a_in);
  Tensor out = output_for(op, a_in.sizes(), out_dtype, K == kernels::Unary::none ? over : Over(),
                          a_in.numel());
  const Tensor& a = taken_or(a_in, out);  // (a_in moved into out: the same elements)
  auto body = [&](auto tag) {
    using T = decltype(tag);
    dispatch(out_dtype, [&](auto otag) {
      using O = decltype(otag);
      const T* pa = a.data_ptr<T>();
      O* po = out.data_ptr<O>();
      const int64_t n = out.numel();
      if (PARAGRAD_LIKELY(a.is_contiguous())) {
        if constexpr (K != kernels::Unary::none && level_kernel_types<T, O>) {
          const auto unary = kernels::elementwise<T>().unary;
          parallel_for(n, kParallelElementwiseGrain,
                       [&](int64_t lo, int64_t hi) { unary(K, pa + lo, po + lo, hi - lo); });
        } else {
          parallel_for(n, kParallelElementwiseGrain, [&](int64_t lo, int64_t hi) {
            for (int64_t i = lo; i < hi; ++i) po[i] = static_cast<O>(f(pa[i]));
          });
        }
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
