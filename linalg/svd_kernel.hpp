#pragma once
// The SVD of one matrix: the numerical kernel behind linalg.svd and linalg.svdvals
// (internal, namespace linalg::detail). Autograd lives in svd.cpp; this file only computes.
//
// Default backend, Eigen only (svd_level.cpp, compiled once per CPU level): Householder
// bidiagonalization with Eigen (A = Q_U B Q_Vᵀ, B upper bidiagonal; unblocked up to 128
// columns, blocked beyond), Q_U and Q_V formed from the identity, then the SVD of B by
// implicit-shift QR sweeps (Golub & Kahan; Golub & Van Loan, Matrix Computations, 4th ed.,
// §8.6.2; LAPACK's ?bdsqr), with the plane rotations applied to the columns of Q_U and Q_V in
// batches of sweeps, a cache-sized block of rows at a time. It is 1.8-3.3x faster than Eigen's
// BDCSVD at 64×64-256×256 (BDCSVD's divide and conquer spends most of its time on the bidiagonal
// step); against LAPACK's ?gesdd (LibTorch, OpenBLAS) it takes 0.75x the time at 64×64 and 1.1x
// at 256×256, where applying ~60,000 rotations to each of U and V costs more than ?gesdd's
// divide and conquer (bench/: svd64, svd256; README). Accuracy is that of a backward-stable SVD:
// each singular value within a small multiple of eps·σ_max, U and V orthonormal to working
// precision.
//
// With -DPARAGRAD_LAPACK=ON at configure time, LAPACK's ?gesdd is used instead (lapack.hpp).
#include <paragrad/linalg/batch.hpp>

namespace paragrad::linalg::detail {

// The SVD of the m×n matrix a (row-major). Writes s[0..k) in descending order, k = min(m, n).
// With U and Vh non-null also writes U (row-major m×ucols) and Vh (row-major vrows×n), where
// ucols = full ? m : k and vrows = full ? n : k. a must be finite. `op` names errors.
template <class T>
void svd_matrix(const MatMap<T>& a, T* s, T* U, T* Vh, bool full, const char* op);

}  // namespace paragrad::linalg::detail
