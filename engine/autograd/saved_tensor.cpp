#include <paragrad/engine/autograd/saved_tensor.hpp>

#include <paragrad/engine/autograd/grad_mode.hpp>
#include <paragrad/engine/autograd/node.hpp>

namespace paragrad::autograd {

namespace {
thread_local std::vector<SavedInfo>* listing = nullptr;  // list_saved() running on this thread
thread_local const Node* listing_owner = nullptr;        // the node whose saved tensors it lists

// The record of output `nr` of the node whose saved tensors are in use, if it has one.
const OutputMeta* output_record(const Node* n, uint32_t nr) {
  return n && nr < n->outputs.size() ? &n->outputs[nr] : nullptr;
}
}  // namespace

SavedTensor::ListingScope::ListingScope(std::vector<SavedInfo>* out, const Node* owner)
    : previous(listing), previous_owner(listing_owner) {
  listing = out;
  listing_owner = owner;
  listings_.fetch_add(1, std::memory_order_relaxed);
}

SavedTensor::ListingScope::~ListingScope() {
  listings_.fetch_sub(1, std::memory_order_relaxed);
  listing = previous;
  listing_owner = previous_owner;
}

void SavedTensor::note_copy() const {
  if (!listing || !defined()) return;
  if (data_.defined()) {
    listing->push_back(SavedInfo{listing->size(), data_.sizes(), data_.dtype(), is_output_});
  } else if (const OutputMeta* m = output_record(listing_owner, output_nr_)) {
    listing->push_back(SavedInfo{listing->size(), m->shape, m->dtype, true});
  }
}

SavedTensor::SavedTensor(const Tensor& t, bool is_output, uint32_t output_nr)
    : output_nr_(output_nr), is_output_(is_output) {
  if (!t.defined()) return;
  version_ = t.version();
  // An output is saved before record() attaches it to the node, so its requires_grad is
  // not set yet: every floating output of a recorded op will require grad.
  requires_grad_ = is_output ? is_floating(t.dtype()) : t.requires_grad();
  // An output keeps only its data (its grad_fn would point back at the saving node): its
  // elements when they are all of its storage's from the start, else a detached alias. (Not one
  // conditional expression: with a const lvalue on one side its result is a const prvalue, and
  // the alias was copied in and dropped, two atomic count updates per saved output.)
  const TensorImpl* impl = t.impl();
  if (is_output && impl->contiguous && impl->offset == 0 && !impl->view_base)
    elements_ = impl->storage;
  else if (is_output)
    data_ = t.detach();
  else
    data_ = t;
}

uint32_t SavedTensor::saved_version() const {
  return data_.defined() ? data_.version() : elements_->version();
}

namespace {
// The error for a saved tensor modified in place since it was saved (out of line, so that the check
// itself is a load and a compare).
[[noreturn]] __attribute__((noinline)) void throw_modified(const Tensor& data, uint32_t nr,
                                                           uint32_t version, uint32_t expected) {
  Node* n = current_node();
  // Which op's output the tensor is now (PyTorch says so too): the in-place op, usually.
  const TensorImpl* impl = data.impl();
  const std::string now = impl && impl->grad_fn && !impl->view_base
                              ? cat(", now output ", impl->output_nr, " of ", impl->grad_fn->name())
                              : std::string();
  const OutputMeta* m = output_record(n, nr);
  const std::string shape = impl ? cat(shape_str(impl->sizes)) : m ? cat(shape_str(m->shape)) : "?";
  throw AutogradError(cat(n ? n->name() : "backward", ": a tensor saved for backward (shape ",
                          shape, now, ") was modified by an in-place operation: it is at version ",
                          version, ", expected version ", expected));
}
}  // namespace

void SavedTensor::check_version() const {
  const uint32_t version = saved_version();
  if (version != version_) throw_modified(data_, output_nr_, version, version_);
}

// Re-attach the saving node as the output's grad_fn, so the rule stays differentiable, when
// the rule is being recorded (create_graph); a plain backward needs only the data.
bool SavedTensor::reattaches() const {
  return is_output_ && requires_grad_ && is_grad_enabled() && current_node();
}

// A header onto an output kept as its elements, of the shape and dtype the saving node recorded
// for that output (unpack runs inside that node's backward: current_node()).
Tensor SavedTensor::rebuild() const {
  const OutputMeta* m = output_record(current_node(), output_nr_);
  check<AutogradError>(m != nullptr,
                       "SavedTensor::unpack: a saved output is unpacked only inside the backward "
                       "of the node that saved it (its shape is that node's record of it)");
  int64_t numel = 1;
  for (int64_t d : m->shape) numel *= d;
  check<AutogradError>(numel * int64_t(element_size(m->dtype)) <= int64_t(elements_->nbytes()),
                       current_node()->name(), ": the saved output of shape ", shape_str(m->shape),
                       " does not fit its storage of ", elements_->nbytes(), " bytes");
  return Tensor(IntrusivePtr<TensorImpl>::from_new(
      new TensorImpl(TensorImpl::Contiguous{}, elements_, m->shape, numel, m->dtype)));
}

Tensor SavedTensor::unpack() const {
  if (!defined()) return {};
  check_version();
  if (!data_.defined()) {
    Tensor t = rebuild();
    if (reattaches()) {
      TensorImpl* impl = t.impl();
      impl->requires_grad = true;
      impl->grad_fn = NodePtr(current_node());
      impl->output_nr = output_nr_;
    }
    return t;
  }
  if (!reattaches()) return data_;
  Tensor alias = data_.detach();
  TensorImpl* impl = alias.impl();
  impl->requires_grad = true;
  impl->grad_fn = NodePtr(current_node());
  impl->output_nr = output_nr_;
  return alias;
}

const Tensor& SavedTensor::unpack(Tensor& holder) const {
  if (!data_.defined()) {  // (nothing saved, or an output kept as its elements)
    if (elements_) holder = unpack();
    return holder;
  }
  check_version();
  if (!reattaches()) return data_;
  holder = unpack();
  return holder;
}

const void* SavedTensor::plain_elements(const Tensor& like) const {
  if (!elements_ || reattaches()) return nullptr;
  check_version();
  const OutputMeta* m = output_record(current_node(), output_nr_);
  if (!m || m->dtype != like.dtype() || m->shape != like.sizes() ||
      like.numel() * int64_t(element_size(m->dtype)) > int64_t(elements_->nbytes()))
    return nullptr;  // (unpack() then raises for a record its storage does not fit)
  return elements_->data();
}

}  // namespace paragrad::autograd
