// Anomaly mode (engine/autograd/anomaly.hpp): a backward node returning NaN or Inf raises an
// AutogradError naming the node, its forward op and the forward chain recorded with it, before
// any leaf's .grad() changes; off by default; every guard restores what it found.
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include <paragrad/engine/engine.hpp>

#include "bad_input.hpp"

using namespace paragrad;

namespace {
using Catch::Matchers::Contains;

// Every test leaves anomaly mode as it found it (off), even when a check fails.
struct AnomalyOffAfter {
  ~AnomalyOffAfter() { autograd::set_detect_anomaly(false); }
};
}  // namespace

TEST_CASE("anomaly mode is off by default") {
  CHECK_FALSE(autograd::is_anomaly_enabled());
  // Off, a NaN gradient passes silently (as in PyTorch): sqrt's rule at 0 with g = 0 is 0 / 0.
  Tensor x = tensor({0.0, 1.0}, kFloat64).requires_grad_();
  (x.sqrt() * 0.0).sum().backward();
  const std::vector<double> g = x.grad().tolist();
  CHECK(std::isnan(g[0]));
  CHECK(g[1] == 0.0);
}

TEST_CASE("anomaly mode names the node that produced NaN, its forward op and the chain") {
  AnomalyOffAfter off;
  autograd::DetectAnomalyGuard guard;
  Tensor x = tensor({0.0, 1.0}, kFloat64).requires_grad_();
  Tensor loss = ((x.exp() - 1.0).sqrt() * 0.0).sum();
  const std::string msg = test::error_of<AutogradError>([&] { loss.backward(); });
  CHECK_THAT(msg, Contains("anomaly mode: SqrtBackward (the backward of sqrt) returned NaN"));
  CHECK_THAT(msg, Contains("input 0 (shape [2])"));
  CHECK_THAT(msg, Contains("sqrt(sub(exp(leaf [2])))"));
  CHECK_FALSE(x.grad().defined());
}

TEST_CASE("anomaly mode raises on Inf too") {
  AnomalyOffAfter off;
  autograd::DetectAnomalyGuard guard;
  Tensor x = tensor({0.0, 4.0}, kFloat64).requires_grad_();
  const std::string msg = test::error_of<AutogradError>([&] { x.sqrt().sum().backward(); });
  CHECK_THAT(msg, Contains("SqrtBackward") && Contains("returned Inf"));
}

TEST_CASE("anomaly mode raises before any leaf gradient is touched") {
  AnomalyOffAfter off;
  Tensor x = tensor({0.0, 1.0}, kFloat64).requires_grad_();
  Tensor w = tensor({2.0, 3.0}, kFloat64).requires_grad_();
  // A first, clean backward gives both leaves a gradient.
  ((x + 1.0).sqrt().sum() + (w * w).sum()).backward();
  const std::vector<double> x_before = x.grad().tolist(), w_before = w.grad().tolist();
  autograd::DetectAnomalyGuard guard;
  // w's branch is finished (its accumulator is ready) long before sqrt's rule fails.
  Tensor loss = (w * 5.0).sum() + (x.sqrt() * 0.0).sum();
  CHECK_THAT(test::error_of<AutogradError>([&] { loss.backward(); }),
             Contains("SqrtBackward") && Contains("No leaf's .grad() was changed"));
  CHECK(x.grad().tolist() == x_before);
  CHECK(w.grad().tolist() == w_before);
}

TEST_CASE("anomaly mode on a clean graph gives the same gradients as off") {
  AnomalyOffAfter off;
  Tensor a = tensor({0.5, 2.0}, kFloat64).requires_grad_();
  Tensor b = tensor({1.5, -1.0}, kFloat64).requires_grad_();
  auto run = [&] {
    a.zero_grad();
    b.zero_grad();
    ((a * b).exp().sum() + (a / b).sum()).backward();
    return std::vector<std::vector<double>>{a.grad().tolist(), b.grad().tolist()};
  };
  const auto plain = run();
  autograd::set_detect_anomaly(true);
  CHECK(run() == plain);
}

TEST_CASE("anomaly mode checks autograd grad and create_graph passes") {
  AnomalyOffAfter off;
  autograd::DetectAnomalyGuard guard;
  Tensor x = tensor({0.0, 1.0}, kFloat64).requires_grad_();
  CHECK_THAT(test::error_of<AutogradError>([&] { autograd::grad({x.sqrt().sum()}, {x}); }),
             Contains("SqrtBackward"));
  // Second order: d/dx of the first derivative 1 / (2 sqrt(x)) is infinite at 0.
  Tensor y = tensor({0.0, 1.0}, kFloat64).requires_grad_();
  Tensor z = (y * y * y).sum();
  TensorList g = autograd::grad({z}, {y}, {}, false, /*create_graph=*/true);
  CHECK(g[0].tolist() == std::vector<double>{0.0, 3.0});
  CHECK_THAT(test::error_of<AutogradError>([&] { autograd::grad({g[0].sqrt().sum()}, {y}); }),
             Contains("SqrtBackward"));
}

TEST_CASE("a graph recorded with anomaly mode off is still checked and says so") {
  AnomalyOffAfter off;
  Tensor x = tensor({0.0, 1.0}, kFloat64).requires_grad_();
  Tensor loss = (x.sqrt() * 0.0).sum();
  autograd::DetectAnomalyGuard guard;
  const std::string msg = test::error_of<AutogradError>([&] { loss.backward(); });
  CHECK_THAT(msg, Contains("SqrtBackward") && Contains("recorded with anomaly mode off"));
}

TEST_CASE("the forward chain names every input of a many-input op and is bounded") {
  AnomalyOffAfter off;
  autograd::DetectAnomalyGuard guard;
  Tensor a = tensor({1.0}, kFloat64).requires_grad_();
  Tensor b = tensor({2.0}, kFloat64).requires_grad_();
  Tensor y = (a * b).exp() + b.log();
  CHECK(autograd::forward_chain(*y.grad_fn()) ==
        "add(exp(mul(leaf [1], leaf [1])), log(leaf [1]))");
  Tensor deep = a;
  for (int i = 0; i < 20; ++i) deep = deep.sin();
  const std::string chain = autograd::forward_chain(*deep.grad_fn());
  CHECK(chain.find("sin(sin(sin(sin(sin(sin(...))))))") == 0);
}

TEST_CASE("forward op names are derived from node names") {
  CHECK(autograd::forward_op_name("LogSoftmaxBackward") == "log_softmax");
  CHECK(autograd::forward_op_name("MulBackward") == "mul");
  CHECK(autograd::forward_op_name("CopyBackwards") == "copy");
  CHECK(autograd::forward_op_name("AccumulateGrad") == "leaf");
}

TEST_CASE("anomaly guards nest and each restores the state it found") {
  AnomalyOffAfter off;
  autograd::set_detect_anomaly(false);
  {
    autograd::DetectAnomalyGuard on;
    CHECK(autograd::is_anomaly_enabled());
    {
      autograd::DetectAnomalyGuard off_inside(false);
      CHECK_FALSE(autograd::is_anomaly_enabled());
      {
        autograd::DetectAnomalyGuard on_again;
        CHECK(autograd::is_anomaly_enabled());
      }
      CHECK_FALSE(autograd::is_anomaly_enabled());
    }
    CHECK(autograd::is_anomaly_enabled());
  }
  CHECK_FALSE(autograd::is_anomaly_enabled());
  autograd::set_detect_anomaly(true);
  { autograd::DetectAnomalyGuard g(false); }
  CHECK(autograd::is_anomaly_enabled());
  // A guard restores its state also when the scope is left by an exception.
  try {
    autograd::DetectAnomalyGuard g(false);
    throw ValueError("leave the scope");
  } catch (const ValueError&) {
  }
  CHECK(autograd::is_anomaly_enabled());
}

TEST_CASE("anomaly mode is one global switch seen by every thread as in PyTorch") {
  AnomalyOffAfter off;
  autograd::DetectAnomalyGuard guard;
  bool seen = false;
  std::thread t([&] { seen = autograd::is_anomaly_enabled(); });
  t.join();
  CHECK(seen);
}
