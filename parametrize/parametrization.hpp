#pragma once
// Parametrization: a module that computes a constrained tensor from unconstrained "originals"
// (torch.nn.utils.parametrize). Override forward(const Tensor&) for one original, or
// forward(const TensorList&) when right_inverse returns several (original0, original1, ...).
// right_inverse is optional: without it, registration keeps the tensor as the original and
// Module::set raises Error.
#include <memory>
#include <string>

#include <paragrad/engine/engine.hpp>
#include <paragrad/engine/export.hpp>
#include <paragrad/nn/module.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::parametrize {

// Thrown by the default Parametrization::right_inverse. Registration treats it (like any
// NotImplementedError, as PyTorch does) as "right_inverse is the identity"; set() turns it
// into an Error naming the parametrization.
class RightInverseNotImplemented : public NotImplementedError {
  using NotImplementedError::NotImplementedError;
};

class Parametrization : public nn::Module {
 public:
  // One original. The default forwards to forward(TensorList{X}).
  Tensor forward(const Tensor& X) override;
  // Several originals. The default accepts exactly one and calls forward(const Tensor&).
  virtual Tensor forward(const TensorList& Xs);
  // Maps a value of the constrained tensor back to original(s). The default raises
  // RightInverseNotImplemented.
  virtual TensorList right_inverse(const Tensor& A);
};

}  // namespace paragrad::parametrize

PARAGRAD_API_END
