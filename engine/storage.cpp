#include <paragrad/engine/storage.hpp>

#include <new>

#include <paragrad/engine/error.hpp>

namespace paragrad {

namespace {
constexpr size_t kAlign = 64;
constexpr size_t kHeader = (sizeof(Storage) + kAlign - 1) / kAlign * kAlign;
// No tensor may claim more than this (2^46 bytes): a corrupt shape fails cleanly.
constexpr size_t kMaxBytes = size_t(1) << 46;
}  // namespace

IntrusivePtr<Storage> Storage::allocate(size_t nbytes) {
  check<ValueError>(nbytes <= kMaxBytes, "allocate: ", nbytes,
                    " bytes is more than any tensor may hold");
  void* block = ::operator new(kHeader + nbytes, std::align_val_t(kAlign));
  auto* data = static_cast<unsigned char*>(block) + kHeader;
  return IntrusivePtr<Storage>(new (block) Storage(data, nbytes));
}

void IntrusiveDeleter<Storage>::destroy(Storage* s) {
  s->~Storage();
  ::operator delete(static_cast<void*>(s), std::align_val_t(kAlign));
}

}  // namespace paragrad
