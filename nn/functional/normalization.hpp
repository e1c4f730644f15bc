#pragma once
// Normalization (torch.nn.functional): batch_norm, group_norm, layer_norm, normalize.
#include <optional>

#include <paragrad/engine/export.hpp>
#include <paragrad/engine/tensor.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::nn::functional {

// input [N, C, ...]. training: normalize with the batch's statistics (biased variance) and, when
// running_mean/running_var are given, update them in place:
// running = (1 - momentum) running + momentum batch (unbiased variance). Otherwise normalize
// with the running statistics. weight/bias [C] optional.
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight = {}, const Tensor& bias = {}, bool training = false,
                  double momentum = 0.1, double eps = 1e-5);
// input [N, C, ...]: the C channels in num_groups groups, each normalized over its channels
// and the spatial dims; weight/bias [C] optional.
Tensor group_norm(const Tensor& input, int64_t num_groups, const Tensor& weight = {},
                  const Tensor& bias = {}, double eps = 1e-5);
// Normalizes over the trailing dims given by normalized_shape (biased variance).
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = {},
                  const Tensor& bias = {}, double eps = 1e-5);
// x / max(‖x‖_p, eps) along dim; p may be INFINITY. The gradient at a zero vector is 1/eps
// times the incoming gradient, as PyTorch (the norm's own subgradient there is 0).
Tensor normalize(const Tensor& x, double p = 2, int64_t dim = 1, double eps = 1e-12);

namespace detail {
// batch_norm whose errors name `who` ("BatchNorm2d(8, ...)").
Tensor batch_norm(const std::string& who, const Tensor& input, const Tensor& running_mean,
                  const Tensor& running_var, const Tensor& weight, const Tensor& bias,
                  bool training, double momentum, double eps);
Tensor group_norm(const std::string& who, const Tensor& input, int64_t num_groups,
                  const Tensor& weight, const Tensor& bias, double eps);
// ‖x‖_p along dims (keepdim), with a zero gradient where the norm is 0.
Tensor safe_norm(const Tensor& x, double p, const Shape& dims, bool keepdim);
}  // namespace detail

}  // namespace paragrad::nn::functional

PARAGRAD_API_END
