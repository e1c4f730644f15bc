// The bidiagonal SVD by divide and conquer, for one CPU level; included by linalg/svd_level.cpp
// only (compiled once per level, see there). The algorithm of LAPACK's ?bdsdc (Gu and Eisenstat,
// "A divide-and-conquer algorithm for the bidiagonal SVD", 1995; Li's "middle way" for the
// secular equation): cut B at a middle row, solve both halves, and join them through the SVD of
// a matrix that is diagonal but for its first row, whose singular values are the roots of a
// secular equation. The vectors are joined by matrix products, where QR sweeps rotate columns
// pair by pair: at 256×256 applying the sweeps' rotations took 4.7 of an SVD's 11.5 ms.
#pragma once
#ifndef PARAGRAD_KERNEL_LEVEL
#error "svd_divide.hpp belongs to svd_level.cpp, compiled once per CPU level"
#endif
#include <paragrad/linalg/svd_qr_sweeps.hpp>

namespace paragrad::kernels::PARAGRAD_KERNEL_LEVEL {
namespace {

// Subproblems of at most this many rows are solved by QR sweeps (LAPACK's default is 25).
constexpr Index kLeafRows = 24;
// The SVD divides and conquers from this many columns (and rows) on; below, QR sweeps are as fast
// or faster (docs/ops.md has the timings: float64 64×64, 281–307 µs by QR sweeps against 269–279;
// 40×40 the same either way). It was 80, from timings taken before the divide and conquer kept
// its scratch and applied the reflectors in blocks.
constexpr Index kDivideFrom = 48;

// The singular values of the n×n arrow matrix M = e₀zᵀ + diag(d), with d ascending, d[0] = 0,
// the gaps between the d's and every |z| above the deflation tolerance: σ² are the roots of
// f(λ) = 1 + Σⱼ zⱼ² / (dⱼ² − λ), one in each (dᵢ², dᵢ₊₁²) and the last in (d²ₙ₋₁, d²ₙ₋₁ + ‖z‖²).
// Root i is kept as its nearer pole d[origin[i]] and σᵢ − d[origin[i]] = tau[i], so that the
// differences dⱼ − σᵢ the vectors need are exact to a few ulps (LAPACK's ?lasd4).
template <class T>
class SecularRoots {
 public:
  // t: scratch for n entries.
  SecularRoots(const T* d, const T* z, Index n, T* t) : d_(d), z_(z), t_(t), n_(n) {}

  // dⱼ² − σᵢ² for the root i found last.
  T gap(Index j) const { return ((d_[j] - d_[o_]) - tau_) * ((d_[j] + d_[o_]) + tau_); }
  Index origin() const { return o_; }
  T tau() const { return tau_; }

  // Finds root i; false if it did not converge (after 16 steps the bracket is halved at least
  // every other step, so this means NaN input).
  bool find(Index i) {
    const T eps = Limits<T>::eps;
    T eta, lo, hi;
    if (i + 1 < n_) {
      const T width = (d_[i + 1] - d_[i]) * (d_[i + 1] + d_[i]);  // dᵢ₊₁² − dᵢ²
      o_ = i, eta = width / 2;
      set_eta(eta);
      evaluate(i);
      if (f_ > 0) {  // the root is in the lower half: measure it from dᵢ
        lo = 0, hi = eta;
      } else {  // the upper half: from dᵢ₊₁ (the same point, seen from there)
        o_ = i + 1, eta = -width / 2;
        set_eta(eta);
        lo = eta, hi = 0;
      }
    } else {
      T rho = 0;
      for (Index j = 0; j < n_; ++j) rho += z_[j] * z_[j];
      o_ = i, lo = 0, hi = rho, eta = rho / 2;  // f(d²ₙ₋₁ + ‖z‖²) >= 0
      set_eta(eta);
      evaluate(i);
    }
    for (int iter = 0; iter < 200; ++iter) {
      if (abs_of(f_) <= err_) return true;
      if (f_ < 0)
        lo = eta;
      else
        hi = eta;
      const T next = step(i, eta);
      const bool inside = next > lo && next < hi;  // (false for NaN)
      // Halve the bracket when the model leaves it (and after many steps, every other step).
      const T eta_new = inside && (iter < 16 || iter % 2 == 0) ? next : (lo + hi) / 2;
      if (abs_of(eta_new - eta) <= 2 * eps * abs_of(eta_new) ||
          !(hi - lo > 2 * eps * max_of(abs_of(lo), abs_of(hi)))) {
        set_eta(eta_new);
        return true;
      }
      eta = eta_new;
      set_eta(eta);
      evaluate(i);
    }
    return false;
  }

 private:
  // σ² = d[o]² + η, so σ − d[o] = η / (d[o] + σ) without cancellation.
  void set_eta(T eta) { tau_ = eta / (d_[o_] + sqrt_of(d_[o_] * d_[o_] + eta)); }

  // f and, split at pole i (ψ: poles at or below dᵢ, φ: above), ψ, ψ', φ, φ'; err_ bounds the
  // rounding error of f (LAPACK's).
  void evaluate(Index i) {
    using Array = Eigen::Array<T, Eigen::Dynamic, 1>;
    const Eigen::Map<const Array> d(d_, n_), z(z_, n_);
    Eigen::Map<Array> t(t_, n_);
    const T dO = d_[o_];
    t = z / (((d - dO) - tau_) * ((d + dO) + tau_));  // zⱼ / (dⱼ² − σ²)
    const Index below = i + 1;
    const T psi = (z.head(below) * t.head(below)).sum(), dpsi = t.head(below).square().sum();
    const T phi = (z.tail(n_ - below) * t.tail(n_ - below)).sum();
    const T dphi = t.tail(n_ - below).square().sum();
    psi_ = psi, dpsi_ = dpsi, phi_ = phi, dphi_ = dphi;
    f_ = 1 + psi + phi;
    const T eta = tau_ * (2 * d_[o_] + tau_);
    err_ = Limits<T>::eps * (8 * (phi - psi + 1) + 3 * abs_of(f_) + abs_of(eta) * (dpsi + dphi));
  }

  // The next η from Li's middle way: ψ modelled as a + b/(dᵢ² − λ) and φ as c + e/(dᵢ₊₁² − λ),
  // each matching its value and slope at the current point, and the model's root in the
  // bracket. The last root has no pole above it: there f is modelled as c + b/(dᵢ² − λ).
  T step(Index i, T eta) const {
    const T a_lo = gap(i);  // dᵢ² − λ < 0
    if (i + 1 == n_) {
      const T c = f_ - a_lo * dpsi_;
      return eta + a_lo + a_lo * a_lo * dpsi_ / c;  // c + s/(a_lo − h) = 0
    }
    const T a_hi = gap(i + 1);  // dᵢ₊₁² − λ > 0
    const T c = f_ - a_lo * dpsi_ - a_hi * dphi_;
    const T b = c * (a_lo + a_hi) + a_lo * a_lo * dpsi_ + a_hi * a_hi * dphi_;
    const T c0 = a_lo * a_hi * f_;
    // c·h² − b·h + c0 = 0 for the step h; its smaller root (the one between the poles).
    const T disc = b * b - 4 * c * c0;
    if (!(disc >= 0)) return T(NAN);
    const T q = b + copysign_of(sqrt_of(disc), b);
    return eta + 2 * c0 / q;
  }

  const T* d_;
  const T* z_;
  T* t_;
  Index n_;
  Index o_ = 0;
  T tau_ = 0, f_ = 0, err_ = 0, psi_ = 0, dpsi_ = 0, phi_ = 0, dphi_ = 0;
};

// The column-major block of `rows`×`cols` at `p`, `ld` apart.
template <class T>
using ColBlock = Eigen::Map<ColMat<T>, Eigen::Unaligned, Eigen::OuterStride<>>;

// B = U diag(σ) Vᵀ for the n×n upper bidiagonal B = diag(d) + superdiag(e), max |entry| about
// 1: σ into d (descending), U and V (n×n, column-major, `ld` apart) overwritten.
template <class T>
class DivideAndConquer {
 public:
  // work: work_size(n) entries.
  DivideAndConquer(T* d, T* e, Index n, Columns<T> U, Columns<T> V, T* work)
      : d_(d), e_(e), n_(n), U_(U), V_(V), work_(work) {}
  static size_t work_size(Index n) { return static_cast<size_t>(5 * n * n + 5 * n); }

  bool run() {
    for (Index j = 0; j < n_; ++j) {
      memset(U_.col(j), 0, size_t(n_) * sizeof(T));
      memset(V_.col(j), 0, size_t(n_) * sizeof(T));
    }
    if (!solve(0, n_, 0)) return false;
    sort_descending(d_, n_, U_, V_);
    return true;
  }

 private:
  // The subproblem of rows lo..lo+n-1 and columns lo..lo+n-1+sqre (sqre = 1: one column more
  // than rows, its last superdiagonal entry e[lo+n-1]): its singular values into d[lo..lo+n),
  // U's block (n×n at (lo, lo)) and V's ((n+sqre)², its last column the null vector).
  bool solve(Index lo, Index n, int sqre) {
    if (n <= kLeafRows) return leaf(lo, n, sqre);
    const Index nl = n / 2, nr = n - nl - 1;
    // (Read the joining row before the halves overwrite their d and e.)
    const T alpha = d_[lo + nl], beta = e_[lo + nl];
    if (!solve(lo, nl, 1) || !solve(lo + nl + 1, nr, sqre)) return false;
    return merge(lo, nl, nr, sqre, alpha, beta);
  }

  bool leaf(Index lo, Index n, int sqre) {
    for (Index j = 0; j < n; ++j) U_.col(lo + j)[lo + j] = 1;
    for (Index j = 0; j < n + sqre; ++j) V_.col(lo + j)[lo + j] = 1;
    Buffer<T> d(static_cast<size_t>(n)), e(static_cast<size_t>(n - 1));
    for (Index j = 0; j < n; ++j) d[size_t(j)] = d_[lo + j];
    for (Index j = 0; j + 1 < n; ++j) e[size_t(j)] = e_[lo + j];
    if (sqre) {  // chase the last column's entry up and out with rotations of columns j, n
      T f = e_[lo + n - 1];
      for (Index j = n - 1; j >= 0 && f != T(0); --j) {
        const Givens<T> g = givens(d[size_t(j)], f);
        d[size_t(j)] = g.r;
        rotate(V_.col(lo + j) + lo, V_.col(lo + n) + lo, n + 1, g.c, g.s);
        if (j > 0) {
          f = -g.s * e[size_t(j - 1)];
          e[size_t(j - 1)] *= g.c;
        }
      }
    }
    Bidiagonal<T> B(static_cast<Buffer<T>&&>(d), static_cast<Buffer<T>&&>(e),
                    Columns<T>{U_.col(lo) + lo, n, U_.ld},
                    Columns<T>{V_.col(lo) + lo, n + sqre, V_.ld});
    if (!B.diagonalize()) return false;
    for (Index j = 0; j < n; ++j) d_[lo + j] = B.values()[size_t(j)];
    return true;
  }

  // Joins the solved halves: rows lo..lo+nl-1 (nl × nl+1), the row lo+nl = (…, alpha, beta, …),
  // rows lo+nl+1.. (nr × nr+sqre). In the halves' singular vectors B is the arrow matrix of
  // SecularRoots (the joining row first, the free column first), which is deflated, solved,
  // and multiplied back into U and V.
  bool merge(Index lo, Index nl, Index nr, int sqre, T alpha, T beta) {
    const Index n = nl + 1 + nr, m = n + sqre, k = lo + nl;
    const T eps = Limits<T>::eps;
    // Arrow index a is the column lo + col(a) of U and V: 0 the joining row's, 1..nl the upper
    // half's, nl+1..n-1 the lower half's.
    auto col = [nl](Index a) { return a == 0 ? nl : a <= nl ? a - 1 : a; };
    Buffer<T> z(static_cast<size_t>(n)), dh(static_cast<size_t>(n));
    // The free columns (the upper half's null vector, and the lower half's if sqre) meet the
    // joining row only: rotated into one, the other is the null vector of the whole.
    T z0 = alpha * V_.col(k)[k];
    if (sqre) {
      const T z2 = beta * V_.col(lo + n)[k + 1];
      const T r = hypot_of(z0, z2);
      if (r != T(0)) rotate(V_.col(k) + lo, V_.col(lo + n) + lo, m, z0 / r, z2 / r);
      z0 = r;
    }
    z[0] = z0, dh[0] = 0;
    U_.col(k)[k] = 1;  // the joining row's column of U
    for (Index a = 1; a < n; ++a) {
      const Index c = col(a);
      z[size_t(a)] = c < nl ? alpha * V_.col(lo + c)[k] : beta * V_.col(lo + c)[k + 1];
      dh[size_t(a)] = d_[lo + c];
    }
    T big = max_of(abs_of(alpha), abs_of(beta));
    for (Index a = 1; a < n; ++a) big = max_of(big, dh[size_t(a)]);
    const T tol = 8 * eps * big;

    // Indices 1..n-1 by ascending d (insertion sort: the halves arrive in runs).
    Buffer<Index> order(static_cast<size_t>(n));
    for (Index a = 0; a < n; ++a) order[size_t(a)] = a;
    for (Index s = 2; s < n; ++s) {
      const Index a = order[size_t(s)];
      Index t = s;
      for (; t > 1 && dh[size_t(order[size_t(t - 1)])] > dh[size_t(a)]; --t)
        order[size_t(t)] = order[size_t(t - 1)];
      order[size_t(t)] = a;
    }
    // Deflation: a tiny z leaves its d a singular value; two d's within tol are rotated so that
    // one z is zero. Both perturb B by at most tol.
    if (abs_of(z[0]) <= tol) z[0] = tol;
    Buffer<Index> kept, gone;
    Buffer<unsigned char> both(static_cast<size_t>(n));  // rotated together with the other half
    kept.push_back(0);
    for (Index s = 1; s < n; ++s) {
      const Index a = order[size_t(s)];
      if (abs_of(z[size_t(a)]) <= tol) {
        gone.push_back(a);
        continue;
      }
      const Index p = kept[kept.size() - 1];
      if (p != 0 && dh[size_t(a)] - dh[size_t(p)] <= tol) {
        const T r = hypot_of(z[size_t(p)], z[size_t(a)]);
        const T c = z[size_t(a)] / r, sn = -z[size_t(p)] / r;
        rotate(U_.col(lo + col(p)) + lo, U_.col(lo + col(a)) + lo, n, c, sn);
        rotate(V_.col(lo + col(p)) + lo, V_.col(lo + col(a)) + lo, m, c, sn);
        z[size_t(a)] = r, z[size_t(p)] = 0;
        if (both[size_t(p)] || (p <= nl) != (a <= nl)) both[size_t(a)] = 1;
        gone.push_back(p);
        kept[kept.size() - 1] = a;
        continue;
      }
      kept.push_back(a);
    }
    const Index K = Index(kept.size());
    // Slots: the kept columns grouped by where they have entries: the joining row's first, then
    // the upper half's, both halves' (rotated together above), the lower half's. U's and V's
    // new columns are the products of each half's rows with the slots that reach them.
    Buffer<Index> slot(static_cast<size_t>(K));
    Index count[4] = {0, 0, 0, 0};
    auto kind = [&](Index a) { return a == 0 ? 0 : both[size_t(a)] ? 2 : a <= nl ? 1 : 3; };
    for (Index i = 0; i < K; ++i) ++count[kind(kept[size_t(i)])];
    Index next[4] = {0, count[0], count[0] + count[1], count[0] + count[1] + count[2]};
    for (Index i = 0; i < K; ++i) slot[size_t(i)] = next[kind(kept[size_t(i)])]++;
    const Index upper = count[1] + count[2], lower = count[2] + count[3];

    T* w = work_;
    auto take = [&w](Index rows, Index cols) {
      ColBlock<T> b(w, rows, cols, Eigen::OuterStride<>(rows));
      w += rows * cols;
      return b;
    };
    ColBlock<T> Ua = take(K, K), Va = take(K, K), G = take(K, K), Wu = take(n, n), Wv = take(m, n);
    T* ds = w;
    T* zs = w + K;
    T* sigma = w + 2 * K;
    T* scratch = w + 3 * K;
    for (Index i = 0; i < K; ++i) {
      ds[i] = dh[size_t(kept[size_t(i)])];
      zs[i] = z[size_t(kept[size_t(i)])];
    }
    if (K > 1 && ds[1] < tol / 2) ds[1] = tol / 2;  // apart from d[0] = 0

    // The roots, then the arrow matrix's vectors (LAPACK's ?lasd3): with ẑ, the z for which
    // the computed roots are exact (Gu and Eisenstat), the vectors are orthogonal to working
    // precision however close the roots. G(j, i) = dⱼ² − σᵢ².
    SecularRoots<T> roots(ds, zs, K, scratch);
    using Array = Eigen::Array<T, Eigen::Dynamic, 1>;
    const Eigen::Map<const Array> dsa(ds, K);
    for (Index i = 0; i < K; ++i) {
      if (!roots.find(i)) return false;
      const T dO = ds[roots.origin()], tau = roots.tau();
      sigma[i] = dO + tau;
      G.col(i).array() = ((dsa - dO) - tau) * ((dsa + dO) + tau);
    }
    // ẑⱼ² = |dⱼ² − σ²ₖ₋₁| Πᵢ<ⱼ (dⱼ² − σᵢ²)/(dⱼ² − dᵢ²) Πᵢ≥ⱼ,ᵢ<ₖ₋₁ (dⱼ² − σᵢ²)/(dⱼ² − dᵢ₊₁²)
    Eigen::Map<Array> zhat(scratch, K);
    zhat = G.col(K - 1).array();
    for (Index i = 0; i + 1 < K; ++i) {
      const T di = ds[i], di1 = ds[i + 1];
      const Index below = i + 1, above = K - below;
      zhat.head(below) *=
          G.col(i).head(below).array() / ((dsa.head(below) - di1) * (dsa.head(below) + di1));
      zhat.tail(above) *=
          G.col(i).tail(above).array() / ((dsa.tail(above) - di) * (dsa.tail(above) + di));
    }
    for (Index j = 0; j < K; ++j) zhat[j] = copysign_of(sqrt_of(abs_of(zhat[j])), zs[j]);
    // Column i: v = ẑ / G(:, i), u = (−1, dⱼvⱼ), each normalized, into their slots' rows.
    for (Index i = 0; i < K; ++i) {
      auto v = G.col(i).array();
      v = zhat / v;
      const T sv = 1 / sqrt_of(v.square().sum());
      const T su = 1 / sqrt_of(1 + (dsa.tail(K - 1) * v.tail(K - 1)).square().sum());
      Va(slot[0], i) = v[0] * sv;
      Ua(slot[0], i) = -su;
      for (Index j = 1; j < K; ++j) {
        Va(slot[size_t(j)], i) = v[j] * sv;
        Ua(slot[size_t(j)], i) = ds[j] * v[j] * su;
      }
    }
    // The old columns, kept ones by slot, then the deflated ones; then the products.
    for (Index t = 0; t < n; ++t) {
      const Index a = t < K ? kept[size_t(t)] : gone[size_t(t - K)];
      const Index to = t < K ? slot[size_t(t)] : t;
      memcpy(Wu.col(to).data(), U_.col(lo + col(a)) + lo, size_t(n) * sizeof(T));
      memcpy(Wv.col(to).data(), V_.col(lo + col(a)) + lo, size_t(m) * sizeof(T));
      d_[lo + t] = t < K ? sigma[t] : dh[size_t(a)];
    }
    ColBlock<T> U(U_.col(lo) + lo, n, n, Eigen::OuterStride<>(U_.ld));
    ColBlock<T> V(V_.col(lo) + lo, m, n, Eigen::OuterStride<>(V_.ld));
    const Index c0 = count[0];  // 1
    U.topLeftCorner(nl, K).noalias() = Wu.block(0, c0, nl, upper) * Ua.middleRows(c0, upper);
    U.row(nl).head(K) = Ua.row(0);
    U.bottomLeftCorner(nr, K).noalias() =
        Wu.block(nl + 1, c0 + count[1], nr, lower) * Ua.middleRows(c0 + count[1], lower);
    V.topLeftCorner(nl + 1, K).noalias() =
        Wv.block(0, 0, nl + 1, c0 + upper) * Va.topRows(c0 + upper);
    V.bottomLeftCorner(m - nl - 1, K).noalias() =
        Wv.block(nl + 1, c0 + count[1], m - nl - 1, lower) * Va.middleRows(c0 + count[1], lower);
    if (sqre)  // the joining column reaches the lower half too
      V.bottomLeftCorner(m - nl - 1, K).noalias() +=
          Wv.block(nl + 1, 0, m - nl - 1, 1) * Va.topRows(1);
    U.rightCols(n - K) = Wu.rightCols(n - K);
    V.rightCols(n - K) = Wv.rightCols(n - K);
    return true;
  }

  T* d_;
  T* e_;
  Index n_;
  Columns<T> U_, V_;
  T* work_;
};

}  // namespace
}  // namespace paragrad::kernels::PARAGRAD_KERNEL_LEVEL
