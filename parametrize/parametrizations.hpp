#pragma once
// Ready-made parametrizations, as torch.nn.utils.parametrizations (PyTorch 1.13; weight_norm as
// PyTorch 2.1's). The functions register them on a module's tensor; the classes are public so
// that their settings and buffers can be inspected.
#include <cstdint>
#include <string>

#include <paragrad/engine/export.hpp>
#include <paragrad/nn/module.hpp>
#include <paragrad/parametrize/parametrization.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::parametrizations {

// Orthogonal (or semi-orthogonal: Qᵀ Q = I for tall, Q Qᵀ = I for wide) matrices and batches.
// orthogonal_map: "matrix_exp" or "cayley" of a skew-symmetric matrix built from the lower
// triangle, or "householder" reflectors; "" picks matrix_exp for square, householder otherwise.
// use_trivialization: the result is `base @ map(X)`, with `base` a buffer that set() replaces
// (set() of an orthogonal matrix round-trips). Registered with unsafe=true, as PyTorch.
nn::Module& orthogonal(nn::Module& m, const std::string& name = "weight",
                       const std::string& orthogonal_map = "", bool use_trivialization = true);

// weight / σ(weight), σ estimated by power iteration with buffers _u and _v (15 iterations at
// registration, n_power_iterations per get() in training mode, none in eval mode). dim is the
// output dimension; -1 (the default) means PyTorch's default, 0. 1-d weights are normalized.
nn::Module& spectral_norm(nn::Module& m, const std::string& name = "weight",
                          int n_power_iterations = 1, double eps = 1e-12, int64_t dim = -1);

// weight = g · v / ‖v‖, the norm over every dim but `dim` (dim -1: over the whole tensor).
// original0 = g (the norms, keepdim shape), original1 = v.
nn::Module& weight_norm(nn::Module& m, const std::string& name = "weight", int64_t dim = 0);

class Orthogonal : public parametrize::Parametrization {
 public:
  enum class Map { MatrixExp, Cayley, Householder };
  Orthogonal(const Tensor& weight, Map map, bool use_trivialization = true);
  Tensor forward(const Tensor& X) override;
  TensorList right_inverse(const Tensor& Q) override;
  Map orthogonal_map() const { return map_; }
  bool use_trivialization() const { return use_trivialization_; }
  std::string class_name() const override { return "_Orthogonal"; }

 private:
  Dims shape_;
  Map map_;
  bool use_trivialization_;
};

class SpectralNorm : public parametrize::Parametrization {
 public:
  SpectralNorm(const Tensor& weight, int n_power_iterations = 1, int64_t dim = 0,
               double eps = 1e-12);
  Tensor forward(const Tensor& weight) override;
  TensorList right_inverse(const Tensor& value) override { return {value}; }
  int64_t dim() const { return dim_; }
  double eps() const { return eps_; }
  int n_power_iterations() const { return n_power_iterations_; }
  std::string class_name() const override { return "_SpectralNorm"; }

 private:
  Tensor reshape_weight_to_matrix(const Tensor& weight) const;
  void power_method(const Tensor& weight_mat, int iterations);

  int64_t dim_;
  double eps_;
  int n_power_iterations_;
};

class WeightNorm : public parametrize::Parametrization {
 public:
  explicit WeightNorm(int64_t dim = 0) : dim_(dim) {}
  Tensor forward(const TensorList& g_and_v) override;  // g, v
  TensorList right_inverse(const Tensor& weight) override;
  int64_t dim() const { return dim_; }
  std::string class_name() const override { return "_WeightNorm"; }

 private:
  int64_t dim_;
};

// torch.norm_except_dim(v, 2, dim): the 2-norm over every dim but `dim`, keeping them as size 1
// (dim -1: the norm of the whole tensor, 0-d).
Tensor norm_except_dim(const Tensor& v, int64_t dim);

}  // namespace paragrad::parametrizations

PARAGRAD_API_END
