// linalg workloads, LibTorch side: svd forward (16, 64, 256; float64) and svd_backward64 (as
// ../bench_linalg.cpp).
#include <memory>

#include "torch_common.hpp"

namespace {
using torch::indexing::Slice;

bench::Case svd(int n) {
  const torch::Tensor A = bench::to_torch(bench::svd_input(n), torch::kFloat64);
  auto S = std::make_shared<torch::Tensor>();
  return {[A, S] {
            torch::NoGradGuard no_grad;
            auto [U, s, Vh] = torch::linalg_svd(A, /*full_matrices=*/false);
            *S = s;
            return U.data_ptr<double>()[0] + s.data_ptr<double>()[0] + Vh.data_ptr<double>()[0];
          },
          [S] { return bench::total(*S); }};
}
BENCH_SIDE("svd16", "torch", [] { return svd(16); });
BENCH_SIDE("svd64", "torch", [] { return svd(64); });
BENCH_SIDE("svd256", "torch", [] { return svd(256); });

bench::Case svd_backward(int n) {
  auto A = std::make_shared<torch::Tensor>(
      bench::to_torch(bench::svd_input(n), torch::kFloat64).requires_grad_());
  return {[A] {
            A->mutable_grad() = torch::Tensor();
            auto [U, S, Vh] = torch::linalg_svd(*A, /*full_matrices=*/false);
            torch::Tensor loss = U.index({Slice(), 0}).sum().abs() * S.index({0}).sqrt() + S.sum();
            loss.backward();
            return A->grad().data_ptr<double>()[0];
          },
          [A] { return bench::total(A->grad()); }};
}
BENCH_SIDE("svd_backward64", "torch", [] { return svd_backward(64); });

}  // namespace
