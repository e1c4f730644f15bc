// Per-thread state and failure paths under threads: grad mode and the parametrize cache are
// per thread; exceptions thrown mid-forward and mid-backward on some threads leave the others
// and the shared leaves intact; memory freed on another thread than the one that allocated it;
// handles to one tensor dropped on several threads at once.
#include <atomic>
#include <vector>

#include <catch2/catch.hpp>
#include <paragrad/paragrad.hpp>

#include "threads/thread_util.hpp"

using namespace paragrad;
using paragrad::test::run_threads;

namespace {

constexpr int kIters = 50;

// X -> X + X^T, counting calls per thread.
struct CountingSymmetric : parametrize::Parametrization {
  static int& calls() {
    thread_local int n = 0;
    return n;
  }
  Tensor forward(const Tensor& X) override {
    ++calls();
    return X + X.t();
  }
};

}  // namespace

TEST_CASE("grad mode is per thread while threads record concurrently", "[threads]") {
  Tensor x = ones({3}, kFloat64).requires_grad_();
  std::vector<int> wrong(2, 0);
  run_threads(2, [&](int t) {
    if (t == 0) {
      NoGradGuard ng;
      for (int i = 0; i < kIters; ++i)
        if ((x * 2.0).requires_grad() || is_grad_enabled()) ++wrong[0];
    } else {
      for (int i = 0; i < kIters; ++i)
        if (!(x * 2.0).requires_grad() || !is_grad_enabled()) ++wrong[1];
    }
  });
  CHECK(wrong == std::vector<int>{0, 0});
}

TEST_CASE("the parametrize cache is per thread", "[threads][parametrize]") {
  nn::Linear m(3, 3, false, kFloat64);
  parametrize::register_parametrization(m, "weight", std::make_shared<CountingSymmetric>(),
                                        /*unsafe=*/true);
  const Tensor original = parametrize::parametrizations(m, "weight").original();
  const Tensor x = ones({2, 3}, kFloat64);
  const TensorList expected = autograd::grad({m(x).sum()}, {original});
  std::vector<int> calls(2, 0);
  // char, not bool: std::vector<bool> packs both flags into one word, a data race of its own.
  std::vector<char> cache_on(2, 0), grads_ok(2, 0);
  run_threads(2, [&](int t) {
    CountingSymmetric::calls() = 0;
    TensorList g;
    if (t == 0) {
      auto guard = parametrize::cached();
      cache_on[0] = parametrize::is_cache_enabled();
      Tensor y = m(x) + m(x) + m(x);  // computed once on this thread
      g = autograd::grad({y.sum()}, {original});
    } else {
      cache_on[1] = parametrize::is_cache_enabled();
      Tensor y = m(x) + m(x) + m(x);  // no guard on this thread: computed every time
      g = autograd::grad({y.sum()}, {original});
    }
    calls[size_t(t)] = CountingSymmetric::calls();
    grads_ok[size_t(t)] = allclose(g[0], expected[0] * 3.0, 1e-12, 1e-12);
  });
  CHECK(calls == std::vector<int>{1, 3});
  CHECK(cache_on == std::vector<char>{1, 0});
  CHECK(grads_ok == std::vector<char>{1, 1});
}

TEST_CASE("exceptions mid-forward and mid-backward on threads leave shared leaves intact",
          "[threads][errors]") {
  Tensor x = ones({8}, kFloat64).requires_grad_();
  std::vector<int> caught(4, 0);
  run_threads(4, [&](int t) {
    for (int i = 0; i < kIters; ++i) {
      try {
        if (t % 2 == 0) {
          (x * ones({3}, kFloat64)).sum().backward();  // shape error in forward
        } else {
          Tensor y = x * 1.0;
          Tensor z = y.sin();           // saves y
          y.add_(ones({8}, kFloat64));  // recorded: z's rule will refuse at backward
          autograd::grad({z.sum() + (x * 3.0).sum()}, {x});
        }
      } catch (const Error&) {
        ++caught[size_t(t)];
      }
      (x * 2.0).sum().backward();  // and a good pass after every failure
    }
  });
  CHECK(caught == std::vector<int>(4, kIters));
  CHECK(x.grad().tolist() == std::vector<double>(8, 2.0 * 4 * kIters));
}

TEST_CASE("tensors and graphs made on one thread are freed on another", "[threads]") {
  // Small blocks move between the threads' allocator caches.
  Tensor w = ones({4}, kFloat64).requires_grad_();
  std::vector<std::vector<Tensor>> made(4);
  run_threads(4, [&](int t) {
    for (int i = 0; i < 200; ++i) made[size_t(t)].push_back((w * double(i + t)).tanh());
  });
  std::vector<Tensor> all;
  for (auto& v : made)
    for (Tensor& y : v) all.push_back(std::move(y));
  made.clear();
  run_threads(4, [&](int t) {
    for (size_t i = size_t(t); i < all.size(); i += 4) {
      all[i].sum().backward();
      all[i] = Tensor();
    }
  });
  CHECK(w.grad().defined());
}

TEST_CASE("handles to one tensor dropped on several threads at once free it exactly once",
          "[threads]") {
  // The last handle frees without an atomic decrement when it reads a count of 1
  // (IntrusivePtr::reset): every earlier owner's drop must be seen, and the storage's deleter
  // must run once, after all of them (ThreadSanitizer checks the ordering in CI).
  constexpr int kRounds = 200;
  constexpr int kThreads = 4;
  std::atomic<int> freed{0}, wrong{0};
  std::vector<float> data(16, 1.0f);
  for (int round = 0; round < kRounds; ++round) {
    std::vector<std::vector<Tensor>> held(kThreads);
    {
      Tensor t = from_blob(data.data(), {4, 4}, kFloat32, [&](void*) { ++freed; });
      for (int k = 0; k < kThreads; ++k) {
        held[size_t(k)].push_back(t);      // the same header
        held[size_t(k)].push_back(t.t());  // a view: another header onto the same storage
        held[size_t(k)].push_back(t.detach());
      }
    }
    run_threads(kThreads, [&](int k) {
      float sum = 0;
      for (const Tensor& h : held[size_t(k)]) sum += h.data_ptr<float>()[5];
      if (sum != 3.0f) ++wrong;  // (Catch's assertions are not for other threads)
      held[size_t(k)].clear();   // drops race with the other threads' drops
    });
    REQUIRE(freed.load() == round + 1);
  }
  CHECK(wrong.load() == 0);
}
