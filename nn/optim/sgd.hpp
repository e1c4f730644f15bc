#pragma once
// SGD with momentum, dampening, weight decay and Nesterov momentum, as torch.optim.SGD:
//   g = grad + wd p;  b = g (first step) or momentum b + (1 - dampening) g;
//   g = g + momentum b (nesterov) or b;  p -= lr g.
#include <paragrad/engine/export.hpp>
#include <paragrad/nn/optim/optimizer.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::optim {

class SGD : public Optimizer {
 public:
  SGD(const TensorList& params, double lr, double momentum = 0, double dampening = 0,
      double weight_decay = 0, bool nesterov = false);
  std::string name() const override { return "SGD"; }

 protected:
  void step_group(ParamGroup& group) override;
  void check_options(const Options& o) const override;
};

}  // namespace paragrad::optim

PARAGRAD_API_END
