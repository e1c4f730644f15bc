#include <paragrad/engine/storage.hpp>

#include <functional>
#include <new>
#include <utility>

#include <paragrad/engine/detail/large_alloc.hpp>
#include <paragrad/engine/detail/shared_block.hpp>
#include <paragrad/engine/detail/small_alloc.hpp>
#include <paragrad/engine/error.hpp>

namespace paragrad {

namespace {
// 64-byte alignment suits SIMD loads; malloc's 16-byte alignment is enough (and faster to
// get) for small tensors, which matter for per-op overhead.
constexpr size_t kAlign = 64;
constexpr size_t kHeader = (sizeof(Storage) + kAlign - 1) / kAlign * kAlign;
constexpr size_t kSmall = 1024;
constexpr size_t kSmallHeader = kStorageHeader;
// No tensor may claim more than this (2^46 bytes): a corrupt shape fails cleanly.
constexpr size_t kMaxBytes = size_t(1) << 46;

// A wrapped (external) storage: the header, then the caller's deleter, in one block.
struct ExternalDeleter {
  std::function<void(void*)> fn;
};
constexpr size_t kExternalHeader = (sizeof(Storage) + alignof(ExternalDeleter) - 1) /
                                   alignof(ExternalDeleter) * alignof(ExternalDeleter);
ExternalDeleter* external_deleter(Storage* s) {
  return std::launder(
      reinterpret_cast<ExternalDeleter*>(reinterpret_cast<unsigned char*>(s) + kExternalHeader));
}
}  // namespace

IntrusivePtr<Storage> Storage::allocate(size_t nbytes, const char* op) {
  check<ValueError>(nbytes <= kMaxBytes, op, ": cannot allocate ", nbytes,
                    " bytes: more than any tensor may hold (2^46 bytes)");
  const bool small = nbytes <= kSmall;
  // Large blocks come from the cache of freed ones (engine/memory.hpp), else from the system
  // through the nothrow form: a refusal is a null pointer even under AddressSanitizer (with
  // allocator_may_return_null=1), whose operator new cannot throw.
  void* block = nullptr;
  try {
    block =
        small ? detail::small_alloc(kSmallHeader + nbytes) : detail::large_alloc(kHeader + nbytes);
  } catch (const std::bad_alloc&) {
    block = nullptr;
  }
  check<ValueError>(block != nullptr, op, ": cannot allocate ", nbytes, " bytes: out of memory");
  auto* data = static_cast<unsigned char*>(block) + (small ? kSmallHeader : kHeader);
  return IntrusivePtr<Storage>::from_new(new (block) Storage(data, nbytes));
}

void Storage::raise_version_to(uint32_t v) {
  uint32_t now = version_.load(std::memory_order_relaxed);
  while (now < v && !version_.compare_exchange_weak(now, v, std::memory_order_relaxed)) {
  }
}

IntrusivePtr<Storage> Storage::wrap(void* data, size_t nbytes, std::function<void(void*)> deleter) {
  void* block = ::operator new(kExternalHeader + sizeof(ExternalDeleter), std::nothrow);
  check<ValueError>(block != nullptr, "from_blob: out of memory");
  new (static_cast<unsigned char*>(block) + kExternalHeader) ExternalDeleter{std::move(deleter)};
  auto* s = new (block) Storage(data, nbytes);
  s->external_ = true;
  return IntrusivePtr<Storage>::from_new(s);
}

void IntrusiveDeleter<Storage>::destroy(Storage* s) {
  if (s->is_external()) {
    // The memory is the caller's: hand it back through the deleter, exactly once.
    ExternalDeleter* d = external_deleter(s);
    void* data = s->data();
    s->~Storage();
    if (d->fn) d->fn(data);
    d->~ExternalDeleter();
    ::operator delete(static_cast<void*>(s));
    return;
  }
  if (s->block_offset_ != 0) {
    void* block = reinterpret_cast<unsigned char*>(s) - s->block_offset_;
    s->~Storage();
    detail::leave_shared_block(block);
    return;
  }
  const size_t nbytes = s->nbytes();
  s->~Storage();
  if (nbytes <= kSmall)
    detail::small_free(static_cast<void*>(s), kSmallHeader + nbytes);
  else
    detail::large_free(static_cast<void*>(s), kHeader + nbytes);
}

}  // namespace paragrad
