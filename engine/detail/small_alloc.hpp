#pragma once
// A per-thread allocator of small memory blocks for the objects every op creates: tensor
// headers (TensorImpl), graph nodes and small storages. A chain of small ops allocates and
// frees a few of these per op; taking them from thread-local pages instead of malloc
// is a large share of the per-op cost (see bench/ op_chain).
//
// Blocks are carved from per-thread pages in size classes of 16 bytes, up to kMaxSmallBlock
// bytes (small_alloc.cpp), so that blocks taken one after another sit next to each other in
// memory, whatever state malloc's heap is in. Any thread may free any block; a page is given back
// to the system when its last block comes back (a few empty pages are kept per thread), also
// after the thread that carved it has ended. Under AddressSanitizer blocks come from
// ::operator new one by one, through a cache that poisons what it holds (small_alloc_asan.cpp),
// so its own bugs and use-after-free of its blocks are caught; under ThreadSanitizer the pages
// run unchanged.
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
