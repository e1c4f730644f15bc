#include <paragrad/nn/optim/optimizer.hpp>

#include <set>

namespace paragrad::optim {

double& ParamGroup::operator[](const std::string& key) {
  auto it = options.find(key);
  check<ValueError>(it != options.end(), "ParamGroup: no option named '", key, "'");
  return it->second;
}
double ParamGroup::operator[](const std::string& key) const {
  auto it = options.find(key);
  check<ValueError>(it != options.end(), "ParamGroup: no option named '", key, "'");
  return it->second;
}

Optimizer::Optimizer(const TensorList& params, Options defaults) : defaults_(std::move(defaults)) {
  (void)params;  // the derived constructor adds the first group once its checks are in place
}
Optimizer::~Optimizer() = default;

void Optimizer::zero_grad() {
  for (auto& g : groups_)
    for (auto& p : g.params) p.zero_grad();
}

void Optimizer::step() {
  NoGradGuard guard;
  for (auto& g : groups_) step_group(g);
}

Tensor Optimizer::step(const std::function<Tensor()>& closure) {
  Tensor loss;
  if (closure) {
    EnableGradGuard enable;
    loss = closure();
  }
  step();
  return loss;
}

void Optimizer::add_param_group(const TensorList& params) { add_param_group(params, {}); }

void Optimizer::add_param_group(const TensorList& params, const Options& options) {
  check<ValueError>(!params.empty(), name(), ": optimizer got an empty parameter list");
  std::set<const TensorImpl*> seen;
  for (const auto& g : groups_)
    for (const auto& p : g.params) seen.insert(p.impl());
  std::set<const TensorImpl*> mine;
  for (const auto& p : params) {
    check<ValueError>(p.defined(), name(), ": cannot optimize an undefined tensor");
    check<ValueError>(p.is_floating_point(), name(), ": can only optimize floating tensors, got ",
                      dtype_name(p.dtype()));
    check<ValueError>(p.is_leaf(), name(), ": can't optimize a non-leaf Tensor");
    check<ValueError>(!seen.count(p.impl()), name(),
                      ": some parameters appear in more than one parameter group");
    check<ValueError>(mine.insert(p.impl()).second, name(),
                      ": a parameter appears twice in one parameter group");
  }
  ParamGroup g{params, defaults_};
  for (const auto& [k, v] : options) {
    check<ValueError>(defaults_.count(k), name(), ": unknown option '", k, "'");
    g.options[k] = v;
  }
  check_options(g.options);
  groups_.push_back(std::move(g));
}

ParamState& Optimizer::state(const Tensor& param) { return state_[param.impl()]; }
bool Optimizer::has_state(const Tensor& param) const { return state_.count(param.impl()) > 0; }
void Optimizer::reset_state(const Tensor& param) { state_.erase(param.impl()); }

}  // namespace paragrad::optim
