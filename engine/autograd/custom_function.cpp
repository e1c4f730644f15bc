// Custom Functions (custom_function.hpp): recording the call and running the user's backward,
// with the checks LibTorch's CppNode makes (custom_function.h, _wrap_outputs in
// torch/csrc/autograd/custom_function.cpp).
#include <paragrad/engine/autograd/custom_function.hpp>

#include <paragrad/engine/autograd/function.hpp>
#include <paragrad/engine/autograd/graph_task.hpp>

#if defined(__GNUG__)
#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#endif

namespace paragrad::autograd {

// ---- context ------------------------------------------------------------------------------

void AutogradContext::save_for_backward(TensorList to_save) {
  to_save_ = std::move(to_save);
  has_saved_ = true;
}

TensorList AutogradContext::get_saved_variables() const {
  const char* name = node_ ? node_->name() : "autograd::Function";
  if (released_) throw_released(name);
  if (!to_save_.empty())  // still in forward: nothing is packed yet
    throw AutogradError(cat(name,
                            ": get_saved_variables() is for backward; in forward, use the "
                            "tensors directly"));
  TensorList out;
  out.reserve(saved_.size());
  // The version check names this Function's node, and under create_graph a saved output is
  // re-attached to it (SavedTensor::unpack uses the current node for both).
  CurrentNodeScope scope(node_);
  for (const SavedTensor& s : saved_) out.push_back(s.unpack());
  return out;
}

void AutogradContext::mark_non_differentiable(const TensorList& outputs) {
  for (const Tensor& t : outputs)
    if (t.defined()) non_differentiable_.insert(t.impl());
}

void AutogradContext::mark_dirty(const TensorList& inputs) {
  for (const Tensor& t : inputs)
    if (t.defined()) dirty_.insert(t.impl());
}

bool AutogradContext::needs_input_grad(size_t i) const {
  const int64_t k = node_ ? node_->edge_of(i) : -1;
  return k >= 0 && current_pass_needs(node_->next_edges[size_t(k)]);
}

bool AutogradContext::needs_input_grad(
    std::initializer_list<std::pair<size_t, size_t>> ranges) const {
  for (const auto& [first, last] : ranges)
    for (size_t i = first; i < last; ++i)
      if (needs_input_grad(i)) return true;
  return false;
}

// ---- recording ----------------------------------------------------------------------------

CustomNode::CustomNode(std::string name, Backward backward)
    : name_(std::move(name)), backward_(backward) {
  ctx.node_ = this;
}

void CustomNode::add_input(const Tensor& t) {
  is_tensor_.push_back(true);
  inputs_.push_back(t);
}

void CustomNode::add_input(const TensorList& ts) {
  for (const Tensor& t : ts) add_input(t);
}

int64_t CustomNode::edge_of(size_t i) const {
  if (i >= is_tensor_.size() || !is_tensor_[i]) return -1;
  int64_t k = 0;
  for (size_t j = 0; j < i; ++j) k += is_tensor_[j];
  return k < int64_t(next_edges.size()) ? k : -1;
}

void CustomNode::connect_inputs() {
  recorded_ = any_requires_grad(inputs_);
  if (!recorded_) return;
  next_edges.reserve(inputs_.size());
  input_shapes_.reserve(inputs_.size());
  for (const Tensor& t : inputs_) {
    next_edges.push_back(edge_to(t, name()));
    input_shapes_.push_back(t.defined() ? t.sizes() : Dims());
  }
}

Tensor CustomNode::wrap_output(Tensor output) {
  TensorList outs;
  outs.push_back(std::move(output));
  return std::move(wrap_outputs(std::move(outs))[0]);
}

TensorList CustomNode::wrap_outputs(TensorList outs) {
  const TensorList inputs = std::move(inputs_);
  inputs_.clear();
  TensorList to_save = std::move(ctx.to_save_);
  ctx.to_save_.clear();
  auto is_input = [&](const TensorImpl* impl) {
    for (const Tensor& t : inputs)
      if (t.impl() == impl) return true;
    return false;
  };
  for (const TensorImpl* d : ctx.dirty_) {
    bool returned = false;
    for (const Tensor& o : outs) returned = returned || o.impl() == d;
    check<AutogradError>(returned, name_,
                         ": a tensor marked dirty (modified in place) in forward "
                         "must also be returned as an output");
    check<AutogradError>(is_input(d), name_,
                         ": mark_dirty is for inputs forward modified in "
                         "place; this tensor is not an input");
  }
  if (!recorded_) return outs;  // grad mode off, or no input requires grad: nothing recorded

  // Which output each saved tensor is. An input returned unchanged is saved as the input (the
  // output is a fresh alias of it); one modified in place (dirty) is now the output.
  std::vector<int64_t> saved_as_output(to_save.size(), -1);
  for (size_t s = 0; s < to_save.size(); ++s) {
    const TensorImpl* impl = to_save[s].impl();
    if (!impl || (is_input(impl) && !ctx.dirty_.count(impl))) continue;
    for (size_t i = 0; i < outs.size() && saved_as_output[s] < 0; ++i)
      if (impl == outs[i].impl()) saved_as_output[s] = int64_t(i);
  }

  NodePtr self(this);
  std::unordered_set<const TensorImpl*> wrapped;
  std::vector<bool> differentiable(outs.size(), false);
  for (size_t i = 0; i < outs.size(); ++i) {
    Tensor& o = outs[i];
    output_defined_.push_back(o.defined());
    if (!o.defined()) {
      outputs.push_back(OutputMeta{Dims(), kFloat32});
      continue;
    }
    outputs.push_back(OutputMeta{o.sizes(), o.dtype()});
    TensorImpl* impl = o.impl();
    const bool dirty = ctx.dirty_.count(impl) > 0;
    if (ctx.non_differentiable_.count(impl) || !is_floating(o.dtype())) {
      // No history; an input (or a tensor with a history of its own) is returned as a fresh
      // alias so the caller's tensor keeps its own.
      if (impl->requires_grad || impl->view_base || is_input(impl)) o = o.detach();
      continue;
    }
    if (dirty && !wrapped.count(impl)) {
      // An input modified in place: this node becomes its history (as rebase_history does).
      check<AutogradError>(!impl->view_base, name_,
                           ": mark_dirty on a view is not supported; modify the base instead");
      check<AutogradError>(!(impl->requires_grad && !impl->grad_fn), name_,
                           ": a leaf tensor that requires grad (shape ", shape_str(impl->sizes),
                           ") cannot be modified in place (marked dirty); use NoGradGuard or "
                           "detach()");
      impl->storage->bump_version();
      ++impl->history;
    } else if (wrapped.count(impl) || is_input(impl) || impl->view_base || impl->requires_grad) {
      // An input returned as it is, a view, or the same tensor returned twice: a fresh alias
      // (shared storage and version counter) carries this output's history.
      o = o.detach();
      impl = o.impl();
    }
    wrapped.insert(impl);
    impl->requires_grad = true;
    impl->grad_fn = self;
    impl->output_nr = uint32_t(i);
    differentiable[i] = true;
  }

  // Save now that the outputs are known: a saved output is kept without its grad_fn (a cycle
  // otherwise) and re-attached when unpacked under create_graph, as built-in ops do.
  ctx.saved_.reserve(to_save.size());
  for (size_t s = 0; s < to_save.size(); ++s) {
    const int64_t j = saved_as_output[s];
    const bool as_output = j >= 0 && differentiable[size_t(j)];
    const Tensor& t = as_output ? outs[size_t(j)] : to_save[s];
    ctx.saved_.emplace_back(t, as_output, uint32_t(as_output ? j : 0));
    ctx.saved_meta_.push_back(AutogradContext::SavedMeta{t.defined() ? t.sizes() : Dims(),
                                                         t.defined() ? t.dtype() : kFloat32,
                                                         t.defined(), as_output});
  }
  return outs;
}

// ---- backward -----------------------------------------------------------------------------

namespace {
// Whether a gradient of shape g can be summed down to shape x (x broadcasts to g).
bool sums_to(const Dims& g, const Dims& x) {
  if (x.size() > g.size()) return false;
  for (size_t k = 1; k <= x.size(); ++k) {
    const int64_t xd = x[x.size() - k], gd = g[g.size() - k];
    if (xd != gd && xd != 1) return false;
  }
  return true;
}
}  // namespace

TensorList CustomNode::apply(TensorList&& grads) {
  if (ctx.materialize_grads_)
    for (size_t i = 0; i < grads.size(); ++i)
      if (!grads[i].defined() && output_defined_[i])
        grads[i] = zeros(Shape(outputs[i].shape.begin(), outputs[i].shape.end()), outputs[i].dtype);
  TensorList out = backward_(&ctx, std::move(grads));

  const size_t n = is_tensor_.size();
  if (out.size() > n) {  // extra undefined gradients are fine (LibTorch allows them)
    bool extra_defined = false;
    for (size_t i = n; i < out.size(); ++i) extra_defined = extra_defined || out[i].defined();
    if (!extra_defined) out.resize(n);
  }
  check<AutogradError>(out.size() == n, name_, ": backward returned ", out.size(),
                       " gradients, expected ", n,
                       " (one per argument of forward, each element of a TensorList counted)");
  TensorList results;
  results.reserve(next_edges.size());
  for (size_t i = 0; i < n; ++i) {
    if (!is_tensor_[i]) {
      check<AutogradError>(!out[i].defined(), name_,
                           ": backward returned a defined gradient for "
                           "argument ",
                           i, " of forward, which is not a tensor (return Tensor() there)");
      continue;
    }
    const size_t k = results.size();
    if (out[i].defined() && next_edges[k].fn) {
      const Dims& want = input_shapes_[k];
      check<AutogradError>(sums_to(out[i].sizes(), want), name_,
                           ": backward returned a gradient of shape ", shape_str(out[i].sizes()),
                           " for argument ", i, " of shape ", shape_str(want));
    }
    results.push_back(std::move(out[i]));
  }
  return results;
}

void CustomNode::release_saved() {
  if (!ctx.has_saved_) return;
  ctx.saved_.clear();
  ctx.released_ = true;
}

std::vector<SavedInfo> CustomNode::saved_info() const {
  std::vector<SavedInfo> info;
  if (ctx.released_) return info;
  for (size_t i = 0; i < ctx.saved_meta_.size(); ++i) {
    const auto& m = ctx.saved_meta_[i];
    if (m.defined) info.push_back(SavedInfo{i, m.shape, m.dtype, m.is_output});
  }
  return info;
}

// ---- names --------------------------------------------------------------------------------

namespace detail {

std::string demangle(const char* mangled) {
#if defined(__GNUG__)
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> s(abi::__cxa_demangle(mangled, nullptr, nullptr, &status),
                                           std::free);
  if (status == 0 && s) return s.get();
#endif
  return mangled;
}

std::string backward_name(const std::string& type_name) {
  // Drop qualifiers outside template arguments and parentheses: "ns::f()::Cube" -> "Cube".
  std::string name = type_name;
  for (const char* prefix : {"struct ", "class "})  // MSVC's typeid names
    if (name.rfind(prefix, 0) == 0) name = name.substr(std::string(prefix).size());
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (c == '<' || c == '(') ++depth;
    if (c == '>' || c == ')') --depth;
    if (depth == 0 && c == ':' && i + 1 < name.size() && name[i + 1] == ':') start = i + 2;
  }
  return name.substr(start) + "Backward";
}

}  // namespace detail

}  // namespace paragrad::autograd
