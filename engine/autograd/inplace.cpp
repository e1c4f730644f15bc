// Recording in-place ops (inplace.hpp), and the version bump for writes made outside the ops.
#include <paragrad/engine/autograd/inplace.hpp>

#include <paragrad/engine/autograd/anomaly.hpp>
#include <paragrad/engine/autograd/engine.hpp>
#include <paragrad/engine/autograd/hooks.hpp>
#include <paragrad/engine/autograd/views.hpp>

namespace paragrad::autograd {

bool check_inplace(const InplaceOp& op, const Tensor& self,
                   std::initializer_list<TensorRef> operands) {
  check<ValueError>(self.defined(), op.name, ": undefined tensor");
  const TensorImpl& s = *self.impl();
  check<ValueError>(op.writes_constant || !has_internal_overlap(s), op.name,
                    ": unsupported operation: more than one element of the written-to tensor "
                    "(shape ",
                    shape_str(s.sizes), ", strides ", shape_str(s.strides),
                    ") refers to a single memory location; clone() it first");
  if (!is_grad_enabled() || !is_floating(s.dtype)) return false;
  bool any = self.requires_grad();
  for (const TensorRef& t : operands) any = any || t.get().requires_grad();
  if (!any) return false;
  if (!s.view_base) {
    check<AutogradError>(!(s.requires_grad && !s.grad_fn), op.name,
                         ": a leaf tensor that requires grad (shape ", shape_str(s.sizes),
                         ") cannot be modified in place; use NoGradGuard or detach()");
    return true;
  }
  const TensorImpl& base = *s.view_base;
  check<AutogradError>(s.view_creation == ViewCreation::GradMode, op.name, ": a view (shape ",
                       shape_str(s.sizes),
                       ") created under NoGradGuard is being modified in place with grad mode "
                       "on; this is ambiguous, so it is refused (as in PyTorch). Take the view "
                       "and make the in-place change both inside the NoGradGuard (not recorded) "
                       "or both outside it (recorded)");
  check<AutogradError>(!(base.requires_grad && !base.grad_fn), op.name,
                       ": a view of a leaf tensor that requires grad (shape ",
                       shape_str(base.sizes),
                       ") cannot be modified in place; use NoGradGuard or detach()");
  check<AutogradError>(base.storage == s.storage && !has_internal_overlap(base), op.name,
                       ": cannot record an in-place change of a view whose base (shape ",
                       shape_str(base.sizes),
                       ") has elements sharing memory or was given other storage by set_");
  return true;
}

void rebase_history(const Tensor& self, NodePtr fn) {
  TensorImpl& s = *self.impl();
  TensorImpl* target = &s;
  if (s.view_base) {
    // The base's old history takes the place of the view's; the other operands' edges move
    // from fn to the CopySlices node, which runs fn's rule at the view's window.
    TensorImpl& base = *s.view_base;
    auto* copy = new CopySlices(geometry_of(base, base), geometry_of(s, base), fn);
    NodePtr node = NodePtr::from_new(copy);
    copy->next_edges.reserve(fn->next_edges.size());
    copy->next_edges.push_back(edge_to(Tensor(s.view_base), fn->name()));
    for (size_t k = 1; k < fn->next_edges.size(); ++k)
      copy->next_edges.push_back(std::move(fn->next_edges[k]));
    fn->next_edges.clear();
    copy->outputs.push_back(OutputMeta{base.sizes, base.dtype});
    fn = std::move(node);
    target = &base;
  }
  if (is_anomaly_enabled()) record_anomaly_trace(*fn);
  if (target->hooks.load(std::memory_order_acquire)) move_retain_grad(*target, *fn);
  target->grad_fn = std::move(fn);
  target->output_nr = 0;
  target->requires_grad = true;
  ++target->history;  // views of the target rebuild their grad_fn (views.cpp)
}

void increment_version(const Tensor& t) {
  check<ValueError>(t.defined(), "increment_version: undefined tensor");
  t.impl()->storage->bump_version();
}

}  // namespace paragrad::autograd
