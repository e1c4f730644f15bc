#pragma once
// Optional LAPACK backend of the linalg layer (internal, namespace linalg::detail).
//
// By default paragrad's decompositions run on Eigen alone. Configuring with
// -DPARAGRAD_LAPACK=ON links the system LAPACK (CMake's FindLAPACK; on Debian liblapack-dev,
// whose liblapack.so.3 resolves at run time to OpenBLAS's LAPACK when libopenblas0 is installed)
// and compiles the kernels below with PARAGRAD_HAVE_LAPACK=1. Without it they are stubs that
// throw, and lapack_available() is false, so callers pick Eigen.
//
// The kernels work on one column-major matrix at a time (LAPACK's layout); batching, checks and
// autograd stay with the callers (svd.cpp).
#include <cstdint>

namespace paragrad::linalg::detail {

// True when the library was configured with -DPARAGRAD_LAPACK=ON.
bool lapack_available();

// SVD of one column-major m×n matrix `a` (leading dim m; overwritten) with LAPACK's ?gesdd
// (divide and conquer). Writes s[0..k) descending, k = min(m, n). When u and vt are non-null
// also U (column-major, m×ucols, leading dim m) and Vᵀ (column-major, vrows×n, leading dim
// vrows), where ucols = full ? m : k and vrows = full ? n : k; when they are null only s
// (jobz='N'). For k = 0, U and Vᵀ are set to identities (as linalg::svd returns them).
// Throws paragrad::Error naming "linalg.svd" and the shape [m, n] on non-convergence (info>0)
// or a bad argument (info<0), on dims beyond LAPACK's int range, or when only one of u, vt is
// given; without LAPACK compiled in, throws paragrad::NotImplementedError saying so.
template <class T>
void lapack_gesdd(T* a, int64_t m, int64_t n, T* s, T* u, T* vt, bool full);

extern template void lapack_gesdd<float>(float*, int64_t, int64_t, float*, float*, float*, bool);
extern template void lapack_gesdd<double>(double*, int64_t, int64_t, double*, double*, double*,
                                          bool);

}  // namespace paragrad::linalg::detail
