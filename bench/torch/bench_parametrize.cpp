// parametrize workloads, LibTorch side. LibTorch has no C++ parametrize module, so the
// parametrized weights are written out as the ops torch.nn.utils.parametrize would run
// (without its Python overhead, which favours LibTorch):
//   orthogonal (matrix_exp map, use_trivialization): W = base · exp(tril(X) − tril(X)ᵀ)
//   Symmetric: W = triu(X) + triu(X, 1)ᵀ
#include "torch_common.hpp"

namespace {

torch::Tensor orthogonal_weight(const torch::Tensor& X, const torch::Tensor& base) {
  torch::Tensor L = X.tril();
  return torch::matmul(base, torch::linalg_matrix_exp(L - L.mT()));
}
torch::Tensor symmetric_weight(const torch::Tensor& X) { return X.triu() + X.triu(1).t(); }

// Linear(64, 64) with the weight computed by `weight` from X, batch of 32, loss = sum(y²).
template <class F>
void run_linear(benchmark::State& state, torch::Tensor X, F&& weight) {
  const bench::ParamData d = bench::param_data();
  torch::Tensor b = bench::to_torch(d.lin.bias).reshape({bench::kParamN}).requires_grad_();
  X.requires_grad_();
  const torch::Tensor x = bench::to_torch(d.x);
  for (auto _ : state) {
    torch::Tensor loss = torch::nn::functional::linear(x, weight(X), b).pow(2).sum();
    loss.backward();
    benchmark::DoNotOptimize(loss.data_ptr());
    X.mutable_grad() = torch::Tensor();
    b.mutable_grad() = torch::Tensor();
  }
}

void orthogonal_linear(benchmark::State& state) {
  const bench::ParamData d = bench::param_data();
  // base: the initial weight made orthogonal as PyTorch's right_inverse does (QR, diag(R) ≥ 0).
  auto [Q, R] = torch::linalg_qr(bench::to_torch(d.lin.weight));
  const torch::Tensor base = Q * R.diagonal().sgn().unsqueeze(-2);
  run_linear(state, bench::to_torch(d.ortho_original),
             [&](const torch::Tensor& X) { return orthogonal_weight(X, base); });
}

void symmetric_linear(benchmark::State& state) {
  const bench::ParamData d = bench::param_data();
  run_linear(state, bench::to_torch(d.lin.weight).triu(), symmetric_weight);
}

void symmetric_forward_ops(benchmark::State& state) {
  const bench::ParamData d = bench::param_data();
  torch::Tensor X = bench::to_torch(d.lin.weight).triu().requires_grad_();
  for (auto _ : state) {
    torch::Tensor W = symmetric_weight(X);
    benchmark::DoNotOptimize(W.data_ptr());
  }
}

}  // namespace

BENCHMARK(orthogonal_linear)
    ->Name("torch/orthogonal_linear")
    ->Unit(benchmark::kMicrosecond)
    ->Apply(bench::configure);
BENCHMARK(symmetric_linear)
    ->Name("torch/symmetric_linear")
    ->Unit(benchmark::kMicrosecond)
    ->Apply(bench::configure);
BENCHMARK(symmetric_forward_ops)->Name("torch/symmetric_forward_ops")->Apply(bench::configure);
