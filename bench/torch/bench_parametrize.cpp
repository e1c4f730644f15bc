// parametrize workloads, LibTorch side. LibTorch has no C++ parametrize module, so the
// parametrized weights are written out as the ops torch.nn.utils.parametrize would run
// (without its Python overhead, which favours LibTorch):
//   orthogonal (matrix_exp map, use_trivialization): W = base · exp(tril(X) − tril(X)ᵀ)
//   Symmetric: W = triu(X) + triu(X, 1)ᵀ
#include <memory>

#include "torch_common.hpp"

namespace {

torch::Tensor orthogonal_weight(const torch::Tensor& X, const torch::Tensor& base) {
  torch::Tensor L = X.tril();
  return torch::matmul(base, torch::linalg_matrix_exp(L - L.mT()));
}
torch::Tensor symmetric_weight(const torch::Tensor& X) { return X.triu() + X.triu(1).t(); }

// Linear(64, 64) with the weight computed by `weight` from X, batch of 32, loss = sum(y²).
// Check: the sum of the gradients of X and the bias.
template <class F>
bench::Case linear_case(torch::Tensor X, F weight) {
  struct State {
    torch::Tensor X, b, x;
  };
  const bench::ParamData d = bench::param_data();
  auto s = std::make_shared<State>();
  s->X = X.requires_grad_();
  s->b = bench::to_torch(d.lin.bias).reshape({bench::kParamN}).requires_grad_();
  s->x = bench::to_torch(d.x);
  return {[s, weight] {
            s->X.mutable_grad() = torch::Tensor();
            s->b.mutable_grad() = torch::Tensor();
            torch::Tensor loss =
                torch::nn::functional::linear(s->x, weight(s->X), s->b).pow(2).sum();
            loss.backward();
            return double(loss.data_ptr<float>()[0]);
          },
          [s] { return bench::total(s->X.grad()) + bench::total(s->b.grad()); }};
}

bench::Case orthogonal_linear() {
  const bench::ParamData d = bench::param_data();
  // base: the initial weight made orthogonal as PyTorch's right_inverse does (QR, diag(R) ≥ 0).
  auto [Q, R] = torch::linalg_qr(bench::to_torch(d.lin.weight));
  const torch::Tensor base = Q * R.diagonal().sgn().unsqueeze(-2);
  return linear_case(bench::to_torch(d.ortho_original),
                     [base](const torch::Tensor& X) { return orthogonal_weight(X, base); });
}
BENCH_SIDE("orthogonal_linear", "torch", orthogonal_linear);

bench::Case symmetric_linear() {
  const bench::ParamData d = bench::param_data();
  return linear_case(bench::to_torch(d.lin.weight).triu(), symmetric_weight);
}
BENCH_SIDE("symmetric_linear", "torch", symmetric_linear);

bench::Case symmetric_forward_ops() {
  const bench::ParamData d = bench::param_data();
  const torch::Tensor X = bench::to_torch(d.lin.weight).triu().requires_grad_();
  return {[X] {
    torch::Tensor W = symmetric_weight(X);
    return double(W.data_ptr<float>()[0]);
  }};
}
BENCH_SIDE("symmetric_forward_ops", "torch", symmetric_forward_ops);

}  // namespace
