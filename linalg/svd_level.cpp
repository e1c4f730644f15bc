// The SVD kernel of one CPU level (svd_kernel.hpp, svd_level.hpp): Eigen's Householder
// bidiagonalization, then the bidiagonal's SVD, by divide and conquer (svd_divide.hpp) when U
// and V are wanted from kDivideFrom columns on, else by implicit QR sweeps that rotate the
// columns of U and V as they go (svd_qr_sweeps.hpp). Compiled once per CPU level
// (docs/cpu-dispatch.md). Like every *_level.cpp it defines nothing outside its level's names,
// hence no standard-library templates here: a small Buffer instead of std::vector, the C math
// functions instead of <cmath>'s overloads.
#ifndef PARAGRAD_KERNEL_LEVEL
#error "svd_level.cpp is compiled once per CPU level with -DPARAGRAD_KERNEL_LEVEL=<level>"
#endif
#include <Eigen/SVD>  // Eigen::internal::upperbidiagonalization_inplace_*

#include <paragrad/engine/kernels/kept_scratch.hpp>
#include <paragrad/linalg/svd_divide.hpp>
#include <paragrad/linalg/svd_level.hpp>
#include <paragrad/linalg/svd_qr_sweeps.hpp>

namespace paragrad::kernels::PARAGRAD_KERNEL_LEVEL {
namespace {

// A = Q_U B Q_Vᵀ in place (m >= n): B's diagonal into d, its superdiagonal into e, the
// Householder vectors of Q_U below A's diagonal and those of Q_V right of its superdiagonal, with
// their coefficients on the diagonal and superdiagonal (Eigen's layout). Eigen's blocked
// reduction pays from about 112 columns on, in panels of 8 columns, not its default 32 (one
// thread, float64: 2.5 against 2.9 ms at 256×256, 377 against 492 µs at 128×128, where the
// unblocked one takes 445; float32 at 256×256: 1.42 against 1.74 ms). Below, the unblocked one
// is as fast or faster (about 50 µs of a 64×64 SVD's 430, and 150 µs of a 512×64 one's 1,650).
template <class T, class Mat>
void bidiagonalize(Mat& A, Buffer<T>& d, Buffer<T>& e) {
  const Index n = A.cols();
  if (n < 112) {  // (it writes the superdiagonal's n - 1 entries only)
    Buffer<T> work(static_cast<size_t>(A.rows()));
    Eigen::internal::upperbidiagonalization_inplace_unblocked(A, d.data(), e.data(), work.data());
    return;
  }
  Eigen::internal::BandMatrix<T, Eigen::Dynamic, Eigen::Dynamic, 1, 0, Eigen::RowMajor> band(n, n);
  Eigen::internal::upperbidiagonalization_inplace_blocked(A, band, /*maxBlockSize=*/8);
  for (Index i = 0; i < n; ++i) d[size_t(i)] = band.diagonal()(i);
  for (Index i = 0; i + 1 < n; ++i) e[size_t(i)] = band.template diagonal<1>()(i);
}

// Ub ← Q_U·Ub and Vb ← Q_V·Vb for Ub, Vb holding the identity (Ub m×n or m×m, Vb n×n), with Q_U
// and Q_V as bidiagonalize leaves them in H; n < kDivideFrom (larger ones divide and conquer).
// The reflectors go in from the last, one at a time: reflector k leaves the first k columns of
// the identity alone, so it is applied to the bottom-right corner only (a third of the work of
// applying it to all of Ub: LAPACK's ?orgbr).
template <class T, class Dest>
void form_q(const ColMat<T>& H, Dest& Ub, Dest& Vb) {
  const Index m = H.rows(), n = H.cols();
  Eigen::Matrix<T, Eigen::Dynamic, 1> work(Ub.cols());
  for (Index k = n - 1; k >= 0; --k)
    Ub.bottomRightCorner(m - k, Ub.cols() - k)
        .applyHouseholderOnTheLeft(H.col(k).tail(m - k - 1), H(k, k), work.data());
  for (Index k = n - 2; k >= 0; --k)
    Vb.bottomRightCorner(n - k - 1, n - k - 1)
        .applyHouseholderOnTheLeft(H.row(k).tail(n - k - 2).transpose(), H(k, k + 1), work.data());
}

// X ← H₀H₁···H_{c−1}·X for the reflectors Hⱼ = I − τⱼvⱼvⱼᵀ whose vⱼ is column j of `vecs`
// below row j, with a 1 at row j: in blocks of kReflectors from the last, each as I − V·T·Vᵀ
// with V dense (its zeros and ones written out) and T upper triangular (LAPACK's ?larft), so
// that the products are plain ones, where Eigen's HouseholderSequence takes triangular ones.
template <class T, class Vecs, class Dest>
void apply_reflectors(const Vecs& vecs, const T* tau, Dest&& X) {
  constexpr Index kReflectors = 32;
  const Index L = vecs.rows(), c = vecs.cols();
  ColMat<T> V, Tf, VtV, W;
  for (Index k1 = c; k1 > 0;) {
    const Index k0 = k1 > kReflectors ? k1 - kReflectors : 0, nb = k1 - k0, len = L - k0;
    V.resize(len, nb);
    for (Index j = 0; j < nb; ++j) {
      V.col(j).head(j).setZero();
      V(j, j) = 1;
      V.col(j).tail(len - j - 1) = vecs.col(k0 + j).tail(len - j - 1);
    }
    VtV.noalias() = V.transpose() * V;
    Tf.setZero(nb, nb);
    for (Index j = 0; j < nb; ++j) {  // T(0:j, j) = −τⱼ T(0:j, 0:j) Vᵀvⱼ
      Tf(j, j) = tau[k0 + j];
      if (j == 0) continue;
      Tf.col(j).head(j).noalias() =
          Tf.topLeftCorner(j, j).template triangularView<Eigen::Upper>() * VtV.col(j).head(j);
      Tf.col(j).head(j) *= -tau[k0 + j];
    }
    auto Xb = X.bottomRows(len);
    W.noalias() = V.transpose() * Xb;
    W = Tf * W;
    Xb.noalias() -= V * W;
    k1 = k0;
  }
}

// X ← Q_U·X and Y ← Q_V·Y, Q_U (m×m) and Q_V (n×n) as bidiagonalize leaves them in H.
template <class T, class H, class X, class Y>
void apply_q(const H& h, X& x, Y& y) {
  const Index n = h.cols();
  Eigen::Matrix<T, Eigen::Dynamic, 1> tau = h.diagonal();
  apply_reflectors(h, tau.data(), x);
  if (n < 2) return;
  const ColMat<T> ht = h.topRows(n).transpose();
  tau = h.template diagonal<1>();
  apply_reflectors(ht.bottomLeftCorner(n - 1, n - 1), tau.data(), y.bottomRows(n - 1));
}

// The divide and conquer's scratch, kept by the thread up to 8 MiB: a 256×256 float64 SVD took
// 1,270 page faults a call before its 4 MB of scratch was kept and its output written in place,
// 350 after.
template <class T>
using Scratch = KeptScratch<T, size_t(8) << 20>;

// The SVD of the row-major m×n matrix a by divide and conquer, U and Vh wanted (see SvdKernels),
// written straight into U and Vh. The tall one of A and Aᵀ, P (p×q), is factored: P = L S Rᵀ
// with L = Q_L·[L_B; 0] and R = Q_R·R_B, B = L_B S R_Bᵀ its bidiagonal. For a tall A, U = L and
// Vh = Rᵀ, whose row-major layout is R's column-major one; for a wide A (P = Aᵀ), U = R and
// Vh = Lᵀ.
template <class T>
bool svd_divide(const T* a, Index m, Index n, T* s, T* U, T* Vh, bool full) {
  const bool tall = m >= n;
  const Index p = tall ? m : n, q = tall ? n : m;
  const Index lcols = full ? p : q;
  Scratch<T> scratch(size_t(p * q + 2 * q * q) + DivideAndConquer<T>::work_size(q));
  Eigen::Map<ColMat<T>> P(scratch.data(), p, q), Lb(P.data() + p * q, q, q),
      Rb(Lb.data() + q * q, q, q);
  const Eigen::Map<const RowMat<T>> am(a, m, n);
  if (tall)
    P = am;
  else
    P = am.transpose();  // (a plain copy: a's row-major layout is Aᵀ's column-major one)
  const T scale = P.cwiseAbs().maxCoeff();
  Buffer<T> d(static_cast<size_t>(q)), e(static_cast<size_t>(q - 1));
  if (scale != T(0)) {
    P /= scale;  // max |entry| = 1, as for the QR sweeps
    bidiagonalize(P, d, e);
    DivideAndConquer<T> dc(d.data(), e.data(), q, Columns<T>{Lb.data(), q, q},
                           Columns<T>{Rb.data(), q, q}, Rb.data() + q * q);
    if (!dc.run()) return false;
  } else {  // the zero matrix: B = 0, L_B = R_B = I, P's reflectors all the identity
    Lb.setIdentity();
    Rb.setIdentity();
    P.setZero();
  }
  for (Index i = 0; i < q; ++i) s[i] = d[size_t(i)] * scale;
  auto fill = [&](auto&& L, auto&& R) {
    L.setZero();
    L.topLeftCorner(q, q) = Lb;
    if (lcols > q) L.bottomRightCorner(p - q, p - q).setIdentity();
    R = Rb;
    apply_q<T>(P, L, R);
  };
  if (tall)
    fill(Eigen::Map<RowMat<T>>(U, m, lcols), Eigen::Map<ColMat<T>>(Vh, n, n));
  else
    fill(Eigen::Map<ColMat<T>>(Vh, n, lcols), Eigen::Map<RowMat<T>>(U, m, m));
  return true;
}

// The SVD of a column-major m×n matrix with m >= n: A = U diag(s) Vᵀ with U m×(full ? m : n)
// and V n×n (both only when want_uv), returned as the top rows of U and V (whose leading
// dimensions are padded, see padded_ld). A is overwritten. False: the sweeps did not converge.
template <class T>
bool svd_tall(ColMat<T>& A, T* s, bool want_uv, bool full, ColMat<T>& U, ColMat<T>& V) {
  const Index m = A.rows(), n = A.cols();
  const T scale = A.cwiseAbs().maxCoeff();
  if (want_uv) {
    U.setIdentity(padded_ld<T>(m), full ? m : n);
    V.setIdentity(padded_ld<T>(n), n);
  }
  if (scale == T(0)) {
    for (Index i = 0; i < n; ++i) s[i] = T(0);
    return true;
  }
  A /= scale;  // max |entry| = 1: no overflow or harmful underflow in the sweeps
  Buffer<T> d(static_cast<size_t>(n)), e(static_cast<size_t>(n > 0 ? n - 1 : 0));
  bidiagonalize(A, d, e);
  Columns<T> u, v;
  if (want_uv) {
    auto Ub = U.topRows(m);
    auto Vb = V.topRows(n);
    form_q(A, Ub, Vb);
    u = Columns<T>{U.data(), m, U.rows()};
    v = Columns<T>{V.data(), n, V.rows()};
  }
  Bidiagonal<T> B(static_cast<Buffer<T>&&>(d), static_cast<Buffer<T>&&>(e), u, v);
  if (!B.diagonalize()) return false;
  for (Index i = 0; i < n; ++i) s[i] = B.values()[size_t(i)] * scale;
  return true;
}

// The SVD of the row-major m×n matrix a (see SvdKernels).
template <class T>
bool svd_rowmajor(const T* a, int64_t m, int64_t n, T* s, T* U, T* Vh, bool full) {
  const Index k = m < n ? m : n;
  const bool want_uv = U != nullptr;
  if (want_uv && k >= kDivideFrom) return svd_divide(a, m, n, s, U, Vh, full);
  const Eigen::Map<const RowMat<T>> am(a, m, n);
  ColMat<T> A, Ut, Vt;
  // A wide matrix is done through its transpose: Aᵀ = U' S V'ᵀ gives A = V' S U'ᵀ.
  if (m >= n)
    A = am;
  else
    A = am.transpose();
  if (!svd_tall(A, s, want_uv, full, Ut, Vt)) return false;
  if (!want_uv) return true;
  const Index ucols = full ? m : k, vrows = full ? n : k;
  Eigen::Map<RowMat<T>> u(U, m, ucols), vh(Vh, vrows, n);
  if (m >= n) {
    u = Ut.topRows(m);
    vh = Vt.topRows(n).transpose();
  } else {
    u = Vt.topRows(m);
    vh = Ut.topRows(n).transpose();
  }
  return true;
}

}  // namespace

const SvdKernels svd_kernels = {&svd_rowmajor<float>, &svd_rowmajor<double>};

}  // namespace paragrad::kernels::PARAGRAD_KERNEL_LEVEL
