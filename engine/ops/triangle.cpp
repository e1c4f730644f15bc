// triu / tril: keep the upper / lower triangle of the last two dims (from diagonal k).
// The gradient is the same mask applied to g.
#include <paragrad/engine/autograd/function.hpp>
#include <paragrad/engine/detail/elementwise.hpp>

namespace paragrad {

using autograd::grad_list;
using autograd::needs_grad;
using autograd::record;

namespace {
Tensor triangle(const Tensor& x, int64_t k, bool upper, const char* op) {
  check_defined(op, x);
  check<ShapeError>(x.dim() >= 2, op, ": expects a tensor with at least 2 dimensions, got shape ",
                    shape_str(x.sizes()));
  Tensor out = x.detach().clone();
  const int64_t rows = x.sizes()[size_t(x.dim() - 2)], cols = x.sizes()[size_t(x.dim() - 1)];
  const int64_t mats = rows * cols != 0 ? out.numel() / (rows * cols) : 0;
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* p = out.data_ptr<T>();
    for (int64_t b = 0; b < mats; ++b)
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < cols; ++j) {
          const bool keep = upper ? j - i >= k : j - i <= k;
          if (!keep) p[(b * rows + i) * cols + j] = T(0);
        }
  });
  if (needs_grad(x))
    // grad TriuBackward: triu(x, k) => g.triu(k)
    // grad TrilBackward: tril(x, k) => g.tril(k)
    record(upper ? "TriuBackward" : "TrilBackward", out, {x},
           [k, upper](const Tensor& g) { return upper ? g.triu(k) : g.tril(k); });
  return out;
}
}  // namespace

Tensor Tensor::triu(int64_t k) const { return triangle(*this, k, true, "triu"); }
Tensor Tensor::tril(int64_t k) const { return triangle(*this, k, false, "tril"); }

}  // namespace paragrad
