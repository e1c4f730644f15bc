#pragma once
// Pooling layers (torch.nn.MaxPool1d/2d, AvgPool1d/2d, AdaptiveAvgPool1d/2d, AdaptiveMaxPool2d).
// stride defaults to the kernel size. No parameters.
#include <optional>
#include <string>
#include <tuple>

#include <paragrad/engine/export.hpp>
#include <paragrad/nn/functional/size2.hpp>
#include <paragrad/nn/module.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::nn {

class MaxPool2d : public Module {
 public:
  MaxPool2d(int64_t kernel_size, std::optional<int64_t> stride = {}, int64_t padding = 0,
            int64_t dilation = 1, bool return_indices = false, bool ceil_mode = false);
  MaxPool2d(Size2 kernel_size, Size2 stride, Size2 padding = 0, Size2 dilation = 1,
            bool return_indices = false, bool ceil_mode = false);
  Tensor forward(const Tensor& x) override;
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& x);  // values, Int64 indices
  std::string class_name() const override { return "MaxPool2d"; }
  std::string extra_repr() const override;

 private:
  Size2 kernel_, stride_, padding_, dilation_;
  bool return_indices_, ceil_mode_;
  std::string who_;  // names the layer in errors
};

class MaxPool1d : public Module {
 public:
  MaxPool1d(int64_t kernel_size, std::optional<int64_t> stride = {}, int64_t padding = 0,
            int64_t dilation = 1, bool return_indices = false, bool ceil_mode = false);
  Tensor forward(const Tensor& x) override;
  std::string class_name() const override { return "MaxPool1d"; }
  std::string extra_repr() const override;

 private:
  int64_t kernel_, stride_, padding_, dilation_;
  bool ceil_mode_;
};

class AvgPool2d : public Module {
 public:
  AvgPool2d(int64_t kernel_size, std::optional<int64_t> stride = {}, int64_t padding = 0,
            bool ceil_mode = false, bool count_include_pad = true,
            std::optional<int64_t> divisor_override = {});
  AvgPool2d(Size2 kernel_size, Size2 stride, Size2 padding = 0, bool ceil_mode = false,
            bool count_include_pad = true, std::optional<int64_t> divisor_override = {});
  Tensor forward(const Tensor& x) override;
  std::string class_name() const override { return "AvgPool2d"; }
  std::string extra_repr() const override;

 private:
  Size2 kernel_, stride_, padding_;
  bool ceil_mode_, count_include_pad_;
  std::optional<int64_t> divisor_override_;
  std::string who_;  // names the layer in errors
};

class AvgPool1d : public Module {
 public:
  AvgPool1d(int64_t kernel_size, std::optional<int64_t> stride = {}, int64_t padding = 0,
            bool ceil_mode = false, bool count_include_pad = true);
  Tensor forward(const Tensor& x) override;
  std::string class_name() const override { return "AvgPool1d"; }
  std::string extra_repr() const override;

 private:
  int64_t kernel_, stride_, padding_;
  bool ceil_mode_, count_include_pad_;
};

class AdaptiveAvgPool2d : public Module {
 public:
  explicit AdaptiveAvgPool2d(Size2 output_size);
  Tensor forward(const Tensor& x) override;
  std::string class_name() const override { return "AdaptiveAvgPool2d"; }
  std::string extra_repr() const override;

 private:
  Size2 output_size_;
  std::string who_;  // names the layer in errors
};

class AdaptiveAvgPool1d : public Module {
 public:
  explicit AdaptiveAvgPool1d(int64_t output_size);
  Tensor forward(const Tensor& x) override;
  std::string class_name() const override { return "AdaptiveAvgPool1d"; }
  std::string extra_repr() const override;

 private:
  int64_t output_size_;
};

class AdaptiveMaxPool2d : public Module {
 public:
  explicit AdaptiveMaxPool2d(Size2 output_size);
  Tensor forward(const Tensor& x) override;
  std::string class_name() const override { return "AdaptiveMaxPool2d"; }
  std::string extra_repr() const override;

 private:
  Size2 output_size_;
};

}  // namespace paragrad::nn

PARAGRAD_API_END
