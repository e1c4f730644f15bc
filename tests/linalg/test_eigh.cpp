// eigh and eigvalsh: forward identities, lower-triangle reading, gradients (incl. degenerate).
#include <catch2/catch.hpp>

#include "linalg/linalg_oracle.hpp"
#include "linalg/linalg_test_util.hpp"

using namespace paragrad;
using namespace paragrad::linalg_test;

namespace {
Tensor sym(const Tensor& X) { return X + X.mT(); }
}  // namespace

TEST_CASE("eigh satisfies A V = V diag(L) with orthonormal V, batched") {
  manual_seed(11);
  const Tensor A = sym(randn({3, 5, 5}, kFloat64));
  auto [L, V] = linalg::eigh(A);
  CHECK(max_diff(matmul(A, V), V * L.unsqueeze(-2)) < 1e-12);
  CHECK(orthonormality_error(V) < 1e-12);
}

TEST_CASE("eigh returns eigenvalues in ascending order") {
  manual_seed(12);
  const Tensor L = linalg::eigvalsh(sym(randn({6, 6}, kFloat64)));
  CHECK((L.narrow(-1, 1, 5) - L.narrow(-1, 0, 5) >= 0.0).all());
}

TEST_CASE("eigh reads only the lower triangle") {
  manual_seed(13);
  const Tensor A = sym(randn({4, 4}, kFloat64));
  const Tensor garbage = A.tril() + 100.0 * randn({4, 4}, kFloat64).triu(1);
  CHECK(max_diff(linalg::eigvalsh(garbage), linalg::eigvalsh(A)) < 1e-12);
}

TEST_CASE("eigvalsh matches PyTorch on a fixed symmetric matrix") {
  const Tensor A = tensor({{4.0, 1.0, -2.0}, {1.0, 2.0, 0.0}, {-2.0, 0.0, 3.0}}, kFloat64);
  CHECK(max_diff(linalg::eigvalsh(A), tensor(linalg_oracle::eigvalsh, {3}, kFloat64)) < 1e-12);
}

TEST_CASE("eigh works in float32") {
  manual_seed(14);
  const Tensor A = sym(randn({2, 6, 6}));
  auto [L, V] = linalg::eigh(A);
  CHECK(L.dtype() == kFloat32);
  CHECK(max_diff(matmul(A, V), V * L.unsqueeze(-2)) < 1e-4);
}

TEST_CASE("eigh gradient passes first and second order gradcheck") {
  manual_seed(15);
  const Tensor X = leaf(randn({2, 4, 4}, kFloat64));
  const Tensor W = randn({4, 4}, kFloat64);
  auto f = [W](const TensorList& x) {
    auto [L, V] = linalg::eigh(sym(x[0]));
    // gauge-invariant: a spectral function V diag(g(L)) Vᵀ, and the eigenvalues
    return (matmul(V * L.sin().unsqueeze(-2), V.mT()) * W).sum() + L.square().sum();
  };
  CHECK(autograd::gradcheck(f, {X}, 1e-6, 1e-5, 1e-4, /*check_grad_grad=*/true));
}

TEST_CASE("eigvalsh gradient is V diag(g) Vt and finite for the identity") {
  const Tensor A = leaf(eye(4, kFloat64));
  const Tensor w = tensor({1.0, 2.0, 3.0, 4.0}, kFloat64);
  (linalg::eigvalsh(A) * w).sum().backward();
  REQUIRE(all_finite(A.grad()));
  // all eigenvalues equal: any V works; the sorted assignment gives a symmetric gradient with
  // trace sum(w)
  CHECK(std::abs(A.grad().diagonal().sum().item<double>() - 10.0) < 1e-12);
  const Tensor B = leaf(eye(4, kFloat64));
  linalg::eigvalsh(B).sum().backward();
  CHECK(max_diff(B.grad(), eye(4, kFloat64)) < 1e-12);
}

TEST_CASE("eigh gradient of the projector onto a degenerate eigenspace is finite and correct") {
  manual_seed(16);
  const Tensor Q = random_orthogonal(4);
  const Tensor A0 = matmul(Q * tensor({1.0, 1.0, 3.0, 5.0}, kFloat64).unsqueeze(0), Q.mT());
  const Tensor X = leaf(A0);
  const Tensor W = randn({4, 4}, kFloat64);
  auto f = [W](const TensorList& x) {
    auto [L, V] = linalg::eigh(0.5 * sym(x[0]));
    const Tensor Vb = V.narrow(-1, 0, 2);  // the repeated eigenvalue 1
    return (matmul(Vb, Vb.mT()) * W).sum() + L.sum();
  };
  const Tensor g = autograd::grad({f({X})}, {X})[0];
  REQUIRE(all_finite(g));
  CHECK(autograd::gradcheck(f, {X}, 1e-6, 1e-5, 1e-4));
}

TEST_CASE("eigh rejects non-square matrices and NaN input") {
  REQUIRE_THROWS_AS(linalg::eigh(ones({2, 3}, kFloat64)), ShapeError);
  REQUIRE_THROWS_WITH(linalg::eigh(ones({2, 3}, kFloat64)), Catch::Contains("linalg.eigh") &&
                                                                Catch::Contains("square") &&
                                                                Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(linalg::eigvalsh(tensor({{1.0, 0.0}, {NAN, 1.0}}, kFloat64)),
                      Catch::Contains("linalg.eigvalsh") && Catch::Contains("NaN"));
  REQUIRE_THROWS_AS(linalg::eigh(ones({4}, kFloat64)), ShapeError);
}
