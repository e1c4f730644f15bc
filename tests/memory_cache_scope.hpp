#pragma once
// For the tests of the large-block cache (engine/memory.hpp): starts and ends with nothing kept
// and restores the limit.
#include <cstddef>

#include <paragrad/engine/memory.hpp>

namespace paragrad::test {

struct MemoryCacheScope {
  size_t saved = memory_cache_limit();
  MemoryCacheScope() { empty_cache(); }
  ~MemoryCacheScope() {
    set_memory_cache_limit(saved);
    empty_cache();
  }
  MemoryCacheScope(const MemoryCacheScope&) = delete;
  MemoryCacheScope& operator=(const MemoryCacheScope&) = delete;
};

}  // namespace paragrad::test
