#pragma once
// Convolutions (torch.nn.functional.conv1d/conv2d/conv_transpose1d/conv_transpose2d) and the
// im2col pair unfold/fold they are built on. Inputs are batched [N, C, ...] or unbatched
// [C, ...]; input and weight share one floating dtype. Differentiable to any order: unfold and
// fold are each other's gradient, the rest is matmul and reshapes.
#include <string>

#include <paragrad/engine/export.hpp>
#include <paragrad/engine/tensor.hpp>
#include <paragrad/nn/functional/size2.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::nn::functional {

// [N, C, H, W] -> [N, C*kh*kw, L]: every kernel-sized block (one column per block position).
Tensor unfold(const Tensor& input, Size2 kernel_size, Size2 dilation = 1, Size2 padding = 0,
              Size2 stride = 1);
// The adjoint of unfold: [N, C*kh*kw, L] -> [N, C, H, W] with output_size (H, W), summing
// overlapping blocks.
Tensor fold(const Tensor& input, Size2 output_size, Size2 kernel_size, Size2 dilation = 1,
            Size2 padding = 0, Size2 stride = 1);

// input [N, C, H, W], weight [OC, C/groups, kh, kw], bias [OC] or undefined. padding: numbers,
// "valid" (none) or "same" (output size = input size; stride 1 only).
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias = {}, Size2 stride = 1,
              Padding2 padding = 0, Size2 dilation = 1, int64_t groups = 1);
// input [N, C, L], weight [OC, C/groups, k].
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
              int64_t stride = 1, int64_t padding = 0, int64_t dilation = 1, int64_t groups = 1);
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, int64_t stride,
              const std::string& padding, int64_t dilation = 1, int64_t groups = 1);
// input [N, C, H, W], weight [C, OC/groups, kh, kw]; output size per dim
// (in - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1.
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
                        Size2 stride = 1, Size2 padding = 0, Size2 output_padding = 0,
                        int64_t groups = 1, Size2 dilation = 1);
Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
                        int64_t stride = 1, int64_t padding = 0, int64_t output_padding = 0,
                        int64_t groups = 1, int64_t dilation = 1);

namespace detail {
// The implementations behind the functions above and the Conv modules; `who` names the caller
// in error messages ("conv2d", "Conv2d(3, 8, kernel_size=(3, 3))").
Tensor conv2d(const std::string& who, const Tensor& input, const Tensor& weight, const Tensor& bias,
              Size2 stride, Size2 padding, Size2 dilation, int64_t groups);
// padding "same" or "valid".
Tensor conv2d_str(const std::string& who, const Tensor& input, const Tensor& weight,
                  const Tensor& bias, Size2 stride, const std::string& padding, Size2 dilation,
                  int64_t groups);
Tensor conv_transpose2d(const std::string& who, const Tensor& input, const Tensor& weight,
                        const Tensor& bias, Size2 stride, Size2 padding, Size2 output_padding,
                        int64_t groups, Size2 dilation);
// Output length of a convolution along one dim (floor division); may be <= 0.
int64_t conv_out_size(int64_t in, int64_t k, int64_t stride, int64_t pad, int64_t dilation);
}  // namespace detail

}  // namespace paragrad::nn::functional

PARAGRAD_API_END
