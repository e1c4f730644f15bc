// parametrizations::spectral_norm against PyTorch 1.13 (tests/parametrize/oracle_values.hpp).
// PyTorch's random initial u, v are replaced by fixed ones loaded into both.
#include "parametrize/helpers.hpp"
#include "parametrize/oracle_values.hpp"

using namespace paragrad;
using namespace paragrad::test;
namespace P = paragrad::parametrize;
namespace O = paragrad::test::oracle;

namespace {
#define LIT(name) lit(O::name, O::name##_shape)

// A [3, 4] weight with spectral_norm and the oracle's u, v.
std::shared_ptr<nn::Module> normalized_w34(int n_power_iterations = 1) {
  auto m = holder(LIT(W234).select(0, 0).contiguous());
  parametrizations::spectral_norm(*m, "weight", n_power_iterations);
  overwrite(*m, "parametrizations.weight.0._u", LIT(U3));
  overwrite(*m, "parametrizations.weight.0._v", LIT(V4));
  return m;
}
}  // namespace

TEST_CASE("spectral_norm in eval mode matches PyTorch and leaves u and v alone") {
  auto m = normalized_w34();
  m->eval();
  REQUIRE(allclose(m->get("weight"), LIT(sn_eval), 1e-9, 1e-12));
  REQUIRE(allclose(m->get("parametrizations.weight.0._u"), LIT(U3)));
  REQUIRE(allclose(m->get("parametrizations.weight.0._v"), LIT(V4)));
}

TEST_CASE("spectral_norm in training mode runs one power iteration per get as PyTorch") {
  auto m = normalized_w34();
  REQUIRE(allclose(m->get("weight"), LIT(sn_train1), 1e-9, 1e-12));
  REQUIRE(allclose(m->get("parametrizations.weight.0._u"), LIT(sn_train1_u), 1e-9, 1e-12));
  REQUIRE(allclose(m->get("parametrizations.weight.0._v"), LIT(sn_train1_v), 1e-9, 1e-12));
}

TEST_CASE("spectral_norm with n_power_iterations 3 matches PyTorch") {
  auto m = normalized_w34(3);
  REQUIRE(allclose(m->get("weight"), LIT(sn_train3), 1e-9, 1e-12));
}

TEST_CASE("spectral_norm gradient through sigma matches PyTorch") {
  auto m = normalized_w34();
  m->eval();
  Tensor R = arange(0, 12, 1, kFloat64).reshape({3, 4}) / 10.0;
  (m->get("weight") * R).sum().backward();
  REQUIRE(allclose(P::parametrizations(*m, "weight").original().grad(), LIT(sn_eval_grad), 1e-9,
                   1e-12));
}

TEST_CASE("spectral_norm along dim 1 of a 3-d weight matches PyTorch") {
  auto m = holder(LIT(W234));
  parametrizations::spectral_norm(*m, "weight", 1, 1e-12, /*dim=*/1);
  REQUIRE(m->get("parametrizations.weight.0._u").shape() == Shape{3});
  REQUIRE(m->get("parametrizations.weight.0._v").shape() == Shape{8});
  overwrite(*m, "parametrizations.weight.0._u", LIT(U3b));
  overwrite(*m, "parametrizations.weight.0._v", LIT(V8));
  REQUIRE(allclose(m->get("weight"), LIT(sn_dim1_train1), 1e-9, 1e-12));
}

TEST_CASE("spectral_norm of a vector normalizes it exactly, without buffers") {
  auto m = holder(tensor({3.0, -4.0, 12.0}, kFloat64));
  parametrizations::spectral_norm(*m);
  REQUIRE(allclose(m->get("weight"), LIT(sn_1d)));
  REQUIRE(m->named_buffers().empty());
}

TEST_CASE("spectral_norm's registration iterations estimate the top singular value") {
  manual_seed(3);
  // A clear gap between the first two singular values, so 16 iterations converge.
  Tensor W = LIT(W234).select(0, 0) + 2.0 * ones({3, 4}, kFloat64);
  auto m = holder(W.contiguous());
  parametrizations::spectral_norm(*m);
  m->eval();
  const double sigma = linalg::svdvals(W).max().item<double>();
  REQUIRE(allclose(m->get("weight"), W / sigma, 1e-4, 1e-6));
}

TEST_CASE("spectral_norm keeps the weight's spectral norm near one during training") {
  manual_seed(4);
  nn::Linear m(6, 5);
  parametrizations::spectral_norm(m);
  optim::SGD opt(m.parameters(), 0.05);
  Tensor x = randn({10, 6}), y = randn({10, 5});
  for (int i = 0; i < 20; ++i) {
    opt.zero_grad();
    nn::functional::mse_loss(m(x), y).backward();
    opt.step();
  }
  m.eval();
  Tensor s = linalg::svdvals(m.get("weight"));
  REQUIRE(s.max().item<double>() == Approx(1.0).epsilon(5e-2));
}

TEST_CASE("spectral_norm of float32 weights stays float32") {
  nn::Linear m(4, 3);
  parametrizations::spectral_norm(m);
  REQUIRE(m.get("weight").dtype() == kFloat32);
  REQUIRE(m.get("parametrizations.weight.0._u").dtype() == kFloat32);
}

TEST_CASE("spectral_norm with a non-positive n_power_iterations is an Error") {
  nn::Linear m(4, 3);
  REQUIRE_THROWS_WITH_SUBSTR(parametrizations::spectral_norm(m, "weight", 0),
                             "Expected n_power_iterations to be positive, but got "
                             "n_power_iterations=0");
  REQUIRE_FALSE(P::is_parametrized(m));
}

TEST_CASE("spectral_norm with a dim out of range is an Error with the range") {
  nn::Linear m(4, 3);
  REQUIRE_THROWS_WITH_SUBSTR(parametrizations::spectral_norm(m, "weight", 1, 1e-12, 2),
                             "Dimension out of range (expected to be in range of [-2, 1] but got "
                             "2)");
}

TEST_CASE("spectral_norm of a missing tensor is an Error") {
  nn::Linear m(4, 3);
  REQUIRE_THROWS_WITH_SUBSTR(parametrizations::spectral_norm(m, "kernel"),
                             "has no parameter or buffer with name 'kernel'");
}

TEST_CASE("set of a spectral_norm weight stores the value itself, as PyTorch") {
  auto m = normalized_w34();
  Tensor A = LIT(W234).select(0, 1).contiguous();
  m->set("weight", A);
  REQUIRE(allclose(P::parametrizations(*m, "weight").original(), A));
}
