#pragma once
// ParametrizationList: what `module.parametrizations.<name>` holds (PyTorch's class of the same
// name). It owns the original(s) of one parametrized tensor, as a parameter or buffer named
// "original" (or "original0", "original1", ... when the first right_inverse returned several),
// and the chain of parametrizations as children "0", "1", ...
// It is built by register_parametrization; users reach it through parametrizations().
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <paragrad/engine/export.hpp>
#include <paragrad/parametrize/parametrization.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::parametrize {

class ParametrizationList : public nn::Module {
 public:
  // Registers `originals` (one: "original"; several: "original0", ...) as parameters when
  // `as_parameters`, else as buffers (persistent as given), and `first` as child "0". No checks:
  // register_parametrization has made them before building the list.
  ParametrizationList(std::string tensor_name, std::shared_ptr<Parametrization> first,
                      const TensorList& originals, bool as_parameters, bool persistent,
                      bool unsafe);

  Tensor original() const;          // the single original (Error when there are several)
  Tensor original(size_t i) const;  // original0, original1, ... (0 is "original" when single)
  TensorList originals() const;
  size_t num_originals() const { return original_names_.size(); }
  bool single_original() const { return single_; }
  size_t size() const { return chain_.size(); }  // parametrizations in the chain
  std::shared_ptr<Parametrization> operator[](size_t i) const;

  Tensor forward_chain();  // the parametrized value, computed now (no cache)
  // What Module::set does: right_inverse of each parametrization, last to first, under no-grad,
  // checked (count, dtype and shape of the originals) and then copied into them in place.
  void right_inverse(const Tensor& value);
  bool unsafe() const { return unsafe_; }

  // --- used by register_parametrization and friends
  void append(std::shared_ptr<Parametrization> p, bool unsafe);
  const std::string& tensor_name() const { return tensor_name_; }
  bool originals_are_parameters() const { return as_parameters_; }
  bool persistent() const { return persistent_; }
  // Replaces original i by another tensor object (transfer_parametrizations_and_params).
  void replace_original(size_t i, const Tensor& t);
  // Bumped whenever the chain changes; the cache compares it.
  uint64_t generation() const { return generation_; }
  // Shape and dtype of the tensor when it was first parametrized.
  const Dims& tensor_shape() const { return tensor_shape_; }
  Dtype tensor_dtype() const { return tensor_dtype_; }
  void set_tensor_meta(const Dims& shape, Dtype dtype) {
    tensor_shape_ = shape;
    tensor_dtype_ = dtype;
  }

  std::string class_name() const override { return "ParametrizationList"; }

 private:
  Tensor& slot(size_t i) const;

  std::string tensor_name_;
  std::vector<std::shared_ptr<Parametrization>> chain_;
  std::vector<std::string> original_names_;
  bool single_ = true;
  bool as_parameters_ = true;
  bool persistent_ = true;
  bool unsafe_ = false;
  uint64_t generation_ = 0;
  Dims tensor_shape_;
  Dtype tensor_dtype_ = kFloat32;
};

}  // namespace paragrad::parametrize

PARAGRAD_API_END
