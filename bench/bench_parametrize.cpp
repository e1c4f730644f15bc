// parametrize workloads, paragrad side: orthogonal_linear, symmetric_linear, the bare symmetric
// forward ops, parametrized_get (uncached, inside cached(), a plain parameter), and the
// paragrad::constraints layers stiefel_linear, stiefel_tall_linear (a training step with Adam),
// positive_definite_linear, and stiefel_tall_register (registration on a fresh layer).
#include <memory>

#include <paragrad/engine/engine.hpp>
#include <paragrad/nn/nn.hpp>
#include <paragrad/parametrize/constraints/constraints.hpp>
#include <paragrad/parametrize/parametrize.hpp>

#include "common.hpp"
#include "harness.hpp"

namespace {
using namespace paragrad;

Tensor from_rows(const bench::RowMatrixXd& m) {
  return from_eigen(Eigen::MatrixXd(m)).to(kFloat32).contiguous();
}

// The seed example's parametrization.
struct Symmetric : parametrize::Parametrization {
  Tensor forward(const Tensor& X) override { return X.triu() + X.triu(1).t(); }
  TensorList right_inverse(const Tensor& A) override { return {A.triu()}; }
};

std::shared_ptr<nn::Linear> make_linear(const bench::ParamData& d) {
  auto l = std::make_shared<nn::Linear>(bench::kParamN, bench::kParamN);
  l->set("weight", from_rows(d.lin.weight));
  l->set("bias", from_rows(d.lin.bias).reshape({bench::kParamN}));
  return l;
}

// A Linear layer's forward on the batch x, loss = sum(y²), backward, and with `adam` an Adam
// update of its parameters (a full training step). Check: the sum of the gradients of the
// layer's parameters (the parametrization's original and the bias).
bench::Case linear_case(std::shared_ptr<nn::Linear> m, const Tensor& x, bool adam = false) {
  std::shared_ptr<optim::Adam> opt;
  if (adam) opt = std::make_shared<optim::Adam>(m->parameters(), bench::kAdamLr);
  return {[m, x, opt] {
            m->zero_grad();
            Tensor loss = (*m)(x).pow(2).sum();
            loss.backward();
            if (opt) opt->step();
            return double(loss.data_ptr<float>()[0]);
          },
          [m] {
            double s = 0;
            for (const Tensor& p : m->parameters()) s += p.grad().to(kFloat64).sum().item<double>();
            return s;
          }};
}

bench::Case orthogonal_linear() {
  const bench::ParamData d = bench::param_data();
  auto m = make_linear(d);
  manual_seed(bench::kSeedParam);
  parametrizations::orthogonal(*m, "weight", "matrix_exp", /*use_trivialization=*/true);
  {
    // A non-zero skew part, so that matrix_exp does representative work (the registration
    // leaves the original at -I, whose skew part is 0).
    NoGradGuard no_grad;
    Tensor original = parametrize::parametrizations(*m, "weight").original();
    original.copy_(from_rows(d.ortho_original));
  }
  return linear_case(m, from_rows(d.x));
}
BENCH_SIDE("orthogonal_linear", "paragrad", orthogonal_linear);

bench::Case symmetric_linear() {
  const bench::ParamData d = bench::param_data();
  auto m = make_linear(d);
  parametrize::register_parametrization(*m, "weight", std::make_shared<Symmetric>());
  return linear_case(m, from_rows(d.x));
}
BENCH_SIDE("symmetric_linear", "paragrad", symmetric_linear);

// ---- paragrad::constraints (issue 13) ----------------------------------------------------------
// The layers start from the shared base and original (common.hpp), written into the manifold's
// buffers and the original in place (registration samples its own random base).
void set_state(nn::Module& manifold, const std::string& buffer, const bench::RowMatrixXd& value) {
  manifold.buffer_slot(buffer).copy_(
      from_rows(value).reshape(manifold.buffer_slot(buffer).shape()));
}
void set_original(nn::Linear& m, const bench::RowMatrixXd& value) {
  parametrize::parametrizations(m, "weight").original().copy_(from_rows(value));
}

// Linear(k, n) with an orthogonal (Stiefel n x k, triv Expm) weight: the chart through a
// 2k x 2k exponential and the compact-WY base (never n x n); with `adam`, a training step.
bench::Case stiefel_linear(int n, int k, bool adam = false) {
  const bench::StiefelLinearData d = bench::stiefel_linear_data(n, k);
  auto m = std::make_shared<nn::Linear>(k, n);
  m->set("bias", from_rows(d.bias).reshape({n}));
  constraints::orthogonal(*m);
  {
    NoGradGuard no_grad;
    auto& manifold = constraints::manifold(*m, "weight");
    set_state(manifold, "base", d.base.Y);
    set_state(manifold, "reflectors", d.base.W);
    set_state(manifold, "reflector_t", d.base.T);
    set_state(manifold, "signs", d.base.signs);
    set_original(*m, d.original);
  }
  return linear_case(m, from_rows(d.x), adam);
}
BENCH_SIDE("stiefel_linear", "paragrad",
           [] { return stiefel_linear(bench::kStiefelRows, bench::kStiefelCols); });
BENCH_SIDE("stiefel_tall_linear", "paragrad",
           [] { return stiefel_linear(bench::kTallRows, bench::kTallCols, /*adam=*/true); });

// constraints::orthogonal registered on a fresh Linear(16, 20000): the layer's construction, a
// uniform sample of St(20000, 16) (QR of a Gaussian), its compact-WY base and the original.
// Check: |W|_F² of the last registered weight, k for any orthonormal columns.
bench::Case stiefel_tall_register() {
  manual_seed(bench::kSeedConstrained);
  auto last = std::make_shared<std::shared_ptr<nn::Linear>>();
  return {
      [last] {
        auto m = std::make_shared<nn::Linear>(bench::kTallCols, bench::kTallRows);
        constraints::orthogonal(*m);
        *last = m;  // the registered layer stays alive until the next step
        return double(constraints::manifold(*m, "weight").buffer_slot("base").data_ptr<float>()[0]);
      },
      [last] { return (*last)->get("weight").to(kFloat64).square().sum().item<double>(); }};
}
BENCH_SIDE("stiefel_tall_register", "paragrad", stiefel_tall_register);

// Linear(64, 64) with a positive_definite weight (f = softplus, triv Expm): Q diag(softplus(l) +
// 1e-6) Qᵀ with Q = base · exp(L − Lᵀ), L = tril(X, −1), l = diag(X).
bench::Case positive_definite_linear() {
  const bench::PdLinearData d = bench::pd_linear_data();
  auto m = std::make_shared<nn::Linear>(bench::kPdN, bench::kPdN);
  m->set("bias", from_rows(d.bias).reshape({bench::kPdN}));
  constraints::positive_definite(*m);
  {
    NoGradGuard no_grad;
    set_state(*constraints::manifold(*m, "weight").child("Q"), "base", d.base);
    set_original(*m, d.original);
  }
  return linear_case(m, from_rows(d.x));
}
BENCH_SIDE("positive_definite_linear", "paragrad", positive_definite_linear);

// What an uncached get() must do at least: the Symmetric forward on a 64×64 leaf that requires
// grad. The reference side ("bare") of parametrized_get_uncached, and a row of its own.
bench::Case symmetric_forward_ops() {
  const bench::ParamData d = bench::param_data();
  const Tensor X = from_rows(d.lin.weight).triu().requires_grad_();
  return {[X] {
    Tensor W = X.triu() + X.triu(1).t();
    return double(W.data_ptr<float>()[0]);
  }};
}
BENCH_SIDE("symmetric_forward_ops", "paragrad", symmetric_forward_ops);
BENCH_SIDE("parametrized_get_uncached", "bare", symmetric_forward_ops);

// get("weight") of a Linear whose weight is Symmetric-parametrized (uncached / inside cached()),
// or a plain parameter.
enum class Get { kUncached, kCached, kPlain };
bench::Case parametrized_get(Get mode) {
  const bench::ParamData d = bench::param_data();
  auto m = make_linear(d);
  if (mode != Get::kPlain)
    parametrize::register_parametrization(*m, "weight", std::make_shared<Symmetric>());
  struct Cached {
    parametrize::CacheGuard guard = parametrize::cached();
  };
  std::shared_ptr<Cached> guard;  // alive as long as the case: until the row is done
  if (mode == Get::kCached) {
    guard = std::make_shared<Cached>();
    m->get("weight");  // computed once, here
  }
  return {[m, guard] {
    const Tensor w = m->get("weight");
    return double(w.data_ptr<float>()[0]);
  }};
}
BENCH_SIDE("parametrized_get_uncached", "paragrad",
           [] { return parametrized_get(Get::kUncached); });
BENCH_SIDE("parametrized_get_cached", "paragrad", [] { return parametrized_get(Get::kCached); });
BENCH_SIDE("parametrized_get_plain", "paragrad", [] { return parametrized_get(Get::kPlain); });

}  // namespace
