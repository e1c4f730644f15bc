#pragma once
// How an in-place op records itself, as PyTorch does. Every in-place op goes through
// autograd::inplace (engine/ops/inplace.cpp has them all):
//
//   Tensor& Tensor::mul_(const Tensor& w) {
//     autograd::inplace({"mul_", "MulBackward"}, *this, {w},
//         [&] {  // before the write: save what the rule needs (self's old values, w)
//           return [sw = SavedTensor(w), ...](const Tensor& g) {
//             return grad_list(g * sw.unpack(), ...);  // one gradient per input: self, w
//           };
//         },
//         [&] { <kernel: write into *this> });
//     return *this;
//   }
//
// inplace() checks that the write is allowed, builds the rule (only when the op is recorded),
// runs the write, bumps the version counter, and records: the rule's first gradient is that
// of self before the write, then one per operand. On a tensor that is not a view the new node
// becomes its grad_fn, with an edge to its old history. On a view, the view's base gets a
// CopySlices node (views.hpp) and the view's grad_fn is rebuilt from the base when next used.
//
// Refused with grad mode on, when the op would be recorded (as in PyTorch): a leaf that
// requires grad, a view of one, and a view made under NoGradGuard. Always refused: writing a
// tensor whose elements share memory (an expanded view), except for ops that write one value
// everywhere (fill_, zero_).
#include <initializer_list>

#include <paragrad/engine/autograd/function.hpp>

namespace paragrad::autograd {

struct InplaceOp {
  InplaceOp(const char* name_, const char* node_, bool writes_constant_ = false)
      : name(name_), node(node_), writes_constant(writes_constant_) {}
  const char* name;      // the op the user called, for messages: "mul_"
  const char* node;      // its backward node: "MulBackward"
  bool writes_constant;  // fill_, zero_: allowed through an expanded view
};

// Raises where the write is refused (before anything is written); returns whether the op must
// be recorded: grad mode is on, self is floating and self or an operand requires grad.
bool check_inplace(const InplaceOp& op, const Tensor& self,
                   std::initializer_list<TensorRef> operands);

// Makes `fn` (a node whose first edge is self's old history) the history of self's new value.
void rebase_history(const Tensor& self, NodePtr fn);

// An operand saved by an in-place op's rule. One that shares self's storage is saved without
// its history: the write makes it stale anyway (backward raises, as in PyTorch: `a.mul_(a)`),
// and its history would close a reference cycle (self, its new grad_fn, the saved operand).
inline SavedTensor save_operand(const Tensor& operand, const Tensor& self) {
  const bool aliases = operand.defined() && operand.impl()->storage == self.impl()->storage;
  if (aliases) return SavedTensor(operand.detach());
  return SavedTensor(operand);  // (no copy: one conditional expression would make one)
}

template <class MakeRule, class Write>
void inplace(const InplaceOp& op, Tensor& self, std::initializer_list<TensorRef> operands,
             MakeRule&& make_rule, Write&& write) {
  if (!check_inplace(op, self, operands)) {
    write();
    self.impl()->storage->bump_version();
    return;
  }
  auto rule = make_rule();  // before the write: it may save self's old values
  using Rule = decltype(rule);
  auto* node = new LambdaNode<Rule>(op.node, std::move(rule));
  NodePtr fn = NodePtr::from_new(node);  // freed if the write throws
  node->next_edges.reserve(1 + operands.size());
  node->next_edges.push_back(edge_to(self, op.name));
  for (const TensorRef& t : operands) node->next_edges.push_back(edge_to(t.get(), op.name));
  node->outputs.push_back(OutputMeta{self.sizes(), self.dtype()});
  write();
  self.impl()->storage->bump_version();
  rebase_history(self, std::move(fn));
}

}  // namespace paragrad::autograd
