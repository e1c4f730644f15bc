// The SVD kernel (see svd_kernel.hpp): LAPACK's ?gesdd when built with it, else the CPU level's
// kernel (svd_level.cpp: Eigen's Householder bidiagonalization, then the bidiagonal's SVD by
// divide and conquer or by implicit QR sweeps).
#include <paragrad/linalg/svd_kernel.hpp>

#include <type_traits>

#include <paragrad/linalg/lapack.hpp>
#include <paragrad/linalg/svd_level.hpp>
#include <paragrad_build/levels_built.hpp>

namespace paragrad::linalg::detail {

template <class T>
void svd_matrix(const MatMap<T>& a, T* s, T* U, T* Vh, bool full, const char* op) {
  const int64_t m = a.rows(), n = a.cols();
  const bool want_uv = U != nullptr;
  if (lapack_available()) {
    // The row-major m×n buffer is the column-major n×m matrix Aᵀ = U' S V'ᵀ, so A = V' S U'ᵀ:
    // LAPACK's column-major V'ᵀ is our row-major U, and its U' our row-major Vh.
    RowMat<T> work = a;  // ?gesdd overwrites its input
    lapack_gesdd<T>(work.data(), n, m, s, want_uv ? Vh : nullptr, want_uv ? U : nullptr, full);
    return;
  }
  const kernels::SvdKernels& k = kernels::select(PARAGRAD_LEVEL_TABLES(svd_kernels));
  bool converged;
  if constexpr (std::is_same<T, float>::value)
    converged = k.f32(a.data(), m, n, s, U, Vh, full);
  else
    converged = k.f64(a.data(), m, n, s, U, Vh, full);
  check<ValueError>(converged, op, ": the SVD did not converge for a matrix of shape ",
                    shape_str(Dims{m, n}));
}

template void svd_matrix<float>(const MatMap<float>&, float*, float*, float*, bool, const char*);
template void svd_matrix<double>(const MatMap<double>&, double*, double*, double*, bool,
                                 const char*);

}  // namespace paragrad::linalg::detail
