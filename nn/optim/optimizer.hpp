#pragma once
// Optimizer: parameter groups, each with its own options (a name -> number map, keys fixed by
// the optimizer's defaults), per-parameter state, zero_grad and step. Updates run in place
// under NoGradGuard, so the parameters stay the same tensors (and leaves).
#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include <paragrad/engine/engine.hpp>

namespace paragrad::optim {

using Options = std::map<std::string, double>;

struct ParamGroup {
  TensorList params;
  Options options;
  double& operator[](const std::string& key);  // Error naming the key if absent
  double operator[](const std::string& key) const;
};

// Per-parameter state: a step counter and named buffers (exp_avg, momentum_buffer, ...).
struct ParamState {
  int64_t step = 0;
  std::map<std::string, Tensor> buffers;
};

class Optimizer {
 public:
  virtual ~Optimizer();
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // Every parameter's grad becomes undefined (PyTorch's set_to_none=True).
  void zero_grad();
  virtual void step();
  // Evaluates closure (with grad enabled) and steps; returns the closure's loss. LBFGS
  // re-evaluates it during its line search.
  virtual Tensor step(const std::function<Tensor()>& closure);

  // A new group with the optimizer's defaults, overridden by `options` (keys must exist).
  void add_param_group(const TensorList& params);
  void add_param_group(const TensorList& params, const Options& options);
  std::vector<ParamGroup>& param_groups() { return groups_; }
  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  const Options& defaults() const { return defaults_; }
  ParamState& state(const Tensor& param);  // created empty on first use
  bool has_state(const Tensor& param) const;
  // Forgets param's state (step count, moments, history), as for a parameter never stepped:
  // for a parameter whose coordinates changed under it (constraints::update_base).
  virtual void reset_state(const Tensor& param);
  virtual std::string name() const = 0;

 protected:
  Optimizer(const TensorList& params, Options defaults);
  // Called once per group and step; grads undefined are skipped by the implementations.
  virtual void step_group(ParamGroup& group) = 0;
  virtual void check_options(const Options& options) const = 0;

 private:
  Options defaults_;
  std::vector<ParamGroup> groups_;
  std::unordered_map<const TensorImpl*, ParamState> state_;
};

}  // namespace paragrad::optim
