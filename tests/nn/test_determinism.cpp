// Bitwise reproducibility: a float32 op gives the same bits for the same values wherever its
// operands sit in memory, so identical training runs (and resumed ones) end identical.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <random>
#include <set>
#include <vector>

#include <Eigen/Core>

#include <paragrad/nn/functional/lstm_cell.hpp>
#include <paragrad/nn/nn.hpp>

using namespace paragrad;

namespace {
// float32 tensors with the same shape and the same bits
bool same_bits(const Tensor& a, const Tensor& b) {
  REQUIRE(a.dtype() == kFloat32);
  REQUIRE(b.dtype() == kFloat32);
  const Tensor ac = a.contiguous(), bc = b.contiguous();
  return ac.sizes() == bc.sizes() &&
         std::memcmp(ac.data_ptr<float>(), bc.data_ptr<float>(), size_t(ac.numel()) * 4) == 0;
}
uintptr_t address(const Tensor& t) { return reinterpret_cast<uintptr_t>(t.data_ptr<float>()); }
}  // namespace

TEST_CASE("conv2d gradients are bitwise the same wherever the output gradient sits in memory") {
  manual_seed(3);
  const Tensor x = randn({3, 2, 8, 8}), w = randn({4, 2, 3, 3}), b = randn({4});
  const Shape shape{3, 4, 8, 8};
  const int64_t n = 3 * 4 * 8 * 8;
  const Tensor values = randn({n});
  std::vector<Tensor> first;
  std::set<uintptr_t> alignments;
  // The same output gradient at 16 addresses, 4 bytes apart (every SIMD alignment).
  for (int64_t k = 0; k < 16; ++k) {
    Tensor xr = x.clone().requires_grad_(true), wr = w.clone().requires_grad_(true),
           br = b.clone().requires_grad_(true);
    Tensor g = empty({n + 16}).narrow(0, k, n);
    g.copy_(values);
    alignments.insert(address(g) % 64);
    nn::functional::conv2d(xr, wr, br, 1, 1).backward(g.reshape(shape));
    if (k == 0) {
      first = {xr.grad(), wr.grad(), br.grad()};
      continue;
    }
    INFO("offset " << k << " floats");
    CHECK(same_bits(xr.grad(), first[0]));
    CHECK(same_bits(wr.grad(), first[1]));
    CHECK(same_bits(br.grad(), first[2]));
  }
  CHECK(alignments.size() == 16);  // every float offset within a 64-byte line was tried
  // and the bias gradient is the engine's sum of the output gradient, exactly
  CHECK(same_bits(first[2], values.reshape(shape).sum({0, 2, 3})));
}

namespace {
// The model of the optimizer resume tests: conv + batchnorm + tanh + linear, float32. `shift`
// extra live tensors of each intermediate's size move the allocations of the second run.
std::vector<Tensor> train(int shift) {
  std::vector<Tensor> ballast;
  for (int i = 0; i < shift; ++i)
    for (int64_t n : {80, 240, 96, 10, 27, 3, 2}) ballast.push_back(empty({n}));
  manual_seed(42);
  auto model = nn::make_sequential(std::make_shared<nn::Conv2d>(1, 3, 3, 1, 1),
                                   std::make_shared<nn::BatchNorm2d>(3),
                                   std::make_shared<nn::Tanh>(), std::make_shared<nn::Flatten>(),
                                   std::make_shared<nn::Linear>(3 * 4 * 4, 2));
  const Tensor x = randn({5, 1, 4, 4}), y = randn({5, 2});
  optim::SGD opt(model->parameters(), 0.05, 0.9, 0, 1e-3, true);
  for (int step = 0; step < 5; ++step) {
    opt.zero_grad();
    nn::functional::mse_loss((*model)(x), y).backward();
    opt.step();
  }
  std::vector<Tensor> out;
  for (const auto& [k, t] : model->state_dict()) out.push_back(t);
  return out;
}
}  // namespace

TEST_CASE("identical float32 training runs end with bitwise identical parameters") {
  const std::vector<Tensor> ref = train(0);
  for (int shift = 1; shift <= 6; ++shift) {
    const std::vector<Tensor> again = train(shift);
    REQUIRE(again.size() == ref.size());
    for (size_t i = 0; i < ref.size(); ++i) {
      INFO("shift " << shift << ", state tensor " << i);
      if (ref[i].dtype() == kFloat32) CHECK(same_bits(again[i], ref[i]));
    }
  }
}

TEST_CASE("the fused LSTM step is bitwise the same wherever its tensors sit in memory") {
  // Inputs on which Eigen's scalar float logistic rounds differently from its packet version
  // (which path an element takes must not change its result). Bounded: a later Eigen may
  // round both alike, and then random values serve.
  std::vector<double> values;
  std::mt19937 gen(5);
  std::normal_distribution<float> dist(0, 3);
  for (int t = 0; t < 5000000 && values.size() < 64; ++t) {
    const float v = dist(gen);
    const Eigen::Array<float, 16, 1> packet = Eigen::Array<float, 16, 1>::Constant(v).logistic();
    if (Eigen::internal::scalar_logistic_op<float>()(v) != packet[0]) values.push_back(v);
  }
  while (values.size() < 64) values.push_back(dist(gen));
  const Tensor values_t = tensor(values, {1, 64}, kFloat32);
  manual_seed(5);
  const Tensor c = randn({1, 16});
  Tensor h_first, c_first;
  std::set<uintptr_t> alignments;
  std::vector<Tensor> ballast;  // moves the step's allocations (act, h', c') run by run
  for (int shift = 0; shift < 8; ++shift) {
    for (int64_t n : {16, 16, 80}) ballast.push_back(empty({n}));
    // The gates too, 4 bytes further each run (the only placement a test controls when the
    // allocator puts every block of one size at the same alignment, as AddressSanitizer's does).
    Tensor buffer = zeros({1, 64 + 8});
    Tensor gates = buffer.narrow(1, shift, 64);
    gates.copy_(values_t);
    const auto [h2, c2] = nn::functional::detail::lstm_pointwise(gates, c);
    alignments.insert(address(h2) % 64 * 64 + address(gates) % 64);
    if (shift == 0) {
      h_first = h2;
      c_first = c2;
      continue;
    }
    INFO("shift " << shift);
    CHECK(same_bits(h2, h_first));
    CHECK(same_bits(c2, c_first));
  }
  CHECK(alignments.size() > 1);  // the step really ran at different addresses
}
