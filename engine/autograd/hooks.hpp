#pragma once
// Hooks with PyTorch's semantics (torch.Tensor.register_hook, retain_grad).
//
// A hook sees the gradient flowing into its tensor (the sum over all its uses) once per
// backward and may return a replacement (an undefined Tensor keeps the gradient). Several hooks
// run in registration order, each seeing the previous one's result.
//  - Non-leaf: the hooks are pre-hooks on the tensor's grad_fn, for the output slot the tensor
//    is (NodeExtra below); the engine runs them just before the node's rule. retain_grad() adds
//    an entry there that stores the gradient into the tensor's .grad() (accumulating over
//    backward passes, as PyTorch 1.13; it sees the hooks registered before it, not those after).
//  - Leaf: the hooks live on the tensor (TensorHooks) and run in its AccumulateGrad, before
//    the gradient is added into .grad(). autograd::grad runs no AccumulateGrad, so leaf hooks do
//    not run there; it returns the gradient that reached the input before the input's own hooks
//    (PyTorch 1.13 does the same).
// Hooks run under the backward's grad mode: with create_graph their result can carry graph.
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <paragrad/engine/autograd/node.hpp>
#include <paragrad/engine/autograd/removable_handle.hpp>
#include <paragrad/engine/export.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::autograd {

using Hook = std::function<Tensor(const Tensor& grad)>;

struct HookEntry {
  uint64_t id;
  uint32_t output_nr;            // the node's output slot (0 for a leaf)
  Hook fn;                       // empty for a retain_grad entry
  TensorImpl* retain = nullptr;  // retain_grad: the tensor whose .grad() receives the gradient
};

struct HookList {
  std::mutex mutex;  // guards entries and next_id (and TensorHooks' retain fields)
  std::vector<HookEntry> entries;
  uint64_t next_id = 1;
};

// What a node carries beyond its rule, allocated on first use (node.hpp: Node::extra).
struct NodeExtra {
  std::shared_ptr<HookList> hooks = std::make_shared<HookList>();
  std::string anomaly_trace;  // the forward chain, recorded under anomaly mode (anomaly.hpp)
};
NodeExtra& node_extra(Node& n);

// A tensor's own hook state (tensor_impl.hpp: TensorImpl::hooks), allocated on first use.
struct TensorHooks {
  std::shared_ptr<HookList> leaf = std::make_shared<HookList>();  // a leaf's hooks
  NodePtr retain_node;  // a non-leaf's retain_grad entry is on this node, with this id
  uint64_t retain_id = 0;
};

// The engine's side. Runs the hooks of `list` on grads (one per output slot, undefined = none
// arrived there); `node` names the node in errors.
void run_hook_list(HookList& list, TensorList& grads, const char* node);
// n's hooks (its outputs' tensors' hooks and retain_grad): one atomic load when it has none.
inline void run_node_hooks(Node& n, TensorList& grads) {
  if (NodeExtra* x = n.extra.load(std::memory_order_acquire))
    run_hook_list(*x->hooks, grads, n.name());
}
// A leaf's hooks on the gradient arriving at its AccumulateGrad.
Tensor run_leaf_hooks(TensorImpl& leaf, Tensor grad);
// An in-place op gives t the new history fn: its retain_grad entry moves there (as PyTorch).
void move_retain_grad(TensorImpl& t, Node& fn);

}  // namespace paragrad::autograd

PARAGRAD_API_END
