// state_dict / load_state_dict and Module::save / load.
#include <catch2/catch.hpp>

#include <cstdio>

#include <paragrad/nn/nn.hpp>

using namespace paragrad;

namespace {
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}
}  // namespace

TEST_CASE("state_dict keys are PyTorch's and values share storage without autograd state") {
  nn::Sequential seq{std::make_shared<nn::Linear>(2, 3), std::make_shared<nn::Tanh>(),
                     std::make_shared<nn::LayerNorm>(Shape{3})};
  auto sd = seq.state_dict();
  std::vector<std::string> keys;
  for (auto& [k, v] : sd) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"0.bias", "0.weight", "2.bias", "2.weight"});
  CHECK_FALSE(sd["0.weight"].requires_grad());
  sd["0.weight"].fill_(7);
  CHECK(seq.get("0.weight").tolist() == std::vector<double>(6, 7.0));
}

TEST_CASE("load_state_dict copies in place, so an optimizer built before keeps working") {
  nn::Linear a(3, 2), b(3, 2);
  Tensor w = a.weight();
  optim::SGD opt(a.parameters(), 0.1);
  a.load_state_dict(b.state_dict());
  CHECK(a.weight().is_same(w));
  CHECK(equal(a.weight(), b.weight()));
  a(ones({1, 3})).sum().backward();
  opt.step();
  CHECK(allclose(a.weight(), b.weight() - 0.1 * ones({2, 3})));
}

TEST_CASE("strict load_state_dict lists missing and unexpected keys") {
  nn::Linear lin(3, 2);
  auto sd = lin.state_dict();
  sd.erase("bias");
  sd["extra"] = zeros({1});
  const std::string msg = error_of([&] { lin.load_state_dict(sd); });
  CHECK(contains(msg, "Error(s) in loading state_dict for Linear"));
  CHECK(contains(msg, "Missing key(s) in state_dict: \"bias\""));
  CHECK(contains(msg, "Unexpected key(s) in state_dict: \"extra\""));
}

TEST_CASE("a failed strict load leaves the module untouched") {
  nn::Linear lin(3, 2);
  const Tensor before = lin.weight().clone();
  auto sd = nn::Linear(3, 2).state_dict();
  sd.erase("bias");
  CHECK_THROWS_AS(lin.load_state_dict(sd), Error);
  CHECK(equal(lin.weight(), before));
}

TEST_CASE("non-strict load_state_dict loads the keys present and reports the rest") {
  nn::Linear lin(3, 2);
  nn::Linear other(3, 2);
  auto sd = other.state_dict();
  sd.erase("bias");
  sd["extra"] = zeros({1});
  auto [missing, unexpected] = lin.missing_and_unexpected_keys(sd);
  CHECK(missing == std::vector<std::string>{"bias"});
  CHECK(unexpected == std::vector<std::string>{"extra"});
  lin.load_state_dict(sd, /*strict=*/false);
  CHECK(equal(lin.weight(), other.weight()));
}

TEST_CASE("load_state_dict with a wrong shape names the key and both shapes, even non-strict") {
  nn::Linear lin(3, 2);
  auto sd = lin.state_dict();
  sd["weight"] = zeros({4, 3});
  for (bool strict : {true, false}) {
    const std::string msg = error_of([&] { lin.load_state_dict(sd, strict); });
    CHECK(contains(msg, "size mismatch for weight"));
    CHECK(contains(msg, "[4, 3]"));
    CHECK(contains(msg, "[2, 3]"));
  }
}

TEST_CASE("load_state_dict converts dtypes like PyTorch's copy_") {
  nn::Linear lin(2, 2);
  auto sd = lin.state_dict();
  sd["weight"] = ones({2, 2}, kFloat64);
  lin.load_state_dict(sd);
  CHECK(lin.weight().dtype() == kFloat32);
  CHECK(lin.weight().tolist() == std::vector<double>(4, 1.0));
}

TEST_CASE("Module::save and load round-trip a nested module through a safetensors file") {
  const std::string path = "paragrad_test_module_roundtrip.safetensors";
  nn::Sequential a{std::make_shared<nn::Linear>(4, 3), std::make_shared<nn::RNNCell>(3, 2)};
  nn::Sequential b{std::make_shared<nn::Linear>(4, 3), std::make_shared<nn::RNNCell>(3, 2)};
  a.save(path);
  b.load(path);
  std::remove(path.c_str());
  for (auto& [k, v] : a.state_dict()) CHECK(equal(v, b.state_dict()[k]));
}
