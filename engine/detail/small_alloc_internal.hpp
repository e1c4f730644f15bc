#pragma once
// What the two implementations of the small-block allocator share (small_alloc.cpp: pages,
// small_alloc_asan.cpp: the cache kept under AddressSanitizer), and what the tests read of it.
#include <cstddef>
#include <cstdint>

#include <paragrad/engine/detail/small_alloc.hpp>

#if defined(__SANITIZE_ADDRESS__)
#define PARAGRAD_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PARAGRAD_ASAN 1
#endif
#endif

namespace paragrad::detail {

// Size classes of 16 bytes: class c holds blocks of (c + 1) · 16 bytes.
constexpr size_t kSmallGranule = 16;
constexpr size_t kSmallClasses = kMaxSmallBlock / kSmallGranule;
inline size_t small_class_of(size_t bytes) {
  return (bytes + kSmallGranule - 1) / kSmallGranule - 1;
}
inline size_t small_class_bytes(size_t c) { return (c + 1) * kSmallGranule; }

// For tests (tests/threads/test_small_alloc.cpp). Without pages (under ASan) all are -1.
struct SmallPageCounts {
  int64_t alive = -1;        // pages allocated from the system and not yet given back, all threads
  int64_t this_thread = -1;  // pages this thread's heap holds (in use, full or spare)
};
SmallPageCounts small_page_counts();
// The bytes of a page (its blocks are carved from one aligned block of this size), 0 under ASan.
size_t small_page_bytes();

}  // namespace paragrad::detail
