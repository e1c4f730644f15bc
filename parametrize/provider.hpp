#pragma once
// How a parametrized module answers get/set/has: a TensorProvider (nn's extension point)
// installed on the module at its first registration and removed with its last parametrization.
// It maps each parametrized name to its ParametrizationList, which also lives in the module's
// "parametrizations" ModuleDict child (for traversal, state_dict and train()/eval()).
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <paragrad/nn/module.hpp>
#include <paragrad/parametrize/parametrization_list.hpp>

namespace paragrad::parametrize {

class ParametrizeProvider : public nn::TensorProvider {
 public:
  bool provides(const std::string& name) const override { return find(name) != nullptr; }
  Tensor get(nn::Module& owner, const std::string& name) override;
  void set(nn::Module& owner, const std::string& name, const Tensor& value) override;

  // The list for name, or nullptr.
  const std::shared_ptr<ParametrizationList>* find(const std::string& name) const {
    for (const auto& e : lists)
      if (e.first == name) return &e.second;
    return nullptr;
  }

  std::vector<std::pair<std::string, std::shared_ptr<ParametrizationList>>> lists;
  std::shared_ptr<nn::ModuleDict> dict;  // the module's "parametrizations" child
  std::string saved_type_name_override;  // restored when the last parametrization goes
  std::string type_before;               // type_name() before the first registration
};

// The module's ParametrizeProvider, or nullptr when it is not parametrized.
std::shared_ptr<ParametrizeProvider> provider_of(const nn::Module& module);

}  // namespace paragrad::parametrize
