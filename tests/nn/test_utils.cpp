// nn::utils: gradient clipping against PyTorch 1.13 (scripts/oracle/nn_training_oracle.py),
// parameters_to_vector / vector_to_parameters.
#include <catch2/catch.hpp>

#include <cmath>

#include <paragrad/nn/nn.hpp>

#include "nn/nn_training_oracle.hpp"

using namespace paragrad;
namespace O = nn_training_oracle;
using nn::utils::clip_grad_norm_;

namespace {
struct Grads {
  Tensor a = zeros({2, 3}, kFloat64).requires_grad_(true);
  Tensor b = zeros({2}, kFloat64).requires_grad_(true);
  Grads() {
    (a * tensor(O::clip_g1, {2, 3}, kFloat64)).sum().backward();
    (b * tensor(O::clip_g2, {2}, kFloat64)).sum().backward();
  }
  std::vector<double> flat() const {
    std::vector<double> v = a.grad().tolist();
    for (double x : b.grad().tolist()) v.push_back(x);
    return v;
  }
};

void check_all(const std::vector<double>& got, const std::vector<double>& want) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == Approx(want[i]).epsilon(1e-12));
}
}  // namespace

TEST_CASE("clip_grad_norm_ scales the gradients as PyTorch for norms 2, 1, inf and 3") {
  const std::tuple<double, double, const std::vector<double>*, const std::vector<double>*> rows[] =
      {{2.0, 1.5, &O::clip_l2_total, &O::clip_l2_grads},
       {1.0, 3.0, &O::clip_l1_total, &O::clip_l1_grads},
       {INFINITY, 2.0, &O::clip_inf_total, &O::clip_inf_grads},
       {3.0, 100.0, &O::clip_p3_total, &O::clip_p3_grads}};
  for (const auto& [p, max_norm, total, grads] : rows) {
    INFO("norm_type " << p);
    Grads g;
    CHECK(clip_grad_norm_({g.a, g.b}, max_norm, p) == Approx((*total)[0]).epsilon(1e-12));
    check_all(g.flat(), *grads);
  }
}

TEST_CASE("clip_grad_norm_ skips parameters without gradients and reports non-finite norms") {
  Grads g;
  Tensor none = zeros({3}).requires_grad_(true);
  CHECK(clip_grad_norm_({none}, 1.0) == 0.0);
  CHECK(clip_grad_norm_({g.a, none}, 1e9) == Approx(std::sqrt(0.25 + 4 + 1 + 9 + 0.0625 + 2.25)));
  Tensor bad = zeros({1}, kFloat64).requires_grad_(true);
  (bad * INFINITY).sum().backward();
  CHECK(std::isinf(clip_grad_norm_({bad}, 1.0)));
  CHECK_THROWS_WITH(clip_grad_norm_({bad}, 1.0, 2, true), Catch::Contains("non-finite"));
  CHECK_THROWS_AS(clip_grad_norm_({g.a}, 1.0, -1), ValueError);
}

TEST_CASE("clip_grad_value_ clamps every gradient element as PyTorch") {
  Grads g;
  nn::utils::clip_grad_value_({g.a}, 1.2);
  check_all(g.a.grad().tolist(), O::clip_value_grads);
  CHECK_THROWS_AS(nn::utils::clip_grad_value_({g.a}, -1), ValueError);
}

TEST_CASE("parameters_to_vector concatenates and vector_to_parameters writes back in place") {
  nn::Linear lin(3, 2, true, kFloat64);
  const TensorList params = lin.parameters();
  const Tensor w = params[0];
  Tensor v = nn::utils::parameters_to_vector(params);
  CHECK(v.shape() == Shape{8});
  CHECK(allclose(v.narrow(0, 0, 6), lin.weight().reshape({6})));
  v.sum().backward();  // differentiable, like PyTorch's cat of views
  CHECK(allclose(lin.weight().grad(), ones({2, 3}, kFloat64)));
  nn::utils::vector_to_parameters(arange(0, 8, 1, kFloat64), params);
  CHECK(lin.weight().tolist() == std::vector<double>{0, 1, 2, 3, 4, 5});
  CHECK(lin.bias().tolist() == std::vector<double>{6, 7});
  CHECK(lin.weight().is_same(w));  // the same tensors, so optimizers stay valid
  CHECK_THROWS_WITH(nn::utils::vector_to_parameters(zeros({7}, kFloat64), params),
                    Catch::Contains("8 elements"));
  CHECK_THROWS_AS(nn::utils::vector_to_parameters(zeros({2, 4}, kFloat64), params), ShapeError);
}
