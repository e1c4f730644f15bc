#include <paragrad/engine/autograd/node.hpp>

#include <mutex>
#include <vector>

#include <paragrad/engine/autograd/anomaly.hpp>
#include <paragrad/engine/autograd/function.hpp>
#include <paragrad/engine/autograd/hooks.hpp>
#include <paragrad/engine/branch_hints.hpp>

namespace paragrad {

// Freeing a node drops its edges, which may free the next node, and so on: a chain
// of a million nodes would recurse a million deep. Instead, a node freed while
// another is being freed is queued, and the outermost call drains the queue. The queue is a
// stack threaded through the queued nodes themselves, in their pass scratch's `pass` word (no
// backward pass can be holding a node whose last reference is gone), so queuing a node is two
// stores, with no vector to grow and check.
void IntrusiveDeleter<autograd::Node>::destroy(autograd::Node* n) {
  thread_local bool draining = false;
  thread_local autograd::Node* pending = nullptr;
  if (draining) {
    n->task.pass = reinterpret_cast<uintptr_t>(pending);
    pending = n;
    return;
  }
  draining = true;
  delete n;
  while (pending) {
    autograd::Node* next = pending;
    pending = reinterpret_cast<autograd::Node*>(next->task.pass);
    delete next;
  }
  draining = false;
}

namespace autograd {

void drop_extra(NodeExtra* x) noexcept { delete x; }

Tensor Node::apply_one(Tensor&& grad) {
  TensorList grads = take_grad_list(1);
  grads.push_back(std::move(grad));
  TensorList input_grads = apply(std::move(grads));
  if (input_grads.size() != 1) throw_gradient_count(*this, input_grads.size());
  Tensor g = std::move(input_grads[0]);
  recycle_grad_list(std::move(input_grads));
  return g;
}

void throw_gradient_count(const Node& n, size_t got) {
  throw AutogradError(
      cat(n.name(), ": returned ", got, " gradients for ", n.next_edges.size(), " inputs"));
}

namespace {
// A leaf's accumulator is created on first use and kept through a weak pointer in the leaf, so
// threads that share a model all find the same one. The pointer is read, set and cleared under
// one of these locks (chosen by the leaf's address); a reader takes a reference only while
// the count is still above zero, as the destructor clears the pointer only after the count
// reached zero.
std::mutex& accumulator_lock(const TensorImpl* leaf) {
  static std::mutex locks[32];
  return locks[(reinterpret_cast<uintptr_t>(leaf) >> 6) % 32];
}

NodePtr grad_accumulator(const Tensor& leaf) {
  TensorImpl* impl = leaf.impl();
  std::lock_guard<std::mutex> lock(accumulator_lock(impl));
  if (impl->grad_accumulator)
    if (NodePtr acc = NodePtr::try_retain(impl->grad_accumulator)) return acc;
  auto* acc = new AccumulateGrad(leaf);
  impl->grad_accumulator = acc;
  return NodePtr::from_new(acc);
}
}  // namespace

NodePtr existing_grad_accumulator(const TensorImpl* leaf) {
  std::lock_guard<std::mutex> lock(accumulator_lock(leaf));
  return leaf->grad_accumulator ? NodePtr::try_retain(leaf->grad_accumulator) : NodePtr();
}

AccumulateGrad::AccumulateGrad(Tensor variable) : variable_(std::move(variable)) {
  mark_weakly_held();  // the leaf's weak pointer may retain it (grad_accumulator)
  outputs.push_back(OutputMeta{variable_.sizes(), variable_.dtype()});
}

AccumulateGrad::~AccumulateGrad() {
  TensorImpl* leaf = variable_.impl();
  std::lock_guard<std::mutex> lock(accumulator_lock(leaf));
  if (leaf->grad_accumulator == this) leaf->grad_accumulator = nullptr;
}

namespace {
// Whether g, a view, is the only way to its elements: no other handle to g, its base held by g
// alone, the storage by the two of them, and g covering all of it, contiguous (a view of a
// gradient a rule made: einsum's and reshape's backward return one, whose base died with the
// rule). Not memory the caller owns (from_blob): that is not ours to keep as .grad.
bool view_held_alone(const TensorImpl& g) {
  const TensorImpl* base = g.view_base.get();
  return base && g.use_count() == 1 && base->use_count() == 1 && base->storage == g.storage &&
         g.storage->use_count() == 2 && !g.storage->is_external() && g.contiguous &&
         g.offset == 0 && size_t(g.numel) * element_size(g.dtype) == g.storage->nbytes();
}
}  // namespace

TensorList AccumulateGrad::apply(TensorList&& grads) {
  TensorImpl* leaf = variable_.impl();
  // The leaf's hooks see the gradient before it is added (hooks.hpp).
  if (leaf->hooks.load(std::memory_order_acquire))
    grads[0] = run_leaf_hooks(*leaf, std::move(grads[0]));
  Tensor& g = grads[0];
  // Without create_graph the stored gradient is a plain tensor with no history, and never
  // an alias of a tensor someone else holds (a seed, or the same g sent to two inputs):
  // an in-place update of one .grad() must not change another.
  // A view held alone is kept as a plain tensor on the same elements (detach: a header with no
  // base), not copied: einsum_bmm's backward spent ~7% of its time copying B's gradient.
  const TensorImpl& gi = *g.impl();
  const bool alone_view = view_held_alone(gi);
  const bool shared = gi.use_count() > 1 || (gi.storage->use_count() > 1 && !alone_view);
  Tensor incoming = g;
  if (!is_grad_enabled()) {
    if (shared || g.requires_grad())
      incoming = g.detach().clone();
    else if (alone_view)
      incoming = g.detach();
  }
  if (!leaf->grad) {
    leaf->grad = incoming.impl_ptr();
  } else {
    leaf->grad = (Tensor(leaf->grad) + incoming).impl_ptr();
  }
  return {};
}

Edge edge_to(const Tensor& t, const char* op) {
  TensorImpl* impl = t.impl();
  if (!impl) return {};
  const NodePtr& fn = impl->view_base ? view_grad_fn(*impl, op) : impl->grad_fn;
  if (fn) return Edge{fn, impl->output_nr};
  // A view made under NoGradGuard of a tensor that requires grad requires grad but has no
  // edge: as in PyTorch, no gradient flows through it.
  if (!impl->requires_grad) return {};
  return Edge{grad_accumulator(t), 0};
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
// The edge to input t: its grad_fn when it is neither a view nor a leaf (most inputs: read in
// place, with no call), else through edge_to, which names the node in its errors.
inline Edge input_edge(const Tensor& t, const Node* node) {
  const TensorImpl* impl = t.impl();
  if (impl && impl->grad_fn && !impl->view_base) return Edge{impl->grad_fn, impl->output_nr};
  return edge_to(t, node->name());
}

// Output number i of the node: its shape and dtype on the node and, when it can carry a gradient
// (integer outputs, indices, carry none), the node as its grad_fn; the last output takes the
// owner's reference.
inline void attach_output(Node* node, TensorImpl* o, size_t i, bool last, NodePtr& owner) {
  node->outputs.emplace_back(o->sizes, o->dtype);
  if (!is_floating(o->dtype)) return;
  o->requires_grad = true;
  o->output_nr = uint32_t(i);
  if (last)
    o->grad_fn = std::move(owner);
  else
    o->grad_fn = owner;
}

// Takes the node's first reference and hands it to the outputs; the node is freed here if no
// output takes it (all integer outputs).
template <class Input>
void connect_node(Node* node, const Input* inputs, size_t n_inputs, Tensor* outputs,
                  size_t n_outputs) {
  NodePtr owner = NodePtr::from_new(node);
  node->next_edges.reserve(n_inputs);
  for (size_t i = 0; i < n_inputs; ++i)
    node->next_edges.push_back(input_edge(static_cast<const Tensor&>(inputs[i]), node));
  if (is_anomaly_enabled()) record_anomaly_trace(*node);
  for (size_t i = 0; i < n_outputs; ++i)
    attach_output(node, outputs[i].impl(), i, i + 1 == n_outputs, owner);
}
}  // namespace

void connect_one(Node* node, const Tensor& input, Tensor& output) {
  NodePtr owner = NodePtr::from_new(node);
  // (Two edges fit inline: no reserve.) When the output is the input's own header (an operand
  // taken over, an in-place op), the header's grad_fn is about to be replaced by this node: it
  // moves into the edge, where a copy would add a reference and the replacement drop it again
  // (two atomic operations). Not under anomaly mode: recording the trace may throw, and the
  // input must then keep its grad_fn.
  TensorImpl* in = input.impl();
  const bool anomaly = is_anomaly_enabled();
  if (in && in == output.impl() && in->grad_fn && !in->view_base && !anomaly)
    node->next_edges.push_back(Edge{std::move(in->grad_fn), in->output_nr});
  else
    node->next_edges.push_back(input_edge(input, node));
  if (PARAGRAD_UNLIKELY(anomaly)) record_anomaly_trace(*node);
  attach_output(node, output.impl(), 0, true, owner);
}

void connect(Node* node, const TensorRef* inputs, size_t n_inputs, Tensor* outputs,
             size_t n_outputs) {
  connect_node(node, inputs, n_inputs, outputs, n_outputs);
}

void connect(Node* node, const Tensor* inputs, size_t n_inputs, Tensor* outputs, size_t n_outputs) {
  connect_node(node, inputs, n_inputs, outputs, n_outputs);
}

}  // namespace autograd
}  // namespace paragrad
