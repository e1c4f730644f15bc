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
#include <paragrad/engine/export.hpp>

PARAGRAD_API_BEGIN

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

  // The state as named tensors (copies; serialize::save round-trips them), parameters numbered
  // across the groups in order: "state.<i>.step" (Int64 0-d) and "state.<i>.<buffer>" for each
  // parameter with state, "param_groups.<g>.<option>" (Float64 0-d) and "param_groups.<g>.params"
  // (Int64 indices) for each group, "extra.<name>" for optimizer-wide state (LBFGS).
  std::map<std::string, Tensor> state_dict() const;
  // Replaces the state and the groups' options with a state_dict()'s. Checks everything first
  // (same number and sizes of groups, known options, buffers of their parameter's shape); on
  // error nothing changes.
  void load_state_dict(const std::map<std::string, Tensor>& state);

 protected:
  Optimizer(const TensorList& params, Options defaults);
  // Called once per group and step; grads undefined are skipped by the implementations.
  virtual void step_group(ParamGroup& group) = 0;
  virtual void check_options(const Options& options) const = 0;
  // Optimizer-wide state beyond the per-parameter ParamState, as "extra.<name>" entries.
  // load_extra_state validates everything before changing anything.
  virtual void save_extra_state(std::map<std::string, Tensor>& out) const;
  virtual void load_extra_state(const std::map<std::string, Tensor>& extra);
  // Validates a group's options from load_state_dict (default: check_options).
  virtual void check_loaded_options(const Options& options) const;

 private:
  Options defaults_;
  std::vector<ParamGroup> groups_;
  std::unordered_map<const TensorImpl*, ParamState> state_;
};

}  // namespace paragrad::optim

PARAGRAD_API_END
