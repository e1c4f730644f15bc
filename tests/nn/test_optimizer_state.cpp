// Optimizer::state_dict / load_state_dict: a run interrupted, saved with serialize::save and
// resumed from the file ends with bit-identical parameters to the uninterrupted run, for every
// optimizer; bad state is rejected without changing anything.
#include <catch2/catch.hpp>

#include <cstdio>
#include <functional>

#include <paragrad/nn/nn.hpp>

using namespace paragrad;

namespace {
using Make = std::function<std::unique_ptr<optim::Optimizer>(const TensorList&)>;

// A small conv + batchnorm + linear model in float32, its data fixed by the seed.
struct Run {
  std::shared_ptr<nn::Sequential> model;
  std::unique_ptr<optim::Optimizer> opt;
  Tensor x, y;
  explicit Run(const Make& make) {
    manual_seed(42);
    model = nn::make_sequential(std::make_shared<nn::Conv2d>(1, 3, 3, 1, 1),
                                std::make_shared<nn::BatchNorm2d>(3), std::make_shared<nn::Tanh>(),
                                std::make_shared<nn::Flatten>(),
                                std::make_shared<nn::Linear>(3 * 4 * 4, 2));
    x = randn({5, 1, 4, 4});
    y = randn({5, 2});
    opt = make(model->parameters());
  }
  void steps(int n) {
    for (int i = 0; i < n; ++i) {
      auto closure = [&] {
        opt->zero_grad();
        Tensor loss = nn::functional::mse_loss((*model)(x), y);
        loss.backward();
        return loss;
      };
      opt->step(closure);
    }
  }
  std::vector<double> values() const {
    std::vector<double> v;
    for (const auto& [k, t] : model->state_dict())
      for (double e : t.tolist()) v.push_back(e);
    return v;
  }
};

// Bit for bit: the forward and backward of this model are bitwise reproducible run to run
// (tests/nn/test_determinism.cpp checks that on its own).
// `tag` keeps the files of test cases that ctest runs in parallel apart.
void check_resume(const std::string& tag, const Make& make, int before = 3, int after = 4) {
  Run full(make);
  full.steps(before + after);

  Run first(make);
  first.steps(before);
  const std::string mpath = "paragrad_resume_model_" + tag + ".safetensors";
  const std::string opath = "paragrad_resume_optim_" + tag + ".safetensors";
  serialize::save(first.model->state_dict(), mpath);
  serialize::save(first.opt->state_dict(), opath);

  Run resumed(make);  // a fresh process would build the same objects
  resumed.model->load_state_dict(serialize::load(mpath));
  resumed.opt->load_state_dict(serialize::load(opath));
  std::remove(mpath.c_str());
  std::remove(opath.c_str());
  resumed.steps(after);
  CHECK(resumed.values() == full.values());  // bit for bit
}
}  // namespace

TEST_CASE("SGD with momentum and nesterov resumes bit for bit from a saved state") {
  check_resume("sgd", [](const TensorList& p) {
    return std::make_unique<optim::SGD>(p, 0.05, 0.9, 0, 1e-3, true);
  });
}

TEST_CASE("Adam with amsgrad resumes bit for bit from a saved state") {
  check_resume("adam", [](const TensorList& p) {
    return std::make_unique<optim::Adam>(p, 0.01, std::make_pair(0.8, 0.99), 1e-8, 1e-3, true);
  });
}

TEST_CASE("AdamW resumes bit for bit from a saved state") {
  check_resume("adamw",
               [](const TensorList& p) { return std::make_unique<optim::AdamW>(p, 0.01); });
}

TEST_CASE("RMSprop centered with momentum resumes bit for bit from a saved state") {
  check_resume("rmsprop", [](const TensorList& p) {
    return std::make_unique<optim::RMSprop>(p, 0.01, 0.9, 1e-8, 1e-3, 0.5, true);
  });
}

TEST_CASE("Adagrad resumes bit for bit from a saved state") {
  check_resume("adagrad", [](const TensorList& p) {
    return std::make_unique<optim::Adagrad>(p, 0.05, 0.01, 1e-3, 0.1);
  });
}

TEST_CASE("LBFGS with strong Wolfe line search resumes bit for bit from a saved state") {
  check_resume(
      "lbfgs",
      [](const TensorList& p) {
        return std::make_unique<optim::LBFGS>(p, 0.5, 3, 0, 1e-7, 1e-9, 5, "strong_wolfe");
      },
      2, 2);
}

TEST_CASE("a resumed run with a scheduler continues the learning rate exactly") {
  auto make = [](const TensorList& p) { return std::make_unique<optim::SGD>(p, 0.1, 0.9); };
  Run full(make);
  optim::lr_scheduler::StepLR sf(*full.opt, 2, 0.5);
  for (int i = 0; i < 6; ++i) {
    full.steps(1);
    sf.step();
  }
  Run first(make);
  optim::lr_scheduler::StepLR s1(*first.opt, 2, 0.5);
  for (int i = 0; i < 3; ++i) {
    first.steps(1);
    s1.step();
  }
  Run resumed(make);
  optim::lr_scheduler::StepLR s2(*resumed.opt, 2, 0.5);
  resumed.model->load_state_dict(first.model->state_dict());
  resumed.opt->load_state_dict(first.opt->state_dict());
  s2.load_state_dict(s1.state_dict());
  for (int i = 0; i < 3; ++i) {
    resumed.steps(1);
    s2.step();
  }
  CHECK(resumed.values() == full.values());
  CHECK(s2.get_last_lr() == sf.get_last_lr());
}

TEST_CASE("Optimizer::state_dict names state by parameter index and group options") {
  Tensor a = zeros({2}).requires_grad_(true), b = zeros({3}).requires_grad_(true);
  optim::Adam opt({a}, 0.1);
  opt.add_param_group({b}, {{"lr", 0.5}});
  (a.sum() * 2).backward();
  opt.step();
  const auto sd = opt.state_dict();
  CHECK(sd.at("state.0.step").item<int64_t>() == 1);
  CHECK(sd.at("state.0.exp_avg").shape() == Shape{2});
  CHECK(sd.count("state.1.step") == 0);  // b had no gradient yet
  CHECK(sd.at("param_groups.1.lr").item<double>() == 0.5);
  CHECK(sd.at("param_groups.1.params").tolist() == std::vector<double>{1});
  CHECK(sd.at("param_groups.0.beta1").dtype() == kFloat64);
  // copies: stepping again does not change the saved state
  (a.sum() * 2).backward();
  opt.step();
  CHECK(sd.at("state.0.step").item<int64_t>() == 1);
}

TEST_CASE("load_state_dict rejects mismatched state and changes nothing") {
  Tensor a = zeros({2}).requires_grad_(true);
  optim::SGD opt({a}, 0.1, 0.9);
  a.sum().backward();
  opt.step();
  auto good = opt.state_dict();
  Tensor b = zeros({3}).requires_grad_(true);
  optim::SGD other({b}, 0.2, 0.9);
  CHECK_THROWS_WITH(other.load_state_dict(good), Catch::Contains("shape"));
  CHECK(other.param_groups()[0]["lr"] == 0.2);
  auto extra = good;
  extra["state.0.bogus.key"] = zeros({2});
  extra["unknown"] = zeros({1});
  CHECK_THROWS_WITH(opt.load_state_dict(extra), Catch::Contains("unexpected key 'unknown'"));
  auto bad_option = good;
  bad_option["param_groups.0.no_such_option"] = scalar(1, kFloat64);
  CHECK_THROWS_WITH(opt.load_state_dict(bad_option), Catch::Contains("no_such_option"));
  auto bad_lr = good;
  bad_lr["param_groups.0.lr"] = scalar(-1, kFloat64);
  CHECK_THROWS_AS(opt.load_state_dict(bad_lr), ValueError);
  auto two_groups = good;
  two_groups["param_groups.1.lr"] = scalar(1, kFloat64);
  CHECK_THROWS_WITH(opt.load_state_dict(two_groups), Catch::Contains("group 1"));
  auto missing_group = good;
  for (auto it = missing_group.begin(); it != missing_group.end();)
    it = it->first.rfind("param_groups.", 0) == 0 ? missing_group.erase(it) : std::next(it);
  CHECK_THROWS_WITH(opt.load_state_dict(missing_group), Catch::Contains("no parameter group 0"));
  CHECK(opt.param_groups()[0]["lr"] == 0.1);
  CHECK(equal(opt.state(a).buffers.at("momentum_buffer"), good.at("state.0.momentum_buffer")));
  optim::Adam adam({a});
  CHECK_THROWS_WITH(adam.load_state_dict(
                        {{"extra.d", zeros({2})}, {"param_groups.0.params", tensor({0}, kInt64)}}),
                    Catch::Contains("unexpected key 'extra.d'"));
}
