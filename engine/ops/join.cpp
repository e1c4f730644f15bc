// cat and stack. The gradient of cat hands each input its slice of g.
#include <paragrad/engine/autograd/function.hpp>
#include <paragrad/engine/detail/checked_math.hpp>
#include <paragrad/engine/detail/loops.hpp>

namespace paragrad {

using autograd::any_requires_grad;
using autograd::record;

Tensor cat(const TensorList& ts, int64_t dim) {
  check<ValueError>(!ts.empty(), "cat: expected a non-empty list of tensors");
  for (size_t i = 0; i < ts.size(); ++i)
    if (!ts[i].defined()) throw_undefined("cat", int(i) + 1);
  const Tensor& first = ts[0];
  check<ShapeError>(first.dim() > 0,
                    "cat: zero-dimensional tensor (shape []) cannot be concatenated");
  const int64_t n = first.dim();
  check<IndexError>(dim >= -n && dim < n, "cat: dimension ", dim, " out of range for shape ",
                    shape_str(first.sizes()));
  const int64_t d = dim < 0 ? dim + n : dim;
  Dtype t = first.dtype();
  Dims out_shape = first.sizes();
  out_shape[size_t(d)] = 0;
  for (size_t i = 0; i < ts.size(); ++i) {
    const Tensor& x = ts[i];
    check<ShapeError>(x.dim() == n, "cat: tensor ", i, " has shape ", shape_str(x.sizes()),
                      ", expected ", n, " dimensions like ", shape_str(first.sizes()));
    for (int64_t j = 0; j < n; ++j)
      check<ShapeError>(j == d || x.sizes()[size_t(j)] == first.sizes()[size_t(j)],
                        "cat: sizes of tensors must match except in dimension ", d, "; got ",
                        shape_str(first.sizes()), " and ", shape_str(x.sizes()));
    check<ShapeError>(
        detail::add_ok(out_shape[size_t(d)], x.sizes()[size_t(d)], out_shape[size_t(d)]),
        "cat: the concatenated size overflows int64");
    t = promote(t, x.dtype());
  }
  Tensor out = detail::empty_for("cat", out_shape, t);
  int64_t at = 0;
  for (const Tensor& x : ts) {
    const int64_t len = x.sizes()[size_t(d)];
    detail::copy_into(slice(out, d, at, at + len), x);
    at += len;
  }
  if (any_requires_grad(ts)) {
    std::vector<int64_t> lens;
    for (const Tensor& x : ts) lens.push_back(x.sizes()[size_t(d)]);
    // grad CatBackward: cat(xs, dim) => the slices of g along dim, one per input
    record("CatBackward", out, ts, [lens, d](const Tensor& g) {
      TensorList gs;
      int64_t at = 0;
      for (int64_t len : lens) {
        gs.push_back(slice(g, d, at, at + len));
        at += len;
      }
      return gs;
    });
  }
  return out;
}

Tensor stack(const TensorList& ts, int64_t dim) {
  check<ValueError>(!ts.empty(), "stack: expected a non-empty list of tensors");
  for (size_t i = 0; i < ts.size(); ++i)
    if (!ts[i].defined()) throw_undefined("stack", int(i) + 1);
  const int64_t n = ts[0].dim() + 1;
  check<IndexError>(dim >= -n && dim < n, "stack: dimension ", dim, " out of range for shape ",
                    shape_str(ts[0].sizes()));
  TensorList parts;
  for (size_t i = 0; i < ts.size(); ++i) {
    check<ShapeError>(
        ts[i].sizes() == ts[0].sizes(), "stack: expects each tensor to be equal size, but got ",
        shape_str(ts[0].sizes()), " at entry 0 and ", shape_str(ts[i].sizes()), " at entry ", i);
    parts.push_back(ts[i].unsqueeze(dim));
  }
  return cat(parts, dim);
}

}  // namespace paragrad
