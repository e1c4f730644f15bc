#pragma once
// Training utilities (torch.nn.utils).
#include <paragrad/nn/utils/clip_grad.hpp>
#include <paragrad/nn/utils/convert_parameters.hpp>
