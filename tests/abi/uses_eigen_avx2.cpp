// Compiled with -march=x86-64-v3 (tests/CMakeLists.txt): Eigen's maximum alignment is 32 bytes
// here and 16 in the library. Every Eigen object below is made or freed in this file.
#include <cmath>
#include <cstdio>

#include <paragrad/paragrad.hpp>

using namespace paragrad;

#if !defined(__AVX2__) || EIGEN_MAX_ALIGN_BYTES < 32
#error "uses_eigen_avx2.cpp must be compiled with -march=x86-64-v3 (Eigen aligned to 32 bytes)"
#endif

int run_avx2_application() {
  int failures = 0;
  auto expect = [&](bool ok, const char* what) {
    if (!ok) {
      std::printf("FAILED: %s\n", what);
      ++failures;
    }
  };
  manual_seed(3);
  const Tensor t = randn({37, 23}, kFloat64);
  for (int i = 0; i < 50; ++i) {  // made and freed many times: a bad free would show
    Eigen::MatrixXd m = t.to_eigen();
    m *= 2.0;
    expect(m.rows() == 37 && m.cols() == 23 && m(5, 7) == 2.0 * t.index({5, 7}).item<double>(),
           "Tensor::to_eigen");
    const Eigen::MatrixXf f = to_eigen<float>(t.to(kFloat32));
    expect(f(36, 22) == t.to(kFloat32).index({36, 22}).item<float>(), "to_eigen<float>");
    const Tensor back = from_eigen(Eigen::MatrixXd(m / 2.0));
    expect(allclose(back, t, 0, 0), "from_eigen");
  }
  // L-BFGS keeps Eigen vectors across steps; the optimizer is made and destroyed here.
  for (int run = 0; run < 3; ++run) {
    Tensor x = zeros({5}, kFloat64).requires_grad_();
    const Tensor target = arange(5).to(kFloat64);
    {
      optim::LBFGS opt({x}, 1.0, 20, 0, 1e-10, 1e-12, 10, "strong_wolfe");
      for (int i = 0; i < 3; ++i)
        opt.step([&] {
          opt.zero_grad();
          Tensor loss = ((x - target) * (x - target)).sum();
          loss.backward();
          return loss;
        });
    }
    expect(allclose(x.detach(), target, 1e-6, 1e-6), "LBFGS converges");
  }
  if (failures == 0) std::printf("ok: Eigen interop and L-BFGS in an x86-64-v3 application\n");
  return failures == 0 ? 0 : 1;
}
