#include <paragrad/nn/optim/adam.hpp>

#include <cmath>
#include <initializer_list>
#include <type_traits>

#include <paragrad/nn/optim/adam_kernel.hpp>
#include <paragrad_build/levels_built.hpp>

namespace paragrad::optim {

Adam::Adam(const TensorList& params, double lr, std::pair<double, double> betas, double eps,
           double weight_decay, bool amsgrad)
    : Adam(params, lr, betas, eps, weight_decay, amsgrad, false) {}

Adam::Adam(const TensorList& params, double lr, std::pair<double, double> betas, double eps,
           double weight_decay, bool amsgrad, bool decoupled)
    : Optimizer(params, {{"lr", lr},
                         {"beta1", betas.first},
                         {"beta2", betas.second},
                         {"eps", eps},
                         {"weight_decay", weight_decay},
                         {"amsgrad", amsgrad ? 1.0 : 0.0}}),
      decoupled_(decoupled) {
  add_param_group(params);
}

AdamW::AdamW(const TensorList& params, double lr, std::pair<double, double> betas, double eps,
             double weight_decay, bool amsgrad)
    : Adam(params, lr, betas, eps, weight_decay, amsgrad, true) {}

void Adam::check_options(const Options& o) const {
  check<ValueError>(o.at("lr") >= 0, name(), ": invalid learning rate: ", o.at("lr"));
  check<ValueError>(o.at("eps") >= 0, name(), ": invalid epsilon value: ", o.at("eps"));
  check<ValueError>(o.at("beta1") >= 0 && o.at("beta1") < 1, name(),
                    ": invalid beta parameter at index 0: ", o.at("beta1"));
  check<ValueError>(o.at("beta2") >= 0 && o.at("beta2") < 1, name(),
                    ": invalid beta parameter at index 1: ", o.at("beta2"));
  check<ValueError>(o.at("weight_decay") >= 0, name(),
                    ": invalid weight_decay value: ", o.at("weight_decay"));
}

namespace {

bool fusable(const Tensor& p, const TensorList& others) {
  if (!p.is_contiguous()) return false;
  for (const Tensor& t : others)
    if (!t.defined() || t.dtype() != p.dtype() || t.sizes() != p.sizes() || !t.is_contiguous() ||
        t.impl()->storage == p.impl()->storage)
      return false;
  return true;
}

}  // namespace

void Adam::step_group(ParamGroup& group) {
  const double lr = group["lr"], beta1 = group["beta1"], beta2 = group["beta2"], eps = group["eps"],
               weight_decay = group["weight_decay"];
  const bool amsgrad = group["amsgrad"] != 0;
  for (auto& p : group.params) {
    Tensor grad = p.grad();
    if (!grad.defined()) continue;
    grad = grad.contiguous();  // (a weight's gradient may come out of matmul transposed)
    ParamState& st = state(p);
    if (st.step == 0) {
      st.buffers["exp_avg"] = zeros_like(p);
      st.buffers["exp_avg_sq"] = zeros_like(p);
    }
    if (amsgrad && !st.buffers["max_exp_avg_sq"].defined())
      st.buffers["max_exp_avg_sq"] = zeros_like(p);
    st.step += 1;
    Tensor& exp_avg = st.buffers["exp_avg"];
    Tensor& exp_avg_sq = st.buffers["exp_avg_sq"];
    const Tensor max_sq = amsgrad ? st.buffers["max_exp_avg_sq"] : Tensor();

    const double t = double(st.step);
    const double bias_correction1 = 1 - std::pow(beta1, t);
    const double bias_correction2_sqrt = std::sqrt(1 - std::pow(beta2, t));
    const double step_size = lr / bias_correction1;

    TensorList operands{grad, exp_avg, exp_avg_sq};
    if (amsgrad) operands.push_back(max_sq);
    if (fusable(p, operands)) {
      // One pass over the elements on the CPU level's kernel (adam_level.cpp): the arithmetic
      // of the op-by-op path below, in the same order and precision.
      const kernels::AdamStep a{lr,        beta1,        beta2,
                                eps,       weight_decay, bias_correction2_sqrt,
                                step_size, amsgrad,      decoupled_};
      const kernels::AdamKernels& k = kernels::select(PARAGRAD_LEVEL_TABLES(adam_kernels));
      dispatch_floating(p.dtype(), "Adam.step", [&](auto tag) {
        using T = decltype(tag);
        T* vmax = amsgrad ? max_sq.data_ptr<T>() : nullptr;
        if constexpr (std::is_same<T, float>::value)
          k.f32(p.data_ptr<T>(), grad.data_ptr<T>(), exp_avg.data_ptr<T>(),
                exp_avg_sq.data_ptr<T>(), vmax, p.numel(), a);
        else
          k.f64(p.data_ptr<T>(), grad.data_ptr<T>(), exp_avg.data_ptr<T>(),
                exp_avg_sq.data_ptr<T>(), vmax, p.numel(), a);
      });
      for (const Tensor* x :
           std::initializer_list<const Tensor*>{&p, &exp_avg, &exp_avg_sq, &max_sq})
        if (x->defined()) autograd::increment_version(*x);
      continue;
    }

    if (weight_decay != 0) {
      if (decoupled_)
        p.mul_(1 - lr * weight_decay);
      else
        grad = grad + weight_decay * p;
    }
    exp_avg.mul_(beta1).add_(grad, 1 - beta1);
    exp_avg_sq.mul_(beta2).add_(grad * grad, 1 - beta2);
    Tensor second = exp_avg_sq;
    if (amsgrad) {
      Tensor max = max_sq;
      max.copy_(maximum(max, exp_avg_sq));
      second = max;
    }
    const Tensor denom = second.sqrt() / bias_correction2_sqrt + eps;
    p.add_(exp_avg / denom, -step_size);
  }
}

}  // namespace paragrad::optim
