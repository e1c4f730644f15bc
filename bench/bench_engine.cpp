// Engine workloads, paragrad side: op_chain, matmul512, matmul_bmm, einsum_bmm, deep_chain,
// deep_chain_memory.
#include <memory>

#include <paragrad/engine/engine.hpp>

#include "common.hpp"
#include "harness.hpp"
#include "threads.hpp"

namespace {
using namespace paragrad;

Tensor from_rows(const bench::RowMatrixXd& m, Dtype dtype) {
  return from_eigen(Eigen::MatrixXd(m)).to(dtype).contiguous();
}
double total(const Tensor& t) { return t.to(kFloat64).sum().item<double>(); }

// op_chain: 4 floats, 33 × (mul 1.01, add 0.1, tanh), sum, backward.
bench::Case op_chain() {
  bench::Rng rng(bench::kSeedOpChain);
  auto x = std::make_shared<Tensor>(from_rows(bench::randn(rng, bench::kOpChainLen, 1), kFloat32)
                                        .reshape({bench::kOpChainLen})
                                        .requires_grad_());
  return {[x] {
            x->zero_grad();
            Tensor y = *x;
            for (int i = 0; i < bench::kOpChainReps; ++i) y = (y * 1.01 + 0.1).tanh();
            y.sum().backward();
            return double(x->grad().data_ptr<float>()[0]);
          },
          [x] { return total(x->grad()); }};
}
BENCH_SIDE("op_chain", "paragrad", op_chain);

// matmul512: C = A B, sum, backward (the two gradient GEMMs): 6 n³ flops.
bench::Case matmul512() {
  auto A = std::make_shared<Tensor>(from_rows(bench::matmul_input(0), kFloat32).requires_grad_());
  auto B = std::make_shared<Tensor>(from_rows(bench::matmul_input(1), kFloat32).requires_grad_());
  return {[A, B] {
            A->zero_grad();
            B->zero_grad();
            matmul(*A, *B).sum().backward();
            return double(A->grad().data_ptr<float>()[0] + B->grad().data_ptr<float>()[0]);
          },
          [A, B] { return total(A->grad()) + total(B->grad()); }};
}
BENCH_SIDE("matmul512", "paragrad", matmul512);
BENCH_SIDE("matmul512_2t", "paragrad", matmul512);
BENCH_SIDE("matmul512_2t", "paragrad_1t", [] { return bench::one_thread(matmul512()); });

// matmul_bmm / einsum_bmm: the same batched product, 16 × (128×128 · 128×128), written as matmul
// and as einsum("bij,bjk->bik"); forward, sum, backward: 6·16·128³ flops. einsum should cost what
// matmul costs (it contracts through matmul without copies; issue 16).
bench::Case bmm(bool use_einsum) {
  const Shape shape{bench::kBmmBatch, bench::kBmmN, bench::kBmmN};
  auto A = std::make_shared<Tensor>(
      from_rows(bench::bmm_input(0), kFloat32).reshape(shape).requires_grad_());
  auto B = std::make_shared<Tensor>(
      from_rows(bench::bmm_input(1), kFloat32).reshape(shape).requires_grad_());
  return {[A, B, use_einsum] {
            A->zero_grad();
            B->zero_grad();
            const Tensor C = use_einsum ? einsum("bij,bjk->bik", {*A, *B}) : matmul(*A, *B);
            C.sum().backward();
            return double(A->grad().data_ptr<float>()[0] + B->grad().data_ptr<float>()[0]);
          },
          [A, B] { return total(A->grad()) + total(B->grad()); }};
}
BENCH_SIDE("matmul_bmm", "paragrad", [] { return bmm(false); });
BENCH_SIDE("einsum_bmm", "paragrad", [] { return bmm(true); });
BENCH_SIDE("einsum_bmm", "matmul", [] { return bmm(false); });

// deep_chain: a scalar through 1,000,000 ops alternating mul and add, backward, the graph freed.
double deep_chain_once(bench::PeakMemory* probe) {
  Tensor x = scalar(1.0).requires_grad_();
  Tensor y = x;
  for (int i = 0; i < bench::kDeepChainOps; ++i) y = (i % 2 == 0) ? y * 0.9999999 : y + 1e-7;
  if (probe) probe->sample();  // the whole graph is alive here
  y.backward();
  return x.grad().item<double>();
}
bench::Case deep_chain() {
  return {[] { return deep_chain_once(nullptr); }};
}
BENCH_SIDE("deep_chain", "paragrad", deep_chain);

// deep_chain_memory: the same, reporting the peak memory above the starting RSS per op.
bench::Case deep_chain_memory() { return bench::deep_chain_memory_case(deep_chain_once); }
BENCH_SIDE("deep_chain_memory", "paragrad", deep_chain_memory);

}  // namespace
