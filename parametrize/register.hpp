#pragma once
// Registering, inspecting and removing parametrizations (torch.nn.utils.parametrize).
#include <memory>
#include <string>

#include <paragrad/engine/export.hpp>
#include <paragrad/nn/module.hpp>
#include <paragrad/parametrize/parametrization.hpp>
#include <paragrad/parametrize/parametrization_list.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::parametrize {

// Parametrizes module's parameter or buffer `tensor_name` by p: module.get(tensor_name) becomes
// p(original). The first registration moves the tensor object itself to
// parametrizations.<name>.original (its value replaced by p.right_inverse(value) when p has
// one), or creates original0, original1, ... when right_inverse returns several tensors. Later
// registrations append to the chain. Unless `unsafe`, the result must keep the tensor's shape
// and dtype. On any Error the module is left exactly as it was.
nn::Module& register_parametrization(nn::Module& module, const std::string& tensor_name,
                                     std::shared_ptr<Parametrization> p, bool unsafe = false);
template <class M>
std::shared_ptr<M> register_parametrization(std::shared_ptr<M> module,
                                            const std::string& tensor_name,
                                            std::shared_ptr<Parametrization> p,
                                            bool unsafe = false) {
  check<ValueError>(module != nullptr, "register_parametrization: module is null");
  register_parametrization(static_cast<nn::Module&>(*module), tensor_name, std::move(p), unsafe);
  return module;
}

// module.parametrizations.<tensor_name>; Error when that tensor is not parametrized.
ParametrizationList& parametrizations(nn::Module& module, const std::string& tensor_name);

// Whether module has any parametrized tensor (tensor_name empty) or that one.
bool is_parametrized(const nn::Module& module, const std::string& tensor_name = "");

// leave_parametrized: the tensor becomes a plain parameter/buffer holding its current value (the
// same tensor object as the original when there was one original); else the original itself
// comes back (one original only, of the tensor's shape and dtype).
nn::Module& remove_parametrizations(nn::Module& module, const std::string& tensor_name,
                                    bool leave_parametrized = true);

// The module's type_name() before it was parametrized ("Linear" for a "ParametrizedLinear").
std::string type_before_parametrizations(const nn::Module& module);

// Registers from's parametrizations (all, or tensor_name's) on `to` (the same parametrization
// objects), creating the parameter on `to` when missing, and makes `to` use from's originals.
nn::Module& transfer_parametrizations_and_params(nn::Module& from, nn::Module& to,
                                                 const std::string& tensor_name = "");

}  // namespace paragrad::parametrize

PARAGRAD_API_END
