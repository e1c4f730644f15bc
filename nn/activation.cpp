#include <paragrad/nn/activation.hpp>

#include <paragrad/nn/functional/functional.hpp>

namespace paragrad::nn {

Tensor ReLU::forward(const Tensor& x) { return x.relu(); }
Tensor Tanh::forward(const Tensor& x) { return x.tanh(); }
Tensor Sigmoid::forward(const Tensor& x) { return x.sigmoid(); }

GELU::GELU(std::string approximate) : approximate_(std::move(approximate)) {
  check<ValueError>(approximate_ == "none" || approximate_ == "tanh",
                    "GELU: approximate must be 'none' or 'tanh', got '", approximate_, "'");
}
Tensor GELU::forward(const Tensor& x) { return functional::gelu(x, approximate_); }

Softplus::Softplus(double beta, double threshold) : beta_(beta), threshold_(threshold) {
  check<ValueError>(beta > 0, "Softplus: beta must be positive, got ", beta);
}
Tensor Softplus::forward(const Tensor& x) { return functional::softplus(x, beta_, threshold_); }
std::string Softplus::extra_repr() const { return cat("beta=", beta_, ", threshold=", threshold_); }

}  // namespace paragrad::nn
