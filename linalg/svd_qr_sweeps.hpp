// The bidiagonal SVD's building blocks for one CPU level, included by linalg/svd_level.cpp only
// (compiled once per level, see there): Givens rotations, a queue that applies many QR sweeps'
// rotations together, and implicit QR sweeps on a bidiagonal (Golub and Kahan's, with Wilkinson's
// shift and a zero shift when the sweeps stall). Like the level file it uses no standard-library
// templates.
#pragma once
#ifndef PARAGRAD_KERNEL_LEVEL
#error "svd_qr_sweeps.hpp belongs to svd_level.cpp, compiled once per CPU level"
#endif
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <Eigen/Core>

namespace paragrad::kernels::PARAGRAD_KERNEL_LEVEL {
namespace {
using Eigen::Index;
template <class T>
using ColMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
template <class T>
using RowMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

template <class T>
struct Limits;
template <>
struct Limits<float> {
  static constexpr float min = FLT_MIN, eps = FLT_EPSILON;
};
template <>
struct Limits<double> {
  static constexpr double min = DBL_MIN, eps = DBL_EPSILON;
};

inline float sqrt_of(float x) { return sqrtf(x); }
inline double sqrt_of(double x) { return sqrt(x); }
inline float hypot_of(float x, float y) { return hypotf(x, y); }
inline double hypot_of(double x, double y) { return hypot(x, y); }
inline float copysign_of(float x, float y) { return copysignf(x, y); }
inline double copysign_of(double x, double y) { return copysign(x, y); }
inline float abs_of(float x) { return fabsf(x); }
inline double abs_of(double x) { return fabs(x); }
template <class T>
T max_of(T a, T b) {
  return a < b ? b : a;
}

template <class T>
void swap_entries(T* a, T* b, Index n) {
  for (Index i = 0; i < n; ++i) {
    const T t = a[i];
    a[i] = b[i];
    b[i] = t;
  }
}

// A growable array of a trivially copyable T (a std::vector without its out-of-line code).
template <class T>
class Buffer {
 public:
  Buffer() = default;
  explicit Buffer(size_t n) { resize_zero(n); }
  Buffer(Buffer&& o) noexcept : p_(o.p_), n_(o.n_), cap_(o.cap_) {
    o.p_ = nullptr, o.n_ = o.cap_ = 0;
  }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  Buffer& operator=(Buffer&&) = delete;
  ~Buffer() { free(p_); }

  size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  T* data() { return p_; }
  const T* data() const { return p_; }
  T& operator[](size_t i) { return p_[i]; }
  const T& operator[](size_t i) const { return p_[i]; }
  const T* begin() const { return p_; }
  const T* end() const { return p_ + n_; }
  void clear() { n_ = 0; }
  void push_back(const T& v) { append(&v, 1); }
  void append(const T* v, size_t count) {
    reserve(n_ + count);
    if (count) memcpy(p_ + n_, v, count * sizeof(T));
    n_ += count;
  }

 private:
  void resize_zero(size_t n) {
    reserve(n);
    if (n) memset(p_, 0, n * sizeof(T));
    n_ = n;
  }
  void reserve(size_t want) {
    if (want <= cap_) return;
    if (want > size_t(PTRDIFF_MAX) / sizeof(T)) Eigen::internal::throw_std_bad_alloc();
    const size_t cap = want < 2 * cap_ ? 2 * cap_ : want;
    void* q = realloc(p_, cap * sizeof(T));
    if (!q) Eigen::internal::throw_std_bad_alloc();
    p_ = static_cast<T*>(q);
    cap_ = cap;
  }
  T* p_ = nullptr;
  size_t n_ = 0, cap_ = 0;
};

template <class T>
struct Givens {
  T c, s, r;  // [c s] · [y z]ᵀ = r and [-s c] · [y z]ᵀ = 0
};

template <class T>
Givens<T> givens(T y, T z) {
  if (z == T(0)) return {T(1), T(0), y};
  // The matrix is scaled to max |entry| = 1, so y² + z² cannot overflow; hypot only
  // where it could underflow.
  constexpr T safe_min = Limits<T>::min / Limits<T>::eps;
  const T r2 = y * y + z * z;
  const T r = r2 > safe_min ? sqrt_of(r2) : hypot_of(y, z);
  return {y / r, z / r, r};
}

// x ← c·x + s·y, y ← c·y − s·x over n entries (two columns of U or V).
template <class T>
void rotate(T* __restrict__ x, T* __restrict__ y, Index n, T c, T s) {
  for (Index i = 0; i < n; ++i) {
    const T a = x[i], b = y[i];
    x[i] = c * a + s * b;
    y[i] = c * b - s * a;
  }
}

// The columns of a column-major matrix: `rows` entries each, `ld` apart (ld >= rows). A null
// `data` means no matrix (singular values only).
template <class T>
struct Columns {
  T* data = nullptr;
  Index rows = 0, ld = 0;
  T* col(Index j) const { return data + j * ld; }
  explicit operator bool() const { return data != nullptr; }
};

// d[0..n) sorted descending, with the columns of U and V (either may be absent) moved along.
template <class T>
void sort_descending(T* d, Index n, Columns<T> U, Columns<T> V) {
  for (Index i = 0; i < n; ++i) {
    Index best = i;
    for (Index j = i + 1; j < n; ++j)
      if (d[j] > d[best]) best = j;
    if (best == i) continue;
    const T di = d[i];
    d[i] = d[best];
    d[best] = di;
    if (U) swap_entries(U.col(i), U.col(best), U.rows);
    if (V) swap_entries(V.col(i), V.col(best), V.rows);
  }
}

// A leading dimension for `rows` rows that is not a multiple of 512 bytes: walking along a row
// of a column-major matrix with a power-of-two stride would map every column to the same few
// cache sets (at 256×256 doubles that made the rotations 3x slower).
template <class T>
Index padded_ld(Index rows) {
  constexpr Index line = 64 / sizeof(T);
  return (rows * Index(sizeof(T))) % 512 == 0 ? rows + line : rows;
}

// Rotations of adjacent column pairs of a column-major matrix M, queued over many QR sweeps
// and applied together, a block of rows at a time. Rows are independent under column
// rotations, so applying every queued sweep to one block of rows before moving to the next
// keeps the result and keeps the block in cache: M is read and written once per flush instead
// of once per sweep. Within a block the running column is carried in registers, so each
// rotation costs one load and one store per entry.
template <class T>
class RotationQueue {
 public:
  explicit RotationQueue(Columns<T> M) : M_(M) {}
  explicit operator bool() const { return bool(M_); }
  size_t size() const { return c_.size(); }

  // Queues one sweep: rotation k acts on columns first+k and first+k+1 (x ← c·x + s·y,
  // y ← c·y − s·x), k = 0..count-1, in that order.
  void push(Index first, Index count, const T* c, const T* s) {
    sweeps_.push_back(Sweep{first, count, c_.size()});
    c_.append(c, size_t(count));
    s_.append(s, size_t(count));
  }

  void flush() {
    if (sweeps_.empty()) return;
    Index r0 = 0;
    for (; r0 + kBlock <= M_.rows; r0 += kBlock)
      for (const Sweep& w : sweeps_) apply_block(w, r0);
    if (r0 < M_.rows)
      for (const Sweep& w : sweeps_)
        for (Index k = 0; k < w.count; ++k)
          rotate(M_.col(w.first + k) + r0, M_.col(w.first + k + 1) + r0, M_.rows - r0,
                 c_[w.at + size_t(k)], s_[w.at + size_t(k)]);
    sweeps_.clear();
    c_.clear();
    s_.clear();
  }

 private:
  // Four SIMD registers' worth of rows (32 doubles with AVX-512, 16 with AVX2): each carries an
  // independent dependency chain through the sweep's rotations, enough to hide the latency of
  // the multiply-adds (with two chains the loop waited on them).
  static constexpr Index kBlock = 4 * Eigen::internal::packet_traits<T>::size;
  using Block = Eigen::Array<T, kBlock, 1>;
  using BlockMap = Eigen::Map<Block, Eigen::Unaligned>;
  struct Sweep {
    Index first, count;
    size_t at;  // its first rotation in c_, s_
  };

  void apply_block(const Sweep& w, Index r0) {
    T* col = M_.col(w.first) + r0;
    const T* c = c_.data() + w.at;
    const T* s = s_.data() + w.at;
    Block carry = BlockMap(col);
    for (Index k = 0; k < w.count; ++k, col += M_.ld) {
      const Block y = BlockMap(col + M_.ld);
      BlockMap x(col);
      x = c[k] * carry + s[k] * y;
      carry = c[k] * y - s[k] * carry;
    }
    BlockMap last(col);
    last = carry;
  }

  Columns<T> M_;
  Buffer<Sweep> sweeps_;
  Buffer<T> c_, s_;
};

// B = diag(d) + superdiag(e), with the column-major matrices whose columns follow B's rows (U)
// and columns (V): the invariant is A = U B Vᵀ. U or V may be absent (values only).
template <class T>
class Bidiagonal {
 public:
  Bidiagonal(Buffer<T> d, Buffer<T> e, Columns<T> U, Columns<T> V)
      : d_(static_cast<Buffer<T>&&>(d)),
        e_(static_cast<Buffer<T>&&>(e)),
        uc_(e_.size()),
        us_(e_.size()),
        vc_(e_.size()),
        vs_(e_.size()),
        U_(U),
        V_(V),
        uq_(U),
        vq_(V) {}

  // Runs QR sweeps until B is diagonal; then makes it nonnegative and sorted descending.
  // Returns false if it did not converge (never seen in practice; the caller raises).
  bool diagonalize() {
    const Index n = Index(d_.size());
    const T eps = Limits<T>::eps;
    T anorm = 0;
    for (T v : d_) anorm = max_of(anorm, abs_of(v));
    for (T v : e_) anorm = max_of(anorm, abs_of(v));
    small_ = eps * anorm;  // entries this small are set to zero: a backward error of eps·‖B‖
    const int64_t max_work = 12 * int64_t(n) * int64_t(n) + 100;
    int64_t work = 0, steps_here = 0;
    Index hi = n - 1;
    while (hi > 0) {
      if (negligible(hi - 1)) {  // d[hi] has converged
        e_[size_t(hi - 1)] = 0;
        --hi;
        steps_here = 0;
        continue;
      }
      Index lo = hi - 1;  // the unreduced block lo..hi
      while (lo > 0 && !negligible(lo - 1)) --lo;
      if (lo > 0) e_[size_t(lo - 1)] = 0;
      if (split_at_zero(lo, hi)) continue;
      work += hi - lo;
      if (work > max_work) return false;
      // Wilkinson's shift; every 12th sweep without progress, a zero shift instead (slower
      // but convergent whatever the spectrum).
      qr_sweep(lo, hi, ++steps_here % 12 == 0 ? T(0) : shift(lo, hi));
    }
    finish();
    return true;
  }

  const Buffer<T>& values() const { return d_; }

 private:
  T& d(Index i) { return d_[size_t(i)]; }
  T& e(Index i) { return e_[size_t(i)]; }
  bool negligible(Index i) {  // e[i] against its neighbours on the diagonal
    const T x = abs_of(e(i));
    return x <= small_ || x <= Limits<T>::eps * (abs_of(d(i)) + abs_of(d(i + 1)));
  }
  void flush() {
    uq_.flush();
    vq_.flush();
  }
  // Immediate rotations (zero chasing) come after everything queued.
  void rotate_u(Index i, Index j, T c, T s) {
    if (U_) rotate(U_.col(i), U_.col(j), U_.rows, c, s);
  }
  void rotate_v(Index i, Index j, T c, T s) {
    if (V_) rotate(V_.col(i), V_.col(j), V_.rows, c, s);
  }

  // The eigenvalue of the trailing 2×2 block of BᵀB (rows lo..hi) nearer its last entry.
  T shift(Index lo, Index hi) {
    const T dm = d(hi - 1), dn = d(hi), em = e(hi - 1), el = hi - 1 > lo ? e(hi - 2) : T(0);
    const T t11 = dm * dm + el * el, t22 = dn * dn + em * em, t12 = dm * em;
    const T delta = (t11 - t22) / 2;
    const T denom = delta + copysign_of(hypot_of(delta, t12), delta);
    return denom == T(0) ? t22 : t22 - t12 * t12 / denom;
  }

  // One implicit QR sweep with shift mu on the block lo..hi: a right rotation starts a bulge
  // at the top, alternate left and right rotations chase it out at the bottom. The rotations
  // are queued for U and V (RotationQueue).
  void qr_sweep(Index lo, Index hi, T mu) {
    constexpr T safe_min = Limits<T>::min / Limits<T>::eps;
    T y = d(lo) * d(lo) - mu, z = d(lo) * e(lo);
    for (Index k = lo; k < hi; ++k) {
      // g, the right rotation (columns k, k+1), turns (y, z) into (r, 0); h, the left one (rows
      // k, k+1), turns the first column of B·gᵀ, (p, q)/r, into (·, 0). h depends only on the
      // direction of (p, q), so it comes from y and z without waiting for g's square root: the
      // two square roots overlap instead of following each other (a sweep is a chain of them;
      // this made the sweeps without U and V 1.5x faster).
      const T dk = d(k), ek = e(k), dk1 = d(k + 1);
      const T r2 = y * y + z * z;
      const T p = y * dk + z * ek, q = z * dk1;
      const T pq2 = p * p + q * q;
      Givens<T> g, h;
      if (r2 > safe_min && pq2 > safe_min) {
        const T r = sqrt_of(r2), R = sqrt_of(pq2);
        const T inv_r = T(1) / r, inv_R = T(1) / R;
        g = {y * inv_r, z * inv_r, r};
        h = {p * inv_R, q * inv_R, R * inv_r};
      } else {  // where the squares could underflow: one rotation after the other
        g = givens(y, z);
        h = givens(g.c * dk + g.s * ek, g.s * dk1);
      }
      const T ekg = g.c * ek - g.s * dk, dk1g = g.c * dk1;  // B(k, k+1), B(k+1, k+1) after g
      if (k > lo) e(k - 1) = g.r;
      d(k) = h.r;
      e(k) = h.c * ekg + h.s * dk1g;
      d(k + 1) = h.c * dk1g - h.s * ekg;
      const size_t r = size_t(k - lo);
      vc_[r] = g.c;
      vs_[r] = g.s;
      uc_[r] = h.c;
      us_[r] = h.s;
      if (k + 1 < hi) {
        y = e(k);
        z = h.s * e(k + 1);
        e(k + 1) *= h.c;
      }
    }
    if (uq_) uq_.push(lo, hi - lo, uc_.data(), us_.data());
    if (vq_) vq_.push(lo, hi - lo, vc_.data(), vs_.data());
    // Flush every few dozen sweeps' worth: the queues' memory stays O(n).
    if (uq_.size() + vq_.size() > 64 * d_.size()) flush();
  }

  // A zero on the diagonal of the block: rotate its row out to the right (or, for the last
  // entry, its column out upwards), which zeroes a superdiagonal entry and splits the block.
  bool split_at_zero(Index lo, Index hi) {
    for (Index i = lo; i <= hi; ++i) {
      if (abs_of(d(i)) > small_) continue;
      d(i) = 0;
      flush();
      if (i < hi) {
        T f = e(i);
        e(i) = 0;
        for (Index j = i + 1; j <= hi; ++j) {  // rows j and i
          const Givens<T> g = givens(d(j), f);
          d(j) = g.r;
          rotate_u(j, i, g.c, g.s);
          if (j < hi) {
            f = -g.s * e(j);
            e(j) *= g.c;
          }
        }
      } else {
        T f = e(hi - 1);
        e(hi - 1) = 0;
        for (Index j = hi - 1;; --j) {  // columns j and hi
          const Givens<T> g = givens(d(j), f);
          d(j) = g.r;
          rotate_v(j, hi, g.c, g.s);
          if (j == lo) break;
          f = -g.s * e(j - 1);
          e(j - 1) *= g.c;
        }
      }
      return true;
    }
    return false;
  }

  // Nonnegative values (a sign moves into V), sorted descending with U's and V's columns.
  void finish() {
    flush();
    const Index n = Index(d_.size());
    for (Index i = 0; i < n; ++i) {
      if (d(i) >= 0) continue;
      d(i) = -d(i);
      if (V_) Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, 1>>(V_.col(i), V_.rows) *= T(-1);
    }
    sort_descending(d_.data(), n, U_, V_);
  }

  Buffer<T> d_, e_;
  Buffer<T> uc_, us_, vc_, vs_;  // one sweep's rotations of U's and V's columns
  Columns<T> U_, V_;
  RotationQueue<T> uq_, vq_;  // sweeps not yet applied to U and V
  T small_ = 0;
};

}  // namespace
}  // namespace paragrad::kernels::PARAGRAD_KERNEL_LEVEL
