// Products and diagonals: mm, bmm, dot (matmul with PyTorch's stricter shape and dtype rules),
// outer, cross, kron, diag and trace. All but diag of a vector are compositions of
// differentiable ops, so their gradients (of every order) come from those.
#include <paragrad/engine/autograd/function.hpp>
#include <paragrad/engine/detail/loops.hpp>

namespace paragrad {

using autograd::grad_list;
using autograd::needs_grad;
using autograd::record;

namespace {
void check_same_dtype(const Tensor& a, const Tensor& b, const char* op) {
  check<DtypeError>(a.dtype() == b.dtype(), op,
                    ": expected both arguments to have the same dtype, ", "got ",
                    dtype_name(a.dtype()), " and ", dtype_name(b.dtype()));
  check<DtypeError>(a.dtype() != kBool, op, ": not supported for bool tensors");
}
}  // namespace

Tensor mm(const Tensor& a, const Tensor& b) {
  check<ShapeError>(a.dim() == 2 && b.dim() == 2, "mm: expected 2-d tensors, got shapes ",
                    shape_str(a.sizes()), " and ", shape_str(b.sizes()));
  check<ShapeError>(a.sizes()[1] == b.sizes()[0], "mm: shapes ", shape_str(a.sizes()), " and ",
                    shape_str(b.sizes()), " cannot be multiplied");
  check_same_dtype(a, b, "mm");
  return matmul(a, b);
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  check<ShapeError>(a.dim() == 3 && b.dim() == 3, "bmm: expected 3-d tensors, got shapes ",
                    shape_str(a.sizes()), " and ", shape_str(b.sizes()));
  check<ShapeError>(a.sizes()[0] == b.sizes()[0] && a.sizes()[2] == b.sizes()[1], "bmm: shapes ",
                    shape_str(a.sizes()), " and ", shape_str(b.sizes()),
                    " cannot be multiplied (batch sizes must be equal)");
  check_same_dtype(a, b, "bmm");
  return matmul(a, b);
}

Tensor dot(const Tensor& a, const Tensor& b) {
  check<ShapeError>(a.dim() == 1 && b.dim() == 1 && a.numel() == b.numel(),
                    "dot: expected two 1-d tensors of the same size, got shapes ",
                    shape_str(a.sizes()), " and ", shape_str(b.sizes()));
  check_same_dtype(a, b, "dot");
  return matmul(a, b);
}

Tensor Tensor::mm(const Tensor& o) const { return paragrad::mm(*this, o); }
Tensor Tensor::bmm(const Tensor& o) const { return paragrad::bmm(*this, o); }
Tensor Tensor::dot(const Tensor& o) const { return paragrad::dot(*this, o); }
Tensor Tensor::outer(const Tensor& o) const { return paragrad::outer(*this, o); }
Tensor Tensor::cross(const Tensor& o, int64_t dim) const { return paragrad::cross(*this, o, dim); }
Tensor Tensor::kron(const Tensor& o) const { return paragrad::kron(*this, o); }

// a × b along dim (of size 3), broadcasting the other dims; a and b need equal ranks (as in
// PyTorch 1.13).
Tensor cross(const Tensor& a, const Tensor& b, int64_t dim) {
  check<ShapeError>(a.dim() == b.dim(), "cross: inputs must have the same number of dimensions, ",
                    "got shapes ", shape_str(a.sizes()), " and ", shape_str(b.sizes()));
  check<ShapeError>(a.dim() > 0, "cross: expected tensors with at least 1 dimension");
  const int64_t d = detail::wrap_dim(dim, a.dim(), "cross", a.sizes());
  check<ShapeError>(a.sizes()[size_t(d)] == 3 && b.sizes()[size_t(d)] == 3, "cross: dimension ",
                    dim, " must have size 3, got shapes ", shape_str(a.sizes()), " and ",
                    shape_str(b.sizes()));
  try {
    broadcast_shapes(a.sizes(), b.sizes());
  } catch (const ShapeError&) {
    throw ShapeError(cat("cross: shapes ", shape_str(a.sizes()), " and ", shape_str(b.sizes()),
                         " are not broadcastable"));
  }
  auto at = [d](const Tensor& t, int64_t i) { return t.select(d, i); };
  return stack(
      {at(a, 1) * at(b, 2) - at(a, 2) * at(b, 1), at(a, 2) * at(b, 0) - at(a, 0) * at(b, 2),
       at(a, 0) * at(b, 1) - at(a, 1) * at(b, 0)},
      d);
}

// The Kronecker product: a padded to b's rank (or b to a's), viewed as [a0, 1, a1, 1, ...]
// times [1, b0, 1, b1, ...], flattened pairwise to [a0 b0, a1 b1, ...].
Tensor kron(const Tensor& a, const Tensor& b) {
  const size_t n = size_t(std::max(a.dim(), b.dim()));
  Shape sa, sb, out;
  for (size_t i = 0; i < n; ++i) {
    const size_t la = n - size_t(a.dim()), lb = n - size_t(b.dim());
    const int64_t x = i < la ? 1 : a.sizes()[i - la], y = i < lb ? 1 : b.sizes()[i - lb];
    sa.insert(sa.end(), {x, 1});
    sb.insert(sb.end(), {1, y});
    out.push_back(x * y);
  }
  return (a.reshape(sa) * b.reshape(sb)).reshape(out);
}

// 1-d: a square matrix with v on diagonal k (backward: g's diagonal k). 2-d: a copy of
// diagonal k.
Tensor Tensor::diag(int64_t k) const {
  check<ShapeError>(dim() == 1 || dim() == 2, "diag: expected a 1-d or 2-d tensor, got shape ",
                    shape_str(sizes()));
  if (dim() == 2) return diagonal(k).clone();
  const int64_t n = numel() + (k < 0 ? -k : k);
  Tensor out = zeros({n, n}, dtype());
  detail::copy_into(out.diagonal(k), *this);
  if (needs_grad(*this))
    // grad DiagBackward: diag(v, k) => g.diagonal(k) (1-d v; a 2-d input is diagonal(k).clone())
    record("DiagBackward", out, {*this}, [k](const Tensor& g) { return g.diagonal(k); });
  return out;
}

Tensor Tensor::trace() const {
  check<ShapeError>(dim() == 2, "trace: expected a matrix, got shape ", shape_str(sizes()));
  return diagonal().sum();
}

}  // namespace paragrad
