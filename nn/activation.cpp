#include <paragrad/nn/activation.hpp>

#include <paragrad/nn/functional/functional.hpp>
#include <paragrad/nn/repr.hpp>

namespace paragrad::nn {

Tensor ReLU::forward(const Tensor& x) { return functional::relu(x); }
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

Tensor LeakyReLU::forward(const Tensor& x) { return functional::leaky_relu(x, slope_); }
std::string LeakyReLU::extra_repr() const { return "negative_slope=" + detail::py_float(slope_); }

Tensor ELU::forward(const Tensor& x) { return functional::elu(x, alpha_); }
std::string ELU::extra_repr() const { return "alpha=" + detail::py_float(alpha_); }

Tensor SiLU::forward(const Tensor& x) { return functional::silu(x); }

Tensor Softmax::forward(const Tensor& x) { return x.softmax(dim_); }
std::string Softmax::extra_repr() const { return cat("dim=", dim_); }

Tensor LogSoftmax::forward(const Tensor& x) { return x.log_softmax(dim_); }
std::string LogSoftmax::extra_repr() const { return cat("dim=", dim_); }

}  // namespace paragrad::nn
