// Spectral normalization (Miyato et al., "Spectral Normalization for Generative Adversarial
// Networks", 2018), after torch/nn/utils/parametrizations.py (PyTorch 1.13): weight / σ with
// σ = uᵀ W v, u and v the power iteration's estimates of the top singular vectors of W (the
// weight as a matrix, `dim` first). The iteration updates the buffers _u, _v in place under
// no-grad, only in training mode; σ is differentiated through W only.
#include <paragrad/nn/conv.hpp>
#include <paragrad/parametrize/parametrizations.hpp>
#include <paragrad/parametrize/register.hpp>

namespace paragrad::parametrizations {

namespace {
// F.normalize(x, dim=0, eps) for a vector.
Tensor normalize(const Tensor& x, double eps) { return x / x.norm().clamp_min(eps); }
}  // namespace

SpectralNorm::SpectralNorm(const Tensor& weight, int n_power_iterations, int64_t dim, double eps)
    : eps_(eps), n_power_iterations_(n_power_iterations) {
  const int64_t ndim = weight.dim();
  check<IndexError>(dim < ndim && dim >= -ndim,
                    "spectral_norm: Dimension out of range (expected to be in range of [", -ndim,
                    ", ", ndim - 1, "] but got ", dim, ")");
  check<ValueError>(n_power_iterations > 0,
                    "spectral_norm: Expected n_power_iterations to be positive, but got "
                    "n_power_iterations=",
                    n_power_iterations);
  check<DtypeError>(weight.is_floating_point(), "spectral_norm: expected a floating tensor, got ",
                    dtype_name(weight.dtype()));
  dim_ = dim >= 0 ? dim : dim + ndim;
  if (ndim > 1) {
    NoGradGuard no_grad;
    Tensor W = reshape_weight_to_matrix(weight.detach());
    register_buffer("_u", normalize(randn({W.size(0)}, W.dtype()), eps_));
    register_buffer("_v", normalize(randn({W.size(1)}, W.dtype()), eps_));
    // Start from reasonable u, v.
    power_method(W, 15);
  }
}

Tensor SpectralNorm::reshape_weight_to_matrix(const Tensor& weight) const {
  Tensor w = weight;
  if (dim_ != 0) {
    Shape order{dim_};
    for (int64_t d = 0; d < w.dim(); ++d)
      if (d != dim_) order.push_back(d);
    w = w.permute(order);
  }
  const int64_t h = w.size(0);
  return w.reshape({h, h == 0 ? 0 : w.numel() / h});
}

void SpectralNorm::power_method(const Tensor& weight_mat, int iterations) {
  NoGradGuard no_grad;
  Tensor W = weight_mat.detach();
  Tensor& u = buffer_slot("_u");
  Tensor& v = buffer_slot("_v");
  for (int i = 0; i < iterations; ++i) {
    u.copy_(normalize(matmul(W, v), eps_));
    v.copy_(normalize(matmul(W.t(), u), eps_));
  }
}

Tensor SpectralNorm::forward(const Tensor& weight) {
  if (weight.dim() == 1) return weight / weight.norm().clamp_min(eps_);  // exact, no iteration
  check<ShapeError>(weight.dim() > dim_, "_SpectralNorm: weight of shape ",
                    shape_str(weight.sizes()), " has no dim ", dim_);
  Tensor W = reshape_weight_to_matrix(weight);
  if (is_training()) power_method(W, n_power_iterations_);
  // Clones: the power iteration of a later call must not modify what this graph saved.
  Tensor u = buffer_slot("_u").clone();
  Tensor v = buffer_slot("_v").clone();
  Tensor sigma = (u * matmul(W, v)).sum();
  return weight / sigma;
}

nn::Module& spectral_norm(nn::Module& m, const std::string& name, int n_power_iterations,
                          double eps, int64_t dim) {
  check<ValueError>(m.has(name), "spectral_norm: Module '", m.type_name(),
                    "' has no parameter or buffer with name '", name, "'");
  Tensor weight;
  {
    NoGradGuard no_grad;
    weight = m.get(name);
  }
  check<ValueError>(weight.defined(), "spectral_norm: '", name, "' is an empty slot");
  // -1: PyTorch's default (None): dim 1 for transposed convolutions (their weight is
  // [in, out/groups, ...]), else 0.
  const auto* conv = dynamic_cast<const nn::ConvNd*>(&m);
  const int64_t d = dim != -1 ? dim : (conv && conv->transposed() ? 1 : 0);
  parametrize::register_parametrization(
      m, name, std::make_shared<SpectralNorm>(weight, n_power_iterations, d, eps));
  return m;
}

}  // namespace paragrad::parametrizations
