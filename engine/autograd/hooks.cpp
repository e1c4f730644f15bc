#include <paragrad/engine/autograd/hooks.hpp>

#include <algorithm>

#include <paragrad/engine/autograd/grad_mode.hpp>

namespace paragrad::autograd {

namespace {

// Both extras are created at most once, by whichever thread gets there first.
template <class T>
T& create_once(std::atomic<T*>& slot) {
  T* now = slot.load(std::memory_order_acquire);
  if (now) return *now;
  auto fresh = std::make_unique<T>();
  if (slot.compare_exchange_strong(now, fresh.get(), std::memory_order_acq_rel))
    return *fresh.release();
  return *now;  // another thread won
}

TensorHooks& tensor_hooks(TensorImpl& t) { return create_once(t.hooks); }

uint64_t add_entry(HookList& list, uint32_t output_nr, Hook fn, TensorImpl* retain) {
  std::lock_guard<std::mutex> lock(list.mutex);
  const uint64_t id = list.next_id++;
  list.entries.push_back(HookEntry{id, output_nr, std::move(fn), retain});
  return id;
}

void erase_entry(HookList& list, uint64_t id) {
  auto& es = list.entries;
  es.erase(std::remove_if(es.begin(), es.end(), [id](const HookEntry& e) { return e.id == id; }),
           es.end());
}

// retain_grad's rule (PyTorch's): the first gradient is cloned (under create_graph the clone
// keeps its graph), later ones are added. Under the list's lock, so that the tensor is not
// freed meanwhile (drop_tensor_hooks takes the same lock).
void retain(HookList& list, uint64_t id, const Tensor& g) {
  std::lock_guard<std::mutex> lock(list.mutex);
  auto it = std::find_if(list.entries.begin(), list.entries.end(),
                         [id](const HookEntry& e) { return e.id == id; });
  if (it == list.entries.end()) return;  // the tensor is gone
  TensorImpl& t = *it->retain;
  t.grad = t.grad ? (Tensor(t.grad) + g).impl_ptr() : g.clone().impl_ptr();
}

}  // namespace

NodeExtra& node_extra(Node& n) { return create_once(n.extra); }

void RemovableHandle::remove() {
  if (std::shared_ptr<HookList> list = list_.lock()) {
    std::lock_guard<std::mutex> lock(list->mutex);
    erase_entry(*list, id_);
  }
  list_.reset();
}

void run_hook_list(HookList& list, TensorList& grads, const char* node) {
  std::vector<HookEntry> hooks;
  {
    // A snapshot: a hook may register or remove hooks (taking effect in the next backward).
    std::lock_guard<std::mutex> lock(list.mutex);
    if (list.entries.empty()) return;
    hooks = list.entries;
  }
  for (const HookEntry& h : hooks) {
    if (h.output_nr >= grads.size()) continue;
    Tensor& g = grads[h.output_nr];
    if (!g.defined()) continue;  // no gradient reached this output
    if (h.retain) {
      retain(list, h.id, g);
      continue;
    }
    Tensor r = h.fn(g);
    if (!r.defined()) continue;
    check<AutogradError>(r.sizes() == g.sizes() && r.dtype() == g.dtype(),
                         "register_hook: a hook on a tensor of shape ", shape_str(g.sizes()), " (",
                         dtype_name(g.dtype()), ", grad_fn ", node,
                         ") returned a gradient of shape ", shape_str(r.sizes()), " (",
                         dtype_name(r.dtype()),
                         "); a hook must keep its gradient's shape and dtype, or return {}");
    g = std::move(r);
  }
}

Tensor run_leaf_hooks(TensorImpl& leaf, Tensor grad) {
  TensorHooks* th = leaf.hooks.load(std::memory_order_acquire);
  if (!th) return grad;
  TensorList grads{std::move(grad)};
  run_hook_list(*th->leaf, grads, "AccumulateGrad");
  return std::move(grads[0]);
}

void move_retain_grad(TensorImpl& t, Node& fn) {
  TensorHooks* th = t.hooks.load(std::memory_order_acquire);
  if (!th) return;
  std::lock_guard<std::mutex> own(th->leaf->mutex);
  if (!th->retain_node) return;
  {
    HookList& old = *node_extra(*th->retain_node).hooks;
    std::lock_guard<std::mutex> lock(old.mutex);
    erase_entry(old, th->retain_id);
  }
  th->retain_node = NodePtr(&fn);
  th->retain_id = add_entry(*node_extra(fn).hooks, 0, {}, &t);
}

void drop_tensor_hooks(TensorImpl& t) noexcept {
  TensorHooks* th = t.hooks.exchange(nullptr, std::memory_order_acq_rel);
  if (!th) return;
  if (th->retain_node) {
    HookList& list = *node_extra(*th->retain_node).hooks;
    std::lock_guard<std::mutex> lock(list.mutex);
    erase_entry(list, th->retain_id);
  }
  delete th;  // the leaf's hook list goes when the last handle lets go of it
}

}  // namespace paragrad::autograd

namespace paragrad {

autograd::RemovableHandle Tensor::register_hook(std::function<Tensor(const Tensor&)> hook) const {
  get("register_hook");
  check<AutogradError>(requires_grad(), "register_hook: cannot register a hook on a tensor that ",
                       "does not require grad (shape ", shape_str(sizes()), ")");
  check<ValueError>(bool(hook), "register_hook: the hook is empty");
  std::shared_ptr<autograd::HookList> list;
  uint32_t slot = 0;
  if (const NodePtr& fn = grad_fn()) {
    list = autograd::node_extra(*fn).hooks;
    slot = output_nr();
  } else {
    list = autograd::tensor_hooks(*impl_).leaf;
  }
  const uint64_t id = autograd::add_entry(*list, slot, std::move(hook), nullptr);
  return autograd::RemovableHandle(list, id);
}

void Tensor::retain_grad() const {
  get("retain_grad");
  check<AutogradError>(requires_grad(), "retain_grad: cannot retain the gradient of a tensor ",
                       "that does not require grad (shape ", shape_str(sizes()), ")");
  const NodePtr& fn = grad_fn();
  if (!fn) return;  // a leaf keeps its .grad() anyway
  autograd::TensorHooks& th = autograd::tensor_hooks(*impl_);
  std::lock_guard<std::mutex> own(th.leaf->mutex);
  if (th.retain_node) return;
  th.retain_node = fn;
  th.retain_id =
      autograd::add_entry(*autograd::node_extra(*fn).hooks, output_nr(), {}, impl_.get());
}

bool Tensor::retains_grad() const {
  get("retains_grad");
  autograd::TensorHooks* th = impl_->hooks.load(std::memory_order_acquire);
  if (!th || is_leaf()) return false;
  std::lock_guard<std::mutex> own(th->leaf->mutex);
  return bool(th->retain_node);
}

}  // namespace paragrad
