#pragma once
// Gradient clipping (torch.nn.utils.clip_grad_norm_, clip_grad_value_). Parameters without a
// gradient are skipped; gradients are scaled or clamped in place.
#include <paragrad/engine/export.hpp>
#include <paragrad/engine/tensor.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::nn::utils {

// Scales every gradient by min(1, max_norm / (total_norm + 1e-6)), total_norm the norm_type
// norm (INFINITY: max abs) of all gradients together; returns total_norm (0 without
// gradients). error_if_nonfinite: a NaN/Inf total norm raises ValueError instead.
double clip_grad_norm_(const TensorList& params, double max_norm, double norm_type = 2,
                       bool error_if_nonfinite = false);
// Clamps every gradient element to [-clip_value, clip_value].
void clip_grad_value_(const TensorList& params, double clip_value);

}  // namespace paragrad::nn::utils

PARAGRAD_API_END
