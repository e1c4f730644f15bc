#pragma once
// A tensor kept by a forward op for its backward rule. It remembers the storage
// version it saw: if the tensor is modified in place before backward, unpack()
// raises an Error naming the op, as PyTorch does. An op's own output is kept
// without its grad_fn (that would be a reference cycle) and re-attached on unpack,
// so rules that use the output stay differentiable for create_graph.
#include <cstdint>

#include <paragrad/engine/tensor.hpp>

namespace paragrad::autograd {

class SavedTensor {
 public:
  SavedTensor() = default;
  // is_output: t is the recording op's own output number output_nr.
  SavedTensor(const Tensor& t, bool is_output = false, uint32_t output_nr = 0);
  Tensor unpack() const;
  bool defined() const { return data_.defined(); }

 private:
  Tensor data_;
  uint32_t version_ = 0;
  uint32_t output_nr_ = 0;
  bool is_output_ = false;
  bool requires_grad_ = false;
};

}  // namespace paragrad::autograd
