// matmul: 1-d, 2-d and batched with broadcast batch dims, on Eigen's GEMM. Strided
// operands (e.g. transposes) are handed to Eigen as row- or column-major maps, so
// A.t() @ B does not copy. Backward: dA = g Bᵀ, dB = Aᵀ g (summed over broadcast batches
// by the engine).
#include <vector>

#include <Eigen/Core>

#include <paragrad/engine/autograd/function.hpp>
#include <paragrad/engine/detail/loops.hpp>
#include <paragrad/engine/detail/parallel_gemm.hpp>

namespace paragrad {

using autograd::grad_list;
using autograd::needs_grad;
using autograd::record;
using autograd::SavedTensor;

namespace {

template <class T>
using RowMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using ColMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;

// Calls f(map) with an Eigen map of a rows x cols matrix at base + off with row stride rs
// and column stride cs; one of them is 1 (see mappable()).
template <class T, class F>
void with_matrix(const T* base, int64_t off, int64_t rows, int64_t cols, int64_t rs, int64_t cs,
                 F&& f) {
  if (cs == 1) {
    Eigen::Map<const RowMat<T>, 0, Eigen::OuterStride<>> m(base + off, rows, cols,
                                                           Eigen::OuterStride<>(rs));
    f(m);
  } else {
    Eigen::Map<const ColMat<T>, 0, Eigen::OuterStride<>> m(base + off, rows, cols,
                                                           Eigen::OuterStride<>(cs));
    f(m);
  }
}

// Whether Eigen can read the last two dims in place: row-major or column-major with a
// proper leading dimension.
bool mappable(const Tensor& t) {
  const int64_t rs = t.strides()[size_t(t.dim() - 2)], cs = t.strides()[size_t(t.dim() - 1)];
  const int64_t rows = t.sizes()[size_t(t.dim() - 2)], cols = t.sizes()[size_t(t.dim() - 1)];
  return (cs == 1 && rs >= cols && rs >= 1) || (rs == 1 && cs >= rows && cs >= 1 && cs != 1);
}

Tensor mm_forward(const Tensor& a_in, const Tensor& b_in) {
  const Dtype t = a_in.dtype();
  Tensor a = a_in.detach(), b = b_in.detach();
  if (!mappable(a)) a = a.detach().contiguous();
  if (!mappable(b)) b = b.detach().contiguous();
  const int64_t n = a.sizes()[a.dim() - 2], k = a.sizes()[a.dim() - 1], m = b.sizes()[b.dim() - 1];
  Dims ab(a.sizes().begin(), a.sizes().end() - 2), bb(b.sizes().begin(), b.sizes().end() - 2);
  Dims batch = broadcast_shapes(ab, bb);
  Dims out_shape = batch;
  out_shape.push_back(n);
  out_shape.push_back(m);
  Tensor out = detail::empty_for("matmul", out_shape, t);
  if (out.numel() == 0) return out;
  // batch strides (0 where broadcast)
  auto batch_strides = [&](const Tensor& x) {
    Dims s(batch.size(), 0);
    const size_t xb = size_t(x.dim()) - 2, lead = batch.size() - xb;
    for (size_t i = 0; i < xb; ++i) s[lead + i] = x.sizes()[i] == 1 ? 0 : x.strides()[i];
    return s;
  };
  Dims sa = batch_strides(a), sb = batch_strides(b), so = contiguous_strides(batch);
  for (int64_t& v : so) v *= n * m;
  dispatch(t, [&](auto tag) {
    using E = decltype(tag);
    if constexpr (!std::is_same<E, bool>::value) {
      // int64 products are computed in uint64 (the same bits; signed and unsigned may alias), so
      // they wrap as PyTorch's do instead of overflowing, which is undefined.
      using T = std::conditional_t<std::is_same<E, int64_t>::value, uint64_t, E>;
      const T* pa = reinterpret_cast<const T*>(a.data_ptr<E>());
      const T* pb = reinterpret_cast<const T*>(b.data_ptr<E>());
      T* po = reinterpret_cast<T*>(out.data_ptr<E>());
      const int64_t ars = a.strides()[a.dim() - 2], acs = a.strides()[a.dim() - 1];
      const int64_t brs = b.strides()[b.dim() - 2], bcs = b.strides()[b.dim() - 1];
      auto one = [&](int64_t oa, int64_t ob, int64_t oo) {
        Eigen::Map<RowMat<T>> c(po + oo, n, m);
        if (k == 0) {
          c.setZero();
          return;
        }
        with_matrix(pa, oa, n, k, ars, acs, [&](const auto& A) {
          with_matrix(pb, ob, k, m, brs, bcs, [&](const auto& B) { detail::gemm(c, A, B); });
        });
      };
      if (batch.empty()) {
        one(0, 0, 0);
        return;
      }
      std::array<const Dims*, 3> st{&sa, &sb, &so};
      const double item_flops = 2.0 * double(n) * double(m) * double(k);
      if (item_flops >= detail::kParallelGemmFlops ||
          item_flops * double(out.numel() / (n * m)) < detail::kParallelGemmFlops) {
        // Large items (each product splits itself) or a small batch: one item after the other.
        detail::for_each_run<3>(
            batch, st,
            [&](const std::array<int64_t, 3>& o, int64_t len, const std::array<int64_t, 3>& s) {
              for (int64_t i = 0; i < len; ++i)
                one(o[0] + i * s[0], o[1] + i * s[1], o[2] + i * s[2]);
            });
        return;
      }
      // Many small products: the items in chunks of about kParallelGemmFlops / 4 on the pool.
      std::vector<std::array<int64_t, 3>> items;
      detail::for_each_run<3>(
          batch, st,
          [&](const std::array<int64_t, 3>& o, int64_t len, const std::array<int64_t, 3>& s) {
            for (int64_t i = 0; i < len; ++i)
              items.push_back({o[0] + i * s[0], o[1] + i * s[1], o[2] + i * s[2]});
          });
      const auto per_chunk = int64_t(detail::kParallelGemmFlops / 4 / item_flops) + 1;
      detail::parallel_for(int64_t(items.size()), per_chunk, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i)
          one(items[size_t(i)][0], items[size_t(i)][1], items[size_t(i)][2]);
      });
    }
  });
  return out;
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  check_defined("matmul", a, b);
  check<ShapeError>(a.dim() >= 1 && b.dim() >= 1,
                    "matmul: both arguments need at least 1 dimension, got shapes ",
                    shape_str(a.sizes()), " and ", shape_str(b.sizes()));
  // As PyTorch: no type promotion in matmul (float32 @ float64 raises), no bool.
  check<DtypeError>(a.dtype() == b.dtype(), "matmul: expected both operands to have the same ",
                    "dtype, got ", dtype_name(a.dtype()), " and ", dtype_name(b.dtype()),
                    " (shapes ", shape_str(a.sizes()), " and ", shape_str(b.sizes()), ")");
  check<DtypeError>(a.dtype() != kBool, "matmul: bool tensors are not supported (shapes ",
                    shape_str(a.sizes()), " and ", shape_str(b.sizes()), ")");
  // The inner sizes, checked here so the message names the shapes the caller passed.
  const int64_t ka = a.sizes()[a.dim() - 1], kb = b.sizes()[b.dim() == 1 ? 0 : b.dim() - 2];
  check<ShapeError>(ka == kb, "matmul: shapes ", shape_str(a.sizes()), " and ",
                    shape_str(b.sizes()), " cannot be multiplied");
  if (a.dim() == 1 && b.dim() == 1) return matmul(a.unsqueeze(0), b.unsqueeze(1)).reshape({});
  if (a.dim() == 1) return matmul(a.unsqueeze(0), b).squeeze(-2);
  if (b.dim() == 1) return matmul(a, b.unsqueeze(1)).squeeze(-1);
  Tensor out;
  try {
    out = mm_forward(a, b);
  } catch (const ShapeError&) {
    throw ShapeError(cat("matmul: batch dimensions of shapes ", shape_str(a.sizes()), " and ",
                         shape_str(b.sizes()), " are not broadcastable"));
  }
  if (needs_grad(a, b)) {
    SavedTensor sa(b.requires_grad() ? a : Tensor()), sb(a.requires_grad() ? b : Tensor());
    // grad MatmulBackward: matmul(a, b) => (g @ bᵀ, aᵀ @ g), summed over broadcast batch dims
    record("MatmulBackward", out, {a, b},
           [sa = std::move(sa), sb = std::move(sb)](const Tensor& g_in) {
             // One copy of a gradient Eigen cannot read in place (e.g. sum's expanded ones)
             // for both products, not one per product.
             const Tensor g = mappable(g_in) ? g_in : g_in.contiguous();
             Tensor ga = sb.defined() ? matmul(g, sb.unpack().mT()) : Tensor();
             Tensor gb = sa.defined() ? matmul(sa.unpack().mT(), g) : Tensor();
             return grad_list(ga, gb);
           });
  }
  return out;
}

Tensor outer(const Tensor& a, const Tensor& b) {
  check_defined("outer", a, b);
  check<ShapeError>(a.dim() == 1 && b.dim() == 1, "outer: expects 1-d tensors, got shapes ",
                    shape_str(a.sizes()), " and ", shape_str(b.sizes()));
  return a.unsqueeze(1) * b.unsqueeze(0);
}

}  // namespace paragrad
