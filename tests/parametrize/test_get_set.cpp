// Module::get and Module::set on parametrized tensors: recomputation, gradients, right_inverse
// chains and their errors, constraints kept by optimizer steps.
#include "parametrize/helpers.hpp"

using namespace paragrad;
using namespace paragrad::test;
namespace P = paragrad::parametrize;

TEST_CASE("get recomputes the parametrization on every call") {
  nn::Linear m(3, 3);
  auto s = std::make_shared<Symmetric>();
  P::register_parametrization(m, "weight", s);
  const int after_registration = s->calls;
  m.get("weight");
  m.get("weight");
  m.get("weight");
  REQUIRE(s->calls == after_registration + 3);
}

TEST_CASE("get reflects in-place changes of the original immediately") {
  nn::Linear m(3, 3);
  P::register_parametrization(m, "weight", std::make_shared<AddOne>());
  Tensor original = P::parametrizations(m, "weight").original();
  {
    NoGradGuard g;
    original.fill_(2.0);
  }
  REQUIRE(allclose(m.get("weight"), full({3, 3}, 3.0)));
}

TEST_CASE("gradients through get reach the original") {
  nn::Linear m(3, 3);
  P::register_parametrization(m, "weight", std::make_shared<Symmetric>());
  Tensor original = P::parametrizations(m, "weight").original();
  m.get("weight").sum().backward();
  // d/dX sum(triu(X) + triu(X,1)^T) = 1 on the diagonal, 2 above, 0 below.
  Tensor expected = tensor({{1.0, 2.0, 2.0}, {0.0, 1.0, 2.0}, {0.0, 0.0, 1.0}});
  REQUIRE(original.grad().defined());
  REQUIRE(allclose(original.grad(), expected));
}

TEST_CASE("gradients through get reach every original") {
  nn::Linear m(4, 4);
  P::register_parametrization(m, "weight", std::make_shared<RankOne>());
  auto& list = P::parametrizations(m, "weight");
  m.get("weight").sum().backward();
  Tensor x = list.original(0), y = list.original(1);
  // d/dx sum(x y^T) = sum(y) per entry, and d/dy = sum(x).
  REQUIRE(allclose(x.grad(), full({4}, y.sum().item<double>()), 1e-5, 1e-6));
  REQUIRE(allclose(y.grad(), full({4}, x.sum().item<double>()), 1e-5, 1e-6));
}

TEST_CASE("forward of the module uses the parametrized weight") {
  nn::Linear m(3, 2);
  P::register_parametrization(m, "weight", std::make_shared<AddOne>());
  Tensor x = randn({4, 3});
  Tensor expected = matmul(x, m.get("weight").t()) + m.get("bias");
  REQUIRE(allclose(m(x), expected, 1e-5, 1e-6));
  REQUIRE(allclose(m.weight(), m.get("weight")));
}

TEST_CASE("set runs right_inverse and copies into the same original tensor") {
  nn::Linear m(5, 5);
  P::register_parametrization(m, "weight", std::make_shared<Symmetric>());
  Tensor original = P::parametrizations(m, "weight").original();
  Tensor A = rand({5, 5});
  A = A + A.t();
  m.set("weight", A);
  REQUIRE(allclose(m.get("weight"), A));
  REQUIRE(P::parametrizations(m, "weight").original().is_same(original));
  REQUIRE(allclose(original, A.triu()));
  REQUIRE(original.is_leaf());
  REQUIRE(original.requires_grad());
}

TEST_CASE("set with several originals writes each of them in place") {
  nn::Linear m(4, 4);
  P::register_parametrization(m, "weight", std::make_shared<RankOne>());
  auto& list = P::parametrizations(m, "weight");
  Tensor x0 = list.original(0), y0 = list.original(1);
  Tensor Z = outer(tensor({1, 2, 3, 4}), tensor({1, -1, 0.5, 2}));
  m.set("weight", Z);
  REQUIRE(list.original(0).is_same(x0));
  REQUIRE(list.original(1).is_same(y0));
  REQUIRE(allclose(m.get("weight"), Z, 1e-4, 1e-5));
}

TEST_CASE("set records no graph") {
  nn::Linear m(3, 3);
  P::register_parametrization(m, "weight", std::make_shared<Symmetric>());
  Tensor A = randn({3, 3}).requires_grad_();
  m.set("weight", A + A.t());
  REQUIRE(P::parametrizations(m, "weight").original().is_leaf());
}

TEST_CASE("set through a parametrization without right_inverse is an Error naming it") {
  nn::Linear m(3, 3);
  P::register_parametrization(m, "weight", std::make_shared<Square>());
  REQUIRE_THROWS_WITH(m.set("weight", ones({3, 3})),
                      Catch::Matchers::Contains("Square does not implement right_inverse") &&
                          Catch::Matchers::Contains("set('weight')"));
}

TEST_CASE("set through a chain with one parametrization lacking right_inverse changes nothing") {
  nn::Linear m(3, 3);
  P::register_parametrization(m, "weight", std::make_shared<Square>());
  P::register_parametrization(m, "weight", std::make_shared<AddOne>());
  Tensor before = P::parametrizations(m, "weight").original().clone();
  REQUIRE_THROWS_WITH_SUBSTR(m.set("weight", ones({3, 3})), "does not implement right_inverse");
  REQUIRE(equal(P::parametrizations(m, "weight").original(), before));
}

TEST_CASE("set with a value of the wrong shape is an Error with both shapes") {
  nn::Linear m(3, 3);
  P::register_parametrization(m, "weight", std::make_shared<AddOne>());
  REQUIRE_THROWS_WITH(m.set("weight", ones({2, 3})),
                      Catch::Matchers::Contains("has shape [2, 3]") &&
                          Catch::Matchers::Contains("`original` has shape [3, 3]"));
}

TEST_CASE("set with a value of the wrong dtype is an Error with both dtypes") {
  nn::Linear m(3, 3);
  P::register_parametrization(m, "weight", std::make_shared<AddOne>());
  REQUIRE_THROWS_WITH(m.set("weight", ones({3, 3}, kFloat64)),
                      Catch::Matchers::Contains("has dtype float64") &&
                          Catch::Matchers::Contains("`original` has dtype float32"));
}

TEST_CASE("set with an undefined value is an Error") {
  nn::Linear m(3, 3);
  P::register_parametrization(m, "weight", std::make_shared<AddOne>());
  REQUIRE_THROWS_WITH_SUBSTR(m.set("weight", Tensor()), "undefined value");
}

namespace {
struct WrongCountInverse : parametrize::Parametrization {
  int count = 2;
  Tensor forward(const TensorList& xs) override { return xs[0] + xs[1]; }
  TensorList right_inverse(const Tensor& A) override {
    TensorList out;
    for (int i = 0; i < count; ++i) out.push_back(A / double(count));
    return out;
  }
};
}  // namespace

TEST_CASE("set is an Error when right_inverse returns another number of tensors") {
  nn::Module m;
  m.register_parameter("w", randn({2, 2}));
  auto p = std::make_shared<WrongCountInverse>();
  P::register_parametrization(m, "w", p);
  p->count = 3;
  REQUIRE_THROWS_WITH_SUBSTR(m.set("w", ones({2, 2})),
                             "must return a sequence of tensors of length 2. Got a sequence of "
                             "length 3");
}

TEST_CASE("an SGD step keeps a Symmetric weight symmetric") {
  manual_seed(0);
  nn::Linear m(4, 4);
  P::register_parametrization(m, "weight", std::make_shared<Symmetric>());
  optim::SGD opt(m.parameters(), 0.1);
  Tensor x = randn({8, 4}), y = randn({8, 4});
  for (int i = 0; i < 5; ++i) {
    opt.zero_grad();
    nn::functional::mse_loss(m(x), y).backward();
    opt.step();
    REQUIRE(is_symmetric(m.get("weight")));
  }
}

TEST_CASE("a manual SGD step under no-grad keeps a Symmetric weight symmetric") {
  nn::Linear m(4, 4);
  P::register_parametrization(m, "weight", std::make_shared<Symmetric>());
  Tensor original = P::parametrizations(m, "weight").original();
  Tensor before = m.get("weight").clone();
  m(randn({3, 4})).sum().backward();
  {
    NoGradGuard g;
    original.add_(original.grad(), -0.5);
  }
  REQUIRE_FALSE(allclose(m.get("weight"), before));
  REQUIRE(is_symmetric(m.get("weight")));
}

TEST_CASE("the default forward of a parametrization that overrides neither is an Error") {
  struct NoForward : parametrize::Parametrization {};
  nn::Linear m(2, 2);
  REQUIRE_THROWS_WITH_SUBSTR(
      P::register_parametrization(m, "weight", std::make_shared<NoForward>()),
      "must override forward");
}

TEST_CASE("a one-tensor parametrization given several originals is an Error") {
  AddOne p;
  parametrize::Parametrization& base = p;
  REQUIRE_THROWS_WITH_SUBSTR(base.forward(TensorList{ones({2}), ones({2})}),
                             "forward got 2 tensors");
}
