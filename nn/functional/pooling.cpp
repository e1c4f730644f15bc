// Pooling. Max pooling finds each window's argmax in a raw loop; its gradient scatters into
// those positions and the scatter's gradient gathers from them again (an adjoint pair, so
// higher orders work). Average pooling, fixed and adaptive, is a separable linear map
// (separable.hpp): per dim, each output averages a window of inputs.
#include <paragrad/nn/functional/pooling.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include <paragrad/engine/autograd/function.hpp>
#include <paragrad/nn/functional/separable.hpp>

namespace paragrad::nn::functional {

using autograd::grad_list;
using autograd::needs_grad;
using autograd::record;

namespace detail {
int64_t pool_out_size(int64_t in, int64_t k, int64_t pad, int64_t stride, int64_t dilation,
                      bool ceil_mode) {
  const int64_t num = in + 2 * pad - dilation * (k - 1) - 1 + (ceil_mode ? stride - 1 : 0);
  const int64_t q = num >= 0 ? num / stride : -((-num + stride - 1) / stride);
  int64_t out = q + 1;
  // the last window must start inside the input or the left padding
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}
}  // namespace detail

namespace {

// Per output position along one dim: the first input position of its window, the step between
// window positions and their number (positions outside the input left out).
struct AxisWindows {
  std::vector<int64_t> start, count;
  int64_t step = 1;
};

AxisWindows strided_windows(int64_t in, int64_t out, int64_t k, int64_t stride, int64_t pad,
                            int64_t dilation) {
  AxisWindows a;
  a.step = dilation;
  for (int64_t i = 0; i < out; ++i) {
    int64_t s = i * stride - pad;
    const int64_t end = std::min(s + (k - 1) * dilation + 1, in);
    while (s < 0) s += dilation;
    a.start.push_back(s);
    a.count.push_back(s < end ? (end - s + dilation - 1) / dilation : 0);
  }
  return a;
}

int64_t adaptive_start(int64_t i, int64_t in, int64_t out) { return (i * in) / out; }
int64_t adaptive_end(int64_t i, int64_t in, int64_t out) { return ((i + 1) * in + out - 1) / out; }

AxisWindows adaptive_windows(int64_t in, int64_t out) {
  AxisWindows a;
  for (int64_t i = 0; i < out; ++i) {
    const int64_t s = adaptive_start(i, in, out), e = adaptive_end(i, in, out);
    a.start.push_back(s);
    a.count.push_back(e - s);
  }
  return a;
}

// Maxima of x [B, H, W] over the windows: values and flat indices [B, oh, ow]. NaN wins, and
// among equal values the first, as PyTorch's kernel. Two branch-free passes per window (the
// maximum, then its first position) instead of PyTorch's one pass with a data-dependent branch,
// which mispredicts on half the elements; a window holding a NaN takes PyTorch's loop.
template <class T, class I>
void max_kernel(const T* x, T* out, I* idx, int64_t B, int64_t H, int64_t W, const AxisWindows& wh,
                const AxisWindows& ww) {
  const int64_t oh = int64_t(wh.start.size()), ow = int64_t(ww.start.size());
  const int64_t rs = wh.step * W, cs = ww.step;
  for (int64_t b = 0; b < B; ++b) {
    const T* plane = x + b * H * W;
    T* o = out + b * oh * ow;
    I* ix = idx + b * oh * ow;
    for (int64_t i = 0; i < oh; ++i) {
      const int64_t rows = wh.count[size_t(i)], top = wh.start[size_t(i)] * W;
      for (int64_t j = 0; j < ow; ++j) {
        const int64_t cols = ww.count[size_t(j)], first = top + ww.start[size_t(j)];
        T m = -std::numeric_limits<T>::infinity();
        bool nan = false;
        for (int64_t a = 0; a < rows; ++a)
          for (int64_t c = 0; c < cols; ++c) {
            const T v = plane[first + a * rs + c * cs];
            m = v > m ? v : m;
            nan |= v != v;
          }
        int64_t best = first;
        if (!nan) {
          for (int64_t a = rows - 1; a >= 0; --a)
            for (int64_t c = cols - 1; c >= 0; --c) {
              const int64_t pos = first + a * rs + c * cs;
              best = plane[pos] == m ? pos : best;
            }
        } else {
          m = -std::numeric_limits<T>::infinity();
          for (int64_t a = 0; a < rows; ++a)
            for (int64_t c = 0; c < cols; ++c) {
              const int64_t pos = first + a * rs + c * cs;
              const T v = plane[pos];
              if (v > m || v != v) {
                m = v;
                best = pos;
              }
            }
        }
        o[i * ow + j] = m;
        ix[i * ow + j] = I(best);
      }
    }
  }
}

// The same for windows that all lie inside the input (no padding reached, the common case):
// fixed offsets, the window size KK a compile-time constant where it is small, so the compiler
// unrolls and vectorizes across outputs.
template <int KK, class T, class I>
void max_uniform_kernel(const T* __restrict x, T* __restrict out, I* __restrict idx, int64_t B,
                        int64_t H, int64_t W, int64_t oh, int64_t ow, int64_t sh, int64_t sw,
                        const int64_t* offsets, int64_t kk) {
  const int64_t n = KK > 0 ? KK : kk;
  int64_t off[KK > 0 ? KK : 64];
  for (int64_t k = 0; k < n; ++k) off[k] = offsets[k];
  for (int64_t b = 0; b < B; ++b) {
    const T* __restrict plane = x + b * H * W;
    for (int64_t i = 0; i < oh; ++i) {
      T* __restrict o = out + (b * oh + i) * ow;
      I* __restrict ix = idx + (b * oh + i) * ow;
      int64_t nans = 0;  // counted (an int reduction vectorizes, a bool one does not)
      for (int64_t j = 0; j < ow; ++j) {  // branch-free (vectorizes); NaN handled below
        const int64_t first = i * sh * W + j * sw;
        const T* __restrict p = plane + first;
        T m = -std::numeric_limits<T>::infinity();
        for (int64_t k = 0; k < n; ++k) {
          const T v = p[off[k]];
          m = v > m ? v : m;
          nans += v != v;
        }
        int64_t best = first;
        for (int64_t k = n - 1; k >= 0; --k) best = p[off[k]] == m ? first + off[k] : best;
        o[j] = m;
        ix[j] = I(best);
      }
      if (nans == 0) continue;
      for (int64_t j = 0; j < ow; ++j) {  // a row with a NaN: PyTorch's loop
        const int64_t first = i * sh * W + j * sw;
        T m = -std::numeric_limits<T>::infinity();
        int64_t best = first;
        for (int64_t k = 0; k < n; ++k) {
          const T v = plane[first + off[k]];
          if (v > m || v != v) {
            m = v;
            best = first + off[k];
          }
        }
        o[j] = m;
        ix[j] = I(best);
      }
    }
  }
}

// Picks the uniform kernel when every window is whole, else the general one.
template <class T, class I>
void max_pool_kernel(const T* x, T* out, I* idx, int64_t B, int64_t H, int64_t W,
                     const AxisWindows& wh, const AxisWindows& ww, Size2 k, Size2 s) {
  bool whole = k.h * k.w <= 64;
  for (int64_t c : wh.count) whole = whole && c == k.h;
  for (int64_t c : ww.count) whole = whole && c == k.w;
  const int64_t oh = int64_t(wh.start.size()), ow = int64_t(ww.start.size());
  if (!whole || oh == 0 || ow == 0 || wh.start[0] != 0 || ww.start[0] != 0)
    return max_kernel(x, out, idx, B, H, W, wh, ww);
  std::vector<int64_t> off;
  for (int64_t a = 0; a < k.h; ++a)
    for (int64_t c = 0; c < k.w; ++c) off.push_back(a * wh.step * W + c * ww.step);
  const int64_t kk = int64_t(off.size());
  if (kk == 4)
    max_uniform_kernel<4>(x, out, idx, B, H, W, oh, ow, s.h, s.w, off.data(), kk);
  else if (kk == 9)
    max_uniform_kernel<9>(x, out, idx, B, H, W, oh, ow, s.h, s.w, off.data(), kk);
  else
    max_uniform_kernel<0>(x, out, idx, B, H, W, oh, ow, s.h, s.w, off.data(), kk);
}

// The argmax positions of a pooling, flat within each [H, W] plane, for the backward: int32
// when a plane allows (half the memory of PyTorch's int64 indices), else int64.
struct Argmax {
  Shape shape;  // of the pooled output
  int64_t H = 0, W = 0;
  std::vector<int32_t> i32;
  std::vector<int64_t> i64;
  Argmax(Shape s, int64_t h, int64_t w) : shape(std::move(s)), H(h), W(w) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    if (H * W <= std::numeric_limits<int32_t>::max())
      i32.resize(size_t(n));
    else
      i64.resize(size_t(n));
  }
  // f(pointer) with the index array of the right type.
  template <class F>
  decltype(auto) visit(F&& f) {
    return i64.empty() ? f(i32.data()) : f(i64.data());
  }
  template <class F>
  decltype(auto) visit(F&& f) const {
    return i64.empty() ? f(i32.data()) : f(i64.data());
  }
  Tensor to_tensor() const {  // Int64, as PyTorch returns
    Tensor t = empty(shape, kInt64);
    int64_t* p = t.data_ptr<int64_t>();
    visit([&](const auto* ix) {
      for (int64_t k = 0; k < t.numel(); ++k) p[k] = int64_t(ix[k]);
    });
    return t;
  }
};
using ArgmaxPtr = std::shared_ptr<const Argmax>;

Tensor plane_gather(const Tensor& x, const ArgmaxPtr& am);
Tensor plane_scatter(const Tensor& g, const ArgmaxPtr& am);

// out[b, k] = x[b, idx[b, k]] within each [H, W] plane (the gradient of plane_scatter).
Tensor plane_gather(const Tensor& x, const ArgmaxPtr& am) {
  const Tensor xc = x.detach().contiguous();
  const int64_t plane = am->H * am->W, L = am->shape.back() * am->shape[am->shape.size() - 2];
  Tensor out = empty(am->shape, x.dtype());
  const int64_t B = L == 0 ? 0 : out.numel() / L;
  dispatch_floating(x.dtype(), "max_pool2d", [&](auto tag) {
    using T = decltype(tag);
    const T* px = xc.data_ptr<T>();
    T* po = out.data_ptr<T>();
    am->visit([&](const auto* pi) {
      for (int64_t b = 0; b < B; ++b)
        for (int64_t k = 0; k < L; ++k) po[b * L + k] = px[b * plane + int64_t(pi[b * L + k])];
    });
  });
  if (needs_grad(x))
    // grad MaxPoolGatherBackward: plane_gather(x, idx) => plane_scatter(g, idx)
    record("MaxPoolGatherBackward", out, {x},
           [am](const Tensor& g) { return plane_scatter(g, am); });
  return out;
}

// The adjoint: zeros [..., H, W] with g[b, k] added at idx[b, k] (max pooling's gradient).
Tensor plane_scatter(const Tensor& g, const ArgmaxPtr& am) {
  const Tensor gc = g.detach().contiguous();
  const int64_t plane = am->H * am->W, L = am->shape.back() * am->shape[am->shape.size() - 2];
  Shape shape = am->shape;
  shape[shape.size() - 2] = am->H;
  shape[shape.size() - 1] = am->W;
  Tensor out = zeros(shape, g.dtype());
  const int64_t B = L == 0 ? 0 : g.numel() / L;
  dispatch_floating(g.dtype(), "max_pool2d_backward", [&](auto tag) {
    using T = decltype(tag);
    const T* pg = gc.data_ptr<T>();
    T* po = out.data_ptr<T>();
    am->visit([&](const auto* pi) {
      for (int64_t b = 0; b < B; ++b)
        for (int64_t k = 0; k < L; ++k) po[b * plane + int64_t(pi[b * L + k])] += pg[b * L + k];
    });
  });
  if (needs_grad(g))
    // grad MaxPoolScatterBackward: plane_scatter(grad, idx) => plane_gather(g, idx)
    record("MaxPoolScatterBackward", out, {g},
           [am](const Tensor& gg) { return plane_gather(gg, am); });
  return out;
}

void check_pool_input(const std::string& who, const Tensor& input) {
  check<ValueError>(input.defined(), who, ": undefined input");
  check<ShapeError>(input.dim() == 3 || input.dim() == 4, who,
                    ": expected a 3-d (unbatched) or 4-d (batched) input, got shape ",
                    shape_str(input.sizes()));
  bool ok = true;
  for (int64_t d = input.dim() - 3; d < input.dim(); ++d) ok = ok && input.size(d) > 0;
  check<ShapeError>(ok, who, ": input shape ", shape_str(input.sizes()),
                    " has an empty non-batch dim");
  check<DtypeError>(input.is_floating_point(), who, ": expected a floating input, got ",
                    dtype_name(input.dtype()));
}

void check_pool_args(const std::string& who, const Tensor& input, Size2 k, Size2 s, Size2 p,
                     Size2 d, int64_t oh, int64_t ow) {
  check<ValueError>(k.h > 0 && k.w > 0, who, ": kernel_size must be positive, got ", k.str());
  check<ValueError>(s.h > 0 && s.w > 0, who, ": stride must be positive, got ", s.str());
  check<ValueError>(d.h > 0 && d.w > 0, who, ": dilation must be positive, got ", d.str());
  check<ValueError>(p.h >= 0 && p.w >= 0 && p.h <= k.h / 2 && p.w <= k.w / 2, who, ": padding ",
                    p.str(), " must be non-negative and at most half of kernel_size ", k.str());
  check<ShapeError>(oh > 0 && ow > 0, who, ": input shape ", shape_str(input.sizes()),
                    " is too small for kernel_size ", k.str(), " with padding ", p.str(),
                    " and dilation ", d.str(), " (output size (", oh, ", ", ow, "))");
}

}  // namespace

namespace detail {

std::tuple<Tensor, Tensor> max_pool2d(const std::string& who, const Tensor& input, Size2 k, Size2 s,
                                      Size2 p, Size2 d, bool ceil_mode, bool want_indices) {
  check_pool_input(who, input);
  const int64_t H = input.size(-2), W = input.size(-1);
  const int64_t oh = pool_out_size(H, k.h, p.h, std::max<int64_t>(s.h, 1), d.h, ceil_mode);
  const int64_t ow = pool_out_size(W, k.w, p.w, std::max<int64_t>(s.w, 1), d.w, ceil_mode);
  check_pool_args(who, input, k, s, p, d, oh, ow);
  const AxisWindows wh = strided_windows(H, oh, k.h, s.h, p.h, d.h);
  const AxisWindows ww = strided_windows(W, ow, k.w, s.w, p.w, d.w);
  Shape shape = input.shape();
  shape[shape.size() - 2] = oh;
  shape[shape.size() - 1] = ow;
  const Tensor xc = input.detach().contiguous();
  Tensor values = empty(shape, input.dtype());
  auto am = std::make_shared<Argmax>(shape, H, W);
  const int64_t B = input.numel() / (H * W);
  dispatch_floating(input.dtype(), "max_pool2d", [&](auto tag) {
    using T = decltype(tag);
    am->visit([&](auto* ix) {
      max_pool_kernel(xc.data_ptr<T>(), values.data_ptr<T>(), ix, B, H, W, wh, ww, k, s);
    });
  });
  const ArgmaxPtr argmax = std::move(am);
  if (needs_grad(input))
    // g added at each window's argmax:
    // grad MaxPool2DWithIndicesBackward: max_pool2d(x, k, s, p, d) => plane_scatter(g, argmax)
    record("MaxPool2DWithIndicesBackward", values, {input},
           [argmax](const Tensor& g) { return plane_scatter(g, argmax); });
  return {values, want_indices ? argmax->to_tensor() : Tensor()};
}

Tensor avg_pool2d(const std::string& who, const Tensor& input, Size2 k, Size2 s, Size2 p,
                  bool ceil_mode, bool count_include_pad, std::optional<int64_t> divisor_override) {
  check_pool_input(who, input);
  const int64_t H = input.size(-2), W = input.size(-1);
  const int64_t oh = pool_out_size(H, k.h, p.h, std::max<int64_t>(s.h, 1), 1, ceil_mode);
  const int64_t ow = pool_out_size(W, k.w, p.w, std::max<int64_t>(s.w, 1), 1, ceil_mode);
  check_pool_args(who, input, k, s, p, 1, oh, ow);
  check<ValueError>(!divisor_override || *divisor_override != 0, who, ": divisor must be not zero");
  // As PyTorch: the window is clipped to the padded input for the divisor with
  // count_include_pad, to the input itself for the sum and the divisor without.
  auto axis = [&](int64_t in, int64_t out, int64_t kk, int64_t ss, int64_t pp, bool first) {
    AxisMap m(in);
    for (int64_t i = 0; i < out; ++i) {
      const int64_t start = i * ss - pp, end = std::min(start + kk, in + pp);
      const int64_t padded_len = end - start;
      const int64_t s0 = std::max<int64_t>(start, 0), e0 = std::min(end, in);
      double w = 1.0 / double(count_include_pad ? padded_len : std::max<int64_t>(e0 - s0, 1));
      if (divisor_override) w = first ? 1.0 / double(*divisor_override) : 1.0;
      for (int64_t a = s0; a < e0; ++a) m.add(a, w);
      m.end_row();
    }
    return m;
  };
  return separable_map(input, axis(H, oh, k.h, s.h, p.h, true), axis(W, ow, k.w, s.w, p.w, false),
                       "AvgPool2DBackward");
}

Tensor adaptive_avg_pool2d(const std::string& who, const Tensor& input, Size2 output_size) {
  check_pool_input(who, input);
  check<ValueError>(output_size.h >= 0 && output_size.w >= 0, who,
                    ": output_size must be non-negative, got ", output_size.str());
  auto axis = [](int64_t in, int64_t out) {
    AxisMap m(in);
    for (int64_t i = 0; i < out; ++i) {
      const int64_t s = adaptive_start(i, in, out), e = adaptive_end(i, in, out);
      for (int64_t a = s; a < e; ++a) m.add(a, 1.0 / double(e - s));
      m.end_row();
    }
    return m;
  };
  return separable_map(input, axis(input.size(-2), output_size.h),
                       axis(input.size(-1), output_size.w), "AdaptiveAvgPool2DBackward");
}

}  // namespace detail

std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, Size2 kernel_size,
                                                   std::optional<Size2> stride, Size2 padding,
                                                   Size2 dilation, bool ceil_mode) {
  return detail::max_pool2d("max_pool2d", input, kernel_size, stride.value_or(kernel_size), padding,
                            dilation, ceil_mode, true);
}

Tensor max_pool2d(const Tensor& input, Size2 kernel_size, std::optional<Size2> stride,
                  Size2 padding, Size2 dilation, bool ceil_mode) {
  return std::get<0>(detail::max_pool2d("max_pool2d", input, kernel_size,
                                        stride.value_or(kernel_size), padding, dilation, ceil_mode,
                                        false));
}

namespace {
// A 1-d pool as the 2-d one over [.., 1, L]; the rank check first, in 1-d terms.
void check_1d(const char* who, const Tensor& input) {
  check<ValueError>(input.defined(), who, ": undefined input");
  check<ShapeError>(input.dim() == 2 || input.dim() == 3, who,
                    ": expected a 2-d (unbatched) or 3-d (batched) input, got shape ",
                    shape_str(input.sizes()));
}
}  // namespace

Tensor max_pool1d(const Tensor& input, int64_t kernel_size, std::optional<int64_t> stride,
                  int64_t padding, int64_t dilation, bool ceil_mode) {
  check_1d("max_pool1d", input);
  return std::get<0>(detail::max_pool2d("max_pool1d", input.unsqueeze(-2), Size2(1, kernel_size),
                                        Size2(1, stride.value_or(kernel_size)), Size2(0, padding),
                                        Size2(1, dilation), ceil_mode, false))
      .squeeze(-2);
}

Tensor avg_pool2d(const Tensor& input, Size2 kernel_size, std::optional<Size2> stride,
                  Size2 padding, bool ceil_mode, bool count_include_pad,
                  std::optional<int64_t> divisor_override) {
  return detail::avg_pool2d("avg_pool2d", input, kernel_size, stride.value_or(kernel_size), padding,
                            ceil_mode, count_include_pad, divisor_override);
}

Tensor avg_pool1d(const Tensor& input, int64_t kernel_size, std::optional<int64_t> stride,
                  int64_t padding, bool ceil_mode, bool count_include_pad) {
  check_1d("avg_pool1d", input);
  return detail::avg_pool2d("avg_pool1d", input.unsqueeze(-2), Size2(1, kernel_size),
                            Size2(1, stride.value_or(kernel_size)), Size2(0, padding), ceil_mode,
                            count_include_pad, std::nullopt)
      .squeeze(-2);
}

Tensor adaptive_avg_pool2d(const Tensor& input, Size2 output_size) {
  return detail::adaptive_avg_pool2d("adaptive_avg_pool2d", input, output_size);
}

Tensor adaptive_avg_pool1d(const Tensor& input, int64_t output_size) {
  check_1d("adaptive_avg_pool1d", input);
  return detail::adaptive_avg_pool2d("adaptive_avg_pool1d", input.unsqueeze(-2),
                                     Size2(1, output_size))
      .squeeze(-2);
}

Tensor adaptive_max_pool2d(const Tensor& input, Size2 output_size) {
  check_pool_input("adaptive_max_pool2d", input);
  check<ValueError>(output_size.h > 0 && output_size.w > 0,
                    "adaptive_max_pool2d: output_size must be positive, got ", output_size.str());
  const int64_t H = input.size(-2), W = input.size(-1);
  const AxisWindows wh = adaptive_windows(H, output_size.h),
                    ww = adaptive_windows(W, output_size.w);
  Shape shape = input.shape();
  shape[shape.size() - 2] = output_size.h;
  shape[shape.size() - 1] = output_size.w;
  const Tensor xc = input.detach().contiguous();
  Tensor values = empty(shape, input.dtype());
  auto am = std::make_shared<Argmax>(shape, H, W);
  dispatch_floating(input.dtype(), "adaptive_max_pool2d", [&](auto tag) {
    using T = decltype(tag);
    am->visit([&](auto* ix) {
      max_kernel(xc.data_ptr<T>(), values.data_ptr<T>(), ix, input.numel() / (H * W), H, W, wh, ww);
    });
  });
  const ArgmaxPtr argmax = std::move(am);
  if (needs_grad(input))
    // g added at each window's argmax:
    // grad AdaptiveMaxPool2DBackward: adaptive_max_pool2d(x, size) => plane_scatter(g, argmax)
    record("AdaptiveMaxPool2DBackward", values, {input},
           [argmax](const Tensor& g) { return plane_scatter(g, argmax); });
  return values;
}

}  // namespace paragrad::nn::functional
