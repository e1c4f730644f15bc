// gradcheck (float64, finite differences) through every layer: inputs and parameters, first
// order everywhere and second order for the layers that are smooth (or piecewise linear).
#include <catch2/catch.hpp>

#include <paragrad/nn/nn.hpp>

using namespace paragrad;
namespace F = nn::functional;
using autograd::gradcheck;

namespace {
constexpr Dtype f64 = kFloat64;

Tensor input(Shape s, double scale = 1.0) {
  Tensor x = randn(std::move(s), f64) * scale;
  x.requires_grad_(true);
  return x;
}

// The input, then the module's parameters (gradcheck perturbs them in place, and the module
// reads the same tensors).
TensorList with_params(const Tensor& x, const nn::Module& m) {
  TensorList xs{x};
  for (const auto& p : m.parameters()) xs.push_back(p);
  return xs;
}

// gradcheck of m on x, through x and every parameter.
bool check_module(nn::Module& m, const Tensor& x, bool second_order) {
  return gradcheck([&m](const TensorList& xs) { return m.forward(xs[0]); }, with_params(x, m), 1e-6,
                   1e-5, 1e-3, second_order);
}
}  // namespace

TEST_CASE("gradcheck through unfold and fold, first and second order") {
  manual_seed(1);
  CHECK(gradcheck(
      [](const TensorList& x) {
        return F::unfold(x[0], {2, 3}, {1, 2}, 1, {2, 1});
      },
      {input({1, 2, 4, 5})}, 1e-6, 1e-5, 1e-3, true));
  CHECK(gradcheck(
      [](const TensorList& x) {
        return F::fold(x[0], {4, 5}, {2, 3}, {1, 2}, 1, {2, 1});
      },
      {input({1, 12, 9})}, 1e-6, 1e-5, 1e-3, true));
}

TEST_CASE("gradcheck through Conv1d and Conv2d, first and second order") {
  manual_seed(2);
  nn::Conv1d c1(2, 4, 3, 2, 1, 1, 2, true, "zeros", f64);
  CHECK(check_module(c1, input({2, 2, 6}), true));
  nn::Conv2d c2(2, 2, {2, 3}, {2, 1}, {1, 0}, {1, 2}, 1, true, "zeros", f64);
  CHECK(check_module(c2, input({1, 2, 4, 6}), true));
  nn::Conv2d grouped(4, 2, 2, 1, 0, 1, 2, false, "zeros", f64);
  CHECK(check_module(grouped, input({1, 4, 3, 3}), true));
  nn::Conv2d reflect(1, 2, 3, 1, 1, 1, 1, true, "reflect", f64);
  CHECK(check_module(reflect, input({1, 1, 3, 4}), true));
  nn::Conv2d same(2, 1, {2, 3}, 1, "same", 1, 1, true, "zeros", f64);
  CHECK(check_module(same, input({1, 2, 3, 3}), true));
}

TEST_CASE("gradcheck through ConvTranspose1d and ConvTranspose2d, first and second order") {
  manual_seed(3);
  nn::ConvTranspose2d t2(4, 2, 3, 2, 1, 1, 2, true, 1, "zeros", f64);
  CHECK(check_module(t2, input({1, 4, 2, 3}), true));
  nn::ConvTranspose2d dil(1, 2, 2, 1, 0, 1, 1, true, 2, "zeros", f64);
  CHECK(check_module(dil, input({1, 1, 2, 2}), true));
  nn::ConvTranspose1d t1(2, 3, 3, 2, 1, 1, 1, true, 1, "zeros", f64);
  CHECK(check_module(t1, input({2, 2, 3}), true));
}

TEST_CASE("gradcheck through the pools, first and second order") {
  manual_seed(4);
  nn::MaxPool2d mp(3, 2, 1, 2);
  CHECK(check_module(mp, input({1, 2, 5, 5}), true));
  nn::MaxPool1d mp1(2, 1);
  CHECK(check_module(mp1, input({1, 2, 5}), true));
  nn::AvgPool2d ap(3, 2, 1, true, false);
  CHECK(check_module(ap, input({1, 2, 5, 4}), true));
  nn::AvgPool1d ap1(2, 1, 1);
  CHECK(check_module(ap1, input({2, 1, 4}), true));
  nn::AdaptiveAvgPool2d aap({2, 3});
  CHECK(check_module(aap, input({1, 2, 5, 4}), true));
  nn::AdaptiveMaxPool2d amp({2, 2});
  CHECK(check_module(amp, input({1, 1, 5, 3}), true));
}

TEST_CASE("gradcheck through BatchNorm in training and eval, first and second order") {
  manual_seed(5);
  nn::BatchNorm2d bn(2, 1e-5, 0.1, true, true, f64);
  {
    NoGradGuard g;
    bn.parameter_slot("weight").copy_(tensor({0.7, -1.3}, f64));
    bn.parameter_slot("bias").copy_(tensor({0.2, 0.1}, f64));
  }
  CHECK(check_module(bn, input({3, 2, 2, 2}), true));
  nn::BatchNorm1d bn1(3, 1e-5, 0.1, true, true, f64);
  CHECK(check_module(bn1, input({4, 3}), true));
  bn1.eval();
  CHECK(check_module(bn1, input({4, 3}), true));
}

TEST_CASE("gradcheck through GroupNorm and LayerNorm, first and second order") {
  manual_seed(6);
  nn::GroupNorm gn(2, 4, 1e-5, true, f64);
  CHECK(check_module(gn, input({2, 4, 3}), true));
  nn::LayerNorm ln({2, 3}, 1e-5, true, f64);
  CHECK(check_module(ln, input({2, 2, 3}), true));
}

TEST_CASE("gradcheck through the activations, second order for the smooth ones") {
  manual_seed(7);
  const Tensor x = input({3, 4}, 2.0);
  nn::LeakyReLU leaky(0.2);
  CHECK(check_module(leaky, x, true));
  nn::ELU elu(1.5);
  CHECK(check_module(elu, x, true));
  nn::SiLU silu;
  CHECK(check_module(silu, x, true));
  nn::GELU gelu;
  CHECK(check_module(gelu, x, true));
  nn::Softplus softplus(2, 3);
  CHECK(check_module(softplus, x, true));
  nn::Softmax sm(1);
  CHECK(check_module(sm, x, true));
  nn::LogSoftmax lsm(0);
  CHECK(check_module(lsm, x, true));
  nn::Flatten flat(0);
  CHECK(check_module(flat, x, true));
}

TEST_CASE("gradcheck through Embedding and Dropout in training") {
  manual_seed(8);
  nn::Embedding emb(5, 3, f64);
  CHECK(gradcheck(
      [&](const TensorList&) {
        return emb(tensor({{1, 4}, {1, 0}}, kInt64));
      },
      emb.parameters(), 1e-6, 1e-5, 1e-3, true));
  nn::Dropout drop(0.4);
  const Tensor x = input({4, 5});
  // The same mask for every evaluation: reseed before each.
  CHECK(gradcheck(
      [&](const TensorList& xs) {
        manual_seed(9);
        return drop(xs[0]);
      },
      {x}, 1e-6, 1e-5, 1e-3, true));
}

TEST_CASE("gradcheck through RNNCell, LSTMCell and GRUCell, first and second order") {
  manual_seed(10);
  nn::RNNCell rnn(3, 2, true, "tanh", f64);
  const Tensor x = input({2, 3}), h = input({2, 2}), c = input({2, 2});
  TensorList xs = with_params(x, rnn);
  xs.push_back(h);
  CHECK(gradcheck([&](const TensorList& v) { return rnn.forward(v[0], v.back()); }, xs, 1e-6, 1e-5,
                  1e-3, true));
  nn::LSTMCell lstm(3, 2, true, f64);
  xs = with_params(x, lstm);
  xs.push_back(h);
  xs.push_back(c);
  CHECK(gradcheck(
      [&](const TensorList& v) {
        auto [h2, c2] = lstm(v[0], {v[v.size() - 2], v.back()});
        return cat({h2, c2}, 1);
      },
      xs, 1e-6, 1e-5, 1e-3, true));
  nn::GRUCell gru(3, 2, true, f64);
  xs = with_params(x, gru);
  xs.push_back(h);
  CHECK(gradcheck([&](const TensorList& v) { return gru.forward(v[0], v.back()); }, xs, 1e-6, 1e-5,
                  1e-3, true));
}

TEST_CASE("gradcheck through multi-layer LSTM, GRU and RNN, first and second order") {
  manual_seed(11);
  nn::LSTM lstm(2, 2, 2, true, true, 0, true, f64);
  CHECK(gradcheck(
      [&](const TensorList& v) {
        auto [out, hc] = lstm(v[0]);
        return cat({out.reshape({-1}), std::get<1>(hc).reshape({-1})}, 0);
      },
      with_params(input({2, 3, 2}), lstm), 1e-6, 1e-5, 1e-3, true));
  nn::GRU gru(2, 2, 2, true, false, 0, false, f64);
  const Tensor h0 = input({2, 1, 2});
  TensorList xs = with_params(input({3, 1, 2}), gru);
  xs.push_back(h0);
  CHECK(gradcheck(
      [&](const TensorList& v) {
        auto [out, hn] = gru(v[0], v.back());
        return out;
      },
      xs, 1e-6, 1e-5, 1e-3, true));
  nn::RNN rnn(2, 3, 1, "tanh", true, false, 0, false, f64);
  CHECK(gradcheck([&](const TensorList& v) { return std::get<0>(rnn(v[0])); },
                  with_params(input({3, 2}), rnn), 1e-6, 1e-5, 1e-3, true));
}

TEST_CASE("gradcheck through MultiheadAttention with masks, first and second order") {
  manual_seed(12);
  nn::MultiheadAttention mha(4, 2, 0, true, true, false, 3, {}, false, f64);
  const Tensor q = input({2, 1, 4}), k = input({3, 1, 3}), v = input({3, 1, 4});
  const Tensor kpm = tensor({{0, 0, 1}}, kInt64) > 0.5;
  TensorList xs = with_params(q, mha);
  xs.push_back(k);
  xs.push_back(v);
  CHECK(gradcheck(
      [&](const TensorList& a) {
        auto [out, w] = mha.forward(a[0], a[a.size() - 2], a.back(), kpm);
        return cat({out.reshape({-1}), w.reshape({-1})}, 0);
      },
      xs, 1e-6, 1e-5, 1e-3, true));
}

TEST_CASE("gradcheck through pad, interpolate and normalize, first and second order") {
  manual_seed(13);
  const Tensor x = input({1, 2, 3, 4});
  for (const char* mode : {"constant", "reflect", "replicate", "circular"})
    CHECK(gradcheck(
        [&](const TensorList& v) {
          return F::pad(v[0], {2, 1, 1, 2}, mode, 0.3);
        },
        {x}, 1e-6, 1e-5, 1e-3, true));
  CHECK(gradcheck(
      [](const TensorList& v) {
        return F::interpolate(v[0], {5, 3}, "nearest");
      },
      {x}, 1e-6, 1e-5, 1e-3, true));
  CHECK(gradcheck(
      [](const TensorList& v) {
        return F::interpolate(v[0], {5, 7}, "bilinear");
      },
      {x}, 1e-6, 1e-5, 1e-3, true));
  CHECK(gradcheck(
      [](const TensorList& v) {
        return F::interpolate(v[0], {2, 3}, "area");
      },
      {x}, 1e-6, 1e-5, 1e-3, true));
  CHECK(gradcheck([](const TensorList& v) { return F::normalize(v[0], 2, 1); }, {x}, 1e-6, 1e-5,
                  1e-3, true));
  CHECK(gradcheck([](const TensorList& v) { return F::normalize(v[0], 3, -1); }, {x}, 1e-6, 1e-5,
                  1e-3, true));
}

TEST_CASE("gradcheck through the losses, second order for the smooth ones") {
  manual_seed(14);
  const Tensor x = input({3, 4}), y = input({3, 4});
  const Tensor t = tensor({2, 0, 3}, kInt64), w = tensor({0.5, 1, 2, 1.5}, f64);
  const Tensor p = rand({3, 4}, f64);
  const Tensor pr = (rand({3, 4}, f64) * 0.8 + 0.1).requires_grad_(true);
  auto both = [&](auto f, TensorList in, bool second) {
    return gradcheck(f, in, 1e-6, 1e-5, 1e-3, second);
  };
  CHECK(both([&](const TensorList& v) { return F::smooth_l1_loss(v[0], v[1], "sum", 0.5); }, {x, y},
             true));
  CHECK(both([&](const TensorList& v) { return F::huber_loss(v[0], v[1], "mean", 0.7); }, {x, y},
             true));
  CHECK(both([&](const TensorList& v) { return F::nll_loss(v[0], t, "mean", w); }, {x}, true));
  CHECK(both([&](const TensorList& v) { return F::cross_entropy(v[0], t, "mean", w, -100, 0.2); },
             {x}, true));
  CHECK(both([&](const TensorList& v) { return F::binary_cross_entropy(v[0], v[1], "mean"); },
             {pr, y.detach().sigmoid().requires_grad_(true)}, true));
  CHECK(both(
      [&](const TensorList& v) {
        return F::binary_cross_entropy_with_logits(v[0], p, "sum", w,
                                                   tensor({1.5, 2, 1, 0.5}, f64));
      },
      {x}, true));
  CHECK(both([&](const TensorList& v) { return F::kl_div(v[0].log_softmax(1), p, "batchmean"); },
             {x}, true));
  CHECK(both(
      [&](const TensorList& v) {
        return F::cosine_embedding_loss(v[0], v[1], tensor({1, -1, 1}, f64), 0.1);
      },
      {x, y}, true));
  CHECK(both(
      [&](const TensorList& v) {
        return F::margin_ranking_loss(v[0], v[1], tensor({1, -1, 1, -1}, f64), 0.2, "sum");
      },
      {x.select(0, 0).detach().requires_grad_(true), y.select(0, 1).detach().requires_grad_(true)},
      true));
}

TEST_CASE("gradcheck through interpolate on 3-d inputs, first and second order") {
  manual_seed(22);
  const Tensor x = input({2, 3, 4});
  for (const char* mode : {"nearest", "linear"})
    CHECK(gradcheck([mode](const TensorList& v) { return F::interpolate(v[0], {7}, mode); }, {x},
                    1e-6, 1e-5, 1e-3, true));
}

// Max pooling's gradient is a scatter of the upstream gradient to the argmax positions
// (MaxPoolScatterBackward), and that scatter's gradient is a gather (MaxPoolGatherBackward).
// Both are checked as functions of their own, with the pooled input held fixed.
TEST_CASE("gradcheck through max pooling's own gradient, first and second order") {
  manual_seed(23);
  nn::MaxPool2d mp(2, 1);
  Tensor x = randn({1, 2, 4, 4}, f64);
  x.requires_grad_(true);
  // v -> d/dx Σ maxpool(x)·v, a scatter of v.
  const auto scatter = [&](const Tensor& v) {
    return autograd::grad({(mp.forward(x) * v).sum()}, {x}, {}, true, true)[0];
  };
  CHECK(gradcheck([&](const TensorList& t) { return scatter(t[0]); }, {input({1, 2, 3, 3})}, 1e-6,
                  1e-5, 1e-3, true));
  // w -> d/dv Σ scatter(v)·w, a gather of w.
  Tensor v = randn({1, 2, 3, 3}, f64);
  v.requires_grad_(true);
  CHECK(gradcheck(
      [&](const TensorList& t) {
        return autograd::grad({(scatter(v) * t[0]).sum()}, {v}, {}, true, true)[0];
      },
      {input({1, 2, 4, 4})}, 1e-6, 1e-5, 1e-3, true));
}
