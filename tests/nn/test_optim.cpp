// Optimizers: first steps against PyTorch 1.13 (tests/nn/nn_oracle.hpp, float64), param groups,
// zero_grad, and a small regression trained to its known solution.
#include <catch2/catch.hpp>

#include "nn/nn_oracle.hpp"

#include <paragrad/nn/nn.hpp>

using namespace paragrad;

namespace {

Tensor A() {
  return tensor({{1.0, 2.0, -1.0}, {0.5, -0.3, 0.8}, {-1.5, 0.2, 0.4}, {0.0, 1.0, 1.0}}, kFloat64);
}
Tensor C() { return tensor({{1.0, -1.0}, {0.5, 0.2}, {-0.3, 0.9}, {2.0, 0.0}}, kFloat64); }

// Runs `steps` steps of the optimizer on sum((A W^T + b - C)^2) and compares every iterate.
void check_trajectory(const std::function<std::unique_ptr<optim::Optimizer>(TensorList)>& make,
                      const std::vector<double>& want, double tol = 1e-12) {
  Tensor W = tensor({{0.1, -0.2, 0.3}, {0.4, 0.0, -0.1}}, kFloat64).requires_grad_();
  Tensor b = tensor({0.05, -0.05}, kFloat64).requires_grad_();
  auto opt = make({W, b});
  const size_t steps = want.size() / 8;
  for (size_t s = 0; s < steps; ++s) {
    opt->zero_grad();
    Tensor loss = (matmul(A(), W.t()) + b - C()).square().sum();
    loss.backward();
    opt->step();
    std::vector<double> got = W.tolist();
    for (double v : b.tolist()) got.push_back(v);
    for (size_t i = 0; i < 8; ++i) {
      INFO("step " << s + 1 << " element " << i);
      CHECK(got[i] == Approx(want[s * 8 + i]).margin(tol).epsilon(tol));
    }
  }
  CHECK(W.is_leaf());
}

template <class O, class... Args>
std::function<std::unique_ptr<optim::Optimizer>(TensorList)> maker(Args... args) {
  return [=](TensorList p) { return std::make_unique<O>(p, args...); };
}

}  // namespace

TEST_CASE("SGD's first steps match PyTorch") {
  check_trajectory(maker<optim::SGD>(0.01), nn_oracle::sgd_traj);
}

TEST_CASE("SGD with momentum and dampening matches PyTorch") {
  check_trajectory(maker<optim::SGD>(0.01, 0.9, 0.1), nn_oracle::sgd_momentum_traj);
}

// nn/optim/sgd.cpp runs the momentum step of a contiguous float parameter in one pass
// (fused_momentum_step); a parameter it cannot take (here a transposed one) goes op by op.
TEST_CASE("SGD's one-pass momentum step gives the op-by-op update bit for bit") {
  struct Threads {
    int saved = get_num_threads();
    Threads() { set_num_threads(2); }  // 75,000 elements: several chunks of the pool
    ~Threads() { set_num_threads(saved); }
  } threads;
  for (Dtype d : {kFloat32, kFloat64}) {
    for (bool transposed : {false, true}) {
      INFO(dtype_name(d) << (transposed ? ", transposed" : ", contiguous"));
      Tensor init = randn({300, 250}, d);
      Tensor p = (transposed ? init.t().contiguous().t() : init.clone()).requires_grad_();
      REQUIRE(p.is_contiguous() == !transposed);
      optim::SGD opt({p}, 0.03, 0.9, 0.1);
      Tensor want = init.clone(), buf;
      for (int step = 0; step < 3; ++step) {
        Tensor g = randn({300, 250}, d);
        opt.zero_grad();
        (p * g).sum().backward();
        REQUIRE(equal(p.grad(), g));
        const uint32_t version = p.version();
        const uint32_t buf_version =
            step == 0 ? 0 : opt.state(p).buffers.at("momentum_buffer").version();
        opt.step();
        CHECK(p.version() > version);
        if (step > 0) {
          // Which path ran: one pass writes the buffer once, the ops twice (mul_, add_).
          const uint32_t writes =
              opt.state(p).buffers.at("momentum_buffer").version() - buf_version;
          CHECK(writes == (transposed ? 2u : 1u));
        }
        if (step == 0)
          buf = g.clone();
        else
          buf.mul_(0.9).add_(g, 1 - 0.1);
        want.add_(buf, -0.03);
        CHECK(equal(p.detach(), want));
        CHECK(equal(opt.state(p).buffers.at("momentum_buffer"), buf));
      }
      // A graph that saved the parameter sees the step's write.
      Tensor y = (p * p).sum();
      opt.step();
      CHECK_THROWS_WITH(y.backward(), Catch::Contains("modified by an in-place"));
    }
  }
}

TEST_CASE("SGD with Nesterov momentum matches PyTorch") {
  check_trajectory(maker<optim::SGD>(0.01, 0.9, 0.0, 0.0, true), nn_oracle::sgd_nesterov_traj);
}

TEST_CASE("SGD with weight decay matches PyTorch") {
  check_trajectory(maker<optim::SGD>(0.01, 0.5, 0.0, 0.1), nn_oracle::sgd_wd_traj);
}

TEST_CASE("SGD rejects Nesterov without momentum") {
  Tensor w = zeros({1}).requires_grad_();
  CHECK_THROWS_AS(optim::SGD({w}, 0.1, 0.0, 0.0, 0.0, true), ValueError);
  CHECK_THROWS_AS(optim::SGD({w}, -0.1), ValueError);
}

TEST_CASE("Adam's first steps match PyTorch") {
  check_trajectory(maker<optim::Adam>(0.1), nn_oracle::adam_traj);
}

TEST_CASE("Adam with betas and L2 weight decay matches PyTorch") {
  check_trajectory(maker<optim::Adam>(0.1, std::make_pair(0.8, 0.9), 1e-8, 0.1),
                   nn_oracle::adam_wd_traj);
}

TEST_CASE("Adam with amsgrad matches PyTorch") {
  check_trajectory(maker<optim::Adam>(0.1, std::make_pair(0.9, 0.999), 1e-8, 0.0, true),
                   nn_oracle::adam_amsgrad_traj);
}

TEST_CASE("AdamW with decoupled weight decay matches PyTorch") {
  check_trajectory(maker<optim::AdamW>(0.1, std::make_pair(0.9, 0.999), 1e-8, 0.1),
                   nn_oracle::adamw_traj);
}

TEST_CASE("AdamW with amsgrad matches PyTorch") {
  check_trajectory(maker<optim::AdamW>(0.1, std::make_pair(0.9, 0.999), 1e-8, 1e-2, true),
                   nn_oracle::adamw_amsgrad_traj);
}

TEST_CASE("RMSprop matches PyTorch") {
  check_trajectory(maker<optim::RMSprop>(0.01), nn_oracle::rmsprop_traj);
}

TEST_CASE("RMSprop with momentum, centering and weight decay matches PyTorch") {
  check_trajectory(maker<optim::RMSprop>(0.01, 0.99, 1e-8, 0.1, 0.9, true),
                   nn_oracle::rmsprop_full_traj);
}

namespace {
// Two steps of LBFGS on Rosenbrock split over two parameters; loss, a, b after each step.
void check_lbfgs(optim::LBFGS& opt, Tensor a, Tensor b, const std::vector<double>& want,
                 double evals) {
  auto closure = [&] {
    opt.zero_grad();
    Tensor loss = ((1.0 - a).square() + 100.0 * (b - a * a).square()).sum();
    loss.backward();
    return loss;
  };
  for (size_t s = 0; s < 2; ++s) {
    Tensor loss = opt.step(closure);
    INFO("step " << s + 1);
    CHECK(loss.item<double>() == Approx(want[3 * s]).epsilon(1e-9));
    CHECK(a.item<double>() == Approx(want[3 * s + 1]).epsilon(1e-9).margin(1e-12));
    CHECK(b.item<double>() == Approx(want[3 * s + 2]).epsilon(1e-9).margin(1e-12));
  }
  CHECK(double(opt.func_evals()) == evals);
}
Tensor param(double v) { return tensor({v}, kFloat64).requires_grad_(); }
}  // namespace

TEST_CASE("LBFGS without line search matches PyTorch on Rosenbrock") {
  Tensor a = param(-1.2), b = param(1.0);
  optim::LBFGS opt({a, b}, 1, 20);
  check_lbfgs(opt, a, b, nn_oracle::lbfgs_traj, nn_oracle::lbfgs_func_evals[0]);
}

TEST_CASE("LBFGS with strong-Wolfe line search matches PyTorch on Rosenbrock") {
  Tensor a = param(-1.2), b = param(1.0);
  optim::LBFGS opt({a, b}, 1, 20, 0, 1e-7, 1e-9, 100, "strong_wolfe");
  check_lbfgs(opt, a, b, nn_oracle::lbfgs_wolfe_traj, nn_oracle::lbfgs_wolfe_func_evals[0]);
}

TEST_CASE("LBFGS with a short history matches PyTorch on Rosenbrock") {
  Tensor a = param(-1.2), b = param(1.0);
  optim::LBFGS opt({a, b}, 1, 10, 0, 1e-7, 1e-9, 3, "strong_wolfe");
  check_lbfgs(opt, a, b, nn_oracle::lbfgs_wolfe_h3_traj, nn_oracle::lbfgs_wolfe_h3_func_evals[0]);
}

TEST_CASE("LBFGS needs a closure and a single parameter group") {
  Tensor a = param(1.0);
  optim::LBFGS opt({a});
  CHECK_THROWS_AS(opt.step(), ValueError);
  CHECK_THROWS_AS(opt.add_param_group({param(2.0)}), ValueError);
  CHECK_THROWS_AS(optim::LBFGS({a}, 1, 20, 0, 1e-7, 1e-9, 100, "backtracking"), ValueError);
}

TEST_CASE("param groups keep their own options, and add_param_group takes the defaults") {
  Tensor w1 = ones({1}).requires_grad_(), w2 = ones({1}).requires_grad_();
  Tensor w3 = ones({1}).requires_grad_();
  optim::SGD opt({w1}, 0.1);
  opt.add_param_group({w2}, {{"lr", 0.5}});
  opt.add_param_group({w3});
  REQUIRE(opt.param_groups().size() == 3);
  CHECK(opt.param_groups()[1]["lr"] == 0.5);
  CHECK(opt.param_groups()[2]["lr"] == 0.1);
  (w1 + w2 + w3).sum().backward();
  opt.step();
  CHECK(w1.item<float>() == Approx(0.9));
  CHECK(w2.item<float>() == Approx(0.5));
  CHECK(w3.item<float>() == Approx(0.9));
  CHECK_THROWS_AS(opt.add_param_group({w1}), ValueError);  // already optimized
  CHECK_THROWS_AS(opt.add_param_group({ones({1}).requires_grad_()}, {{"betas", 1}}), ValueError);
}

TEST_CASE("zero_grad sets every grad to undefined, and step skips parameters without one") {
  Tensor w1 = ones({2}).requires_grad_(), w2 = ones({2}).requires_grad_();
  optim::Adam opt({w1, w2}, 0.1);
  (w1 * 2.0).sum().backward();
  opt.step();
  CHECK(w2.tolist() == std::vector<double>{1, 1});
  CHECK(w1.tolist() != std::vector<double>{1, 1});
  opt.zero_grad();
  CHECK_FALSE(w1.grad().defined());
}

TEST_CASE("optimizers reject non-leaf and integer tensors") {
  Tensor w = ones({2}).requires_grad_();
  CHECK_THROWS_AS(optim::SGD({w * 2.0}, 0.1), ValueError);
  CHECK_THROWS_AS(optim::SGD({ones({2}, kInt64)}, 0.1), ValueError);
  CHECK_THROWS_AS(optim::SGD(TensorList{}, 0.1), ValueError);
}

TEST_CASE("a linear regression trains to its known solution with each optimizer") {
  // y = X w* + b*, w* = [2, -3], b* = 0.5: a Linear layer must recover them.
  const Tensor Xs = tensor({{0.0, 1.0},
                            {1.0, 0.0},
                            {1.0, 1.0},
                            {2.0, -1.0},
                            {-1.0, 0.5},
                            {0.5, 0.5},
                            {-2.0, -1.0},
                            {1.5, 2.0}},
                           kFloat64);
  const Tensor ys = matmul(Xs, tensor({2.0, -3.0}, kFloat64).unsqueeze(1)) + 0.5;
  using Make = std::function<std::unique_ptr<optim::Optimizer>(TensorList)>;
  std::vector<std::pair<std::string, Make>> makers{
      {"SGD", maker<optim::SGD>(0.05, 0.9)},
      {"Adam", maker<optim::Adam>(0.05)},
      {"AdamW", maker<optim::AdamW>(0.05, std::make_pair(0.9, 0.999), 1e-8, 0.0)},
      {"RMSprop", maker<optim::RMSprop>(0.01)},
      {"LBFGS", maker<optim::LBFGS>(1.0, 50, 0, 1e-10, 1e-12, 100, std::string("strong_wolfe"))}};
  for (auto& [name, make] : makers) {
    INFO(name);
    manual_seed(0);
    nn::Linear lin(2, 1, true, kFloat64);
    auto opt = make(lin.parameters());
    auto closure = [&] {
      opt->zero_grad();
      Tensor loss = nn::functional::mse_loss(lin(Xs), ys);
      loss.backward();
      return loss;
    };
    const int steps = name == "LBFGS" ? 5 : 1500;
    for (int i = 0; i < steps; ++i) {
      if (i == 1000) opt->param_groups()[0]["lr"] *= 0.01;  // anneal: RMSprop hovers ~lr away
      opt->step(closure);
    }
    CHECK(lin.weight().tolist()[0] == Approx(2.0).margin(1e-3));
    CHECK(lin.weight().tolist()[1] == Approx(-3.0).margin(1e-3));
    CHECK(lin.bias().item<double>() == Approx(0.5).margin(1e-3));
  }
}

// Adam updates a contiguous parameter in one fused pass, and any other layout op by op: both
// must give the same iterates (the PyTorch trajectories above run the fused pass).
TEST_CASE("Adam's fused update and its op-by-op path agree, float32 and float64") {
  for (Dtype dtype : {kFloat64, kFloat32}) {
    for (int variant = 0; variant < 4; ++variant) {
      INFO("dtype " << dtype_name(dtype) << " variant " << variant);
      const double tol = dtype == kFloat64 ? 1e-12 : 1e-6;
      const Tensor init = tensor({{0.1, -0.2, 0.3}, {0.4, 0.0, -0.1}}, dtype);
      Tensor contiguous = init.clone().requires_grad_();
      Tensor strided = init.t().contiguous().t().requires_grad_();  // same values, transposed
      REQUIRE_FALSE(strided.is_contiguous());
      auto make = [&](const Tensor& w) -> std::unique_ptr<optim::Optimizer> {
        switch (variant) {
          case 0:
            return std::make_unique<optim::Adam>(TensorList{w}, 0.05);
          case 1:
            return std::make_unique<optim::Adam>(TensorList{w}, 0.05, std::make_pair(0.8, 0.9),
                                                 1e-6, 0.1, true);
          case 2:
            return std::make_unique<optim::AdamW>(TensorList{w}, 0.05);
          default:
            return std::make_unique<optim::AdamW>(TensorList{w}, 0.05, std::make_pair(0.9, 0.99),
                                                  1e-8, 0.3, true);
        }
      };
      auto opt_c = make(contiguous), opt_s = make(strided);
      const Tensor a = A().to(dtype), c = C().to(dtype);
      for (int step = 0; step < 5; ++step) {
        for (auto* pair : {&contiguous, &strided}) {
          Tensor& w = *pair;
          auto& opt = pair == &contiguous ? opt_c : opt_s;
          opt->zero_grad();
          (matmul(a, w.t()) - c.narrow(1, 0, 2)).square().sum().backward();
          opt->step();
        }
        std::vector<double> x = contiguous.tolist(), y = strided.tolist();
        for (size_t i = 0; i < x.size(); ++i) CHECK(x[i] == Approx(y[i]).margin(tol).epsilon(tol));
      }
    }
  }
}
