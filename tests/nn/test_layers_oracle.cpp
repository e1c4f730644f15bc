// Every layer's forward, input and parameter gradients, and state_dict keys against PyTorch
// 1.13 (scripts/oracle/nn_layers_oracle.py): each case loads PyTorch's state_dict strictly.
#include <catch2/catch.hpp>

#include <paragrad/nn/nn.hpp>

#include "nn/oracle_case.hpp"

using namespace paragrad;
namespace O = nn_layers_oracle;
using oracle_case::check_module;
using oracle_case::get;

namespace {
constexpr Dtype f64 = kFloat64;
auto one = [](nn::Module& m) {
  return [&m](const TensorList& x) { return TensorList{m.forward(x[0])}; };
};
}  // namespace

TEST_CASE("Conv1d matches PyTorch with stride and padding") {
  nn::Conv1d m(3, 4, 3, 2, 1, 1, 1, true, "zeros", f64);
  check_module(m, O::conv1d, one(m));
}

TEST_CASE("Conv1d matches PyTorch with padding same, dilation and groups") {
  nn::Conv1d m(4, 2, 4, 1, "same", 2, 2, true, "zeros", f64);
  check_module(m, O::conv1d_same_groups, one(m));
}

TEST_CASE("Conv1d matches PyTorch on an unbatched input without bias") {
  nn::Conv1d m(2, 3, 2, 1, 0, 1, 1, false, "zeros", f64);
  check_module(m, O::conv1d_unbatched_nobias, one(m));
}

TEST_CASE("Conv2d matches PyTorch with rectangular kernel, stride, padding, dilation, groups") {
  nn::Conv2d m(4, 6, {3, 2}, {2, 1}, {1, 0}, {1, 2}, 2, true, "zeros", f64);
  check_module(m, O::conv2d_groups, one(m));
}

TEST_CASE("Conv2d matches PyTorch with reflect, circular and replicate padding modes") {
  nn::Conv2d a(2, 3, 3, 1, 1, 1, 1, true, "reflect", f64);
  check_module(a, O::conv2d_reflect, one(a));
  nn::Conv2d b(2, 3, 3, 1, {2, 1}, 1, 1, true, "circular", f64);
  check_module(b, O::conv2d_circular, one(b));
  nn::Conv2d c(2, 2, 2, 1, 1, 1, 1, true, "replicate", f64);
  check_module(c, O::conv2d_replicate, one(c));
}

TEST_CASE("Conv2d matches PyTorch with padding same and an even kernel") {
  nn::Conv2d m(3, 2, {3, 4}, 1, "same", 1, 1, true, "zeros", f64);
  check_module(m, O::conv2d_same, one(m));
}

TEST_CASE("Conv2d matches PyTorch on an unbatched input with a stride beyond the kernel") {
  nn::Conv2d m(3, 2, 2, 3, 0, 1, 1, false, "zeros", f64);
  check_module(m, O::conv2d_unbatched_stride, one(m));
}

TEST_CASE("Conv2d matches PyTorch with a 1x1 kernel") {
  nn::Conv2d m(5, 3, 1, 1, 0, 1, 1, true, "zeros", f64);
  check_module(m, O::conv2d_pointwise, one(m));
}

TEST_CASE("ConvTranspose2d matches PyTorch with stride, padding, output_padding and groups") {
  nn::ConvTranspose2d m(4, 6, 3, 2, 1, 1, 2, true, 1, "zeros", f64);
  check_module(m, O::conv_transpose2d, one(m));
}

TEST_CASE("ConvTranspose2d matches PyTorch with dilation and output_padding beyond the stride") {
  nn::ConvTranspose2d m(2, 3, {3, 2}, 1, {1, 0}, 1, 1, true, 2, "zeros", f64);
  check_module(m, O::conv_transpose2d_dilated, one(m));
}

TEST_CASE("ConvTranspose1d matches PyTorch") {
  nn::ConvTranspose1d m(3, 2, 4, 3, 1, 2, 1, true, 1, "zeros", f64);
  check_module(m, O::conv_transpose1d, one(m));
}

TEST_CASE("MaxPool2d matches PyTorch with padding, ceil_mode and dilation") {
  nn::MaxPool2d a(3, 2, 1);
  check_module(a, O::max_pool2d, one(a));
  nn::MaxPool2d b(2, std::nullopt, 0, 1, false, true);
  check_module(b, O::max_pool2d_ceil, one(b));
  nn::MaxPool2d c({3, 2}, {1, 2}, {1, 0}, {2, 1});
  check_module(c, O::max_pool2d_dilated, one(c));
}

TEST_CASE("MaxPool2d returns PyTorch's indices") {
  nn::MaxPool2d m(2, 2, 0, 1, true);
  auto [values, indices] = m.forward_with_indices(get(O::max_pool2d_indices, "input"));
  oracle_case::check_close(values, O::max_pool2d_indices, "output");
  oracle_case::check_close(indices, O::max_pool2d_indices, "indices");
  CHECK(indices.dtype() == kInt64);
  CHECK_THROWS_WITH(m(get(O::max_pool2d_indices, "input")),
                    Catch::Contains("forward_with_indices"));
}

TEST_CASE("MaxPool1d matches PyTorch") {
  nn::MaxPool1d m(3, 2, 1);
  check_module(m, O::max_pool1d, one(m));
}

TEST_CASE("AvgPool2d matches PyTorch with padding, count_include_pad, ceil_mode, divisor") {
  nn::AvgPool2d a(3, 2, 1);
  check_module(a, O::avg_pool2d, one(a));
  nn::AvgPool2d b(3, 2, 1, true, false);
  check_module(b, O::avg_pool2d_exclude_pad_ceil, one(b));
  nn::AvgPool2d c(2, 3, 1, true);
  check_module(c, O::avg_pool2d_ceil, one(c));
  nn::AvgPool2d d({2, 3}, {2, 1}, 0, false, true, 5);
  check_module(d, O::avg_pool2d_divisor, one(d));
}

TEST_CASE("AvgPool1d matches PyTorch") {
  nn::AvgPool1d m(3, 2, 1);
  check_module(m, O::avg_pool1d, one(m));
}

TEST_CASE("adaptive pools match PyTorch on sizes that do not divide") {
  nn::AdaptiveAvgPool2d a({3, 4});
  check_module(a, O::adaptive_avg_pool2d, one(a));
  nn::AdaptiveAvgPool1d b(3);
  check_module(b, O::adaptive_avg_pool1d, one(b));
  nn::AdaptiveMaxPool2d c({2, 3});
  check_module(c, O::adaptive_max_pool2d, one(c));
}

TEST_CASE("BatchNorm1d in training matches PyTorch's output and running statistics") {
  nn::BatchNorm1d a(3, 1e-5, 0.1, true, true, f64);
  check_module(a, O::batch_norm1d_train, one(a));
  nn::BatchNorm1d b(3, 1e-5, std::nullopt, true, true, f64);  // cumulative average
  check_module(b, O::batch_norm1d_cumulative, one(b));
}

TEST_CASE("BatchNorm2d matches PyTorch in training and in eval") {
  nn::BatchNorm2d a(3, 1e-5, 0.3, true, true, f64);
  check_module(a, O::batch_norm2d_train, one(a));
  nn::BatchNorm2d b(3, 1e-5, 0.3, true, true, f64);
  b.eval();
  check_module(b, O::batch_norm2d_eval, one(b));
  nn::BatchNorm2d c(2, 1e-5, 0.1, false, false, f64);
  c.eval();  // without running statistics eval normalizes with the batch's
  check_module(c, O::batch_norm2d_untracked, one(c));
}

TEST_CASE("GroupNorm and LayerNorm match PyTorch") {
  nn::GroupNorm a(2, 4, 1e-5, true, f64);
  check_module(a, O::group_norm, one(a));
  nn::GroupNorm b(3, 6, 1e-5, false, f64);
  check_module(b, O::group_norm_3d_noaffine, one(b));
  nn::LayerNorm c({3, 4}, 1e-5, true, f64);
  check_module(c, O::layer_norm, one(c));
}

TEST_CASE("activation modules match PyTorch") {
  nn::LeakyReLU leaky(0.2);
  check_module(leaky, O::leaky_relu, one(leaky));
  nn::ELU elu(1.5);
  check_module(elu, O::elu, one(elu));
  nn::SiLU silu;
  check_module(silu, O::silu, one(silu));
  nn::GELU gelu, gelu_tanh("tanh");
  check_module(gelu, O::gelu, one(gelu));
  check_module(gelu_tanh, O::gelu_tanh, one(gelu_tanh));
  nn::Softplus softplus(2, 3);
  check_module(softplus, O::softplus, one(softplus));
  nn::Softmax softmax(1);
  check_module(softmax, O::softmax, one(softmax));
  nn::LogSoftmax log_softmax(0);
  check_module(log_softmax, O::log_softmax, one(log_softmax));
}

TEST_CASE("Flatten, Unflatten and Identity match PyTorch") {
  nn::Flatten flatten(0, 1);
  check_module(flatten, O::flatten, one(flatten));
  nn::Identity identity;
  check_module(identity, O::identity, one(identity));
  nn::Unflatten unflatten(1, {2, 3});
  check_module(unflatten, O::unflatten, one(unflatten));
}

TEST_CASE("RNNCell, LSTMCell and GRUCell match PyTorch") {
  nn::RNNCell rnn(4, 5, true, "tanh", f64);
  check_module(rnn, O::rnn_cell,
               [&](const TensorList& x) { return TensorList{rnn.forward(x[0], x[1])}; });
  nn::LSTMCell lstm(4, 3, true, f64);
  check_module(lstm, O::lstm_cell, [&](const TensorList& x) {
    auto [h, c] = lstm(x[0], {x[1], x[2]});
    return TensorList{h, c};
  });
  nn::GRUCell gru(4, 3, true, f64);
  check_module(gru, O::gru_cell,
               [&](const TensorList& x) { return TensorList{gru.forward(x[0], x[1])}; });
  nn::GRUCell gru1(3, 2, false, f64);
  check_module(gru1, O::gru_cell_unbatched_nobias,
               [&](const TensorList& x) { return TensorList{gru1.forward(x[0], x[1])}; });
}

TEST_CASE("a two-layer batch_first LSTM with initial states matches PyTorch") {
  nn::LSTM m(3, 4, 2, true, true, 0, false, f64);
  check_module(m, O::lstm, [&](const TensorList& x) {
    auto [out, hc] = m(x[0], {x[1], x[2]});
    return TensorList{out, std::get<0>(hc), std::get<1>(hc)};
  });
}

TEST_CASE("a bidirectional LSTM without bias from zero states matches PyTorch") {
  nn::LSTM m(3, 2, 1, false, false, 0, true, f64);
  check_module(m, O::lstm_bidirectional_zero_state, [&](const TensorList& x) {
    auto [out, hc] = m(x[0]);
    return TensorList{out, std::get<0>(hc), std::get<1>(hc)};
  });
}

TEST_CASE("GRU and RNN layers match PyTorch, bidirectional, unbatched and relu") {
  nn::GRU gru(3, 2, 2, true, false, 0, true, f64);
  check_module(gru, O::gru, [&](const TensorList& x) {
    auto [out, h] = gru(x[0], x[1]);
    return TensorList{out, h};
  });
  nn::GRU gru1(2, 3, 1, true, true, 0, false, f64);
  check_module(gru1, O::gru_unbatched, [&](const TensorList& x) {
    auto [out, h] = gru1(x[0]);
    return TensorList{out, h};
  });
  nn::RNN rnn(3, 4, 2, "relu", true, false, 0, false, f64);
  check_module(rnn, O::rnn_relu, [&](const TensorList& x) {
    auto [out, h] = rnn(x[0]);
    return TensorList{out, h};
  });
}

TEST_CASE("MultiheadAttention matches PyTorch with a key padding mask and a float attn_mask") {
  nn::MultiheadAttention m(6, 2, 0, true, false, false, {}, {}, false, f64);
  const Tensor kpm = get(O::mha, "key_padding_mask").to(kBool);
  const Tensor am = get(O::mha, "attn_mask");
  check_module(m, O::mha, [&](const TensorList& x) {
    auto [out, w] = m.forward(x[0], x[1], x[2], kpm, true, am);
    return TensorList{out, w};
  });
}

TEST_CASE("MultiheadAttention matches PyTorch with kdim, vdim, bias_kv, zero_attn, batch_first") {
  nn::MultiheadAttention m(4, 2, 0, true, true, true, 3, 5, true, f64);
  const Tensor am = get(O::mha_kdim_bias_kv, "attn_mask").to(kBool);
  check_module(m, O::mha_kdim_bias_kv, [&](const TensorList& x) {
    auto [out, w] = m.forward(x[0], x[1], x[2], {}, true, am, false);
    return TensorList{out, w};
  });
}

TEST_CASE("MultiheadAttention matches PyTorch on unbatched inputs without bias") {
  nn::MultiheadAttention m(4, 1, 0, false, false, false, {}, {}, false, f64);
  check_module(m, O::mha_unbatched_nobias, [&](const TensorList& x) {
    auto [out, w] = m.forward(x[0], x[1], x[2]);
    return TensorList{out, w};
  });
}
