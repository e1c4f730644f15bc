// The small-block allocator (small_alloc.hpp) without AddressSanitizer: blocks carved from pages.
//
// Each thread has a heap; for each size class the heap holds pages of 64 KiB, each aligned to its
// size and carved into blocks of one class, so that a block's page is found from its address.
// A page hands out its free blocks (a stack threaded through them), else the next never-used
// block (a bump pointer). Blocks taken one after another are therefore neighbours in memory
// whatever state malloc's heap is in: a long graph built after other code fragmented the heap
// is laid out as densely as one built in a fresh process, and walking it (backward, freeing it)
// stays cache- and TLB-friendly. (With blocks taken from malloc one by one, bench/ deep_chain's
// 1,000,000-op chain took 298-339 ms in the first round of each attempt and 780-1,165 ms in the
// rounds after LibTorch's run had fragmented the heap: bench/results/2026-12-03-103534.md; with
// pages, 327-389 ms in every round: 2026-12-03-155350.md.)
//
// Freeing:
// - by the page's owner thread: the block goes on its page's free list. A page whose last block
//   comes back is returned to the system, except a few kept as spares for any class.
// - by any other thread: the block is pushed onto the page's `remote` stack (lock-free); the
//   owner takes the stack back when the page runs dry. Pages that ran dry wait on a `full` list;
//   the owner looks through it before it allocates a new page, each time it has allocated as
//   many new pages since its last look as half the full list holds (so the looks cost O(1) per
//   page, and blocks freed by other threads are reused: memory stays within about twice what is
//   live).
// - after the owner thread has ended: on its way out the heap marks each page with blocks still
//   out as abandoned; whoever frees the last of them returns the page (under a global mutex,
//   taken only for abandoned pages).
#include <paragrad/engine/branch_hints.hpp>
#include <paragrad/engine/detail/small_alloc_internal.hpp>

#ifndef PARAGRAD_ASAN
#include <atomic>
#include <mutex>
#include <new>

#if defined(__unix__) || defined(__APPLE__)
#include <sys/mman.h>
#define PARAGRAD_SMALL_PAGES_MMAP 1
#else
#define PARAGRAD_SMALL_PAGES_MMAP 0
#endif

namespace paragrad::detail {

namespace {

constexpr size_t kPageBytes = size_t(1) << 16;
constexpr size_t kSparePages = 8;    // empty pages a heap keeps for reuse (512 KiB)
constexpr uintptr_t kAbandoned = 1;  // `remote` of a page whose owner thread has ended

struct FreeBlock {
  FreeBlock* next;
};

std::atomic<int64_t> pages_alive{0};
std::mutex abandoned_mutex;  // guards `used` of abandoned pages
std::atomic<uint64_t> next_heap_id{1};

struct Page {
  // Set when the page is carved and not changed until it is given back (read by any thread).
  uint64_t owner = 0;  // id of the heap that carved it
  size_t block = 0;    // bytes of each block

  // The owner's, until the page is abandoned; then guarded by abandoned_mutex.
  size_t used = 0;  // blocks handed out and not back on `free` (those on `remote` included)
  FreeBlock* free = nullptr;
  char* bump = nullptr;  // the next never-used block
  char* end = nullptr;
  Page* prev = nullptr;  // in the heap's list for the page's class
  Page* next = nullptr;
  bool full = false;  // on the `full` list rather than the `avail` list

  // Blocks freed by other threads: a stack (or kAbandoned).
  std::atomic<uintptr_t> remote{0};
};

constexpr size_t kPageHeader = (sizeof(Page) + kSmallGranule - 1) / kSmallGranule * kSmallGranule;
static_assert(kPageHeader + kMaxSmallBlock <= kPageBytes, "a page holds at least one block");

Page* page_of(void* p) {
  return reinterpret_cast<Page*>(reinterpret_cast<uintptr_t>(p) & ~uintptr_t(kPageBytes - 1));
}

// Pages come straight from the system (mmap where there is one), not from malloc: a page
// request through malloc after other code freed many small blocks makes malloc sort and merge
// all of them first (a profile of deep_chain after LibTorch's run showed it). A heap maps
// address space a chunk of kChunkPages pages at a time (one mapping, aligned by mapping a page
// more and unmapping the ends) and carves pages from it as it needs them. Once a heap has carved
// a whole chunk's worth (a large graph is being built), each new page is prefaulted in one call
// (MADV_POPULATE_WRITE, Linux 5.14; elsewhere the first touch faults as usual) rather than by 16
// faults; a thread that needs few pages only makes resident what it touches. A page that is given
// back is unmapped alone (so a long-lived mix of live and empty pages may split a chunk's mapping
// in several: at most one mapping per live page).
#if PARAGRAD_SMALL_PAGES_MMAP
constexpr size_t kChunkPages = 32;  // 2 MiB of address space

void* map_chunk() {
  const size_t bytes = (kChunkPages + 1) * kPageBytes;
  void* m = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) throw std::bad_alloc();
  const auto start = reinterpret_cast<uintptr_t>(m);
  const uintptr_t aligned = (start + kPageBytes - 1) & ~uintptr_t(kPageBytes - 1);
  const uintptr_t stop = aligned + kChunkPages * kPageBytes;
  if (aligned > start) ::munmap(m, aligned - start);
  if (start + bytes > stop) ::munmap(reinterpret_cast<void*>(stop), start + bytes - stop);
  return reinterpret_cast<void*>(aligned);
}
void prefault(void* page) {
#ifdef MADV_POPULATE_WRITE
  (void)::madvise(page, kPageBytes, MADV_POPULATE_WRITE);  // a failure only means faults later
#else
  (void)page;
#endif
}
void unmap_page(void* p) { ::munmap(p, kPageBytes); }
#else
constexpr size_t kChunkPages = 1;
void* map_chunk() { return ::operator new(kPageBytes, std::align_val_t(kPageBytes)); }
void prefault(void*) {}
void unmap_page(void* p) { ::operator delete(p, std::align_val_t(kPageBytes)); }
#endif

// Address space mapped for pages and not carved yet (a heap's).
struct Chunk {
  char* next = nullptr;
  size_t left = 0;    // pages
  size_t carved = 0;  // pages carved by this heap so far
  ~Chunk() {
    for (; left > 0; --left, next += kPageBytes) unmap_page(next);
  }
  Chunk() = default;
  Chunk(const Chunk&) = delete;
  Chunk& operator=(const Chunk&) = delete;
};

Page* system_page(Chunk& chunk) {
  if (chunk.left == 0) {
    chunk.next = static_cast<char*>(map_chunk());
    chunk.left = kChunkPages;
  }
  void* mem = chunk.next;
  chunk.next += kPageBytes;
  --chunk.left;
  if (++chunk.carved > kChunkPages) prefault(mem);
  pages_alive.fetch_add(1, std::memory_order_relaxed);
  return new (mem) Page;
}
void return_page(Page* pg) {
  pg->~Page();
  unmap_page(pg);
  pages_alive.fetch_sub(1, std::memory_order_relaxed);
}

// Puts a stack of blocks taken off `remote` on the page's free list; returns how many.
size_t splice(Page* pg, uintptr_t stack) {
  size_t n = 0;
  for (auto* b = reinterpret_cast<FreeBlock*>(stack); b;) {
    FreeBlock* next = b->next;
    b->next = pg->free;
    pg->free = b;
    b = next;
    ++n;
  }
  return n;
}

// A doubly linked list of pages.
struct PageList {
  Page* head = nullptr;
  size_t count = 0;

  void push_front(Page* pg) {
    pg->prev = nullptr;
    pg->next = head;
    if (head) head->prev = pg;
    head = pg;
    ++count;
  }
  // Behind the head: the head stays the page blocks are taken from.
  void push_second(Page* pg) {
    if (!head) return push_front(pg);
    pg->prev = head;
    pg->next = head->next;
    if (head->next) head->next->prev = pg;
    head->next = pg;
    ++count;
  }
  void remove(Page* pg) {
    (pg->prev ? pg->prev->next : head) = pg->next;
    if (pg->next) pg->next->prev = pg->prev;
    pg->prev = pg->next = nullptr;
    --count;
  }
};

class Heap {
 public:
  Heap() : id_(next_heap_id.fetch_add(1, std::memory_order_relaxed)) {}
  Heap(const Heap&) = delete;
  Heap& operator=(const Heap&) = delete;
  ~Heap();

  uint64_t id() const { return id_; }
  int64_t pages_held() const {
    size_t n = spares_;
    for (size_t c = 0; c < kSmallClasses; ++c) n += avail_[c].count + full_[c].count;
    return int64_t(n);
  }

  // The common case inline: a free block, or the next never-used one, of the current page.
  void* allocate(size_t c) {
    if (Page* pg = avail_[c].head)
      if (void* p = take_local(pg)) return p;
    return allocate_slow(c);
  }

  __attribute__((noinline)) void* allocate_slow(size_t c) {
    for (;;) {
      if (Page* pg = avail_[c].head) {
        if (void* p = take(pg)) return p;
        avail_[c].remove(pg);  // ran dry: wait on the full list
        full_[c].push_front(pg);
        pg->full = true;
        continue;
      }
      if (full_[c].count > 0 && 2 * fresh_[c] >= full_[c].count) {
        fresh_[c] = 0;
        if (look_through_full(c)) continue;
      }
      avail_[c].push_front(new_page(c));
      ++fresh_[c];
    }
  }

  // p is a block of one of this heap's pages.
  void free_own(Page* pg, void* p) {
    auto* b = static_cast<FreeBlock*>(p);
    b->next = pg->free;
    pg->free = b;
    --pg->used;
    const size_t c = small_class_of(pg->block);
    if (PARAGRAD_UNLIKELY(pg->full)) {
      full_[c].remove(pg);
      avail_[c].push_second(pg);
      pg->full = false;
    }
    if (PARAGRAD_UNLIKELY(pg->used == 0 && pg != avail_[c].head)) {
      avail_[c].remove(pg);
      drop(pg);
    }
  }

 private:
  // A block of pg: what other threads freed into it is taken back once it has nothing else.
  static void* take(Page* pg) {
    if (!pg->free && pg->bump == pg->end)
      pg->used -= splice(pg, pg->remote.exchange(0, std::memory_order_acquire));
    return take_local(pg);
  }

  // A block pg's owner freed, else the next never-used one; null if it has neither.
  static void* take_local(Page* pg) {
    if (FreeBlock* b = pg->free) {
      pg->free = b->next;
      ++pg->used;
      return b;
    }
    if (pg->bump != pg->end) {
      void* p = pg->bump;
      pg->bump += pg->block;
      ++pg->used;
      return p;
    }
    return nullptr;
  }

  // Takes back what other threads freed into the full pages of class c; those with free blocks
  // go back on the avail list, those left empty are dropped. True if a page became available.
  bool look_through_full(size_t c) {
    bool found = false;
    for (Page* pg = full_[c].head; pg;) {
      Page* next = pg->next;
      pg->used -= splice(pg, pg->remote.exchange(0, std::memory_order_acquire));
      if (pg->free) {
        full_[c].remove(pg);
        pg->full = false;
        if (pg->used == 0 && found) {
          drop(pg);
        } else {
          avail_[c].push_front(pg);
          found = true;
        }
      }
      pg = next;
    }
    return found;
  }

  Page* new_page(size_t c) {
    Page* pg;
    if (spare_) {
      pg = spare_;
      spare_ = pg->next;
      --spares_;
    } else {
      pg = system_page(chunk_);
      pg->owner = id_;
    }
    pg->block = small_class_bytes(c);
    pg->free = nullptr;
    pg->used = 0;
    pg->bump = reinterpret_cast<char*>(pg) + kPageHeader;
    pg->end = pg->bump + (kPageBytes - kPageHeader) / pg->block * pg->block;
    pg->full = false;
    return pg;
  }

  // An empty page (no list holds it): kept as a spare or returned to the system.
  void drop(Page* pg) {
    if (spares_ < kSparePages) {
      pg->next = spare_;
      spare_ = pg;
      ++spares_;
    } else {
      return_page(pg);
    }
  }

  // Gives the page back when no block of it is out, else leaves it to the threads that hold
  // its blocks (whoever frees the last one returns it).
  static void abandon(Page* pg) {
    const std::lock_guard<std::mutex> lock(abandoned_mutex);
    pg->used -= splice(pg, pg->remote.exchange(kAbandoned, std::memory_order_acq_rel));
    if (pg->used == 0) return_page(pg);
  }

  uint64_t id_;
  PageList avail_[kSmallClasses];  // head: the page blocks are taken from
  PageList full_[kSmallClasses];
  size_t fresh_[kSmallClasses] = {};  // pages allocated since the last look through `full_`
  Page* spare_ = nullptr;             // empty pages, linked through `next`
  size_t spares_ = 0;
  Chunk chunk_;
};

Heap::~Heap() {
  for (size_t c = 0; c < kSmallClasses; ++c) {
    for (PageList* list : {&avail_[c], &full_[c]})
      while (Page* pg = list->head) {
        list->remove(pg);
        abandon(pg);
      }
  }
  while (Page* pg = spare_) {
    spare_ = pg->next;
    return_page(pg);
  }
}

// This thread's heap while it exists, else null (trivially constructed and destructed, so always
// readable, without the initialization check `thread_heap` needs: the hot path reads this). A
// block freed during thread teardown, after the heap is gone, is freed as if by another thread,
// and a block allocated then comes from the orphan heap below.
thread_local Heap* live_heap = nullptr;

struct ThreadHeap {
  ThreadHeap() { live_heap = &heap; }
  ~ThreadHeap() { live_heap = nullptr; }
  Heap heap;
};
thread_local ThreadHeap thread_heap;  // constructed on its thread's first use

// Makes this thread's heap if it has none yet; null once it is gone.
Heap* this_thread_heap() {
  (void)&thread_heap;
  return live_heap;
}

// Blocks allocated on a thread whose heap is gone (in thread-local destructors) come from one
// process-wide heap under a mutex; it is never destroyed, so its pages are never abandoned, and
// every free into them takes the remote path.
std::mutex orphan_mutex;
Heap& orphan_heap() {
  static Heap* heap = new Heap;  // never destroyed: blocks may outlive static destruction
  return *heap;
}

void free_remote(Page* pg, void* p) {
  auto* b = static_cast<FreeBlock*>(p);
  uintptr_t head = pg->remote.load(std::memory_order_acquire);
  for (;;) {
    if (head == kAbandoned) {
      const std::lock_guard<std::mutex> lock(abandoned_mutex);
      if (--pg->used == 0) return_page(pg);
      return;
    }
    b->next = reinterpret_cast<FreeBlock*>(head);
    if (pg->remote.compare_exchange_weak(head, reinterpret_cast<uintptr_t>(b),
                                         std::memory_order_release, std::memory_order_acquire))
      return;
  }
}

}  // namespace

namespace {
// A thread's first small block (its heap is made here), or one allocated after its heap is gone.
__attribute__((noinline)) void* small_alloc_no_live_heap(size_t c) {
  if (Heap* h = this_thread_heap()) return h->allocate(c);
  const std::lock_guard<std::mutex> lock(orphan_mutex);
  return orphan_heap().allocate(c);
}
}  // namespace

void* small_alloc(size_t bytes) {
  if (bytes == 0 || bytes > kMaxSmallBlock) return ::operator new(bytes);
  const size_t c = small_class_of(bytes);
  if (Heap* h = live_heap) return h->allocate(c);
  return small_alloc_no_live_heap(c);
}

void small_free(void* p, size_t bytes) noexcept {
  if (!p) return;
  if (bytes == 0 || bytes > kMaxSmallBlock) {
    ::operator delete(p);
    return;
  }
  Page* pg = page_of(p);
  Heap* h = live_heap;
  if (PARAGRAD_LIKELY(h && pg->owner == h->id()))
    h->free_own(pg, p);
  else
    free_remote(pg, p);
}

SmallPageCounts small_page_counts() {
  SmallPageCounts n;
  n.alive = pages_alive.load(std::memory_order_relaxed);
  Heap* h = this_thread_heap();
  n.this_thread = h ? h->pages_held() : 0;
  return n;
}
size_t small_page_bytes() { return kPageBytes; }

}  // namespace paragrad::detail

#endif  // !PARAGRAD_ASAN
