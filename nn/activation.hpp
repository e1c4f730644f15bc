#pragma once
// Elementwise activation modules (no parameters).
#include <string>

#include <paragrad/nn/module.hpp>

namespace paragrad::nn {

class ReLU : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string class_name() const override { return "ReLU"; }
};

class Tanh : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string class_name() const override { return "Tanh"; }
};

class Sigmoid : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string class_name() const override { return "Sigmoid"; }
};

class GELU : public Module {
 public:
  explicit GELU(std::string approximate = "none");  // "none" (erf) or "tanh"
  Tensor forward(const Tensor& x) override;
  std::string class_name() const override { return "GELU"; }
  std::string extra_repr() const override { return "approximate='" + approximate_ + "'"; }

 private:
  std::string approximate_;
};

class Softplus : public Module {
 public:
  explicit Softplus(double beta = 1, double threshold = 20);
  Tensor forward(const Tensor& x) override;
  std::string class_name() const override { return "Softplus"; }
  std::string extra_repr() const override;

 private:
  double beta_, threshold_;
};

}  // namespace paragrad::nn
