// Autograd error paths, each with its message: backward twice, non-scalar backward without a
// gradient, unused inputs, inputs and outputs that do not require grad, and gradients of
// the wrong shape. Every error is a paragrad::Error.
#include "engine/engine_test_util.hpp"

using namespace paragrad;

TEST_CASE("backward twice without retain_graph raises naming the op", "[errors][autograd]") {
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor y = (x * x).sum();
  y.backward();
  REQUIRE_THROWS_WITH(y.backward(), Catch::StartsWith("SumBackward") &&
                                        Catch::Contains("second time") &&
                                        Catch::Contains("retain_graph"));
  REQUIRE_THROWS_AS(y.backward(), AutogradError);
}

TEST_CASE("backward through a freed inner node raises naming that node", "[errors][autograd]") {
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor h = x.exp();
  h.sum().backward();
  REQUIRE_THROWS_WITH((h * 2.0).sum().backward(), Catch::Contains("ExpBackward"));
}

TEST_CASE("autograd::grad twice without retain_graph raises too", "[errors][autograd]") {
  Tensor x = tensor({1.0}, kFloat64).requires_grad_();
  Tensor y = (x * x).sum();
  autograd::grad({y}, {x});
  REQUIRE_THROWS_WITH(autograd::grad({y}, {x}), Catch::Contains("retain_graph"));
}

TEST_CASE("backward of a non-scalar output without a gradient raises", "[errors][autograd]") {
  Tensor x = tensor({1.0, 2.0}).requires_grad_();
  REQUIRE_THROWS_WITH((x * 2.0).backward(), Catch::StartsWith("backward") &&
                                                Catch::Contains("scalar") &&
                                                Catch::Contains("[2]"));
  REQUIRE_THROWS_WITH(autograd::grad({x * 2.0}, {x}), Catch::Contains("scalar"));
}

TEST_CASE("backward with a gradient of the wrong shape raises naming both shapes",
          "[errors][autograd]") {
  Tensor x = tensor({1.0, 2.0}).requires_grad_();
  REQUIRE_THROWS_WITH((x * 2.0).backward(ones({3})), Catch::StartsWith("backward") &&
                                                         Catch::Contains("[3]") &&
                                                         Catch::Contains("[2]"));
  REQUIRE_THROWS_WITH(autograd::grad({x.sum()}, {x}, {ones({1}), ones({1})}),
                      Catch::Contains("2 gradients for 1 outputs"));
}

TEST_CASE("backward of a tensor that does not require grad raises", "[errors][autograd]") {
  REQUIRE_THROWS_WITH(ones({1}).sum().backward(),
                      Catch::StartsWith("backward") && Catch::Contains("does not require grad"));
  Tensor x = ones({1}).requires_grad_();
  Tensor y;
  {
    NoGradGuard ng;
    y = (x * 2.0).sum();
  }
  REQUIRE_THROWS_WITH(y.backward(), Catch::Contains("does not require grad"));
}

TEST_CASE("grad() on an unused input without allow_unused raises naming the input",
          "[errors][autograd]") {
  Tensor x = tensor({1.0}, kFloat64).requires_grad_();
  Tensor u = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor y = (x * 2.0).sum();
  REQUIRE_THROWS_WITH(autograd::grad({y}, {x, u}),
                      Catch::StartsWith("grad") && Catch::Contains("input 1") &&
                          Catch::Contains("[2]") && Catch::Contains("allow_unused"));
}

TEST_CASE("grad() with an input that does not require grad or with no inputs raises",
          "[errors][autograd]") {
  Tensor x = tensor({1.0}, kFloat64).requires_grad_();
  Tensor y = (x * 2.0).sum();
  REQUIRE_THROWS_WITH(autograd::grad({y}, {ones({1})}, {}, true),
                      Catch::StartsWith("grad") && Catch::Contains("does not require grad"));
  REQUIRE_THROWS_WITH(autograd::grad({y}, {}), Catch::StartsWith("grad"));
}

TEST_CASE("every engine error is a paragrad::Error and a std::runtime_error", "[errors]") {
  REQUIRE_THROWS_AS(matmul(ones({2, 3}), ones({2, 3})), Error);
  REQUIRE_THROWS_AS(matmul(ones({2, 3}), ones({2, 3})), ShapeError);
  REQUIRE_THROWS_AS(ones({2}).index({5}), IndexError);
  REQUIRE_THROWS_AS(ones({2}, kBool).neg(), DtypeError);
  REQUIRE_THROWS_AS(ones({2}).requires_grad_().add_(ones({2})), AutogradError);
  REQUIRE_THROWS_AS(tensor({1, 2}, kInt64).pow(-1.0), ValueError);
  REQUIRE_THROWS_AS(ones({2}).sum({3}), std::runtime_error);
}

TEST_CASE("errors leave the graph usable", "[errors][autograd]") {
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor y = x * 3.0;
  REQUIRE_THROWS(y.backward());  // non-scalar
  y.sum().backward();
  CHECK(x.grad().tolist() == std::vector<double>{3, 3});
}
