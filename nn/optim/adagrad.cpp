#include <paragrad/nn/optim/adagrad.hpp>

namespace paragrad::optim {

Adagrad::Adagrad(const TensorList& params, double lr, double lr_decay, double weight_decay,
                 double initial_accumulator_value, double eps)
    : Optimizer(params, {{"lr", lr},
                         {"lr_decay", lr_decay},
                         {"weight_decay", weight_decay},
                         {"initial_accumulator_value", initial_accumulator_value},
                         {"eps", eps}}) {
  add_param_group(params);
}

void Adagrad::check_options(const Options& o) const {
  check<ValueError>(o.at("lr") >= 0, "Adagrad: invalid learning rate: ", o.at("lr"));
  check<ValueError>(o.at("lr_decay") >= 0, "Adagrad: invalid lr_decay value: ", o.at("lr_decay"));
  check<ValueError>(o.at("weight_decay") >= 0,
                    "Adagrad: invalid weight_decay value: ", o.at("weight_decay"));
  check<ValueError>(
      o.at("initial_accumulator_value") >= 0,
      "Adagrad: invalid initial_accumulator_value value: ", o.at("initial_accumulator_value"));
  check<ValueError>(o.at("eps") >= 0, "Adagrad: invalid epsilon value: ", o.at("eps"));
}

void Adagrad::step_group(ParamGroup& group) {
  const double lr = group["lr"], lr_decay = group["lr_decay"], weight_decay = group["weight_decay"],
               eps = group["eps"];
  for (auto& p : group.params) {
    Tensor grad = p.grad();
    if (!grad.defined()) continue;
    ParamState& st = state(p);
    Tensor& sum = st.buffers["sum"];
    if (!sum.defined()) sum = full_like(p, group["initial_accumulator_value"]);
    st.step += 1;
    if (weight_decay != 0) grad = grad + weight_decay * p;
    const double clr = lr / (1 + double(st.step - 1) * lr_decay);
    sum.add_(grad * grad);
    p.add_(grad / (sum.sqrt() + eps), -clr);
  }
}

}  // namespace paragrad::optim
