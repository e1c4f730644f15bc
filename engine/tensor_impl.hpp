#pragma once
// What a Tensor handle points to: a strided window (sizes, strides, offset) onto a
// Storage, plus autograd state. Views are TensorImpls that share one Storage; each view
// knows its base, the tensor it views (see autograd/views.hpp).
#include <atomic>
#include <cstdint>

#include <paragrad/engine/detail/small_alloc.hpp>
#include <paragrad/engine/dtype.hpp>
#include <paragrad/engine/export.hpp>
#include <paragrad/engine/intrusive_ptr.hpp>
#include <paragrad/engine/small_vector.hpp>
#include <paragrad/engine/storage.hpp>

PARAGRAD_API_BEGIN

namespace paragrad {

using Dims = SmallVec<int64_t, 5>;  // sizes and strides; inline up to 5 dims

namespace autograd {
class Node;
struct TensorHooks;
}  // namespace autograd
// Graph nodes are freed through a trampoline (see autograd/node.cpp), so dropping the
// last reference to a chain of a million nodes does not recurse a million deep.
template <>
struct IntrusiveDeleter<autograd::Node> {
  static void destroy(autograd::Node* n);
};
// A leaf keeps a weak pointer to its gradient accumulator (autograd/node.cpp).
template <>
struct IntrusiveHasWeakRefs<autograd::Node> : std::true_type {};
using NodePtr = IntrusivePtr<autograd::Node>;

class TensorImpl;
// A tensor header may share its block with its storage (TensorImpl::make_contiguous): freed
// through tensor.cpp, which knows the block.
template <>
struct IntrusiveDeleter<TensorImpl> {
  static void destroy(TensorImpl* t) noexcept;
};

// Where a view was made; in-place ops on views made without grad mode are refused with it on.
enum class ViewCreation : uint8_t { GradMode, NoGradMode };

class TensorImpl : public RefCounted, public detail::SmallObject {
 public:
  TensorImpl(IntrusivePtr<Storage> storage, Dims sizes, Dims strides, int64_t offset, Dtype dtype);
  // A new contiguous tensor of `sizes` at the start of `storage`, its element count already
  // known (detail::empty_for checked the sizes): no layout to work out or check.
  struct Contiguous {};
  TensorImpl(Contiguous, IntrusivePtr<Storage> storage, const Dims& sizes, int64_t numel,
             Dtype dtype);
  // A new header onto the same elements as `src` (detach): its layout is src's.
  struct SameLayout {};
  TensorImpl(SameLayout, const TensorImpl& src);
  ~TensorImpl();
  // A new contiguous tensor on new, uninitialized storage of `nbytes` (detail::empty_for checked
  // sizes, numel and nbytes). A small one takes a single block for its header, storage and
  // elements (detail/shared_block.hpp): one allocation and one free per small tensor, not two.
  static IntrusivePtr<TensorImpl> make_contiguous(const Dims& sizes, int64_t numel, Dtype dtype,
                                                  size_t nbytes, const char* op);

  // Strides are in elements. numel and contiguity are computed once, here.
  IntrusivePtr<Storage> storage;
  Dims sizes;
  Dims strides;
  int64_t offset;
  int64_t numel;
  Dtype dtype;
  bool contiguous;

  // autograd
  bool requires_grad = false;
  uint32_t output_nr = 0;                      // which output of grad_fn this tensor is
  uint32_t history = 0;                        // bumped when an in-place op replaces grad_fn
  NodePtr grad_fn;                             // set for results of recorded ops
  autograd::Node* grad_accumulator = nullptr;  // leaves: weak, under a lock (autograd/node.cpp)
  IntrusivePtr<TensorImpl> grad;               // accumulated .grad() of a leaf
  // Hooks and retain_grad (autograd/hooks.hpp): null unless one was registered on this tensor.
  std::atomic<autograd::TensorHooks*> hooks{nullptr};

  // Views: the tensor whose storage they view (never itself a view: a view of a view has the
  // first one's base), the base's `history` when this view's grad_fn was last set (read
  // grad_fn through Tensor::grad_fn(), which rebuilds it when the base's history moved on),
  // and whether the view was made with grad mode on.
  IntrusivePtr<TensorImpl> view_base;
  std::atomic<uint32_t> view_history{0};
  ViewCreation view_creation = ViewCreation::GradMode;
  bool in_block = false;  // made by make_contiguous in a block shared with its first storage

  template <class T>
  T* data() const {
    return static_cast<T*>(storage->data()) + offset;
  }
  void* raw_data() const {
    return static_cast<unsigned char*>(storage->data()) + offset * int64_t(element_size(dtype));
  }
  void recompute_layout();  // after editing sizes/strides: numel and contiguous
};

namespace autograd {
void drop_tensor_hooks(TensorImpl& t) noexcept;  // from ~TensorImpl (autograd/hooks.cpp)
}

// Contiguous (row-major) strides for sizes.
Dims contiguous_strides(const Dims& sizes);

namespace autograd {
// The grad_fn of a view, rebuilt from its base if an in-place op rewrote the base's history
// since it was set (autograd/views.cpp). `op` names the caller in error messages.
const NodePtr& view_grad_fn(TensorImpl& view, const char* op = "grad_fn");
}  // namespace autograd

}  // namespace paragrad

PARAGRAD_API_END
