// Optimizer::state_dict / load_state_dict: the optimizer's state as a flat map of tensors, so a
// training run saved with serialize::save resumes bit for bit.
#include <paragrad/nn/optim/optimizer.hpp>

#include <cstdlib>

namespace paragrad::optim {

namespace {

// "state.12.exp_avg" -> (12, "exp_avg"); false if the key does not have that form.
bool split_key(const std::string& key, const std::string& prefix, size_t& index,
               std::string& name) {
  if (key.compare(0, prefix.size(), prefix) != 0) return false;
  const size_t dot = key.find('.', prefix.size());
  if (dot == std::string::npos || dot == prefix.size() || dot + 1 == key.size()) return false;
  const std::string num = key.substr(prefix.size(), dot - prefix.size());
  if (num.find_first_not_of("0123456789") != std::string::npos || num.size() > 18) return false;
  index = size_t(std::strtoull(num.c_str(), nullptr, 10));
  name = key.substr(dot + 1);
  return true;
}

}  // namespace

void Optimizer::save_extra_state(std::map<std::string, Tensor>&) const {}
void Optimizer::check_loaded_options(const Options& options) const { check_options(options); }
void Optimizer::load_extra_state(const std::map<std::string, Tensor>& extra) {
  check<ValueError>(extra.empty(), name(), ".load_state_dict: unexpected key '",
                    extra.empty() ? std::string() : extra.begin()->first, "'");
}

std::map<std::string, Tensor> Optimizer::state_dict() const {
  std::map<std::string, Tensor> out;
  size_t i = 0;
  for (size_t g = 0; g < groups_.size(); ++g) {
    const ParamGroup& group = groups_[g];
    std::vector<double> ids;
    for (const auto& p : group.params) {
      ids.push_back(double(i));
      auto it = state_.find(p.impl());
      if (it != state_.end()) {
        const std::string prefix = cat("state.", i, ".");
        out[prefix + "step"] = scalar(double(it->second.step), kInt64);
        for (const auto& [n, b] : it->second.buffers)
          if (b.defined()) out[prefix + n] = b.detach().clone();
      }
      ++i;
    }
    const std::string prefix = cat("param_groups.", g, ".");
    for (const auto& [k, v] : group.options) out[prefix + k] = scalar(v, kFloat64);
    out[prefix + "params"] = tensor(ids, {int64_t(ids.size())}, kInt64);
  }
  save_extra_state(out);
  return out;
}

void Optimizer::load_state_dict(const std::map<std::string, Tensor>& state) {
  const std::string who = name() + ".load_state_dict";
  std::vector<const Tensor*> params;
  for (const auto& g : groups_)
    for (const auto& p : g.params) params.push_back(&p);
  // Parse and check everything first.
  std::vector<Options> options(groups_.size());
  std::vector<bool> group_seen(groups_.size(), false);
  std::vector<ParamState> states(params.size());
  std::vector<bool> has(params.size(), false);
  std::map<std::string, Tensor> extra;
  for (const auto& [key, t] : state) {
    check<ValueError>(t.defined(), who, ": undefined tensor for '", key, "'");
    size_t idx;
    std::string n;
    if (key.compare(0, 6, "extra.") == 0) {
      extra.emplace(key, t);
    } else if (split_key(key, "param_groups.", idx, n)) {
      check<ValueError>(idx < groups_.size(), who, ": '", key, "' names parameter group ", idx,
                        ", but the optimizer has ", groups_.size());
      group_seen[idx] = true;
      if (n == "params") {
        check<ValueError>(t.dim() == 1 && t.size(0) == int64_t(groups_[idx].params.size()), who,
                          ": loaded parameter group ", idx, " has ", t.numel(),
                          " parameters, the optimizer's has ", groups_[idx].params.size());
        continue;
      }
      check<ValueError>(groups_[idx].options.count(n), who, ": unknown option '", n, "' in '", key,
                        "'");
      check<ValueError>(t.numel() == 1 && t.dtype() != kBool, who, ": option '", key,
                        "' must be a single number, got shape ", shape_str(t.sizes()));
      options[idx][n] = t.to(kFloat64).item<double>();
    } else if (split_key(key, "state.", idx, n)) {
      check<ValueError>(idx < params.size(), who, ": '", key, "' names parameter ", idx,
                        ", but the optimizer has ", params.size());
      has[idx] = true;
      if (n == "step") {
        check<ValueError>(t.numel() == 1 && t.dtype() != kBool, who, ": '", key,
                          "' must be a single number");
        states[idx].step = int64_t(t.to(kFloat64).item<double>());
      } else {
        const Tensor& p = *params[idx];
        check<ShapeError>(t.sizes() == p.sizes(), who, ": '", key, "' has shape ",
                          shape_str(t.sizes()), ", its parameter ", shape_str(p.sizes()));
        check<DtypeError>(t.is_floating_point(), who, ": '", key, "' must be floating, got ",
                          dtype_name(t.dtype()));
        states[idx].buffers[n] = t.detach().to(p.dtype()).contiguous().clone();
      }
    } else {
      throw ValueError(cat(who, ": unexpected key '", key, "'"));
    }
  }
  for (size_t g = 0; g < groups_.size(); ++g)
    check<ValueError>(group_seen[g], who, ": the state has no parameter group ", g,
                      " (the optimizer has ", groups_.size(), ")");
  for (size_t g = 0; g < groups_.size(); ++g) {
    Options merged = groups_[g].options;
    for (const auto& [k, v] : options[g]) merged[k] = v;
    check_loaded_options(merged);
    options[g] = std::move(merged);
  }
  load_extra_state(extra);  // validates before changing anything
  // Commit.
  for (size_t g = 0; g < groups_.size(); ++g) groups_[g].options = options[g];
  state_.clear();
  for (size_t i = 0; i < params.size(); ++i)
    if (has[i]) state_[params[i]->impl()] = std::move(states[i]);
}

}  // namespace paragrad::optim
