#pragma once
// Ops that work along one dim (scans, sorts, reductions along a dim) see their input as rows:
// the dim moved last, the data contiguous and detached. These helpers make the rows and put
// a result made of rows back into the input's layout.
#include <paragrad/engine/detail/loops.hpp>

namespace paragrad::detail {

struct Rows {
  Tensor data;    // [..., len], contiguous, detached (a 0-d input becomes [1])
  int64_t dim;    // the input's dim, wrapped (0 for a 0-d input)
  int64_t len;    // its size
  int64_t count;  // number of rows
};

inline Rows to_rows(const Tensor& x, int64_t dim, const char* op) {
  const int64_t d = wrap_dim(dim, x.dim(), op, x.sizes());
  Tensor t = x.dim() == 0 ? x.detach().reshape({1}) : x.detach();
  t = d == t.dim() - 1 ? t.contiguous() : t.movedim(d, -1).contiguous();
  int64_t count = 1;
  for (size_t i = 0; i + 1 < t.sizes().size(); ++i) count *= t.sizes()[i];
  return {t, d, t.sizes().back(), count};
}

// A tensor of rows [..., len'] (len' may differ from the input's) back in the layout of an
// input with `ndim` dims whose dim `d` the rows ran along; contiguous.
inline Tensor from_rows(const Tensor& rows, int64_t d, int64_t ndim) {
  if (ndim == 0) return rows.reshape({});
  if (d == ndim - 1) return rows;
  return rows.movedim(-1, d).contiguous();
}

}  // namespace paragrad::detail
