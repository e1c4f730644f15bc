// parametrize::cached(): one computation per module and name inside the guard, never stale.
#include <thread>

#include "parametrize/helpers.hpp"

using namespace paragrad;
using namespace paragrad::test;
namespace P = paragrad::parametrize;

TEST_CASE("inside cached() a parametrized tensor is computed once") {
  nn::Linear m(3, 3);
  auto s = std::make_shared<Symmetric>();
  P::register_parametrization(m, "weight", s);
  const int start = s->calls;
  {
    auto guard = P::cached();
    Tensor a = m.get("weight");
    Tensor b = m.get("weight");
    m(randn({2, 3}));
    REQUIRE(s->calls == start + 1);
    REQUIRE(a.is_same(b));
  }
  m.get("weight");
  REQUIRE(s->calls == start + 2);
}

TEST_CASE("outside cached() every get computes again") {
  nn::Linear m(3, 3);
  auto s = std::make_shared<Symmetric>();
  P::register_parametrization(m, "weight", s);
  const int start = s->calls;
  for (int i = 0; i < 4; ++i) m.get("weight");
  REQUIRE(s->calls == start + 4);
}

TEST_CASE("cached() guards nest and the cache lives until the outermost ends") {
  nn::Linear m(3, 3);
  auto s = std::make_shared<Symmetric>();
  P::register_parametrization(m, "weight", s);
  const int start = s->calls;
  {
    auto outer = P::cached();
    m.get("weight");
    {
      auto inner = P::cached();
      m.get("weight");
    }
    REQUIRE(P::is_cache_enabled());
    m.get("weight");
    REQUIRE(s->calls == start + 1);
  }
  REQUIRE_FALSE(P::is_cache_enabled());
}

TEST_CASE("the cache is keyed per module instance and per name") {
  nn::Linear m1(3, 3), m2(3, 3);
  auto s = std::make_shared<Symmetric>();
  P::register_parametrization(m1, "weight", s);
  P::register_parametrization(m2, "weight", s);
  nn::Module both;
  both.register_parameter("a", randn({3, 3}));
  both.register_parameter("b", randn({3, 3}));
  P::register_parametrization(both, "a", s);
  P::register_parametrization(both, "b", s);
  const int start = s->calls;
  auto guard = P::cached();
  Tensor w1 = m1.get("weight"), w2 = m2.get("weight");
  Tensor a = both.get("a"), b = both.get("b");
  REQUIRE(s->calls == start + 4);
  REQUIRE_FALSE(allclose(w1, w2));
  REQUIRE_FALSE(allclose(a, b));
  m1.get("weight");
  both.get("b");
  REQUIRE(s->calls == start + 4);
}

TEST_CASE("set inside cached() invalidates the cached value") {
  nn::Linear m(3, 3);
  P::register_parametrization(m, "weight", std::make_shared<Symmetric>());
  auto guard = P::cached();
  m.get("weight");
  Tensor A = rand({3, 3});
  A = A + A.t();
  m.set("weight", A);
  REQUIRE(allclose(m.get("weight"), A));
}

TEST_CASE("an optimizer step inside cached() invalidates the cached value") {
  nn::Linear m(3, 3);
  auto s = std::make_shared<Symmetric>();
  P::register_parametrization(m, "weight", s);
  optim::SGD opt(m.parameters(), 0.5);
  auto guard = P::cached();
  Tensor before = m.get("weight").clone();
  m(randn({2, 3})).sum().backward();
  opt.step();
  const int calls = s->calls;
  Tensor after = m.get("weight");
  REQUIRE(s->calls == calls + 1);
  REQUIRE_FALSE(allclose(after, before));
  Tensor X = P::parametrizations(m, "weight").original();
  REQUIRE(allclose(after, X.triu() + X.triu(1).t()));
}

TEST_CASE("load_state_dict inside cached() invalidates the cached value") {
  nn::Linear m(3, 3);
  P::register_parametrization(m, "weight", std::make_shared<AddOne>());
  auto guard = P::cached();
  m.get("weight");
  auto state = m.state_dict();
  std::map<std::string, Tensor> fresh;
  for (auto& [k, v] : state) fresh[k] = zeros(v.shape());
  m.load_state_dict(fresh);
  REQUIRE(allclose(m.get("weight"), ones({3, 3})));
}

TEST_CASE("replacing an original tensor inside cached() invalidates the cached value") {
  nn::Linear m(3, 3);
  P::register_parametrization(m, "weight", std::make_shared<AddOne>());
  auto& list = P::parametrizations(m, "weight");
  auto guard = P::cached();
  m.get("weight");
  list.replace_original(0, nn::Parameter(zeros({3, 3})));
  REQUIRE(allclose(m.get("weight"), ones({3, 3})));
}

TEST_CASE("appending a parametrization inside cached() invalidates the cached value") {
  nn::Linear m(3, 3);
  P::register_parametrization(m, "weight", std::make_shared<AddOne>());
  auto guard = P::cached();
  Tensor a = m.get("weight");
  P::register_parametrization(m, "weight", std::make_shared<Double>());
  REQUIRE(allclose(m.get("weight"), a * 2.0));
}

TEST_CASE("a value cached under no-grad is recomputed when gradients are needed") {
  nn::Linear m(3, 3);
  P::register_parametrization(m, "weight", std::make_shared<Symmetric>());
  auto guard = P::cached();
  {
    NoGradGuard g;
    REQUIRE_FALSE(m.get("weight").requires_grad());
  }
  Tensor w = m.get("weight");
  REQUIRE(w.requires_grad());
  w.sum().backward();
  REQUIRE(P::parametrizations(m, "weight").original().grad().defined());
}

TEST_CASE("gradients flow through a cached value used twice") {
  nn::Linear m(3, 3);
  P::register_parametrization(m, "weight", std::make_shared<AddOne>());
  auto guard = P::cached();
  (m.get("weight").sum() + m.get("weight").sum()).backward();
  REQUIRE(allclose(P::parametrizations(m, "weight").original().grad(), full({3, 3}, 2.0)));
}

TEST_CASE("the cache is per thread") {
  nn::Linear m(3, 3);
  auto s = std::make_shared<Symmetric>();
  P::register_parametrization(m, "weight", s);
  auto guard = P::cached();
  m.get("weight");
  bool other_thread_cached = true;
  std::thread t([&] { other_thread_cached = P::is_cache_enabled(); });
  t.join();
  REQUIRE_FALSE(other_thread_cached);
}

TEST_CASE("removing a parametrization inside cached() makes get return the plain tensor") {
  nn::Linear m(3, 3);
  P::register_parametrization(m, "weight", std::make_shared<AddOne>());
  auto guard = P::cached();
  Tensor w = m.get("weight");
  P::remove_parametrizations(m, "weight", /*leave_parametrized=*/false);
  REQUIRE(allclose(m.get("weight"), w - 1.0));
}
