#pragma once
// Shared plumbing of the linalg layer (internal, namespace linalg::detail): argument checks
// that name the op and shapes, a loop that hands Eigen one matrix of a batch at a time, and a
// few small Tensor-op helpers the backward rules share.
//
// Kernels see a contiguous row-major copy of the input's data; `for_each_matrix` maps
// matrix b of a [..., rows, cols] tensor as an Eigen row-major matrix.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include <Eigen/Core>

#include <paragrad/engine/autograd/function.hpp>
#include <paragrad/engine/tensor.hpp>

namespace paragrad::linalg::detail {

template <class T>
using RowMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using ColMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
template <class T>
using MatMap = Eigen::Map<RowMat<T>>;
template <class T>
using VecMap = Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, 1>>;

// --- shapes
inline int64_t rows(const Tensor& A) { return A.sizes()[size_t(A.dim() - 2)]; }
inline int64_t cols(const Tensor& A) { return A.sizes()[size_t(A.dim() - 1)]; }
// The leading (batch) dims of a [..., m, n] tensor.
inline Dims batch_dims(const Tensor& A, int64_t core = 2) {
  return Dims(A.sizes().begin(), A.sizes().end() - core);
}
inline int64_t batch_count(const Dims& batch) {
  int64_t n = 1;
  for (int64_t s : batch) n *= s;
  return n;
}
// batch + {a} or batch + {a, b}
inline Dims with_tail(Dims batch, std::initializer_list<int64_t> tail) {
  for (int64_t t : tail) batch.push_back(t);
  return batch;
}

// A detached, contiguous copy (or view) of A's data, for kernels.
inline Tensor kernel_input(const Tensor& A) { return A.detach().contiguous(); }

// --- checks (every message starts with the op's name and names the shape)
inline void check_floating(const Tensor& A, const char* op) {
  check<ValueError>(A.defined(), op, ": got an undefined tensor");
  check<DtypeError>(A.is_floating_point(), op, ": expected a float32 or float64 tensor, got ",
                    dtype_name(A.dtype()), " of shape ", shape_str(A.sizes()));
}
inline void check_matrix(const Tensor& A, const char* op) {
  check_floating(A, op);
  check<ShapeError>(A.dim() >= 2, op, ": expected a matrix or a batch of matrices (at least 2 ",
                    "dimensions), got shape ", shape_str(A.sizes()));
}
inline void check_square(const Tensor& A, const char* op) {
  check_matrix(A, op);
  check<ShapeError>(rows(A) == cols(A), op, ": expected square matrices, got shape ",
                    shape_str(A.sizes()));
}
// NaN/Inf entering a decomposition would come out as garbage: scan first.
inline void check_finite(const Tensor& A, const char* op) {
  const Tensor X = kernel_input(A);
  const bool finite = dispatch_floating(X.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* p = X.data_ptr<T>();
    for (int64_t i = 0, n = X.numel(); i < n; ++i)
      if (!std::isfinite(p[i])) return false;
    return true;
  });
  check<ValueError>(finite, op, ": the input of shape ", shape_str(A.sizes()),
                    " contains NaN or Inf");
}

// Calls f(b, map) for every matrix b of the contiguous tensor X ([..., r, c]).
template <class T, class F>
void for_each_matrix(const Tensor& X, F&& f) {
  const int64_t r = rows(X), c = cols(X), count = batch_count(batch_dims(X));
  T* base = X.data_ptr<T>();
  for (int64_t b = 0; b < count; ++b) {
    MatMap<T> m(base + b * r * c, r, c);
    f(b, m);
  }
}

// The batch dims of A [..., r, c] and B [..., r', c'] broadcast together; a ShapeError naming
// the op and both shapes when they do not broadcast.
inline Dims broadcast_batch(const Tensor& A, const Tensor& B, const char* op,
                            const char* a_name = "A", const char* b_name = "B") {
  try {
    return broadcast_shapes(batch_dims(A), batch_dims(B));
  } catch (const ShapeError&) {
    throw ShapeError(cat(op, ": batch dimensions of ", a_name, " ", shape_str(A.sizes()), " and ",
                         b_name, " ", shape_str(B.sizes()), " cannot be broadcast"));
  }
}
// A and B of one floating dtype (B may be a vector or a matrix: checked by the caller).
inline void check_same_floating(const Tensor& A, const Tensor& B, const char* op,
                                const char* a_name = "A", const char* b_name = "B") {
  check_floating(A, op);
  check_floating(B, op);
  check<DtypeError>(A.dtype() == B.dtype(), op, ": expected ", a_name, " and ", b_name,
                    " of the same dtype, got ", dtype_name(A.dtype()), " and ",
                    dtype_name(B.dtype()));
}

// Machine epsilon of a tensor's dtype.
inline double eps_of(Dtype d) {
  return d == kFloat32 ? double(std::numeric_limits<float>::epsilon())
                       : std::numeric_limits<double>::epsilon();
}

// --- Tensor-op helpers for backward rules (differentiable)
// [..., n] -> [..., n, n] with v on the diagonal.
inline Tensor diag_matrix(const Tensor& v) { return v.unsqueeze(-1) * eye(v.size(-1), v.dtype()); }
// X − Xᵀ over the last two dims.
inline Tensor skew(const Tensor& X) { return X - X.mT(); }

// 1/d where keep is true, 0 elsewhere, without ever forming 1/0 (so no NaN reaches the
// gradient through `where`'s unused branch). keep must not require grad.
inline Tensor safe_reciprocal(const Tensor& d, const Tensor& keep) {
  return where(keep, 1.0 / where(keep, d, ones_like(d)), zeros_like(d));
}

}  // namespace paragrad::linalg::detail
