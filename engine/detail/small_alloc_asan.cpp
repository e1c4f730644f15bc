// The small-block allocator under AddressSanitizer: a per-thread cache of blocks taken from
// ::operator new one by one (without sanitizers, blocks come from pages: small_alloc.cpp).
//
// The cache stays on, so that it is tested too, and tells ASan what it does: a cached block is
// poisoned (any use of a freed object is reported), a block handed out is unpoisoned only up to
// the bytes asked for (the rest of its size class stays poisoned), and freed blocks wait in a
// FIFO quarantine before reuse, so a stale pointer still hits poisoned memory for a while.
#include <paragrad/engine/detail/small_alloc_internal.hpp>

#ifdef PARAGRAD_ASAN
#include <sanitizer/asan_interface.h>

#include <deque>
#include <mutex>
#include <new>

#define PARAGRAD_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define PARAGRAD_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)

namespace paragrad::detail {

namespace {

constexpr size_t kClasses = kSmallClasses;
constexpr size_t kMaxCachedBytes = size_t(1) << 20;  // per size class and thread
constexpr size_t kQuarantine = 256;                  // blocks per class that wait before reuse

size_t class_of(size_t bytes) { return small_class_of(bytes); }
size_t class_bytes(size_t c) { return small_class_bytes(c); }

// Set while this thread's cache exists (trivially destructible, so always readable): blocks
// freed during thread teardown, after the cache is gone, go straight back to the system.
thread_local bool cache_alive = false;

// A queue per class (the oldest block is reused first, so a freed block waits in
// quarantine), kept outside the blocks. A cached block is poisoned whole, and LeakSanitizer
// ignores pointers stored in poisoned memory, so links inside the blocks would hide every block
// behind the first from it: a leak check in mid-run (libFuzzer makes one after every input)
// would report them. The lists live on the heap, each linked from a global registry, so cached
// blocks are reachable whatever LeakSanitizer sees of thread-local storage, while a block lost
// outside the cache is still reported (tests/engine/test_leak_scenarios.cpp).
struct Lists {
  std::deque<void*> fifo[kClasses];
  Lists* prev = nullptr;  // in the registry
  Lists* next = nullptr;

  bool push(size_t c, void* p) {
    try {
      fifo[c].push_back(p);
      return true;
    } catch (const std::bad_alloc&) {
      return false;
    }
  }
  void* pop(size_t c) {
    if (fifo[c].empty()) return nullptr;
    void* p = fifo[c].front();
    fifo[c].pop_front();
    return p;
  }
  size_t count(size_t c) const { return fifo[c].size(); }
};

std::mutex registry_mutex;
Lists* registry = nullptr;

Lists* register_lists() {
  auto* l = new (std::nothrow) Lists;
  if (!l) return nullptr;  // no cache on this thread: blocks go straight to the system
  const std::lock_guard<std::mutex> lock(registry_mutex);
  l->next = registry;
  if (registry) registry->prev = l;
  registry = l;
  return l;
}
void unregister_lists(Lists* l) {
  {
    const std::lock_guard<std::mutex> lock(registry_mutex);
    (l->prev ? l->prev->next : registry) = l->next;
    if (l->next) l->next->prev = l->prev;
  }
  delete l;
}

// This thread's lists.
struct Cache {
  Cache() : lists_(register_lists()) { cache_alive = lists_ != nullptr; }
  Lists& lists() { return *lists_; }
  ~Cache() {
    if (!lists_) return;
    cache_alive = false;
    for (size_t c = 0; c < kClasses; ++c)
      while (void* b = pop(c)) ::operator delete(b);
    unregister_lists(lists_);
  }

  // Keeps p (poisoned), or gives it back to the system when the list cannot grow.
  void push(size_t c, void* p) {
    if (!lists().push(c, p)) {
      ::operator delete(p);
      return;
    }
    PARAGRAD_POISON(p, class_bytes(c));
  }
  // A cached block (unpoisoned), or nullptr when the list is empty.
  void* pop(size_t c) {
    void* p = lists().pop(c);
    if (p) PARAGRAD_UNPOISON(p, class_bytes(c));
    return p;
  }
  size_t count(size_t c) { return lists().count(c); }

 private:
  Lists* lists_;
};

thread_local Cache cache;  // constructed on its thread's first use

Cache* this_thread_cache() {
  Cache* k = &cache;
  return cache_alive ? k : nullptr;
}

}  // namespace

void* small_alloc(size_t bytes) {
  if (bytes == 0 || bytes > kMaxSmallBlock) return ::operator new(bytes);
  const size_t c = class_of(bytes);
  void* p = nullptr;
  Cache* k = this_thread_cache();
  if (k && k->count(c) > kQuarantine) p = k->pop(c);
  if (!p) p = ::operator new(class_bytes(c));
  PARAGRAD_POISON(p, class_bytes(c));  // only what was asked for is usable
  PARAGRAD_UNPOISON(p, bytes);
  return p;
}

void small_free(void* p, size_t bytes) noexcept {
  if (!p) return;
  if (bytes == 0 || bytes > kMaxSmallBlock) {
    ::operator delete(p);
    return;
  }
  const size_t c = class_of(bytes);
  Cache* k = this_thread_cache();
  if (!k || (k->count(c) + 1) * class_bytes(c) > kMaxCachedBytes + kQuarantine * class_bytes(c)) {
    PARAGRAD_UNPOISON(p, class_bytes(c));
    ::operator delete(p);
    return;
  }
  PARAGRAD_UNPOISON(p, class_bytes(c));
  k->push(c, p);
}

SmallPageCounts small_page_counts() { return {}; }
size_t small_page_bytes() { return 0; }

}  // namespace paragrad::detail

#endif  // PARAGRAD_ASAN
