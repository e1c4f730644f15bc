// linear: x Wᵀ + b on matmul.
#include <paragrad/nn/functional/functional.hpp>

namespace paragrad::nn::functional {

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  check<ValueError>(x.defined() && weight.defined(), "linear: undefined input or weight");
  check<ShapeError>(weight.dim() == 2, "linear: weight must be 2-d, got shape ",
                    shape_str(weight.sizes()));
  check<ShapeError>(x.dim() >= 1 && x.size(-1) == weight.size(1), "linear: input shape ",
                    shape_str(x.sizes()), " does not match weight shape ",
                    shape_str(weight.sizes()), " (expected last dim ", weight.size(1), ")");
  Tensor out = matmul(x, weight.t());
  if (bias.defined()) {
    check<ShapeError>(bias.dim() == 1 && bias.size(0) == weight.size(0), "linear: bias shape ",
                      shape_str(bias.sizes()), " does not match weight shape ",
                      shape_str(weight.sizes()));
    out = out + bias;
  }
  return out;
}

}  // namespace paragrad::nn::functional
