#pragma once
// Pooling (torch.nn.functional): max, average and adaptive average over the last one or two
// dims of a batched [N, C, ...] or unbatched [C, ...] input. stride defaults to the kernel.
#include <optional>
#include <string>
#include <tuple>

#include <paragrad/engine/export.hpp>
#include <paragrad/engine/tensor.hpp>
#include <paragrad/nn/functional/size2.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::nn::functional {

// The maximum of every window (NaN wins, as PyTorch); the gradient goes to the max's position.
Tensor max_pool2d(const Tensor& input, Size2 kernel_size, std::optional<Size2> stride = {},
                  Size2 padding = 0, Size2 dilation = 1, bool ceil_mode = false);
// Also the Int64 indices of the maxima, flat within each [H, W] plane.
std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, Size2 kernel_size,
                                                   std::optional<Size2> stride = {},
                                                   Size2 padding = 0, Size2 dilation = 1,
                                                   bool ceil_mode = false);
Tensor max_pool1d(const Tensor& input, int64_t kernel_size, std::optional<int64_t> stride = {},
                  int64_t padding = 0, int64_t dilation = 1, bool ceil_mode = false);
// count_include_pad: zero padding counts in the divisor; divisor_override replaces it.
Tensor avg_pool2d(const Tensor& input, Size2 kernel_size, std::optional<Size2> stride = {},
                  Size2 padding = 0, bool ceil_mode = false, bool count_include_pad = true,
                  std::optional<int64_t> divisor_override = {});
Tensor avg_pool1d(const Tensor& input, int64_t kernel_size, std::optional<int64_t> stride = {},
                  int64_t padding = 0, bool ceil_mode = false, bool count_include_pad = true);
// Output (oh, ow); window i spans [floor(i H / oh), ceil((i + 1) H / oh)).
Tensor adaptive_avg_pool2d(const Tensor& input, Size2 output_size);
Tensor adaptive_avg_pool1d(const Tensor& input, int64_t output_size);
Tensor adaptive_max_pool2d(const Tensor& input, Size2 output_size);

namespace detail {
// `who` names the caller in errors ("max_pool2d", "MaxPool2d(kernel_size=2, ...)").
// The indices (Int64) only when want_indices; undefined otherwise.
std::tuple<Tensor, Tensor> max_pool2d(const std::string& who, const Tensor& input, Size2 kernel,
                                      Size2 stride, Size2 padding, Size2 dilation, bool ceil_mode,
                                      bool want_indices);
Tensor avg_pool2d(const std::string& who, const Tensor& input, Size2 kernel, Size2 stride,
                  Size2 padding, bool ceil_mode, bool count_include_pad,
                  std::optional<int64_t> divisor_override);
Tensor adaptive_avg_pool2d(const std::string& who, const Tensor& input, Size2 output_size);
// Pooled length along one dim, as PyTorch's pooling_output_shape.
int64_t pool_out_size(int64_t in, int64_t k, int64_t pad, int64_t stride, int64_t dilation,
                      bool ceil_mode);
}  // namespace detail

}  // namespace paragrad::nn::functional

PARAGRAD_API_END
