#pragma once
// A Storage is one block of elements shared by a tensor and all its views. It also
// holds the version counter: every in-place write bumps it, and a tensor saved for
// backward remembers the version it saw (see autograd/saved_tensor.hpp). The counter is
// atomic: threads sharing a tensor may write it and save it at the same time.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>

#include <paragrad/engine/export.hpp>
#include <paragrad/engine/intrusive_ptr.hpp>

PARAGRAD_API_BEGIN

namespace paragrad {

class Storage : public RefCounted {
 public:
  // One allocation holds this header and the data, 64-byte aligned. A request beyond 2^46
  // bytes or one the system refuses raises ValueError "<op>: cannot allocate N bytes ...".
  static IntrusivePtr<Storage> allocate(size_t nbytes, const char* op = "allocate");
  // Memory the caller owns (from_blob, engine/interop.hpp): never freed here; `deleter`, if
  // set, runs exactly once with `data` when the last reference goes away (it must not throw).
  static IntrusivePtr<Storage> wrap(void* data, size_t nbytes, std::function<void(void*)> deleter);

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  uint32_t version() const { return version_.load(std::memory_order_relaxed); }
  void bump_version() { version_.fetch_add(1, std::memory_order_relaxed); }
  // Raises the counter to at least v: a storage that Tensor::set_ hands to a tensor continues
  // that tensor's count, so what was saved from the tensor before is seen as modified.
  void raise_version_to(uint32_t v);
  bool is_external() const { return external_; }  // made by wrap()

 private:
  friend struct IntrusiveDeleter<Storage>;
  // TensorImpl::make_contiguous places a small tensor's storage in the block it shares with the
  // header (one allocation per small tensor, not two): the storage's elements right after it
  // (kStorageHeader bytes on), and `block_offset_` its distance from the block's start, where a
  // detail::SharedBlock counts who still uses the block.
  friend class TensorImpl;
  Storage(void* data, size_t nbytes) : data_(data), nbytes_(nbytes) {}
  void* data_;
  size_t nbytes_;
  std::atomic<uint32_t> version_{0};
  bool external_ = false;      // fits the padding after version_: sizeof(Storage) is unchanged
  uint16_t block_offset_ = 0;  // in a shared block (make_contiguous) when not 0; also padding
};

// The bytes from a small storage's start to its elements (16-byte aligned).
inline constexpr size_t kStorageHeader = (sizeof(Storage) + 15) / 16 * 16;

template <>
struct IntrusiveDeleter<Storage> {
  static void destroy(Storage* s);
};

}  // namespace paragrad

PARAGRAD_API_END
