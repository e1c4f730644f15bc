#include <paragrad/engine/detail/small_alloc.hpp>

#include <new>

#if defined(__SANITIZE_ADDRESS__)
#define PARAGRAD_SMALL_ALLOC_CACHE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PARAGRAD_SMALL_ALLOC_CACHE 0
#endif
#endif
#ifndef PARAGRAD_SMALL_ALLOC_CACHE
#define PARAGRAD_SMALL_ALLOC_CACHE 1
#endif

namespace paragrad::detail {

#if PARAGRAD_SMALL_ALLOC_CACHE

namespace {

constexpr size_t kGranule = 16;
constexpr size_t kClasses = kMaxSmallBlock / kGranule;
constexpr size_t kMaxCachedBytes = size_t(1) << 20;  // per size class and thread

struct FreeBlock {
  FreeBlock* next;
};

// Set while this thread's cache exists (trivially destructible, so always readable): blocks
// freed during thread teardown, after the cache is gone, go straight back to the system.
thread_local bool cache_alive = false;

struct Cache {
  Cache() { cache_alive = true; }
  ~Cache() {
    cache_alive = false;
    for (size_t c = 0; c < kClasses; ++c) {
      while (FreeBlock* b = head[c]) {
        head[c] = b->next;
        ::operator delete(static_cast<void*>(b));
      }
    }
  }
  FreeBlock* head[kClasses] = {};
  size_t count[kClasses] = {};
};

thread_local Cache cache;  // constructed on its thread's first use

Cache* this_thread_cache() {
  Cache* k = &cache;
  return cache_alive ? k : nullptr;
}

size_t class_of(size_t bytes) { return (bytes + kGranule - 1) / kGranule - 1; }

}  // namespace

void* small_alloc(size_t bytes) {
  if (bytes == 0 || bytes > kMaxSmallBlock) return ::operator new(bytes);
  const size_t c = class_of(bytes);
  if (Cache* k = this_thread_cache()) {
    if (FreeBlock* b = k->head[c]) {
      k->head[c] = b->next;
      --k->count[c];
      return b;
    }
  }
  return ::operator new((c + 1) * kGranule);
}

void small_free(void* p, size_t bytes) noexcept {
  if (!p) return;
  if (bytes == 0 || bytes > kMaxSmallBlock) {
    ::operator delete(p);
    return;
  }
  const size_t c = class_of(bytes);
  Cache* k = this_thread_cache();
  if (!k || (k->count[c] + 1) * (c + 1) * kGranule > kMaxCachedBytes) {
    ::operator delete(p);
    return;
  }
  auto* b = static_cast<FreeBlock*>(p);
  b->next = k->head[c];
  k->head[c] = b;
  ++k->count[c];
}

#else  // sanitizer builds: plain new and delete

void* small_alloc(size_t bytes) { return ::operator new(bytes); }
void small_free(void* p, size_t) noexcept { ::operator delete(p); }

#endif

}  // namespace paragrad::detail
