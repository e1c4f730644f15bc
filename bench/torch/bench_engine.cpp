// Engine workloads, LibTorch side: op_chain, matmul512, matmul_bmm (torch::bmm), einsum_bmm
// (torch::einsum), deep_chain, deep_chain_memory (as ../bench_engine.cpp).
#include <memory>
#include <vector>

#include "torch_common.hpp"

namespace {

bench::Case op_chain() {
  bench::Rng rng(bench::kSeedOpChain);
  auto x = std::make_shared<torch::Tensor>(bench::to_torch(bench::randn(rng, bench::kOpChainLen, 1))
                                               .reshape({bench::kOpChainLen})
                                               .requires_grad_());
  return {[x] {
            x->mutable_grad() = torch::Tensor();  // as paragrad's zero_grad(): grad undefined
            torch::Tensor y = *x;
            for (int i = 0; i < bench::kOpChainReps; ++i) y = (y * 1.01 + 0.1).tanh();
            y.sum().backward();
            return double(x->grad().data_ptr<float>()[0]);
          },
          [x] { return bench::total(x->grad()); }};
}
BENCH_SIDE("op_chain", "torch", op_chain);

bench::Case matmul512() {
  auto A =
      std::make_shared<torch::Tensor>(bench::to_torch(bench::matmul_input(0)).requires_grad_());
  auto B =
      std::make_shared<torch::Tensor>(bench::to_torch(bench::matmul_input(1)).requires_grad_());
  return {[A, B] {
            A->mutable_grad() = torch::Tensor();
            B->mutable_grad() = torch::Tensor();
            torch::matmul(*A, *B).sum().backward();
            return double(A->grad().data_ptr<float>()[0] + B->grad().data_ptr<float>()[0]);
          },
          [A, B] { return bench::total(A->grad()) + bench::total(B->grad()); }};
}
BENCH_SIDE("matmul512", "torch", matmul512);
BENCH_SIDE("matmul512_2t", "torch", matmul512);  // on the row's 2 threads (setup.cpp)

bench::Case bmm(bool use_einsum) {
  const std::vector<int64_t> shape{bench::kBmmBatch, bench::kBmmN, bench::kBmmN};
  auto A = std::make_shared<torch::Tensor>(
      bench::to_torch(bench::bmm_input(0)).reshape(shape).requires_grad_());
  auto B = std::make_shared<torch::Tensor>(
      bench::to_torch(bench::bmm_input(1)).reshape(shape).requires_grad_());
  return {[A, B, use_einsum] {
            A->mutable_grad() = torch::Tensor();
            B->mutable_grad() = torch::Tensor();
            const torch::Tensor C =
                use_einsum ? torch::einsum("bij,bjk->bik", {*A, *B}) : torch::bmm(*A, *B);
            C.sum().backward();
            return double(A->grad().data_ptr<float>()[0] + B->grad().data_ptr<float>()[0]);
          },
          [A, B] { return bench::total(A->grad()) + bench::total(B->grad()); }};
}
BENCH_SIDE("matmul_bmm", "torch", [] { return bmm(false); });
BENCH_SIDE("einsum_bmm", "torch", [] { return bmm(true); });

double deep_chain_once(bench::PeakMemory* probe) {
  torch::Tensor x = torch::tensor(1.0f).requires_grad_();  // float32, as paragrad's scalar()
  torch::Tensor y = x;
  for (int i = 0; i < bench::kDeepChainOps; ++i) y = (i % 2 == 0) ? y * 0.9999999 : y + 1e-7;
  if (probe) probe->sample();
  y.backward();
  return x.grad().item<double>();
}
bench::Case deep_chain() {
  return {[] { return deep_chain_once(nullptr); }};
}
BENCH_SIDE("deep_chain", "torch", deep_chain);

bench::Case deep_chain_memory() { return bench::deep_chain_memory_case(deep_chain_once); }
BENCH_SIDE("deep_chain_memory", "torch", deep_chain_memory);

}  // namespace
