#include <paragrad/parametrize/detail.hpp>
#include <paragrad/parametrize/parametrization_list.hpp>

namespace paragrad::parametrize {

ParametrizationList::ParametrizationList(std::string tensor_name,
                                         std::shared_ptr<Parametrization> first,
                                         const TensorList& originals, bool as_parameters,
                                         bool persistent, bool unsafe)
    : tensor_name_(std::move(tensor_name)),
      single_(originals.size() == 1),
      as_parameters_(as_parameters),
      persistent_(persistent),
      unsafe_(unsafe) {
  for (size_t i = 0; i < originals.size(); ++i) {
    std::string name = single_ ? "original" : "original" + std::to_string(i);
    if (as_parameters)
      register_parameter(name, originals[i], originals[i].requires_grad());
    else
      register_buffer(name, originals[i], persistent);
    original_names_.push_back(std::move(name));
  }
  append(std::move(first), unsafe);
}

Tensor& ParametrizationList::slot(size_t i) const {
  auto* self = const_cast<ParametrizationList*>(this);
  const std::string& name = original_names_[i];
  return self->has_parameter(name) ? self->parameter_slot(name) : self->buffer_slot(name);
}

Tensor ParametrizationList::original() const {
  check<ValueError>(single_, "ParametrizationList('", tensor_name_, "').original(): '",
                    tensor_name_, "' is parametrized by ", original_names_.size(),
                    " originals; use original(i)");
  return slot(0);
}

Tensor ParametrizationList::original(size_t i) const {
  check<IndexError>(i < original_names_.size(), "ParametrizationList('", tensor_name_,
                    "').original(", i, "): index out of range for ", original_names_.size(),
                    " original(s)");
  return slot(i);
}

TensorList ParametrizationList::originals() const {
  TensorList out;
  out.reserve(original_names_.size());
  for (size_t i = 0; i < original_names_.size(); ++i) out.push_back(slot(i));
  return out;
}

std::shared_ptr<Parametrization> ParametrizationList::operator[](size_t i) const {
  check<IndexError>(i < chain_.size(), "ParametrizationList('", tensor_name_, "')[", i,
                    "]: index out of range for ", chain_.size(), " parametrization(s)");
  return chain_[i];
}

void ParametrizationList::append(std::shared_ptr<Parametrization> p, bool unsafe) {
  register_module(std::to_string(chain_.size()), p);
  chain_.push_back(std::move(p));
  unsafe_ = unsafe_ || unsafe;  // once unsafe, always unsafe (as PyTorch)
  ++generation_;
}

void ParametrizationList::replace_original(size_t i, const Tensor& t) {
  check<IndexError>(i < original_names_.size(), "ParametrizationList('", tensor_name_,
                    "'): no original ", i);
  slot(i) = t;
}

Tensor ParametrizationList::forward_chain() {
  Tensor x = single_ ? chain_[0]->forward(slot(0)) : chain_[0]->forward(originals());
  for (size_t i = 1; i < chain_.size(); ++i) x = chain_[i]->forward(x);
  return x;
}

void ParametrizationList::right_inverse(const Tensor& value) {
  const std::string op = cat("set('", tensor_name_, "')");
  check<ValueError>(value.defined(), op, ": undefined value");
  NoGradGuard no_grad;
  TensorList values{value};
  for (size_t k = chain_.size(); k-- > 0;) {
    Parametrization& p = *chain_[k];
    if (values.size() != 1)  // (check() would evaluate chain_[k + 1] eagerly)
      throw ValueError(cat(op, ": right_inverse of parametrization ", k + 1, " (",
                           chain_[k + 1]->type_name(), ") returned ", values.size(),
                           " tensors; only the first parametrization of a chain may return "
                           "several"));
    try {
      values = p.right_inverse(values[0]);
    } catch (const RightInverseNotImplemented&) {
      throw NotImplementedError(
          cat(op, ": parametrization ", p.type_name(),
              " does not implement right_inverse. Assigning to a parametrized tensor is only "
              "possible when all the parametrizations implement a 'right_inverse' method."));
    }
  }
  // Check everything before writing anything: a failed set() leaves the originals untouched.
  if (single_) {
    check<ValueError>(values.size() == 1, op, ": `right_inverse` should return a tensor. Got a ",
                      "sequence of ", values.size(), " tensors");
  } else {
    check<ValueError>(values.size() == original_names_.size(), op,
                      ": 'right_inverse' must return a sequence of tensors of length ",
                      original_names_.size(), ". Got a sequence of length ", values.size(), ".");
  }
  for (size_t i = 0; i < values.size(); ++i) {
    const Tensor& orig = slot(i);
    const std::string who = single_ ? std::string("`original`") : cat("`original", i, "`");
    const std::string what = single_ ? std::string("The tensor") : cat("Tensor ", i);
    check<ValueError>(values[i].defined(), op, ": ", what,
                      " returned by `right_inverse` is undefined");
    check<DtypeError>(values[i].dtype() == orig.dtype(), op, ": ", what,
                      " returned by `right_inverse` has dtype ", dtype_name(values[i].dtype()),
                      " while ", who, " has dtype ", dtype_name(orig.dtype()));
    check<ShapeError>(values[i].sizes() == orig.sizes(), op, ": ", what,
                      " returned by `right_inverse` has shape ", shape_str(values[i].sizes()),
                      " while ", who, " has shape ", shape_str(orig.sizes()));
  }
  for (size_t i = 0; i < values.size(); ++i) detail::assign_value(slot(i), values[i]);
}

void detail::assign_value(Tensor& dst, const Tensor& src) {
  check<DtypeError>(dst.dtype() == src.dtype(), "parametrize: cannot assign a ",
                    dtype_name(src.dtype()), " value to a ", dtype_name(dst.dtype()), " tensor");
  if (dst.is_same(src)) return;
  const TensorImpl* d0 = dst.impl();
  const TensorImpl* s0 = src.impl();
  if (d0->storage == s0->storage && d0->offset == s0->offset && d0->sizes == s0->sizes &&
      d0->strides == s0->strides)
    return;  // already the same elements
  NoGradGuard no_grad;
  if (dst.sizes() == src.sizes()) {
    dst.copy_(shares_storage(dst, src) ? src.detach().clone() : src.detach());
    return;
  }
  // set_(): dst keeps its identity (optimizers, the cache's bookkeeping) but takes fresh storage
  // of the new shape; its version counter keeps counting, so what was saved from it is stale.
  dst.set_(src.detach().contiguous().clone());
  dst.zero_grad();
}

}  // namespace paragrad::parametrize
