// softmax and log_softmax along one dim: each one op with its own backward rule, as PyTorch's
// _softmax and _log_softmax. The forward makes one pass over each slice where the composition
// (max, its finiteness, shift, exp, sum, then a division or a log and a subtraction) made eight
// to ten ops and as many tensors; a plain backward is one kernel too, and under create_graph the
// rule is written in Tensor ops (so every order works).
//
// Both are the stable forms: the slice's maximum m is subtracted first, and taken as 0 where it
// is not finite, so an all -inf slice gives NaN (0/0, as PyTorch) and a +inf entry NaN there.
#include <algorithm>
#include <cmath>

#include <paragrad/engine/autograd/function.hpp>
#include <paragrad/engine/detail/loops.hpp>
#include <paragrad/engine/detail/parallel.hpp>

namespace paragrad {

using autograd::needs_grad;
using autograd::record;
using autograd::SavedTensor;

namespace {

// A contiguous tensor seen as blocks [outer][n][inner] around the dim: each block holds `inner`
// slices of n elements, element c of slice i at c * inner + i. The loops run over i innermost,
// so the dim-not-last case reads memory in order too.
struct Slices {
  int64_t outer = 1, n = 1, inner = 1;
};
Slices slices_of(const Tensor& x, int64_t dim) {
  Slices s;
  const auto& sizes = x.sizes();
  for (int64_t i = 0; i < int64_t(sizes.size()); ++i) {
    if (i < dim) s.outer *= sizes[size_t(i)];
    if (i == dim) s.n = sizes[size_t(i)];
    if (i > dim) s.inner *= sizes[size_t(i)];
  }
  return s;
}

// Slices side by side are taken kTile at a time (their scratch, m and sum, on the stack); a piece
// of work is one tile of one block. Runs body(offset of the block, first slice, past the last
// slice, m, sum) over every piece, the pieces split among the pool's threads.
constexpr int64_t kTile = 256;
template <class Body>
void for_tiles(const Slices& s, Body&& body) {
  const int64_t block = s.n * s.inner, tiles = (s.inner + kTile - 1) / kTile;
  const int64_t per_piece = s.n * std::min(s.inner, kTile);
  const int64_t grain =
      std::max<int64_t>(1, detail::kParallelElementwiseGrain / std::max<int64_t>(per_piece, 1));
  detail::parallel_for(s.outer * tiles, grain, [&](int64_t lo, int64_t hi) {
    double m[kTile], sum[kTile];
    for (int64_t p = lo; p < hi; ++p) {
      const int64_t o = p / tiles, i0 = p % tiles * kTile;
      body(o * block, i0, std::min(s.inner, i0 + kTile), m, sum);
    }
  });
}

// Each kernel works on one piece at a time: `width` slices side by side, element c of slice i at
// c * stride + i (stride = Slices::inner). Row: the dim is the last one (one slice, stride 1),
// as compile-time constants, so the loops over i vanish and m and sum stay in registers.
template <bool Row>
struct Piece {
  int64_t stride, width;
  Piece(int64_t stride_, int64_t width_) : stride(Row ? 1 : stride_), width(Row ? 1 : width_) {}
};

// softmax (log = false) or log_softmax (log = true) of one piece of contiguous x into y.
template <bool Row, class T>
void softmax_piece(const T* x, T* y, int64_t n, Piece<Row> p, bool log, double* m, double* sum) {
  const int64_t st = p.stride, w = p.width;
  for (int64_t i = 0; i < w; ++i) m[i] = double(x[i]);
  for (int64_t c = 1; c < n; ++c)
    for (int64_t i = 0; i < w; ++i) {
      const T v = x[c * st + i];
      m[i] = v > T(m[i]) ? double(v) : m[i];
    }
  for (int64_t i = 0; i < w; ++i) {
    if (!std::isfinite(m[i])) m[i] = 0;
    sum[i] = 0;  // of e = exp(x - m), each in T
  }
  for (int64_t c = 0; c < n; ++c)
    for (int64_t i = 0; i < w; ++i) {
      const T e = std::exp(x[c * st + i] - T(m[i]));
      y[c * st + i] = e;
      sum[i] += double(e);
    }
  if (log) {
    for (int64_t i = 0; i < w; ++i) sum[i] = double(T(std::log(T(sum[i]))) + T(m[i]));
    for (int64_t c = 0; c < n; ++c)
      for (int64_t i = 0; i < w; ++i) y[c * st + i] = x[c * st + i] - T(sum[i]);  // x - lse
  } else {
    for (int64_t c = 0; c < n; ++c)
      for (int64_t i = 0; i < w; ++i) y[c * st + i] /= T(sum[i]);
  }
}

// The plain backward of either, in one pass: with s the slice's sum of g (log_softmax) or of
// g·y (softmax), gx = g - exp(y)·s or y·(g - s).
template <bool Log, bool Row, class T>
void softmax_backward_piece(const T* g, const T* y, T* gx, int64_t n, Piece<Row> p, double* sum) {
  const int64_t st = p.stride, w = p.width;
  for (int64_t i = 0; i < w; ++i) sum[i] = 0;
  for (int64_t c = 0; c < n; ++c)
    for (int64_t i = 0; i < w; ++i) {
      const int64_t k = c * st + i;
      sum[i] += Log ? double(g[k]) : double(g[k] * y[k]);
    }
  for (int64_t c = 0; c < n; ++c)
    for (int64_t i = 0; i < w; ++i) {
      const int64_t k = c * st + i;
      const T si = T(sum[i]);
      if constexpr (Log)
        gx[k] = g[k] - std::exp(y[k]) * si;
      else
        gx[k] = y[k] * (g[k] - si);
    }
}

template <class T>
void softmax_kernel(const T* x, T* y, const Slices& s, bool log) {
  for_tiles(s, [&](int64_t at, int64_t i0, int64_t i1, double* m, double* sum) {
    if (s.inner == 1)
      softmax_piece(x + at, y + at, s.n, Piece<true>(1, 1), log, m, sum);
    else
      softmax_piece(x + at + i0, y + at + i0, s.n, Piece<false>(s.inner, i1 - i0), log, m, sum);
  });
}
template <bool Log, class T>
void softmax_backward_kernel(const T* g, const T* y, T* gx, const Slices& s) {
  for_tiles(s, [&](int64_t at, int64_t i0, int64_t i1, double*, double* sum) {
    const int64_t o = at + i0;
    if (s.inner == 1)
      softmax_backward_piece<Log>(g + o, y + o, gx + o, s.n, Piece<true>(1, 1), sum);
    else
      softmax_backward_piece<Log>(g + o, y + o, gx + o, s.n, Piece<false>(s.inner, i1 - i0), sum);
  });
}

Tensor softmax_forward(const Tensor& x, int64_t dim, bool log, const char* op) {
  check_defined(op, x);
  const int64_t d = detail::wrap_dim(dim, x.dim(), op, x.sizes());
  check<DtypeError>(x.is_floating_point(), op, ": expected a floating tensor, got ",
                    dtype_name(x.dtype()), " of shape ", shape_str(x.sizes()));
  const Tensor xc = x.detach().contiguous();
  Tensor out = empty(x.shape(), x.dtype());
  const Slices s = slices_of(x, d);  // (a 0-d x: d is 0, one slice of one)
  if (x.numel() > 0)
    dispatch_floating(x.dtype(), op, [&](auto tag) {
      using T = decltype(tag);
      softmax_kernel<T>(xc.data_ptr<T>(), out.data_ptr<T>(), s, log);
    });
  if (!needs_grad(x)) return out;
  const Shape dims{d};
  // The rules read the saved output in place in a plain backward (one kernel); under
  // create_graph they are Tensor ops on the output, which carries this node's history then.
  auto rule = [so = SavedTensor(out, true), dims, s, log](const Tensor& g) {
    Tensor holder;  // (set only when the rule is recorded: create_graph)
    const Tensor& y = so.unpack(holder);
    if (is_grad_enabled() || g.dtype() != y.dtype() || g.sizes() != y.sizes() || y.numel() == 0)
      return log ? g - y.exp() * g.sum(dims, true) : y * (g - (g * y).sum(dims, true));
    const Tensor gc = g.contiguous(), yc = y.contiguous();
    Tensor gx = empty(yc.shape(), yc.dtype());
    dispatch_floating(yc.dtype(), log ? "log_softmax_backward" : "softmax_backward", [&](auto tag) {
      using T = decltype(tag);
      if (log)
        softmax_backward_kernel<true, T>(gc.data_ptr<T>(), yc.data_ptr<T>(), gx.data_ptr<T>(), s);
      else
        softmax_backward_kernel<false, T>(gc.data_ptr<T>(), yc.data_ptr<T>(), gx.data_ptr<T>(), s);
    });
    return gx;
  };
  if (log)
    // grad LogSoftmaxBackward: log_softmax(x, dim) => g - exp(out) * g.sum(dim, keepdim)
    record("LogSoftmaxBackward", out, {x}, std::move(rule));
  else
    // grad SoftmaxBackward: softmax(x, dim) => out * (g - (g * out).sum(dim, keepdim))
    record("SoftmaxBackward", out, {x}, std::move(rule));
  return out;
}

}  // namespace

Tensor Tensor::softmax(int64_t dim) const { return softmax_forward(*this, dim, false, "softmax"); }

Tensor Tensor::log_softmax(int64_t dim) const {
  return softmax_forward(*this, dim, true, "log_softmax");
}

}  // namespace paragrad
