// The cache of large tensors' memory (engine/memory.hpp) shared by threads: a block freed on one
// thread serves a tensor made on another; threads making and freeing large tensors at once while
// another moves the limit and empties the cache leave every tensor's elements intact and the
// cache within its limit. Built and run under ThreadSanitizer by .ci/tsan.
#include <atomic>
#include <thread>

#include <catch2/catch.hpp>

#include <paragrad/engine/detail/large_alloc.hpp>
#include <paragrad/engine/engine.hpp>

#include "memory_cache_scope.hpp"
#include "threads/thread_util.hpp"

using namespace paragrad;

TEST_CASE("a large block freed on one thread serves a tensor made on another",
          "[threads][memory_cache]") {
  test::MemoryCacheScope scope;
  const void* freed = nullptr;
  std::thread([&] {
    Tensor t = empty({100000}, kFloat32);
    freed = t.data_ptr<float>();
  }).join();
  CHECK(memory_cached() > 0);
  Tensor u = empty({100000}, kFloat32);
  CHECK(u.data_ptr<float>() == freed);
}

TEST_CASE("threads making and freeing large tensors while the limit moves keep their elements",
          "[threads][memory_cache]") {
  test::MemoryCacheScope scope;
  const size_t block = detail::large_block_bytes(65536 * 4 + 64);
  std::atomic<int> wrong{0};
  std::atomic<bool> over_limit{false};
  test::run_threads(4, [&](int id) {
    if (id == 3) {  // moves the limit and empties the cache while the others run
      for (int i = 0; i < 200; ++i) {
        set_memory_cache_limit(size_t(i % 5) * block);
        if (memory_cached() > size_t(4) * block) over_limit = true;
        if (i % 7 == 0) empty_cache();
        std::this_thread::yield();
      }
      return;
    }
    for (int i = 0; i < 300; ++i) {
      const int64_t n = 65536 + 4096 * ((id + i) % 3);  // three classes
      Tensor t = empty({n}, kFloat32);
      t.fill_(double(id * 1000 + i));
      Tensor u = empty({n}, kFloat32);
      u.fill_(1.0);
      const double want = double(id * 1000 + i);
      if (t.min().item<double>() != want || t.max().item<double>() != want) ++wrong;
      if (u.sum().item<double>() != double(n)) ++wrong;
    }
  });
  CHECK(wrong == 0);
  CHECK_FALSE(over_limit);
  set_memory_cache_limit(2 * block);
  CHECK(memory_cached() <= 2 * block);
}
