// parametrizations::weight_norm against PyTorch (torch._weight_norm, torch.norm_except_dim).
#include "parametrize/helpers.hpp"
#include "parametrize/oracle_values.hpp"

using namespace paragrad;
using namespace paragrad::test;
namespace P = paragrad::parametrize;
namespace O = paragrad::test::oracle;

namespace {
#define LIT(name) lit(O::name, O::name##_shape)

struct Case {
  int64_t dim;
  const std::vector<double>* g;
  const Shape* g_shape;
  const std::vector<double>* g2;
  const std::vector<double>* w;
  const std::vector<double>* grad_g;
  const std::vector<double>* grad_v;
};

std::vector<Case> cases() {
  return {{0, &O::wn_g_dim0, &O::wn_g_dim0_shape, &O::wn_g2_dim0, &O::wn_w_dim0, &O::wn_grad_g_dim0,
           &O::wn_grad_v_dim0},
          {1, &O::wn_g_dim1, &O::wn_g_dim1_shape, &O::wn_g2_dim1, &O::wn_w_dim1, &O::wn_grad_g_dim1,
           &O::wn_grad_v_dim1},
          {-1, &O::wn_g_dimall, &O::wn_g_dimall_shape, &O::wn_g2_dimall, &O::wn_w_dimall,
           &O::wn_grad_g_dimall, &O::wn_grad_v_dimall}};
}
}  // namespace

TEST_CASE("weight_norm stores g as original0 and v as original1, as PyTorch") {
  for (const Case& c : cases()) {
    INFO("dim " << c.dim);
    auto m = holder(LIT(W234));
    parametrizations::weight_norm(*m, "weight", c.dim);
    auto& list = P::parametrizations(*m, "weight");
    REQUIRE(list.num_originals() == 2);
    REQUIRE(list.original(0).shape() == *c.g_shape);
    REQUIRE(allclose(list.original(0), lit(*c.g, *c.g_shape), 1e-12, 1e-12));
    REQUIRE(allclose(list.original(1), LIT(W234)));
    REQUIRE(allclose(m->get("weight"), LIT(W234), 1e-12, 1e-12));
  }
}

TEST_CASE("weight_norm's value and gradients match PyTorch") {
  for (const Case& c : cases()) {
    INFO("dim " << c.dim);
    auto m = holder(LIT(W234));
    parametrizations::weight_norm(*m, "weight", c.dim);
    overwrite(*m, "parametrizations.weight.original0", lit(*c.g2, *c.g_shape));
    overwrite(*m, "parametrizations.weight.original1", LIT(W234) + 0.05);
    Tensor w = m->get("weight");
    REQUIRE(allclose(w, lit(*c.w, O::W234_shape), 1e-12, 1e-12));
    Tensor R = arange(0, 24, 1, kFloat64).reshape({2, 3, 4}) / 10.0;
    (w * R).sum().backward();
    auto& list = P::parametrizations(*m, "weight");
    REQUIRE(allclose(list.original(0).grad(), lit(*c.grad_g, *c.g_shape), 1e-10, 1e-12));
    REQUIRE(allclose(list.original(1).grad(), lit(*c.grad_v, O::W234_shape), 1e-10, 1e-12));
  }
}

TEST_CASE("weight_norm state_dict keys are original0 and original1") {
  nn::Linear m(3, 2);
  parametrizations::weight_norm(m);
  auto state = m.state_dict();
  REQUIRE(state.count("parametrizations.weight.original0") == 1);
  REQUIRE(state.count("parametrizations.weight.original1") == 1);
  REQUIRE(state.at("parametrizations.weight.original0").shape() == Shape{2, 1});
}

TEST_CASE("set of a weight_norm weight recomputes g and v") {
  auto m = holder(LIT(W234));
  parametrizations::weight_norm(*m);
  Tensor A = LIT(W234) * 3.0;
  m->set("weight", A);
  auto& list = P::parametrizations(*m, "weight");
  REQUIRE(allclose(list.original(0), LIT(wn_g_dim0) * 3.0, 1e-12, 1e-12));
  REQUIRE(allclose(m->get("weight"), A, 1e-12, 1e-12));
}

TEST_CASE("weight_norm's v does not alias the old weight tensor") {
  auto m = holder(LIT(W234));
  Tensor old = m->get("weight");
  parametrizations::weight_norm(*m);
  overwrite(*m, "parametrizations.weight.original1", zeros({2, 3, 4}, kFloat64));
  REQUIRE(allclose(old, LIT(W234)));
}

TEST_CASE("weight_norm with a dim out of range is an Error and changes nothing") {
  auto m = holder(LIT(W234));
  REQUIRE_THROWS_WITH_SUBSTR(parametrizations::weight_norm(*m, "weight", 3),
                             "Dimension out of range");
  REQUIRE_FALSE(P::is_parametrized(*m));
  REQUIRE(m->has_parameter("weight"));
}

TEST_CASE("weight_norm of a missing tensor is an Error") {
  nn::Linear m(3, 2);
  REQUIRE_THROWS_WITH_SUBSTR(parametrizations::weight_norm(m, "kernel"),
                             "has no parameter or buffer with name 'kernel'");
}

TEST_CASE("weight_norm keeps training: an SGD step moves g and v") {
  nn::Linear m(3, 2);
  parametrizations::weight_norm(m);
  optim::SGD opt(m.parameters(), 0.1);
  auto& list = P::parametrizations(m, "weight");
  Tensor g = list.original(0).clone(), v = list.original(1).clone();
  m(randn({4, 3})).pow(2).sum().backward();
  opt.step();
  REQUIRE_FALSE(allclose(list.original(0), g));
  REQUIRE_FALSE(allclose(list.original(1), v));
}
