#pragma once
// Internal helpers shared by the parametrize sources (not part of the public API).
#include <string>

#include <paragrad/engine/engine.hpp>

namespace paragrad::parametrize::detail {

// Makes `dst` (the same tensor object) hold a copy of `src`, also when the shape differs, like
// PyTorch's `dst.set_(src)` under no-grad: same shape copies in place; another shape gives dst
// fresh storage (and drops its .grad(), which had the old shape). dtypes must match.
void assign_value(Tensor& dst, const Tensor& src);

inline bool shares_storage(const Tensor& a, const Tensor& b) {
  return a.defined() && b.defined() && a.impl()->storage.get() == b.impl()->storage.get();
}

}  // namespace paragrad::parametrize::detail
