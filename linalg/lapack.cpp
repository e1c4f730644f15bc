// The optional LAPACK backend (see lapack.hpp): ?gesdd through the Fortran ABI, or stubs that
// throw when paragrad was configured without -DPARAGRAD_LAPACK=ON.
#include <paragrad/linalg/lapack.hpp>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include <paragrad/engine/error.hpp>

#if PARAGRAD_HAVE_LAPACK
// LAPACK's Fortran entry points, declared here so that no LAPACKE (C interface) is needed:
// every argument by pointer, INTEGER as int (LP64 LAPACK, as Debian's and OpenBLAS's), and the
// hidden length of the CHARACTER argument appended as gfortran (>= 8) passes it.
extern "C" {
void sgesdd_(const char* jobz, const int* m, const int* n, float* a, const int* lda, float* s,
             float* u, const int* ldu, float* vt, const int* ldvt, float* work, const int* lwork,
             int* iwork, int* info, std::size_t jobz_len);
void dgesdd_(const char* jobz, const int* m, const int* n, double* a, const int* lda, double* s,
             double* u, const int* ldu, double* vt, const int* ldvt, double* work, const int* lwork,
             int* iwork, int* info, std::size_t jobz_len);
}
#endif

namespace paragrad::linalg::detail {

namespace {

// Column-major rows×cols identity (rectangular: ones on the main diagonal).
template <class T>
void set_identity(T* x, int64_t rows, int64_t cols) {
  std::fill(x, x + rows * cols, T(0));
  for (int64_t i = 0; i < std::min(rows, cols); ++i) x[i + i * rows] = T(1);
}

#if PARAGRAD_HAVE_LAPACK
void gesdd(char jobz, int m, int n, float* a, int lda, float* s, float* u, int ldu, float* vt,
           int ldvt, float* work, int lwork, int* iwork, int* info) {
  sgesdd_(&jobz, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, &lwork, iwork, info, 1);
}
void gesdd(char jobz, int m, int n, double* a, int lda, double* s, double* u, int ldu, double* vt,
           int ldvt, double* work, int lwork, int* iwork, int* info) {
  dgesdd_(&jobz, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, &lwork, iwork, info, 1);
}
#endif

}  // namespace

#if PARAGRAD_HAVE_LAPACK

bool lapack_available() { return true; }

template <class T>
void lapack_gesdd(T* a, int64_t m, int64_t n, T* s, T* u, T* vt, bool full) {
  const char* op = "linalg.svd";
  const char* routine = sizeof(T) == sizeof(float) ? "LAPACK sgesdd" : "LAPACK dgesdd";
  check<ValueError>(m >= 0 && n >= 0, op, ": ", routine, " got the invalid shape [", m, ", ", n,
                    "]");
  check<ValueError>((u == nullptr) == (vt == nullptr), op, ": ", routine,
                    " needs both U and Vh or neither (shape [", m, ", ", n, "])");
  check<ValueError>(m <= INT_MAX && n <= INT_MAX, op, ": the input of shape [", m, ", ", n,
                    "] is too large for ", routine, " (dimensions are limited to ", INT_MAX, ")");
  const bool compute_uv = u != nullptr;
  const int64_t k = std::min(m, n), ucols = full ? m : k, vrows = full ? n : k;
  if (k == 0) {  // LAPACK returns at once; U and Vh are identities, as linalg::svd's
    if (compute_uv) {
      set_identity(u, m, ucols);
      set_identity(vt, vrows, n);
    }
    return;
  }

  // jobz: 'A' all columns of U and rows of Vᵀ, 'S' the first k, 'N' singular values only.
  const char jobz = compute_uv ? (full ? 'A' : 'S') : 'N';
  T dummy[1] = {T(0)};  // U and Vᵀ are not referenced with jobz = 'N'; ldu, ldvt must be >= 1
  T* up = compute_uv ? u : dummy;
  T* vtp = compute_uv ? vt : dummy;
  const int mi = int(m), ni = int(n);
  const int ldu = compute_uv ? mi : 1, ldvt = compute_uv ? int(vrows) : 1;
  std::vector<int> iwork(std::size_t(8 * k));
  int info = 0;

  // Workspace query (lwork = -1): the optimal size comes back in work[0], as a T. In float it
  // may be rounded down below the true integer, hence the relative margin before rounding up.
  T query = T(0);
  gesdd(jobz, mi, ni, a, mi, s, up, ldu, vtp, ldvt, &query, -1, iwork.data(), &info);
  check<Error>(info == 0, op, ": ", routine, " workspace query failed for the input of shape [", m,
               ", ", n, "] (info = ", info, ")");
  const double want =
      std::ceil(double(query) * (1.0 + 4.0 * double(std::numeric_limits<T>::epsilon())));
  check<ValueError>(want <= double(INT_MAX), op, ": the input of shape [", m, ", ", n, "] needs a ",
                    routine, " workspace beyond ", INT_MAX, " elements");
  const int lwork = std::max(1, int(want));
  std::vector<T> work(static_cast<std::size_t>(lwork));

  gesdd(jobz, mi, ni, a, mi, s, up, ldu, vtp, ldvt, work.data(), lwork, iwork.data(), &info);
  check<Error>(info >= 0, op, ": ", routine, " rejected argument ", -info,
               " for the input of shape [", m, ", ", n, "]");
  check<ValueError>(info == 0, op, ": ", routine, " did not converge for the input of shape [", m,
                    ", ", n, "] (info = ", info, ")");
}

#else  // Eigen only

bool lapack_available() { return false; }

template <class T>
void lapack_gesdd(T*, int64_t m, int64_t n, T*, T*, T*, bool) {
  throw NotImplementedError(cat("linalg.svd: the LAPACK backend is not available for the input of ",
                                "shape [", m, ", ", n,
                                "]: paragrad was configured without -DPARAGRAD_LAPACK=ON"));
}

#endif

template void lapack_gesdd<float>(float*, int64_t, int64_t, float*, float*, float*, bool);
template void lapack_gesdd<double>(double*, int64_t, int64_t, double*, double*, double*, bool);

}  // namespace paragrad::linalg::detail
