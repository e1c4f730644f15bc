#pragma once
// Dropout, Embedding, Identity, Flatten and Unflatten. Forwards read parameters through get(),
// so parametrized weights work.
#include <string>

#include <paragrad/engine/export.hpp>
#include <paragrad/nn/module.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::nn {

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

// Returns its input.
class Identity : public Module {
 public:
  Tensor forward(const Tensor& x) override { return x; }
  std::string class_name() const override { return "Identity"; }
};

// Flattens dims start_dim..end_dim into one (torch.nn.Flatten).
class Flatten : public Module {
 public:
  explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1);
  Tensor forward(const Tensor& x) override;
  std::string class_name() const override { return "Flatten"; }
  std::string extra_repr() const override;

 private:
  int64_t start_, end_;
};

// Splits dim into sizes (torch.nn.Unflatten); one size may be -1.
class Unflatten : public Module {
 public:
  Unflatten(int64_t dim, Shape sizes);
  Tensor forward(const Tensor& x) override;
  std::string class_name() const override { return "Unflatten"; }
  std::string extra_repr() const override;

 private:
  int64_t dim_;
  Shape sizes_;
};

}  // namespace paragrad::nn

PARAGRAD_API_END
