// The cache of large blocks behind engine/memory.hpp and detail/large_alloc.hpp: the blocks freed
// by large storages, kept by size class under one lock (a large tensor's work dwarfs a lock), the
// oldest given back first when a new one would pass the limit.
#include <paragrad/engine/detail/large_alloc.hpp>

#include <algorithm>
#include <deque>
#include <list>
#include <map>
#include <mutex>
#include <new>

#include <paragrad/engine/detail/small_alloc_internal.hpp>  // PARAGRAD_ASAN
#include <paragrad/engine/memory.hpp>

#ifdef PARAGRAD_ASAN
#include <sanitizer/asan_interface.h>
#define PARAGRAD_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define PARAGRAD_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define PARAGRAD_POISON(p, n) ((void)(p), (void)(n))
#define PARAGRAD_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace paragrad {
namespace detail {
namespace {

constexpr size_t kAlign = 64;
constexpr size_t kPage = 4096;
constexpr size_t kDefaultLimit = size_t(256) << 20;

void* system_alloc(size_t bytes) noexcept {
  return ::operator new(bytes, std::align_val_t(kAlign), std::nothrow);
}
void system_free(void* p) noexcept { ::operator delete(p, std::align_val_t(kAlign)); }

class Cache {
 public:
  // A kept block of class `cls`, or null. In normal builds the one kept last (its lines may still
  // be in cache); under AddressSanitizer the one kept longest, so that a pointer to a block freed
  // just now still finds it poisoned for as long as the class holds older blocks.
  void* take(size_t cls) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = by_class_.find(cls);
    if (it == by_class_.end() || it->second.empty()) return nullptr;
    std::deque<Position>& kept = it->second;
#ifdef PARAGRAD_ASAN
    const Position at = kept.front();
    kept.pop_front();
#else
    const Position at = kept.back();
    kept.pop_back();
#endif
    void* p = at->p;
    order_.erase(at);
    bytes_ -= cls;
    return p;
  }
  // Keeps p (a block of class cls); false when it is not kept: larger than the limit, or no
  // memory for the bookkeeping.
  bool keep(void* p, size_t cls) noexcept {
    std::lock_guard<std::mutex> lock(mu_);
    if (cls > limit_) return false;
    evict_to(limit_ - cls);
    try {
      order_.push_back(Entry{cls, p});
    } catch (const std::bad_alloc&) {
      return false;
    }
    try {
      by_class_[cls].push_back(std::prev(order_.end()));
    } catch (const std::bad_alloc&) {
      order_.pop_back();
      return false;
    }
    bytes_ += cls;
    PARAGRAD_POISON(p, cls);
    return true;
  }
  size_t cached() const {
    std::lock_guard<std::mutex> lock(mu_);
    return bytes_;
  }
  size_t limit() const {
    std::lock_guard<std::mutex> lock(mu_);
    return limit_;
  }
  void set_limit(size_t bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    limit_ = bytes;
    evict_to(bytes);
  }
  void release_all() {
    std::lock_guard<std::mutex> lock(mu_);
    evict_to(0);
  }

 private:
  struct Entry {
    size_t cls;
    void* p;
  };
  using Position = std::list<Entry>::iterator;

  // Gives the blocks kept longest back to the system until at most `target` bytes are kept.
  // (The oldest block overall is also the oldest of its class: both are in the order kept.)
  void evict_to(size_t target) noexcept {
    while (bytes_ > target) {
      const Entry e = order_.front();
      by_class_.find(e.cls)->second.pop_front();
      order_.pop_front();
      bytes_ -= e.cls;
      PARAGRAD_UNPOISON(e.p, e.cls);
      system_free(e.p);
    }
  }

  mutable std::mutex mu_;
  std::list<Entry> order_;  // every kept block, the oldest first
  // Per class, in the same order. A class's queue stays when it empties: a loop frees and takes
  // the same classes step after step, and building and dropping the queue each time made a kept
  // block's round trip (a 64 KiB tensor made and freed) 100 ns where it is 64 now. (There are at
  // most 8 classes per power of two.)
  std::map<size_t, std::deque<Position>> by_class_;
  size_t bytes_ = 0;
  size_t limit_ = kDefaultLimit;
};

// Never destroyed: storages freed by static destructors after this file's would otherwise find
// it gone. What it keeps at exit stays reachable from it (no leak for LeakSanitizer).
Cache& cache() {
  alignas(Cache) static unsigned char storage[sizeof(Cache)];
  static Cache* c = new (storage) Cache;
  return *c;
}

size_t bit_floor(size_t n) {
  size_t b = 1;
  while (b <= n / 2) b *= 2;
  return b;
}

}  // namespace

size_t large_block_bytes(size_t bytes) {
  if (bytes < kMinKeptBlock) return bytes;
  const size_t step = std::max(kPage, bit_floor(bytes) / 8);
  return (bytes + step - 1) / step * step;
}

void* large_alloc(size_t bytes) noexcept {
  if (bytes < kMinKeptBlock) return system_alloc(bytes);
  const size_t cls = large_block_bytes(bytes);
  if (cls < bytes) return nullptr;  // (bytes near SIZE_MAX: rounding wrapped)
  if (void* p = cache().take(cls)) {
    PARAGRAD_UNPOISON(p, bytes);  // (the class's bytes past `bytes` stay poisoned)
    return p;
  }
  void* p = system_alloc(cls);
  if (!p) {
    cache().release_all();  // the kept blocks may be what the system is missing
    p = system_alloc(cls);
  }
  if (p) PARAGRAD_POISON(static_cast<unsigned char*>(p) + bytes, cls - bytes);  // as a kept one
  return p;
}

void large_free(void* p, size_t bytes) noexcept {
  if (!p) return;
  if (bytes < kMinKeptBlock) return system_free(p);
  const size_t cls = large_block_bytes(bytes);
  if (!cache().keep(p, cls)) {
    PARAGRAD_UNPOISON(p, cls);
    system_free(p);
  }
}

}  // namespace detail

size_t memory_cached() { return detail::cache().cached(); }
void empty_cache() { detail::cache().release_all(); }
void set_memory_cache_limit(size_t bytes) { detail::cache().set_limit(bytes); }
size_t memory_cache_limit() { return detail::cache().limit(); }

}  // namespace paragrad
