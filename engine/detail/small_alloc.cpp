#include <paragrad/engine/detail/small_alloc.hpp>

#include <new>

// Under AddressSanitizer the cache stays on, so that it is tested too, and tells ASan what it
// does: a cached block is poisoned (any use of a freed object is reported), a block handed
// out is unpoisoned only up to the bytes asked for (the rest of its size class stays
// poisoned), and freed blocks wait in a FIFO quarantine before reuse, so a stale pointer still
// hits poisoned memory for a while.
#if defined(__SANITIZE_ADDRESS__)
#define PARAGRAD_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PARAGRAD_ASAN 1
#endif
#endif

#ifdef PARAGRAD_ASAN
#include <sanitizer/asan_interface.h>
#define PARAGRAD_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define PARAGRAD_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define PARAGRAD_POISON(p, n) ((void)(p), (void)(n))
#define PARAGRAD_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace paragrad::detail {

namespace {

constexpr size_t kGranule = 16;
constexpr size_t kClasses = kMaxSmallBlock / kGranule;
constexpr size_t kMaxCachedBytes = size_t(1) << 20;  // per size class and thread
#ifdef PARAGRAD_ASAN
constexpr size_t kQuarantine = 256;  // blocks per class that wait before reuse
#else
constexpr size_t kQuarantine = 0;
#endif

struct FreeBlock {
  FreeBlock* next;
};

size_t class_of(size_t bytes) { return (bytes + kGranule - 1) / kGranule - 1; }
size_t class_bytes(size_t c) { return (c + 1) * kGranule; }

// Set while this thread's cache exists (trivially destructible, so always readable): blocks
// freed during thread teardown, after the cache is gone, go straight back to the system.
thread_local bool cache_alive = false;

// One list of free blocks per size class. Normally a stack (the most recently freed block,
// still in cache, is reused first); under ASan a queue (the oldest is reused first).
struct Cache {
  Cache() { cache_alive = true; }
  ~Cache() {
    cache_alive = false;
    for (size_t c = 0; c < kClasses; ++c)
      while (void* b = pop(c)) ::operator delete(b);
  }

  void push(size_t c, void* p) {
    auto* b = static_cast<FreeBlock*>(p);
    if constexpr (kQuarantine == 0) {  // onto the front
      b->next = head[c];
      head[c] = b;
    } else {  // onto the back; the last block's link is inside its poisoned memory
      b->next = nullptr;
      if (tail[c]) {
        PARAGRAD_UNPOISON(tail[c], sizeof(FreeBlock));
        tail[c]->next = b;
        PARAGRAD_POISON(tail[c], class_bytes(c));
      } else {
        head[c] = b;
      }
      tail[c] = b;
    }
    PARAGRAD_POISON(b, class_bytes(c));
    ++count[c];
  }
  // The front block (unpoisoned), or nullptr when the list is empty.
  void* pop(size_t c) {
    FreeBlock* b = head[c];
    if (!b) return nullptr;
    PARAGRAD_UNPOISON(b, class_bytes(c));
    head[c] = b->next;
    if constexpr (kQuarantine > 0)
      if (!head[c]) tail[c] = nullptr;
    --count[c];
    return b;
  }

  FreeBlock* head[kClasses] = {};
  FreeBlock* tail[kClasses] = {};
  size_t count[kClasses] = {};
};

thread_local Cache cache;  // constructed on its thread's first use

Cache* this_thread_cache() {
  Cache* k = &cache;
  return cache_alive ? k : nullptr;
}

}  // namespace

// Under AddressSanitizer the cache is bypassed for now: with it on, libFuzzer's per-input leak
// check reported blocks held in the cache as leaks (.ci/fuzz). The poisoning above is kept for
// when that is understood.
#ifdef PARAGRAD_ASAN
constexpr bool kBypassCache = true;
#else
constexpr bool kBypassCache = false;
#endif

void* small_alloc(size_t bytes) {
  if (kBypassCache || bytes == 0 || bytes > kMaxSmallBlock) return ::operator new(bytes);
  const size_t c = class_of(bytes);
  void* p = nullptr;
  Cache* k = this_thread_cache();
  if (k && k->count[c] > kQuarantine) p = k->pop(c);
  if (!p) p = ::operator new(class_bytes(c));
  PARAGRAD_POISON(p, class_bytes(c));  // only what was asked for is usable
  PARAGRAD_UNPOISON(p, bytes);
  return p;
}

void small_free(void* p, size_t bytes) noexcept {
  if (!p) return;
  if (kBypassCache || bytes == 0 || bytes > kMaxSmallBlock) {
    ::operator delete(p);
    return;
  }
  const size_t c = class_of(bytes);
  Cache* k = this_thread_cache();
  if (!k || (k->count[c] + 1) * class_bytes(c) > kMaxCachedBytes + kQuarantine * class_bytes(c)) {
    PARAGRAD_UNPOISON(p, class_bytes(c));
    ::operator delete(p);
    return;
  }
  PARAGRAD_UNPOISON(p, class_bytes(c));
  k->push(c, p);
}

}  // namespace paragrad::detail
