// im2col / col2im kernels and the unfold/fold ops (each the other's gradient).
#include <paragrad/nn/functional/conv.hpp>
#include <paragrad/nn/functional/im2col.hpp>

#include <algorithm>
#include <cstring>

#include <paragrad/engine/autograd/function.hpp>

namespace paragrad::nn::functional::detail {

using autograd::grad_list;
using autograd::needs_grad;
using autograd::record;

namespace {

// The output positions ox whose input column ox * s - p + off lies in [0, n): [lo, hi).
inline void valid_range(int64_t n, int64_t s, int64_t p, int64_t off, int64_t out, int64_t& lo,
                        int64_t& hi) {
  // ox * s >= p - off  and  ox * s < n + p - off
  const int64_t a = p - off, b = n + p - off;
  lo = a <= 0 ? 0 : (a + s - 1) / s;
  hi = b <= 0 ? 0 : (b + s - 1) / s;
  lo = std::min(lo, out);
  hi = std::min(std::max(hi, lo), out);
}

// im2col of one image: img [C, H, W] -> col [C*kh*kw, oh*ow].
template <class T>
void im2col_t(const T* img, T* col, const Blocks& b) {
  for (int64_t c = 0; c < b.C; ++c)
    for (int64_t ki = 0; ki < b.kh; ++ki)
      for (int64_t kj = 0; kj < b.kw; ++kj) {
        T* row = col + ((c * b.kh + ki) * b.kw + kj) * b.oh * b.ow;
        int64_t xlo, xhi;
        valid_range(b.W, b.sw, b.pw, kj * b.dw, b.ow, xlo, xhi);
        for (int64_t oy = 0; oy < b.oh; ++oy) {
          T* dst = row + oy * b.ow;
          const int64_t iy = oy * b.sh - b.ph + ki * b.dh;
          if (iy < 0 || iy >= b.H) {
            std::fill(dst, dst + b.ow, T(0));
            continue;
          }
          const T* src = img + (c * b.H + iy) * b.W - b.pw + kj * b.dw;
          std::fill(dst, dst + xlo, T(0));
          if (b.sw == 1) {
            std::memcpy(dst + xlo, src + xlo, size_t(xhi - xlo) * sizeof(T));
          } else {
            for (int64_t ox = xlo; ox < xhi; ++ox) dst[ox] = src[ox * b.sw];
          }
          std::fill(dst + xhi, dst + b.ow, T(0));
        }
      }
}

// col2im of one image: img [C, H, W] += the columns of col [C*kh*kw, oh*ow] at their blocks.
template <class T>
void col2im_t(const T* col, T* img, const Blocks& b) {
  for (int64_t c = 0; c < b.C; ++c)
    for (int64_t ki = 0; ki < b.kh; ++ki)
      for (int64_t kj = 0; kj < b.kw; ++kj) {
        const T* row = col + ((c * b.kh + ki) * b.kw + kj) * b.oh * b.ow;
        int64_t xlo, xhi;
        valid_range(b.W, b.sw, b.pw, kj * b.dw, b.ow, xlo, xhi);
        for (int64_t oy = 0; oy < b.oh; ++oy) {
          const int64_t iy = oy * b.sh - b.ph + ki * b.dh;
          if (iy < 0 || iy >= b.H) continue;
          const T* src = row + oy * b.ow;
          T* dst = img + (c * b.H + iy) * b.W - b.pw + kj * b.dw;
          if (b.sw == 1) {
            for (int64_t ox = xlo; ox < xhi; ++ox) dst[ox] += src[ox];
          } else {
            for (int64_t ox = xlo; ox < xhi; ++ox) dst[ox * b.sw] += src[ox];
          }
        }
      }
}

Tensor unfold_impl(const Tensor& x, const Blocks& b) {
  const Tensor xc = x.detach().contiguous();
  const int64_t N = x.size(0);
  Tensor out = empty(Shape{N, b.rows(), b.cols()}, x.dtype());
  dispatch_floating(x.dtype(), "unfold", [&](auto tag) {
    using T = decltype(tag);
    const T* src = xc.data_ptr<T>();
    T* dst = out.data_ptr<T>();
    for (int64_t n = 0; n < N; ++n)
      im2col_t(src + n * b.C * b.H * b.W, dst + n * b.rows() * b.cols(), b);
  });
  return out;
}

Tensor fold_impl(const Tensor& cols, const Blocks& b) {
  const Tensor cc = cols.detach().contiguous();
  const int64_t N = cols.size(0);
  Tensor out = zeros(Shape{N, b.C, b.H, b.W}, cols.dtype());
  dispatch_floating(cols.dtype(), "fold", [&](auto tag) {
    using T = decltype(tag);
    const T* src = cc.data_ptr<T>();
    T* dst = out.data_ptr<T>();
    for (int64_t n = 0; n < N; ++n)
      col2im_t(src + n * b.rows() * b.cols(), dst + n * b.C * b.H * b.W, b);
  });
  return out;
}

}  // namespace

void im2col(const float* img, float* col, const Blocks& b) { im2col_t(img, col, b); }
void im2col(const double* img, double* col, const Blocks& b) { im2col_t(img, col, b); }
void col2im(const float* col, float* img, const Blocks& b) { col2im_t(col, img, b); }
void col2im(const double* col, double* img, const Blocks& b) { col2im_t(col, img, b); }

Tensor unfold_op(const Tensor& x, const Blocks& b) {
  Tensor out = unfold_impl(x, b);
  if (needs_grad(x))
    // grad Im2ColBackward: im2col(x, blocks) => col2im(g, blocks)
    record("Im2ColBackward", out, {x}, [b](const Tensor& g) { return fold_op(g, b); });
  return out;
}

Tensor fold_op(const Tensor& cols, const Blocks& b) {
  Tensor out = fold_impl(cols, b);
  if (needs_grad(cols))
    // grad Col2ImBackward: col2im(cols, blocks) => im2col(g, blocks)
    record("Col2ImBackward", out, {cols}, [b](const Tensor& g) { return unfold_op(g, b); });
  return out;
}

Blocks make_blocks(int64_t C, int64_t H, int64_t W, Size2 k, Size2 d, Size2 p, Size2 s) {
  return Blocks{C,
                H,
                W,
                k.h,
                k.w,
                d.h,
                d.w,
                p.h,
                p.w,
                s.h,
                s.w,
                conv_out_size(H, k.h, s.h, p.h, d.h),
                conv_out_size(W, k.w, s.w, p.w, d.w)};
}

}  // namespace paragrad::nn::functional::detail
