// Adagrad against PyTorch 1.13's trajectories (scripts/oracle/nn_training_oracle.py).
#include <catch2/catch.hpp>

#include <paragrad/nn/nn.hpp>

#include "nn/nn_training_oracle.hpp"

using namespace paragrad;
namespace O = nn_training_oracle;

namespace {
// The problem of nn_oracle.py: f(W, b) = sum((W a_i + b - c_i)^2); five steps.
std::vector<double> trajectory(
    const std::function<std::unique_ptr<optim::Optimizer>(TensorList)>& make) {
  const Tensor A =
      tensor({{1.0, 2.0, -1.0}, {0.5, -0.3, 0.8}, {-1.5, 0.2, 0.4}, {0.0, 1.0, 1.0}}, kFloat64);
  const Tensor C = tensor({{1.0, -1.0}, {0.5, 0.2}, {-0.3, 0.9}, {2.0, 0.0}}, kFloat64);
  Tensor W = tensor({{0.1, -0.2, 0.3}, {0.4, 0.0, -0.1}}, kFloat64).requires_grad_(true);
  Tensor b = tensor({0.05, -0.05}, kFloat64).requires_grad_(true);
  auto opt = make({W, b});
  std::vector<double> traj;
  for (int i = 0; i < 5; ++i) {
    opt->zero_grad();
    (matmul(A, W.t()) + b - C).square().sum().backward();
    opt->step();
    for (double v : W.tolist()) traj.push_back(v);
    for (double v : b.tolist()) traj.push_back(v);
  }
  return traj;
}

void check_traj(const std::vector<double>& got, const std::vector<double>& want) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i)
    CHECK(got[i] == Approx(want[i]).epsilon(1e-12).margin(1e-15));
}
}  // namespace

TEST_CASE("Adagrad follows PyTorch's trajectory with default options") {
  check_traj(trajectory([](TensorList p) { return std::make_unique<optim::Adagrad>(p, 0.1); }),
             O::adagrad_traj);
}

TEST_CASE("Adagrad follows PyTorch with lr_decay, weight_decay, initial accumulator and eps") {
  check_traj(trajectory([](TensorList p) {
               return std::make_unique<optim::Adagrad>(p, 0.1, 0.05, 0.1, 0.2, 1e-6);
             }),
             O::adagrad_full_traj);
}

TEST_CASE("Adagrad rejects negative options naming the option") {
  Tensor w = zeros({2}).requires_grad_(true);
  CHECK_THROWS_WITH(optim::Adagrad({w}, -1), Catch::Contains("learning rate"));
  CHECK_THROWS_WITH(optim::Adagrad({w}, 0.1, -1), Catch::Contains("lr_decay"));
  CHECK_THROWS_WITH(optim::Adagrad({w}, 0.1, 0, -1), Catch::Contains("weight_decay"));
  CHECK_THROWS_WITH(optim::Adagrad({w}, 0.1, 0, 0, -1), Catch::Contains("initial_accumulator"));
  CHECK_THROWS_WITH(optim::Adagrad({w}, 0.1, 0, 0, 0, -1), Catch::Contains("epsilon"));
}
