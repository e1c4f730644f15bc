// Hooks under threads: a hook on a shared leaf runs inside the leaf's accumulation, which the
// engine serializes across concurrent backward passes (graph_task.hpp), so neither the hook nor
// the accumulation races; hooks registered and removed on one thread's own tensors while other
// threads run backward through the shared leaf do not disturb them. Built and run under
// ThreadSanitizer by .ci/tsan.
#include <atomic>
#include <vector>

#include <catch2/catch.hpp>
#include <paragrad/paragrad.hpp>

#include "threads/thread_util.hpp"

using namespace paragrad;
using paragrad::test::run_threads;

TEST_CASE("a hook on a shared leaf runs once per pass and its results are all accumulated",
          "[threads]") {
  constexpr int kThreads = 4, kIters = 200;
  Tensor x = zeros({16}, kFloat64).requires_grad_();
  int calls = 0;  // a plain int: the hook runs under the leaf's lock, so this must not race
  x.register_hook([&calls](const Tensor& g) {
    ++calls;
    return g * 2.0;
  });
  run_threads(kThreads, [&](int t) {
    const Tensor c = full({16}, double(t + 1), kFloat64);
    for (int i = 0; i < kIters; ++i) {
      Tensor h = x * c;
      int own = 0;
      auto handle = h.register_hook([&own](const Tensor& g) {
        ++own;
        return g;
      });
      h.sum().backward();
      handle.remove();
      if (own != 1) throw AutogradError(cat("the thread's own hook ran ", own, " times"));
    }
  });
  CHECK(calls == kThreads * kIters);
  // per pass 2 (t + 1), summed over t = 0..3 and kIters passes
  CHECK(x.grad().tolist() == std::vector<double>(16, 2.0 * kIters * (1 + 2 + 3 + 4)));
}
