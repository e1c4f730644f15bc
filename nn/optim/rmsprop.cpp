#include <paragrad/nn/optim/rmsprop.hpp>

namespace paragrad::optim {

RMSprop::RMSprop(const TensorList& params, double lr, double alpha, double eps, double weight_decay,
                 double momentum, bool centered)
    : Optimizer(params, {{"lr", lr},
                         {"alpha", alpha},
                         {"eps", eps},
                         {"weight_decay", weight_decay},
                         {"momentum", momentum},
                         {"centered", centered ? 1.0 : 0.0}}) {
  add_param_group(params);
}

void RMSprop::check_options(const Options& o) const {
  check<ValueError>(o.at("lr") >= 0, "RMSprop: invalid learning rate: ", o.at("lr"));
  check<ValueError>(o.at("eps") >= 0, "RMSprop: invalid epsilon value: ", o.at("eps"));
  check<ValueError>(o.at("momentum") >= 0, "RMSprop: invalid momentum value: ", o.at("momentum"));
  check<ValueError>(o.at("weight_decay") >= 0,
                    "RMSprop: invalid weight_decay value: ", o.at("weight_decay"));
  check<ValueError>(o.at("alpha") >= 0, "RMSprop: invalid alpha value: ", o.at("alpha"));
}

void RMSprop::step_group(ParamGroup& group) {
  const double lr = group["lr"], alpha = group["alpha"], eps = group["eps"],
               weight_decay = group["weight_decay"], momentum = group["momentum"];
  const bool centered = group["centered"] != 0;
  for (auto& p : group.params) {
    Tensor grad = p.grad();
    if (!grad.defined()) continue;
    ParamState& st = state(p);
    auto& b = st.buffers;
    if (st.step == 0) {
      b["square_avg"] = zeros_like(p);
      if (momentum > 0) b["momentum_buffer"] = zeros_like(p);
      if (centered) b["grad_avg"] = zeros_like(p);
    }
    st.step += 1;
    if (weight_decay != 0) grad = grad + weight_decay * p;
    Tensor& square_avg = b["square_avg"];
    square_avg.mul_(alpha).add_(grad * grad, 1 - alpha);
    Tensor avg;
    if (centered) {
      Tensor& grad_avg = b["grad_avg"];
      if (!grad_avg.defined()) grad_avg = zeros_like(p);
      grad_avg.mul_(alpha).add_(grad, 1 - alpha);
      avg = (square_avg - grad_avg * grad_avg).sqrt() + eps;
    } else {
      avg = square_avg.sqrt() + eps;
    }
    if (momentum > 0) {
      Tensor& buf = b["momentum_buffer"];
      if (!buf.defined()) buf = zeros_like(p);
      buf.mul_(momentum).add_(grad / avg);
      p.add_(buf, -lr);
    } else {
      p.add_(grad / avg, -lr);
    }
  }
}

}  // namespace paragrad::optim
