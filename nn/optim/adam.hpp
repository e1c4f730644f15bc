#pragma once
// Adam and AdamW, as torch.optim (single-tensor path):
//   m = β1 m + (1-β1) g;  v = β2 v + (1-β2) g²;  v̂max = max(v̂max, v) (amsgrad)
//   p -= lr / (1-β1^t) · m / (sqrt(v) / sqrt(1-β2^t) + eps)
// Adam adds weight decay to the gradient (g += wd p); AdamW decays the weight (p *= 1 - lr wd).
#include <utility>

#include <paragrad/engine/export.hpp>
#include <paragrad/nn/optim/optimizer.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::optim {

class Adam : public Optimizer {
 public:
  Adam(const TensorList& params, double lr = 1e-3, std::pair<double, double> betas = {0.9, 0.999},
       double eps = 1e-8, double weight_decay = 0, bool amsgrad = false);
  std::string name() const override { return decoupled_ ? "AdamW" : "Adam"; }

 protected:
  Adam(const TensorList& params, double lr, std::pair<double, double> betas, double eps,
       double weight_decay, bool amsgrad, bool decoupled);
  void step_group(ParamGroup& group) override;
  void check_options(const Options& o) const override;

 private:
  bool decoupled_;
};

class AdamW : public Adam {
 public:
  AdamW(const TensorList& params, double lr = 1e-3, std::pair<double, double> betas = {0.9, 0.999},
        double eps = 1e-8, double weight_decay = 1e-2, bool amsgrad = false);
};

}  // namespace paragrad::optim

PARAGRAD_API_END
