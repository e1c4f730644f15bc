#pragma once
// Manifold: a parametrization whose image is a set of constrained tensors (a manifold), as
// geotorch's manifolds (Lezcano-Casado 2019, "Trivializations for gradient-based optimization on
// manifolds"). Besides forward (the unconstrained original -> a point of the set) and
// right_inverse (a point of the set -> an original that maps to it), a Manifold can draw a
// random point (sample) and tell whether a tensor lies on it (in_manifold).
//
// Writing your own: override forward, right_inverse (call check_on_manifold first), sample, and
// either violation (what is wrong with X, or "" when X is on the set; in_manifold then comes for
// free) or in_manifold itself. See docs/constraints.md.
#include <cstdint>
#include <string>

#include <paragrad/engine/export.hpp>
#include <paragrad/parametrize/parametrization.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::constraints {

// How a skew-symmetric matrix A is mapped to SO(n): the matrix exponential exp(A), or the Cayley
// transform (I - A/2)^-1 (I + A/2) (cheaper: one solve, never leaves the rotations of angle < pi).
enum class Triv { Expm, Cayley };

class Manifold : public parametrize::Parametrization {
 public:
  // `constraint`: the user-facing name ("orthogonal", "sphere", ...) used in error messages;
  // shape and dtype: those of the constrained tensor. The default constructor leaves the shape
  // unknown (no shape check) and names the constraint after the class.
  Manifold();
  Manifold(std::string constraint, Shape shape, Dtype dtype);

  // A random point of the set, of the tensor's shape and dtype, drawn with the global generator
  // (manual_seed makes it reproducible).
  virtual Tensor sample() const;
  // Whether X (any dtype) has the tensor's shape and satisfies the constraint up to `eps`, a
  // tolerance on the constraint's natural residual, scaled for X's dtype and size by
  // tolerance().
  virtual bool in_manifold(const Tensor& X, double eps = 1e-5) const;
  // What is wrong with X (shape and dtype checked already), e.g. "max|X^T X - I| = 0.3 >
  // 1e-05"; "" when X is on the set up to `tol` (already scaled). The default raises
  // NotImplementedError.
  virtual std::string violation(const Tensor& X, double tol) const;

  std::string constraint() const;
  const Shape& tensor_shape() const { return shape_; }
  Dtype tensor_dtype() const { return dtype_; }

  // The tolerance in_manifold uses for eps and a tensor of X's dtype and size: eps for float64
  // matrices up to 64 rows, scaled by sqrt(rows / 64) for larger ones (rounding errors of
  // inner products grow like sqrt(n)) and by 64 for float32 (whose epsilon is 5e8 times
  // float64's: its own outputs carry errors around 1e-6..1e-5).
  static double tolerance(double eps, const Tensor& X);

 protected:
  // Throws ValueError naming the constraint unless X has the tensor's shape and lies on the set
  // (default eps); DtypeError when X is not floating. Called by right_inverse.
  void check_on_manifold(const Tensor& X) const;
  // ShapeError unless X has the tensor's shape.
  void check_shape(const Tensor& X, const char* what) const;
  // A detached copy of X in the tensor's dtype (set() accepts any floating dtype, as
  // Module::set does for plain parameters).
  Tensor in_dtype(const Tensor& X) const { return X.detach().to(dtype_).clone(); }

 private:
  std::string constraint_;
  Shape shape_;
  bool shape_known_ = false;
  Dtype dtype_;
};

}  // namespace paragrad::constraints

PARAGRAD_API_END
