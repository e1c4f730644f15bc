#include <paragrad/nn/utils/clip_grad.hpp>

#include <algorithm>
#include <cmath>

#include <paragrad/engine/autograd/grad_mode.hpp>

namespace paragrad::nn::utils {

double clip_grad_norm_(const TensorList& params, double max_norm, double norm_type,
                       bool error_if_nonfinite) {
  check<ValueError>(norm_type > 0 || std::isinf(norm_type),
                    "clip_grad_norm_: norm_type must be positive or inf, got ", norm_type);
  TensorList grads;
  for (const auto& p : params) {
    check<ValueError>(p.defined(), "clip_grad_norm_: undefined parameter");
    if (p.grad().defined()) grads.push_back(p.grad().detach());
  }
  if (grads.empty()) return 0.0;
  NoGradGuard no_grad;
  double total = 0;
  if (std::isinf(norm_type)) {
    for (const auto& g : grads)
      for (double v : g.tolist())
        total = std::isnan(v) || std::isnan(total) ? NAN : std::max(total, std::abs(v));
  } else {
    // the norm of the per-tensor norms, as PyTorch
    for (const auto& g : grads) {
      double s = 0;
      for (double v : g.tolist()) s += std::pow(std::abs(v), norm_type);
      total += std::pow(std::pow(s, 1.0 / norm_type), norm_type);
    }
    total = std::pow(total, 1.0 / norm_type);
  }
  check<ValueError>(!error_if_nonfinite || std::isfinite(total),
                    "clip_grad_norm_: the total norm of order ", norm_type,
                    " for gradients from `parameters` is non-finite, so it cannot be clipped");
  const double coef = std::min(max_norm / (total + 1e-6), 1.0);
  for (auto& g : grads) g.mul_(coef);
  return total;
}

void clip_grad_value_(const TensorList& params, double clip_value) {
  check<ValueError>(clip_value >= 0, "clip_grad_value_: clip_value must be non-negative, got ",
                    clip_value);
  NoGradGuard no_grad;
  for (const auto& p : params) {
    check<ValueError>(p.defined(), "clip_grad_value_: undefined parameter");
    Tensor g = p.grad();
    if (g.defined()) g.detach().clamp_(-clip_value, clip_value);
  }
}

}  // namespace paragrad::nn::utils
