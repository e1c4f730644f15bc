#include <paragrad/parametrize/parametrization.hpp>

namespace paragrad::parametrize {

namespace {
// The default forward overloads call each other; this notices when neither is overridden
// (per thread, so one parametrization may run on several threads).
thread_local const Parametrization* defaulting = nullptr;

struct DefaultingScope {
  explicit DefaultingScope(const Parametrization* p) : prev(defaulting) { defaulting = p; }
  ~DefaultingScope() { defaulting = prev; }
  DefaultingScope(const DefaultingScope&) = delete;
  DefaultingScope& operator=(const DefaultingScope&) = delete;
  const Parametrization* prev;
};

[[noreturn]] void throw_no_forward(const Parametrization& p) {
  throw NotImplementedError(cat(p.type_name(),
                                ": a parametrization must override forward(const Tensor&) or "
                                "forward(const TensorList&)"));
}
}  // namespace

Tensor Parametrization::forward(const Tensor& X) {
  if (defaulting == this) throw_no_forward(*this);
  DefaultingScope scope(this);
  return forward(TensorList{X});
}

Tensor Parametrization::forward(const TensorList& Xs) {
  check<ValueError>(Xs.size() == 1, type_name(), ": forward got ", Xs.size(),
                    " tensors but this parametrization takes one (override "
                    "forward(const TensorList&) to take several)");
  if (defaulting == this) throw_no_forward(*this);
  DefaultingScope scope(this);
  return forward(Xs[0]);
}

TensorList Parametrization::right_inverse(const Tensor&) {
  throw RightInverseNotImplemented(
      cat(type_name(), ": right_inverse is not implemented for this parametrization"));
}

}  // namespace paragrad::parametrize
