#pragma once
// Shared plumbing of the elementwise math ops in rounding.cpp, trig.cpp and special.cpp.
#include <paragrad/engine/detail/elementwise.hpp>

namespace paragrad::detail {

// f(x) elementwise in a's floating dtype; integer and bool inputs are computed (and returned)
// as float32, as torch.sin(int_tensor) is.
template <class F>
Tensor float_unary(const char* op, const Tensor& a, F&& f) {
  check_defined(op, a);
  Tensor holder;
  const Tensor& x = as_type(a, is_floating(a.dtype()) ? a.dtype() : kFloat32, holder, op);
  return unary_map<Kinds::Floating>(x, x.dtype(), std::forward<F>(f), op);
}

}  // namespace paragrad::detail
