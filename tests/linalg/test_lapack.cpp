// The optional LAPACK backend (linalg/lapack.hpp): ?gesdd against Eigen's JacobiSVD when paragrad
// is configured with -DPARAGRAD_LAPACK=ON, and the stub's error when it is not.
#include <algorithm>
#include <climits>
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include <Eigen/SVD>
#include <catch2/catch.hpp>

#include "skip.hpp"

#include <paragrad/engine/error.hpp>
#include <paragrad/linalg/lapack.hpp>

using paragrad::linalg::detail::lapack_available;
using paragrad::linalg::detail::lapack_gesdd;

namespace {

template <class T>
using ColMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;  // column-major, as LAPACK

template <class T>
ColMat<T> gaussian(int64_t m, int64_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<double> normal;
  ColMat<T> a(m, n);
  for (int64_t j = 0; j < n; ++j)
    for (int64_t i = 0; i < m; ++i) a(i, j) = T(normal(gen));
  return a;
}

// ?gesdd of an m×n Gaussian matrix against JacobiSVD: the singular values (descending), the
// reconstruction U diag(S) Vᵀ = A, orthonormal U and Vᵀ of the requested sizes, and the same S
// from the values-only call (jobz = 'N'). tol is relative to σ_max.
template <class T>
void check_against_jacobi(int64_t m, int64_t n, bool full, double tol) {
  INFO("shape " << m << "x" << n << (full ? ", full" : ", reduced") << ", "
                << (sizeof(T) == 4 ? "float32" : "float64"));
  const ColMat<T> A = gaussian<T>(m, n, unsigned(100 * m + n));
  const int64_t k = std::min(m, n), ucols = full ? m : k, vrows = full ? n : k;
  ColMat<T> a = A, U(m, ucols), Vt(vrows, n);
  Eigen::Matrix<T, Eigen::Dynamic, 1> s(k);
  lapack_gesdd<T>(a.data(), m, n, s.data(), U.data(), Vt.data(), full);

  const Eigen::JacobiSVD<ColMat<T>> ref(A);
  const double smax = double(ref.singularValues()(0));
  CHECK(double((s - ref.singularValues()).cwiseAbs().maxCoeff()) <= tol * smax);
  for (int64_t i = 0; i + 1 < k; ++i) CHECK(s(i) >= s(i + 1));

  const ColMat<T> R = U.leftCols(k) * s.asDiagonal() * Vt.topRows(k);
  CHECK(double((R - A).cwiseAbs().maxCoeff()) <= tol * smax);
  const ColMat<T> UtU = U.transpose() * U, VVt = Vt * Vt.transpose();
  CHECK(double((UtU - ColMat<T>::Identity(ucols, ucols)).cwiseAbs().maxCoeff()) <= tol);
  CHECK(double((VVt - ColMat<T>::Identity(vrows, vrows)).cwiseAbs().maxCoeff()) <= tol);

  ColMat<T> b = A;
  Eigen::Matrix<T, Eigen::Dynamic, 1> s_only(k);
  lapack_gesdd<T>(b.data(), m, n, s_only.data(), nullptr, nullptr, full);
  CHECK(double((s_only - s).cwiseAbs().maxCoeff()) <= tol * smax);
}

}  // namespace

TEST_CASE("lapack_gesdd agrees with Eigen JacobiSVD for square, tall and wide, full and reduced",
          "[lapack]") {
  if (!lapack_available()) PARAGRAD_SKIP("paragrad was configured without -DPARAGRAD_LAPACK=ON");
  // 40x30 and 30x40 are past ?gesdd's small-size cutoff (25), so divide and conquer runs.
  const std::vector<std::pair<int64_t, int64_t>> shapes{{3, 3}, {5, 3}, {3, 5}, {40, 30}, {30, 40}};
  for (auto [m, n] : shapes) {
    for (bool full : {false, true}) {
      check_against_jacobi<double>(m, n, full, 1e-12);
      check_against_jacobi<float>(m, n, full, 2e-5);
    }
  }
}

TEST_CASE("lapack_gesdd returns identities for an empty matrix", "[lapack]") {
  if (!lapack_available()) PARAGRAD_SKIP("paragrad was configured without -DPARAGRAD_LAPACK=ON");
  std::vector<double> a(1), s(1), u(9, -1.0), vt(1, -1.0);
  lapack_gesdd<double>(a.data(), 3, 0, s.data(), u.data(), vt.data(), /*full=*/true);
  CHECK(u == std::vector<double>{1, 0, 0, 0, 1, 0, 0, 0, 1});
}

TEST_CASE("lapack_gesdd rejects oversized dims and a lone U or Vt naming linalg.svd and the shape",
          "[lapack]") {
  if (!lapack_available()) PARAGRAD_SKIP("paragrad was configured without -DPARAGRAD_LAPACK=ON");
  std::vector<double> a(4), s(2), u(4), vt(4);
  REQUIRE_THROWS_AS(lapack_gesdd<double>(a.data(), 2, 2, s.data(), u.data(), nullptr, false),
                    paragrad::Error);
  REQUIRE_THROWS_WITH(lapack_gesdd<double>(a.data(), 2, 2, s.data(), nullptr, vt.data(), false),
                      Catch::Contains("linalg.svd") && Catch::Contains("[2, 2]"));
  // Checked before LAPACK (or any buffer) is touched.
  const int64_t huge = int64_t(INT_MAX) + 1;
  REQUIRE_THROWS_WITH(lapack_gesdd<float>(nullptr, huge, 2, nullptr, nullptr, nullptr, false),
                      Catch::Contains("linalg.svd") && Catch::Contains("[2147483648, 2]"));
}

TEST_CASE("lapack_gesdd throws paragrad Error when the LAPACK backend is not compiled in",
          "[lapack]") {
  if (lapack_available()) PARAGRAD_SKIP("the LAPACK backend is compiled in: no stub to test");
  std::vector<double> a(4, 1.0), s(2);
  REQUIRE_THROWS_AS(lapack_gesdd<double>(a.data(), 2, 2, s.data(), nullptr, nullptr, false),
                    paragrad::Error);
  std::vector<float> af(4, 1.0f), sf(2);
  REQUIRE_THROWS_WITH(lapack_gesdd<float>(af.data(), 2, 2, sf.data(), nullptr, nullptr, false),
                      Catch::Contains("linalg.svd") && Catch::Contains("PARAGRAD_LAPACK") &&
                          Catch::Contains("[2, 2]"));
}
