#pragma once
// Parametrizations and small utilities shared by the parametrize tests.
#include <atomic>
#include <string>

#include <catch2/catch.hpp>
#include <paragrad/paragrad.hpp>

namespace paragrad::test {

// The seed's Symmetric, counting forward calls.
struct Symmetric : parametrize::Parametrization {
  int calls = 0;
  Tensor forward(const Tensor& X) override {
    ++calls;
    return X.triu() + X.triu(1).t();
  }
  TensorList right_inverse(const Tensor& A) override { return {A.triu()}; }
};

// X -> X + 1, invertible, counting forward calls.
struct AddOne : parametrize::Parametrization {
  int calls = 0;
  Tensor forward(const Tensor& X) override {
    ++calls;
    return X + 1.0;
  }
  TensorList right_inverse(const Tensor& A) override { return {A - 1.0}; }
};

// X -> 2X, invertible.
struct Double : parametrize::Parametrization {
  Tensor forward(const Tensor& X) override { return X * 2.0; }
  TensorList right_inverse(const Tensor& A) override { return {A / 2.0}; }
};

// X -> X², no right_inverse.
struct Square : parametrize::Parametrization {
  Tensor forward(const Tensor& X) override { return X * X; }
};

// The seed's RankOne.
struct RankOne : parametrize::Parametrization {
  Tensor forward(const TensorList& xy) override {
    return matmul(xy[0].unsqueeze(-1), xy[1].unsqueeze(-2));
  }
  TensorList right_inverse(const Tensor& Z) override {
    auto [U, S, Vh] = linalg::svd(Z, /*full_matrices=*/false);
    Tensor s0_sqrt = S.index({0}).sqrt().unsqueeze(-1);
    return {U.index({Ellipsis, Slice(), 0}) * s0_sqrt, Vh.index({Ellipsis, 0, Slice()}) * s0_sqrt};
  }
};

// Changes the dtype in forward.
struct ToDouble : parametrize::Parametrization {
  Tensor forward(const Tensor& X) override { return X.to(kFloat64); }
};

// Changes the shape in forward (transposes a non-square matrix); no right_inverse.
struct Transpose : parametrize::Parametrization {
  Tensor forward(const Tensor& X) override { return X.t(); }
};

// right_inverse changes the dtype.
struct InverseToDouble : parametrize::Parametrization {
  Tensor forward(const Tensor& X) override { return X.to(kFloat32); }
  TensorList right_inverse(const Tensor& A) override { return {A.to(kFloat64)}; }
};

// right_inverse changes the shape; forward flattens back (unsafe-only).
struct Flatten : parametrize::Parametrization {
  Shape shape;
  explicit Flatten(Shape s) : shape(std::move(s)) {}
  Tensor forward(const Tensor& X) override { return X.reshape(shape); }
  TensorList right_inverse(const Tensor& A) override { return {A.flatten()}; }
};

// Records whether it was in training mode when last called.
struct ModeProbe : parametrize::Parametrization {
  bool seen_training = false;
  Tensor forward(const Tensor& X) override {
    seen_training = is_training();
    return X;
  }
  TensorList right_inverse(const Tensor& A) override { return {A}; }
};

inline bool is_symmetric(const Tensor& W, double atol = 1e-6) {
  return allclose(W, W.t(), 0, atol);
}

// Exception whose message contains `needle`.
#define REQUIRE_THROWS_WITH_SUBSTR(expr, needle) \
  REQUIRE_THROWS_WITH(expr, Catch::Matchers::Contains(needle))

}  // namespace paragrad::test

namespace paragrad::test {

// A tensor from oracle literals.
inline Tensor lit(const std::vector<double>& values, const Shape& shape, Dtype dtype = kFloat64) {
  return tensor(values, shape, dtype);
}

// A bare module holding `weight` as a parameter.
inline std::shared_ptr<nn::Module> holder(const Tensor& weight) {
  auto m = std::make_shared<nn::Module>();
  m->register_parameter("weight", weight);
  return m;
}

// Overwrites a module's tensor (a buffer or an original) in place.
inline void overwrite(nn::Module& m, const std::string& name, const Tensor& value) {
  NoGradGuard g;
  m.get(name).copy_(value);
}

}  // namespace paragrad::test
