// Umbrella header of the linalg layer: differentiable decompositions and matrix functions,
// batched over leading dims, float32 and float64, with PyTorch's semantics (torch.linalg).
// Each function family lives in its own file with its backward rule right under the forward:
// svd.cpp, eigh.cpp, qr.cpp, solve.cpp, det.cpp, cholesky.cpp, matrix_exp.cpp, norms.cpp,
// rank.cpp, householder.cpp, lstsq.cpp, lu.cpp, triangular.cpp, cond.cpp, products.cpp,
// ex_variants.cpp. The kernels are Eigen's; configuring with -DPARAGRAD_LAPACK=ON adds
// an optional LAPACK backend (lapack.hpp: ?gesdd) for the svd kernel.
#pragma once
#include <string>
#include <tuple>

#include <paragrad/engine/export.hpp>
#include <paragrad/engine/tensor.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::linalg {

// A = U diag(S) Vh, S descending. full_matrices: U is m×m and Vh n×n (else m×k, k×n).
std::tuple<Tensor, Tensor, Tensor> svd(const Tensor& A, bool full_matrices = true);
Tensor svdvals(const Tensor& A);
// mode: "reduced" (Q m×k, R k×n), "complete" (Q m×m, R m×n), "r" (R only; Q is empty).
std::tuple<Tensor, Tensor> qr(const Tensor& A, const std::string& mode = "reduced");
// Symmetric eigendecomposition from the lower triangle: eigenvalues ascending, eigenvectors.
std::tuple<Tensor, Tensor> eigh(const Tensor& A);
Tensor eigvalsh(const Tensor& A);

// X with A X = B. B is [..., n, k], or a vector [..., n]; batch dims broadcast.
Tensor solve(const Tensor& A, const Tensor& B);
Tensor inv(const Tensor& A);
Tensor det(const Tensor& A);
std::tuple<Tensor, Tensor> slogdet(const Tensor& A);  // sign, log|det|
Tensor cholesky(const Tensor& A);  // lower L, A = L Lᵀ, reads the lower triangle
Tensor matrix_exp(const Tensor& A);

// ord: "fro", "nuc", "2", "-2", "1", "-1", "inf", "-inf" (also as doubles, below).
Tensor matrix_norm(const Tensor& A, const std::string& ord = "fro");
Tensor matrix_norm(const Tensor& A, double ord);
// Norm of all elements (x flattened). Any ord: 2, 1, inf, -inf, 0 (count of non-zeros), p.
Tensor vector_norm(const Tensor& x, double ord = 2);
// The same over dims (empty: all), optionally keeping them.
Tensor vector_norm(const Tensor& x, double ord, Shape dims, bool keepdim = false);
// Over one dim given as an integer, as every reduction: vector_norm(x, 2, 1).
template <class I, ::paragrad::detail::if_index<I> = 0>
Tensor vector_norm(const Tensor& x, double ord, I dim, bool keepdim = false) {
  return vector_norm(x, ord, Shape{int64_t(dim)}, keepdim);
}

// Number of singular values above max(m, n) · eps · σ_max (PyTorch's default). Int64.
Tensor matrix_rank(const Tensor& A);
// The same with an explicit absolute tolerance: count of σ > tol.
Tensor matrix_rank(const Tensor& A, double tol);
// Moore–Penrose inverse; singular values below max(m, n) · eps · σ_max count as zero.
Tensor pinv(const Tensor& A);
// Q = H_1 ⋯ H_k (first n columns), H_i = I − τ_i v_i v_iᵀ, v_i below the diagonal of A's column i.
Tensor householder_product(const Tensor& A, const Tensor& tau);

// --- more of torch.linalg (lstsq.cpp, lu.cpp, triangular.cpp, cond.cpp, products.cpp,
// ex_variants.cpp)
// The minimum-norm least-squares solution X of A X ≈ B (complete orthogonal decomposition,
// rank-revealing like LAPACK's gelsy). B is [..., m, k] or [..., m]; batch dims broadcast.
Tensor lstsq(const Tensor& A, const Tensor& B);
// Partial-pivot LU of [..., m, n] matrices: the packed factors (L below the diagonal, its unit
// diagonal implied; U on and above) and LAPACK's pivots, 1-based Int64: row i was swapped
// with row pivots[i] - 1. An exactly zero pivot raises (lu_factor_ex reports it in info).
std::tuple<Tensor, Tensor> lu_factor(const Tensor& A);
std::tuple<Tensor, Tensor, Tensor> lu_factor_ex(const Tensor& A);  // LU, pivots, info
// A = P L U: P [..., m, m] permutation, L [..., m, k] unit lower, U [..., k, n], k = min(m, n).
std::tuple<Tensor, Tensor, Tensor> lu(const Tensor& A);
// X with A X = B (left) or X A = B (!left) from lu_factor's output; adjoint solves with Aᵀ.
Tensor lu_solve(const Tensor& LU, const Tensor& pivots, const Tensor& B, bool left = true,
                bool adjoint = false);
// X with A X = B (left) or X A = B (!left), A upper or lower triangular (the other triangle
// is not read); unitriangular: A's diagonal is taken as ones. B is [..., n, k].
Tensor solve_triangular(const Tensor& A, const Tensor& B, bool upper, bool left = true,
                        bool unitriangular = false);
// Condition number: p = 2 (default, σ_max/σ_min), -2, "fro", "nuc", 1, -1, inf, -inf.
Tensor cond(const Tensor& A);
Tensor cond(const Tensor& A, double p);
Tensor cond(const Tensor& A, const std::string& p);
Tensor matrix_power(const Tensor& A, int64_t n);  // n < 0: powers of inv(A)
// A_1 A_2 ⋯ A_k in the cheapest order; the first and last may be vectors.
Tensor multi_dot(const TensorList& tensors);
Tensor vecdot(const Tensor& x, const Tensor& y, int64_t dim = -1);  // Σ x·y along dim
Tensor cross(const Tensor& a, const Tensor& b, int64_t dim = -1);
// cholesky and inv that report failure instead of raising: info is Int64 of A's batch shape,
// 0 on success, else k > 0 (cholesky: the leading minor of order k is not positive-definite;
// inv: U[k-1, k-1] of the LU is exactly zero). Where info > 0 the factor is unspecified.
std::tuple<Tensor, Tensor> cholesky_ex(const Tensor& A, bool check_errors = false);
std::tuple<Tensor, Tensor> inv_ex(const Tensor& A, bool check_errors = false);

}  // namespace paragrad::linalg

PARAGRAD_API_END
