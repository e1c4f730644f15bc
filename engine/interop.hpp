#pragma once
// Zero-copy interop with memory the application owns, and with Eigen (docs/interop.md).
//   from_blob      a tensor over the caller's memory, no copy; the deleter, if any, runs exactly
//                  once when the last tensor using the memory goes away
//   as_eigen<T>    an Eigen::Map over a tensor's memory, no copy. Obtaining it from a non-const
//                  Tensor counts as an in-place write (the version counter is bumped then, since
//                  a Map has no hook for later writes): get it right where you write, and use the
//                  const overload to read
//   from_eigen     any dense Eigen expression, evaluated once into a new tensor of its scalar type
//   to_eigen<T>    a copy as Eigen::Matrix<T, -1, -1>, T the tensor's own scalar type
// Everything Eigen here is a template compiled in the caller's code: no Eigen type crosses the
// library's binary interface.
#include <cstdint>
#include <functional>
#include <type_traits>

#include <Eigen/Core>

#include <paragrad/engine/export.hpp>
#include <paragrad/engine/tensor.hpp>

PARAGRAD_API_BEGIN

namespace paragrad {

// A tensor that aliases `data` (no copy): shape `shape`, strides in elements (default:
// contiguous, row-major), offset 0, not requiring grad. Raises (and leaves ownership with the
// caller, deleter not called) for a null `data` with elements, a pointer not aligned for
// `dtype`, negative sizes or strides, strides of another length than the shape, or a shape
// whose extent overflows.
Tensor from_blob(void* data, Shape shape, Dtype dtype, std::function<void(void*)> deleter = {});
Tensor from_blob(void* data, Shape shape, Shape strides, Dtype dtype,
                 std::function<void(void*)> deleter = {});

// Row-major maps of a 2-d tensor (a 1-d tensor is a column). EigenMap: contiguous tensors;
// EigenStridedMap: any strides (outer = stride of dim 0, inner = stride of dim 1).
template <class T>
using EigenMap = Eigen::Map<Eigen::Matrix<T, -1, -1, Eigen::RowMajor>>;
template <class T>
using EigenConstMap = Eigen::Map<const Eigen::Matrix<T, -1, -1, Eigen::RowMajor>>;
template <class T>
using EigenStridedMap =
    Eigen::Map<Eigen::Matrix<T, -1, -1, Eigen::RowMajor>, Eigen::Unaligned, Eigen::Stride<-1, -1>>;
template <class T>
using EigenConstStridedMap = Eigen::Map<const Eigen::Matrix<T, -1, -1, Eigen::RowMajor>,
                                        Eigen::Unaligned, Eigen::Stride<-1, -1>>;

namespace detail {
template <class T>
struct has_dtype : std::false_type {};
template <>
struct has_dtype<float> : std::true_type {};
template <>
struct has_dtype<double> : std::true_type {};
template <>
struct has_dtype<int64_t> : std::true_type {};
template <>
struct has_dtype<bool> : std::true_type {};

// Where a 1-d or 2-d tensor's elements are, checked for `op`: defined, dtype `want`, no more
// than 2 dims, contiguous if `contiguous`. With `write`: the tensor may be written (as an
// in-place op: refused when it requires grad in grad mode, and when elements overlap) and its
// version counter is bumped.
struct MatrixWindow {
  void* data;
  int64_t rows, cols, row_stride, col_stride;
};
MatrixWindow matrix_window(const Tensor& t, Dtype want, const char* op, bool contiguous,
                           bool write);
// A new contiguous tensor for from_eigen: [rows] when `vector`, else [rows, cols].
Tensor eigen_result(int64_t rows, int64_t cols, bool vector, Dtype dtype);

template <class T>
constexpr void check_scalar() {
  static_assert(has_dtype<T>::value,
                "paragrad interop: the scalar type must be float, double, int64_t or bool "
                "(cast first, e.g. m.cast<int64_t>())");
}
}  // namespace detail

// No copy; writing through the map is an in-place write: obtaining it bumps the tensor's version
// counter, so a backward that saved the old values raises. Contiguous 1-d/2-d tensors of
// dtype T (DtypeError, ValueError otherwise); refused for a tensor that requires grad unless grad
// mode is off, as in-place ops.
template <class T>
EigenMap<T> as_eigen(Tensor& t) {
  detail::check_scalar<T>();
  const detail::MatrixWindow w =
      detail::matrix_window(t, dtype_of<T>::value, "as_eigen", true, true);
  return EigenMap<T>(static_cast<T*>(w.data), w.rows, w.cols);
}
// Read-only: no version bump.
template <class T>
EigenConstMap<T> as_eigen(const Tensor& t) {
  detail::check_scalar<T>();
  const detail::MatrixWindow w =
      detail::matrix_window(t, dtype_of<T>::value, "as_eigen", true, false);
  return EigenConstMap<T>(static_cast<const T*>(w.data), w.rows, w.cols);
}
// A temporary's memory may die with it: name the tensor first.
template <class T>
void as_eigen(Tensor&&) = delete;

// Any strides (a transposed or sliced view); otherwise as as_eigen.
template <class T>
EigenStridedMap<T> as_eigen_strided(Tensor& t) {
  detail::check_scalar<T>();
  const detail::MatrixWindow w =
      detail::matrix_window(t, dtype_of<T>::value, "as_eigen_strided", false, true);
  return EigenStridedMap<T>(static_cast<T*>(w.data), w.rows, w.cols,
                            Eigen::Stride<-1, -1>(w.row_stride, w.col_stride));
}
template <class T>
EigenConstStridedMap<T> as_eigen_strided(const Tensor& t) {
  detail::check_scalar<T>();
  const detail::MatrixWindow w =
      detail::matrix_window(t, dtype_of<T>::value, "as_eigen_strided", false, false);
  return EigenConstStridedMap<T>(static_cast<const T*>(w.data), w.rows, w.cols,
                                 Eigen::Stride<-1, -1>(w.row_stride, w.col_stride));
}
template <class T>
void as_eigen_strided(Tensor&&) = delete;

// A copy, the scalar type kept: float -> Float32, double -> Float64, int64_t -> Int64,
// bool -> Bool. Vectors (VectorXd, RowVectorXf, ...) give 1-d tensors, other expressions 2-d;
// an expression (a * b + c.transpose(), Constant, a block) is evaluated once, into the tensor.
template <class Derived>
Tensor from_eigen(const Eigen::DenseBase<Derived>& e) {
  using T = typename Derived::Scalar;
  detail::check_scalar<T>();
  Tensor t = detail::eigen_result(int64_t(e.rows()), int64_t(e.cols()),
                                  bool(Derived::IsVectorAtCompileTime), dtype_of<T>::value);
  EigenMap<T>(t.data_ptr<T>(), e.rows(), e.cols()) = e.derived();
  return t;
}

// A copy as a column-major Eigen::Matrix<T, -1, -1> (a 1-d tensor is a column); T must be the
// tensor's scalar type (float for Float32: no widening). Any strides.
template <class T>
Eigen::Matrix<T, -1, -1> to_eigen(const Tensor& t) {
  detail::check_scalar<T>();
  const detail::MatrixWindow w =
      detail::matrix_window(t, dtype_of<T>::value, "to_eigen", false, false);
  return EigenConstStridedMap<T>(static_cast<const T*>(w.data), w.rows, w.cols,
                                 Eigen::Stride<-1, -1>(w.row_stride, w.col_stride));
}

}  // namespace paragrad

PARAGRAD_API_END
