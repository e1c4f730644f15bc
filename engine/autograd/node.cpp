#include <paragrad/engine/autograd/node.hpp>

#include <vector>

#include <paragrad/engine/autograd/function.hpp>

namespace paragrad {

// Freeing a node drops its edges, which may free the next node, and so on: a chain
// of a million nodes would recurse a million deep. Instead, a node freed while
// another is being freed is queued, and the outermost call drains the queue.
void IntrusiveDeleter<autograd::Node>::destroy(autograd::Node* n) {
  thread_local bool draining = false;
  thread_local std::vector<autograd::Node*> pending;
  if (draining) {
    pending.push_back(n);
    return;
  }
  draining = true;
  delete n;
  while (!pending.empty()) {
    autograd::Node* next = pending.back();
    pending.pop_back();
    delete next;
  }
  draining = false;
}

namespace autograd {

Node::~Node() = default;

namespace {
thread_local Node* running_node = nullptr;
}
Node* current_node() { return running_node; }
void set_current_node(Node* n) { running_node = n; }

AccumulateGrad::AccumulateGrad(Tensor variable) : variable_(std::move(variable)) {
  outputs.push_back(OutputMeta{variable_.sizes(), variable_.dtype()});
}

AccumulateGrad::~AccumulateGrad() { variable_.impl()->grad_accumulator = nullptr; }

TensorList AccumulateGrad::apply(TensorList&& grads) {
  Tensor& g = grads[0];
  TensorImpl* leaf = variable_.impl();
  // Without create_graph the stored gradient is a plain tensor with no history, and never
  // an alias of a tensor someone else holds (a seed, or the same g sent to two inputs):
  // an in-place update of one .grad() must not change another.
  const bool shared = g.impl()->use_count() > 1 || g.impl()->storage->use_count() > 1;
  Tensor incoming = !is_grad_enabled() && (shared || g.requires_grad()) ? g.detach().clone() : g;
  if (!leaf->grad) {
    leaf->grad = incoming.impl_ptr();
  } else {
    leaf->grad = (Tensor(leaf->grad) + incoming).impl_ptr();
  }
  return {};
}

Edge edge_to(const Tensor& t) {
  TensorImpl* impl = t.impl();
  if (!impl || !impl->requires_grad) return {};
  if (impl->grad_fn) return Edge{impl->grad_fn, impl->output_nr};
  if (!impl->grad_accumulator) {
    auto* acc = new AccumulateGrad(t);
    impl->grad_accumulator = acc;
    return Edge{NodePtr(acc), 0};
  }
  return Edge{NodePtr(impl->grad_accumulator), 0};
}

bool any_requires_grad(const TensorList& ts) {
  if (!is_grad_enabled()) return false;
  for (const Tensor& t : ts)
    if (t.requires_grad()) return true;
  return false;
}

void throw_released(const char* name) {
  throw AutogradError(cat(name,
                          ": trying to backward through the graph a second time (or to use saved "
                          "tensors after they were freed); pass retain_graph=true to the first "
                          "backward"));
}

namespace {
// The node is freed here if no output takes it (all integer outputs).
void connect_outputs(NodePtr owner, Tensor* outputs, size_t n_outputs) {
  Node* node = owner.get();
  for (size_t i = 0; i < n_outputs; ++i) {
    TensorImpl* o = outputs[i].impl();
    node->outputs.push_back(OutputMeta{o->sizes, o->dtype});
    if (!is_floating(o->dtype)) continue;  // integer outputs (indices) carry no gradient
    o->requires_grad = true;
    o->output_nr = uint32_t(i);
    o->grad_fn = i + 1 == n_outputs ? std::move(owner) : owner;
  }
}
}  // namespace

void connect(Node* node, const TensorRef* inputs, size_t n_inputs, Tensor* outputs,
             size_t n_outputs) {
  NodePtr owner = NodePtr::from_new(node);
  node->next_edges.reserve(n_inputs);
  for (size_t i = 0; i < n_inputs; ++i) node->next_edges.push_back(edge_to(inputs[i].get()));
  connect_outputs(std::move(owner), outputs, n_outputs);
}

void connect(Node* node, const Tensor* inputs, size_t n_inputs, Tensor* outputs, size_t n_outputs) {
  NodePtr owner = NodePtr::from_new(node);
  node->next_edges.reserve(n_inputs);
  for (size_t i = 0; i < n_inputs; ++i) node->next_edges.push_back(edge_to(inputs[i]));
  connect_outputs(std::move(owner), outputs, n_outputs);
}

}  // namespace autograd
}  // namespace paragrad
