// The intra-op pool used from several user threads at once (engine/parallel.cpp): each user
// thread's large ops give the results they give alone on one thread, whoever holds the pool,
// while the thread count changes and while another thread's op fails. Built and run under
// ThreadSanitizer by .ci/tsan.
#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <paragrad/paragrad.hpp>

#include "threads/thread_util.hpp"

using namespace paragrad;
using paragrad::test::run_threads;

namespace {

constexpr int kUsers = 2;
constexpr int kIters = 4;

struct ThreadCountGuard {
  int saved = get_num_threads();
  ~ThreadCountGuard() { set_num_threads(saved); }
};

// A user's inputs: 192² float32 matrices (about 14 MFLOP per product: split into blocks) and a
// vector of 600,000 elements (several elementwise and reduction chunks).
struct Work {
  Tensor a, b, v;
};

Work make_work(int user) {
  manual_seed(uint64_t(300 + user));
  return {randn({192, 192}), randn({192, 192}), randn({600000})};
}

// matmul forward and backward, a large elementwise op and a large sum: every result as floats.
std::vector<float> run(const Work& w) {
  Tensor a = w.a.detach().requires_grad_(), b = w.b.detach().requires_grad_();
  Tensor c = matmul(a, b);
  (c * c).sum().backward();
  Tensor e = (w.v * 2.0).tanh();
  std::vector<float> out;
  for (const Tensor& t : {c, a.grad(), b.grad(), e, w.v.sum().reshape({1})}) {
    const float* p = t.data_ptr<float>();
    out.insert(out.end(), p, p + t.numel());
  }
  return out;
}

}  // namespace

TEST_CASE("two user threads running large matmuls on a two-thread pool get the one-thread results",
          "[threads][pool]") {
  ThreadCountGuard guard;
  std::vector<Work> work;
  std::vector<std::vector<float>> expected;
  set_num_threads(1);
  for (int u = 0; u < kUsers; ++u) {
    work.push_back(make_work(u));
    expected.push_back(run(work.back()));
  }
  set_num_threads(2);
  std::vector<int> mismatches(kUsers, 0);
  run_threads(kUsers, [&](int u) {
    for (int i = 0; i < kIters; ++i)
      if (run(work[size_t(u)]) != expected[size_t(u)]) ++mismatches[size_t(u)];
  });
  for (int m : mismatches) CHECK(m == 0);
}

TEST_CASE("the thread count changes while other user threads run large ops", "[threads][pool]") {
  ThreadCountGuard guard;
  set_num_threads(1);
  const Work w = make_work(0);
  const std::vector<float> expected = run(w);
  std::atomic<bool> done{false};
  std::vector<int> mismatches(kUsers, 0);
  run_threads(kUsers + 1, [&](int u) {
    if (u == kUsers) {  // the changer
      for (int n = 1; !done.load(); n = n % 3 + 1) {
        set_num_threads(n);
        std::this_thread::yield();
      }
      return;
    }
    for (int i = 0; i < kIters; ++i)
      if (run(w) != expected) ++mismatches[size_t(u)];
    if (u == 0) done.store(true);
  });
  for (int m : mismatches) CHECK(m == 0);
}

TEST_CASE("an error in one user thread's pool region leaves another user thread's ops intact",
          "[threads][pool]") {
  ThreadCountGuard guard;
  set_num_threads(1);
  const Work w = make_work(1);
  const std::vector<float> expected = run(w);
  set_num_threads(2);
  Tensor num = ones({600000}, kInt64), den = ones({600000}, kInt64);
  den.data_ptr<int64_t>()[599999] = 0;
  std::vector<int> mismatches(kUsers, 0), errors(kUsers, 0);
  run_threads(kUsers, [&](int u) {
    for (int i = 0; i < kIters; ++i) {
      if (u == 0) {
        try {
          num.remainder(den);
        } catch (const ValueError& e) {
          if (std::strcmp(e.what(), "remainder: integer division by zero") == 0) ++errors[0];
        }
      } else if (run(w) != expected) {
        ++mismatches[size_t(u)];
      }
    }
  });
  CHECK(errors[0] == kIters);
  CHECK(mismatches[1] == 0);
}
