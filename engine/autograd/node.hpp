#pragma once
// A Node is one recorded op in the backward graph: it receives the gradients of the
// op's outputs and returns the gradients of its inputs, one per edge. Edges point to
// the nodes that produced the inputs (or to a leaf's AccumulateGrad).
#include <cstdint>

#include <paragrad/engine/tensor.hpp>

namespace paragrad::autograd {

struct Edge {
  NodePtr fn;             // empty: this input needs no gradient
  uint32_t input_nr = 0;  // which output of fn the input was
};

struct OutputMeta {  // what a gradient flowing into this node must look like
  Dims shape;
  Dtype dtype;
};

class Node : public RefCounted, public detail::SmallObject {
 public:
  virtual ~Node();
  virtual const char* name() const = 0;
  // grads[i] is the gradient of output i (undefined if none reached it); returns one
  // gradient per next edge (undefined where the input gets none).
  virtual TensorList apply(TensorList&& grads) = 0;
  // Frees what the forward saved, after a backward without retain_graph.
  virtual void release_saved() {}
  virtual bool is_accumulator() const { return false; }

  SmallVec<Edge, 2> next_edges;
  SmallVec<OutputMeta, 1> outputs;

  // Scratch for the backward pass that is visiting this node (see engine.cpp).
  uint64_t task_id = 0;
  int64_t dependencies = 0;
  SmallVec<Tensor, 1> buffer;
};

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
// accumulator (created on first use), or an empty edge if t needs no gradient.
Edge edge_to(const Tensor& t);

// The node whose apply() is running on this thread (used to re-attach saved outputs).
Node* current_node();
void set_current_node(Node* n);

}  // namespace paragrad::autograd
