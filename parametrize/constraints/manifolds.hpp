#pragma once
// The Manifold classes behind paragrad::constraints' functions (geotorch's classes of the same
// names, plus Positive, Simplex, Oblique and Correlation). Each is built for one tensor shape and
// dtype; leading dims are batch dims, and wide matrices are handled as their transposes.
// The functions in constraints.hpp construct and register them; they are public for direct use
// (register_parametrization, sample, in_manifold) and to read their settings.
#include <cstdint>
#include <memory>
#include <string>

#include <paragrad/engine/export.hpp>
#include <paragrad/parametrize/constraints/manifold.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::constraints {

// Symmetric matrices, X = X^T: forward tril(X) + tril(X, -1)^T (or from the upper triangle).
class Symmetric : public Manifold {
 public:
  Symmetric(Shape shape, Dtype dtype, bool lower = true);
  Tensor forward(const Tensor& X) override;
  TensorList right_inverse(const Tensor& X) override;  // X itself
  Tensor sample() const override;
  std::string violation(const Tensor& X, double tol) const override;
  bool lower() const { return lower_; }
  std::string class_name() const override { return "Symmetric"; }

 private:
  bool lower_;
};

// Skew-symmetric matrices, X = -X^T: forward tril(X, -1) - tril(X, -1)^T.
class Skew : public Manifold {
 public:
  Skew(Shape shape, Dtype dtype, bool lower = true);
  Tensor forward(const Tensor& X) override;
  TensorList right_inverse(const Tensor& X) override;  // X itself
  Tensor sample() const override;
  std::string violation(const Tensor& X, double tol) const override;
  bool lower() const { return lower_; }
  std::string class_name() const override { return "Skew"; }

 private:
  bool lower_;
};

// Rows (last dim) of norm `radius`, through the exponential map at a base point (buffer
// "base", unit rows): forward(V) = radius (cos|W| base + sin|W| W/|W|), W = V projected on
// the tangent space at base. right_inverse(X) moves the base to X / radius and returns 0.
class Sphere : public Manifold {
 public:
  Sphere(Shape shape, Dtype dtype, double radius = 1.0);
  Tensor forward(const Tensor& V) override;
  TensorList right_inverse(const Tensor& X) override;
  Tensor sample() const override;
  std::string violation(const Tensor& X, double tol) const override;
  double radius() const { return radius_; }
  std::string class_name() const override { return "Sphere"; }

 private:
  double radius_;
};

// Rows of norm `radius` by projection: forward(X) = radius X / |X| (row-wise).
class SphereEmbedded : public Manifold {
 public:
  SphereEmbedded(Shape shape, Dtype dtype, double radius = 1.0);
  Tensor forward(const Tensor& X) override;
  TensorList right_inverse(const Tensor& X) override;  // X / radius
  Tensor sample() const override;
  std::string violation(const Tensor& X, double tol) const override;
  double radius() const { return radius_; }
  std::string class_name() const override { return "SphereEmbedded"; }

 private:
  double radius_;
};

// Matrices with unit-norm columns (the oblique manifold): forward(X) = X / |X| column-wise.
class Oblique : public Manifold {
 public:
  Oblique(Shape shape, Dtype dtype);
  Tensor forward(const Tensor& X) override;
  TensorList right_inverse(const Tensor& X) override;  // X itself
  Tensor sample() const override;
  std::string violation(const Tensor& X, double tol) const override;
  std::string class_name() const override { return "Oblique"; }
};

// Orthonormal columns (n x k, n >= k; wide matrices transposed): Stiefel(n, k) = O(n) for n = k.
// forward(X) = B triv(A) E: A = L~ - L~^T from the strictly lower triangle L of X (padded to
// n x n), E the first k columns of I, B an orthogonal base set by right_inverse (dynamic
// trivialization). Square: buffer "base" holds B and forward is base @ triv(A). Tall: B is kept
// as its first k columns (buffer "base", n x k) and the Householder reflectors of its QR
// decomposition in compact WY form (buffers "reflectors" n x k, "reflector_t" k x k, "signs"),
// and forward never forms an n x n matrix (maps::stiefel_tall): O(n k^2) time, O(n k) memory.
// The same chart as geotorch's Stiefel, without its n x n base.
class Stiefel : public Manifold {
 public:
  Stiefel(Shape shape, Dtype dtype, Triv triv = Triv::Expm, std::string constraint = "orthogonal");
  Tensor forward(const Tensor& X) override;
  TensorList right_inverse(const Tensor& X) override;  // the base becomes X; returns zeros
  Tensor sample() const override;                      // Haar-distributed
  // distribution: "uniform" (as sample()) or "torus" (square blocks exp([[0, b], [-b, 0]]),
  // b ~ U(-pi, pi), through triv: geotorch's initialization for recurrent kernels).
  Tensor sample(const std::string& distribution) const;
  std::string violation(const Tensor& X, double tol) const override;
  Triv triv() const { return triv_; }
  int64_t n() const { return n_; }
  int64_t k() const { return k_; }
  bool transposed() const { return transposed_; }
  // B itself (n x n, for each batch entry), formed explicitly: for tests and small sizes only.
  Tensor base_matrix() const;
  std::string class_name() const override { return "Stiefel"; }

 protected:
  // The strictly-lower part used by forward (Grassmannian: the rows below the first k only).
  virtual Tensor frame(const Tensor& Xtall) const;

  Triv triv_;
  int64_t n_, k_;
  bool transposed_;
};

// SO(n): square orthogonal matrices with det = +1.
class SpecialOrthogonal : public Stiefel {
 public:
  SpecialOrthogonal(Shape shape, Dtype dtype, Triv triv = Triv::Expm);
  using Stiefel::sample;
  Tensor sample() const override;
  std::string violation(const Tensor& X, double tol) const override;
  std::string class_name() const override { return "SO"; }
};

// The Grassmannian Gr(n, k) of k-dimensional subspaces of R^n, represented by orthonormal bases
// (n x k): as Stiefel, moving only in directions orthogonal to the current subspace (the
// lower-left (n - k) x k block of the skew matrix).
class Grassmannian : public Stiefel {
 public:
  Grassmannian(Shape shape, Dtype dtype, Triv triv = Triv::Expm);
  std::string class_name() const override { return "Grassmannian"; }

 protected:
  Tensor frame(const Tensor& Xtall) const override;
};

// Matrices of rank at most r: U diag(g(s)) V^T with U in Stiefel(n, r), V in Stiefel(k, r)
// (children "U", "V"), packed into one original of the tensor's shape as geotorch does: U from
// the strictly lower triangle of the first r columns, s from the diagonal, V from the strictly
// upper triangle. g is the identity here; FixedRank and its subclasses change it.
class LowRank : public Manifold {
 public:
  LowRank(Shape shape, Dtype dtype, int64_t rank, Triv triv = Triv::Expm,
          std::string constraint = "low_rank");
  Tensor forward(const Tensor& X) override;
  TensorList right_inverse(const Tensor& X) override;  // from the SVD
  Tensor sample() const override;
  std::string violation(const Tensor& X, double tol) const override;
  int64_t rank() const { return r_; }
  bool transposed() const { return transposed_; }
  std::string class_name() const override { return "LowRank"; }

 protected:
  // g: the singular values from the diagonal of the original, and its inverse.
  virtual Tensor singular_values(const Tensor& s) const { return s; }
  virtual Tensor singular_values_inverse(const Tensor& S) const { return S; }
  // What else is wrong with the singular values S (descending, float64) or det signs.
  virtual std::string singular_violation(const Tensor& X64, const Tensor& S, double tol) const;
  // Singular values for sample() from the top r of a Gaussian matrix's (descending).
  virtual Tensor sample_singular_values(const Tensor& S) const { return S; }

  int64_t n_, k_, r_;
  bool transposed_;
  std::shared_ptr<Stiefel> U_, V_;
};

// Matrices of rank exactly r: U diag(f(s)) V^T, f a positive map (maps::positive).
class FixedRank : public LowRank {
 public:
  FixedRank(Shape shape, Dtype dtype, int64_t rank, std::string f = "softplus",
            Triv triv = Triv::Expm, std::string constraint = "fixed_rank");
  const std::string& f() const { return f_; }
  std::string class_name() const override { return "FixedRank"; }

 protected:
  Tensor singular_values(const Tensor& s) const override;
  Tensor singular_values_inverse(const Tensor& S) const override;
  std::string singular_violation(const Tensor& X64, const Tensor& S, double tol) const override;
  Tensor sample_singular_values(const Tensor& S) const override;
  // "" unless f is bounded ("sigmoid") and sigma_1 exceeds its supremum.
  std::string bound_violation(const Tensor& S, double tol) const;

  std::string f_;
};

// GL+(n): square matrices with det > 0 (FixedRank of full rank; the bases' determinants keep
// the sign).
class Invertible : public FixedRank {
 public:
  Invertible(Shape shape, Dtype dtype, std::string f = "softplus", Triv triv = Triv::Expm,
             std::string constraint = "invertible");
  Tensor sample() const override;
  std::string class_name() const override { return "GLp"; }

 protected:
  std::string singular_violation(const Tensor& X64, const Tensor& S, double tol) const override;
};

// SL(n): det = 1. Singular values f(s) / geometric_mean(f(s)).
class SpecialLinear : public Invertible {
 public:
  SpecialLinear(Shape shape, Dtype dtype, std::string f = "softplus", Triv triv = Triv::Expm);
  std::string class_name() const override { return "SL"; }

 protected:
  Tensor singular_values(const Tensor& s) const override;
  Tensor singular_values_inverse(const Tensor& S) const override;  // any scale of S will do
  std::string singular_violation(const Tensor& X64, const Tensor& S, double tol) const override;
  Tensor sample_singular_values(const Tensor& S) const override;
};

// Singular values in [1 - lam, 1 + lam]: U diag(1 + lam f(s)) V^T, f a bounded map (sin, tanh,
// sigmoid), rank min(n, k).
class AlmostOrthogonal : public LowRank {
 public:
  AlmostOrthogonal(Shape shape, Dtype dtype, double lam, std::string f = "sin",
                   Triv triv = Triv::Expm);
  Tensor sample() const override;  // an orthogonal matrix
  double lam() const { return lam_; }
  const std::string& f() const { return f_; }
  std::string class_name() const override { return "AlmostOrthogonal"; }

 protected:
  Tensor singular_values(const Tensor& s) const override;
  Tensor singular_values_inverse(const Tensor& S) const override;
  std::string singular_violation(const Tensor& X64, const Tensor& S, double tol) const override;

  double lam_;
  std::string f_;
};

// Symmetric positive semidefinite matrices of rank <= r (or = r): Q diag(f(l)) Q^T with Q in
// Stiefel(n, r) (child "Q", from the strictly lower triangle of the first r columns) and l the
// diagonal's first r entries. f: "abs" (semidefinite) or a positive map (definite on the rank).
// positive_definite: r = n, f positive; positive_semidefinite: r = n, abs;
// positive_semidefinite_low_rank: abs; positive_semidefinite_fixed_rank: f positive.
class SymF : public Manifold {
 public:
  SymF(Shape shape, Dtype dtype, int64_t rank, std::string f, Triv triv, std::string constraint);
  Tensor forward(const Tensor& X) override;
  TensorList right_inverse(const Tensor& X) override;  // from eigh
  Tensor sample() const override;
  std::string violation(const Tensor& X, double tol) const override;
  int64_t rank() const { return r_; }
  const std::string& f() const { return f_; }
  std::string class_name() const override { return "SymF"; }

 private:
  int64_t n_, r_;
  std::string f_;
  std::shared_ptr<Stiefel> Q_;
};

// Correlation matrices (symmetric positive definite, unit diagonal): D^-1/2 P D^-1/2 with P
// positive definite (child "P": SymF, softplus) and D = diag(P).
class Correlation : public Manifold {
 public:
  Correlation(Shape shape, Dtype dtype, Triv triv = Triv::Expm);
  Tensor forward(const Tensor& X) override;
  TensorList right_inverse(const Tensor& X) override;
  Tensor sample() const override;
  std::string violation(const Tensor& X, double tol) const override;
  std::string class_name() const override { return "Correlation"; }

 private:
  std::shared_ptr<SymF> P_;
};

// Matrices whose eigenvalues all have real part <= -alpha: P (S - Q/2) - alpha I with P, Q
// positive definite (children "P", "Q") and S skew (child "S"), from three originals
// (original0 -> P, original1 -> Q, original2 -> S). right_inverse solves the Lyapunov equation
// (A + alpha I)^T P' + P' (A + alpha I) = -I by Bartels-Stewart on the complex Schur form
// (O(n^3)) and returns P = P'^-1, Q = I, S = skew(P' (A + alpha I)).
class Hurwitz : public Manifold {
 public:
  Hurwitz(Shape shape, Dtype dtype, double alpha = 1e-3, Triv triv = Triv::Expm);
  Tensor forward(const Tensor& X) override;  // ValueError: three originals are needed
  Tensor forward(const TensorList& Xs) override;
  TensorList right_inverse(const Tensor& A) override;
  Tensor sample() const override;
  std::string violation(const Tensor& X, double tol) const override;
  double alpha() const { return alpha_; }
  std::string class_name() const override { return "Hurwitz"; }

 private:
  double alpha_;
  std::shared_ptr<SymF> P_, Q_;
  std::shared_ptr<Skew> S_;
};

// Entrywise positive tensors: softplus(X).
class Positive : public Manifold {
 public:
  Positive(Shape shape, Dtype dtype);
  Tensor forward(const Tensor& X) override;
  TensorList right_inverse(const Tensor& X) override;  // inverse softplus
  Tensor sample() const override;
  std::string violation(const Tensor& X, double tol) const override;
  std::string class_name() const override { return "Positive"; }
};

// The probability simplex along `dim`: positive entries summing to 1, softmax(X, dim).
class Simplex : public Manifold {
 public:
  Simplex(Shape shape, Dtype dtype, int64_t dim = -1);
  Tensor forward(const Tensor& X) override;
  TensorList right_inverse(const Tensor& X) override;  // log X
  Tensor sample() const override;                      // uniform (Dirichlet(1))
  std::string violation(const Tensor& X, double tol) const override;
  int64_t dim() const { return dim_; }
  std::string class_name() const override { return "Simplex"; }

 private:
  int64_t dim_;  // normalized to 0..ndim-1
};

}  // namespace paragrad::constraints

PARAGRAD_API_END
