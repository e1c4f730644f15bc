#pragma once
// RMSprop, as torch.optim.RMSprop:
//   v = α v + (1-α) g²;  avg = sqrt(v - ḡ²) (centered, ḡ = α ḡ + (1-α) g) or sqrt(v);  avg += eps
//   b = momentum b + g / avg, p -= lr b (momentum > 0)  or  p -= lr g / avg.
#include <paragrad/engine/export.hpp>
#include <paragrad/nn/optim/optimizer.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::optim {

class RMSprop : public Optimizer {
 public:
  RMSprop(const TensorList& params, double lr = 1e-2, double alpha = 0.99, double eps = 1e-8,
          double weight_decay = 0, double momentum = 0, bool centered = false);
  std::string name() const override { return "RMSprop"; }

 protected:
  void step_group(ParamGroup& group) override;
  void check_options(const Options& o) const override;
};

}  // namespace paragrad::optim

PARAGRAD_API_END
