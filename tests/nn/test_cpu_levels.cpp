// nn's CPU-level kernels on every level this machine runs (engine/cpu_capability.hpp): linear's
// forward, one GEMM accumulating into the bias rows (nn/functional/linear.cpp), matches matmul +
// add; Adam's fused update (nn/optim/adam_level.cpp) gives bitwise the same parameters.
#include <string>

#include <catch2/catch.hpp>

#include <paragrad/paragrad.hpp>

using namespace paragrad;
namespace F = paragrad::nn::functional;

TEST_CASE("linear's accumulating GEMM agrees with matmul + bias on every CPU level",
          "[linear][cpu_dispatch]") {
  const std::string saved = cpu_capability();
  for (const std::string& level : available_cpu_capabilities()) {
    set_cpu_capability(level);
    for (Dtype dt : {kFloat32, kFloat64}) {
      const double tol = dt == kFloat32 ? 1e-5 : 1e-12;
      for (auto [rows, in, out] : {std::array<int64_t, 3>{1, 1, 1}, {5, 7, 3}, {128, 96, 40}}) {
        manual_seed(uint64_t(rows + in + out));
        const Tensor x = randn({rows, in}, dt), w = randn({out, in}, dt), b = randn({out}, dt);
        INFO(level << " " << dtype_name(dt) << " " << rows << "x" << in << " -> " << out);
        CHECK(allclose(F::linear(x, w, b), matmul(x, w.t()) + b, tol, tol));
        CHECK(allclose(F::linear(x, w), matmul(x, w.t()), tol, tol));
      }
    }
  }
  set_cpu_capability(saved);
}

TEST_CASE("Adam's fused update gives bitwise the same parameters on every CPU level",
          "[adam][cpu_dispatch]") {
  const std::string saved = cpu_capability();
  for (Dtype dt : {kFloat32, kFloat64}) {
    for (bool amsgrad : {false, true}) {
      std::vector<Tensor> finals;
      for (const std::string& level : available_cpu_capabilities()) {
        set_cpu_capability(level);
        manual_seed(9);
        Tensor w = randn({1031}, dt).requires_grad_();  // a vector-width tail on every level
        const Tensor target = randn({1031}, dt);
        optim::Adam opt({w}, 0.01, {0.9, 0.999}, 1e-8, 0.01, amsgrad);
        for (int step = 0; step < 5; ++step) {
          opt.zero_grad();
          ((w - target) * (w - target) * w).sum().backward();
          opt.step();
        }
        finals.push_back(w.detach().clone());
      }
      for (size_t l = 1; l < finals.size(); ++l) {
        INFO(dtype_name(dt) << (amsgrad ? " amsgrad" : "") << " level "
                            << available_cpu_capabilities()[l]);
        CHECK(equal(finals[l], finals[0]));
      }
    }
  }
  set_cpu_capability(saved);
}
