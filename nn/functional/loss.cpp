// Losses, as torch.nn.functional: mean reduction unless told otherwise.
#include <paragrad/nn/functional/functional.hpp>

namespace paragrad::nn::functional {

namespace {

Tensor reduce(const Tensor& loss, const std::string& reduction, const char* op) {
  if (reduction == "mean") return loss.mean();
  if (reduction == "sum") return loss.sum();
  check<ValueError>(reduction == "none", op, ": reduction must be 'mean', 'sum' or 'none', got '",
                    reduction, "'");
  return loss;
}

void check_same_shape(const Tensor& input, const Tensor& target, const char* op) {
  check<ValueError>(input.defined() && target.defined(), op, ": undefined input or target");
  check<ShapeError>(input.sizes() == target.sizes(), op, ": input shape ", shape_str(input.sizes()),
                    " and target shape ", shape_str(target.sizes()), " differ");
}

// Picks log_probs[n, target[n], d...]: [N, C, d...] with target [N, d...] (or [C] with []).
Tensor pick_targets(const Tensor& log_probs, const Tensor& target, const char* op) {
  check<DtypeError>(target.dtype() == kInt64, op, ": class targets must be int64, got ",
                    dtype_name(target.dtype()));
  check<ShapeError>(log_probs.dim() >= 1, op, ": input must have a class dim, got shape ",
                    shape_str(log_probs.sizes()));
  const int64_t class_dim = log_probs.dim() == 1 ? 0 : 1;
  const int64_t C = log_probs.size(class_dim);
  Shape expected = log_probs.shape();
  expected.erase(expected.begin() + class_dim);
  check<ShapeError>(target.shape() == expected, op, ": target shape ", shape_str(target.sizes()),
                    " does not match input shape ", shape_str(log_probs.sizes()), " (expected ",
                    shape_str(Dims(expected.begin(), expected.end())), ")");
  for (double v : target.tolist())
    check<IndexError>(v >= 0 && v < double(C), op, ": target ", int64_t(v),
                      " is out of bounds for ", C, " classes");
  return log_probs.gather(class_dim, target.unsqueeze(class_dim)).squeeze(class_dim);
}

}  // namespace

Tensor mse_loss(const Tensor& input, const Tensor& target) {
  return mse_loss(input, target, "mean");
}
Tensor mse_loss(const Tensor& input, const Tensor& target, const std::string& reduction) {
  check_same_shape(input, target, "mse_loss");
  return reduce((input - target).square(), reduction, "mse_loss");
}

Tensor l1_loss(const Tensor& input, const Tensor& target) { return l1_loss(input, target, "mean"); }
Tensor l1_loss(const Tensor& input, const Tensor& target, const std::string& reduction) {
  check_same_shape(input, target, "l1_loss");
  return reduce((input - target).abs(), reduction, "l1_loss");
}

Tensor nll_loss(const Tensor& log_probs, const Tensor& target) {
  return nll_loss(log_probs, target, "mean");
}
Tensor nll_loss(const Tensor& log_probs, const Tensor& target, const std::string& reduction) {
  check<ValueError>(log_probs.defined() && target.defined(), "nll_loss: undefined input or target");
  return reduce(-pick_targets(log_probs, target, "nll_loss"), reduction, "nll_loss");
}

Tensor cross_entropy(const Tensor& logits, const Tensor& target) {
  return cross_entropy(logits, target, "mean");
}
Tensor cross_entropy(const Tensor& logits, const Tensor& target, const std::string& reduction) {
  check<ValueError>(logits.defined() && target.defined(),
                    "cross_entropy: undefined input or target");
  check<DtypeError>(logits.is_floating_point(), "cross_entropy: logits must be floating, got ",
                    dtype_name(logits.dtype()));
  check<ShapeError>(logits.dim() >= 1, "cross_entropy: logits must have a class dim, got shape ",
                    shape_str(logits.sizes()));
  const int64_t class_dim = logits.dim() == 1 ? 0 : 1;
  const Tensor log_probs = logits.log_softmax(class_dim);
  if (target.is_floating_point()) {  // class probabilities
    check_same_shape(logits, target, "cross_entropy");
    return reduce(-(log_probs * target).sum({class_dim}), reduction, "cross_entropy");
  }
  return reduce(-pick_targets(log_probs, target, "cross_entropy"), reduction, "cross_entropy");
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target) {
  return binary_cross_entropy_with_logits(input, target, "mean");
}
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const std::string& reduction) {
  check_same_shape(input, target, "binary_cross_entropy_with_logits");
  // (1 - y) x + log(1 + e^{-x}) = softplus(x) - x y, with softplus computed stably.
  return reduce(input.softplus() - input * target, reduction, "binary_cross_entropy_with_logits");
}

}  // namespace paragrad::nn::functional
