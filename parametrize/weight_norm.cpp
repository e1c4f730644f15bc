// Weight normalization (Salimans & Kingma, 2016): weight = g · v / ‖v‖, as PyTorch 2.1's
// torch.nn.utils.parametrizations.weight_norm (torch._weight_norm, norm_except_dim).
#include <paragrad/parametrize/parametrizations.hpp>
#include <paragrad/parametrize/register.hpp>

namespace paragrad::parametrizations {

Tensor norm_except_dim(const Tensor& v, int64_t dim) {
  if (dim == -1) return (v * v).sum().sqrt();
  const int64_t ndim = v.dim();
  check<IndexError>(dim >= -ndim && dim < ndim,
                    "weight_norm: Dimension out of range (expected to be in range of [", -ndim,
                    ", ", ndim - 1, "] but got ", dim, ")");
  const int64_t d = dim < 0 ? dim + ndim : dim;
  Shape others;
  for (int64_t i = 0; i < ndim; ++i)
    if (i != d) others.push_back(i);
  if (others.empty()) return v.abs();
  return (v * v).sum(others, /*keepdim=*/true).sqrt();
}

Tensor WeightNorm::forward(const TensorList& g_and_v) {
  check<ValueError>(g_and_v.size() == 2, "_WeightNorm: forward takes g and v, got ", g_and_v.size(),
                    " tensor(s)");
  const Tensor& g = g_and_v[0];
  const Tensor& v = g_and_v[1];
  return v * (g / norm_except_dim(v, dim_));
}

TensorList WeightNorm::right_inverse(const Tensor& weight) {
  return {norm_except_dim(weight, dim_), weight};
}

nn::Module& weight_norm(nn::Module& m, const std::string& name, int64_t dim) {
  check<ValueError>(m.has(name), "weight_norm: Module '", m.type_name(),
                    "' has no parameter or buffer with name '", name, "'");
  // unsafe=true, as PyTorch: g has another shape than the weight.
  parametrize::register_parametrization(m, name, std::make_shared<WeightNorm>(dim),
                                        /*unsafe=*/true);
  return m;
}

}  // namespace paragrad::parametrizations
