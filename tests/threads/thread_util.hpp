#pragma once
// Running a test body on several threads at once. Catch2's assertions are not thread-safe, so
// the bodies record what they saw and the test checks it on the main thread after joining;
// an exception thrown on a worker is rethrown on the main thread.
#include <atomic>
#include <exception>
#include <functional>
#include <thread>
#include <vector>

namespace paragrad::test {

// Runs body(t) for t in [0, n) on n threads, released together, and waits for all of them.
// Rethrows the first exception a body threw.
inline void run_threads(int n, const std::function<void(int)>& body) {
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::exception_ptr> errors(static_cast<size_t>(n));
  std::vector<std::thread> threads;
  threads.reserve(size_t(n));
  for (int t = 0; t < n; ++t)
    threads.emplace_back([&, t] {
      ready.fetch_add(1);
      while (!go.load()) std::this_thread::yield();
      try {
        body(t);
      } catch (...) {
        errors[size_t(t)] = std::current_exception();
      }
    });
  while (ready.load() < n) std::this_thread::yield();
  go.store(true);
  for (std::thread& th : threads) th.join();
  for (const std::exception_ptr& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace paragrad::test
