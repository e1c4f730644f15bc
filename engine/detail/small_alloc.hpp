#pragma once
// A per-thread cache of small memory blocks for the objects every op creates: tensor
// headers (TensorImpl), graph nodes and small storages. A chain of small ops allocates and
// frees a few of these per op; taking them from a thread-local free list instead of malloc
// is a large share of the per-op cost (see bench/ op_chain).
//
// Blocks come from ::operator new in size classes of 16 bytes, up to kMaxSmallBlock bytes.
// A freed block goes onto the free list of the thread that frees it (so a block may move
// between threads; all blocks of a class are interchangeable). Each list is capped, so the
// cache holds a bounded amount of memory; the rest goes back to the system, as does the whole
// cache when its thread ends. Under AddressSanitizer the cache stays on and poisons what it
// holds (small_alloc.cpp), so its own bugs and use-after-free of its blocks are caught; under
// ThreadSanitizer it runs unchanged.
#include <cstddef>

#include <paragrad/engine/export.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::detail {

constexpr size_t kMaxSmallBlock = 1024;

void* small_alloc(size_t bytes);
void small_free(void* p, size_t bytes) noexcept;

// Give a class `static void* operator new(size_t)` / `operator delete(void*, size_t)` that
// use the cache (sized delete: with a virtual destructor the size is the dynamic type's).
struct SmallObject {
  static void* operator new(size_t bytes) { return small_alloc(bytes); }
  static void operator delete(void* p, size_t bytes) noexcept { small_free(p, bytes); }
};

}  // namespace paragrad::detail

PARAGRAD_API_END
