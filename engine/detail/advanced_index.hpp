#pragma once
// Indexing with tensors (engine/ops/index_put.cpp), the part of Tensor::index that view.cpp
// hands over when an index is an Int64 or Bool tensor.
#include <vector>

#include <paragrad/engine/tensor.hpp>

namespace paragrad::detail {

bool has_tensor_index(const std::vector<TensorIndex>& indices);
Tensor advanced_index(const Tensor& self, const std::vector<TensorIndex>& indices);

}  // namespace paragrad::detail
