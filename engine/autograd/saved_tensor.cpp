#include <paragrad/engine/autograd/saved_tensor.hpp>

#include <paragrad/engine/autograd/grad_mode.hpp>
#include <paragrad/engine/autograd/node.hpp>

namespace paragrad::autograd {

namespace {
thread_local std::vector<SavedInfo>* listing = nullptr;  // list_saved() running on this thread
}  // namespace

SavedTensor::ListingScope::ListingScope(std::vector<SavedInfo>* out) : previous(listing) {
  listing = out;
  listings_.fetch_add(1, std::memory_order_relaxed);
}

SavedTensor::ListingScope::~ListingScope() {
  listings_.fetch_sub(1, std::memory_order_relaxed);
  listing = previous;
}

void SavedTensor::note_copy() const {
  if (!listing || !data_.defined()) return;
  listing->push_back(SavedInfo{listing->size(), data_.sizes(), data_.dtype(), is_output_});
}

SavedTensor::SavedTensor(const Tensor& t, bool is_output, uint32_t output_nr)
    : output_nr_(output_nr), is_output_(is_output) {
  if (!t.defined()) return;
  version_ = t.version();
  // An output is saved before record() attaches it to the node, so its requires_grad is
  // not set yet: every floating output of a recorded op will require grad.
  requires_grad_ = is_output ? is_floating(t.dtype()) : t.requires_grad();
  // An output keeps only its data (its grad_fn would point back at the saving node). (Not one
  // conditional expression: with a const lvalue on one side its result is a const prvalue, and
  // the detached alias was copied in and dropped, two atomic count updates per saved output.)
  if (is_output)
    data_ = t.detach();
  else
    data_ = t;
}

void SavedTensor::check_version() const {
  if (data_.version() == version_) return;
  Node* n = current_node();
  // Which op's output the tensor is now (PyTorch says so too): the in-place op, usually.
  const TensorImpl* impl = data_.impl();
  const std::string now = impl->grad_fn && !impl->view_base
                              ? cat(", now output ", impl->output_nr, " of ", impl->grad_fn->name())
                              : std::string();
  throw AutogradError(cat(n ? n->name() : "backward", ": a tensor saved for backward (shape ",
                          shape_str(data_.sizes()), now,
                          ") was modified by an in-place operation: it is at version ",
                          data_.version(), ", expected version ", version_));
}

// Re-attach the saving node as the output's grad_fn, so the rule stays differentiable, when
// the rule is being recorded (create_graph); a plain backward needs only the data.
bool SavedTensor::reattaches() const {
  return is_output_ && requires_grad_ && is_grad_enabled() && current_node();
}

Tensor SavedTensor::unpack() const {
  if (!data_.defined()) return {};
  check_version();
  if (!reattaches()) return data_;
  Tensor alias = data_.detach();
  TensorImpl* impl = alias.impl();
  impl->requires_grad = true;
  impl->grad_fn = NodePtr(current_node());
  impl->output_nr = output_nr_;
  return alias;
}

const Tensor& SavedTensor::unpack(Tensor& holder) const {
  if (!data_.defined()) return data_;
  check_version();
  if (!reattaches()) return data_;
  holder = unpack();
  return holder;
}

}  // namespace paragrad::autograd
