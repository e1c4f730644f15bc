#pragma once
// torch.nn.utils.parameters_to_vector / vector_to_parameters.
#include <paragrad/engine/export.hpp>
#include <paragrad/engine/tensor.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::nn::utils {

// The parameters flattened and concatenated (differentiable, like PyTorch's cat of views).
Tensor parameters_to_vector(const TensorList& params);
// Copies consecutive slices of the 1-d vec into the parameters (in place, without recording a
// graph); vec must have exactly as many elements as the parameters together.
void vector_to_parameters(const Tensor& vec, const TensorList& params);

}  // namespace paragrad::nn::utils

PARAGRAD_API_END
