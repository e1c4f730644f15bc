#include <paragrad/engine/storage.hpp>

#include <new>

#include <paragrad/engine/detail/small_alloc.hpp>
#include <paragrad/engine/error.hpp>

namespace paragrad {

namespace {
// 64-byte alignment suits SIMD loads; malloc's 16-byte alignment is enough (and faster to
// get) for small tensors, which matter for per-op overhead.
constexpr size_t kAlign = 64;
constexpr size_t kHeader = (sizeof(Storage) + kAlign - 1) / kAlign * kAlign;
constexpr size_t kSmall = 1024;
constexpr size_t kSmallHeader = (sizeof(Storage) + 15) / 16 * 16;
// No tensor may claim more than this (2^46 bytes): a corrupt shape fails cleanly.
constexpr size_t kMaxBytes = size_t(1) << 46;
}  // namespace

IntrusivePtr<Storage> Storage::allocate(size_t nbytes, const char* op) {
  check<ValueError>(nbytes <= kMaxBytes, op, ": cannot allocate ", nbytes,
                    " bytes: more than any tensor may hold (2^46 bytes)");
  const bool small = nbytes <= kSmall;
  // The nothrow form for large blocks: a refusal is a null pointer here even under
  // AddressSanitizer (with allocator_may_return_null=1), whose operator new cannot throw.
  void* block = nullptr;
  try {
    block = small ? detail::small_alloc(kSmallHeader + nbytes)
                  : ::operator new(kHeader + nbytes, std::align_val_t(kAlign), std::nothrow);
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

void IntrusiveDeleter<Storage>::destroy(Storage* s) {
  const size_t nbytes = s->nbytes();
  s->~Storage();
  if (nbytes <= kSmall)
    detail::small_free(static_cast<void*>(s), kSmallHeader + nbytes);
  else
    ::operator delete(static_cast<void*>(s), std::align_val_t(kAlign));
}

}  // namespace paragrad
