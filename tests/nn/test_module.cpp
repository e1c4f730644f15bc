// Module: registration, names, get/set/has, the TensorProvider hook, traversal, modes, repr.
#include <catch2/catch.hpp>

#include <sstream>

#include <paragrad/nn/nn.hpp>

using namespace paragrad;

namespace {

struct Net : nn::Module {
  Net() {
    register_parameter("a", zeros({2}));
    register_buffer("running", ones({2}));
    fc = register_module("fc", std::make_shared<nn::Linear>(2, 3));
    register_parameter("z", ones({1}));
    register_buffer("scratch", zeros({1}), /*persistent=*/false);
  }
  std::shared_ptr<nn::Linear> fc;
};

std::vector<std::string> keys(const std::vector<std::pair<std::string, Tensor>>& v) {
  std::vector<std::string> out;
  for (const auto& e : v) out.push_back(e.first);
  return out;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// Provides "double_a" = 2 * a; set stores value / 2 into a.
struct Doubler : nn::TensorProvider {
  int gets = 0;
  bool provides(const std::string& name) const override { return name == "double_a"; }
  Tensor get(nn::Module& owner, const std::string&) override {
    ++gets;
    return owner.get("a") * 2.0;
  }
  void set(nn::Module& owner, const std::string&, const Tensor& v) override {
    owner.set("a", v / 2.0);
  }
};

}  // namespace

TEST_CASE("named_parameters lists parameters in registration order with dotted names") {
  Net net;
  CHECK(keys(net.named_parameters()) == std::vector<std::string>{"a", "z", "fc.weight", "fc.bias"});
  CHECK(keys(net.named_parameters(false)) == std::vector<std::string>{"a", "z"});
  CHECK(net.parameters().size() == 4);
}

TEST_CASE("named_buffers include non-persistent buffers, state_dict does not") {
  Net net;
  CHECK(keys(net.named_buffers()) == std::vector<std::string>{"running", "scratch"});
  auto sd = net.state_dict();
  CHECK(sd.size() == 5);
  CHECK(sd.count("running") == 1);
  CHECK(sd.count("scratch") == 0);
  CHECK(sd.count("fc.weight") == 1);
}

TEST_CASE("Sequential names its children 0, 1, ... and its parameters 0.weight, ...") {
  nn::Sequential seq;
  seq.push_back(std::make_shared<nn::Linear>(3, 4));
  seq.push_back(std::make_shared<nn::ReLU>());
  seq.push_back(std::make_shared<nn::Linear>(4, 1, false));
  CHECK(keys(seq.named_parameters()) == std::vector<std::string>{"0.weight", "0.bias", "2.weight"});
  auto mods = seq.named_modules();
  REQUIRE(mods.size() == 4);
  CHECK(mods[0].first == "");
  CHECK(mods[3].first == "2");
  CHECK(seq.forward(ones({5, 3})).shape() == Shape{5, 1});
}

TEST_CASE("a tensor shared by two modules is listed once by named_parameters") {
  auto shared = std::make_shared<nn::Linear>(2, 2);
  nn::Sequential seq{shared, shared};
  CHECK(seq.parameters().size() == 2);
  CHECK(seq.named_modules().size() == 2);
  CHECK(seq.state_dict().size() == 4);  // state_dict keeps every key, like PyTorch
}

TEST_CASE("register_parameter keeps a leaf's handle, so optimizers holding it stay valid") {
  nn::Module m;
  Tensor t = zeros({3});
  m.register_parameter("w", t);
  CHECK(m.get("w").is_same(t));
  CHECK(t.requires_grad());
  Tensor moved = m.remove_parameter("w");
  CHECK(moved.is_same(t));
  CHECK_FALSE(m.has("w"));
}

TEST_CASE("registration rejects bad and clashing names") {
  nn::Module m;
  m.register_parameter("w", zeros({1}));
  CHECK(error_of([&] { m.register_buffer("w", zeros({1})); }).find("a parameter of that name") !=
        std::string::npos);
  CHECK(error_of([&] { m.register_parameter("a.b", zeros({1})); }).find("can't contain") !=
        std::string::npos);
  CHECK(error_of([&] { m.register_parameter("", zeros({1})); }).find("empty") != std::string::npos);
  CHECK_THROWS_AS(m.register_module("w", std::make_shared<nn::ReLU>()), Error);
}

TEST_CASE("get, set and has reach parameters, buffers and dotted names") {
  Net net;
  CHECK(net.has("a"));
  CHECK(net.has("running"));
  CHECK(net.has("fc.weight"));
  CHECK_FALSE(net.has("fc.nothing"));
  CHECK_FALSE(net.has("nope.weight"));
  Tensor a = net.get("a");
  net.set("a", tensor({3.0, 4.0}, kFloat64));  // copied in place, dtype converted
  CHECK(net.get("a").is_same(a));
  CHECK(a.dtype() == kFloat32);
  CHECK(a.tolist() == std::vector<double>{3, 4});
  net.set("fc.bias", zeros({3}));
  CHECK(net.fc->bias().tolist() == std::vector<double>{0, 0, 0});
}

TEST_CASE("set raises an Error naming both shapes, get an Error naming module and name") {
  Net net;
  std::string msg = error_of([&] { net.set("a", zeros({3})); });
  CHECK(msg.find("[2]") != std::string::npos);
  CHECK(msg.find("[3]") != std::string::npos);
  CHECK(msg.find("'a'") != std::string::npos);
  msg = error_of([&] { net.get("missing"); });
  CHECK(msg.find("Net") != std::string::npos);
  CHECK(msg.find("'missing'") != std::string::npos);
}

TEST_CASE("a TensorProvider answers get, set and has before parameters and buffers") {
  Net net;
  auto p = std::make_shared<Doubler>();
  net.set_tensor_provider(p);
  CHECK(net.tensor_provider() == p);
  CHECK(net.has("double_a"));
  net.set("a", tensor({1.0, 2.0}));
  CHECK(net.get("double_a").tolist() == std::vector<double>{2, 4});
  net.set("double_a", tensor({6.0, 8.0}));
  CHECK(net.get("a").tolist() == std::vector<double>{3, 4});
  CHECK(p->gets == 1);
  CHECK(keys(net.named_parameters(false)) == std::vector<std::string>{"a", "z"});
}

TEST_CASE("a provider on a child is reached through a dotted name") {
  auto inner = std::make_shared<Net>();
  nn::Sequential seq{inner};
  inner->set_tensor_provider(std::make_shared<Doubler>());
  CHECK(seq.has("0.double_a"));
  CHECK(seq.get("0.double_a").tolist() == std::vector<double>{0, 0});
}

TEST_CASE("Linear reads its weight through get, so a provider can override it") {
  struct Eye : nn::TensorProvider {
    bool provides(const std::string& n) const override { return n == "weight"; }
    Tensor get(nn::Module&, const std::string&) override { return eye(2); }
    void set(nn::Module&, const std::string&, const Tensor&) override {}
  };
  nn::Linear lin(2, 2);
  lin.set("bias", zeros({2}));
  lin.set_tensor_provider(std::make_shared<Eye>());
  CHECK(lin.weight().tolist() == std::vector<double>{1, 0, 0, 1});
  CHECK(lin(tensor({{3.0, 5.0}})).tolist() == std::vector<double>{3, 5});
}

TEST_CASE("type_name can be overridden while class_name keeps the original") {
  nn::Linear lin(4, 4);
  CHECK(lin.type_name() == "Linear");
  lin.set_type_name_override("ParametrizedLinear");
  CHECK(lin.type_name() == "ParametrizedLinear");
  CHECK(lin.class_name() == "Linear");
  lin.set_type_name_override("");
  CHECK(lin.type_name() == "Linear");
  Net net;
  CHECK(net.type_name() == "Net");  // demangled C++ class name by default
}

TEST_CASE("remove_module, has_module and child manage submodules") {
  Net net;
  CHECK(net.has_module("fc"));
  CHECK(net.child("fc") == net.fc);
  CHECK(net.remove_module("fc") == net.fc);
  CHECK_FALSE(net.has("fc.weight"));
  CHECK_THROWS_AS(net.child("fc"), Error);
  CHECK_THROWS_AS(net.remove_buffer("nope"), Error);
}

TEST_CASE("ModuleDict keeps insertion order and at() finds children") {
  nn::ModuleDict d;
  d.insert("weight", std::make_shared<nn::ReLU>());
  d.insert("bias", std::make_shared<nn::Tanh>());
  CHECK(d.keys() == std::vector<std::string>{"weight", "bias"});
  CHECK(d.at("bias")->type_name() == "Tanh");
  CHECK_THROWS_AS(d.at("nope"), Error);
  CHECK(d.erase("weight")->type_name() == "ReLU");
  CHECK(d.size() == 1);
}

TEST_CASE("train and eval propagate to every descendant") {
  nn::Sequential seq{
      std::make_shared<nn::Dropout>(),
      std::make_shared<nn::Sequential>(
          std::initializer_list<std::shared_ptr<nn::Module>>{std::make_shared<nn::ReLU>()})};
  seq.eval();
  for (auto& [n, m] : seq.named_modules()) CHECK_FALSE(m->is_training());
  seq.train();
  for (auto& [n, m] : seq.named_modules()) CHECK(m->is_training());
}

TEST_CASE("apply visits children before the module itself") {
  nn::Sequential seq{std::make_shared<nn::ReLU>(), std::make_shared<nn::Tanh>()};
  std::vector<std::string> seen;
  seq.apply([&](nn::Module& m) { seen.push_back(m.type_name()); });
  CHECK(seen == std::vector<std::string>{"ReLU", "Tanh", "Sequential"});
}

TEST_CASE("zero_grad leaves every parameter's grad undefined") {
  nn::Linear lin(3, 2);
  lin(ones({1, 3})).sum().backward();
  CHECK(lin.weight().grad().defined());
  lin.zero_grad();
  CHECK_FALSE(lin.weight().grad().defined());
  CHECK_FALSE(lin.bias().grad().defined());
}

TEST_CASE("to(Float64) converts parameters and floating buffers, keeping requires_grad") {
  Net net;
  net.register_buffer("steps", zeros({1}, kInt64));
  net.to(kFloat64);
  for (auto& p : net.parameters()) {
    CHECK(p.dtype() == kFloat64);
    CHECK(p.requires_grad());
  }
  CHECK(net.get("running").dtype() == kFloat64);
  CHECK(net.get("steps").dtype() == kInt64);
  CHECK(net.fc->forward(ones({1, 2}, kFloat64)).dtype() == kFloat64);
}

TEST_CASE("operator<< prints the module tree like PyTorch's repr") {
  nn::Sequential seq{std::make_shared<nn::Linear>(4, 4), std::make_shared<nn::ReLU>(),
                     std::make_shared<nn::Linear>(4, 1, false)};
  std::ostringstream os;
  os << seq;
  CHECK(os.str() ==
        "Sequential(\n"
        "  (0): Linear(in_features=4, out_features=4, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Linear(in_features=4, out_features=1, bias=False)\n"
        ")");
  nn::Linear lin(5, 5);
  auto dict = std::make_shared<nn::ModuleDict>();
  auto list = std::make_shared<nn::ModuleList>();
  list->push_back(std::make_shared<nn::Tanh>());
  dict->insert("weight", list);
  lin.register_module("parametrizations", dict);
  lin.set_type_name_override("ParametrizedLinear");
  std::ostringstream os2;
  os2 << lin;
  CHECK(os2.str() ==
        "ParametrizedLinear(\n"
        "  in_features=5, out_features=5, bias=True\n"
        "  (parametrizations): ModuleDict(\n"
        "    (weight): ModuleList(\n"
        "      (0): Tanh()\n"
        "    )\n"
        "  )\n"
        ")");
}

TEST_CASE("forward of a module without one raises NotImplementedError") {
  nn::Module m;
  CHECK_THROWS_AS(m(ones({1})), NotImplementedError);
}
