#pragma once
// torch.nn.functional.pad.
#include <string>

#include <paragrad/engine/export.hpp>
#include <paragrad/engine/tensor.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::nn::functional {

// pads: (before, after) pairs from the last dim backwards, as PyTorch: {left, right, top,
// bottom, ...}. mode "constant" (any dims; negative pads crop), "reflect", "replicate" or
// "circular" (the last 1, 2 or 3 dims of a batched/unbatched input; reflect needs pads smaller
// than the dim, circular at most the dim).
Tensor pad(const Tensor& input, const Shape& pads, const std::string& mode = "constant",
           double value = 0);

}  // namespace paragrad::nn::functional

PARAGRAD_API_END
