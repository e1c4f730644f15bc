#pragma once
// Helpers shared by the engine tests: float64 leaves for gradcheck, and a one-line
// first-and-second-order gradient check.
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <paragrad/engine/engine.hpp>

namespace paragrad::test {

// A float64 leaf that requires grad, filled from a seeded normal draw.
inline Tensor leaf(Shape shape, uint64_t seed = 0) {
  manual_seed(seed + 1234);
  Tensor t = randn(std::move(shape), kFloat64);
  t.requires_grad_();
  return t;
}

// A float64 leaf with values bounded away from 0 (for log, sqrt, division, ...).
inline Tensor positive_leaf(Shape shape, uint64_t seed = 0) {
  manual_seed(seed + 4321);
  Tensor t = rand(std::move(shape), kFloat64);
  {
    NoGradGuard ng;
    t.mul_(1.5).add_(scalar(0.5, kFloat64));
  }
  t.requires_grad_();
  return t;
}

// First and second order gradcheck with the engine's default tolerances.
inline bool gradcheck2(const std::function<Tensor(const TensorList&)>& f, const TensorList& xs) {
  return autograd::gradcheck(f, xs, 1e-6, 1e-5, 1e-3, /*check_grad_grad=*/true);
}

inline std::string str(const Tensor& t) {
  std::ostringstream os;
  os << t;
  return os.str();
}

}  // namespace paragrad::test
