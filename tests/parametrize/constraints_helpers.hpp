#pragma once
// Shared by the constraints tests: geotorch's integration behaviours, run for one constraint on
// one shape (registration, 3 optimizer steps under cached(), sample, set/get, update_base,
// set() of a value off the manifold).
#include <functional>
#include <string>

#include "parametrize/helpers.hpp"

namespace paragrad::test {

namespace C = paragrad::constraints;

using Register = std::function<void(nn::Module&)>;

// A module holding `weight` (a Gaussian tensor of `shape`).
inline std::shared_ptr<nn::Module> weight_holder(const Shape& shape, Dtype dtype = kFloat32) {
  auto m = std::make_shared<nn::Module>();
  m->register_parameter("weight", randn(shape, dtype));
  return m;
}

inline double max_abs_diff(const Tensor& a, const Tensor& b) {
  return a.numel() == 0 ? 0.0 : (a.to(kFloat64) - b.to(kFloat64)).abs().max().item<double>();
}

// Tolerance for values that went through a right_inverse and back.
inline double round_trip_tol(Dtype dtype) { return dtype == kFloat32 ? 2e-4 : 1e-8; }

// The loss geotorch's tests use, in spirit: a function of the weight read twice, under cached().
inline Tensor probe_loss(nn::Module& m, const Tensor& target) {
  auto guard = parametrize::cached();
  Tensor W = m.get("weight");
  Tensor again = m.get("weight");
  return ((W - target) * (again - target)).sum() + (W * W).sum() * 0.1;
}

struct BehaviourOptions {
  Dtype dtype = kFloat32;
  // A value of the right shape that is not on the manifold (none: skip that check).
  std::function<Tensor(const Shape&, Dtype)> off_manifold;
  double lr = 1e-2;
};

// Runs every behaviour; REQUIREs inside. `label` goes into the INFO of failures.
inline void check_behaviours(const std::string& label, const Register& reg, const Shape& shape,
                             const BehaviourOptions& opt = {}) {
  INFO(label << " on shape " << shape_str(Dims(shape.begin(), shape.end())) << " "
             << dtype_name(opt.dtype));
  manual_seed(7);
  auto m = weight_holder(shape, opt.dtype);
  reg(*m);
  C::Manifold& M = C::manifold(*m, "weight");
  {
    NoGradGuard g;
    Tensor W = m->get("weight");
    REQUIRE(W.shape() == shape);
    REQUIRE(W.dtype() == opt.dtype);
  }
  REQUIRE(C::in_manifold(*m, "weight"));

  // three Adam steps, the loss under cached(); on the manifold after each
  optim::Adam adam(m->parameters(), opt.lr);
  const Tensor target = randn(shape, opt.dtype);
  for (int step = 0; step < 3; ++step) {
    adam.zero_grad();
    probe_loss(*m, target).backward();
    adam.step();
    INFO("after step " << step + 1);
    REQUIRE(C::in_manifold(*m, "weight"));
  }

  // sample() is on the manifold, with the tensor's shape and dtype
  Tensor X;
  {
    NoGradGuard g;
    X = M.sample();
  }
  REQUIRE(X.shape() == shape);
  REQUIRE(X.dtype() == opt.dtype);
  REQUIRE(M.in_manifold(X));

  // set/get round trip
  m->set("weight", X);
  Tensor got;
  {
    NoGradGuard g;
    got = m->get("weight");
  }
  REQUIRE(max_abs_diff(got, X) <=
          round_trip_tol(opt.dtype) * std::max(1.0, X.abs().max().item<double>()));

  // update_base keeps the value, and the optimizer keeps working afterwards
  C::update_base(*m, "weight", adam);
  {
    NoGradGuard g;
    REQUIRE(max_abs_diff(m->get("weight"), got) <=
            round_trip_tol(opt.dtype) * std::max(1.0, got.abs().max().item<double>()));
  }
  adam.zero_grad();
  probe_loss(*m, target).backward();
  adam.step();
  REQUIRE(C::in_manifold(*m, "weight"));

  // set() of a value off the manifold: ValueError naming the constraint, module unchanged
  if (opt.off_manifold) {
    Tensor bad = opt.off_manifold(shape, opt.dtype);
    REQUIRE_FALSE(M.in_manifold(bad));
    std::map<std::string, Tensor> before;
    for (auto& [k, v] : m->state_dict()) before[k] = v.clone();
    REQUIRE_THROWS_AS(m->set("weight", bad), ValueError);
    REQUIRE_THROWS_WITH(m->set("weight", bad), Catch::Matchers::Contains(M.constraint()));
    for (auto& [k, v] : m->state_dict()) {
      INFO(k);
      REQUIRE(equal(v, before[k]));
    }
  }
}

// Gaussian values scaled by `scale`.
inline std::function<Tensor(const Shape&, Dtype)> gaussian(double scale = 1.0) {
  return [scale](const Shape& s, Dtype d) { return randn(s, d) * scale; };
}

}  // namespace paragrad::test
