#pragma once
// A small block shared by a tensor header and its storage (TensorImpl::make_contiguous): small
// tensors take one allocation, not two. Either may outlive the other (a view or a saved tensor
// keeps the storage; Tensor::set_ gives the header another one), so the block counts the two
// and whichever goes last frees it. When a header goes while holding its block's storage alone,
// both go at once without the count (IntrusiveDeleter<TensorImpl>, tensor.cpp).
#include <atomic>
#include <cstdint>

#include <paragrad/engine/detail/small_alloc.hpp>

namespace paragrad::detail {

struct SharedBlock {
  std::atomic<uint32_t> users;  // the header and the storage, while each lives
  uint32_t bytes;               // the whole block, for small_free
};
constexpr size_t kSharedBlockHeader = 16;
static_assert(sizeof(SharedBlock) <= kSharedBlockHeader);

// One of the two is gone; the last frees the block. When the count already reads 1 the other
// one has left (its decrement released what it did, the acquire load sees it) and none can come
// back, so the last one out needs no atomic read-modify-write (as IntrusivePtr::reset).
inline void leave_shared_block(void* block) noexcept {
  auto* b = static_cast<SharedBlock*>(block);
  if (b->users.load(std::memory_order_acquire) != 1 &&
      b->users.fetch_sub(1, std::memory_order_acq_rel) != 1)
    return;
  const uint32_t bytes = b->bytes;
  b->~SharedBlock();
  small_free(block, bytes);
}

}  // namespace paragrad::detail
