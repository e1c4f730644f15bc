#pragma once
// Losses (torch.nn.functional). reduction: "mean" (default), "sum" or "none"; it comes right
// after the target, then PyTorch's other arguments in PyTorch's order.
#include <string>

#include <paragrad/engine/export.hpp>
#include <paragrad/engine/tensor.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::nn::functional {

Tensor mse_loss(const Tensor& input, const Tensor& target, const std::string& reduction = "mean");
Tensor l1_loss(const Tensor& input, const Tensor& target, const std::string& reduction = "mean");
// 0.5 d² / beta where |d| < beta, else |d| - 0.5 beta (beta 0: l1_loss).
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target,
                      const std::string& reduction = "mean", double beta = 1.0);
// 0.5 d² where |d| < delta, else delta (|d| - 0.5 delta).
Tensor huber_loss(const Tensor& input, const Tensor& target, const std::string& reduction = "mean",
                  double delta = 1.0);
// log-probabilities [N, C] ([C], [N, C, d1, ...]) and Int64 class targets [N] ([], [N, d1, ...]).
// weight [C] rescales each class; targets equal to ignore_index count for nothing; "mean" divides
// by the summed weights of the counted targets.
Tensor nll_loss(const Tensor& input, const Tensor& target, const std::string& reduction = "mean",
                const Tensor& weight = {}, int64_t ignore_index = -100);
// logits as nll_loss's input, via log_softmax; target Int64 class indices, or class
// probabilities of the logits' shape. label_smoothing mixes in the uniform distribution.
Tensor cross_entropy(const Tensor& input, const Tensor& target,
                     const std::string& reduction = "mean", const Tensor& weight = {},
                     int64_t ignore_index = -100, double label_smoothing = 0.0);
// input probabilities in [0, 1]; each log clamped at -100, as PyTorch.
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target,
                            const std::string& reduction = "mean", const Tensor& weight = {});
// The stable form of BCE(sigmoid(x), y): (1 - y) x + (1 + (pos_weight - 1) y) softplus(-x);
// weight rescales each element (broadcast), pos_weight the positive term (broadcast over the
// last dim's classes).
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const std::string& reduction = "mean",
                                        const Tensor& weight = {}, const Tensor& pos_weight = {});
// input log-probabilities; target probabilities (log-probabilities when log_target). reduction
// also "batchmean" (sum / batch size).
Tensor kl_div(const Tensor& input, const Tensor& target, const std::string& reduction = "mean",
              bool log_target = false);
// y = 1: 1 - cos(x1, x2); y = -1: max(0, cos(x1, x2) - margin). x [N, D] or [D]; y [N] or [].
Tensor cosine_embedding_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                             double margin = 0, const std::string& reduction = "mean");
// max(0, -y (x1 - x2) + margin).
Tensor margin_ranking_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                           double margin = 0, const std::string& reduction = "mean");

}  // namespace paragrad::nn::functional

PARAGRAD_API_END
