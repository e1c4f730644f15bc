#pragma once
// Normalization layers (torch.nn.BatchNorm1d/2d, GroupNorm, LayerNorm). Affine weight starts
// at ones, bias at zeros; forwards read them through get(), so parametrizations work.
#include <optional>
#include <string>

#include <paragrad/engine/export.hpp>
#include <paragrad/nn/module.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::nn {

// What BatchNorm1d and BatchNorm2d share. Buffers running_mean (zeros), running_var (ones) and
// num_batches_tracked (Int64, 0-d) when track_running_stats. In training the batch statistics
// normalize and update the running ones (momentum; momentum nullopt: cumulative average); in
// eval the running statistics normalize.
class BatchNormBase : public Module {
 public:
  int64_t num_features() const { return num_features_; }
  void reset_running_stats();
  void reset_parameters();
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;

 protected:
  BatchNormBase(std::string name, int64_t num_features, double eps, std::optional<double> momentum,
                bool affine, bool track_running_stats, Dtype dtype);
  virtual void check_input_dim(const Tensor& x) const = 0;
  const std::string& who() const { return who_; }

 private:
  int64_t num_features_;
  double eps_;
  std::optional<double> momentum_;
  bool affine_, track_;
  std::string who_;
};

class BatchNorm1d : public BatchNormBase {
 public:
  explicit BatchNorm1d(int64_t num_features, double eps = 1e-5,
                       std::optional<double> momentum = 0.1, bool affine = true,
                       bool track_running_stats = true, Dtype dtype = kFloat32);
  std::string class_name() const override { return "BatchNorm1d"; }

 protected:
  void check_input_dim(const Tensor& x) const override;  // [N, C] or [N, C, L]
};

class BatchNorm2d : public BatchNormBase {
 public:
  explicit BatchNorm2d(int64_t num_features, double eps = 1e-5,
                       std::optional<double> momentum = 0.1, bool affine = true,
                       bool track_running_stats = true, Dtype dtype = kFloat32);
  std::string class_name() const override { return "BatchNorm2d"; }

 protected:
  void check_input_dim(const Tensor& x) const override;  // [N, C, H, W]
};

class GroupNorm : public Module {
 public:
  GroupNorm(int64_t num_groups, int64_t num_channels, double eps = 1e-5, bool affine = true,
            Dtype dtype = kFloat32);
  Tensor forward(const Tensor& x) override;
  std::string class_name() const override { return "GroupNorm"; }
  std::string extra_repr() const override;

 private:
  int64_t groups_, channels_;
  double eps_;
  bool affine_;
  std::string who_;
};

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

}  // namespace paragrad::nn

PARAGRAD_API_END
