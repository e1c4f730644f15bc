#pragma once
// The LibTorch side's helpers: the shared seeded inputs (../common.hpp) as torch tensors.
#include <torch/torch.h>

#include "common.hpp"
#include "harness.hpp"

namespace bench {

inline torch::Tensor to_torch(const RowMatrixXd& m, torch::Dtype dtype = torch::kFloat32) {
  RowMatrixXd copy = m;  // from_blob does not own the buffer: clone() below copies it out
  return torch::from_blob(copy.data(), {copy.rows(), copy.cols()}, torch::kFloat64)
      .to(dtype)
      .clone();
}

// The sum of every entry, as double (a side's check).
inline double total(const torch::Tensor& t) { return t.to(torch::kFloat64).sum().item<double>(); }

// Copies a Linear layer's shared initial values into a LibTorch Linear.
inline void set_linear(torch::nn::Linear& l, const LinearInit& init) {
  torch::NoGradGuard no_grad;
  l->weight.copy_(to_torch(init.weight));
  l->bias.copy_(to_torch(init.bias).reshape({init.bias.rows()}));
}

// Optimizer::zero_grad() of LibTorch 1.13 zero-fills the gradients; paragrad (like PyTorch ≥ 2.0,
// set_to_none=True) resets them to undefined, which is less work: do the same here.
inline void zero_grad_to_none(torch::optim::Optimizer& opt) {
  for (auto& group : opt.param_groups())
    for (auto& p : group.params()) p.mutable_grad() = torch::Tensor();
}

}  // namespace bench
