#include <paragrad/nn/module.hpp>

#include <cxxabi.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <ostream>
#include <set>
#include <sstream>
#include <typeinfo>

namespace paragrad::nn {

TensorProvider::~TensorProvider() = default;
Module::~Module() = default;

namespace {

template <class V>
auto find_slot(std::vector<std::pair<std::string, V>>& slots, const std::string& name) {
  return std::find_if(slots.begin(), slots.end(), [&](const auto& s) { return s.first == name; });
}
template <class V>
auto find_slot(const std::vector<std::pair<std::string, V>>& slots, const std::string& name) {
  return std::find_if(slots.begin(), slots.end(), [&](const auto& s) { return s.first == name; });
}

std::string join(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

std::string quoted_list(const std::vector<std::string>& keys) {
  std::string s;
  for (size_t i = 0; i < keys.size(); ++i) s += (i ? ", \"" : "\"") + keys[i] + "\"";
  return s;
}

}  // namespace

Tensor Module::forward(const Tensor&) {
  throw NotImplementedError(cat(type_name(), ": forward is not implemented for this module"));
}

// --- registration ------------------------------------------------------------------------------

void Module::check_new_name(const std::string& name, const char* kind) const {
  check<ValueError>(!name.empty(), type_name(), ": ", kind, " name can't be empty");
  check<ValueError>(name.find('.') == std::string::npos, type_name(), ": ", kind, " name '", name,
                    "' can't contain \".\"");
  const std::string k = kind;
  check<ValueError>(k == "parameter" || !has_parameter(name), type_name(), ": cannot register ",
                    kind, " '", name, "': a parameter of that name exists");
  check<ValueError>(k == "buffer" || !has_buffer(name), type_name(), ": cannot register ", kind,
                    " '", name, "': a buffer of that name exists");
  check<ValueError>(k == "module" || !has_module(name), type_name(), ": cannot register ", kind,
                    " '", name, "': a submodule of that name exists");
}

void Module::register_parameter(const std::string& name, Tensor value, bool requires_grad) {
  check_new_name(name, "parameter");
  if (value.defined()) {
    if (!value.is_leaf()) value = value.detach();
    value.requires_grad_(requires_grad);
  }
  auto it = find_slot(parameters_, name);
  if (it != parameters_.end())
    it->second = std::move(value);
  else
    parameters_.emplace_back(name, std::move(value));
}

void Module::register_buffer(const std::string& name, Tensor value, bool persistent) {
  check_new_name(name, "buffer");
  auto it = find_slot(buffers_, name);
  if (it != buffers_.end())
    it->second = BufferSlot{std::move(value), persistent};
  else
    buffers_.emplace_back(name, BufferSlot{std::move(value), persistent});
}

void Module::register_module_impl(const std::string& name, std::shared_ptr<Module> module) {
  check_new_name(name, "module");
  check<ValueError>(module != nullptr, type_name(), ": cannot register a null module as '", name,
                    "'");
  check<ValueError>(module.get() != this, type_name(),
                    ": cannot register a module as its own child");
  // A child that already contains this module would make a cycle (a -> b -> a), on which every
  // traversal (train, parameters, state_dict) would recurse forever: refused, nothing changed.
  std::vector<const Module*> stack{module.get()};
  std::set<const Module*> seen;
  while (!stack.empty()) {
    const Module* m = stack.back();
    stack.pop_back();
    check<ValueError>(m != this, type_name(), ": cannot register module '", name,
                      "': it contains this module, so the module tree would have a cycle");
    if (!seen.insert(m).second) continue;
    for (const auto& c : m->children_) stack.push_back(c.second.get());
  }
  auto it = find_slot(children_, name);
  if (it != children_.end())
    it->second = std::move(module);
  else
    children_.emplace_back(name, std::move(module));
}

Tensor Module::remove_parameter(const std::string& name) {
  auto it = find_slot(parameters_, name);
  check<ValueError>(it != parameters_.end(), type_name(), ": no parameter named '", name, "'");
  Tensor t = std::move(it->second);
  parameters_.erase(it);
  return t;
}

Tensor Module::remove_buffer(const std::string& name) {
  auto it = find_slot(buffers_, name);
  check<ValueError>(it != buffers_.end(), type_name(), ": no buffer named '", name, "'");
  Tensor t = std::move(it->second.tensor);
  buffers_.erase(it);
  return t;
}

std::shared_ptr<Module> Module::remove_module(const std::string& name) {
  auto it = find_slot(children_, name);
  check<ValueError>(it != children_.end(), type_name(), ": no submodule named '", name, "'");
  auto m = std::move(it->second);
  children_.erase(it);
  return m;
}

bool Module::has_parameter(const std::string& name) const {
  return find_slot(parameters_, name) != parameters_.end();
}
bool Module::has_buffer(const std::string& name) const {
  return find_slot(buffers_, name) != buffers_.end();
}
bool Module::has_module(const std::string& name) const {
  return find_slot(children_, name) != children_.end();
}
bool Module::is_persistent_buffer(const std::string& name) const {
  auto it = find_slot(buffers_, name);
  return it != buffers_.end() && it->second.persistent;
}

std::shared_ptr<Module> Module::child(const std::string& name) const {
  auto it = find_slot(children_, name);
  check<ValueError>(it != children_.end(), type_name(), ": no submodule named '", name, "'");
  return it->second;
}

Tensor& Module::parameter_slot(const std::string& name) {
  auto it = find_slot(parameters_, name);
  // (The message is built only on failure: type_name() allocates, and this is on get()'s path.)
  if (it == parameters_.end())
    throw ValueError(cat(type_name(), ": no parameter named '", name, "'"));
  return it->second;
}

Tensor& Module::buffer_slot(const std::string& name) {
  auto it = find_slot(buffers_, name);
  if (it == buffers_.end()) throw ValueError(cat(type_name(), ": no buffer named '", name, "'"));
  return it->second.tensor;
}

// --- access by name ----------------------------------------------------------------------------

Module* Module::resolve(const std::string& name, std::string& leaf) {
  Module* m = this;
  size_t start = 0;
  for (size_t dot; (dot = name.find('.', start)) != std::string::npos; start = dot + 1) {
    auto it = find_slot(m->children_, name.substr(start, dot - start));
    if (it == m->children_.end()) return nullptr;
    m = it->second.get();
  }
  leaf = name.substr(start);
  return m;
}

const Module* Module::resolve(const std::string& name, std::string& leaf) const {
  return const_cast<Module*>(this)->resolve(name, leaf);
}

Tensor* Module::find_tensor(const std::string& name, bool& is_parameter) {
  auto p = find_slot(parameters_, name);
  if (p != parameters_.end()) {
    is_parameter = true;
    return &p->second;
  }
  auto b = find_slot(buffers_, name);
  if (b != buffers_.end()) {
    is_parameter = false;
    return &b->second.tensor;
  }
  return nullptr;
}

Tensor Module::get(const std::string& name) {
  std::string leaf;
  Module* m = resolve(name, leaf);
  if (m) {
    if (m->provider_ && m->provider_->provides(leaf)) return m->provider_->get(*m, leaf);
    bool is_param = false;
    if (Tensor* t = m->find_tensor(leaf, is_param)) return *t;
  }
  throw ValueError(
      cat(type_name(), ": no parameter, buffer or parametrized tensor named '", name, "'"));
}

void Module::set(const std::string& name, const Tensor& value) {
  std::string leaf;
  Module* m = resolve(name, leaf);
  if (m) {
    if (m->provider_ && m->provider_->provides(leaf)) return m->provider_->set(*m, leaf, value);
    bool is_param = false;
    if (Tensor* t = m->find_tensor(leaf, is_param)) {
      check<ValueError>(value.defined(), type_name(), ".set: undefined value for '", name, "'");
      check<ValueError>(t->defined(), type_name(), ".set: '", name,
                        "' is an empty slot; register a tensor first");
      check<ShapeError>(t->sizes() == value.sizes(), type_name(), ".set: shape mismatch for '",
                        name, "': expected ", shape_str(t->sizes()), ", got ",
                        shape_str(value.sizes()));
      NoGradGuard guard;
      t->copy_(value.detach());
      return;
    }
  }
  throw ValueError(
      cat(type_name(), ".set: no parameter, buffer or parametrized tensor named '", name, "'"));
}

bool Module::has(const std::string& name) const {
  std::string leaf;
  const Module* m = resolve(name, leaf);
  if (!m) return false;
  if (m->provider_ && m->provider_->provides(leaf)) return true;
  return m->has_parameter(leaf) || m->has_buffer(leaf);
}

void Module::set_tensor_provider(std::shared_ptr<TensorProvider> provider) {
  provider_ = std::move(provider);
}

// --- traversal ---------------------------------------------------------------------------------

void Module::collect_state(const std::string& prefix,
                           std::vector<std::pair<std::string, Tensor>>& out, bool with_parameters,
                           bool with_buffers, bool only_persistent) const {
  if (with_parameters)
    for (const auto& [n, t] : parameters_)
      if (t.defined()) out.emplace_back(join(prefix, n), t);
  if (with_buffers)
    for (const auto& [n, b] : buffers_)
      if (b.tensor.defined() && (b.persistent || !only_persistent))
        out.emplace_back(join(prefix, n), b.tensor);
}

namespace {
using Named = std::vector<std::pair<std::string, Tensor>>;
Named dedupe(Named in) {
  std::set<const void*> seen;
  Named out;
  for (auto& e : in)
    if (seen.insert(e.second.impl()).second) out.push_back(std::move(e));
  return out;
}
}  // namespace

std::vector<std::pair<std::string, Tensor>> Module::named_parameters(bool recurse) const {
  Named out;
  if (!recurse) {
    collect_state("", out, true, false, false);
  } else {
    for (const auto& [prefix, m] : named_modules())
      m->collect_state(prefix, out, true, false, false);
  }
  return dedupe(std::move(out));
}

std::vector<std::pair<std::string, Tensor>> Module::named_buffers(bool recurse) const {
  Named out;
  if (!recurse) {
    collect_state("", out, false, true, false);
  } else {
    for (const auto& [prefix, m] : named_modules())
      m->collect_state(prefix, out, false, true, false);
  }
  return dedupe(std::move(out));
}

std::vector<std::pair<std::string, std::shared_ptr<Module>>> Module::named_children() const {
  return children_;
}

std::vector<std::shared_ptr<Module>> Module::children() const {
  std::vector<std::shared_ptr<Module>> out;
  for (const auto& c : children_) out.push_back(c.second);
  return out;
}

std::vector<std::pair<std::string, const Module*>> Module::named_modules(
    const std::string& prefix) const {
  std::vector<std::pair<std::string, const Module*>> out;
  std::set<const Module*> seen;
  // Iterative pre-order walk (deep Sequentials must not overflow the stack).
  std::vector<std::pair<std::string, const Module*>> stack{{prefix, this}};
  while (!stack.empty()) {
    auto [name, m] = stack.back();
    stack.pop_back();
    if (!seen.insert(m).second) continue;
    out.emplace_back(name, m);
    for (auto it = m->children_.rbegin(); it != m->children_.rend(); ++it)
      stack.emplace_back(join(name, it->first), it->second.get());
  }
  return out;
}

std::vector<std::pair<std::string, Module*>> Module::named_modules(const std::string& prefix) {
  std::vector<std::pair<std::string, Module*>> out;
  for (const auto& [n, m] : static_cast<const Module*>(this)->named_modules(prefix))
    out.emplace_back(n, const_cast<Module*>(m));
  return out;
}

TensorList Module::parameters(bool recurse) const {
  TensorList out;
  for (auto& e : named_parameters(recurse)) out.push_back(std::move(e.second));
  return out;
}

TensorList Module::buffers(bool recurse) const {
  TensorList out;
  for (auto& e : named_buffers(recurse)) out.push_back(std::move(e.second));
  return out;
}

Module& Module::apply(const std::function<void(Module&)>& fn) {
  for (auto& c : children_) c.second->apply(fn);
  fn(*this);
  return *this;
}

// --- mode, state -------------------------------------------------------------------------------

void Module::train(bool on) {
  training_ = on;
  for (auto& c : children_) c.second->train(on);
}

void Module::zero_grad() {
  for (auto& p : parameters()) p.zero_grad();
}

Module& Module::to(Dtype dtype) {
  check<DtypeError>(is_floating(dtype), type_name(), ".to: expected a floating dtype, got ",
                    dtype_name(dtype));
  for (auto& [prefix, m] : named_modules()) {
    (void)prefix;
    for (auto& [n, p] : m->parameters_) {
      (void)n;
      if (!p.defined() || !p.is_floating_point() || p.dtype() == dtype) continue;
      const bool rg = p.requires_grad();
      Tensor q = p.detach().to(dtype).contiguous().clone();
      q.requires_grad_(rg);
      p = q;
    }
    for (auto& [n, b] : m->buffers_) {
      (void)n;
      if (!b.tensor.defined() || !b.tensor.is_floating_point() || b.tensor.dtype() == dtype)
        continue;
      b.tensor = b.tensor.detach().to(dtype).contiguous().clone();
    }
  }
  return *this;
}

std::vector<std::pair<std::string, Tensor>> Module::state_entries() const {
  Named out;
  // Iterative pre-order walk without de-duplication; the depth bound stops reference cycles.
  std::vector<std::pair<std::string, const Module*>> stack{{"", this}};
  size_t visited = 0;
  while (!stack.empty()) {
    auto [prefix, m] = stack.back();
    stack.pop_back();
    check<ValueError>(++visited <= 10'000'000, type_name(),
                      ".state_dict: the module tree is too large or has a cycle");
    m->collect_state(prefix, out, true, true, true);
    for (auto it = m->children_.rbegin(); it != m->children_.rend(); ++it)
      stack.emplace_back(join(prefix, it->first), it->second.get());
  }
  return out;
}

std::map<std::string, Tensor> Module::state_dict() const {
  std::map<std::string, Tensor> out;
  for (auto& [k, t] : state_entries()) out.emplace(k, t.detach());
  return out;
}

std::pair<std::vector<std::string>, std::vector<std::string>> Module::missing_and_unexpected_keys(
    const std::map<std::string, Tensor>& state) const {
  const auto own = state_dict();
  std::vector<std::string> missing, unexpected;
  for (const auto& [k, t] : own)
    if (!state.count(k)) missing.push_back(k);
  for (const auto& [k, t] : state)
    if (!own.count(k)) unexpected.push_back(k);
  return {missing, unexpected};
}

void Module::load_state_dict(const std::map<std::string, Tensor>& state, bool strict) {
  // Live slots, with the order of named_parameters + named_buffers.
  const std::vector<std::pair<std::string, Tensor>> own = state_entries();

  std::vector<std::string> errors;
  if (strict) {
    auto [missing, unexpected] = missing_and_unexpected_keys(state);
    if (!unexpected.empty())
      errors.push_back("Unexpected key(s) in state_dict: " + quoted_list(unexpected) + ".");
    if (!missing.empty())
      errors.push_back("Missing key(s) in state_dict: " + quoted_list(missing) + ".");
  }
  // Each source, already in its slot's dtype: a value the slot cannot hold (NaN for an int64
  // buffer) is an error found here, before anything is copied.
  std::vector<Tensor> sources(own.size());
  for (size_t i = 0; i < own.size(); ++i) {
    const auto& [k, t] = own[i];
    auto it = state.find(k);
    if (it == state.end()) continue;
    const Tensor& src = it->second;
    if (!src.defined()) {
      errors.push_back(cat("undefined tensor for ", k, "."));
    } else if (src.sizes() != t.sizes()) {
      errors.push_back(
          cat("size mismatch for ", k, ": copying a param with shape ", shape_str(src.sizes()),
              " from checkpoint, the shape in current model is ", shape_str(t.sizes()), "."));
    } else {
      try {
        sources[i] = src.detach().to(t.dtype());
      } catch (const Error& e) {
        errors.push_back(cat("cannot convert ", k, " to ", dtype_name(t.dtype()), ": ", e.what()));
      }
    }
  }
  if (!errors.empty()) {
    std::string msg = "Error(s) in loading state_dict for " + type_name() + ":";
    for (const auto& e : errors) msg += "\n\t" + e;
    throw Error(msg);
  }
  NoGradGuard guard;
  for (size_t i = 0; i < own.size(); ++i) {
    Tensor t = own[i].second;  // a handle sharing the module's tensor
    if (sources[i].defined()) t.copy_(sources[i]);
  }
}

// --- naming and printing -----------------------------------------------------------------------

std::string Module::type_name() const {
  return type_name_override_.empty() ? class_name() : type_name_override_;
}

std::string Module::class_name() const {
  const char* mangled = typeid(*this).name();
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> demangled(
      abi::__cxa_demangle(mangled, nullptr, nullptr, &status), std::free);
  std::string name = (status == 0 && demangled) ? demangled.get() : mangled;
  const size_t colon = name.rfind("::");
  return colon == std::string::npos ? name : name.substr(colon + 2);
}

namespace {
// PyTorch's _addindent: every line after the first indented by n spaces.
std::string add_indent(const std::string& s, int n) {
  std::string out;
  for (char c : s) {
    out += c;
    if (c == '\n') out += std::string(size_t(n), ' ');
  }
  return out;
}
}  // namespace

std::string Module::repr() const {
  std::vector<std::string> lines;
  const std::string extra = extra_repr();
  if (!extra.empty()) {
    std::istringstream is(extra);
    for (std::string line; std::getline(is, line);) lines.push_back(line);
  }
  for (const auto& [n, c] : children_) lines.push_back("(" + n + "): " + add_indent(c->repr(), 2));
  std::string s = type_name() + "(";
  if (!lines.empty()) {
    if (extra.find('\n') == std::string::npos && children_.empty()) {
      s += extra;
    } else {
      s += "\n";
      for (const auto& l : lines) s += "  " + l + "\n";
    }
  }
  return s + ")";
}

std::ostream& operator<<(std::ostream& os, const Module& m) { return os << m.repr(); }

// --- containers --------------------------------------------------------------------------------

std::shared_ptr<Module> ModuleDict::at(const std::string& name) const {
  check<IndexError>(has_module(name), "ModuleDict: no module named '", name, "'");
  return child(name);
}

std::vector<std::string> ModuleDict::keys() const {
  std::vector<std::string> out;
  for (const auto& c : named_children()) out.push_back(c.first);
  return out;
}

void ModuleList::push_back(std::shared_ptr<Module> module) {
  register_module_impl(std::to_string(size()), std::move(module));
}

std::shared_ptr<Module> ModuleList::operator[](size_t i) const {
  check<IndexError>(i < size(), "ModuleList: index ", i, " out of range for size ", size());
  return child(std::to_string(i));
}

}  // namespace paragrad::nn
