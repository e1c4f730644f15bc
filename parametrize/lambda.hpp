#pragma once
// Parametrizations built from lambdas, for quick use:
//
//   auto sym = parametrize::make_parametrization(
//       [](const Tensor& X) { return X.triu() + X.triu(1).t(); },   // forward
//       [](const Tensor& A) { return A.triu(); });                    // right_inverse (optional)
//   parametrize::register_parametrization(m, "weight", sym);
//
// make_multi_parametrization takes a forward of several originals and a right_inverse returning
// them (original0, original1, ...).
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include <paragrad/engine/export.hpp>
#include <paragrad/parametrize/parametrization.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::parametrize {

class LambdaParametrization : public Parametrization {
 public:
  using Forward = std::function<Tensor(const Tensor&)>;
  using MultiForward = std::function<Tensor(const TensorList&)>;
  using RightInverse = std::function<TensorList(const Tensor&)>;

  LambdaParametrization(Forward forward, RightInverse right_inverse,
                        std::string name = "LambdaParametrization")
      : forward_(std::move(forward)),
        right_inverse_(std::move(right_inverse)),
        name_(std::move(name)) {
    check<ValueError>(bool(forward_), "LambdaParametrization: forward is empty");
  }
  LambdaParametrization(MultiForward forward, RightInverse right_inverse,
                        std::string name = "LambdaParametrization")
      : multi_forward_(std::move(forward)),
        right_inverse_(std::move(right_inverse)),
        name_(std::move(name)) {
    check<ValueError>(bool(multi_forward_), "LambdaParametrization: forward is empty");
  }

  Tensor forward(const Tensor& X) override {
    return forward_ ? forward_(X) : multi_forward_(TensorList{X});
  }
  Tensor forward(const TensorList& Xs) override {
    if (multi_forward_) return multi_forward_(Xs);
    return Parametrization::forward(Xs);  // exactly one tensor, then forward(const Tensor&)
  }
  TensorList right_inverse(const Tensor& A) override {
    if (!right_inverse_) return Parametrization::right_inverse(A);
    return right_inverse_(A);
  }
  std::string class_name() const override { return name_; }

 private:
  Forward forward_;
  MultiForward multi_forward_;
  RightInverse right_inverse_;
  std::string name_;
};

// One original: forward(X), optional right_inverse(A) -> X.
inline std::shared_ptr<LambdaParametrization> make_parametrization(
    std::function<Tensor(const Tensor&)> forward,
    std::function<Tensor(const Tensor&)> right_inverse = {},
    std::string name = "LambdaParametrization") {
  LambdaParametrization::RightInverse ri;
  if (right_inverse)
    ri = [f = std::move(right_inverse)](const Tensor& A) { return TensorList{f(A)}; };
  return std::make_shared<LambdaParametrization>(LambdaParametrization::Forward(std::move(forward)),
                                                 std::move(ri), std::move(name));
}

// Several originals: forward(Xs), optional right_inverse(A) -> Xs.
inline std::shared_ptr<LambdaParametrization> make_multi_parametrization(
    std::function<Tensor(const TensorList&)> forward,
    std::function<TensorList(const Tensor&)> right_inverse = {},
    std::string name = "LambdaParametrization") {
  return std::make_shared<LambdaParametrization>(
      LambdaParametrization::MultiForward(std::move(forward)), std::move(right_inverse),
      std::move(name));
}

}  // namespace paragrad::parametrize

PARAGRAD_API_END
