#pragma once
// Stateless versions of the layers and the losses (torch.nn.functional). Values and
// gradients follow PyTorch's; every function is differentiable to any order.
#include <string>

#include <paragrad/engine/tensor.hpp>

namespace paragrad::nn::functional {

// --- layers
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = {});  // x W^T + b
Tensor relu(const Tensor& x);
Tensor erf(const Tensor& x);  // the error function (elementwise, differentiable)
// approximate: "none" (0.5 x (1 + erf(x/√2))) or "tanh"
Tensor gelu(const Tensor& x, const std::string& approximate = "none");
Tensor softplus(const Tensor& x, double beta = 1, double threshold = 20);
// Normalizes over the trailing dims given by normalized_shape (biased variance).
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = {},
                  const Tensor& bias = {}, double eps = 1e-5);
// In training, zeroes each element with probability p and scales the rest by 1/(1-p).
Tensor dropout(const Tensor& x, double p = 0.5, bool training = true);
// Rows of weight picked by Int64 indices: result shape indices.shape + [dim].
Tensor embedding(const Tensor& indices, const Tensor& weight);

// --- losses; reduction is "mean" (default), "sum" or "none"
Tensor mse_loss(const Tensor& input, const Tensor& target);
Tensor mse_loss(const Tensor& input, const Tensor& target, const std::string& reduction);
Tensor l1_loss(const Tensor& input, const Tensor& target);
Tensor l1_loss(const Tensor& input, const Tensor& target, const std::string& reduction);
// logits [N, C] (or [C], or [N, C, d1, ...]); target Int64 class indices [N] ([], [N, d1, ...]),
// or floating class probabilities of the logits' shape. Computed via log_softmax.
Tensor cross_entropy(const Tensor& logits, const Tensor& target);
Tensor cross_entropy(const Tensor& logits, const Tensor& target, const std::string& reduction);
// log-probabilities [N, C] (as cross_entropy) and Int64 targets.
Tensor nll_loss(const Tensor& log_probs, const Tensor& target);
Tensor nll_loss(const Tensor& log_probs, const Tensor& target, const std::string& reduction);
// mean(softplus(x) - x y): the stable form of BCE(sigmoid(x), y); gradient sigmoid(x) - y.
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target);
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const std::string& reduction);

}  // namespace paragrad::nn::functional
