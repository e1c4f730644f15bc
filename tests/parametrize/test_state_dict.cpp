// state_dict keys as PyTorch's, and load_state_dict into parametrized modules.
#include "parametrize/helpers.hpp"

using namespace paragrad;
using namespace paragrad::test;
namespace P = paragrad::parametrize;

namespace {
std::vector<std::string> keys(const nn::Module& m) {
  std::vector<std::string> out;
  for (auto& [k, v] : m.state_dict()) out.push_back(k);
  return out;
}
}  // namespace

TEST_CASE("state_dict of a parametrized Linear has PyTorch's keys") {
  nn::Linear m(3, 3);
  P::register_parametrization(m, "weight", std::make_shared<Symmetric>());
  REQUIRE(keys(m) == std::vector<std::string>{"bias", "parametrizations.weight.original"});
}

TEST_CASE("state_dict with several originals has original0 and original1") {
  nn::Linear m(4, 4);
  P::register_parametrization(m, "weight", std::make_shared<RankOne>());
  REQUIRE(keys(m) == std::vector<std::string>{"bias", "parametrizations.weight.original0",
                                              "parametrizations.weight.original1"});
}

TEST_CASE("state_dict includes the parametrizations' own buffers by position") {
  nn::Linear m(4, 3);
  parametrizations::spectral_norm(m);
  REQUIRE(keys(m) == std::vector<std::string>{"bias", "parametrizations.weight.0._u",
                                              "parametrizations.weight.0._v",
                                              "parametrizations.weight.original"});
}

TEST_CASE("named_parameters lists the original under its dotted name") {
  nn::Linear m(3, 3);
  P::register_parametrization(m, "weight", std::make_shared<Symmetric>());
  auto named = m.named_parameters();
  REQUIRE(named.size() == 2);
  REQUIRE(named[0].first == "bias");
  REQUIRE(named[1].first == "parametrizations.weight.original");
}

TEST_CASE("load_state_dict into a parametrized module sets the originals") {
  nn::Linear a(3, 3), b(3, 3);
  P::register_parametrization(a, "weight", std::make_shared<Symmetric>());
  P::register_parametrization(b, "weight", std::make_shared<Symmetric>());
  Tensor original_b = P::parametrizations(b, "weight").original();
  b.load_state_dict(a.state_dict());
  REQUIRE(allclose(b.get("weight"), a.get("weight")));
  REQUIRE(P::parametrizations(b, "weight").original().is_same(original_b));
}

TEST_CASE("load_state_dict of a plain module's keys into a parametrized one is an Error") {
  nn::Linear plain(3, 3), param(3, 3);
  P::register_parametrization(param, "weight", std::make_shared<Symmetric>());
  REQUIRE_THROWS_WITH(param.load_state_dict(plain.state_dict()),
                      Catch::Matchers::Contains("parametrizations.weight.original") &&
                          Catch::Matchers::Contains("weight"));
}
