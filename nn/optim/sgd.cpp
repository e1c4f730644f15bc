#include <paragrad/nn/optim/sgd.hpp>

namespace paragrad::optim {

SGD::SGD(const TensorList& params, double lr, double momentum, double dampening,
         double weight_decay, bool nesterov)
    : Optimizer(params, {{"lr", lr},
                         {"momentum", momentum},
                         {"dampening", dampening},
                         {"weight_decay", weight_decay},
                         {"nesterov", nesterov ? 1.0 : 0.0}}) {
  add_param_group(params);
}

void SGD::check_options(const Options& o) const {
  check<ValueError>(o.at("lr") >= 0, "SGD: invalid learning rate: ", o.at("lr"));
  check<ValueError>(o.at("momentum") >= 0, "SGD: invalid momentum value: ", o.at("momentum"));
  check<ValueError>(o.at("weight_decay") >= 0,
                    "SGD: invalid weight_decay value: ", o.at("weight_decay"));
  check<ValueError>(o.at("nesterov") == 0 || (o.at("momentum") > 0 && o.at("dampening") == 0),
                    "SGD: Nesterov momentum requires a momentum and zero dampening");
}

void SGD::step_group(ParamGroup& group) {
  const double lr = group["lr"], momentum = group["momentum"], dampening = group["dampening"],
               weight_decay = group["weight_decay"];
  const bool nesterov = group["nesterov"] != 0;
  for (auto& p : group.params) {
    const Tensor grad = p.grad();
    if (!grad.defined()) continue;
    Tensor d_p = grad;
    if (weight_decay != 0) d_p = d_p + weight_decay * p;
    if (momentum != 0) {
      auto& buffers = state(p).buffers;
      auto it = buffers.find("momentum_buffer");
      Tensor buf;
      if (it == buffers.end()) {
        buf = d_p.clone();
        buffers["momentum_buffer"] = buf;
      } else {
        buf = it->second;
        buf.mul_(momentum).add_(d_p, 1 - dampening);
      }
      d_p = nesterov ? d_p + momentum * buf : buf;
    }
    p.add_(d_p, -lr);
  }
}

}  // namespace paragrad::optim
