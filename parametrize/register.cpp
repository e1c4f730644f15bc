// register_parametrization and its companions. Mirrors torch/nn/utils/parametrize.py (1.13):
// same structure, same checks, messages with the same wording (shapes as [2, 3], dtypes as
// float32), plus: registration checks everything before it changes anything.
#include <paragrad/nn/parameter.hpp>
#include <paragrad/parametrize/cache.hpp>
#include <paragrad/parametrize/detail.hpp>
#include <paragrad/parametrize/provider.hpp>
#include <paragrad/parametrize/register.hpp>

namespace paragrad::parametrize {

namespace {
constexpr const char* kRegister = "register_parametrization: ";

// Restores a parametrization's training mode when registration fails.
// Holds its own reference: on failure the registration's other owners may be gone first.
struct TrainingRestore {
  std::shared_ptr<Parametrization> p;
  bool was;
  bool committed = false;
  ~TrainingRestore() {
    if (!committed) p->train(was);
  }
};

// right_inverse of p applied to x under no-grad; a missing right_inverse (NotImplementedError)
// means the identity, as in PyTorch.
TensorList right_inverse_or_identity(Parametrization& p, const Tensor& x, bool& has_inverse) {
  NoGradGuard no_grad;
  try {
    TensorList out = p.right_inverse(x);
    has_inverse = true;
    return out;
  } catch (const NotImplementedError&) {
    has_inverse = false;
    return {x};
  }
}

// Adds p to an already parametrized tensor: PyTorch's checks that p.forward and p.right_inverse
// map tensors of the current shape and dtype to tensors of that shape and dtype.
void append_checked(ParametrizationList& list, const std::string& name,
                    std::shared_ptr<Parametrization> p, bool unsafe) {
  if (!unsafe) {
    NoGradGuard no_grad;
    Tensor Y = list.forward_chain();
    Tensor X = p->forward(Y);
    check<ValueError>(X.defined(), kRegister, "A parametrization must return a tensor. Got ",
                      "an undefined tensor.");
    check<DtypeError>(X.dtype() == Y.dtype(), kRegister,
                      "Registering a parametrization may not change the dtype of the tensor, "
                      "unless the `unsafe` flag is enabled.\nmodule.",
                      name, ".dtype: ", dtype_name(Y.dtype()), "\nparametrization(module.", name,
                      ").dtype: ", dtype_name(X.dtype()));
    check<ShapeError>(X.sizes() == Y.sizes(), kRegister,
                      "Registering a parametrization may not change the shape of the tensor, "
                      "unless the `unsafe` flag is enabled.\nmodule.",
                      name, ".shape: ", shape_str(Y.sizes()), "\nparametrization(module.", name,
                      ").shape: ", shape_str(X.sizes()));
    bool has_inverse = false;
    TensorList Z = right_inverse_or_identity(*p, X, has_inverse);
    if (has_inverse) {
      check<ValueError>(Z.size() == 1 && Z[0].defined(), kRegister,
                        "parametrization.right_inverse must return a tensor. Got: a sequence of ",
                        Z.size(), " tensors");
      check<DtypeError>(Z[0].dtype() == Y.dtype(), kRegister,
                        "The tensor returned by parametrization.right_inverse must have the same "
                        "dtype as module.",
                        name, ", unless the `unsafe` flag is enabled.\nmodule.", name,
                        ".dtype: ", dtype_name(Y.dtype()),
                        "\nreturned dtype: ", dtype_name(Z[0].dtype()));
      check<ShapeError>(Z[0].sizes() == Y.sizes(), kRegister,
                        "The tensor returned by parametrization.right_inverse must have the same "
                        "shape as module.",
                        name, ", unless the `unsafe` flag is enabled.\nmodule.", name,
                        ".shape: ", shape_str(Y.sizes()),
                        "\nreturned shape: ", shape_str(Z[0].sizes()));
    }
  }
  list.append(std::move(p), unsafe);
}

// First parametrization of a parameter or buffer: PyTorch's ParametrizationList.__init__, with
// the writes moved after the checks.
void register_first(nn::Module& module, const std::string& name, std::shared_ptr<Parametrization> p,
                    bool unsafe) {
  const bool is_param = module.has_parameter(name);
  Tensor original = is_param ? module.parameter_slot(name) : module.buffer_slot(name);
  check<ValueError>(original.defined(), kRegister, "'", name, "' of module '", module.type_name(),
                    "' is an empty slot (None); register a tensor first");
  const bool persistent = is_param || module.is_persistent_buffer(name);

  bool has_inverse = false;
  TensorList news = right_inverse_or_identity(*p, original, has_inverse);
  check<ValueError>(!news.empty(), kRegister,
                    "'right_inverse' must return a Tensor or a Sequence of tensors. Got an empty "
                    "sequence.");
  for (size_t i = 0; i < news.size(); ++i)
    check<ValueError>(news[i].defined(), kRegister,
                      "'right_inverse' must return a Tensor or a Sequence of tensors. Got an "
                      "undefined tensor as element ",
                      i, " of the sequence.");

  // The would-be originals. One: the value to copy into the original tensor object. Several:
  // new tensors (requires_grad as the original), never aliasing the old tensor.
  TensorList candidates;
  if (news.size() == 1) {
    check<DtypeError>(news[0].dtype() == original.dtype(), kRegister,
                      "When `right_inverse` outputs one tensor, it may not change the "
                      "dtype.\noriginal.dtype: ",
                      dtype_name(original.dtype()),
                      "\nright_inverse(original).dtype: ", dtype_name(news[0].dtype()));
    candidates.push_back(news[0].detach());
  } else {
    for (const Tensor& t : news) {
      Tensor c = detail::shares_storage(t, original) ? t.detach().clone() : t.detach();
      if (is_param) {
        candidates.push_back(nn::Parameter(c, original.requires_grad()));
      } else {
        c.requires_grad_(original.requires_grad() && c.is_floating_point());
        candidates.push_back(c);
      }
    }
  }

  if (!unsafe) {
    // Z = forward(right_inverse(original)) must live where the tensor lived.
    NoGradGuard no_grad;
    Tensor Z = candidates.size() == 1 ? p->forward(candidates[0]) : p->forward(candidates);
    check<ValueError>(Z.defined(), kRegister,
                      "A parametrization must return a tensor. Got an undefined tensor.");
    check<DtypeError>(Z.dtype() == original.dtype(), kRegister,
                      "Registering a parametrization may not change the dtype of the tensor, "
                      "unless `unsafe` flag is enabled.\nunparametrized dtype: ",
                      dtype_name(original.dtype()),
                      "\nparametrized dtype: ", dtype_name(Z.dtype()));
    check<ShapeError>(Z.sizes() == original.sizes(), kRegister,
                      "Registering a parametrization may not change the shape of the tensor, "
                      "unless `unsafe` flag is enabled.\nunparametrized shape: ",
                      shape_str(original.sizes()), "\nparametrized shape: ", shape_str(Z.sizes()));
  }

  auto provider = provider_of(module);
  if (!provider)
    check<ValueError>(!module.has_module("parametrizations"), kRegister, "module '",
                      module.type_name(),
                      "' already has a submodule named 'parametrizations' that is not "
                      "paragrad's");

  // --- commit (nothing below throws on valid input)
  const Dims shape = original.sizes();
  const Dtype dtype = original.dtype();
  if (candidates.size() == 1) {
    detail::assign_value(original, candidates[0]);
    candidates[0] = original;  // the same object moves into the list
  }
  if (is_param)
    module.remove_parameter(name);
  else
    module.remove_buffer(name);
  if (!provider) {
    provider = std::make_shared<ParametrizeProvider>();
    provider->dict = std::make_shared<nn::ModuleDict>();
    provider->dict->train(module.is_training());
    provider->type_before = module.type_name();
    provider->saved_type_name_override = module.type_name_override();
    module.register_module("parametrizations", provider->dict);
    module.set_tensor_provider(provider);
    module.set_type_name_override("Parametrized" + provider->type_before);
  }
  auto list = std::make_shared<ParametrizationList>(name, std::move(p), candidates, is_param,
                                                    persistent, unsafe);
  list->set_tensor_meta(shape, dtype);
  list->train(module.is_training());
  provider->dict->insert(name, list);
  provider->lists.emplace_back(name, std::move(list));
}

std::shared_ptr<ParametrizationList> list_or_throw(const nn::Module& module,
                                                   const std::string& name, const char* op) {
  auto provider = provider_of(module);
  const auto* list = provider ? provider->find(name) : nullptr;
  check<ValueError>(list != nullptr, op, "Module ", module.type_name(),
                    " does not have a parametrization on ", name);
  return *list;
}

}  // namespace

Tensor ParametrizeProvider::get(nn::Module&, const std::string& name) {
  return detail::parametrized_value(*find(name));
}

void ParametrizeProvider::set(nn::Module&, const std::string& name, const Tensor& value) {
  const auto& list = *find(name);
  list->right_inverse(value);
  detail::invalidate(list.get());
}

std::shared_ptr<ParametrizeProvider> provider_of(const nn::Module& module) {
  return std::dynamic_pointer_cast<ParametrizeProvider>(module.tensor_provider());
}

nn::Module& register_parametrization(nn::Module& module, const std::string& tensor_name,
                                     std::shared_ptr<Parametrization> p, bool unsafe) {
  check<ValueError>(p != nullptr, kRegister, "the parametrization is null");
  auto provider = provider_of(module);
  check<ValueError>(provider || !module.tensor_provider(), kRegister, "module '",
                    module.type_name(), "' already has another TensorProvider");
  TrainingRestore restore{p, p->is_training()};
  p->train(module.is_training());
  if (const auto* list = provider ? provider->find(tensor_name) : nullptr) {
    append_checked(**list, tensor_name, std::move(p), unsafe);
  } else if (module.has_parameter(tensor_name) || module.has_buffer(tensor_name)) {
    register_first(module, tensor_name, std::move(p), unsafe);
  } else {
    throw ValueError(cat(kRegister, "Module '", module.type_name(),
                         "' does not have a parameter, a buffer, or a parametrized element with "
                         "name '",
                         tensor_name, "'"));
  }
  restore.committed = true;
  return module;
}

ParametrizationList& parametrizations(nn::Module& module, const std::string& tensor_name) {
  return *list_or_throw(module, tensor_name, "parametrizations: ");
}

bool is_parametrized(const nn::Module& module, const std::string& tensor_name) {
  auto provider = provider_of(module);
  if (!provider) return false;
  return tensor_name.empty() ? !provider->lists.empty() : provider->find(tensor_name) != nullptr;
}

nn::Module& remove_parametrizations(nn::Module& module, const std::string& tensor_name,
                                    bool leave_parametrized) {
  constexpr const char* op = "remove_parametrizations: ";
  auto list = list_or_throw(module, tensor_name, op);
  auto provider = provider_of(module);

  Tensor restored;
  const bool as_param = list->originals_are_parameters();
  if (list->single_original()) {
    Tensor original = list->original();
    if (leave_parametrized) {
      Tensor t;
      {
        NoGradGuard no_grad;
        t = list->forward_chain();
      }
      check<DtypeError>(t.dtype() == original.dtype(), op,
                        "The parametrization changes the dtype of the tensor from ",
                        dtype_name(original.dtype()), " to ", dtype_name(t.dtype()),
                        ". It is not supported to leave the tensor parametrized "
                        "(`leave_parametrized=True`) in this case.");
      // The same tensor object stays, so optimizers holding it keep working.
      detail::assign_value(original, t);
    } else {
      check<ShapeError>(original.sizes() == list->tensor_shape(), op,
                        "Cannot leave unparametrized (`leave_parametrized=False`) '", tensor_name,
                        "': its original has shape ", shape_str(original.sizes()),
                        " but the tensor had shape ", shape_str(list->tensor_shape()),
                        " before it was parametrized.");
      check<DtypeError>(original.dtype() == list->tensor_dtype(), op,
                        "Cannot leave unparametrized (`leave_parametrized=False`) '", tensor_name,
                        "': its original has dtype ", dtype_name(original.dtype()),
                        " but the tensor had dtype ", dtype_name(list->tensor_dtype()),
                        " before it was parametrized.");
    }
    restored = original;
  } else {
    check<ValueError>(leave_parametrized, op,
                      "Cannot leave unparametrized (`leave_parametrized=False`) a tensor that is "
                      "parametrized in terms of a sequence of tensors.");
    bool requires_grad = false;
    for (const Tensor& o : list->originals()) requires_grad = requires_grad || o.requires_grad();
    Tensor t;
    {
      NoGradGuard no_grad;
      t = list->forward_chain();
    }
    restored = nn::Parameter(t, requires_grad && t.is_floating_point());
  }

  // --- commit
  detail::invalidate(list.get());
  auto& lists = provider->lists;
  for (auto it = lists.begin(); it != lists.end(); ++it)
    if (it->first == tensor_name) {
      lists.erase(it);
      break;
    }
  provider->dict->erase(tensor_name);
  if (as_param)
    module.register_parameter(tensor_name, restored, restored.requires_grad());
  else
    module.register_buffer(tensor_name, restored, list->persistent());
  if (lists.empty()) {
    module.remove_module("parametrizations");
    module.set_tensor_provider(nullptr);
    module.set_type_name_override(provider->saved_type_name_override);
  }
  return module;
}

std::string type_before_parametrizations(const nn::Module& module) {
  auto provider = provider_of(module);
  return provider ? provider->type_before : module.type_name();
}

nn::Module& transfer_parametrizations_and_params(nn::Module& from, nn::Module& to,
                                                 const std::string& tensor_name) {
  constexpr const char* op = "transfer_parametrizations_and_params: ";
  auto from_provider = provider_of(from);
  if (!from_provider || from_provider->lists.empty()) {
    check<ValueError>(tensor_name.empty(), op, "Module ", from.type_name(),
                      " does not have a parametrization on ", tensor_name);
    return to;  // nothing to transfer, as PyTorch
  }
  std::vector<std::shared_ptr<ParametrizationList>> to_transfer;
  if (tensor_name.empty()) {
    for (const auto& e : from_provider->lists) to_transfer.push_back(e.second);
  } else {
    to_transfer.push_back(list_or_throw(from, tensor_name, op));
  }
  for (const auto& from_list : to_transfer) {
    const std::string& name = from_list->tensor_name();
    if (!to.has(name)) {
      NoGradGuard no_grad;
      to.register_parameter(name, nn::Parameter(from.get(name)));
    }
    for (size_t k = 0; k < from_list->size(); ++k)
      register_parametrization(to, name, (*from_list)[k]);
    ParametrizationList& to_list = parametrizations(to, name);
    check<ValueError>(to_list.num_originals() == from_list->num_originals(), op, "'", name,
                      "' has ", from_list->num_originals(), " original(s) in the source but ",
                      to_list.num_originals(), " in the target");
    for (size_t i = 0; i < from_list->num_originals(); ++i)
      to_list.replace_original(i, from_list->original(i));
  }
  return to;
}

}  // namespace paragrad::parametrize
