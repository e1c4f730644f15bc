#include <paragrad/nn/linear.hpp>

#include <cmath>

#include <paragrad/nn/functional/functional.hpp>
#include <paragrad/nn/init.hpp>

namespace paragrad::nn {

Linear::Linear(int64_t in, int64_t out, bool bias, Dtype dtype)
    : in_(in), out_(out), has_bias_(bias) {
  check<ValueError>(in >= 0 && out >= 0,
                    "Linear: in_features and out_features must be "
                    "non-negative, got ",
                    in, " and ", out);
  check<DtypeError>(is_floating(dtype), "Linear: dtype must be floating, got ", dtype_name(dtype));
  register_parameter("weight", empty({out, in}, dtype));
  register_parameter("bias", bias ? empty({out}, dtype) : Tensor());
  reset_parameters();
}

void Linear::reset_parameters() {
  Tensor& w = parameter_slot("weight");
  if (in_ > 0) {
    init::kaiming_uniform_(w, std::sqrt(5.0));
  } else {
    init::zeros_(w);
  }
  Tensor& b = parameter_slot("bias");
  if (b.defined()) {
    const double bound = in_ > 0 ? 1.0 / std::sqrt(double(in_)) : 0.0;
    init::uniform_(b, -bound, bound);
  }
}

Tensor Linear::forward(const Tensor& x) {
  return functional::linear(x, get("weight"), get("bias"));
}

std::string Linear::extra_repr() const {
  return cat("in_features=", in_, ", out_features=", out_, ", bias=", has_bias_ ? "True" : "False");
}

}  // namespace paragrad::nn
