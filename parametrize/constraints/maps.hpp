#pragma once
// The forward maps of the constraints as plain differentiable functions of tensors (batched over
// leading dims). The Manifold classes compose them with their bases; they are public so that
// they can be tested and reused on their own.
#include <string>
#include <utility>

#include <paragrad/engine/engine.hpp>
#include <paragrad/engine/export.hpp>
#include <paragrad/parametrize/constraints/manifold.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::constraints::maps {

// --- scalar maps onto (0, inf) and onto bounded intervals, by name, with their inverses.
// Positive: "softplus" (softplus(x) + 1e-6, geotorch's softplus_epsilon), "exp", "sigmoid"
// (sigmoid(x) + 1e-6: values in (0, 1)). Bounded onto [-1, 1]: "sin", "tanh", "sigmoid"
// (2 sigmoid(x) - 1 = tanh(x / 2)).
bool is_positive_map(const std::string& f);
bool is_bounded_map(const std::string& f);
Tensor positive(const std::string& f, const Tensor& x);
// The supremum of a positive map's values: infinity, or 1 + 1e-6 for "sigmoid" (whose
// constraints then hold values below it only).
double positive_supremum(const std::string& f);
// The inverse on the map's range; values at or below its infimum are clamped just above it.
Tensor positive_inverse(const std::string& f, const Tensor& y);
Tensor bounded(const std::string& f, const Tensor& x);
Tensor bounded_inverse(const std::string& f, const Tensor& y);  // y clamped to [-1, 1]
// log(exp(y) - 1), the inverse of softplus, stable for small and large y.
Tensor inverse_softplus(const Tensor& y);

// --- symmetric and skew matrices from one triangle
// lower: tril(X) + tril(X, -1)^T; else triu(X) + triu(X, 1)^T.
Tensor symmetric(const Tensor& X, bool lower = true);
// lower: tril(X, -1) - tril(X, -1)^T; else triu(X, 1) - triu(X, 1)^T.
Tensor skew(const Tensor& X, bool lower = true);

// --- SO(n) and Stiefel trivializations
// exp(A) or (I - A/2)^-1 (I + A/2) of a skew-symmetric A.
Tensor so(const Tensor& A, Triv triv);
// The first k columns of so(L~ - L~^T) for a tall L (n x k, n >= k), L~ = [L, 0] padded to n x n,
// computed without any n x n matrix: with U = [L, -E], V = [E, L] (E the first k columns of I),
// L~ - L~^T = U V^T, and f(U V^T) U = U f(V^T U) for f = exp and Cayley, so the result is
// E P22 - L P12 where P = f(M), M = V^T U = [[L_top, -I], [L^T L, -L_top^T]] (2k x 2k).
// Cost O(n k^2 + k^3).
Tensor stiefel_tall(const Tensor& L, Triv triv);
// The blocks (P12, P22) of P = f(M) above, for callers that apply a base: B f(A) E =
// (B E) P22 - (B L) P12.
std::pair<Tensor, Tensor> stiefel_tall_blocks(const Tensor& L, Triv triv);

// --- symmetric positive (semi)definite matrices: Q diag(d) Q^T
Tensor congruence(const Tensor& Q, const Tensor& d);

// --- sphere (rows, i.e. the last dim, of norm r)
// The exponential map at x (unit rows) of v projected on x's tangent space:
// r (cos|w| x + sin|w| w / |w|), w = v - <v, x> x; smooth (also in its gradient) at w = 0.
Tensor sphere_exp(const Tensor& x, const Tensor& v, double r);
// r x / |x| along `dim`.
Tensor normalize(const Tensor& x, int64_t dim, double r = 1.0);

// --- correlation matrices: D^-1/2 P D^-1/2, D = diag(P)
Tensor correlation(const Tensor& P);

// --- alpha-stable (Hurwitz) matrices: P (S - Q/2) - alpha I (P, Q positive definite, S skew)
Tensor hurwitz(const Tensor& P, const Tensor& Q, const Tensor& S, double alpha);

}  // namespace paragrad::constraints::maps

PARAGRAD_API_END
