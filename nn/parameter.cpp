#include <paragrad/nn/parameter.hpp>

namespace paragrad::nn {

Parameter::Parameter(Tensor t, bool requires_grad) : Tensor(t.defined() ? t.detach() : Tensor()) {
  if (defined()) requires_grad_(requires_grad);
}

}  // namespace paragrad::nn
