#pragma once
// Internal helpers shared by the constraint sources (not part of the public API).
#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>

#include <Eigen/Core>

#include <paragrad/engine/engine.hpp>
#include <paragrad/nn/module.hpp>

namespace paragrad::constraints::detail {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Leading (batch) dims of a [..., r, c] shape, and batch + tail.
Shape batch_of(const Shape& shape, int64_t core = 2);
Shape with_tail(Shape batch, std::initializer_list<int64_t> tail);
inline int64_t count(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

// ValueError naming the constraint unless shape is a matrix or batch of matrices; the square
// variant also needs square matrices and returns n.
void check_matrix_shape(const Shape& shape, const std::string& constraint);
int64_t square_size(const Shape& shape, const std::string& constraint);

// The largest entry of t (0 when t is empty).
inline double max_of(const Tensor& t) { return t.numel() == 0 ? 0.0 : t.max().item<double>(); }

// X as a float64, contiguous, detached tensor (for checks and Eigen kernels).
inline Tensor as_f64(const Tensor& X) { return X.detach().to(kFloat64).contiguous(); }

// Calls f(b, M) with matrix b of a float64 contiguous [..., r, c] tensor as an Eigen map.
template <class F>
void for_each_matrix(const Tensor& X64, F&& f) {
  const int64_t r = X64.size(-2), c = X64.size(-1);
  const int64_t batch = r * c == 0 ? 0 : X64.numel() / (r * c);
  const double* p = X64.data_ptr<double>();
  for (int64_t b = 0; b < batch; ++b) f(b, Eigen::Map<const RowMatrix>(p + b * r * c, r, c));
}

// The transposed copy when `transposed` (wide matrices are handled as their transposes).
inline Tensor tall(const Tensor& X, bool transposed) { return transposed ? X.mT() : X; }

// Writes `value` into buffer `name` of m: in place when shape and dtype match (so the tensor
// object, and anything holding it, stays), else by registering it anew.
void assign_buffer(nn::Module& m, const std::string& name, const Tensor& value);

// "[2, 3]" for a Shape.
inline std::string shape_text(const Shape& s) { return shape_str(Dims(s.begin(), s.end())); }

// "1.5e-07" style numbers for messages.
inline std::string num(double x) {
  std::ostringstream os;
  os.precision(3);
  os << x;
  return os.str();
}
// "" when residual <= tol, else "<what> = <residual> > <tol>".
inline std::string exceeds(const std::string& what, double residual, double tol) {
  if (residual <= tol) return "";
  return cat(what, " = ", num(residual), " > ", num(tol));
}

// max |X^T X - I| over a batch of tall matrices (float64).
double orthonormality_residual(const Tensor& Xtall64);
// max |X - X^T| / max(1, max |X|) (float64).
double symmetry_residual(const Tensor& X64);
// Standard normal tensor of `shape` scaled to Xavier-normal's std for [.., n, k] matrices.
Tensor xavier_normal(const Shape& shape, Dtype dtype);
// Q of a QR decomposition with Q's columns signed by diag(R) (Haar-distributed for Gaussian
// input), for tall matrices.
Tensor orthonormal_q(const Tensor& G);

}  // namespace paragrad::constraints::detail
