#pragma once
// The pointwise part of an LSTM step as one op (internal to nn).
#include <tuple>

#include <paragrad/engine/tensor.hpp>

namespace paragrad::nn::functional::detail {

// gates [..., 4H] (pre-activations of i, f, g, o) and c [..., H] ->
// (h' = o tanh(c'), c' = f c + i g) with i, f, o = sigmoid, g = tanh of their gates.
std::tuple<Tensor, Tensor> lstm_pointwise(const Tensor& gates, const Tensor& c);

}  // namespace paragrad::nn::functional::detail
