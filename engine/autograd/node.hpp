#pragma once
// A Node is one recorded op in the backward graph: it receives the gradients of the
// op's outputs and returns the gradients of its inputs, one per edge. Edges point to
// the nodes that produced the inputs (or to a leaf's AccumulateGrad).
#include <atomic>
#include <cstdint>
#include <vector>

#include <paragrad/engine/export.hpp>
#include <paragrad/engine/tensor.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::autograd {

struct NodeExtra;  // hooks on the node's outputs, anomaly mode's record (hooks.hpp)
void drop_extra(NodeExtra* x) noexcept;  // deletes it (node.cpp, where it is a complete type)

struct Edge {
  NodePtr fn;             // empty: this input needs no gradient
  uint32_t input_nr = 0;  // which output of fn the input was
};

// What a saved tensor looked like when it was saved (to_dot's show_saved).
struct SavedInfo {
  size_t index;  // the order in which the op saved it
  Dims shape;
  Dtype dtype;
  bool is_output;  // the op's own output
};

struct OutputMeta {  // what a gradient flowing into this node must look like
  OutputMeta() = default;
  // (A constructor, so that a node's outputs are built in place: emplace_back(sizes, dtype).)
  OutputMeta(const Dims& shape, Dtype dtype) : shape(shape), dtype(dtype) {}
  Dims shape;
  Dtype dtype = kFloat32;
};

// What one backward pass keeps about a node while it runs (see engine.cpp).
struct NodeTask {
  uint64_t pass = 0;           // the pass this belongs to (when kept on the node itself)
  int32_t dependencies = 0;    // edges into the node whose gradient has not arrived yet
  bool needed = true;          // the node leads to a requested input, so it runs
  bool captured = false;       // its incoming gradient is a requested input's (autograd::grad)
  bool reached = false;        // seen by the walk that computes `needed`
  SmallVec<Tensor, 1> buffer;  // gradients received so far, one per output
};

class Node : public RefCounted, public detail::SmallObject {
 public:
  // (Inline: freeing a node is then the one call to its deleting destructor, its members'
  // destructors built into it, rather than two.)
  virtual ~Node() {
    if (NodeExtra* x = extra.load(std::memory_order_acquire)) drop_extra(x);
  }
  virtual const char* name() const = 0;
  // grads[i] is the gradient of output i (undefined if none reached it); returns one
  // gradient per next edge (undefined where the input gets none).
  virtual TensorList apply(TensorList&& grads) = 0;
  // The same for a node with one output and one input: the gradient of the input from the
  // output's, with no list. The engine takes this path for such nodes (when no hook is on them);
  // nodes whose rule takes and returns one tensor override it, the default goes through apply().
  virtual Tensor apply_one(Tensor&& grad);
  // Frees what the forward saved, after a backward without retain_graph.
  virtual void release_saved() {}
  virtual bool is_accumulator() const { return false; }
  // The tensors the forward saved for this backward, while they are held (none after a
  // backward without retain_graph released them): built-in ops list the SavedTensors their rule
  // captured, custom Functions what they passed to save_for_backward.
  virtual std::vector<SavedInfo> saved_info() const { return {}; }

  // Held while a pass runs the node, when several passes run at once (graph_task.hpp). Declared
  // first, so it sits in the bytes the reference count leaves free before the vectors.
  std::atomic<bool> running{false};

  SmallVec<Edge, 2> next_edges;
  SmallVec<OutputMeta, 1> outputs;

  // Scratch of the backward pass that holds the engine's scratch token (engine.cpp).
  NodeTask task;
  // Hooks on this node's outputs (non-leaf tensors' register_hook, retain_grad) and the forward
  // chain anomaly mode recorded (hooks.hpp, anomaly.hpp): null unless one of them was asked for.
  std::atomic<NodeExtra*> extra{nullptr};
};

// Raises the error for a node that returned `got` gradients (not one per input).
[[noreturn]] void throw_gradient_count(const Node& n, size_t got);

// The sink for a leaf's gradient: adds what arrives into leaf.grad().
class AccumulateGrad final : public Node {
 public:
  explicit AccumulateGrad(Tensor variable);
  ~AccumulateGrad() override;
  const char* name() const override { return "AccumulateGrad"; }
  TensorList apply(TensorList&& grads) override;
  bool is_accumulator() const override { return true; }
  const Tensor& variable() const { return variable_; }

 private:
  Tensor variable_;
};

// The edge through which a gradient for t leaves a node: t's grad_fn, or its leaf
// accumulator (created on first use), or an empty edge if t needs no gradient. `op` names
// the recording op in error messages.
Edge edge_to(const Tensor& t, const char* op = "autograd");

// A leaf's accumulator if it has one now (the engine reads requested inputs' gradients off it).
NodePtr existing_grad_accumulator(const TensorImpl* leaf);

// The node whose apply() is running on this thread (used to re-attach saved outputs and to
// name the node in saved-tensor errors), set for a scope.
Node* current_node();
void set_current_node(Node* n);
struct CurrentNodeScope {
  explicit CurrentNodeScope(Node* n) : prev(current_node()) { set_current_node(n); }
  ~CurrentNodeScope() { set_current_node(prev); }
  CurrentNodeScope(const CurrentNodeScope&) = delete;
  CurrentNodeScope& operator=(const CurrentNodeScope&) = delete;
  Node* prev;
};

}  // namespace paragrad::autograd

PARAGRAD_API_END
