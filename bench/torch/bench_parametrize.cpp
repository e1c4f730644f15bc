// parametrize workloads, LibTorch side. LibTorch has no C++ parametrize module, so the
// parametrized weights are written out as the ops torch.nn.utils.parametrize would run
// (without its Python overhead, which favours LibTorch):
//   orthogonal (matrix_exp map, use_trivialization): W = base · exp(tril(X) − tril(X)ᵀ)
//   Symmetric: W = triu(X) + triu(X, 1)ᵀ
// and paragrad::constraints' maps (issue 13), triv Expm:
//   orthogonal, tall n × k (stiefel_linear, stiefel_tall_linear), side "torch": paragrad's own
//     algorithm in LibTorch ops, the first k columns of B exp(A), A = L̃ − L̃ᵀ, L̃ = [tril(X, −1), 0],
//     through the 2k × 2k exponential P = exp([[L_top, −I], [LᵀL, −L_topᵀ]]) and the compact-WY
//     base B = (I − W T Wᵀ) D: W = Y P₂₂ − (B L) P₁₂;
//   side "torch_nxn" (stiefel_linear only): torch.nn.utils.parametrizations.orthogonal's
//     matrix_exp map as PyTorch 1.13 computes it, B · exp(A)[:, :k] with A and B n × n (the same
//     value: B is paragrad's base formed in full);
//   positive_definite (f = softplus): Q diag(softplus(diag X) + 1e-6) Qᵀ, Q = base · exp(L − Lᵀ),
//     L = tril(X, −1) (geotorch's PSD map).
// stiefel_tall_linear is a training step (torch::optim::Adam after the backward, as paragrad's
// side). stiefel_tall_register: a fresh torch::nn::Linear(16, 20000) whose weight is set to a
// uniform sample of St(20000, 16), Q of the QR of a Gaussian with diag(R) made positive (what a
// registration must compute at least; PyTorch's own parametrizations.orthogonal would complete
// the weight to a 20000 × 20000 base).
#include <memory>

#include "torch_common.hpp"

namespace {

torch::Tensor orthogonal_weight(const torch::Tensor& X, const torch::Tensor& base) {
  torch::Tensor L = X.tril();
  return torch::matmul(base, torch::linalg_matrix_exp(L - L.mT()));
}
torch::Tensor symmetric_weight(const torch::Tensor& X) { return X.triu() + X.triu(1).t(); }

// A Linear layer with the weight computed by `weight` from X, on the batch x, loss = sum(y²),
// backward, and with `adam` an Adam update of X and the bias (a full training step).
// Check: the sum of the gradients of X and the bias.
template <class F>
bench::Case linear_case(torch::Tensor X, const bench::RowMatrixXd& bias,
                        const bench::RowMatrixXd& x, F weight, bool adam = false) {
  struct State {
    torch::Tensor X, b, x;
    std::unique_ptr<torch::optim::Adam> opt;
  };
  auto s = std::make_shared<State>();
  s->X = X.requires_grad_();
  s->b = bench::to_torch(bias).reshape({bias.rows()}).requires_grad_();
  s->x = bench::to_torch(x);
  if (adam)
    s->opt = std::make_unique<torch::optim::Adam>(std::vector<torch::Tensor>{s->X, s->b},
                                                  torch::optim::AdamOptions(bench::kAdamLr));
  return {[s, weight] {
            s->X.mutable_grad() = torch::Tensor();
            s->b.mutable_grad() = torch::Tensor();
            torch::Tensor loss =
                torch::nn::functional::linear(s->x, weight(s->X), s->b).pow(2).sum();
            loss.backward();
            if (s->opt) s->opt->step();
            return double(loss.data_ptr<float>()[0]);
          },
          [s] { return bench::total(s->X.grad()) + bench::total(s->b.grad()); }};
}

bench::Case orthogonal_linear() {
  const bench::ParamData d = bench::param_data();
  // base: the initial weight made orthogonal as PyTorch's right_inverse does (QR, diag(R) ≥ 0).
  auto [Q, R] = torch::linalg_qr(bench::to_torch(d.lin.weight));
  const torch::Tensor base = Q * R.diagonal().sgn().unsqueeze(-2);
  return linear_case(bench::to_torch(d.ortho_original), d.lin.bias, d.x,
                     [base](const torch::Tensor& X) { return orthogonal_weight(X, base); });
}
BENCH_SIDE("orthogonal_linear", "torch", orthogonal_linear);

bench::Case symmetric_linear() {
  const bench::ParamData d = bench::param_data();
  return linear_case(bench::to_torch(d.lin.weight).triu(), d.lin.bias, d.x, symmetric_weight);
}
BENCH_SIDE("symmetric_linear", "torch", symmetric_linear);

// ---- paragrad::constraints (issue 13) ----------------------------------------------------------
struct StiefelChart {
  torch::Tensor Y, W, T, D;  // D: [n, 1], the signs then ones
};
StiefelChart stiefel_chart(const bench::StiefelBase& b) {
  const int64_t n = b.W.rows(), k = b.W.cols();
  return {bench::to_torch(b.Y), bench::to_torch(b.W), bench::to_torch(b.T),
          torch::cat({bench::to_torch(b.signs), torch::ones({n - k, 1})}, 0)};
}

// The first k columns of B exp(L̃ − L̃ᵀ) in O(n k²) (see the top of the file).
torch::Tensor stiefel_tall_weight(const torch::Tensor& X, const StiefelChart& c) {
  const int64_t k = X.size(1);
  const torch::Tensor L = X.tril(-1);
  const torch::Tensor top = L.narrow(0, 0, k);
  const torch::Tensor M = torch::cat(
      {torch::cat({top, -torch::eye(k)}, 1), torch::cat({torch::matmul(L.t(), L), -top.t()}, 1)},
      0);
  const torch::Tensor P = torch::linalg_matrix_exp(M);
  const torch::Tensor P12 = P.narrow(0, 0, k).narrow(1, k, k);
  const torch::Tensor P22 = P.narrow(0, k, k).narrow(1, k, k);
  const torch::Tensor Z = L * c.D;
  const torch::Tensor BL = Z - torch::matmul(c.W, torch::matmul(c.T, torch::matmul(c.W.t(), Z)));
  return torch::matmul(c.Y, P22) - torch::matmul(BL, P12);
}

bench::Case stiefel_linear(int n, int k, bool adam = false) {
  const bench::StiefelLinearData d = bench::stiefel_linear_data(n, k);
  const StiefelChart c = stiefel_chart(d.base);
  return linear_case(
      bench::to_torch(d.original), d.bias, d.x,
      [c](const torch::Tensor& X) { return stiefel_tall_weight(X, c); }, adam);
}
BENCH_SIDE("stiefel_linear", "torch",
           [] { return stiefel_linear(bench::kStiefelRows, bench::kStiefelCols); });
BENCH_SIDE("stiefel_tall_linear", "torch",
           [] { return stiefel_linear(bench::kTallRows, bench::kTallCols, /*adam=*/true); });

// A fresh Linear(16, 20000) with a uniform orthonormal weight (see the top of the file).
// Check: |W|_F² of the last weight, k for any orthonormal columns.
bench::Case stiefel_tall_register() {
  torch::manual_seed(bench::kSeedConstrained);
  auto last = std::make_shared<torch::nn::Linear>(nullptr);
  return {[last] {
            torch::nn::Linear l(bench::kTallCols, bench::kTallRows);
            {
              torch::NoGradGuard no_grad;
              auto [Q, R] = torch::linalg_qr(torch::randn({bench::kTallRows, bench::kTallCols}));
              l->weight.copy_(Q * R.diagonal().sgn().unsqueeze(-2));
            }
            *last = l;  // the layer stays alive until the next step
            return double(l->weight.data_ptr<float>()[0]);
          },
          [last] { return bench::total((*last)->weight.detach().square()); }};
}
BENCH_SIDE("stiefel_tall_register", "torch", stiefel_tall_register);

// PyTorch's parametrizations.orthogonal (matrix_exp, use_trivialization) on a tall weight:
// pad to n × n, A = X̃ − X̃ᵀ, Q = B · matrix_exp(A), keep the first k columns.
bench::Case stiefel_linear_nxn() {
  const int n = bench::kStiefelRows, k = bench::kStiefelCols;
  const bench::StiefelLinearData d = bench::stiefel_linear_data(n, k);
  const StiefelChart c = stiefel_chart(d.base);
  const torch::Tensor B =
      (torch::eye(n) - torch::matmul(c.W, torch::matmul(c.T, c.W.t()))) * c.D.t();
  return linear_case(bench::to_torch(d.original), d.bias, d.x, [B, n, k](const torch::Tensor& X) {
    const torch::Tensor Xs = torch::cat({X.tril(), torch::zeros({n, n - k})}, 1);
    return torch::matmul(B, torch::linalg_matrix_exp(Xs - Xs.t())).narrow(1, 0, k);
  });
}
BENCH_SIDE("stiefel_linear", "torch_nxn", stiefel_linear_nxn);

bench::Case positive_definite_linear() {
  const bench::PdLinearData d = bench::pd_linear_data();
  const torch::Tensor base = bench::to_torch(d.base);
  return linear_case(bench::to_torch(d.original), d.bias, d.x, [base](const torch::Tensor& X) {
    const torch::Tensor L = X.tril(-1);
    const torch::Tensor Q = torch::matmul(base, torch::linalg_matrix_exp(L - L.t()));
    const torch::Tensor l = torch::softplus(X.diagonal()) + 1e-6;
    return torch::matmul(Q * l.unsqueeze(0), Q.t());
  });
}
BENCH_SIDE("positive_definite_linear", "torch", positive_definite_linear);

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
