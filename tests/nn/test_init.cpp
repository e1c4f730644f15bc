// nn::init: bounds, statistics, determinism and the orthogonal initializer.
#include <catch2/catch.hpp>

#include <cmath>

#include <paragrad/nn/nn.hpp>

using namespace paragrad;
namespace init = paragrad::nn::init;

namespace {
std::pair<double, double> mean_std(const Tensor& t) {
  const auto v = t.tolist();
  double m = 0, s = 0;
  for (double x : v) m += x;
  m /= double(v.size());
  for (double x : v) s += (x - m) * (x - m);
  return {m, std::sqrt(s / double(v.size()))};
}
}  // namespace

TEST_CASE("uniform_ and normal_ have the requested range and moments") {
  manual_seed(0);
  Tensor u = empty({20000}, kFloat64);
  init::uniform_(u, -2, 3);
  auto [um, us] = mean_std(u);
  CHECK(um == Approx(0.5).margin(0.05));
  CHECK(us == Approx(5 / std::sqrt(12.0)).epsilon(0.02));
  CHECK(u.min().item<double>() >= -2);
  CHECK(u.max().item<double>() < 3);
  Tensor n = empty({20000});
  init::normal_(n, 1, 0.5);
  auto [nm, ns] = mean_std(n);
  CHECK(nm == Approx(1).margin(0.02));
  CHECK(ns == Approx(0.5).epsilon(0.03));
}

TEST_CASE("initializers run under no-grad on parameters that require grad") {
  Tensor w = zeros({3, 3}).requires_grad_();
  init::normal_(w);
  CHECK(w.is_leaf());
  CHECK(w.requires_grad());
  CHECK_FALSE(w.grad().defined());
}

TEST_CASE("initializers are reproducible with manual_seed") {
  Tensor a = empty({4, 4}), b = empty({4, 4});
  manual_seed(11);
  init::xavier_normal_(a);
  manual_seed(11);
  init::xavier_normal_(b);
  CHECK(equal(a, b));
}

TEST_CASE("constant_, zeros_, ones_ and eye_ fill exactly") {
  Tensor t = empty({2, 3});
  init::constant_(t, 2.5);
  CHECK(t.tolist() == std::vector<double>(6, 2.5));
  init::zeros_(t);
  CHECK(t.tolist() == std::vector<double>(6, 0.0));
  init::ones_(t);
  CHECK(t.tolist() == std::vector<double>(6, 1.0));
  init::eye_(t);
  CHECK(t.tolist() == std::vector<double>{1, 0, 0, 0, 1, 0});
  Tensor v = empty({3});
  CHECK_THROWS_AS(init::eye_(v), ValueError);
}

TEST_CASE("fans and gains follow PyTorch") {
  auto [fi, fo] = init::calculate_fan_in_and_fan_out(empty({8, 4, 3, 3}));
  CHECK(fi == 36);
  CHECK(fo == 72);
  CHECK(init::calculate_gain("relu") == Approx(std::sqrt(2.0)));
  CHECK(init::calculate_gain("tanh") == Approx(5.0 / 3));
  CHECK(init::calculate_gain("leaky_relu", std::sqrt(5.0)) == Approx(std::sqrt(1.0 / 3)));
  CHECK_THROWS_AS(init::calculate_fan_in_and_fan_out(empty({3})), ValueError);
  CHECK_THROWS_AS(init::calculate_gain("swish"), ValueError);
}

TEST_CASE("xavier and kaiming uniform stay within their bounds") {
  manual_seed(5);
  Tensor w = empty({64, 32});
  init::xavier_uniform_(w, 2.0);
  const double xb = 2.0 * std::sqrt(6.0 / (64 + 32));
  CHECK(w.abs().max().item<float>() <= xb);
  CHECK(w.abs().max().item<float>() > 0.95 * xb);
  init::kaiming_uniform_(w, 0, "fan_out", "relu");
  const double kb = std::sqrt(2.0) * std::sqrt(3.0 / 64);
  CHECK(w.abs().max().item<float>() <= kb);
  init::kaiming_normal_(w);
  CHECK(mean_std(w).second == Approx(std::sqrt(2.0 / 32)).epsilon(0.05));
}

TEST_CASE("orthogonal_ gives orthonormal rows or columns, scaled by gain") {
  manual_seed(2);
  for (auto shape : {Shape{5, 5}, Shape{6, 3}, Shape{3, 6}}) {
    Tensor w = empty(shape, kFloat64);
    init::orthogonal_(w, 2.0);
    const Tensor q = w / 2.0;
    const Tensor g = shape[0] >= shape[1] ? matmul(q.t(), q) : matmul(q, q.t());
    CHECK(allclose(g, eye(std::min(shape[0], shape[1]), kFloat64), 1e-10, 1e-10));
  }
  Tensor conv = empty({4, 2, 3});
  init::orthogonal_(conv);
  Tensor flat = conv.reshape({4, 6});
  CHECK(allclose(matmul(flat, flat.t()), eye(4), 1e-5, 1e-5));
}

TEST_CASE("orthogonal_ applies PyTorch's sign correction: Q R with R's diagonal positive") {
  // With the generator's Gaussian G (reproduced by manual_seed), Q^T G is upper triangular
  // with a positive diagonal.
  manual_seed(9);
  Tensor w = empty({4, 4}, kFloat64);
  init::orthogonal_(w);
  manual_seed(9);
  const Tensor G = randn({4, 4}, kFloat64);
  const Tensor R = matmul(w.t(), G);
  CHECK(allclose(R.tril(-1), zeros({4, 4}, kFloat64), 1e-10, 1e-10));
  for (double d : R.diagonal().tolist()) CHECK(d > 0);
}

TEST_CASE("initializers reject integer tensors") {
  Tensor t = zeros({2, 2}, kInt64);
  CHECK_THROWS_AS(init::normal_(t), DtypeError);
  CHECK_THROWS_AS(init::orthogonal_(t), DtypeError);
}
