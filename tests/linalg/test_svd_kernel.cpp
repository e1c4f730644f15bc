// The SVD kernel (linalg/svd_kernel.hpp) on the matrices that exercise each of its paths:
// Gaussian (plain QR sweeps), low rank and zero rows/columns (zeros on the bidiagonal's
// diagonal, chased out), graded and clustered spectra (deflation), power-of-two sizes (the
// padded leading dimension), sizes that are not multiples of the rotation block, and from 48
// columns on the divide-and-conquer path with spectra that deflate in its merges. Checked
// against Eigen's JacobiSVD (one-sided Jacobi, an independent algorithm) and by the SVD's
// defining properties. With -DPARAGRAD_LAPACK=ON the same checks run on the LAPACK path.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <Eigen/QR>
#include <Eigen/SVD>
#include <catch2/catch.hpp>

#include <paragrad/engine/error.hpp>
#include <paragrad/linalg/svd_kernel.hpp>
#include <paragrad/paragrad.hpp>

using namespace paragrad::linalg::detail;

namespace {

template <class T>
using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;

Mat<double> gaussian(int64_t m, int64_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<double> normal;
  Mat<double> a(m, n);
  for (int64_t j = 0; j < n; ++j)
    for (int64_t i = 0; i < m; ++i) a(i, j) = normal(gen);
  return a;
}

Mat<double> orthogonal(int64_t n, unsigned seed) {
  return Eigen::HouseholderQR<Mat<double>>(gaussian(n, n, seed)).householderQ();
}

// Runs svd_matrix on A (full or reduced) and checks: S descending and nonnegative, S against
// JacobiSVD, U diag(S) Vh = A, U and Vh orthonormal, and the values-only call gives the same
// S. tol is relative to max(σ_max, tiny).
template <class T>
void check_svd(const Mat<double>& A64, bool full, double tol) {
  const Mat<T> A = A64.cast<T>();
  const int64_t m = A.rows(), n = A.cols(), k = std::min(m, n);
  const int64_t ucols = full ? m : k, vrows = full ? n : k;
  INFO("shape " << m << "x" << n << (full ? " full" : " reduced")
                << (sizeof(T) == 4 ? " float32" : " float64"));
  RowMat<T> a = A;
  MatMap<T> map(a.data(), m, n);
  std::vector<T> s(size_t(k), T(-1)), s_only(size_t(k), T(-1));
  RowMat<T> U(m, ucols), Vh(vrows, n);
  svd_matrix<T>(map, s.data(), U.data(), Vh.data(), full, "test");
  svd_matrix<T>(map, s_only.data(), nullptr, nullptr, full, "test");
  REQUIRE(Mat<T>(map) == A);  // the input is not modified

  Mat<T> Acopy = A;
  const Eigen::JacobiSVD<Mat<T>> ref(Acopy);
  const double scale =
      std::max(double(ref.singularValues().size() ? ref.singularValues()(0) : 0), 1e-30);
  for (int64_t i = 0; i < k; ++i) {
    CHECK(s[size_t(i)] >= T(0));
    if (i + 1 < k) CHECK(s[size_t(i)] >= s[size_t(i + 1)]);
    CHECK(std::abs(double(s[size_t(i)] - ref.singularValues()(i))) <= tol * scale);
    CHECK(std::abs(double(s_only[size_t(i)] - s[size_t(i)])) <= tol * scale);
  }
  Mat<T> S = Mat<T>::Zero(ucols, vrows);
  for (int64_t i = 0; i < k; ++i) S(i, i) = s[size_t(i)];
  const Mat<T> Uc = U, Vhc = Vh;
  CHECK(double((Uc * S * Vhc - A).cwiseAbs().maxCoeff()) <= tol * scale);
  CHECK(double((Uc.transpose() * Uc - Mat<T>::Identity(ucols, ucols)).cwiseAbs().maxCoeff()) <=
        tol);
  CHECK(double((Vhc * Vhc.transpose() - Mat<T>::Identity(vrows, vrows)).cwiseAbs().maxCoeff()) <=
        tol);
}

template <class T>
void check_both(const Mat<double>& A, double tol) {
  check_svd<T>(A, false, tol);
  check_svd<T>(A, true, tol);
}

constexpr double kTol64 = 1e-12, kTol32 = 2e-5;

}  // namespace

TEST_CASE("svd kernel: Gaussian matrices of many shapes, float64 and float32",
          "[linalg][svd][kernel]") {
  const int64_t sizes[] = {1, 2, 3, 5, 16, 17, 33};
  for (int64_t m : sizes)
    for (int64_t n : sizes) {
      check_both<double>(gaussian(m, n, unsigned(m * 100 + n)), kTol64);
      check_both<float>(gaussian(m, n, unsigned(m * 100 + n)), kTol32);
    }
}

TEST_CASE("svd kernel: power-of-two sizes (padded columns) and odd sizes",
          "[linalg][svd][kernel]") {
  for (int64_t n : {32, 64, 128, 65}) {
    check_svd<double>(gaussian(n, n, unsigned(n)), false, kTol64);
    check_svd<double>(gaussian(n + 7, n, unsigned(n + 1)), true, kTol64);
    check_svd<float>(gaussian(n, n / 2, unsigned(n + 2)), false, kTol32);
  }
}

// Large: from 48 columns the kernel divides and conquers (the sweeps only in its leaves), from
// 112 the bidiagonalization takes Eigen's blocked path; a tall reduced U and the wide case
// through Aᵀ write U and Vh in their two layouts.
TEST_CASE("svd kernel: large matrices keep full accuracy through many queued sweeps",
          "[linalg][svd][kernel]") {
  check_svd<double>(gaussian(256, 256, 7), false, 4 * kTol64);
  check_svd<float>(gaussian(200, 200, 8), false, 4 * kTol32);
  check_svd<float>(gaussian(230, 190, 9), true, 4 * kTol32);
  check_svd<double>(gaussian(300, 140, 10), false, 4 * kTol64);  // tall reduced U, blocked
  check_svd<double>(gaussian(140, 300, 11), false, 4 * kTol64);  // the same through Aᵀ
  check_svd<float>(gaussian(129, 129, 12), true, 4 * kTol32);    // past both thresholds
}

TEST_CASE("svd kernel: low rank, zero rows and columns, zero matrix", "[linalg][svd][kernel]") {
  for (int64_t r : {1, 2, 4}) {
    const Mat<double> L = gaussian(9, r, 7) * gaussian(r, 6, 8);  // rank r, zeros in the spectrum
    check_both<double>(L, kTol64);
    check_both<double>(L.transpose(), kTol64);
    check_both<float>(L, kTol32);
  }
  Mat<double> Z = gaussian(7, 5, 9);
  Z.row(0).setZero();
  Z.row(4).setZero();
  Z.col(2).setZero();
  Z.col(4).setZero();
  check_both<double>(Z, kTol64);
  check_both<double>(Z.transpose(), kTol64);
  check_both<double>(Mat<double>::Zero(4, 3), kTol64);
  check_both<double>(Mat<double>::Zero(1, 1), kTol64);
}

TEST_CASE("svd kernel: diagonal and bidiagonal inputs with zero, negative, repeated entries",
          "[linalg][svd][kernel]") {
  Mat<double> D = Mat<double>::Zero(6, 6);
  D.diagonal() << 1, -3, 0, 2, 0, -2;
  check_both<double>(D, kTol64);
  // Upper bidiagonal with zeros on the diagonal in the middle and at the end: the kernel's
  // chase paths (row out to the right, last column out upwards).
  Mat<double> B = Mat<double>::Zero(6, 6);
  B.diagonal() << 2, 0, 1.5, 1, 0.5, 0;
  for (int i = 0; i < 5; ++i) B(i, i + 1) = 1.0 + 0.25 * i;
  check_both<double>(B, kTol64);
  check_both<double>(B.transpose(), kTol64);
  check_both<double>(Mat<double>::Identity(5, 5), kTol64);
  check_both<double>(-Mat<double>::Identity(3, 4), kTol64);
}

TEST_CASE("svd kernel: repeated, clustered and graded spectra", "[linalg][svd][kernel]") {
  Eigen::VectorXd sv(8);
  sv << 3, 3, 3, 1, 1, 1e-9, 1e-9, 0;
  const Mat<double> A = orthogonal(8, 1) * sv.asDiagonal() * orthogonal(8, 2);
  check_both<double>(A, kTol64);
  Eigen::VectorXd cl(8);
  cl << 1, 1 + 1e-12, 1 - 1e-12, 0.5, 0.5 + 1e-14, 1e-3, 1e-6, 1e-12;
  check_both<double>(orthogonal(8, 3) * cl.asDiagonal() * orthogonal(8, 4), kTol64);
  Mat<double> G = gaussian(10, 7, 5);
  for (int j = 0; j < 7; ++j) G.col(j) *= std::pow(1e-3, j);  // columns from 1 down to 1e-18
  check_both<double>(G, kTol64);
  check_both<double>(1e-200 * gaussian(5, 4, 6), kTol64);  // tiny and huge: the kernel scales
  check_both<double>(1e200 * gaussian(4, 5, 7), kTol64);
}

// Rows and columns scaled over ten decades in float32: some QR sweeps meet a pair of entries
// whose squares fall below FLT_MIN/eps and compute their two rotations one after the other
// (qr_sweep's careful branch; a counter in the kernel saw it taken in 3 of these 40 matrices).
TEST_CASE("svd kernel: float32 matrices graded over ten decades in rows and columns",
          "[linalg][svd][kernel]") {
  std::mt19937 gen(1);
  std::uniform_real_distribution<double> decades(0, 10);
  for (int trial = 0; trial < 40; ++trial) {
    const int64_t n = 2 + trial % 7;
    Mat<double> A = gaussian(n, n, unsigned(1000 + trial));
    for (int64_t i = 0; i < n; ++i) A.row(i) *= std::pow(10.0, -decades(gen));
    for (int64_t j = 0; j < n; ++j) A.col(j) *= std::pow(10.0, -decades(gen));
    check_both<float>(A, kTol32);
  }
}

// From 48 rows and columns the kernel divides and conquers (linalg/svd_divide.hpp): these
// spectra deflate in the merges (tiny z: low rank, zeros; close d: repeated and clustered
// values), push roots against their poles (graded) or leave nothing to solve (diagonal,
// identity, zero). Sizes put the cut in odd places and leaves of unequal sizes.
TEST_CASE("svd kernel: divide and conquer on deflating, clustered and graded spectra",
          "[linalg][svd][kernel]") {
  const double tol = 4 * kTol64;
  const Mat<double> low = gaussian(120, 7, 21) * gaussian(7, 100, 22);  // rank 7 of 100
  check_both<double>(low, tol);
  check_both<double>(low.transpose(), tol);
  check_both<float>(low, 4 * kTol32);

  Eigen::VectorXd rep(100), clu(97), grad(90);
  for (int i = 0; i < 100; ++i) rep(i) = i < 30 ? 3 : i < 60 ? 1 : i < 80 ? 1e-9 : 0;
  for (int i = 0; i < 97; ++i) clu(i) = (i < 50 ? 1 : 0.5) + 1e-13 * (i % 7);
  for (int i = 0; i < 90; ++i) grad(i) = std::pow(10.0, -15.0 * i / 89);
  check_both<double>(orthogonal(100, 23) * rep.asDiagonal() * orthogonal(100, 24), tol);
  check_both<double>(orthogonal(97, 25) * clu.asDiagonal() * orthogonal(97, 26), tol);
  check_both<double>(orthogonal(90, 27) * grad.asDiagonal() * orthogonal(90, 28), tol);

  Mat<double> G = gaussian(110, 90, 29);
  for (int j = 0; j < 90; ++j) G.col(j) *= std::pow(10.0, -j / 6.0);  // 1 down to 1e-15
  check_both<double>(G, tol);
  Mat<double> G32 = gaussian(90, 90, 30);
  for (int j = 0; j < 90; ++j) G32.col(j) *= std::pow(10.0, -j / 15.0);  // down to 1e-6
  check_both<float>(G32, 4 * kTol32);

  Mat<double> D = Mat<double>::Zero(100, 100);
  for (int i = 0; i < 100; ++i) D(i, i) = i % 5 == 0 ? 0.0 : (i % 2 ? -1.0 : 2.0) * (1 + i % 3);
  check_both<double>(D, tol);
  Mat<double> B = Mat<double>::Zero(96, 96);  // bidiagonal, zeros on its diagonal
  for (int i = 0; i < 96; ++i) B(i, i) = i % 9 == 4 ? 0.0 : 1.0 + 0.01 * i;
  for (int i = 0; i + 1 < 96; ++i) B(i, i + 1) = i % 11 == 3 ? 0.0 : 0.5;
  check_both<double>(B, tol);
  check_both<double>(B.transpose(), tol);
  check_both<double>(Mat<double>::Identity(96, 96), tol);
  check_both<double>(-Mat<double>::Identity(85, 120), tol);
  check_both<double>(Mat<double>::Zero(90, 84), tol);
  Mat<double> Z = gaussian(100, 88, 31);
  Z.middleRows(10, 20).setZero();
  Z.middleCols(40, 9).setZero();
  check_both<double>(Z, tol);
  check_both<double>(1e-200 * gaussian(100, 85, 32), tol);
  check_both<double>(1e200 * gaussian(85, 100, 33), tol);
  check_both<float>(gaussian(85, 120, 34), 4 * kTol32);
}

// The divide-and-conquer path keeps its scratch per thread up to 8 MiB; a larger call (a
// 10500×96 float64 matrix needs about 8.6 MB) takes its own, and the next call the kept one again.
TEST_CASE("svd kernel: divide and conquer with scratch beyond what the thread keeps",
          "[linalg][svd][kernel]") {
  check_svd<double>(gaussian(10500, 96, 36), false, 4 * kTol64);
  check_svd<double>(gaussian(96, 10500, 37), false, 4 * kTol64);
  check_svd<double>(gaussian(100, 90, 38), true, 4 * kTol64);
}

// Random spectra mixing the hard cases of the merges: values drawn from a few repeated ones, from
// clusters 1e-15 apart, graded over sixteen decades, and zeros, in random order, on shapes from
// 80 to 160 columns, tall and wide, float64 and float32.
TEST_CASE("svd kernel: divide and conquer on random mixtures of hard spectra",
          "[linalg][svd][kernel]") {
  std::mt19937 gen(2024);
  std::uniform_real_distribution<double> unit(0, 1);
  for (int trial = 0; trial < 24; ++trial) {
    const int64_t n = 80 + (trial * 37) % 81, m = n + (trial % 3) * 13;
    Eigen::VectorXd sv(n);
    for (int64_t i = 0; i < n; ++i) {
      const double u = unit(gen);
      sv(i) = u < 0.3   ? double(1 + int(unit(gen) * 3))            // repeated: 1, 2 or 3
              : u < 0.6 ? 0.5 + 1e-15 * double(int(unit(gen) * 5))  // a cluster
              : u < 0.9 ? std::pow(10.0, -16 * unit(gen))           // graded
                        : 0.0;
    }
    const Mat<double> Q = orthogonal(m, unsigned(100 + trial)).leftCols(n);
    const Mat<double> A = Q * sv.asDiagonal() * orthogonal(n, unsigned(200 + trial));
    check_svd<double>(trial % 2 ? Mat<double>(A.transpose()) : A, trial % 4 < 2, 4 * kTol64);
    if (trial % 3 == 0) check_svd<float>(A, false, 4 * kTol32);
  }
}

TEST_CASE("the SVD kernel of every CPU level gives the same factorization", "[svd][cpu_dispatch]") {
  const std::string saved = paragrad::cpu_capability();
  for (paragrad::Dtype dt : {paragrad::kFloat64, paragrad::kFloat32}) {
    const double tol = dt == paragrad::kFloat64 ? 1e-12 : 2e-5;
    // (70×70, 96×96 and 81×130 divide and conquer: linalg/svd_divide.hpp.)
    for (auto [m, n] : {std::array<int64_t, 2>{70, 70}, {90, 33}, {20, 75}, {96, 96}, {81, 130}}) {
      paragrad::manual_seed(uint64_t(m * 100 + n));
      const paragrad::Tensor a = paragrad::randn({m, n}, dt);
      std::vector<paragrad::Tensor> per_level;
      for (const std::string& level : paragrad::available_cpu_capabilities()) {
        paragrad::set_cpu_capability(level);
        auto [U, S, Vh] = paragrad::linalg::svd(a, false);
        INFO(level << " " << m << "x" << n);
        // A valid SVD on each level: A = U diag(S) Vh within working precision.
        CHECK(paragrad::allclose(paragrad::matmul(U * S.unsqueeze(0), Vh), a, tol, tol));
        const int64_t k = std::min(m, n);
        CHECK(paragrad::allclose(paragrad::matmul(U.mT(), U), paragrad::eye(k, k, dt), tol, tol));
        CHECK(paragrad::allclose(paragrad::matmul(Vh, Vh.mT()), paragrad::eye(k, k, dt), tol, tol));
        // Singular values are well conditioned (|ΔS| <= ‖ΔA‖): equal across levels to the
        // working precision. (Singular vectors are not, for close values: not compared.)
        per_level.push_back(S);
      }
      for (size_t l = 1; l < per_level.size(); ++l)
        CHECK(paragrad::allclose(per_level[l], per_level[0], 0,
                                 tol * per_level[0].max().item<double>()));
    }
  }
  paragrad::set_cpu_capability(saved);
}
