// The fused conv2d op. Forward, per image: im2col into a scratch buffer, then per group one GEMM
// out[OC/g, L] = W[OC/g, K/g] cols[K/g, L] straight into the output, the bias added in the same
// pass. Backward, per image: gW += g colsᵀ (im2col recomputed rather than saved), gb += the row
// sums of g, gx = col2im(Wᵀ g). These are the gradients of out = W unfold(x) + b; under
// create_graph the backward computes the same formulas with unfold/fold/matmul, whose own
// gradients carry the higher orders.
#include <vector>

#include <Eigen/Core>
#include <Eigen/StdVector>

#include <paragrad/engine/autograd/function.hpp>
#include <paragrad/nn/functional/im2col.hpp>

namespace paragrad::nn::functional::detail {

namespace {

template <class T>
using RowMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using Mat = Eigen::Map<RowMat<T>>;
// Scratch buffers aligned as the engine's storage, so that Eigen's vectorized loops split a
// buffer the same way on every run (results independent of where the heap put it).
template <class T>
using Scratch = std::vector<T, Eigen::aligned_allocator<T>>;
template <class T>
using CMat = Eigen::Map<const RowMat<T>>;

struct Geometry {
  Blocks b;
  int64_t N, OC, groups;
  bool pointwise;  // 1x1, stride 1, no padding: an image is its own im2col
  int64_t K() const { return b.rows(); }
  int64_t Kg() const { return b.rows() / groups; }
  int64_t OCg() const { return OC / groups; }
  int64_t L() const { return b.cols(); }
  int64_t image() const { return b.C * b.H * b.W; }
};

template <class T>
void forward_kernel(const T* x, const T* w, const T* bias, T* out, const Geometry& g) {
  const int64_t L = g.L(), Kg = g.Kg(), OCg = g.OCg();
  Scratch<T> cols(g.pointwise ? 0 : size_t(g.K() * L));
  for (int64_t n = 0; n < g.N; ++n) {
    const T* c = x + n * g.image();
    if (!g.pointwise) {
      im2col(c, cols.data(), g.b);
      c = cols.data();
    }
    for (int64_t gi = 0; gi < g.groups; ++gi) {
      Mat<T> o(out + (n * g.OC + gi * OCg) * L, OCg, L);
      o.noalias() = CMat<T>(w + gi * OCg * Kg, OCg, Kg) * CMat<T>(c + gi * Kg * L, Kg, L);
      if (bias)
        o.colwise() += Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, 1>>(bias + gi * OCg, OCg);
    }
  }
}

// gx, gw, gb may be null (not wanted); gw starts zeroed, gx too.
template <class T>
void backward_kernel(const T* x, const T* w, const T* go, T* gx, T* gw, T* gb, const Geometry& g) {
  const int64_t L = g.L(), Kg = g.Kg(), OCg = g.OCg();
  Scratch<T> cols(gw && !g.pointwise ? size_t(g.K() * L) : 0);
  Scratch<T> dcols(gx && !g.pointwise ? size_t(g.K() * L) : 0);
  if (gb) {
    // The bias gradient sums go over (n, i, j) in double, in index order, as the engine's sum
    // does. Not Eigen's rowwise().sum(): on a map it adds the elements before the first
    // SIMD-aligned address one by one, so its rounding depended on where the heap put go (two
    // identical float32 training runs differed in the last bits).
    for (int64_t oc = 0; oc < g.OC; ++oc) {
      double s = 0;
      for (int64_t n = 0; n < g.N; ++n)
        for (const T *p = go + (n * g.OC + oc) * L, *e = p + L; p != e; ++p) s += double(*p);
      gb[oc] = T(s);
    }
  }
  for (int64_t n = 0; n < g.N; ++n) {
    const T* gn = go + n * g.OC * L;
    if (gw) {
      const T* c = x + n * g.image();
      if (!g.pointwise) {
        im2col(c, cols.data(), g.b);
        c = cols.data();
      }
      for (int64_t gi = 0; gi < g.groups; ++gi)
        Mat<T>(gw + gi * OCg * Kg, OCg, Kg).noalias() +=
            CMat<T>(gn + gi * OCg * L, OCg, L) * CMat<T>(c + gi * Kg * L, Kg, L).transpose();
    }
    if (gx) {
      T* d = g.pointwise ? gx + n * g.image() : dcols.data();
      for (int64_t gi = 0; gi < g.groups; ++gi)
        Mat<T>(d + gi * Kg * L, Kg, L).noalias() =
            CMat<T>(w + gi * OCg * Kg, OCg, Kg).transpose() * CMat<T>(gn + gi * OCg * L, OCg, L);
      if (!g.pointwise) col2im(dcols.data(), gx + n * g.image(), g.b);
    }
  }
}

// The same gradients in differentiable ops (for create_graph).
TensorList composite_backward(const Tensor& go, const Tensor& x, const Tensor& w, const Geometry& g,
                              bool want_x, bool want_w, bool want_b) {
  const int64_t N = g.N, G = g.groups, L = g.L();
  const Tensor g3 = go.reshape({N, G, g.OCg(), L});
  Tensor gx, gw, gb;
  if (want_x) {
    const Tensor dcols =
        matmul(w.reshape({G, g.OCg(), g.Kg()}).transpose(1, 2), g3).reshape({N, g.K(), L});
    gx = g.pointwise ? dcols.reshape(x.shape()) : fold_op(dcols, g.b);
  }
  if (want_w) {
    const Tensor cols =
        g.pointwise ? x.reshape({N, G, g.Kg(), L}) : unfold_op(x, g.b).reshape({N, G, g.Kg(), L});
    gw = matmul(g3, cols.transpose(2, 3)).sum({0}).reshape(w.shape());
  }
  if (want_b) gb = go.sum({0, 2, 3});
  return autograd::grad_list(gx, gw, gb);
}

}  // namespace

Tensor conv2d_op(const Tensor& x, const Tensor& weight, const Tensor& bias, const Blocks& b,
                 int64_t groups) {
  const int64_t kh = b.kh, kw = b.kw;
  const Geometry geo{b, x.size(0), weight.size(0), groups,
                     kh == 1 && kw == 1 && b.ph == 0 && b.pw == 0 && b.sh == 1 && b.sw == 1};
  const Tensor xc = x.detach().contiguous(), wc = weight.detach().contiguous();
  const Tensor bc = bias.defined() ? bias.detach().contiguous() : Tensor();
  Tensor out = empty(Shape{geo.N, geo.OC, b.oh, b.ow}, x.dtype());
  if (out.numel() > 0)
    dispatch_floating(x.dtype(), "conv2d", [&](auto tag) {
      using T = decltype(tag);
      forward_kernel<T>(xc.data_ptr<T>(), wc.data_ptr<T>(),
                        bc.defined() ? bc.data_ptr<T>() : nullptr, out.data_ptr<T>(), geo);
    });
  const bool want_x = x.requires_grad(), want_w = weight.requires_grad(),
             want_b = bias.defined() && bias.requires_grad();
  if (!(bias.defined() ? autograd::needs_grad(x, weight, bias) : autograd::needs_grad(x, weight)))
    return out;
  auto backward = [geo, want_x, want_w, want_b, sx = autograd::SavedTensor(want_w ? x : Tensor()),
                   sw = autograd::SavedTensor(want_x ? weight : Tensor()), shape_x = x.shape(),
                   shape_w = weight.shape()](const Tensor& go) {
    const Tensor xs = want_w ? sx.unpack() : Tensor(), ws = want_x ? sw.unpack() : Tensor();
    if (is_grad_enabled()) return composite_backward(go, xs, ws, geo, want_x, want_w, want_b);
    const Tensor gc = go.contiguous();
    const Tensor xcc = want_w ? xs.contiguous() : Tensor(),
                 wcc = want_x ? ws.contiguous() : Tensor();
    Tensor gx = want_x ? zeros(shape_x, go.dtype()) : Tensor();
    Tensor gw = want_w ? zeros(shape_w, go.dtype()) : Tensor();
    Tensor gb = want_b ? zeros({geo.OC}, go.dtype()) : Tensor();
    dispatch_floating(go.dtype(), "conv2d_backward", [&](auto tag) {
      using T = decltype(tag);
      backward_kernel<T>(want_w ? xcc.data_ptr<T>() : nullptr, want_x ? wcc.data_ptr<T>() : nullptr,
                         gc.data_ptr<T>(), want_x ? gx.data_ptr<T>() : nullptr,
                         want_w ? gw.data_ptr<T>() : nullptr, want_b ? gb.data_ptr<T>() : nullptr,
                         geo);
    });
    return autograd::grad_list(gx, gw, gb);
  };
  if (bias.defined()) {
    // Per group, out[n] = W col[n] + b with col[n] = im2col(x[n]) (W: [OCg, Kg]).
    // grad ConvolutionBackward: conv2d(x, W, b) => (col2im(Wᵀ g), Σₙ g colᵀ, Σ_{n,i,j} g)
    autograd::record("ConvolutionBackward", out, {x, weight, bias}, std::move(backward));
  } else {
    // grad ConvolutionBackward: conv2d(x, W) => (col2im(Wᵀ g), Σₙ g col[n]ᵀ)
    autograd::record("ConvolutionBackward", out, {x, weight},
                     [f = std::move(backward)](const Tensor& go) {
                       TensorList gs = f(go);
                       gs.pop_back();
                       return gs;
                     });
  }
  return out;
}

}  // namespace paragrad::nn::functional::detail
