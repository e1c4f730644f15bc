#pragma once
// Module: the base of every layer. It owns, in registration order, parameters, buffers and
// child modules, and reaches them by name (`get`, `set`) and by dotted path
// ("0.weight", "parametrizations.weight.original").
//
// Extension point: a TensorProvider installed with set_tensor_provider() answers get/set/has
// for the names it provides before parameters and buffers are consulted. The parametrize layer
// (above nn) plugs in through it, so nn never depends on parametrize.
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <paragrad/engine/engine.hpp>
#include <paragrad/engine/export.hpp>
#include <paragrad/nn/parameter.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::nn {

class Module;

// Supplies tensors a Module computes rather than stores (e.g. parametrized weights).
// Consulted first by Module::get/set/has for every name it provides.
class TensorProvider {
 public:
  virtual ~TensorProvider();
  virtual bool provides(const std::string& name) const = 0;
  virtual Tensor get(Module& owner, const std::string& name) = 0;
  virtual void set(Module& owner, const std::string& name, const Tensor& value) = 0;
};

class Module {
 public:
  Module() = default;
  virtual ~Module();
  Module(const Module&) = delete;  // modules are reference objects, like PyTorch's
  Module& operator=(const Module&) = delete;

  virtual Tensor forward(const Tensor& x);  // modules with one input override this
  Tensor operator()(const Tensor& x) { return forward(x); }

  // --- registration. A name is non-empty, has no '.', and is used by one kind of slot.
  // Registering an existing parameter (buffer, module) name replaces it in place (same
  // position). A leaf tensor is stored as the same handle (so optimizers holding it stay
  // valid); a non-leaf is detached first. An undefined tensor registers an empty slot
  // (like PyTorch's `None`): get() returns it, traversals skip it.
  void register_parameter(const std::string& name, Tensor value, bool requires_grad = true);
  void register_buffer(const std::string& name, Tensor value, bool persistent = true);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    static_assert(std::is_base_of<Module, M>::value, "register_module: M must derive from Module");
    register_module_impl(name, module);
    return module;
  }
  // Removal returns what was stored; Error when the name is not of that kind.
  Tensor remove_parameter(const std::string& name);
  Tensor remove_buffer(const std::string& name);
  std::shared_ptr<Module> remove_module(const std::string& name);

  bool has_parameter(const std::string& name) const;  // own slots only (no dots)
  bool has_buffer(const std::string& name) const;
  bool has_module(const std::string& name) const;
  bool is_persistent_buffer(const std::string& name) const;
  std::shared_ptr<Module> child(const std::string& name) const;  // Error if absent
  // The stored handle itself (own slots only); Error if absent. Assigning to it replaces the
  // slot's tensor without any check.
  Tensor& parameter_slot(const std::string& name);
  Tensor& buffer_slot(const std::string& name);

  // --- access by name: provider first, then parameters, then buffers. A dotted name is
  // resolved through children ("0.weight"). Error names the module type and the name.
  Tensor get(const std::string& name);
  // Provider: provider->set. Parameter/buffer: copied in place under NoGradGuard (dtype
  // converted; a shape mismatch is an Error naming both shapes).
  void set(const std::string& name, const Tensor& value);
  bool has(const std::string& name) const;

  void set_tensor_provider(std::shared_ptr<TensorProvider> provider);
  std::shared_ptr<TensorProvider> tensor_provider() const { return provider_; }

  // --- traversal, registration order, dotted names, duplicates (same tensor) listed once.
  std::vector<std::pair<std::string, Tensor>> named_parameters(bool recurse = true) const;
  std::vector<std::pair<std::string, Tensor>> named_buffers(bool recurse = true) const;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_children() const;
  // This module (name "") and every descendant, pre-order, each module once.
  std::vector<std::pair<std::string, Module*>> named_modules(const std::string& prefix = "");
  std::vector<std::pair<std::string, const Module*>> named_modules(
      const std::string& prefix = "") const;
  TensorList parameters(bool recurse = true) const;
  TensorList buffers(bool recurse = true) const;
  std::vector<std::shared_ptr<Module>> children() const;
  // fn on every descendant (children first, as PyTorch) and then on this module.
  Module& apply(const std::function<void(Module&)>& fn);

  // --- mode, state
  virtual void train(bool on = true);  // this module and every descendant
  void eval() { train(false); }
  bool is_training() const { return training_; }
  void zero_grad();  // every parameter's grad becomes undefined (set_to_none)
  // Floating parameters and buffers converted to dtype (integer/bool buffers kept). Slots
  // whose dtype changes receive new tensors: build optimizers after to().
  Module& to(Dtype dtype);

  // Keys as named_parameters + persistent named_buffers (no de-duplication); the values
  // share storage with the module's tensors and carry no autograd state.
  std::map<std::string, Tensor> state_dict() const;
  // Checks everything first (strict: missing and unexpected keys; always: shapes), then
  // copies in place under NoGradGuard, so optimizers built earlier stay valid.
  void load_state_dict(const std::map<std::string, Tensor>& state, bool strict = true);
  // The keys load_state_dict(state, false) would report as missing / unexpected.
  std::pair<std::vector<std::string>, std::vector<std::string>> missing_and_unexpected_keys(
      const std::map<std::string, Tensor>& state) const;
  void save(const std::string& path) const;  // state_dict as safetensors
  void load(const std::string& path, bool strict = true);

  // --- naming and printing
  // type_name_override() when set, else class_name(). Subclasses override class_name().
  virtual std::string type_name() const;
  virtual std::string class_name() const;  // "Linear"; default: the demangled C++ class name
  void set_type_name_override(std::string name) { type_name_override_ = std::move(name); }
  const std::string& type_name_override() const { return type_name_override_; }
  virtual std::string extra_repr() const { return ""; }  // "in_features=4, ..." in repr
  std::string repr() const;                              // PyTorch-style module tree

 protected:
  void register_module_impl(const std::string& name, std::shared_ptr<Module> module);

 private:
  struct BufferSlot {
    Tensor tensor;
    bool persistent = true;
  };
  template <class V>
  using Slots = std::vector<std::pair<std::string, V>>;

  void check_new_name(const std::string& name, const char* kind) const;
  // The module holding a dotted name's last component, and that component; nullptr if a
  // child on the path is missing.
  Module* resolve(const std::string& name, std::string& leaf);
  const Module* resolve(const std::string& name, std::string& leaf) const;
  Tensor* find_tensor(const std::string& name, bool& is_parameter);
  void collect_state(const std::string& prefix, std::vector<std::pair<std::string, Tensor>>& out,
                     bool with_parameters, bool with_buffers, bool only_persistent) const;
  // Persistent state of this module and every descendant, like PyTorch's state_dict: a module
  // reachable under two names is listed under both.
  std::vector<std::pair<std::string, Tensor>> state_entries() const;

  Slots<Tensor> parameters_;
  Slots<BufferSlot> buffers_;
  Slots<std::shared_ptr<Module>> children_;
  std::shared_ptr<TensorProvider> provider_;
  std::string type_name_override_;
  bool training_ = true;
};

std::ostream& operator<<(std::ostream& os, const Module& m);

// Children by name in insertion order (PyTorch's nn.ModuleDict).
class ModuleDict : public Module {
 public:
  ModuleDict() = default;
  void insert(const std::string& name, std::shared_ptr<Module> module) {
    register_module_impl(name, std::move(module));
  }
  std::shared_ptr<Module> at(const std::string& name) const;  // Error if absent
  bool contains(const std::string& name) const { return has_module(name); }
  std::shared_ptr<Module> erase(const std::string& name) { return remove_module(name); }
  size_t size() const { return named_children().size(); }
  bool empty() const { return size() == 0; }
  std::vector<std::string> keys() const;
  std::string class_name() const override { return "ModuleDict"; }
};

// Children "0", "1", ... in order (PyTorch's nn.ModuleList); no forward.
class ModuleList : public Module {
 public:
  ModuleList() = default;
  void push_back(std::shared_ptr<Module> module);
  std::shared_ptr<Module> operator[](size_t i) const;  // Error if out of range
  size_t size() const { return named_children().size(); }
  std::string class_name() const override { return "ModuleList"; }
};

}  // namespace paragrad::nn

PARAGRAD_API_END
