// Uses an installed paragrad: builds a tiny graph, runs backward and checks the gradient.
// Exit status 0 means the package works.
#include <iostream>

#include <paragrad/engine/engine.hpp>
#include <paragrad/paragrad.hpp>

int main() {
  using namespace paragrad;
  try {
    Tensor x = tensor({{1.0, 2.0}, {3.0, 4.0}}).requires_grad_();
    Tensor w = tensor({0.5, -1.0}).requires_grad_();
    Tensor loss = (matmul(x, w) * matmul(x, w)).sum();  // sum_i (x_i . w)^2
    loss.backward();

    // d/dw = 2 x^T (x w),  d/dx = 2 (x w) w^T
    Tensor xw = matmul(x, w).detach();
    bool ok = allclose(w.grad(), matmul(x.detach().t(), xw) * 2.0) &&
              allclose(x.grad(), matmul(xw.unsqueeze(1), w.detach().unsqueeze(0)) * 2.0);
    std::cout << "loss = " << loss.item<double>() << "\nd loss / d w =\n"
              << w.grad() << "\n"
              << (ok ? "paragrad consumer: OK" : "paragrad consumer: WRONG GRADIENT") << "\n";
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "paragrad consumer: " << e.what() << "\n";
    return 1;
  }
}
