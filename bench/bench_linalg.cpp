// linalg workloads, paragrad side: svd forward (16, 64, 256; float64) and svd_backward64.
#include <memory>

#include <paragrad/engine/engine.hpp>
#include <paragrad/linalg/linalg.hpp>

#include "common.hpp"
#include "harness.hpp"

namespace {
using namespace paragrad;
using indexing::Slice;

Tensor from_rows(const bench::RowMatrixXd& m) { return from_eigen(Eigen::MatrixXd(m)); }

// Thin U, S, Vh of an n×n float64 matrix, no autograd. Check: the sum of the singular values.
bench::Case svd(int n) {
  const Tensor A = from_rows(bench::svd_input(n));
  auto S = std::make_shared<Tensor>();
  return {[A, S] {
            NoGradGuard no_grad;
            auto [U, s, Vh] = linalg::svd(A, /*full_matrices=*/false);
            *S = s;
            return U.data_ptr<double>()[0] + s.data_ptr<double>()[0] + Vh.data_ptr<double>()[0];
          },
          [S] { return S->sum().item<double>(); }};
}
BENCH_SIDE("svd16", "paragrad", [] { return svd(16); });
BENCH_SIDE("svd64", "paragrad", [] { return svd(64); });
BENCH_SIDE("svd256", "paragrad", [] { return svd(256); });

// loss = |sum(U[:, 0])| · √S₀ + sum(S), forward and backward. The |·| makes the loss (and so the
// gradient) independent of the sign each library picks for the singular vectors, so the sides'
// checks (the sum of A's gradient) can be compared.
bench::Case svd_backward(int n) {
  auto A = std::make_shared<Tensor>(from_rows(bench::svd_input(n)).requires_grad_());
  return {[A] {
            A->zero_grad();
            auto [U, S, Vh] = linalg::svd(*A, /*full_matrices=*/false);
            Tensor loss = U.index({Slice(), 0}).sum().abs() * S.index({0}).sqrt() + S.sum();
            loss.backward();
            return A->grad().data_ptr<double>()[0];
          },
          [A] { return A->grad().sum().item<double>(); }};
}
BENCH_SIDE("svd_backward64", "paragrad", [] { return svd_backward(64); });

}  // namespace
