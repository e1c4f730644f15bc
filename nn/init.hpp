#pragma once
// Initializers (torch.nn.init). Each fills its tensor in place under NoGradGuard with numbers
// from the global generator, so manual_seed(s) makes them reproducible.
#include <string>
#include <utility>

#include <paragrad/engine/export.hpp>
#include <paragrad/engine/tensor.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::nn::init {

// fan_in = size(1) * receptive field, fan_out = size(0) * receptive field (2+ dims).
std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& t);
// nonlinearity: linear, sigmoid, tanh, relu, leaky_relu (param: slope, default 0.01), selu.
double calculate_gain(const std::string& nonlinearity, double param = 0.01);

void uniform_(Tensor& t, double a = 0, double b = 1);
void normal_(Tensor& t, double mean = 0, double std = 1);
void constant_(Tensor& t, double value);
void zeros_(Tensor& t);
void ones_(Tensor& t);
void eye_(Tensor& t);  // 2-d
void xavier_uniform_(Tensor& t, double gain = 1);
void xavier_normal_(Tensor& t, double gain = 1);
// mode "fan_in" or "fan_out"; nonlinearity as calculate_gain, a its leaky_relu slope.
void kaiming_uniform_(Tensor& t, double a = 0, const std::string& mode = "fan_in",
                      const std::string& nonlinearity = "leaky_relu");
void kaiming_normal_(Tensor& t, double a = 0, const std::string& mode = "fan_in",
                     const std::string& nonlinearity = "leaky_relu");
// QR of a Gaussian matrix with Q's columns signed by diag(R) (PyTorch's correction), scaled.
void orthogonal_(Tensor& t, double gain = 1);

}  // namespace paragrad::nn::init

PARAGRAD_API_END
