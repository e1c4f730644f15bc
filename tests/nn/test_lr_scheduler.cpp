// Learning-rate schedulers: the sequences of get_last_lr() against PyTorch 1.13
// (scripts/oracle/nn_training_oracle.py), OneCycleLR's momentum cycling, state_dict resume.
#include <catch2/catch.hpp>

#include <paragrad/nn/nn.hpp>

#include "nn/nn_training_oracle.hpp"

using namespace paragrad;
using namespace paragrad::optim::lr_scheduler;
namespace O = nn_training_oracle;

namespace {
struct Params {
  Tensor p = zeros({2}, kFloat64).requires_grad_(true);
  Tensor q = zeros({2}, kFloat64).requires_grad_(true);
};

// get_last_lr() after construction and after each of `steps` steps, flattened.
template <class S>
std::vector<double> sequence(optim::Optimizer& opt, S& s, int steps) {
  std::vector<double> lrs = s.get_last_lr();
  for (int i = 0; i < steps; ++i) {
    opt.step();
    s.step();
    for (double v : s.get_last_lr()) lrs.push_back(v);
  }
  return lrs;
}

void check_seq(const std::vector<double>& got, const std::vector<double>& want) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("step entry " << i);
    CHECK(got[i] == Approx(want[i]).epsilon(1e-12).margin(1e-15));
  }
}
}  // namespace

TEST_CASE("StepLR decays every step_size epochs in each group, as PyTorch") {
  Params x;
  optim::SGD opt({x.p}, 0.1);
  opt.add_param_group({x.q}, {{"lr", 0.02}});
  StepLR s(opt, 3, 0.5);
  check_seq(sequence(opt, s, 12), O::step_lr_lrs);
  CHECK(opt.param_groups()[1]["lr"] == Approx(0.02 * 0.0625));
}

TEST_CASE("MultiStepLR decays at the milestones, a repeated milestone twice, as PyTorch") {
  Params x;
  optim::SGD opt({x.p, x.q}, 0.1);
  MultiStepLR s(opt, {2, 5, 5, 9}, 0.1);
  check_seq(sequence(opt, s, 12), O::multistep_lr_lrs);
}

TEST_CASE("ExponentialLR decays every epoch, as PyTorch") {
  Params x;
  optim::SGD opt({x.p}, 0.1);
  opt.add_param_group({x.q}, {{"lr", 0.02}});
  ExponentialLR s(opt, 0.9);
  check_seq(sequence(opt, s, 10), O::exponential_lr_lrs);
}

TEST_CASE("CosineAnnealingLR follows PyTorch's recursive formula past T_max") {
  Params x;
  optim::SGD opt({x.p, x.q}, 0.1);
  CosineAnnealingLR s(opt, 5, 0.01);
  check_seq(sequence(opt, s, 23), O::cosine_lr_lrs);
}

TEST_CASE("OneCycleLR with SGD cycles lr and momentum as PyTorch and stops after total_steps") {
  Params x;
  optim::SGD opt({x.p, x.q}, 0.1, 0.9);
  OneCycleLR s(opt, 1.0, 20);
  std::vector<double> moms{opt.param_groups()[0]["momentum"]};
  std::vector<double> lrs = s.get_last_lr();
  for (int i = 0; i < 20; ++i) {
    opt.step();
    s.step();
    lrs.push_back(s.get_last_lr()[0]);
    moms.push_back(opt.param_groups()[0]["momentum"]);
  }
  check_seq(lrs, O::one_cycle_sgd_lrs);
  check_seq(moms, O::one_cycle_sgd_momentum);
  CHECK_THROWS_WITH(s.step(), Catch::Contains("tried to step 21 times"));
}

TEST_CASE("OneCycleLR three-phase linear with Adam cycles beta1 as PyTorch") {
  Params x;
  optim::Adam opt({x.p, x.q}, 0.1);
  OneCycleLR s(opt, 0.5, 0, 3, 5, 0.4, "linear", true, 0.85, 0.95, 10, 100, true);
  std::vector<double> moms{opt.param_groups()[0]["beta1"]};
  std::vector<double> lrs = s.get_last_lr();
  for (int i = 0; i < 15; ++i) {
    opt.step();
    s.step();
    lrs.push_back(s.get_last_lr()[0]);
    moms.push_back(opt.param_groups()[0]["beta1"]);
  }
  check_seq(lrs, O::one_cycle_adam_three_phase_linear_lrs);
  check_seq(moms, O::one_cycle_adam_three_phase_linear_momentum);
}

TEST_CASE("ReduceLROnPlateau reduces after patience, with cooldown and min_lr, as PyTorch") {
  Params x;
  optim::SGD opt({x.p}, 0.1);
  ReduceLROnPlateau s(opt, "min", 0.5, 2, 0.1, "rel", 1, 0.01);
  std::vector<double> lrs;
  for (double m : O::plateau_metrics) {
    opt.step();
    s.step(m);
    lrs.push_back(s.get_last_lr()[0]);
  }
  check_seq(lrs, O::plateau_min_rel_lrs);
  optim::SGD opt2({x.q}, 0.1);
  ReduceLROnPlateau s2(opt2, "max", 0.3, 1, 0.02, "abs");
  lrs.clear();
  for (double m : O::plateau_metrics) {
    s2.step(-m);
    lrs.push_back(opt2.param_groups()[0]["lr"]);
  }
  check_seq(lrs, O::plateau_max_abs_lrs);
}

TEST_CASE("schedulers reject bad arguments with ValueError naming the scheduler") {
  Params x;
  optim::SGD opt({x.p}, 0.1);
  CHECK_THROWS_WITH(StepLR(opt, 0), Catch::Contains("StepLR"));
  CHECK_THROWS_AS(CosineAnnealingLR(opt, 0), ValueError);
  CHECK_THROWS_WITH(OneCycleLR(opt, 1.0), Catch::Contains("total_steps"));
  CHECK_THROWS_AS(OneCycleLR(opt, 1.0, 10, 0, 0, 1.5), ValueError);
  CHECK_THROWS_AS(OneCycleLR(opt, 1.0, 10, 0, 0, 0.3, "cosine"), ValueError);
  optim::Adagrad ada({x.q});
  CHECK_THROWS_WITH(OneCycleLR(ada, 1.0, 10), Catch::Contains("momentum"));
  CHECK_THROWS_WITH(ReduceLROnPlateau(opt, "min", 1.0), Catch::Contains("factor"));
  CHECK_THROWS_AS(ReduceLROnPlateau(opt, "lowest"), ValueError);
  CHECK_THROWS_AS(ReduceLROnPlateau(opt, "min", 0.1, 10, 1e-4, "relative"), ValueError);
}

TEST_CASE("a scheduler's state_dict resumes the sequence exactly") {
  Params x;
  optim::SGD a({x.p}, 0.1);
  CosineAnnealingLR sa(a, 5, 0.01);
  for (int i = 0; i < 7; ++i) sa.step();
  Params y;
  optim::SGD b({y.p}, 0.1);
  CosineAnnealingLR sb(b, 5, 0.01);
  b.load_state_dict(a.state_dict());
  sb.load_state_dict(sa.state_dict());
  for (int i = 0; i < 9; ++i) {
    sa.step();
    sb.step();
    CHECK(sa.get_last_lr() == sb.get_last_lr());
  }
  CHECK(sa.last_epoch() == 16);
  CHECK(sb.last_epoch() == 16);
  ReduceLROnPlateau pa(a, "min", 0.5, 0);
  pa.step(1.0);
  pa.step(2.0);
  ReduceLROnPlateau pb(b, "min", 0.5, 0);
  pb.load_state_dict(pa.state_dict());
  CHECK(pb.best() == 1.0);
  CHECK_THROWS_AS(pb.load_state_dict({}), ValueError);
}
