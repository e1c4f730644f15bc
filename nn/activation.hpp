#pragma once
// Elementwise activation modules (no parameters).
#include <string>

#include <paragrad/engine/export.hpp>
#include <paragrad/nn/module.hpp>

PARAGRAD_API_BEGIN

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

class LeakyReLU : public Module {
 public:
  explicit LeakyReLU(double negative_slope = 0.01) : slope_(negative_slope) {}
  Tensor forward(const Tensor& x) override;
  std::string class_name() const override { return "LeakyReLU"; }
  std::string extra_repr() const override;

 private:
  double slope_;
};

class ELU : public Module {
 public:
  explicit ELU(double alpha = 1.0) : alpha_(alpha) {}
  Tensor forward(const Tensor& x) override;
  std::string class_name() const override { return "ELU"; }
  std::string extra_repr() const override;

 private:
  double alpha_;
};

class SiLU : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string class_name() const override { return "SiLU"; }
};

class Softmax : public Module {
 public:
  explicit Softmax(int64_t dim) : dim_(dim) {}
  Tensor forward(const Tensor& x) override;
  std::string class_name() const override { return "Softmax"; }
  std::string extra_repr() const override;

 private:
  int64_t dim_;
};

class LogSoftmax : public Module {
 public:
  explicit LogSoftmax(int64_t dim) : dim_(dim) {}
  Tensor forward(const Tensor& x) override;
  std::string class_name() const override { return "LogSoftmax"; }
  std::string extra_repr() const override;

 private:
  int64_t dim_;
};

}  // namespace paragrad::nn

PARAGRAD_API_END
