// Copies and conversions: to(dtype), clone, contiguous, and the strided copy kernel
// every layout change goes through.
#include <algorithm>
#include <type_traits>

#include <paragrad/engine/autograd/function.hpp>
#include <paragrad/engine/detail/checked_math.hpp>
#include <paragrad/engine/detail/loops.hpp>

namespace paragrad {

using autograd::grad_list;
using autograd::needs_grad;
using autograd::record;

namespace detail {

Dims broadcast_strides(const Tensor& t, const Dims& to) {
  const Dims& s = t.sizes();
  const Dims& st = t.strides();
  Dims out(to.size(), 0);
  const size_t lead = to.size() - s.size();
  for (size_t i = 0; i < s.size(); ++i) out[lead + i] = s[i] == 1 ? 0 : st[i];
  return out;
}

void copy_into(const Tensor& dst, const Tensor& src, const char* op) {
  dispatch(dst.dtype(), [&](auto dtag) {
    using D = decltype(dtag);
    dispatch(src.dtype(), [&](auto stag) {
      using S = decltype(stag);
      D* d = dst.data_ptr<D>();
      const S* s = src.data_ptr<S>();
      // Floating -> int64 is the one conversion that can be undefined (NaN, inf, 1e30):
      // PyTorch leaves garbage there, paragrad raises.
      constexpr bool checked = std::is_same<D, int64_t>::value && std::is_floating_point<S>::value;
      auto conv = [op](S v) {
        if constexpr (checked)
          return checked_convert<D>(double(v), op);
        else
          return static_cast<D>(v);
      };
      if (dst.is_contiguous() && src.is_contiguous() && dst.sizes() == src.sizes()) {
        parallel_for(dst.numel(), kParallelElementwiseGrain, [&](int64_t lo, int64_t hi) {
          for (int64_t i = lo; i < hi; ++i) d[i] = conv(s[i]);
        });
        return;
      }
      const Dims sst = broadcast_strides(src, dst.sizes());
      std::array<const Dims*, 2> st{&dst.strides(), &sst};
      // Copies dst's rows [b, e) along dim 0 (all of dst for a 0-d tensor).
      auto rows = [&](int64_t b, int64_t e) {
        Dims shape = dst.sizes();
        if (!shape.empty()) shape[0] = e - b;
        D* d0 = d + (shape.empty() ? 0 : b * dst.strides()[0]);
        const S* s0 = s + (shape.empty() ? 0 : b * sst[0]);
        for_each_run<2>(
            shape, st,
            [&](const std::array<int64_t, 2>& o, int64_t n, const std::array<int64_t, 2>& k) {
              D* dp = d0 + o[0];
              const S* sp = s0 + o[1];
              for (int64_t i = 0; i < n; ++i) dp[i * k[0]] = conv(sp[i * k[1]]);
            });
      };
      // A contiguous dst (clone, contiguous(), a broadcast materialized) is written in disjoint
      // row blocks on the intra-op pool when large; other layouts may alias their own elements.
      if (dst.dim() == 0) return rows(0, 1);
      const int64_t rows_total = dst.sizes()[0];
      if (!dst.is_contiguous() || dst.numel() == 0) return rows(0, rows_total);
      const int64_t per_row = dst.numel() / rows_total;
      parallel_for(rows_total, std::max<int64_t>(1, kParallelElementwiseGrain / per_row), rows);
    });
  });
}

Tensor convert(const Tensor& t, Dtype d, const char* op) {
  check_defined(op, t);
  if (t.dtype() == d) return t.detach();
  Tensor out = empty_for(op, t.sizes(), d);
  copy_into(out, t, op);
  return out;
}

}  // namespace detail

Tensor Tensor::to(Dtype dtype) const {
  check_defined("to", *this);
  if (dtype == this->dtype()) return *this;
  Tensor out = detail::convert(*this, dtype, "to");
  if (is_floating(dtype) && needs_grad(*this)) {
    const Dtype from = this->dtype();
    // grad ToCopyBackward: to(x, dtype) => g.to(x.dtype)
    record("ToCopyBackward", out, {*this}, [from](const Tensor& g) { return g.to(from); });
  }
  return out;
}

Tensor Tensor::clone() const {
  check_defined("clone", *this);
  Tensor out = detail::empty_for("clone", sizes(), dtype());
  detail::copy_into(out, *this, "clone");
  if (needs_grad(*this))
    // grad CloneBackward: clone(x) => g
    record("CloneBackward", out, {*this}, [](const Tensor& g) { return g; });
  return out;
}

Tensor Tensor::contiguous() const {
  check_defined("contiguous", *this);
  if (is_contiguous()) return *this;
  return clone();
}

}  // namespace paragrad
