// Uses an installed paragrad: builds a tiny graph, runs backward and checks the gradient.
// Exit status 0 means the package works. Built from CMake (find_package) and from the README's
// pkg-config line; neither passes -std=c++17 itself: it comes with the package.
#include <cstring>
#include <iostream>

#include <paragrad/engine/engine.hpp>
#include <paragrad/paragrad.hpp>
#include <paragrad/version.hpp>

int main() {
  using namespace paragrad;
#ifdef PARAGRAD_CONSUMER_EXPECTED_VERSION  // the CMake package's version, paragrad_VERSION
  if (std::strcmp(PARAGRAD_VERSION_STRING, PARAGRAD_CONSUMER_EXPECTED_VERSION) != 0) {
    std::cerr << "paragrad consumer: version.hpp says " << PARAGRAD_VERSION_STRING
              << ", the CMake package " << PARAGRAD_CONSUMER_EXPECTED_VERSION << "\n";
    return 1;
  }
#endif
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
