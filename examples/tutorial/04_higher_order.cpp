// Tutorial chapter 4 (docs/tutorial/04_higher_order.md): gradients of gradients. A gradient
// taken with create_graph is a tensor with a graph of its own; differentiating it again gives
// Hessian-vector products, and Newton's method.
#include <cmath>
#include <cstdio>
#include <iostream>

#include <paragrad/paragrad.hpp>

using namespace paragrad;
namespace functional = autograd::functional;

// Rosenbrock's banana: minimum 0 at (1, 1), at the end of a long curved valley.
Tensor rosenbrock(const Tensor& x) {
  Tensor x0 = x.select(0, 0), x1 = x.select(0, 1);
  return (1.0 - x0).square() + 100.0 * (x1 - x0.square()).square();
}

int main() {
  // 1. The gradient of sin is cos, and with create_graph the gradient says so.
  Tensor t = tensor({0.0, 1.0, 2.0}, kFloat64).requires_grad_();
  Tensor g = autograd::grad({t.sin().sum()}, {t}, {}, false, /*create_graph=*/true)[0];
  std::cout << "g = " << g << "\n";
  autograd::print_graph(std::cout, g, {{"t", t}});
  Tensor gg = autograd::grad({g.sum()}, {t})[0];  // d/dt of cos(t) = -sin(t)
  std::cout << "d(sum g)/dt = " << gg << "\n";

  // 2. A Hessian-vector product by hand: differentiate g(x) . v.
  Tensor x = tensor({-1.2, 1.0}, kFloat64).requires_grad_();
  Tensor v = tensor({1.0, 0.0}, kFloat64);
  Tensor gx = autograd::grad({rosenbrock(x)}, {x}, {}, false, /*create_graph=*/true)[0];
  Tensor Hv = autograd::grad({(gx * v).sum()}, {x})[0];
  std::cout << "\nf(x) = " << rosenbrock(x).item<double>() << ", gradient " << gx.detach()
            << "\nH v by hand      = " << Hv << "\n";

  // 3. The same with autograd::functional, and the whole Hessian.
  std::cout << "functional::hvp  = " << functional::hvp(rosenbrock, x, v).second << "\n";
  std::cout << "functional::hessian =\n" << functional::hessian(rosenbrock, x) << "\n";

  // 4. Newton's method: x <- x - H(x)^-1 g(x), one linear solve per step.
  Tensor xk = tensor({-1.2, 1.0}, kFloat64);
  std::printf("\nNewton from (-1.2, 1):\n");
  for (int k = 1; k <= 20; ++k) {
    Tensor gk = functional::vjp(rosenbrock, xk, Tensor()).second;  // the gradient
    if (gk.norm().item<double>() < 1e-9) {
      std::printf("converged: |gradient| < 1e-9 after %d steps\n", k - 1);
      break;
    }
    Tensor Hk = functional::hessian(rosenbrock, xk);
    xk = xk - linalg::solve(Hk, gk);
    std::printf("step %d: x = (%9.6f, %9.6f)  f = %.6f\n", k, xk.tolist()[0], xk.tolist()[1],
                rosenbrock(xk).item<double>());
  }

  // For comparison: 1000 steps of gradient descent, x <- x - 0.001 g(x).
  Tensor xd = tensor({-1.2, 1.0}, kFloat64).requires_grad_();
  for (int k = 0; k < 1000; ++k) {
    Tensor gd = autograd::grad({rosenbrock(xd)}, {xd})[0];
    NoGradGuard no_grad;
    xd.add_(gd, -1e-3);
  }
  std::printf("gradient descent, 1000 steps: x = (%.4f, %.4f)  f = %.4f\n", xd.tolist()[0],
              xd.tolist()[1], rosenbrock(xd).item<double>());
  return 0;
}
