// The cache of large tensors' memory (engine/memory.hpp, engine/detail/large_alloc.cpp): a freed
// large tensor's block is kept and serves the next tensor of its size class; what is kept stays
// within the limit, the blocks kept longest going first; empty_cache gives everything back; and
// a loop of large products no longer faults its pages in again on every step (GEMM's packing
// blocks are kept by the thread too, engine/kernels/gemm_level.cpp).
#include <fstream>
#include <set>

#include <catch2/catch.hpp>

#if defined(__linux__)
#include <sys/resource.h>
#endif

#include <paragrad/engine/detail/large_alloc.hpp>
#include <paragrad/engine/engine.hpp>

#include "memory_cache_scope.hpp"
#include "skip.hpp"

using namespace paragrad;

namespace {

// A float tensor of n elements (n * 4 bytes of elements).
Tensor floats(int64_t n) { return empty({n}, kFloat32); }
const void* block_of(const Tensor& t) { return t.data_ptr<float>(); }

}  // namespace

TEST_CASE("a freed large tensor's memory is kept and serves the next tensor of its size",
          "[memory_cache]") {
  test::MemoryCacheScope scope;
  Tensor t = floats(65536);  // 256 KiB
  const void* first = block_of(t);
  CHECK(memory_cached() == 0);
  t = Tensor();
  const size_t kept = memory_cached();
  CHECK(kept >= 65536 * sizeof(float));
  CHECK(kept <= 65536 * sizeof(float) * 9 / 8 + 4096);
  Tensor u = floats(65536);
  CHECK(block_of(u) == first);
  CHECK(memory_cached() == 0);
  // Its elements are writable and the tensor works like any other.
  u.fill_(2.0);
  CHECK(u.sum().item<double>() == 2.0 * 65536);
}

TEST_CASE("sizes of one class share kept blocks, other classes do not", "[memory_cache]") {
  test::MemoryCacheScope scope;
  // Classes round up to an eighth of the size's power of two: 300,000 and 320,000 bytes are one
  // class (327,680 bytes), 340,000 the next.
  CHECK(detail::large_block_bytes(300000) == detail::large_block_bytes(320000));
  CHECK(detail::large_block_bytes(340000) > detail::large_block_bytes(320000));
  CHECK(detail::large_block_bytes(detail::kMinKeptBlock - 1) == detail::kMinKeptBlock - 1);
  for (size_t bytes : {size_t(40000), size_t(300000), size_t(5000000), size_t(123456789)}) {
    const size_t cls = detail::large_block_bytes(bytes);
    CHECK(cls >= bytes);
    CHECK(cls - bytes <= bytes / 8 + 4096);
    CHECK(cls % 4096 == 0);
  }
  Tensor a = floats(300000 / 4);
  const void* block = block_of(a);
  a = Tensor();
  Tensor other = floats(340000 / 4);  // another class: a new block
  CHECK(block_of(other) != block);
  Tensor same = floats(320000 / 4);  // the same class: the kept block
  CHECK(block_of(same) == block);
}

TEST_CASE("small tensors are not kept", "[memory_cache]") {
  test::MemoryCacheScope scope;
  {
    Tensor t = floats(1000);  // 4 KB: malloc's own
    Tensor u = floats(int64_t(detail::kMinKeptBlock / 4) - 64);
  }
  CHECK(memory_cached() == 0);
}

TEST_CASE("what is kept stays within the limit, the blocks kept longest given back first",
          "[memory_cache]") {
  test::MemoryCacheScope scope;
  const size_t block = detail::large_block_bytes(65536 * 4 + 64);  // one 256 KiB tensor's block
  set_memory_cache_limit(4 * block);
  CHECK(memory_cache_limit() == 4 * block);
  std::vector<Tensor> ts;
  std::vector<const void*> blocks;
  for (int i = 0; i < 8; ++i) {
    ts.push_back(floats(65536));
    blocks.push_back(block_of(ts.back()));
  }
  for (Tensor& t : ts) t = Tensor();  // freed in order: the first four go back to the system
  CHECK(memory_cached() == 4 * block);
  std::set<const void*> reused, last_four(blocks.begin() + 4, blocks.end());
  for (int i = 0; i < 4; ++i) {
    ts[size_t(i)] = floats(65536);
    reused.insert(block_of(ts[size_t(i)]));
  }
  CHECK(reused == last_four);
  CHECK(memory_cached() == 0);

  // A lower limit gives back what is over it at once; 0 keeps nothing.
  ts.clear();
  CHECK(memory_cached() == 4 * block);
  set_memory_cache_limit(block);
  CHECK(memory_cached() == block);
  set_memory_cache_limit(0);
  CHECK(memory_cached() == 0);
  { Tensor t = floats(65536); }
  CHECK(memory_cached() == 0);
  // A block larger than the limit is never kept.
  set_memory_cache_limit(block);
  { Tensor t = floats(2 * 65536); }
  CHECK(memory_cached() == 0);
}

TEST_CASE("empty_cache gives every kept block back", "[memory_cache]") {
  test::MemoryCacheScope scope;
  { Tensor a = floats(65536), b = floats(200000), c = empty({300, 300}, kFloat64); }
  CHECK(memory_cached() > 0);
  empty_cache();
  CHECK(memory_cached() == 0);
}

TEST_CASE("a refused allocation still raises the engine's error, with blocks kept",
          "[memory_cache]") {
#if defined(__linux__)
  // (With vm.overcommit_memory = 1 Linux grants any request that fits the address space.)
  std::ifstream overcommit("/proc/sys/vm/overcommit_memory");
  int mode = 0;
  if (overcommit >> mode && mode == 1)
    PARAGRAD_SKIP("the system overcommits memory (vm.overcommit_memory = 1): nothing is refused");
#endif
  test::MemoryCacheScope scope;
  { Tensor t = floats(65536); }
  REQUIRE(memory_cached() > 0);
  // 2^45 bytes: within what a tensor may hold, beyond what the system gives; the kept blocks
  // are given back before the second try.
  const int64_t n = int64_t(1) << 43;
  CHECK_THROWS_WITH(empty({n}, kFloat32),
                    Catch::Contains("cannot allocate") && Catch::Contains("out of memory"));
  CHECK(memory_cached() == 0);
}

TEST_CASE("a loop of large products faults no pages in after its first steps", "[memory_cache]") {
#if !defined(__linux__)
  PARAGRAD_SKIP("page-fault counts are read with getrusage on Linux only");
#else
  test::MemoryCacheScope scope;
  manual_seed(3);
  Tensor a = randn({384, 384}).requires_grad_(), b = randn({384, 384}).requires_grad_();
  auto step = [&] {
    a.zero_grad();
    b.zero_grad();
    matmul(a, b).sum().backward();
  };
  for (int i = 0; i < 3; ++i) step();
  rusage before{}, after{};
  getrusage(RUSAGE_SELF, &before);
  for (int i = 0; i < 10; ++i) step();
  getrusage(RUSAGE_SELF, &after);
  // Each step makes four 576 KiB tensors (the product, its gradient, a and b's gradients) and
  // packs its operands for three GEMMs: about 700 page faults a step when all of it came from
  // the system anew (a 512 x 512 step: about 1,000).
  const long faults = after.ru_minflt - before.ru_minflt;
  INFO("page faults in 10 steps: " << faults);
  CHECK(faults < 100);
#endif
}
