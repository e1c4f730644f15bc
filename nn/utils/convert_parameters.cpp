#include <paragrad/nn/utils/convert_parameters.hpp>

#include <paragrad/engine/autograd/grad_mode.hpp>

namespace paragrad::nn::utils {

Tensor parameters_to_vector(const TensorList& params) {
  check<ValueError>(!params.empty(), "parameters_to_vector: no parameters");
  TensorList flat;
  for (const auto& p : params) {
    check<ValueError>(p.defined(), "parameters_to_vector: undefined parameter");
    flat.push_back(p.reshape({-1}));
  }
  return cat(flat, 0);
}

void vector_to_parameters(const Tensor& vec, const TensorList& params) {
  check<ValueError>(vec.defined(), "vector_to_parameters: undefined vector");
  check<ShapeError>(vec.dim() == 1, "vector_to_parameters: expected a 1-d vector, got shape ",
                    shape_str(vec.sizes()));
  int64_t total = 0;
  for (const auto& p : params) {
    check<ValueError>(p.defined(), "vector_to_parameters: undefined parameter");
    total += p.numel();
  }
  check<ShapeError>(total == vec.numel(), "vector_to_parameters: vector of shape ",
                    shape_str(vec.sizes()), " does not match the ", total,
                    " elements of the parameters");
  NoGradGuard no_grad;
  int64_t offset = 0;
  for (const auto& p : params) {
    Tensor dst = p.detach();
    dst.copy_(vec.detach().narrow(0, offset, p.numel()).reshape(p.shape()));
    offset += p.numel();
  }
}

}  // namespace paragrad::nn::utils
