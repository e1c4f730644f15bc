#pragma once
// Stateless versions of the layers and the losses (torch.nn.functional). Values and
// gradients follow PyTorch's; every function is differentiable to any order.
#include <string>

#include <paragrad/engine/export.hpp>
#include <paragrad/engine/tensor.hpp>
#include <paragrad/nn/functional/conv.hpp>
#include <paragrad/nn/functional/loss.hpp>
#include <paragrad/nn/functional/normalization.hpp>
#include <paragrad/nn/functional/padding.hpp>
#include <paragrad/nn/functional/pooling.hpp>
#include <paragrad/nn/functional/upsampling.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::nn::functional {

// --- layers
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = {});  // x W^T + b
// In training, zeroes each element with probability p and scales the rest by 1/(1-p).
Tensor dropout(const Tensor& x, double p = 0.5, bool training = true);
// Rows of weight picked by Int64 indices: result shape indices.shape + [dim].
Tensor embedding(const Tensor& indices, const Tensor& weight);
// Int64 class indices [...] -> Int64 [..., num_classes]; num_classes -1: max index + 1.
Tensor one_hot(const Tensor& indices, int64_t num_classes = -1);

// --- activations
Tensor relu(const Tensor& x);
Tensor erf(const Tensor& x);  // the error function (elementwise, differentiable)
// approximate: "none" (0.5 x (1 + erf(x/√2))) or "tanh"
Tensor gelu(const Tensor& x, const std::string& approximate = "none");
Tensor softplus(const Tensor& x, double beta = 1, double threshold = 20);
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);
Tensor elu(const Tensor& x, double alpha = 1);  // x > 0 ? x : alpha (e^x - 1)
Tensor silu(const Tensor& x);                   // x sigmoid(x)
Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);

}  // namespace paragrad::nn::functional

PARAGRAD_API_END
