#pragma once
// torch.nn.functional.interpolate for 1-d ([N, C, L]) and 2-d ([N, C, H, W]) inputs.
#include <optional>
#include <string>
#include <type_traits>

#include <paragrad/engine/export.hpp>
#include <paragrad/engine/tensor.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::nn::functional {

// size: the output's spatial size (one entry per spatial dim). mode: "nearest" (PyTorch's
// legacy nearest: src = floor(dst * in / out)), "linear" (3-d input), "bilinear" (4-d input;
// align_corners false unless given) or "area" (adaptive average pooling).
Tensor interpolate(const Tensor& input, const Shape& size, const std::string& mode = "nearest",
                   std::optional<bool> align_corners = {});
// A scale factor for every spatial dim: interpolate(x, ScaleFactor{2.5}, "bilinear"). Output
// size floor(in * scale_factor); the source positions use 1 / scale_factor, as PyTorch does
// without recompute_scale_factor.
struct ScaleFactor {
  double value;
};
namespace detail {
Tensor interpolate_scale(const Tensor& input, ScaleFactor scale_factor, const std::string& mode,
                         std::optional<bool> align_corners);
}
// (A template, so that a braced size like interpolate(x, {7}) never converts to a ScaleFactor.)
template <class S, std::enable_if_t<std::is_same<S, ScaleFactor>::value, int> = 0>
Tensor interpolate(const Tensor& input, S scale_factor, const std::string& mode = "nearest",
                   std::optional<bool> align_corners = {}) {
  return detail::interpolate_scale(input, scale_factor, mode, align_corners);
}

}  // namespace paragrad::nn::functional

PARAGRAD_API_END
