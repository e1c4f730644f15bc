// Tutorial chapter 3 (docs/tutorial/03_custom_function.md): writing an op with its own
// backward, autograd::Function, and checking it with gradcheck.
#include <cmath>
#include <iostream>

#include <paragrad/paragrad.hpp>

using namespace paragrad;
using autograd::AutogradContext;

// y = x³. forward computes the value and keeps what backward needs; backward gets the
// gradient of the output, g, and returns the gradient of the input: g · 3x².
struct Cube : autograd::Function<Cube> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    ctx->save_for_backward({x});
    return x * x * x;
  }
  static TensorList backward(AutogradContext* ctx, TensorList g) {
    auto x = ctx->get_saved_variables()[0];
    return {g[0] * 3 * x * x};
  }
};

// The same op with a typo in its rule: 2x² instead of 3x².
struct BadCube : autograd::Function<BadCube> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    ctx->save_for_backward({x});
    return x * x * x;
  }
  static TensorList backward(AutogradContext* ctx, TensorList g) {
    auto x = ctx->get_saved_variables()[0];
    return {g[0] * 2 * x * x};
  }
};

// Polar to Cartesian: two inputs (r, θ), a number (a scale), two outputs (x, y).
struct Polar : autograd::Function<Polar> {
  static TensorList forward(AutogradContext* ctx, const Tensor& r, const Tensor& theta,
                            double scale) {
    ctx->save_for_backward({r, theta});
    ctx->saved_data["scale"] = scale;
    return {r * theta.cos() * scale, r * theta.sin() * scale};
  }
  static TensorList backward(AutogradContext* ctx, TensorList g) {
    auto saved = ctx->get_saved_variables();
    const Tensor &r = saved[0], &theta = saved[1];
    const double scale = std::any_cast<double>(ctx->saved_data["scale"]);
    std::cout << "  Polar backward: needs_input_grad = " << ctx->needs_input_grad(0) << ", "
              << ctx->needs_input_grad(1) << ", " << ctx->needs_input_grad(2) << "\n";
    Tensor gr, gtheta;  // undefined: no gradient
    if (ctx->needs_input_grad(0)) gr = (g[0] * theta.cos() + g[1] * theta.sin()) * scale;
    if (ctx->needs_input_grad(1)) gtheta = (g[1] * theta.cos() - g[0] * theta.sin()) * r * scale;
    return {gr, gtheta, Tensor()};  // one per forward argument; none for the double
  }
};

// The logistic sigmoid, saving its output: σ'(x) = σ(x) (1 − σ(x)).
struct Sigmoid : autograd::Function<Sigmoid> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    Tensor s = 1.0 / (1.0 + (-x).exp());
    ctx->save_for_backward({s});
    return s;
  }
  static TensorList backward(AutogradContext* ctx, TensorList g) {
    auto s = ctx->get_saved_variables()[0];
    return {g[0] * s * (1.0 - s)};
  }
};

int main() {
  std::cout << std::boolalpha;
  // 1. Use it like any op.
  Tensor x = tensor({1.0, 2.0, -0.5}, kFloat64).requires_grad_();
  Tensor y = Cube::apply(x);
  y.sum().backward();
  std::cout << "y = " << y << "\n";
  std::cout << "x.grad() = " << x.grad() << "\n";
  autograd::print_graph(std::cout, y.sum(), {{"x", x}});

  // 2. Check it against finite differences, to first and second order.
  auto cube = [](const TensorList& in) { return Cube::apply(in[0]); };
  std::cout << "\ngradcheck(Cube): " << autograd::gradcheck(cube, {x}) << "\n";
  std::cout << "gradcheck(Cube), second order: "
            << autograd::gradcheck(cube, {x}, 1e-6, 1e-5, 1e-3, /*check_grad_grad=*/true) << "\n";
  auto bad = [](const TensorList& in) { return BadCube::apply(in[0]); };
  try {
    autograd::gradcheck(bad, {x});
  } catch (const AutogradError& e) {
    std::cout << "gradcheck(BadCube) raised: " << e.what() << "\n";
  }

  // 3. Several inputs and outputs, a non-tensor argument, needs_input_grad.
  Tensor r = tensor({2.0}, kFloat64).requires_grad_();
  Tensor theta = tensor({0.5}, kFloat64).requires_grad_();
  TensorList xy = Polar::apply(r, theta, 1.0);
  std::cout << "\nbackward of x + y:\n";
  (xy[0] + xy[1]).sum().backward();
  std::cout << "r.grad() = " << r.grad() << ", theta.grad() = " << theta.grad() << "\n";
  std::cout << "only d(y)/dr, by autograd::grad:\n";
  TensorList xy2 = Polar::apply(r, theta, 1.0);
  Tensor dy_dr = autograd::grad({xy2[1].sum()}, {r})[0];
  std::cout << "dy/dr = " << dy_dr << "  (sin 0.5 = " << std::sin(0.5) << ")\n";

  // 4. A saved output, double backward, and the graph with its saved tensors.
  Tensor z = tensor({0.0, 2.0}, kFloat64).requires_grad_();
  Tensor s = Sigmoid::apply(z);
  Tensor ds = autograd::grad({s.sum()}, {z}, {}, false, /*create_graph=*/true)[0];
  Tensor dds = autograd::grad({ds.sum()}, {z})[0];
  std::cout << "\nsigmoid' = " << ds << "\nsigmoid'' = " << dds << "\n";
  auto sig = [](const TensorList& in) { return Sigmoid::apply(in[0]); };
  std::cout << "gradcheck(Sigmoid), second order: "
            << autograd::gradcheck(sig, {z}, 1e-6, 1e-5, 1e-3, true) << "\n";
  autograd::DotOptions with_saved;
  with_saved.show_saved = true;
  std::cout << autograd::to_dot(Sigmoid::apply(z).sum(), {{"z", z}}, with_saved);

  // 5. What it saved is checked: modify it in place and backward refuses.
  Tensor a = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor h = a * 2.0;
  Tensor out = Cube::apply(h).sum();
  h.add_(ones_like(h));
  try {
    out.backward();
  } catch (const AutogradError& e) {
    std::cout << "\nbackward raised: " << e.what() << "\n";
  }
  return 0;
}
