#pragma once
// Linear: y = x W^T + b, W of shape [out, in]. PyTorch's default init: kaiming_uniform_(a=√5)
// on W (i.e. uniform in ±1/√in) and b uniform in ±1/√in.
#include <paragrad/engine/export.hpp>
#include <paragrad/nn/module.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::nn {

class Linear : public Module {
 public:
  Linear(int64_t in, int64_t out, bool bias = true, Dtype dtype = kFloat32);
  Tensor forward(const Tensor& x) override;
  Tensor weight() { return get("weight"); }  // through get(): parametrized weights work
  Tensor bias() { return get("bias"); }      // undefined when built without bias
  void reset_parameters();
  int64_t in_features() const { return in_; }
  int64_t out_features() const { return out_; }
  std::string class_name() const override { return "Linear"; }
  std::string extra_repr() const override;

 private:
  int64_t in_, out_;
  bool has_bias_;
};

}  // namespace paragrad::nn

PARAGRAD_API_END
