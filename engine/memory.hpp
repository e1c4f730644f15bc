#pragma once
// Memory of large tensors (docs/memory.md). The elements of a tensor of 32 KiB or
// more are kept for reuse when the tensor is freed, up to a limit, instead of going back to
// malloc: glibc gives a large freed block back to the system (unmapped, or trimmed off the top of
// the heap), and the next tensor of that size then faults its pages in again, one by one. A
// training or inference loop makes tensors of the same sizes step after step; the kept blocks
// serve them without a page fault (a 512x512 float matmul, forward and backward: about 1,000
// page faults per step without the cache).
//   memory_cached()          bytes kept for reuse now (not in use by any tensor), all threads
//   empty_cache()            gives every kept block back to the system
//   set_memory_cache_limit(n)  keep at most n bytes (0: keep none); when a freed block would
//                            pass the limit, the blocks kept longest are given back first.
//                            Default 256 MiB. Callable from any thread.
//   memory_cache_limit()     the current limit
// A kept block is reused for a tensor of its size class (sizes rounded up by at most 1/8, to
// whole pages), from any thread. Under AddressSanitizer a kept block is poisoned until reused.
#include <cstddef>

#include <paragrad/engine/export.hpp>

PARAGRAD_API_BEGIN

namespace paragrad {

size_t memory_cached();
void empty_cache();
void set_memory_cache_limit(size_t bytes);
size_t memory_cache_limit();

}  // namespace paragrad

PARAGRAD_API_END
