// Umbrella header of the linalg layer: differentiable decompositions and matrix functions,
// batched over leading dims, float32 and float64, with PyTorch's semantics (torch.linalg).
// Each function family lives in its own file with its backward rule right under the forward:
// svd.cpp, eigh.cpp, qr.cpp, solve.cpp, det.cpp, cholesky.cpp, matrix_exp.cpp, norms.cpp,
// rank.cpp, householder.cpp. The kernels are Eigen's; configuring with -DPARAGRAD_LAPACK=ON adds
// an optional LAPACK backend (lapack.hpp: ?gesdd) for the svd kernel.
#pragma once
#include <string>
#include <tuple>

#include <paragrad/engine/tensor.hpp>

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

// Number of singular values above max(m, n) · eps · σ_max (PyTorch's default). Int64.
Tensor matrix_rank(const Tensor& A);
// The same with an explicit absolute tolerance: count of σ > tol.
Tensor matrix_rank(const Tensor& A, double tol);
// Moore–Penrose inverse; singular values below max(m, n) · eps · σ_max count as zero.
Tensor pinv(const Tensor& A);
// Q = H_1 ⋯ H_k (first n columns), H_i = I − τ_i v_i v_iᵀ, v_i below the diagonal of A's column i.
Tensor householder_product(const Tensor& A, const Tensor& tau);

}  // namespace paragrad::linalg
