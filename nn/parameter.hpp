#pragma once
// Parameter: a Tensor marked as a module's trainable state. A leaf that requires grad
// (unless told otherwise) and shares storage with the tensor it was made from.
#include <paragrad/engine/export.hpp>
#include <paragrad/engine/tensor.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::nn {

class Parameter : public Tensor {
 public:
  Parameter() = default;
  explicit Parameter(Tensor t, bool requires_grad = true);
};

}  // namespace paragrad::nn

PARAGRAD_API_END
