// linear: y = x Wᵀ + b as one op (one GEMM whose output starts as the bias rows).
#include <Eigen/Core>

#include <paragrad/engine/autograd/function.hpp>
#include <paragrad/engine/detail/parallel_gemm.hpp>
#include <paragrad/nn/functional/functional.hpp>

namespace paragrad::nn::functional {

using autograd::grad_list;
using autograd::needs_grad;
using autograd::record;
using autograd::SavedTensor;

namespace {

// y = x Wᵀ + b on 2-d row-major buffers: the output starts as the bias rows and the GEMM adds
// into it, so the bias costs no pass of its own.
template <class T>
void linear_kernel(const T* x, const T* w, const T* b, T* y, int64_t rows, int64_t in,
                   int64_t out) {
  using RowMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::Map<RowMat> Y(y, rows, out);
  if (b)
    Y.rowwise() = Eigen::Map<const Eigen::Matrix<T, 1, Eigen::Dynamic>>(b, out);
  else
    Y.setZero();
  if (in > 0) {
    const Eigen::Map<const RowMat> X(x, rows, in), W(w, out, in);
    paragrad::detail::gemm(Y, X, W.transpose(), /*accumulate=*/true);
  }
}

}  // namespace

// linear: y = x Wᵀ + b, one op. The forward is one GEMM (linear_kernel); the backward is
//   gx = g W,  gW = gᵀ x,  gb = Σ g over all but the last dim,
// in Tensor ops (so differentiable again), with x and g flattened to 2-d: gᵀ x is a GEMM on a
// transposed view, which writes W's gradient contiguous (no transposed copy for the optimizer
// to walk). Mixed dtypes take the generic matmul + add path (type promotion).
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  check<ValueError>(x.defined() && weight.defined(), "linear: undefined input or weight");
  check<ShapeError>(weight.dim() == 2, "linear: weight must be 2-d, got shape ",
                    shape_str(weight.sizes()));
  check<ShapeError>(x.dim() >= 1 && x.size(-1) == weight.size(1), "linear: input shape ",
                    shape_str(x.sizes()), " does not match weight shape ",
                    shape_str(weight.sizes()), " (expected last dim ", weight.size(1), ")");
  if (bias.defined())
    check<ShapeError>(bias.dim() == 1 && bias.size(0) == weight.size(0), "linear: bias shape ",
                      shape_str(bias.sizes()), " does not match weight shape ",
                      shape_str(weight.sizes()));
  const Dtype t = x.dtype();
  if (!is_floating(t) || weight.dtype() != t || (bias.defined() && bias.dtype() != t)) {
    Tensor out = matmul(x, weight.t());
    return bias.defined() ? out + bias : out;
  }
  const int64_t in = weight.size(1), out_features = weight.size(0);
  int64_t rows = 1;
  for (int64_t i = 0; i + 1 < x.dim(); ++i) rows *= x.size(i);
  const Tensor xc = x.detach().contiguous(), wc = weight.detach().contiguous();
  const Tensor bc = bias.defined() ? bias.detach().contiguous() : Tensor();
  Shape out_shape(x.sizes().begin(), x.sizes().end());
  out_shape.back() = out_features;
  Tensor out = empty(out_shape, t);
  dispatch_floating(t, "linear", [&](auto tag) {
    using T = decltype(tag);
    linear_kernel<T>(xc.data_ptr<T>(), wc.data_ptr<T>(), bc.defined() ? bc.data_ptr<T>() : nullptr,
                     out.data_ptr<T>(), rows, in, out_features);
  });
  if (needs_grad(x, weight) || (bias.defined() && needs_grad(bias))) {
    const bool gx = x.requires_grad(), gw = weight.requires_grad();
    const bool gb = bias.defined() && bias.requires_grad();
    // grad LinearBackward: linear(x, W, b) => (g W, gᵀ x, Σ g over rows)
    record("LinearBackward", out, {x, weight, bias},
           [sx = SavedTensor(gw ? x : Tensor()), sw = SavedTensor(gx ? weight : Tensor()), gb, rows,
            in, out_features](const Tensor& g) {
             const Tensor g2 = g.reshape({rows, out_features});
             return grad_list(
                 sw.defined() ? matmul(g, sw.unpack()) : Tensor(),
                 sx.defined() ? matmul(g2.mT(), sx.unpack().reshape({rows, in})) : Tensor(),
                 gb ? g2.sum({0}) : Tensor());
           });
  }
  return out;
}

}  // namespace paragrad::nn::functional
