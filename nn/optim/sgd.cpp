#include <paragrad/engine/autograd/engine.hpp>
#include <paragrad/engine/detail/parallel.hpp>
#include <paragrad/nn/optim/sgd.hpp>

namespace paragrad::optim {

namespace {

// The momentum step `buf.mul_(momentum).add_(grad, 1 - dampening); p.add_(buf, -lr)` in one pass
// over the three tensors (one parallel region, each element read and written once), when they
// are float32 or float64 alike, contiguous, of one shape and in three storages; false (nothing
// done) otherwise. The arithmetic is the three ops' own, element by element: the scalars
// converted to the dtype, each product and sum rounded to it (the library compiles with
// -ffp-contract=off), so the result is the same bit for bit (tests/nn/test_optim.cpp).
bool fused_momentum_step(const Tensor& p, const Tensor& grad, const Tensor& buf, double momentum,
                         double dampening, double lr) {
  const Dtype d = p.dtype();
  if ((d != kFloat32 && d != kFloat64) || grad.dtype() != d || buf.dtype() != d ||
      !p.is_contiguous() || !grad.is_contiguous() || !buf.is_contiguous() ||
      grad.sizes() != p.sizes() || buf.sizes() != p.sizes())
    return false;
  const auto* sp = p.impl()->storage.get();
  const auto* sg = grad.impl()->storage.get();
  const auto* sb = buf.impl()->storage.get();
  if (sp == sg || sp == sb || sg == sb) return false;
  dispatch_floating(d, "SGD", [&](auto tag) {
    using T = decltype(tag);
    const T m = static_cast<T>(momentum), a = static_cast<T>(1 - dampening),
            step = static_cast<T>(-lr);
    T* pp = p.data_ptr<T>();
    const T* pg = grad.data_ptr<T>();
    T* pb = buf.data_ptr<T>();
    detail::parallel_for(p.numel(), detail::kParallelElementwiseGrain, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) {
        const T b = pb[i] * m + a * pg[i];
        pb[i] = b;
        pp[i] = pp[i] + step * b;
      }
    });
  });
  autograd::increment_version(buf);
  autograd::increment_version(p);
  return true;
}

}  // namespace

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
        if (!nesterov && fused_momentum_step(p, d_p, buf, momentum, dampening, lr)) continue;
        buf.mul_(momentum).add_(d_p, 1 - dampening);
      }
      d_p = nesterov ? d_p + momentum * buf : buf;
    }
    p.add_(d_p, -lr);
  }
}

}  // namespace paragrad::optim
