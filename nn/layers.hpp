#pragma once
// LayerNorm, Dropout, Embedding and RNNCell. Their forwards read parameters through get(), so
// parametrized weights work in each.
#include <string>

#include <paragrad/nn/module.hpp>

namespace paragrad::nn {

// Normalizes over the trailing normalized_shape dims; affine weight (ones) and bias (zeros).
class LayerNorm : public Module {
 public:
  explicit LayerNorm(Shape normalized_shape, double eps = 1e-5, bool elementwise_affine = true,
                     Dtype dtype = kFloat32);
  Tensor forward(const Tensor& x) override;
  std::string class_name() const override { return "LayerNorm"; }
  std::string extra_repr() const override;

 private:
  Shape shape_;
  double eps_;
  bool affine_;
};

// In training: zeroes elements with probability p, scales the rest by 1/(1-p). In eval: identity.
class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5);
  Tensor forward(const Tensor& x) override;
  std::string class_name() const override { return "Dropout"; }
  std::string extra_repr() const override;

 private:
  double p_;
};

// A lookup table: weight [num_embeddings, embedding_dim] ~ N(0, 1); forward takes Int64 indices.
class Embedding : public Module {
 public:
  Embedding(int64_t num_embeddings, int64_t embedding_dim, Dtype dtype = kFloat32);
  Tensor forward(const Tensor& indices) override;
  Tensor weight() { return get("weight"); }
  std::string class_name() const override { return "Embedding"; }
  std::string extra_repr() const override;

 private:
  int64_t num_, dim_;
};

// h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu); every parameter uniform in ±1/√hidden.
class RNNCell : public Module {
 public:
  RNNCell(int64_t input_size, int64_t hidden_size, bool bias = true,
          std::string nonlinearity = "tanh", Dtype dtype = kFloat32);
  Tensor forward(const Tensor& x, const Tensor& h);  // x [N, in] or [in]; h likewise
  Tensor forward(const Tensor& x) override;          // h = zeros
  std::string class_name() const override { return "RNNCell"; }
  std::string extra_repr() const override;
  int64_t hidden_size() const { return hidden_; }

 private:
  int64_t input_, hidden_;
  bool bias_;
  std::string nonlinearity_;
};

}  // namespace paragrad::nn
