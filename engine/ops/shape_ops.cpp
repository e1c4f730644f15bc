// Shape ops: flip, roll, repeat, tile (copies) and split, split_with_sizes, chunk, unbind
// (lists of views, through narrow and select, so their gradients come from those views).
#include <numeric>

#include <paragrad/engine/autograd/function.hpp>
#include <paragrad/engine/detail/loops.hpp>

namespace paragrad {

using autograd::grad_list;
using autograd::needs_grad;
using autograd::record;
using detail::wrap_dim;

namespace {
// dims wrapped and checked for repeats.
Shape wrap_unique(const Shape& dims, const Tensor& x, const char* op) {
  Shape out;
  std::vector<bool> seen(size_t(std::max<int64_t>(x.dim(), 1)), false);
  for (int64_t d : dims) {
    const int64_t w = wrap_dim(d, x.dim(), op, x.sizes());
    check<IndexError>(!seen[size_t(w)], op, ": dim ", w, " appears multiple times in the list of ",
                      "dims (shape ", shape_str(x.sizes()), ")");
    seen[size_t(w)] = true;
    out.push_back(w);
  }
  return out;
}
}  // namespace

// Reversal along dims: a copy read through a view with negated strides. Backward: flip g.
Tensor Tensor::flip(Shape dims) const {
  const Shape ds = wrap_unique(dims, *this, "flip");
  Tensor out = empty(sizes(), dtype());
  if (dim() > 0 && numel() > 0) {
    Dims st = strides();
    int64_t offset = impl()->offset;
    for (int64_t d : ds) {
      offset += (sizes()[size_t(d)] - 1) * st[size_t(d)];
      st[size_t(d)] = -st[size_t(d)];
    }
    const Tensor reversed(
        make_intrusive<TensorImpl>(impl()->storage, sizes(), std::move(st), offset, dtype()));
    detail::copy_into(out, reversed);
  } else {
    detail::copy_into(out, *this);
  }
  if (needs_grad(*this))
    // grad FlipBackward: flip(x, dims) => g.flip(dims)
    record("FlipBackward", out, {*this}, [ds](const Tensor& g) { return g.flip(ds); });
  return out;
}

// Rotation by shifts along dims (dims empty: of the flattened tensor, one shift). Backward:
// roll g back.
Tensor Tensor::roll(Shape shifts, Shape dims) const {
  if (dims.empty()) {
    check<ShapeError>(shifts.size() == 1, "roll: without dims, expected one shift, got ",
                      shifts.size(), " (shape ", shape_str(sizes()), ")");
    return flatten().roll(shifts, {0}).reshape(shape());
  }
  check<ShapeError>(shifts.size() == dims.size(), "roll: shifts and dims must align, got ",
                    shifts.size(), " shifts and ", dims.size(), " dims (shape ", shape_str(sizes()),
                    ")");
  // As PyTorch: a 0-d tensor rolls only without dims (as the flattened tensor, above).
  check<IndexError>(dim() > 0, "roll: dimension ", dims[0],
                    " specified but the tensor is 0-d (it has no dimensions)");
  Tensor out = detach();
  bool copied = false;
  Shape wrapped;
  for (size_t i = 0; i < dims.size(); ++i) {
    const int64_t d = wrap_dim(dims[i], dim(), "roll", sizes());
    wrapped.push_back(d);
    const int64_t n = sizes()[size_t(d)];
    if (n == 0) continue;
    const int64_t s = ((shifts[i] % n) + n) % n;
    if (s == 0) continue;
    out = cat({out.narrow(d, n - s, s), out.narrow(d, 0, n - s)}, d);
    copied = true;
  }
  if (!copied) out = out.clone();
  if (needs_grad(*this)) {
    Shape back;
    for (int64_t s : shifts) back.push_back(-s);
    // grad RollBackward: roll(x, shifts, dims) => g.roll(-shifts, dims)
    record("RollBackward", out, {*this},
           [back, wrapped](const Tensor& g) { return g.roll(back, wrapped); });
  }
  return out;
}

// Tiling, as torch.repeat: the tensor (padded with leading 1-dims to repeats.size()) is viewed
// as [1, s0, 1, s1, ...], expanded to [r0, s0, r1, s1, ...] and flattened pairwise, so the
// gradient (expand sums, reshape reshapes) comes from those ops.
Tensor Tensor::repeat(Shape repeats) const {
  check<ShapeError>(int64_t(repeats.size()) >= dim(), "repeat: ", repeats.size(),
                    " repeat dims for a tensor of shape ", shape_str(sizes()),
                    " (need at least one per dimension)");
  for (int64_t r : repeats)
    check<ShapeError>(r >= 0, "repeat: negative repeat ", r, " for a tensor of shape ",
                      shape_str(sizes()));
  const size_t n = repeats.size(), lead = n - size_t(dim());
  Shape interleaved, expanded, result;
  for (size_t i = 0; i < n; ++i) {
    const int64_t s = i < lead ? 1 : sizes()[i - lead];
    interleaved.insert(interleaved.end(), {1, s});
    expanded.insert(expanded.end(), {repeats[i], s});
    result.push_back(repeats[i] * s);
  }
  return reshape(interleaved).expand(expanded).reshape(result).contiguous();
}

// torch.tile: repeat, with reps padded with leading 1s to the tensor's dims.
Tensor Tensor::tile(Shape reps) const {
  while (int64_t(reps.size()) < dim()) reps.insert(reps.begin(), 1);
  return repeat(reps);
}

TensorList Tensor::split_with_sizes(Shape split_sizes, int64_t dim) const {
  check<IndexError>(this->dim() > 0, "split: cannot split a 0-d tensor");
  const int64_t d = wrap_dim(dim, this->dim(), "split", sizes());
  const int64_t n = sizes()[size_t(d)];
  int64_t total = 0;
  for (int64_t s : split_sizes) {
    check<ValueError>(s >= 0, "split_with_sizes: negative size ", s);
    total += s;
  }
  check<ValueError>(total == n, "split_with_sizes: sizes ",
                    shape_str(Dims(split_sizes.begin(), split_sizes.end())), " add up to ", total,
                    ", not to the size ", n, " of dimension ", d, " (shape ", shape_str(sizes()),
                    ")");
  TensorList parts;
  int64_t at = 0;
  for (int64_t s : split_sizes) {
    parts.push_back(narrow(d, at, s));
    at += s;
  }
  return parts;
}

// Pieces of `size` along dim, the last one smaller when size does not divide the dim.
TensorList Tensor::split(int64_t size, int64_t dim) const {
  check<IndexError>(this->dim() > 0, "split: cannot split a 0-d tensor");
  const int64_t d = wrap_dim(dim, this->dim(), "split", sizes());
  const int64_t n = sizes()[size_t(d)];
  check<ValueError>(size > 0 || (size == 0 && n == 0), "split: split size ", size,
                    " is invalid for dimension ", d, " of size ", n, " (shape ", shape_str(sizes()),
                    ")");
  if (n == 0) return {narrow(d, 0, 0)};
  Shape sizes_list;
  for (int64_t at = 0; at < n; at += size) sizes_list.push_back(std::min(size, n - at));
  return split_with_sizes(sizes_list, d);
}

// torch.chunk: pieces of ceil(n / chunks), so possibly fewer than `chunks` of them.
TensorList Tensor::chunk(int64_t chunks, int64_t dim) const {
  check<ValueError>(chunks > 0, "chunk: chunks must be greater than 0, got ", chunks, " (shape ",
                    shape_str(sizes()), ")");
  check<IndexError>(this->dim() > 0, "chunk: cannot chunk a 0-d tensor");
  const int64_t d = wrap_dim(dim, this->dim(), "chunk", sizes());
  const int64_t n = sizes()[size_t(d)];
  if (n == 0) return TensorList(size_t(chunks), narrow(d, 0, 0));
  return split((n + chunks - 1) / chunks, d);
}

TensorList Tensor::unbind(int64_t dim) const {
  check<IndexError>(this->dim() > 0, "unbind: cannot unbind a 0-d tensor");
  const int64_t d = wrap_dim(dim, this->dim(), "unbind", sizes());
  TensorList parts;
  for (int64_t i = 0; i < sizes()[size_t(d)]; ++i) parts.push_back(select(d, i));
  return parts;
}

}  // namespace paragrad
