#pragma once
// Adagrad, as torch.optim.Adagrad (single-tensor path):
//   g += wd p;  clr = lr / (1 + (t - 1) lr_decay);  sum += g²;  p -= clr g / (sqrt(sum) + eps).
#include <paragrad/engine/export.hpp>
#include <paragrad/nn/optim/optimizer.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::optim {

class Adagrad : public Optimizer {
 public:
  Adagrad(const TensorList& params, double lr = 1e-2, double lr_decay = 0, double weight_decay = 0,
          double initial_accumulator_value = 0, double eps = 1e-10);
  std::string name() const override { return "Adagrad"; }

 protected:
  void step_group(ParamGroup& group) override;
  void check_options(const Options& o) const override;
};

}  // namespace paragrad::optim

PARAGRAD_API_END
