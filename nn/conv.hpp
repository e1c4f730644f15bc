#pragma once
// Convolution layers (torch.nn.Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d). Constructor
// arguments in PyTorch's order; weight [out, in/groups, k...] ([in, out/groups, k...] when
// transposed) and bias [out], both uniform in ±1/√fan_in (PyTorch's kaiming_uniform_(a=√5)).
// The forwards read weight and bias through get(), so parametrized weights work.
#include <string>

#include <paragrad/engine/export.hpp>
#include <paragrad/nn/functional/size2.hpp>
#include <paragrad/nn/module.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::nn {

// What Conv1d/Conv2d/ConvTranspose1d/ConvTranspose2d share. Sizes are 2-d; a 1-d layer keeps
// height 1 (kernel (1, k), stride (1, s), ...).
class ConvNd : public Module {
 public:
  int64_t in_channels() const { return in_; }
  int64_t out_channels() const { return out_; }
  int64_t groups() const { return groups_; }
  bool transposed() const { return transposed_; }
  int64_t spatial_dims() const { return spatial_; }
  Tensor weight() { return get("weight"); }
  Tensor bias() { return get("bias"); }  // undefined without bias
  void reset_parameters();
  std::string extra_repr() const override;

 protected:
  ConvNd(int64_t spatial, bool transposed, int64_t in, int64_t out, Size2 kernel, Size2 stride,
         Padding2 padding, Size2 dilation, Size2 output_padding, int64_t groups, bool bias,
         std::string padding_mode, Dtype dtype);
  // The layer's input, padded first when padding_mode is not "zeros".
  Tensor padded_input(const Tensor& x) const;
  Size2 conv_padding() const;                      // the padding the convolution itself applies
  const std::string& who() const { return who_; }  // names the layer in errors

 private:
  std::string class_name_for_errors() const;

 protected:
  int64_t spatial_;
  bool transposed_;
  int64_t in_, out_, groups_;
  Size2 kernel_, stride_, dilation_, output_padding_;
  Padding2 padding_;
  bool has_bias_;
  std::string padding_mode_;
  std::string who_;  // "Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1))"
};

class Conv1d : public ConvNd {
 public:
  Conv1d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, int64_t stride = 1,
         int64_t padding = 0, int64_t dilation = 1, int64_t groups = 1, bool bias = true,
         const std::string& padding_mode = "zeros", Dtype dtype = kFloat32);
  // padding "same" or "valid"
  Conv1d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, int64_t stride,
         const std::string& padding, int64_t dilation = 1, int64_t groups = 1, bool bias = true,
         const std::string& padding_mode = "zeros", Dtype dtype = kFloat32);
  Tensor forward(const Tensor& x) override;  // [N, C, L] or [C, L]
  std::string class_name() const override { return "Conv1d"; }
};

class Conv2d : public ConvNd {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, Size2 kernel_size, Size2 stride = 1,
         Padding2 padding = 0, Size2 dilation = 1, int64_t groups = 1, bool bias = true,
         const std::string& padding_mode = "zeros", Dtype dtype = kFloat32);
  Tensor forward(const Tensor& x) override;  // [N, C, H, W] or [C, H, W]
  std::string class_name() const override { return "Conv2d"; }
};

class ConvTranspose1d : public ConvNd {
 public:
  ConvTranspose1d(int64_t in_channels, int64_t out_channels, int64_t kernel_size,
                  int64_t stride = 1, int64_t padding = 0, int64_t output_padding = 0,
                  int64_t groups = 1, bool bias = true, int64_t dilation = 1,
                  const std::string& padding_mode = "zeros", Dtype dtype = kFloat32);
  Tensor forward(const Tensor& x) override;
  std::string class_name() const override { return "ConvTranspose1d"; }
};

class ConvTranspose2d : public ConvNd {
 public:
  ConvTranspose2d(int64_t in_channels, int64_t out_channels, Size2 kernel_size, Size2 stride = 1,
                  Size2 padding = 0, Size2 output_padding = 0, int64_t groups = 1, bool bias = true,
                  Size2 dilation = 1, const std::string& padding_mode = "zeros",
                  Dtype dtype = kFloat32);
  Tensor forward(const Tensor& x) override;
  std::string class_name() const override { return "ConvTranspose2d"; }
};

}  // namespace paragrad::nn

PARAGRAD_API_END
