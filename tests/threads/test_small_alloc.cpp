// The small-block allocator (engine/detail/small_alloc.cpp): blocks carved from per-thread pages.
// What it promises: blocks taken one after another are neighbours in memory whatever malloc's
// heap looks like; any thread may free any block, and a block freed on another thread is reused
// by the thread that owns its page; pages go back to the system when their last block does, also
// after the owner thread has ended; a thread may still allocate while its thread-local storage is
// torn down. Built and run under ThreadSanitizer by .ci/tsan. Under AddressSanitizer blocks come
// from malloc one by one (small_alloc_asan.cpp): the page checks are skipped there, the
// integrity checks run.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <paragrad/engine/detail/small_alloc_internal.hpp>
#include <paragrad/paragrad.hpp>

#include "skip.hpp"
#include "threads/thread_util.hpp"

using namespace paragrad;
using paragrad::detail::small_alloc;
using paragrad::detail::small_free;
using paragrad::detail::small_page_bytes;
using paragrad::detail::small_page_counts;

namespace {

bool pages_on() { return small_page_bytes() > 0; }

// A block of `bytes` filled with a pattern that names it, and the check of that pattern.
struct Block {
  unsigned char* p;
  size_t bytes;
};
Block make_block(size_t bytes, unsigned char tag) {
  auto* p = static_cast<unsigned char*>(small_alloc(bytes));
  std::memset(p, tag, bytes);
  return {p, bytes};
}
bool intact(const Block& b) {
  return std::all_of(b.p, b.p + b.bytes, [&](unsigned char c) { return c == b.p[0]; });
}

// One thread hands batches of pointers to another.
struct Mailbox {
  std::mutex m;
  std::condition_variable cv;
  std::deque<std::vector<Block>> batches;
  bool closed = false;

  void put(std::vector<Block> b, size_t max_waiting) {
    std::unique_lock<std::mutex> lock(m);
    cv.wait(lock, [&] { return batches.size() < max_waiting; });
    batches.push_back(std::move(b));
    cv.notify_all();
  }
  bool take(std::vector<Block>& out) {
    std::unique_lock<std::mutex> lock(m);
    cv.wait(lock, [&] { return !batches.empty() || closed; });
    if (batches.empty()) return false;
    out = std::move(batches.front());
    batches.pop_front();
    cv.notify_all();
    return true;
  }
  void close() {
    std::lock_guard<std::mutex> lock(m);
    closed = true;
    cv.notify_all();
  }
};

}  // namespace

TEST_CASE(
    "small blocks taken one after another are neighbours even after malloc's heap was "
    "fragmented",
    "[threads][small_alloc]") {
  if (!pages_on()) PARAGRAD_SKIP("under AddressSanitizer small blocks come from malloc");
  // On a new thread (a heap of its own, and its own malloc arena), fragment malloc's heap: many
  // small chunks of mixed sizes, every other one freed; then take blocks.
  constexpr size_t kBytes = 208, kCount = 4000;
  size_t neighbours = 0;
  std::thread([&] {
    std::vector<void*> junk;
    for (int i = 0; i < 200000; ++i) junk.push_back(std::malloc(size_t(16 + (i * 37) % 400)));
    for (size_t i = 0; i < junk.size(); i += 2) std::free(junk[i]);
    std::vector<unsigned char*> blocks;
    for (size_t i = 0; i < kCount; ++i)
      blocks.push_back(static_cast<unsigned char*>(small_alloc(kBytes)));
    for (size_t i = 1; i < kCount; ++i) neighbours += blocks[i] == blocks[i - 1] + kBytes;
    for (unsigned char* b : blocks) small_free(b, kBytes);
    for (size_t i = 1; i < junk.size(); i += 2) std::free(junk[i]);
  }).join();
  // Only the first block of each page follows a gap (a page holds 64 KiB / 208 = 314 blocks).
  CHECK(neighbours >= kCount - kCount / 100);
}

TEST_CASE("a thread's empty pages go back to the system, but a few spares",
          "[threads][small_alloc]") {
  if (!pages_on()) PARAGRAD_SKIP("under AddressSanitizer small blocks come from malloc");
  const int64_t before = small_page_counts().this_thread;
  constexpr size_t kBytes = 96, kCount = 100000;  // 9.6 MB: about 150 pages
  std::vector<void*> blocks;
  for (size_t i = 0; i < kCount; ++i) blocks.push_back(small_alloc(kBytes));
  const int64_t full = small_page_counts().this_thread;
  CHECK(full - before >= int64_t(kCount * kBytes / small_page_bytes()));
  for (void* b : blocks) small_free(b, kBytes);
  const int64_t after = small_page_counts().this_thread;
  CHECK(after <= before + 9);  // the page blocks are taken from, and at most 8 spares
}

TEST_CASE("blocks freed on another thread are reused by the thread that owns their page",
          "[threads][small_alloc]") {
  if (!pages_on()) PARAGRAD_SKIP("under AddressSanitizer small blocks come from malloc");
  // A producer allocates 300,000 blocks in batches of 1,000; a consumer frees them. At most 4
  // batches wait, so about 20 pages are ever live; without reuse the producer would hold ~950.
  constexpr size_t kBytes = 208, kBatch = 1000, kBatches = 300;
  Mailbox box;
  int64_t most_pages = 0;
  bool all_intact = true;
  std::thread consumer([&] {
    std::vector<Block> batch;
    while (box.take(batch))
      for (const Block& b : batch) {
        all_intact = all_intact && intact(b);
        small_free(b.p, b.bytes);
      }
  });
  std::thread producer([&] {
    for (size_t k = 0; k < kBatches; ++k) {
      std::vector<Block> batch;
      for (size_t i = 0; i < kBatch; ++i)
        batch.push_back(make_block(kBytes, static_cast<unsigned char>(k + i)));
      box.put(std::move(batch), 4);
      most_pages = std::max(most_pages, small_page_counts().this_thread);
    }
    box.close();
  });
  producer.join();
  consumer.join();
  CHECK(all_intact);
  CHECK(most_pages > 0);
  CHECK(most_pages <= 80);
}

TEST_CASE("pages of a thread that has ended go back when their last block is freed",
          "[threads][small_alloc]") {
  if (!pages_on()) PARAGRAD_SKIP("under AddressSanitizer small blocks come from malloc");
  const int64_t before = small_page_counts().alive;
  std::vector<Block> blocks;
  std::thread owner([&] {
    for (size_t i = 0; i < 50000; ++i)
      blocks.push_back(make_block(64 + 16 * (i % 8), static_cast<unsigned char>(i)));
  });
  owner.join();  // its heap is gone; its pages with blocks out are abandoned
  CHECK(small_page_counts().alive > before);
  bool all_intact = true;
  for (const Block& b : blocks) {
    all_intact = all_intact && intact(b);
    small_free(b.p, b.bytes);
  }
  CHECK(all_intact);
  CHECK(small_page_counts().alive == before);
}

namespace {
// Its destructor runs among its thread's thread-local destructors, after the allocator's heap
// of that thread is gone (it was constructed before the heap, so it is destroyed after it).
struct AllocatesAtThreadExit {
  std::vector<Tensor>* out = nullptr;
  ~AllocatesAtThreadExit() {
    if (!out) return;
    pages_seen = small_page_counts().this_thread;  // 0: this thread's heap is gone
    out->push_back(arange(0.0, 4.0, 1.0, kFloat64) * 2.0);
  }
  static inline std::atomic<int64_t> pages_seen{-2};
};
thread_local AllocatesAtThreadExit at_exit_hook;
}  // namespace

TEST_CASE("a thread may allocate tensors while its thread-local storage is torn down",
          "[threads][small_alloc]") {
  std::vector<Tensor> made;
  std::thread t([&] {
    at_exit_hook.out = &made;       // constructed first, destroyed last
    Tensor warm = ones({3}) + 1.0;  // the allocator's heap of this thread now exists
  });
  t.join();
  // The destructor ran after the thread's heap was gone (its blocks came from the orphan heap).
  if (pages_on()) CHECK(AllocatesAtThreadExit::pages_seen.load() == 0);
  REQUIRE(made.size() == 1);
  CHECK(made[0].sum().item<double>() == 12.0);
  made.clear();  // freed on another thread than the one that allocated it
}

TEST_CASE("blocks of every size survive being passed between threads and freed anywhere",
          "[threads][small_alloc]") {
  constexpr int kThreads = 4, kRounds = 20000;
  std::mutex m;
  std::vector<Block> shared;  // blocks any thread may take and free
  std::atomic<int> broken{0};
  test::run_threads(kThreads, [&](int t) {
    std::mt19937 rng(uint32_t(1234 + t));
    std::vector<Block> own;
    for (int i = 0; i < kRounds; ++i) {
      const size_t bytes = 1 + rng() % detail::kMaxSmallBlock;
      own.push_back(make_block(bytes, static_cast<unsigned char>(rng())));
      if (rng() % 3 == 0) {  // hand one over, take one back
        std::lock_guard<std::mutex> lock(m);
        shared.push_back(own.back());
        own.pop_back();
        if (shared.size() > 64) {
          own.push_back(shared[rng() % shared.size()]);
          shared.erase(std::find_if(shared.begin(), shared.end(),
                                    [&](const Block& b) { return b.p == own.back().p; }));
        }
      }
      if (!own.empty() && (own.size() > 256 || rng() % 4 == 0)) {
        const size_t k = rng() % own.size();
        if (!intact(own[k])) broken.fetch_add(1);
        small_free(own[k].p, own[k].bytes);
        own.erase(own.begin() + std::ptrdiff_t(k));
      }
    }
    for (const Block& b : own) {
      if (!intact(b)) broken.fetch_add(1);
      small_free(b.p, b.bytes);
    }
  });
  for (const Block& b : shared) {
    if (!intact(b)) broken.fetch_add(1);
    small_free(b.p, b.bytes);
  }
  CHECK(broken.load() == 0);
}
