// Bad input to Module (registration, cycles, set, load_state_dict) and to the optimizers: each
// raises a paragrad::Error naming the module type or optimizer and the offending name or shape,
// and leaves the module, its parameters and the optimizer's parameters unchanged.
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "bad_input.hpp"

#include <paragrad/nn/nn.hpp>
#include <paragrad/nn/optim/optim.hpp>

using namespace paragrad;
using paragrad::test::error_of;
using paragrad::test::Snapshot;

namespace {
bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}
// Everything about a module a failed call must not change.
struct ModuleSnapshot {
  explicit ModuleSnapshot(const nn::Module& m) {
    for (const auto& [name, t] : m.named_parameters()) tensors.emplace_back(name, Snapshot(t));
    for (const auto& [name, t] : m.named_buffers()) tensors.emplace_back(name, Snapshot(t));
    for (const auto& [name, c] : m.named_children()) children.push_back(name);
  }
  bool operator==(const ModuleSnapshot& o) const {
    return tensors == o.tensors && children == o.children;
  }
  std::vector<std::pair<std::string, Snapshot>> tensors;
  std::vector<std::string> children;
};
}  // namespace

TEST_CASE("module: a registration that would make a cycle is refused, nothing changed",
          "[bad_input]") {
  auto a = std::make_shared<nn::ModuleList>(), b = std::make_shared<nn::ModuleList>();
  auto c = std::make_shared<nn::Linear>(2, 2);
  a->push_back(b);
  b->push_back(c);
  const ModuleSnapshot sa(*a), sb(*b), sc(*c);
  // b -> a would close a -> b -> a; c -> a closes a -> b -> c -> a. Before, Module::train and
  // every traversal recursed until the stack overflowed.
  const std::string msg = error_of<ValueError>([&] { b->push_back(a); });
  CHECK(contains(msg, "ModuleList"));
  CHECK(contains(msg, "cycle"));
  CHECK_THROWS_AS(c->register_module("loop", a), ValueError);
  CHECK_THROWS_AS(a->register_module("self", a), ValueError);
  CHECK(ModuleSnapshot(*a) == sa);
  CHECK(ModuleSnapshot(*b) == sb);
  CHECK(ModuleSnapshot(*c) == sc);
  a->train(false);  // the tree is intact and finite
  CHECK_FALSE(c->is_training());
  // Sharing a module under two parents is not a cycle.
  auto d = std::make_shared<nn::ModuleList>();
  d->push_back(c);
  a->push_back(d);
  CHECK(a->named_modules().size() == 4);
}

TEST_CASE("module: bad names, set and state dicts raise naming the module and the key",
          "[bad_input]") {
  nn::Linear layer(3, 2);
  const ModuleSnapshot before(layer);
  CHECK(contains(error_of<ValueError>([&] { layer.register_parameter("a.b", ones({1})); }),
                 "can't contain"));
  CHECK(contains(error_of<ValueError>([&] { layer.register_buffer("", ones({1})); }),
                 "can't be empty"));
  CHECK(contains(error_of<ValueError>([&] { layer.register_buffer("weight", ones({1})); }),
                 "a parameter of that name exists"));
  CHECK(contains(error_of<ShapeError>([&] {
                   layer.set("weight", ones({3, 2}));
                 }),
                 "Linear.set: shape mismatch for 'weight'"));
  CHECK(contains(error_of<ValueError>([&] { layer.set("weight", Tensor()); }), "undefined"));
  CHECK(contains(error_of<ValueError>([&] { layer.get("nope"); }), "nope"));
  CHECK(ModuleSnapshot(layer) == before);
}

TEST_CASE(
    "module: load_state_dict checks everything, a value a slot cannot hold included, "
    "before copying anything",
    "[bad_input]") {
  nn::Linear layer(3, 2);
  layer.register_buffer("count", tensor({5}, kInt64));
  const ModuleSnapshot before(layer);
  auto state = layer.state_dict();
  std::map<std::string, Tensor> bad;
  for (const auto& [k, t] : state) bad.emplace(k, t.detach().clone() + 1.0);
  bad["count"] = tensor({std::numeric_limits<double>::quiet_NaN()});  // NaN for an int64 slot
  const std::string msg = error_of<Error>([&] { layer.load_state_dict(bad); });
  CHECK(contains(msg, "loading state_dict for Linear"));
  CHECK(contains(msg, "count"));
  CHECK(contains(msg, "nan"));
  CHECK(ModuleSnapshot(layer) == before);  // weight and bias were not written either
  bad["count"] = tensor({1.0, 2.0});
  CHECK(contains(error_of<Error>([&] { layer.load_state_dict(bad); }), "size mismatch for count"));
  bad.erase("count");
  CHECK(contains(error_of<Error>([&] { layer.load_state_dict(bad); }), "Missing key(s)"));
  CHECK(ModuleSnapshot(layer) == before);
}

TEST_CASE("optim: LBFGS on parameters without elements raises instead of crashing", "[bad_input]") {
  Tensor p = zeros({0}).requires_grad_();
  optim::LBFGS opt({p});
  int calls = 0;
  const std::string msg = error_of<ValueError>([&] {
    opt.step([&] {
      ++calls;
      return (p * p).sum();
    });
  });
  CHECK(contains(msg, "LBFGS"));
  CHECK(contains(msg, "[0]"));
  CHECK(calls == 0);
  // A zero-size parameter next to others is fine, as in PyTorch.
  Tensor q = tensor({1.0, -2.0}).requires_grad_();
  optim::LBFGS both({p, q});
  both.step([&] {
    both.zero_grad();
    Tensor loss = (q * q).sum() + p.sum();
    loss.backward();
    return loss;
  });
  CHECK(q.abs().max().item<float>() < 1e-3f);
}

TEST_CASE("optim: bad parameters and options raise naming the optimizer, nothing changed",
          "[bad_input]") {
  Tensor p = ones({2}).requires_grad_();
  const Snapshot before(p);
  CHECK(contains(error_of<ValueError>([&] { optim::SGD({Tensor()}, 0.1); }), "undefined"));
  CHECK(contains(error_of<ValueError>([&] { optim::SGD({p}, -1.0); }), "learning rate"));
  CHECK(contains(error_of<ValueError>([&] { optim::Adam({p, p}); }), "Adam"));
  CHECK(contains(error_of<ValueError>([&] {
                   optim::SGD({tensor({1, 2}, kInt64)}, 0.1);
                 }),
                 "floating"));
  CHECK(contains(error_of<ValueError>([&] { optim::SGD({p * 2.0}, 0.1); }), "non-leaf"));
  CHECK(contains(error_of<ValueError>([&] { optim::SGD({}, 0.1); }), "empty"));
  CHECK(Snapshot(p) == before);
}
