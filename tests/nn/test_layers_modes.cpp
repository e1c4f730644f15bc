// Train/eval differences, running statistics, seeded dropout, reprs and defaults of the layers.
#include <catch2/catch.hpp>

#include <cmath>

#include <paragrad/nn/nn.hpp>

#include "gradient_address.hpp"
#include "nn/module_repr.hpp"

using namespace paragrad;

TEST_CASE("Dropout masks are reproducible with manual_seed and absent in eval") {
  nn::Dropout drop(0.5);
  const Tensor x = ones({100});
  manual_seed(5);
  const Tensor a = drop(x);
  manual_seed(5);
  const Tensor b = drop(x);
  CHECK(equal(a, b));
  manual_seed(6);
  CHECK_FALSE(equal(drop(x), a));
  drop.eval();
  CHECK(equal(drop(x), x));
}

TEST_CASE("BatchNorm2d normalizes with batch statistics in training and running ones in eval") {
  manual_seed(1);
  nn::BatchNorm2d bn(2, 1e-5, 0.5, true, true, kFloat64);
  const Tensor x = randn({4, 2, 3, 3}, kFloat64) * 3 + 1;
  const Tensor y = bn(x);
  // training: zero mean and unit (biased) variance per channel
  for (double m : y.mean({0, 2, 3}).tolist()) CHECK(m == Approx(0).margin(1e-12));
  for (double v : y.var({0, 2, 3}, false).tolist()) CHECK(v == Approx(1).epsilon(1e-4));
  // running = 0.5 * init + 0.5 * batch (unbiased variance)
  const Tensor rm = bn.get("running_mean"), rv = bn.get("running_var");
  CHECK(allclose(rm, x.mean({0, 2, 3}) * 0.5));
  CHECK(allclose(rv, x.var({0, 2, 3}, true) * 0.5 + 0.5));
  CHECK(bn.get("num_batches_tracked").item<int64_t>() == 1);
  CHECK(bn.get("num_batches_tracked").dtype() == kInt64);
  bn.eval();
  const Tensor z = bn(x);
  CHECK(allclose(z, (x - rm.reshape({1, 2, 1, 1})) / (rv.reshape({1, 2, 1, 1}) + 1e-5).sqrt()));
  CHECK(bn.get("num_batches_tracked").item<int64_t>() == 1);  // eval does not count
  CHECK(equal(bn.get("running_mean"), rm));
}

TEST_CASE("BatchNorm state_dict keys are PyTorch's, and untracked BatchNorm has no buffers") {
  nn::BatchNorm1d bn(3);
  std::vector<std::string> keys;
  for (const auto& [k, v] : bn.state_dict()) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"bias", "num_batches_tracked", "running_mean",
                                         "running_var", "weight"});
  nn::BatchNorm1d plain(3, 1e-5, 0.1, false, false);
  CHECK(plain.state_dict().empty());
  CHECK(repr(bn) ==
        "BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
  CHECK(repr(nn::BatchNorm2d(4, 1e-3, std::nullopt)) ==
        "BatchNorm2d(4, eps=0.001, momentum=None, affine=True, track_running_stats=True)");
}

TEST_CASE("LSTM dropout between layers acts only in training") {
  manual_seed(2);
  nn::LSTM lstm(3, 4, 2, true, false, 0.5);
  const Tensor x = randn({5, 2, 3});
  lstm.eval();
  const Tensor a = std::get<0>(lstm(x)), b = std::get<0>(lstm(x));
  CHECK(equal(a, b));
  lstm.train();
  manual_seed(3);
  const Tensor c = std::get<0>(lstm(x));
  CHECK_FALSE(allclose(c, a));
  manual_seed(3);
  CHECK(equal(std::get<0>(lstm(x)), c));
}

TEST_CASE("MultiheadAttention dropout acts only in training, on the returned weights") {
  manual_seed(4);
  nn::MultiheadAttention mha(4, 2, 0.5);
  const Tensor q = randn({3, 2, 4});
  mha.eval();
  auto [out_eval, w_eval] = mha.forward(q, q, q);
  for (double s : w_eval.sum({-1}).tolist()) CHECK(s == Approx(1).epsilon(1e-5));
  mha.train();
  auto [out_train, w_train] = mha.forward(q, q, q, {}, true, {}, false);
  CHECK(w_train.shape() == Shape{2, 2, 3, 3});
  bool zeroed = false;
  for (double v : w_train.tolist()) zeroed = zeroed || v == 0;
  CHECK(zeroed);
  auto [o2, w_none] = mha.forward(q, q, q, {}, false);
  CHECK_FALSE(w_none.defined());
}

TEST_CASE("layers print like PyTorch's") {
  CHECK(repr(nn::Conv2d(1, 8, 3)) == "Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1))");
  CHECK(repr(nn::Conv2d(4, 8, {3, 5}, 2, {1, 2}, 1, 2, false, "reflect")) ==
        "Conv2d(4, 8, kernel_size=(3, 5), stride=(2, 2), padding=(1, 2), groups=2, bias=False, "
        "padding_mode=reflect)");
  CHECK(repr(nn::Conv1d(2, 3, 4, 1, "same")) ==
        "Conv1d(2, 3, kernel_size=(4,), stride=(1,), padding=same)");
  CHECK(repr(nn::ConvTranspose2d(4, 2, 3, 2, 1, 1)) ==
        "ConvTranspose2d(4, 2, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), "
        "output_padding=(1, 1))");
  CHECK(repr(nn::MaxPool2d(2)) ==
        "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)");
  CHECK(repr(nn::AvgPool2d(3, 1, 1)) == "AvgPool2d(kernel_size=3, stride=1, padding=1)");
  CHECK(repr(nn::AdaptiveAvgPool2d({5, 7})) == "AdaptiveAvgPool2d(output_size=(5, 7))");
  CHECK(repr(nn::GroupNorm(2, 4)) == "GroupNorm(2, 4, eps=1e-05, affine=True)");
  CHECK(repr(nn::LeakyReLU()) == "LeakyReLU(negative_slope=0.01)");
  CHECK(repr(nn::ELU()) == "ELU(alpha=1.0)");
  CHECK(repr(nn::Softmax(1)) == "Softmax(dim=1)");
  CHECK(repr(nn::Flatten()) == "Flatten(start_dim=1, end_dim=-1)");
  CHECK(repr(nn::LSTMCell(3, 4)) == "LSTMCell(3, 4)");
  CHECK(repr(nn::LSTM(3, 4, 2, true, true)) == "LSTM(3, 4, num_layers=2, batch_first=True)");
  CHECK(repr(nn::GRU(3, 4, 1, false, false, 0, true)) ==
        "GRU(3, 4, bias=False, bidirectional=True)");
  CHECK(repr(nn::MultiheadAttention(4, 2)) ==
        "MultiheadAttention(\n  (out_proj): NonDynamicallyQuantizableLinear(in_features=4, "
        "out_features=4, bias=True)\n)");
}

TEST_CASE("Conv2d's default init lies within plus or minus 1 over sqrt fan_in, like PyTorch") {
  manual_seed(5);
  nn::Conv2d conv(4, 16, 3);
  const double bound = 1.0 / std::sqrt(4.0 * 9.0);
  double lo = 1, hi = -1;
  for (double v : conv.weight().tolist()) lo = std::min(lo, v), hi = std::max(hi, v);
  CHECK(lo >= -bound);
  CHECK(hi <= bound);
  CHECK(lo < -0.95 * bound);
  CHECK(hi > 0.95 * bound);
  for (double v : conv.bias().tolist()) CHECK(std::abs(v) <= bound);
  nn::ConvTranspose2d t(4, 6, 3, 1, 0, 0, 2);
  CHECK(t.weight().shape() == Shape{4, 3, 3, 3});  // [in, out/groups, k, k]
  const double tb = 1.0 / std::sqrt(3.0 * 9.0);    // fan_in from dim 1, as PyTorch
  for (double v : t.bias().tolist()) CHECK(std::abs(v) <= tb);
}

TEST_CASE("MultiheadAttention has PyTorch's parameters and initial values") {
  manual_seed(6);
  nn::MultiheadAttention mha(6, 3);
  std::vector<std::string> names;
  for (const auto& [n, p] : mha.named_parameters()) names.push_back(n);
  CHECK(names == std::vector<std::string>{"in_proj_weight", "in_proj_bias", "out_proj.weight",
                                          "out_proj.bias"});
  CHECK(mha.get("in_proj_bias").abs().max().item<float>() == 0);
  CHECK(mha.get("out_proj.bias").abs().max().item<float>() == 0);
  const double xavier = std::sqrt(6.0 / (6 + 18));
  CHECK(mha.get("in_proj_weight").abs().max().item<float>() <= xavier);
  nn::MultiheadAttention kv(4, 2, 0, true, true, false, 3, 5);
  names.clear();
  for (const auto& [n, p] : kv.named_parameters()) names.push_back(n);
  CHECK(names == std::vector<std::string>{"q_proj_weight", "k_proj_weight", "v_proj_weight",
                                          "in_proj_bias", "bias_k", "bias_v", "out_proj.weight",
                                          "out_proj.bias"});
}

TEST_CASE("make_sequential and the initializer list build the same numbered children") {
  auto a = nn::make_sequential(std::make_shared<nn::Conv2d>(1, 2, 3), std::make_shared<nn::ReLU>(),
                               std::make_shared<nn::Flatten>());
  nn::Sequential b{std::make_shared<nn::Conv2d>(1, 2, 3), std::make_shared<nn::ReLU>(),
                   std::make_shared<nn::Flatten>()};
  CHECK(a->size() == 3);
  CHECK(a->state_dict().count("0.weight") == 1);
  CHECK(b.state_dict().count("0.bias") == 1);
  CHECK((*a)(zeros({2, 1, 5, 5})).shape() == Shape{2, 18});
}

TEST_CASE("Embedding, Identity and Flatten keep shapes as PyTorch") {
  CHECK(nn::Flatten()(zeros({2, 3, 4, 5})).shape() == Shape{2, 60});
  CHECK(nn::Flatten(0, -2)(zeros({2, 3, 4})).shape() == Shape{6, 4});
  CHECK(nn::Flatten(-3, 1)(zeros({2, 3, 4})).shape() == Shape{6, 4});
  CHECK(nn::Unflatten(-1, {2, -1})(zeros({3, 8})).shape() == Shape{3, 2, 4});
  const Tensor x = randn({2, 3});
  CHECK(nn::Identity()(x).is_same(x));
}

TEST_CASE("max pooling picks the first of equal maxima, lets NaN win, as PyTorch") {
  const Tensor x = tensor({2, 5, 5, 1, NAN, 3, -INFINITY, -INFINITY}, {1, 1, 2, 4}, kFloat64);
  auto [v, i] = nn::functional::max_pool2d_with_indices(x, {1, 2});
  CHECK(i.tolist() == std::vector<double>{1, 2, 4, 6});  // ties: the first; NaN; all -inf: first
  const auto vals = v.tolist();
  CHECK(vals[0] == 5);
  CHECK(vals[1] == 5);
  CHECK(std::isnan(vals[2]));
  CHECK(vals[3] == -INFINITY);
  // the same through the general kernel (a padded window) and the uniform one (no padding)
  const Tensor y = tensor({1, NAN, 7, 7, 2, 0, NAN, 4, 4}, {1, 1, 3, 3}, kFloat64);
  auto [v2, i2] = nn::functional::max_pool2d_with_indices(y, 2, 1, 1);
  auto [v3, i3] = nn::functional::max_pool2d_with_indices(y, 2, 1);
  // expected indices from PyTorch 1.13
  CHECK(i2.tolist() == std::vector<double>{0, 1, 1, 2, 3, 1, 1, 2, 6, 6, 7, 8, 6, 6, 7, 8});
  CHECK(i3.tolist() == std::vector<double>{1, 1, 6, 7});
  CHECK(std::isnan(v3.tolist()[1]));
  CHECK(v3.tolist()[3] == 4);
}

TEST_CASE("nn::functional::relu matches Tensor::relu in value, gradient and second order") {
  manual_seed(9);
  const Tensor x = randn({4, 5}, kFloat64).requires_grad_(true);
  const Tensor g = randn({4, 5}, kFloat64);
  CHECK(equal(nn::functional::relu(x), x.relu()));
  const Tensor a = autograd::grad({nn::functional::relu(x)}, {x}, {g})[0];
  const Tensor b = autograd::grad({x.relu()}, {x}, {g})[0];
  CHECK(equal(a, b));
  CHECK(autograd::gradcheck([](const TensorList& v) { return nn::functional::relu(v[0]); }, {x},
                            1e-6, 1e-5, 1e-3, true));
  CHECK(nn::functional::relu(x).grad_fn_name() == "ReluBackward");
}

TEST_CASE("nn::functional::relu's rule writes over a gradient it alone holds") {
  // relu(relu(x)): the outer rule gets sum's gradient (an expanded view) and makes a fresh one,
  // which the inner rule alone holds and writes over, reading its saved output in place; x's
  // gradient lies where the hook on the inner output saw its gradient, and is 1 where x > 0.
  Tensor x = tensor({-0.5, 0.0, 0.25, 1.5, -2.0, 3.0}, {2, 3}, kFloat64).requires_grad_();
  const void* at_inner = nullptr;
  const void* at_x = nullptr;
  Tensor inner = nn::functional::relu(x);
  inner.register_hook(address_of(at_inner));
  x.register_hook(address_of(at_x));
  nn::functional::relu(inner).sum().backward();
  REQUIRE(at_inner != nullptr);
  CHECK(at_x == at_inner);
  CHECK(x.grad().tolist() == std::vector<double>{0, 0, 1, 1, 0, 1});
}
