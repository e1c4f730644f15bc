// svd and svdvals: forward identities, PyTorch oracle values, gradients (incl. degenerate).
#include <catch2/catch.hpp>

#include "linalg/linalg_oracle.hpp"
#include "linalg/linalg_test_util.hpp"

using namespace paragrad;
using namespace paragrad::linalg_test;

namespace {
// U diag(S) Vh with U, Vh cut to k = len(S) columns/rows.
Tensor reconstruct(const Tensor& U, const Tensor& S, const Tensor& Vh) {
  const int64_t k = S.size(-1);
  return matmul(U.narrow(-1, 0, k) * S.unsqueeze(-2), Vh.narrow(-2, 0, k));
}

// Inputs of the second-order checks: small, as gradgradcheck costs O(numel²) backward passes.
const std::vector<Shape>& second_order_shapes() {
  static const std::vector<Shape> shapes{Shape{3, 3}, Shape{4, 3}, Shape{3, 4}};
  return shapes;
}
// gradcheck of f and of its gradient (PyTorch's gradgradcheck), in float64.
bool gradgradcheck(const std::function<Tensor(const TensorList&)>& f, const Tensor& A) {
  return autograd::gradcheck(f, {A}, 1e-6, 1e-5, 1e-4, /*check_grad_grad=*/true);
}
}  // namespace

TEST_CASE("svd reconstructs square, tall and wide matrices with orthonormal factors") {
  manual_seed(1);
  for (Shape shape : {Shape{5, 5}, Shape{6, 3}, Shape{3, 6}, Shape{2, 4, 3}}) {
    for (bool full : {true, false}) {
      const Tensor A = randn(shape, kFloat64);
      auto [U, S, Vh] = linalg::svd(A, full);
      const int64_t m = shape[shape.size() - 2], n = shape.back(), k = std::min(m, n);
      CHECK(U.size(-1) == (full ? m : k));
      CHECK(Vh.size(-2) == (full ? n : k));
      CHECK(max_diff(reconstruct(U, S, Vh), A) < 1e-12);
      CHECK(orthonormality_error(U) < 1e-12);
      CHECK(orthonormality_error(Vh.mT()) < 1e-12);
    }
  }
}

TEST_CASE("svd returns singular values in descending order") {
  manual_seed(2);
  const Tensor S = std::get<1>(linalg::svd(randn({3, 7, 7}, kFloat64)));
  const Tensor d = S.narrow(-1, 0, 6) - S.narrow(-1, 1, 6);
  CHECK((d >= 0.0).all());
}

TEST_CASE("svd matches PyTorch on a fixed 3x3 matrix") {
  // scripts/oracle/linalg_oracle.py: torch.linalg.svd(A)
  const Tensor A = tensor({{2.0, -1.0, 0.5}, {1.0, 3.0, -2.0}, {0.0, 1.5, 4.0}}, kFloat64);
  auto [U, S, Vh] = linalg::svd(A);
  const Tensor S_torch = tensor(linalg_oracle::svd_S, {3}, kFloat64);
  CHECK(max_diff(S, S_torch) < 1e-12);
  // singular vectors agree up to sign: compare |U| and |Vh|
  const Tensor U_torch_abs = tensor(linalg_oracle::svd_U_abs, {3, 3}, kFloat64);
  CHECK(max_diff(U.abs(), U_torch_abs) < 1e-12);
}

TEST_CASE("svd works in float32") {
  manual_seed(3);
  const Tensor A = randn({2, 8, 5});
  auto [U, S, Vh] = linalg::svd(A, false);
  CHECK(U.dtype() == kFloat32);
  CHECK(max_diff(reconstruct(U, S, Vh), A) < 1e-5);
  CHECK(orthonormality_error(U) < 1e-5);
}

TEST_CASE("svdvals equals the S of svd") {
  manual_seed(4);
  const Tensor A = randn({3, 4, 6}, kFloat64);
  CHECK(max_diff(linalg::svdvals(A), std::get<1>(linalg::svd(A))) < 1e-13);
}

TEST_CASE("svd gradient of gauge-invariant losses passes gradcheck (square, tall, wide, batched)") {
  manual_seed(5);
  for (Shape shape : {Shape{4, 4}, Shape{5, 3}, Shape{3, 5}, Shape{2, 3, 3}}) {
    for (bool full : {false, true}) {
      const Tensor A = leaf(randn(shape, kFloat64));
      auto f = [full](const TensorList& x) {
        auto [U, S, Vh] = linalg::svd(x[0], full);
        const int64_t k = S.size(-1);
        const Tensor Uk = U.narrow(-1, 0, k), Vk = Vh.narrow(-2, 0, k);
        // RankOne-style loss (sign-invariant), the polar factor and sum(S)
        const Tensor u0 = Uk.select(-1, 0), v0 = Vk.select(-2, 0);
        const Tensor s0 = S.select(-1, 0).sqrt();
        const Tensor rank_one =
            (u0 * s0.unsqueeze(-1)).unsqueeze(-1) * (v0 * s0.unsqueeze(-1)).unsqueeze(-2);
        return rank_one.sum() + matmul(Uk, Vk).sum() + S.sum();
      };
      CHECK(autograd::gradcheck(f, {A}, 1e-6, 1e-6, 1e-4));
    }
  }
}

// Second order (gradgradcheck): the backward rule is written in Tensor ops, so its own gradient
// must match finite differences of the first-order gradient. Small float64 inputs with distinct,
// non-zero singular values (where the SVD is smooth); gauge-invariant losses only.
TEST_CASE("svd second-order gradcheck: sum of S") {
  manual_seed(11);
  for (const Shape& shape : second_order_shapes()) {
    INFO("shape " << shape[0] << "x" << shape[1]);
    const Tensor A = leaf(randn(shape, kFloat64));
    CHECK(gradgradcheck(
        [](const TensorList& x) { return std::get<1>(linalg::svd(x[0], false)).sum(); }, A));
  }
}

TEST_CASE("svd second-order gradcheck: reconstruction weighted by a fixed matrix") {
  manual_seed(12);
  for (const Shape& shape : second_order_shapes()) {
    for (bool full : {false, true}) {
      INFO("shape " << shape[0] << "x" << shape[1] << (full ? " full" : " reduced"));
      const Tensor A = leaf(randn(shape, kFloat64));
      const Tensor W = randn(shape, kFloat64);
      auto f = [W, full](const TensorList& x) {
        auto [U, S, Vh] = linalg::svd(x[0], full);
        const int64_t k = S.size(-1);
        const Tensor R = matmul(U.narrow(-1, 0, k) * S.unsqueeze(-2), Vh.narrow(-2, 0, k));
        return (R * W).sum();
      };
      CHECK(gradgradcheck(f, A));
    }
  }
}

// Unlike the reconstruction (linear in A, so its second derivative is zero), a spectral function
// U diag(f(S)) Vh has a non-zero second derivative through every factor.
TEST_CASE("svd second-order gradcheck: spectral function U diag(exp(S)) Vh") {
  manual_seed(16);
  for (const Shape& shape : second_order_shapes()) {
    INFO("shape " << shape[0] << "x" << shape[1]);
    const Tensor A = leaf(randn(shape, kFloat64));
    const Tensor W = randn(shape, kFloat64);
    auto f = [W](const TensorList& x) {
      auto [U, S, Vh] = linalg::svd(x[0], false);
      return (matmul(U * S.exp().unsqueeze(-2), Vh) * W).sum();
    };
    CHECK(gradgradcheck(f, A));
  }
}

TEST_CASE("svd second-order gradcheck: projectors onto leading singular vectors with a gap") {
  manual_seed(13);
  for (const Shape& shape : second_order_shapes()) {
    const int64_t m = shape[0], n = shape[1];
    for (int64_t r : {int64_t(1), int64_t(2)}) {
      INFO("shape " << shape[0] << "x" << shape[1] << ", r " << r);
      // Singular values 3, 2, 1 (gaps of 1) in random singular bases.
      const Tensor sv = tensor({3.0, 2.0, 1.0}, kFloat64);
      const Tensor Q = random_orthogonal(m), P = random_orthogonal(n);
      const Tensor A = leaf(matmul(Q.narrow(-1, 0, 3) * sv.unsqueeze(0), P.narrow(-1, 0, 3).mT()));
      const Tensor Wu = randn({m, m}, kFloat64), Wv = randn({n, n}, kFloat64);
      auto f = [Wu, Wv, r](const TensorList& x) {
        auto [U, S, Vh] = linalg::svd(x[0], false);
        const Tensor Ur = U.narrow(-1, 0, r), Vr = Vh.narrow(-2, 0, r).mT();
        return (matmul(Ur, Ur.mT()) * Wu).sum() + (matmul(Vr, Vr.mT()) * Wv).sum();
      };
      CHECK(gradgradcheck(f, A));
    }
  }
}

TEST_CASE("svd second-order gradcheck: polar factor U Vh") {
  manual_seed(14);
  for (const Shape& shape : second_order_shapes()) {
    INFO("shape " << shape[0] << "x" << shape[1]);
    const Tensor A = leaf(randn(shape, kFloat64));
    const Tensor W = randn(shape, kFloat64);
    auto f = [W](const TensorList& x) {
      auto [U, S, Vh] = linalg::svd(x[0], false);
      return (matmul(U, Vh) * W).sum();
    };
    CHECK(gradgradcheck(f, A));
  }
}

TEST_CASE("svdvals second-order gradcheck") {
  manual_seed(15);
  for (const Shape& shape : second_order_shapes()) {
    INFO("shape " << shape[0] << "x" << shape[1]);
    const Tensor A = leaf(randn(shape, kFloat64));
    CHECK(gradgradcheck([](const TensorList& x) { return linalg::svdvals(x[0]); }, A));
  }
}

TEST_CASE("svdvals gradient passes gradcheck") {
  manual_seed(6);
  const Tensor A = leaf(randn({2, 4, 3}, kFloat64));
  CHECK(autograd::gradcheck([](const TensorList& x) { return linalg::svdvals(x[0]); }, {A}));
}

TEST_CASE("svd gradient of sum(S) is U Vh and finite at repeated singular values") {
  manual_seed(7);
  const Tensor A = leaf(with_singular_values(tensor({2.0, 2.0, 2.0, 1.0}, kFloat64)));
  auto [U, S, Vh] = linalg::svd(A);
  S.sum().backward();
  REQUIRE(all_finite(A.grad()));
  CHECK(max_diff(A.grad(), matmul(U, Vh)) < 1e-12);
}

TEST_CASE(
    "svd gradient of the nuclear norm through U, S, Vh is finite at repeated singular values") {
  // The loss uses U and Vh too (trace(Uᵀ A V) = sum(S)), which is gauge-invariant.
  manual_seed(8);
  const Tensor A = leaf(with_singular_values(tensor({3.0, 3.0, 1.0}, kFloat64)));
  auto f = [](const TensorList& x) {
    auto [U, S, Vh] = linalg::svd(x[0]);
    return (matmul(U.mT(), matmul(x[0], Vh.mT()))).diagonal().sum();
  };
  const Tensor g = autograd::grad({f({A})}, {A})[0];
  REQUIRE(all_finite(g));
  CHECK(autograd::gradcheck(f, {A}, 1e-6, 1e-5, 1e-4));
}

TEST_CASE("svd gradient of the projector onto a degenerate block is finite and correct") {
  manual_seed(9);
  const Tensor A = leaf(with_singular_values(tensor({5.0, 2.0, 2.0, 0.5}, kFloat64)));
  const Tensor W = randn({4, 4}, kFloat64);
  auto f = [W](const TensorList& x) {
    auto [U, S, Vh] = linalg::svd(x[0]);
    const Tensor Ub = U.narrow(-1, 1, 2), Vb = Vh.narrow(-2, 1, 2).mT();
    return (matmul(Ub, Ub.mT()) * W).sum() + (matmul(Vb, Vb.mT()) * W).sum();
  };
  const Tensor g = autograd::grad({f({A})}, {A})[0];
  REQUIRE(all_finite(g));
  CHECK(autograd::gradcheck(f, {A}, 1e-6, 1e-5, 1e-4));
}

TEST_CASE("svd gradient is finite with zero singular values (square and tall)") {
  manual_seed(10);
  // rank 1: two zero singular values in a 3x3, and a tall 5x3 of rank 2
  const Tensor a = randn({3, 1}, kFloat64), b = randn({1, 3}, kFloat64);
  const Tensor sq = leaf(matmul(a, b));
  {
    auto [U, S, Vh] = linalg::svd(sq);
    S.sum().backward();
    REQUIRE(all_finite(sq.grad()));
    // d sum(S)/dA = U Vh (a subgradient: the nuclear norm has a kink at zero singular values)
    CHECK(max_diff(sq.grad(), matmul(U, Vh)) < 1e-10);
  }
  const Tensor tall = leaf(matmul(randn({5, 2}, kFloat64), randn({2, 3}, kFloat64)));
  auto [U, S, Vh] = linalg::svd(tall, false);
  (matmul(U * S.unsqueeze(-2), Vh).square().sum() + S.sum()).backward();
  REQUIRE(all_finite(tall.grad()));
  CHECK(max_diff(tall.grad(), 2.0 * tall.detach() + matmul(U, Vh)) < 1e-10);
}

TEST_CASE("svdvals gradient is U Vh for the zero matrix and the identity") {
  for (const Tensor& base : {zeros({3, 3}, kFloat64), eye(3, kFloat64)}) {
    const Tensor A = leaf(base);
    auto [U, S, Vh] = linalg::svd(A.detach());
    linalg::svdvals(A).sum().backward();
    REQUIRE(all_finite(A.grad()));
    CHECK(max_diff(A.grad(), matmul(U, Vh)) < 1e-12);
  }
}

TEST_CASE("svd rejects NaN, Inf, vectors and integer tensors") {
  Tensor A = tensor({{1.0, NAN}, {0.0, 1.0}}, kFloat64);
  REQUIRE_THROWS_AS(linalg::svd(A), ValueError);
  REQUIRE_THROWS_WITH(linalg::svd(A), Catch::Contains("linalg.svd") && Catch::Contains("NaN") &&
                                          Catch::Contains("[2, 2]"));
  REQUIRE_THROWS_WITH(linalg::svdvals(tensor({{INFINITY, 1.0}}, kFloat64)),
                      Catch::Contains("linalg.svdvals") && Catch::Contains("Inf"));
  REQUIRE_THROWS_AS(linalg::svd(ones({3}, kFloat64)), ShapeError);
  REQUIRE_THROWS_WITH(linalg::svd(ones({3}, kFloat64)),
                      Catch::Contains("linalg.svd") && Catch::Contains("[3]"));
  REQUIRE_THROWS_AS(linalg::svd(ones({2, 2}, kInt64)), DtypeError);
}

// full_matrices: the completion U[:, k:] (tall) or Vh[k:] (wide) is any orthonormal basis of
// the complement, so a loss sees it only through its projector I - U1 U1ᵀ, a smooth function of
// A with a non-zero gradient. PyTorch 1.13 drops the completion's gradient (wrong: zero here);
// paragrad folds it into U1's (svd.cpp, completion_grad). Found by the differential test.
TEST_CASE("svd full_matrices: the completion's projector has the finite-difference gradient") {
  manual_seed(17);
  for (const Shape& shape : {Shape{4, 2}, Shape{2, 4}, Shape{2, 3, 1}, Shape{1, 3}}) {
    const Tensor A = leaf(randn(shape, kFloat64));
    const int64_t m = shape[shape.size() - 2], n = shape.back(), k = std::min(m, n);
    INFO("batch dims " << shape.size() - 2 << ", m " << m << ", n " << n);
    const Tensor W = randn({std::max(m, n), std::max(m, n)}, kFloat64);
    auto f = [W, m, n, k](const TensorList& x) {
      auto [U, S, Vh] = linalg::svd(x[0], true);
      const Tensor P = m > n ? matmul(U.narrow(-1, k, m - k), U.narrow(-1, k, m - k).mT())
                             : matmul(Vh.narrow(-2, k, n - k).mT(), Vh.narrow(-2, k, n - k));
      return (P * W).sum() + S.sum();
    };
    CHECK(gradgradcheck(f, A));
    // the projector's gradient is not zero (PyTorch's is)
    auto [U, S, Vh] = linalg::svd(A, true);
    const Tensor P = m > n ? matmul(U.narrow(-1, k, m - k), U.narrow(-1, k, m - k).mT())
                           : matmul(Vh.narrow(-2, k, n - k).mT(), Vh.narrow(-2, k, n - k));
    const Tensor g = autograd::grad({(P * W).sum()}, {A})[0];
    CHECK(g.abs().sum().item<double>() > 1e-3);
  }
}
