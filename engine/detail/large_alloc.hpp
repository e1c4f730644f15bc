#pragma once
// The blocks behind large storages (engine/memory.hpp): 64-byte aligned, and kept for reuse when
// freed, by size class, up to memory_cache_limit() (large_alloc.cpp). Storage::allocate takes
// every block above its small ones from here.
#include <cstddef>

namespace paragrad::detail {

// Blocks of at least this many bytes are kept when freed; smaller ones go back to malloc at once.
constexpr size_t kMinKeptBlock = size_t(32) << 10;

// The bytes a block of `bytes` really takes: its size class (rounded up to whole 4 KiB pages and
// to an eighth of its power of two), for blocks of kMinKeptBlock or more; else `bytes`.
size_t large_block_bytes(size_t bytes);
// A 64-byte aligned block of at least `bytes` (a kept one when there is one of its class); null
// when the system refuses (after giving every kept block back and asking again).
void* large_alloc(size_t bytes) noexcept;
// Frees a block from large_alloc(bytes), the same `bytes`: kept, or given back to the system.
void large_free(void* p, size_t bytes) noexcept;

}  // namespace paragrad::detail
