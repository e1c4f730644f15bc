// In-place ops: values, version counters, and the errors PyTorch raises for in-place
// changes that would corrupt a gradient.
#include <cmath>

#include "engine/engine_test_util.hpp"
#include "engine/inplace_oracle.hpp"

using namespace paragrad;
using paragrad::test::leaf;

TEST_CASE("in-place ops compute the right values and return *this", "[inplace]") {
  Tensor x = tensor({1.0, 2.0, 3.0});
  Tensor& r = x.add_(ones({3}), 2.0);
  CHECK(&r == &x);
  CHECK(x.tolist() == std::vector<double>{3, 4, 5});
  x.mul_(2.0);
  CHECK(x.tolist() == std::vector<double>{6, 8, 10});
  x.mul_(tensor({1.0, 0.5, 0.1}));
  CHECK(allclose(x, tensor({6.0, 4.0, 1.0})));
  x.div_(2.0);
  CHECK(allclose(x, tensor({3.0, 2.0, 0.5})));
  x.clamp_(1.0, 2.5);
  CHECK(allclose(x, tensor({2.5, 2.0, 1.0})));
  x.copy_(tensor({7.0, 8.0, 9.0}, kFloat64));
  CHECK(x.dtype() == kFloat32);
  CHECK(x.tolist() == std::vector<double>{7, 8, 9});
  x.zero_();
  CHECK(x.tolist() == std::vector<double>{0, 0, 0});
  x.fill_(1.5);
  CHECK(x.tolist() == std::vector<double>{1.5, 1.5, 1.5});
}

TEST_CASE("in-place ops broadcast the source into a strided destination", "[inplace]") {
  Tensor x = zeros({2, 3});
  x.t().add_(tensor({1.0, 2.0}));  // column vector broadcast over x.t()'s rows
  CHECK(x.tolist() == std::vector<double>{1, 1, 1, 2, 2, 2});
  x.copy_(tensor({5.0, 6.0, 7.0}));
  CHECK(x.tolist() == std::vector<double>{5, 6, 7, 5, 6, 7});
  REQUIRE_THROWS_WITH(x.copy_(ones({2, 2})), Catch::StartsWith("copy_") &&
                                                 Catch::Contains("[2, 2]") &&
                                                 Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(x.add_(ones({4, 2, 3})), Catch::StartsWith("add_"));
}

TEST_CASE("copy_ from an overlapping view of the same storage reads the old values", "[inplace]") {
  Tensor x = arange(0, 4).reshape({2, 2});
  x.copy_(x.t());
  CHECK(x.tolist() == std::vector<double>{0, 2, 1, 3});
}

TEST_CASE("every in-place op bumps the version counter shared with views", "[inplace]") {
  Tensor x = zeros({3});
  Tensor v = x.index({Slice(0, 2)});
  const uint32_t v0 = x.version();
  v.add_(ones({2}));
  CHECK(x.version() == v0 + 1);
  x.mul_(2.0);
  x.fill_(1.0);
  CHECK(v.version() == v0 + 3);
  CHECK(x.detach().version() == x.version());
}

TEST_CASE("in-place on a leaf that requires grad raises naming the op", "[inplace][errors]") {
  Tensor x = ones({2}).requires_grad_();
  REQUIRE_THROWS_WITH(x.add_(ones({2})),
                      Catch::StartsWith("add_") && Catch::Contains("requires grad"));
  REQUIRE_THROWS_WITH(x.div_(2.0), Catch::StartsWith("div_"));
  REQUIRE_THROWS_WITH(x.mul_(2.0), Catch::StartsWith("mul_"));
  REQUIRE_THROWS_WITH(x.fill_(0.0), Catch::StartsWith("fill_"));
  REQUIRE_THROWS_WITH(x.zero_(), Catch::Contains("requires grad"));
  REQUIRE_THROWS_WITH(x.copy_(ones({2})), Catch::StartsWith("copy_"));
  REQUIRE_THROWS_WITH(x.clamp_(0.0, 1.0), Catch::StartsWith("clamp_"));
  REQUIRE_THROWS_AS(x.add_(ones({2})), AutogradError);
  CHECK(x.tolist() == std::vector<double>{1, 1});
}

TEST_CASE("in-place on a leaf that requires grad is allowed under NoGradGuard", "[inplace]") {
  Tensor x = ones({2}).requires_grad_();
  {
    NoGradGuard ng;
    x.add_(ones({2}), -0.5);
  }
  CHECK(x.tolist() == std::vector<double>{0.5, 0.5});
  CHECK(x.requires_grad());
  CHECK(x.is_leaf());
}

TEST_CASE("modifying a saved tensor in place then calling backward raises naming the op",
          "[inplace][errors]") {
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor w = tensor({3.0, 4.0}, kFloat64);
  Tensor y = (x * w).sum();  // MulBackward saved w
  w.add_(ones({2}, kFloat64));
  REQUIRE_THROWS_WITH(y.backward(), Catch::StartsWith("MulBackward") &&
                                        Catch::Contains("modified by an in-place operation"));
}

TEST_CASE("modifying a saved output in place then calling backward raises naming the op",
          "[inplace][errors]") {
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor e = x.exp();  // ExpBackward saves its output
  Tensor y = e.sum();
  {
    NoGradGuard ng;
    e.mul_(2.0);
  }
  REQUIRE_THROWS_WITH(y.backward(),
                      Catch::StartsWith("ExpBackward") && Catch::Contains("in-place"));
}

TEST_CASE("modifying a saved tensor through a view is detected too", "[inplace][errors]") {
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor w = tensor({3.0, 4.0}, kFloat64);
  Tensor y = (x * w).sum();
  w.index({0}).fill_(0.0);
  REQUIRE_THROWS_WITH(y.backward(), Catch::Contains("MulBackward"));
}

TEST_CASE("modifying an unsaved input in place does not break backward", "[inplace]") {
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor b = tensor({3.0, 4.0}, kFloat64);
  Tensor y = (x + b).sum();  // AddBackward saves nothing
  b.add_(ones({2}, kFloat64));
  y.backward();
  CHECK(x.grad().tolist() == std::vector<double>{1, 1});
}

TEST_CASE("in-place ops refuse to cast a float source into an integer tensor", "[inplace][dtype]") {
  Tensor i = tensor({1, 2}, kInt64);
  REQUIRE_THROWS_WITH(i.mul_(2.5), Catch::StartsWith("mul_") && Catch::Contains("int64"));
  REQUIRE_THROWS_WITH(i.add_(tensor({0.5, 0.5})), Catch::StartsWith("add_"));
  REQUIRE_THROWS_WITH(i.div_(2.0), Catch::StartsWith("div_"));
  i.mul_(3.0);  // an integral factor is fine
  CHECK(i.tolist() == std::vector<double>{3, 6});
  i.copy_(tensor({1.7, -2.7}));  // copy_ converts, truncating like PyTorch
  CHECK(i.tolist() == std::vector<double>{1, -2});
  i.fill_(4.0);
  CHECK(i.tolist() == std::vector<double>{4, 4});
}

TEST_CASE("in-place on an undefined tensor raises", "[inplace][errors]") {
  Tensor u;
  REQUIRE_THROWS_WITH(u.fill_(1.0), Catch::Contains("undefined"));
}

TEST_CASE("a float32 tensor updated by a float64 operand computes in float64, then rounds",
          "[inplace][dtype][oracle]") {
  // PyTorch computes float32.add_(float64) as float32(float64(a) + b): rounding b to float32
  // first gives 1.0 for the first element instead of 1 + 2^-23.
  Tensor a = ones({3});
  a.add_(tensor({std::ldexp(1.0, -24) + std::ldexp(1.0, -40), 1e-9,
                 -std::ldexp(1.0, -25) - std::ldexp(1.0, -45)},
                kFloat64));
  CHECK(a.dtype() == kFloat32);
  CHECK(a.tolist() == inplace_oracle::f32_add_f64);
  Tensor m = tensor({3.0, 7.0, 0.1});
  m.mul_(tensor({0.1, 1.0 / 3.0, 3.0}, kFloat64));
  CHECK(m.tolist() == inplace_oracle::f32_mul_f64);
  Tensor z = tensor({3.0, 7.0, 0.1});
  z.mul_(scalar(1.0 / 3.0, kFloat64));  // a 0-d operand does not promote: float32 arithmetic
  CHECK(z.tolist() == inplace_oracle::f32_mul_f64_0d);
}

TEST_CASE("div_ divides (it does not multiply by the reciprocal)", "[inplace][oracle]") {
  Tensor a = tensor({1.0, 7.0, 0.1});
  a.div_(3.0);
  CHECK(a.tolist() == inplace_oracle::f32_div_3);
}

TEST_CASE("in-place casts follow PyTorch: only float into integer and integer into bool fail",
          "[inplace][dtype]") {
  Tensor f = ones({3});
  f.add_(tensor({1, 2, 3}, kInt64));  // int into float: fine
  CHECK(f.tolist() == std::vector<double>{2, 3, 4});
  Tensor i = tensor({1, 2}, kInt64);
  i.mul_(tensor({1, 0}, kBool));
  CHECK(i.tolist() == std::vector<double>{1, 0});
  Tensor b = tensor({1, 0}, kBool);
  REQUIRE_THROWS_WITH(b.add_(tensor({1, 2}, kInt64)), Catch::StartsWith("add_") &&
                                                          Catch::Contains("int64") &&
                                                          Catch::Contains("bool"));
  Tensor d = ones({2}, kFloat64);
  d.mul_(tensor({2.0, 3.0}));  // float32 into float64: fine
  CHECK(d.tolist() == std::vector<double>{2, 3});
  Tensor k = tensor({1, 5}, kInt64);
  REQUIRE_THROWS_WITH(k.clamp_(0.5, 2.5), Catch::StartsWith("clamp_") && Catch::Contains("int64"));
  CHECK(k.tolist() == std::vector<double>{1, 5});
  k.clamp_(0, 2);
  CHECK(k.tolist() == std::vector<double>{1, 2});
}

TEST_CASE("a float32 tensor updated by a float64 tensor that requires grad records the op",
          "[inplace][dtype][autograd]") {
  Tensor a = ones({3});
  Tensor w = full({3}, 2.0, kFloat64).requires_grad_();
  a.mul_(w);
  CHECK(a.dtype() == kFloat32);
  CHECK(a.grad_fn_name() == "MulBackward");
  a.sum().backward();
  CHECK(w.grad().dtype() == kFloat64);
  CHECK(w.grad().tolist() == std::vector<double>{1, 1, 1});
}
