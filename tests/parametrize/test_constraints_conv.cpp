// constraints on convolution weights, as geotorch's integration test runs them: every
// constraint on Conv2d(5, 4, kernel) (the weight [4, 5, kh, kw] is a [4, 5] batch of kh x kw
// matrices), trained through the real convolution. For each: the weight keeps its shape and
// starts on the manifold, set(sample()) reads back, three SGD steps on conv(input).mean() move
// the weight and keep it on the manifold, update_base keeps the value.
#include <paragrad/nn/conv.hpp>

#include "parametrize/constraints_helpers.hpp"

using namespace paragrad;
using namespace paragrad::test;

namespace {

struct Constraint {
  std::string name;
  Register reg;
  bool square_only;
  int64_t rank = 0;  // needs min(kh, kw) >= rank
};

std::vector<Constraint> all_constraints() {
  using M = nn::Module&;
  return {
      {"symmetric", [](M m) { C::symmetric(m); }, true},
      {"skew", [](M m) { C::skew(m); }, true},
      {"sphere", [](M m) { C::sphere(m); }, false},
      {"sphere embedded", [](M m) { C::sphere(m, "weight", 2.0, true); }, false},
      {"orthogonal", [](M m) { C::orthogonal(m); }, false},
      {"orthogonal cayley", [](M m) { C::orthogonal(m, "weight", C::Triv::Cayley); }, false},
      {"special_orthogonal", [](M m) { C::special_orthogonal(m); }, true},
      {"grassmannian", [](M m) { C::grassmannian(m); }, false},
      {"almost_orthogonal", [](M m) { C::almost_orthogonal(m, "weight", 0.5); }, true},
      {"low_rank", [](M m) { C::low_rank(m, "weight", 1); }, false, 1},
      {"fixed_rank", [](M m) { C::fixed_rank(m, "weight", 1); }, false, 1},
      {"invertible", [](M m) { C::invertible(m); }, true},
      {"sln", [](M m) { C::sln(m); }, true},
      {"positive_definite", [](M m) { C::positive_definite(m); }, true},
      {"positive_semidefinite", [](M m) { C::positive_semidefinite(m); }, true},
      {"positive_semidefinite_low_rank",
       [](M m) { C::positive_semidefinite_low_rank(m, "weight", 1); }, true, 1},
      {"positive_semidefinite_fixed_rank",
       [](M m) { C::positive_semidefinite_fixed_rank(m, "weight", 2); }, true, 2},
      {"alpha_stable", [](M m) { C::alpha_stable(m); }, true},
      {"positive", [](M m) { C::positive(m); }, false},
      {"simplex", [](M m) { C::simplex(m); }, false},
      {"oblique", [](M m) { C::oblique(m); }, false},
      {"correlation", [](M m) { C::correlation(m); }, true},
  };
}

// geotorch's _test_interface on one layer; `input` is a batch the layer accepts. Returns whether
// the optimizer moved the weight (a manifold of dimension 0, e.g. SO(1), cannot move).
bool check_on_layer(nn::Module& layer, const Tensor& input) {
  const Shape shape = layer.get("weight").shape();
  C::Manifold& M = C::manifold(layer, "weight");
  REQUIRE(C::in_manifold(layer, "weight"));

  Tensor X;
  {
    NoGradGuard g;
    X = M.sample();
  }
  REQUIRE(X.shape() == shape);
  REQUIRE(M.in_manifold(X));
  layer.set("weight", X);
  {
    auto cache = parametrize::cached();
    REQUIRE(layer.get("weight").shape() == shape);
    REQUIRE(max_abs_diff(layer.get("weight"), X) <=
            1e-4 * std::max(1.0, X.abs().max().item<double>()));
  }

  optim::SGD sgd(layer.parameters(), 1e-2);
  for (int i = 0; i < 3; ++i) {
    Tensor loss;
    {
      auto cache = parametrize::cached();
      loss = layer.forward(input).mean();
    }
    sgd.zero_grad();
    loss.backward();
    sgd.step();
    INFO("after SGD step " << i + 1);
    REQUIRE(C::in_manifold(layer, "weight"));
  }
  Tensor moved;
  {
    NoGradGuard g;
    moved = layer.get("weight");
  }

  C::update_base(layer, "weight");
  NoGradGuard g;
  REQUIRE(max_abs_diff(layer.get("weight"), moved) <=
          1e-4 * std::max(1.0, moved.abs().max().item<double>()));
  REQUIRE(C::in_manifold(layer, "weight"));
  return max_abs_diff(moved, X) > 1e-7;
}

}  // namespace

TEST_CASE("every constraint works on Conv2d weights, trained through the convolution",
          "[constraints][conv]") {
  const std::vector<std::pair<int64_t, int64_t>> kernels = {{1, 1}, {2, 2}, {3, 3}, {2, 3},
                                                            {3, 2}, {1, 3}, {4, 1}};
  int checked = 0, moved = 0;
  for (const Constraint& c : all_constraints()) {
    for (const auto& [kh, kw] : kernels) {
      if (c.square_only && kh != kw) continue;
      if (c.rank > std::min(kh, kw)) continue;
      INFO(c.name << " on Conv2d(5, 4, kernel_size=(" << kh << ", " << kw << "))");
      manual_seed(8888);
      nn::Conv2d conv(5, 4, nn::Size2(kh, kw));
      const Shape before = conv.get("weight").shape();
      c.reg(conv);
      REQUIRE(conv.get("weight").shape() == before);
      const bool did_move = check_on_layer(conv, rand({6, 5, kh + 7, kw + 3}));
      // Every constraint has a positive dimension on 3 x 3 matrices: the gradient must move it.
      if (kh == 3 && kw == 3) CHECK(did_move);
      ++checked;
      moved += did_move;
    }
  }
  CHECK(checked >= 100);
  CHECK(moved >= 80);
}

TEST_CASE("constraints on Conv1d and ConvTranspose2d weights", "[constraints][conv]") {
  manual_seed(3);
  {
    nn::Conv1d conv(3, 4, 5);  // weight [4, 3, 5]: four 3 x 5 matrices, wide -> by transposition
    C::orthogonal(conv);
    CHECK(check_on_layer(conv, rand({2, 3, 11})));
  }
  {
    nn::ConvTranspose2d deconv(4, 3, nn::Size2(3, 3));  // weight [4, 3, 3, 3]
    C::positive_definite(deconv);
    CHECK(check_on_layer(deconv, rand({2, 4, 5, 5})));
  }
}
