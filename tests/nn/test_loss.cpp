// Losses and functional activations against PyTorch 1.13 (tests/nn/nn_oracle.hpp, float64).
#include <catch2/catch.hpp>

#include "nn/nn_oracle.hpp"

#include <paragrad/nn/nn.hpp>

using namespace paragrad;
namespace F = paragrad::nn::functional;

namespace {

Tensor X() {
  return tensor({{0.5, -1.2, 2.0, 0.3}, {1.5, 0.1, -0.7, -2.2}, {-0.3, 0.8, 0.9, 1.1}}, kFloat64)
      .requires_grad_();
}
Tensor Y() {
  return tensor({{0.1, 0.2, -0.4, 1.0}, {0.9, -0.5, 0.3, 0.0}, {0.6, 0.6, -1.0, 0.25}}, kFloat64);
}
Tensor P() {
  return tensor({{1.0, 0.0, 0.5, 0.25}, {0.0, 1.0, 0.75, 0.5}, {0.5, 0.5, 0.0, 1.0}}, kFloat64);
}
Tensor T() { return tensor({2, 0, 3}, kInt64); }

void check_close(const std::vector<double>& got, const std::vector<double>& want,
                 double tol = 1e-12) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i);
    CHECK(got[i] == Approx(want[i]).margin(tol).epsilon(tol));
  }
}

// The loss's value and its gradient with respect to X.
void check_loss(const std::function<Tensor(const Tensor&)>& loss_of,
                const std::vector<double>& value, const std::vector<double>& grad) {
  Tensor x = X();
  Tensor loss = loss_of(x);
  CHECK(loss.dim() == 0);
  check_close(loss.tolist(), value);
  loss.backward();
  check_close(x.grad().tolist(), grad);
}

}  // namespace

TEST_CASE("mse_loss matches PyTorch, mean and sum") {
  check_loss([](const Tensor& x) { return F::mse_loss(x, Y()); }, nn_oracle::mse_mean_value,
             nn_oracle::mse_mean_grad);
  check_loss([](const Tensor& x) { return F::mse_loss(x, Y(), "sum"); }, nn_oracle::mse_sum_value,
             nn_oracle::mse_sum_grad);
}

TEST_CASE("l1_loss matches PyTorch, mean and sum") {
  check_loss([](const Tensor& x) { return F::l1_loss(x, Y()); }, nn_oracle::l1_mean_value,
             nn_oracle::l1_mean_grad);
  check_loss([](const Tensor& x) { return F::l1_loss(x, Y(), "sum"); }, nn_oracle::l1_sum_value,
             nn_oracle::l1_sum_grad);
}

TEST_CASE("cross_entropy with class indices matches PyTorch, mean and sum") {
  check_loss([](const Tensor& x) { return F::cross_entropy(x, T()); }, nn_oracle::ce_mean_value,
             nn_oracle::ce_mean_grad);
  check_loss([](const Tensor& x) { return F::cross_entropy(x, T(), "sum"); },
             nn_oracle::ce_sum_value, nn_oracle::ce_sum_grad);
}

TEST_CASE("cross_entropy with class probabilities matches PyTorch") {
  check_loss([](const Tensor& x) { return F::cross_entropy(x, P().softmax(1)); },
             nn_oracle::ce_probs_mean_value, nn_oracle::ce_probs_mean_grad);
  check_loss([](const Tensor& x) { return F::cross_entropy(x, P().softmax(1), "sum"); },
             nn_oracle::ce_probs_sum_value, nn_oracle::ce_probs_sum_grad);
}

TEST_CASE("nll_loss of log_softmax matches PyTorch, mean and sum") {
  check_loss([](const Tensor& x) { return F::nll_loss(x.log_softmax(1), T()); },
             nn_oracle::nll_mean_value, nn_oracle::nll_mean_grad);
  check_loss([](const Tensor& x) { return F::nll_loss(x.log_softmax(1), T(), "sum"); },
             nn_oracle::nll_sum_value, nn_oracle::nll_sum_grad);
}

TEST_CASE("binary_cross_entropy_with_logits matches PyTorch, mean and sum") {
  check_loss([](const Tensor& x) { return F::binary_cross_entropy_with_logits(x, P()); },
             nn_oracle::bce_mean_value, nn_oracle::bce_mean_grad);
  check_loss([](const Tensor& x) { return F::binary_cross_entropy_with_logits(x, P(), "sum"); },
             nn_oracle::bce_sum_value, nn_oracle::bce_sum_grad);
}

TEST_CASE("cross_entropy is stable for huge logits") {
  Tensor x = tensor({{1000.0, -1000.0, 0.0}}, kFloat64).requires_grad_();
  Tensor loss = F::cross_entropy(x, tensor({0}, kInt64));
  CHECK(loss.item<double>() == Approx(0.0).margin(1e-12));
  loss.backward();
  check_close(x.grad().tolist(), {0, 0, 0});
  CHECK(F::binary_cross_entropy_with_logits(tensor({-800.0}, kFloat64), tensor({1.0}, kFloat64))
            .item<double>() == Approx(800.0));
}

TEST_CASE("cross_entropy handles an unbatched 1-d input of C logits with a 0-d target") {
  Tensor x = tensor({0.5, -1.2, 2.0}, kFloat64);
  Tensor one = F::cross_entropy(x, scalar(2, kInt64));
  Tensor batched = F::cross_entropy(x.unsqueeze(0), tensor({2}, kInt64));
  CHECK(one.item<double>() == Approx(batched.item<double>()));
}

TEST_CASE("cross_entropy rejects out-of-range and non-integer targets, naming them") {
  try {
    F::cross_entropy(X(), tensor({2, 0, 4}, kInt64));
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("target 4 is out of bounds for 4 classes") !=
          std::string::npos);
  }
  CHECK_THROWS_AS(F::cross_entropy(X(), tensor({2, 0}, kInt64)), ShapeError);
  CHECK_THROWS_AS(F::nll_loss(X(), tensor({-1, 0, 1}, kInt64)), IndexError);
  CHECK_THROWS_AS(F::mse_loss(X(), zeros({3}, kFloat64)), ShapeError);
  CHECK_THROWS_AS(F::mse_loss(X(), Y(), "avg"), ValueError);
}

TEST_CASE("reduction none keeps the elementwise losses") {
  CHECK(F::mse_loss(X(), Y(), "none").shape() == Shape{3, 4});
  CHECK(F::cross_entropy(X(), T(), "none").shape() == Shape{3});
}

TEST_CASE("gelu (erf and tanh forms), softplus and layer_norm match PyTorch") {
  struct Case {
    std::function<Tensor(const Tensor&)> f;
    const std::vector<double>& value;
    const std::vector<double>& grad;
  };
  std::vector<Case> cases{
      {[](const Tensor& x) { return F::gelu(x); }, nn_oracle::gelu_value, nn_oracle::gelu_grad},
      {[](const Tensor& x) { return F::gelu(x, "tanh"); }, nn_oracle::gelu_tanh_value,
       nn_oracle::gelu_tanh_grad},
      {[](const Tensor& x) { return F::softplus(x, 2, 3); }, nn_oracle::softplus2_value,
       nn_oracle::softplus2_grad},
      {[](const Tensor& x) { return F::layer_norm(x, {4}); }, nn_oracle::layer_norm_value,
       nn_oracle::layer_norm_grad},
  };
  for (auto& c : cases) {
    Tensor x = X();
    Tensor y = c.f(x);
    check_close(y.tolist(), c.value, 1e-10);
    (y * Y()).sum().backward();
    check_close(x.grad().tolist(), c.grad, 1e-10);
  }
}

TEST_CASE("erf's gradient passes gradcheck to second order") {
  Tensor x = tensor({-1.5, -0.2, 0.0, 0.7, 2.0}, kFloat64).requires_grad_();
  CHECK(autograd::gradcheck([](const TensorList& in) { return F::erf(in[0]); }, {x}, 1e-6, 1e-5,
                            1e-3, true));
}

TEST_CASE("losses pass gradcheck") {
  Tensor x = X();
  CHECK(
      autograd::gradcheck([](const TensorList& in) { return F::cross_entropy(in[0], T()); }, {x}));
  CHECK(autograd::gradcheck(
      [](const TensorList& in) { return F::binary_cross_entropy_with_logits(in[0], P()); }, {x}));
}
