// remove_parametrizations, is_parametrized, type names and transfer_parametrizations_and_params.
#include "parametrize/helpers.hpp"

using namespace paragrad;
using namespace paragrad::test;
namespace P = paragrad::parametrize;

TEST_CASE("is_parametrized answers for the module and for one name") {
  nn::Linear m(3, 3);
  REQUIRE_FALSE(P::is_parametrized(m));
  P::register_parametrization(m, "weight", std::make_shared<Symmetric>());
  REQUIRE(P::is_parametrized(m));
  REQUIRE(P::is_parametrized(m, "weight"));
  REQUIRE_FALSE(P::is_parametrized(m, "bias"));
}

TEST_CASE("type_name is Parametrized<Type> while parametrized") {
  nn::Linear m(3, 3);
  P::register_parametrization(m, "weight", std::make_shared<Symmetric>());
  REQUIRE(m.type_name() == "ParametrizedLinear");
  REQUIRE(P::type_before_parametrizations(m) == "Linear");
  P::register_parametrization(m, "bias", std::make_shared<AddOne>());
  REQUIRE(m.type_name() == "ParametrizedLinear");
}

TEST_CASE("type_before_parametrizations of a plain module is its type name") {
  nn::Linear m(3, 3);
  REQUIRE(P::type_before_parametrizations(m) == "Linear");
}

TEST_CASE("remove with leave_parametrized keeps the value in the same tensor object") {
  nn::Linear m(3, 3);
  P::register_parametrization(m, "weight", std::make_shared<Symmetric>());
  Tensor original = P::parametrizations(m, "weight").original();
  Tensor value = m.get("weight").detach().clone();
  P::remove_parametrizations(m, "weight");
  REQUIRE(m.has_parameter("weight"));
  REQUIRE(m.get("weight").is_same(original));
  REQUIRE(allclose(m.get("weight"), value));
  REQUIRE(m.get("weight").requires_grad());
  REQUIRE_FALSE(P::is_parametrized(m));
  REQUIRE_FALSE(m.has_module("parametrizations"));
  REQUIRE(m.type_name() == "Linear");
}

TEST_CASE("remove without leave_parametrized brings the original back") {
  nn::Linear m(3, 3);
  P::register_parametrization(m, "weight", std::make_shared<AddOne>());
  Tensor original = P::parametrizations(m, "weight").original();
  Tensor raw = original.clone();
  P::remove_parametrizations(m, "weight", /*leave_parametrized=*/false);
  REQUIRE(m.get("weight").is_same(original));
  REQUIRE(equal(m.get("weight"), raw));
}

TEST_CASE("removing one of two parametrized tensors keeps the module parametrized") {
  nn::Linear m(3, 3);
  P::register_parametrization(m, "weight", std::make_shared<Symmetric>());
  P::register_parametrization(m, "bias", std::make_shared<AddOne>());
  P::remove_parametrizations(m, "bias");
  REQUIRE(P::is_parametrized(m));
  REQUIRE_FALSE(P::is_parametrized(m, "bias"));
  REQUIRE(m.type_name() == "ParametrizedLinear");
  auto keys = m.state_dict();
  REQUIRE(keys.count("bias") == 1);
  REQUIRE(keys.count("parametrizations.weight.original") == 1);
  REQUIRE(keys.count("parametrizations.bias.original") == 0);
}

TEST_CASE("removing a parametrized buffer gives back a buffer") {
  nn::Module m;
  m.register_buffer("M", rand({3, 3}));
  P::register_parametrization(m, "M", std::make_shared<Symmetric>());
  P::remove_parametrizations(m, "M");
  REQUIRE(m.has_buffer("M"));
  REQUIRE(m.parameters().empty());
  REQUIRE(is_symmetric(m.get("M")));
}

TEST_CASE("removing several originals with leave_parametrized gives a new parameter") {
  nn::Linear m(4, 4);
  P::register_parametrization(m, "weight", std::make_shared<RankOne>());
  Tensor value = m.get("weight").detach().clone();
  P::remove_parametrizations(m, "weight");
  REQUIRE(m.has_parameter("weight"));
  REQUIRE(allclose(m.get("weight"), value));
  REQUIRE(m.get("weight").requires_grad());
  REQUIRE(m.get("weight").is_leaf());
}

TEST_CASE("removing several originals without leave_parametrized is an Error") {
  nn::Linear m(4, 4);
  P::register_parametrization(m, "weight", std::make_shared<RankOne>());
  REQUIRE_THROWS_WITH_SUBSTR(P::remove_parametrizations(m, "weight", false),
                             "parametrized in terms of a sequence of tensors");
  REQUIRE(P::is_parametrized(m, "weight"));
}

TEST_CASE("removing without leave_parametrized needs an original of the tensor's shape") {
  nn::Linear m(2, 3);
  P::register_parametrization(m, "weight", std::make_shared<Flatten>(Shape{3, 2}), true);
  REQUIRE_THROWS_WITH(P::remove_parametrizations(m, "weight", false),
                      Catch::Matchers::Contains("original has shape [6]") &&
                          Catch::Matchers::Contains("had shape [3, 2]"));
  REQUIRE(P::is_parametrized(m, "weight"));
}

TEST_CASE("removing with leave_parametrized after an unsafe dtype change is an Error") {
  nn::Linear m(3, 3);
  P::register_parametrization(m, "weight", std::make_shared<ToDouble>(), /*unsafe=*/true);
  REQUIRE_THROWS_WITH(P::remove_parametrizations(m, "weight"),
                      Catch::Matchers::Contains("changes the dtype of the tensor from float32 to "
                                                "float64"));
  REQUIRE(P::is_parametrized(m, "weight"));
}

TEST_CASE("removing a parametrization that is not there is an Error naming it") {
  nn::Linear m(3, 3);
  REQUIRE_THROWS_WITH_SUBSTR(P::remove_parametrizations(m, "weight"),
                             "does not have a parametrization on weight");
}

TEST_CASE("an optimizer built while parametrized keeps working after removal") {
  nn::Linear m(3, 3);
  P::register_parametrization(m, "weight", std::make_shared<Symmetric>());
  optim::SGD opt(m.parameters(), 0.1);
  P::remove_parametrizations(m, "weight");
  Tensor before = m.get("weight").clone();
  m(randn({2, 3})).sum().backward();
  opt.step();
  REQUIRE_FALSE(allclose(m.get("weight"), before));
}

TEST_CASE("transfer_parametrizations_and_params shares parametrizations and originals") {
  nn::Linear from(3, 3), to(3, 3);
  auto s = std::make_shared<Symmetric>();
  P::register_parametrization(from, "weight", s);
  P::transfer_parametrizations_and_params(from, to);
  REQUIRE(P::is_parametrized(to, "weight"));
  REQUIRE(P::parametrizations(to, "weight")[0] == s);
  REQUIRE(P::parametrizations(to, "weight")
              .original()
              .is_same(P::parametrizations(from, "weight").original()));
  REQUIRE(allclose(to.get("weight"), from.get("weight")));
  REQUIRE(to.type_name() == "ParametrizedLinear");
}

TEST_CASE("transfer creates the parameter when the target lacks it") {
  nn::Linear from(3, 3);
  nn::Module to;
  P::register_parametrization(from, "weight", std::make_shared<AddOne>());
  P::transfer_parametrizations_and_params(from, to, "weight");
  REQUIRE(allclose(to.get("weight"), from.get("weight")));
  REQUIRE(to.has("parametrizations.weight.original"));
}

TEST_CASE("transfer of several originals shares each of them") {
  nn::Linear from(4, 4), to(4, 4);
  P::register_parametrization(from, "weight", std::make_shared<RankOne>());
  P::transfer_parametrizations_and_params(from, to);
  auto& a = P::parametrizations(from, "weight");
  auto& b = P::parametrizations(to, "weight");
  REQUIRE(b.original(0).is_same(a.original(0)));
  REQUIRE(b.original(1).is_same(a.original(1)));
}

TEST_CASE("transfer of a name that is not parametrized is an Error") {
  nn::Linear from(3, 3), to(3, 3);
  REQUIRE_THROWS_WITH_SUBSTR(P::transfer_parametrizations_and_params(from, to, "weight"),
                             "does not have a parametrization on weight");
  P::register_parametrization(from, "weight", std::make_shared<AddOne>());
  REQUIRE_THROWS_WITH_SUBSTR(P::transfer_parametrizations_and_params(from, to, "bias"),
                             "does not have a parametrization on bias");
}

TEST_CASE("transfer from an unparametrized module without a name does nothing") {
  nn::Linear from(3, 3), to(3, 3);
  P::transfer_parametrizations_and_params(from, to);
  REQUIRE_FALSE(P::is_parametrized(to));
}
