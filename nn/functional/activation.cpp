// Functional layers: linear, activations, layer_norm, dropout, embedding.
#include <cmath>
#include <numeric>

#include <Eigen/Core>

#include <paragrad/engine/autograd/function.hpp>
#include <paragrad/engine/random.hpp>
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
  if (in > 0)
    Y.noalias() +=
        Eigen::Map<const RowMat>(x, rows, in) * Eigen::Map<const RowMat>(w, out, in).transpose();
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

Tensor relu(const Tensor& x) { return x.relu(); }

// erf is not an engine op: its forward runs on plain data here, its backward
// d/dx erf(x) = 2/√π e^{-x²} is written in Tensor ops (so it differentiates again).
Tensor erf(const Tensor& x) {
  check_defined("erf", x);
  Tensor xc = x.detach().contiguous();
  Tensor out = empty(xc.shape(), xc.dtype());
  dispatch_floating(xc.dtype(), "erf", [&](auto tag) {
    using T = decltype(tag);
    const T* src = xc.data_ptr<T>();
    T* dst = out.data_ptr<T>();
    for (int64_t i = 0; i < xc.numel(); ++i) dst[i] = std::erf(src[i]);
  });
  if (needs_grad(x))
    // grad ErfBackward: erf(x) => g * 2/√π * exp(-x²)
    record("ErfBackward", out, {x}, [sx = SavedTensor(x)](const Tensor& g) {
      const Tensor v = sx.unpack();
      return grad_list(g * (2.0 / std::sqrt(M_PI)) * (-v.square()).exp());
    });
  return out;
}

Tensor gelu(const Tensor& x, const std::string& approximate) {
  check_defined("gelu", x);
  if (approximate == "none") return 0.5 * x * (1.0 + erf(x * M_SQRT1_2));
  check<ValueError>(approximate == "tanh", "gelu: approximate must be 'none' or 'tanh', got '",
                    approximate, "'");
  const double k = std::sqrt(2.0 / M_PI);
  return 0.5 * x * (1.0 + (k * (x + 0.044715 * x * x * x)).tanh());
}

Tensor softplus(const Tensor& x, double beta, double threshold) {
  check_defined("softplus", x);
  check<ValueError>(beta > 0, "softplus: beta must be positive, got ", beta);
  const Tensor bx = x * beta;
  // PyTorch: x where beta*x > threshold, else log(1 + exp(beta x)) / beta.
  return where(bx > threshold, x, bx.softplus() / beta);
}

Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight,
                  const Tensor& bias, double eps) {
  check_defined("layer_norm", x);
  const int64_t k = int64_t(normalized_shape.size());
  check<ShapeError>(k >= 1 && x.dim() >= k, "layer_norm: normalized_shape ",
                    shape_str(Dims(normalized_shape.begin(), normalized_shape.end())),
                    " does not fit input shape ", shape_str(x.sizes()));
  Shape dims;
  for (int64_t i = 0; i < k; ++i) {
    const int64_t d = x.dim() - k + i;
    check<ShapeError>(x.size(d) == normalized_shape[size_t(i)], "layer_norm: normalized_shape ",
                      shape_str(Dims(normalized_shape.begin(), normalized_shape.end())),
                      " does not match the trailing dims of input shape ", shape_str(x.sizes()));
    dims.push_back(d);
  }
  const Tensor mean = x.mean(dims, true);
  const Tensor var = x.var(dims, /*unbiased=*/false, true);
  Tensor out = (x - mean) * (var + eps).rsqrt();
  if (weight.defined()) out = out * weight;
  if (bias.defined()) out = out + bias;
  return out;
}

Tensor dropout(const Tensor& x, double p, bool training) {
  check_defined("dropout", x);
  check<ValueError>(p >= 0 && p <= 1, "dropout: probability has to be between 0 and 1, but got ",
                    p);
  if (!training || p == 0) return x;
  if (p == 1) return x * zeros_like(x);
  const Tensor keep = (rand(x.shape(), x.dtype()) >= p).to(x.dtype());
  return x * keep * (1.0 / (1.0 - p));
}

Tensor embedding(const Tensor& indices, const Tensor& weight) {
  check_defined("embedding", indices, weight);
  check<DtypeError>(indices.dtype() == kInt64, "embedding: indices must be int64, got ",
                    dtype_name(indices.dtype()));
  check<ShapeError>(weight.dim() == 2, "embedding: weight must be 2-d, got shape ",
                    shape_str(weight.sizes()));
  const int64_t n = weight.size(0);
  for (double v : indices.tolist())
    check<IndexError>(v >= 0 && v < double(n), "embedding: index ", int64_t(v),
                      " out of range for ", n, " embeddings");
  Shape out_shape = indices.shape();
  out_shape.push_back(weight.size(1));
  return weight.index_select(0, indices.reshape({-1})).reshape(out_shape);
}

}  // namespace paragrad::nn::functional
