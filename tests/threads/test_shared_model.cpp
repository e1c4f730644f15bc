// Threads sharing one model, as PyTorch allows: forward passes in grad mode (no NoGradGuard),
// backward passes accumulating into the shared parameters, create_graph, Hogwild-style
// training. Each thread records what it computed; the main thread compares it with the same
// computation run alone beforehand. Built and run under ThreadSanitizer by .ci/tsan.
#include <cmath>
#include <mutex>
#include <shared_mutex>

#include <catch2/catch.hpp>
#include <paragrad/paragrad.hpp>

#include "threads/thread_util.hpp"

using namespace paragrad;
using paragrad::test::run_threads;

namespace {

constexpr int kThreads = 4;
constexpr int kIters = 100;

std::shared_ptr<nn::Sequential> make_model() {
  manual_seed(7);
  return std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Linear>(6, 12, true, kFloat64), std::make_shared<nn::Tanh>(),
      std::make_shared<nn::Linear>(12, 3, true, kFloat64)});
}

// One input per thread, drawn before the threads start (the generator is shared).
std::vector<Tensor> make_inputs() {
  std::vector<Tensor> xs;
  for (int t = 0; t < kThreads; ++t) {
    manual_seed(uint64_t(100 + t));
    xs.push_back(randn({5, 6}, kFloat64));
  }
  return xs;
}

Tensor loss_of(nn::Module& model, const Tensor& x) { return (model(x) * model(x)).sum(); }

}  // namespace

TEST_CASE("threads run forward in grad mode on one shared model", "[threads]") {
  // The leaves' gradient accumulators are created and freed by every graph each thread builds
  // and drops: this crashed (use-after-free) when their creation was unsynchronized.
  auto model = make_model();
  const std::vector<Tensor> inputs = make_inputs();
  std::vector<Tensor> expected;
  for (int t = 0; t < kThreads; ++t) expected.push_back((*model)(inputs[size_t(t)]).detach());
  std::vector<std::vector<Tensor>> seen(kThreads);
  run_threads(kThreads, [&](int t) {
    const Tensor x = inputs[size_t(t)];
    for (int i = 0; i < kIters; ++i) {
      Tensor y = (*model)(x);
      if (!y.requires_grad()) throw std::runtime_error("the output lost its graph");
      if (i % 8 == 0) seen[size_t(t)].push_back(y.detach());
    }
  });
  for (int t = 0; t < kThreads; ++t)
    for (const Tensor& y : seen[size_t(t)]) CHECK(equal(y, expected[size_t(t)]));
}

TEST_CASE("threads backpropagating into shared parameters accumulate every gradient", "[threads]") {
  auto model = make_model();
  const std::vector<Tensor> inputs = make_inputs();
  // The gradient each thread's loss gives, computed alone.
  std::vector<TensorList> per_thread;
  for (int t = 0; t < kThreads; ++t)
    per_thread.push_back(autograd::grad({loss_of(*model, inputs[size_t(t)])}, model->parameters()));
  run_threads(kThreads, [&](int t) {
    const Tensor x = inputs[size_t(t)];
    for (int i = 0; i < kIters; ++i) loss_of(*model, x).backward();
  });
  const TensorList params = model->parameters();
  for (size_t k = 0; k < params.size(); ++k) {
    Tensor total = zeros_like(params[k]);
    for (int t = 0; t < kThreads; ++t) total = total + per_thread[size_t(t)][k] * double(kIters);
    REQUIRE(params[k].grad().defined());
    CHECK(allclose(params[k].grad(), total, 1e-10, 1e-10));
  }
}

TEST_CASE("a shared leaf receives exactly the sum of concurrent backward passes", "[threads]") {
  // Integer-valued gradients: the sum is exact in any order, so a lost update shows.
  Tensor x = zeros({64}, kFloat64).requires_grad_();
  run_threads(kThreads, [&](int t) {
    const Tensor c = full({64}, double(t + 1), kFloat64);
    for (int i = 0; i < 4 * kIters; ++i) {
      Tensor h = x * 2.0;  // two paths into x's accumulator per pass
      ((h * c).sum() + x.sum()).backward();
    }
  });
  // per pass: 2 (t + 1) + 1; summed over t = 0..3 and 4 kIters passes
  const double per_element = 4.0 * kIters * (2.0 * (1 + 2 + 3 + 4) + kThreads);
  CHECK(x.grad().tolist() == std::vector<double>(64, per_element));
}

TEST_CASE("forward-only, no-grad and backward threads mix on one model", "[threads]") {
  auto model = make_model();
  const std::vector<Tensor> inputs = make_inputs();
  const TensorList reference_grad =
      autograd::grad({loss_of(*model, inputs[0])}, model->parameters());
  Tensor reference_eval;
  {
    NoGradGuard ng;
    reference_eval = (*model)(inputs[3]);
  }
  std::vector<int> mismatches(kThreads, 0);
  run_threads(kThreads, [&](int t) {
    const Tensor x = inputs[size_t(t == 1 ? 0 : t)];
    for (int i = 0; i < kIters; ++i) {
      if (t <= 1) {  // two threads train: their gradients land in the shared .grad()
        loss_of(*model, inputs[0]).backward();
      } else if (t == 2) {  // inference in grad mode, graph dropped
        Tensor y = (*model)(x);
        if (!y.requires_grad()) ++mismatches[2];
      } else {  // inference without a graph
        NoGradGuard ng;
        if (!equal((*model)(x), reference_eval)) ++mismatches[3];
      }
    }
  });
  CHECK(mismatches == std::vector<int>(kThreads, 0));
  const TensorList params = model->parameters();
  for (size_t k = 0; k < params.size(); ++k)
    CHECK(allclose(params[k].grad(), reference_grad[k] * (2.0 * kIters), 1e-10, 1e-10));
}

TEST_CASE("create_graph passes on several threads give the single-threaded second derivatives",
          "[threads]") {
  auto model = make_model();
  const std::vector<Tensor> inputs = make_inputs();
  const TensorList params = model->parameters();
  auto penalty_grad = [&](const Tensor& x) {
    TensorList g = autograd::grad({loss_of(*model, x)}, params, {}, false, /*create_graph=*/true);
    Tensor penalty = scalar(0.0, kFloat64);
    for (const Tensor& gi : g) penalty = penalty + (gi * gi).sum();
    return autograd::grad({penalty}, params);
  };
  std::vector<TensorList> expected;
  for (int t = 0; t < kThreads; ++t) expected.push_back(penalty_grad(inputs[size_t(t)]));
  std::vector<std::vector<TensorList>> seen(kThreads);
  run_threads(kThreads, [&](int t) {
    const Tensor x = inputs[size_t(t)];
    for (int i = 0; i < kIters / 4; ++i) seen[size_t(t)].push_back(penalty_grad(x));
  });
  for (int t = 0; t < kThreads; ++t)
    for (const TensorList& h : seen[size_t(t)])
      for (size_t k = 0; k < params.size(); ++k) CHECK(equal(h[k], expected[size_t(t)][k]));
}

TEST_CASE("Hogwild-style training: concurrent gradients, serialized updates, known optimum",
          "[threads]") {
  // Least squares with an exact solution: y = X w*. Each thread takes gradients on its own
  // shard while the others do too (reading the shared weight); an update takes the weight
  // exclusively, as data races on the values would be undefined behaviour in C++.
  const Tensor w_star = tensor({1.5, -2.0, 0.5, 3.0}, kFloat64);
  auto model = std::make_shared<nn::Linear>(4, 1, false, kFloat64);
  {
    NoGradGuard ng;
    model->weight().zero_();
  }
  std::vector<Tensor> xs, ys;
  for (int t = 0; t < kThreads; ++t) {
    manual_seed(uint64_t(200 + t));
    xs.push_back(randn({16, 4}, kFloat64));
    ys.push_back(matmul(xs.back(), w_star.unsqueeze(1)));
  }
  std::shared_mutex weights;
  run_threads(kThreads, [&](int t) {
    Tensor w = model->weight();
    // 200 steps each: every step contracts the distance to w* (the optimum of every shard) by at
    // least 1 - 0.1 * the shard's smallest curvature, whatever order the threads' steps take
    // (60 was too few when the scheduler serialized them: a flaky failure under load).
    for (int i = 0; i < 200; ++i) {
      TensorList g;
      {
        std::shared_lock<std::shared_mutex> reading(weights);
        Tensor loss = nn::functional::mse_loss((*model)(xs[size_t(t)]), ys[size_t(t)]);
        g = autograd::grad({loss}, {w});
      }
      std::unique_lock<std::shared_mutex> writing(weights);
      NoGradGuard ng;
      w.add_(g[0], -0.1);
    }
  });
  INFO("final weight " << model->weight().reshape({4}) << ", optimum " << w_star);
  CHECK(allclose(model->weight().reshape({4}), w_star, 0, 1e-6));
}

TEST_CASE("in-place ops on views of a shared model's results are recorded on each thread",
          "[threads]") {
  auto model = make_model();
  const std::vector<Tensor> inputs = make_inputs();
  const TensorList params = model->parameters();
  auto run = [&](const Tensor& x) {
    Tensor y = (*model)(x);
    // CopySlices on a thread-local result (the factor is copied: an operand that shares y's
    // storage would be stale after the write, and backward would refuse it, as in PyTorch)
    y.narrow(1, 1, 2).mul_(y.select(1, 0).unsqueeze(1) * 1.0);
    y.t().select(0, 0).fill_(0.5);
    return autograd::grad({(y * y).sum()}, params);
  };
  std::vector<TensorList> expected;
  for (int t = 0; t < kThreads; ++t) expected.push_back(run(inputs[size_t(t)]));
  std::vector<std::vector<TensorList>> seen(kThreads);
  run_threads(kThreads, [&](int t) {
    for (int i = 0; i < kIters / 4; ++i) seen[size_t(t)].push_back(run(inputs[size_t(t)]));
  });
  for (int t = 0; t < kThreads; ++t)
    for (const TensorList& g : seen[size_t(t)])
      for (size_t k = 0; k < params.size(); ++k) CHECK(equal(g[k], expected[size_t(t)][k]));
}
