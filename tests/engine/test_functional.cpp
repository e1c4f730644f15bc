// autograd::functional: jacobian, hessian, vjp, jvp, hvp, vhp against central finite
// differences and against torch.autograd.functional (tests/engine/functional_oracle.hpp,
// from scripts/oracle/functional_oracle.py); zeros where f does not depend on x; detached
// results unless create_graph (and then differentiable again); errors.
#include <cmath>
#include <functional>

#include "engine/engine_test_util.hpp"
#include "engine/functional_oracle.hpp"

using namespace paragrad;
using namespace paragrad::autograd::functional;
namespace oracle = functional_oracle;

namespace {

// The twins of the functions in scripts/oracle/functional_oracle.py.
Tensor f_vec(const Tensor& x) { return x.tanh() * x.sum(); }
Tensor f_scalar(const Tensor& x) { return (x.exp() * x.sin()).sum() + (x * x).prod(); }
Tensor f_mat(const Tensor& x) { return matmul(x, x.t()).tanh(); }
Tensor f_mat_scalar(const Tensor& x) { return matmul(x.sigmoid(), x.t()).sum() + x.pow(3.0).sum(); }
Tensor f_0d(const Tensor& x) { return x.exp() * x; }
Tensor f_one(const Tensor& x) { return (x * x.cos()).sum().reshape({1}); }

Tensor x3() { return tensor({0.3, -0.7, 1.1}, kFloat64); }
Tensor v3() { return tensor({0.5, -1.5, 2.0}, kFloat64); }
Tensor x23() { return tensor({{0.2, -0.4, 0.9}, {1.3, 0.6, -0.8}}, kFloat64); }
Tensor v23() { return tensor({{1.0, 0.5, -0.5}, {-2.0, 0.25, 1.5}}, kFloat64); }
Tensor v22() { return tensor({{0.7, -1.1}, {0.4, 2.0}}, kFloat64); }

Tensor expected(const std::vector<double>& values, const Shape& shape) {
  return tensor(values, shape, kFloat64);
}

// d f(x) / d x by central differences: shape f(x).shape + x.shape, computed with no graph.
Tensor fd_jacobian(const Fn& f, const Tensor& x, double eps = 1e-6) {
  NoGradGuard no_grad;
  const Tensor x0 = x.detach().contiguous();
  const Tensor out = f(x0);
  Shape shape = out.shape();
  for (int64_t d : x0.sizes()) shape.push_back(d);
  TensorList columns;
  for (int64_t e = 0; e < x0.numel(); ++e) {
    Tensor plus = x0.clone(), minus = x0.clone();
    plus.data_ptr<double>()[e] += eps;
    minus.data_ptr<double>()[e] -= eps;
    columns.push_back(((f(plus) - f(minus)) / (2 * eps)).reshape({-1}));
  }
  // columns[e][j] = d out_j / d x_e: stack along the last dim to get [out..., x...].
  return stack(columns, 1).reshape(shape);
}

// The gradient of a single-element f, as a function of x (for finite-difference Hessians).
Fn gradient_of(const Fn& f) {
  return [f](const Tensor& x) {
    EnableGradGuard grad_on;
    Tensor xg = x.detach().requires_grad_();
    return autograd::grad({f(xg)}, {xg})[0].detach();
  };
}

bool close(const Tensor& a, const Tensor& b, double tol = 1e-10) {
  return a.shape() == b.shape() && allclose(a, b, tol, tol);
}

}  // namespace

TEST_CASE("jacobian of a vector function matches PyTorch and finite differences", "[functional]") {
  const Tensor J = jacobian(f_vec, x3());
  CHECK(J.shape() == oracle::jacobian_vec_shape);
  CHECK(close(J, expected(oracle::jacobian_vec, oracle::jacobian_vec_shape)));
  CHECK(close(J, fd_jacobian(f_vec, x3()), 1e-7));
}

TEST_CASE("jacobian of a matrix function has shape f(x).shape + x.shape", "[functional]") {
  const Tensor J = jacobian(f_mat, x23());
  CHECK(J.shape() == Shape{2, 2, 2, 3});
  CHECK(close(J, expected(oracle::jacobian_mat, oracle::jacobian_mat_shape)));
  CHECK(close(J, fd_jacobian(f_mat, x23()), 1e-7));
}

TEST_CASE("hessian matches PyTorch and finite differences of the gradient", "[functional]") {
  const Tensor H = hessian(f_scalar, x3());
  CHECK(close(H, expected(oracle::hessian_scalar, oracle::hessian_scalar_shape)));
  CHECK(close(H, fd_jacobian(gradient_of(f_scalar), x3()), 1e-7));
  const Tensor Hm = hessian(f_mat_scalar, x23());
  CHECK(Hm.shape() == Shape{2, 3, 2, 3});
  CHECK(close(Hm, expected(oracle::hessian_mat, oracle::hessian_mat_shape)));
  CHECK(close(Hm, fd_jacobian(gradient_of(f_mat_scalar), x23()), 1e-7));
}

TEST_CASE("hessian of a 0-d x is 0-d and an f of shape 1 counts as a single element",
          "[functional]") {
  const Tensor H0 = hessian(f_0d, scalar(0.4, kFloat64));
  CHECK(H0.shape() == oracle::hessian_0d_shape);
  CHECK(close(H0, expected(oracle::hessian_0d, oracle::hessian_0d_shape)));
  const Tensor H1 = hessian(f_one, x3());
  CHECK(H1.shape() == oracle::hessian_one_shape);
  CHECK(close(H1, expected(oracle::hessian_one, oracle::hessian_one_shape)));
}

TEST_CASE("vjp returns f(x) and v^T J, as PyTorch", "[functional]") {
  auto [fx, g] = vjp(f_mat, x23(), v22());
  CHECK(close(fx, expected(oracle::f_mat_value, oracle::f_mat_value_shape)));
  CHECK(close(g, expected(oracle::vjp_mat, oracle::vjp_mat_shape)));
  // v^T J by hand from the full Jacobian.
  const Tensor J = jacobian(f_mat, x23()).reshape({4, 6});
  CHECK(close(g, matmul(v22().reshape({1, 4}), J).reshape({2, 3})));
}

TEST_CASE("jvp (double-vjp trick) returns f(x) and J v, as PyTorch", "[functional]") {
  auto [fx, Jv] = jvp(f_mat, x23(), v23());
  CHECK(close(fx, expected(oracle::f_mat_value, oracle::f_mat_value_shape)));
  CHECK(close(Jv, expected(oracle::jvp_mat, oracle::jvp_mat_shape)));
  const Tensor J = jacobian(f_mat, x23()).reshape({4, 6});
  CHECK(close(Jv, matmul(J, v23().reshape({6})).reshape({2, 2})));
  CHECK(close(jvp(f_vec, x3(), v3()).second, expected(oracle::jvp_vec, oracle::jvp_vec_shape)));
  // against a finite difference along v
  const double eps = 1e-6;
  const Tensor fd = (f_vec(x3() + v3() * eps) - f_vec(x3() - v3() * eps)) / (2 * eps);
  CHECK(close(jvp(f_vec, x3(), v3()).second, fd, 1e-7));
}

TEST_CASE("hvp and vhp return f(x) and H v without forming H, as PyTorch", "[functional]") {
  auto [fx, Hv] = hvp(f_scalar, x3(), v3());
  CHECK(fx.item<double>() == Approx(f_scalar(x3()).item<double>()).epsilon(1e-14));
  CHECK(close(Hv, expected(oracle::hvp_scalar, oracle::hvp_scalar_shape)));
  CHECK(close(vhp(f_scalar, x3(), v3()).second,
              expected(oracle::vhp_scalar, oracle::vhp_scalar_shape)));
  CHECK(close(Hv, matmul(hessian(f_scalar, x3()), v3())));
  CHECK(close(hvp(f_mat_scalar, x23(), v23()).second,
              expected(oracle::hvp_mat, oracle::hvp_mat_shape)));
  // against a finite difference of the gradient along v
  const double eps = 1e-6;
  const Fn grad_f = gradient_of(f_scalar);
  const Tensor fd = (grad_f(x3() + v3() * eps) - grad_f(x3() - v3() * eps)) / (2 * eps);
  CHECK(close(Hv, fd, 1e-7));
}

TEST_CASE("derivatives of a function that does not depend on x are zeros", "[functional]") {
  const Tensor x = x3();
  auto constant = [](const Tensor&) { return full({2}, 7.0, kFloat64); };
  CHECK(equal(jacobian(constant, x), zeros({2, 3}, kFloat64)));
  CHECK(equal(vjp(constant, x, ones({2}, kFloat64)).second, zeros({3}, kFloat64)));
  CHECK(equal(jvp(constant, x, v3()).second, zeros({2}, kFloat64)));
  // f uses only part of x, or x only linearly: the rest of the derivative is zero.
  auto first = [](const Tensor& t) { return t.select(0, 0) * 2.0; };
  CHECK(equal(jacobian(first, x), tensor({2.0, 0.0, 0.0}, kFloat64)));
  auto linear = [](const Tensor& t) { return (t * 3.0).sum(); };
  CHECK(equal(hessian(linear, x), zeros({3, 3}, kFloat64)));
  CHECK(equal(hvp(linear, x, v3()).second, zeros({3}, kFloat64)));
  CHECK(equal(vhp(linear, x, v3()).second, zeros({3}, kFloat64)));
  auto scalar_constant = [](const Tensor&) { return scalar(1.0, kFloat64); };
  CHECK(equal(hessian(scalar_constant, x), zeros({3, 3}, kFloat64)));
}

TEST_CASE("results are detached unless create_graph, and the caller's x is left alone",
          "[functional]") {
  Tensor x = x3().requires_grad_();
  const Tensor J = jacobian(f_vec, x);
  const Tensor H = hessian(f_scalar, x);
  auto [fx, g] = vjp(f_vec, x, v3());
  auto [fx2, Jv] = jvp(f_vec, x, v3());
  auto [fx3, Hv] = hvp(f_scalar, x, v3());
  for (const Tensor& t : {J, H, fx, g, fx2, Jv, fx3, Hv}) {
    CHECK_FALSE(t.requires_grad());
    CHECK_FALSE(t.grad_fn());
  }
  CHECK(x.is_leaf());
  CHECK(x.requires_grad());
  CHECK_FALSE(x.grad().defined());
  Tensor c = x3();  // a plain tensor stays plain
  jacobian(f_vec, c);
  CHECK_FALSE(c.requires_grad());
}

TEST_CASE("with create_graph the results are differentiable with respect to x", "[functional]") {
  Tensor x = x3().requires_grad_();
  // d/dx of sum(H(x)) against finite differences of x -> sum(H(x)).
  const Tensor H = hessian(f_scalar, x, /*create_graph=*/true);
  REQUIRE(H.requires_grad());
  const Tensor third = autograd::grad({H.sum()}, {x})[0];
  auto sum_of_hessian = [](const Tensor& t) { return hessian(f_scalar, t).sum().reshape({1}); };
  CHECK(close(third, fd_jacobian(sum_of_hessian, x3()).reshape({3}), 1e-6));
  // The same for hvp, jvp and vjp: each result's gradient matches finite differences.
  for (int which = 0; which < 3; ++which) {
    auto product = [which](const Tensor& t, bool graph) {
      if (which == 0) return hvp(f_scalar, t, v3(), graph).second;
      if (which == 1) return jvp(f_vec, t, v3(), graph).second;
      return vjp(f_vec, t, v3(), graph).second;
    };
    INFO("which = " << which);
    const Tensor r = product(x, true);
    REQUIRE(r.requires_grad());
    const Tensor gr = autograd::grad({r.sum()}, {x})[0];
    auto total = [&](const Tensor& t) { return product(t, false).sum().reshape({1}); };
    CHECK(close(gr, fd_jacobian(total, x3()).reshape({3}), 1e-6));
  }
}

TEST_CASE("jacobian with create_graph passes gradcheck to second order", "[functional]") {
  auto f = [](const TensorList& in) { return jacobian(f_vec, in[0], /*create_graph=*/true); };
  CHECK(paragrad::test::gradcheck2(f, {x3().requires_grad_()}));
}

TEST_CASE("Newton's method with hessian and the gradient follows PyTorch's iterates",
          "[functional]") {
  // Rosenbrock from (-1.2, 1), as docs/tutorial/04_higher_order.md (which uses linalg::solve;
  // the 2x2 system is solved by Cramer's rule here, the engine tests do not use linalg).
  auto rosenbrock = [](const Tensor& x) {
    Tensor x0 = x.select(0, 0), x1 = x.select(0, 1);
    return (1.0 - x0).square() + 100.0 * (x1 - x0.square()).square();
  };
  Tensor x = tensor({-1.2, 1.0}, kFloat64);
  const Tensor path = expected(oracle::newton_path, oracle::newton_path_shape);
  for (int k = 0; k < 6; ++k) {
    const std::vector<double> g = vjp(rosenbrock, x, Tensor()).second.tolist();
    const std::vector<double> H = hessian(rosenbrock, x).tolist();
    const double det = H[0] * H[3] - H[1] * H[2];
    const Tensor step =
        tensor({(H[3] * g[0] - H[1] * g[1]) / det, (H[0] * g[1] - H[2] * g[0]) / det}, kFloat64);
    x = x - step;
    INFO("step " << k + 1);
    CHECK(allclose(x, path.select(0, k), 1e-9, 1e-12));
  }
}

TEST_CASE("functional runs f with grad mode on even inside NoGradGuard", "[functional]") {
  NoGradGuard no_grad;
  const Tensor J = jacobian(f_vec, x3());
  CHECK(close(J, expected(oracle::jacobian_vec, oracle::jacobian_vec_shape)));
  CHECK_FALSE(is_grad_enabled());
}

TEST_CASE("functional works in float32", "[functional]") {
  const Tensor J = jacobian(f_vec, x3().to(kFloat32));
  CHECK(J.dtype() == kFloat32);
  CHECK(allclose(J.to(kFloat64), expected(oracle::jacobian_vec, oracle::jacobian_vec_shape), 1e-5,
                 1e-6));
}

TEST_CASE("v may be omitted for a single-element output (vjp) or input (jvp, hvp)",
          "[functional]") {
  const Tensor x = x3();
  CHECK(close(vjp(f_scalar, x, Tensor()).second, jacobian(f_scalar, x)));
  const Tensor s = scalar(0.4, kFloat64);
  CHECK(close(jvp(f_0d, s, Tensor()).second, jacobian(f_0d, s)));
  CHECK(close(hvp(f_0d, s, Tensor()).second, hessian(f_0d, s)));
}

TEST_CASE("functional rejects bad x, f and v with errors naming the function and shapes",
          "[functional]") {
  const Tensor x = x3();
  CHECK_THROWS_AS(jacobian(f_vec, Tensor()), ValueError);
  CHECK_THROWS_WITH(jacobian(f_vec, Tensor()), Catch::StartsWith("jacobian: x is undefined"));
  CHECK_THROWS_AS(hessian(f_scalar, arange(0, 3, 1, kInt64)), DtypeError);
  CHECK_THROWS_WITH(hessian(f_scalar, arange(0, 3, 1, kInt64)),
                    Catch::StartsWith("hessian") && Catch::Contains("int64"));
  auto undefined = [](const Tensor&) { return Tensor(); };
  CHECK_THROWS_WITH(vjp(undefined, x, v3()), Catch::StartsWith("vjp: f returned an undefined"));
  CHECK_THROWS_AS(hessian(f_vec, x), ShapeError);
  CHECK_THROWS_WITH(hessian(f_vec, x), Catch::StartsWith("hessian") && Catch::Contains("[3]"));
  CHECK_THROWS_WITH(hvp(f_vec, x, v3()), Catch::StartsWith("hvp") && Catch::Contains("[3]"));
  CHECK_THROWS_AS(vjp(f_vec, x, ones({2}, kFloat64)), ShapeError);
  CHECK_THROWS_WITH(vjp(f_vec, x, ones({2}, kFloat64)),
                    Catch::StartsWith("vjp: v has shape [2] but f(x) has shape [3]"));
  CHECK_THROWS_WITH(jvp(f_vec, x, ones({3, 1}, kFloat64)),
                    Catch::StartsWith("jvp: v has shape [3, 1] but x has shape [3]"));
  CHECK_THROWS_WITH(vjp(f_vec, x, Tensor()),
                    Catch::StartsWith("vjp: v may be omitted only when f(x) has a single element"));
  CHECK_THROWS_WITH(vhp(f_scalar, x, ones({4}, kFloat64)),
                    Catch::StartsWith("vhp: v has shape [4] but x has shape [3]"));
  // an error inside f propagates unchanged
  auto bad = [](const Tensor& t) { return matmul(t, ones({2, 2}, kFloat64)); };
  CHECK_THROWS_WITH(jacobian(bad, x), Catch::StartsWith("matmul"));
}
