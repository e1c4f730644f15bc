// cat, stack and where: values, dtype promotion, gradients, errors.
#include "engine/engine_test_util.hpp"

using namespace paragrad;
using paragrad::test::gradcheck2;
using paragrad::test::leaf;

TEST_CASE("cat joins along a dim, negative dims included", "[join]") {
  Tensor a = arange(0, 4).reshape({2, 2}), b = arange(4, 6).reshape({2, 1});
  Tensor c = cat({a, b}, 1);
  CHECK(c.shape() == Shape{2, 3});
  CHECK(c.tolist() == std::vector<double>{0, 1, 4, 2, 3, 5});
  CHECK(cat({a, a.t()}, -2).tolist() == std::vector<double>{0, 1, 2, 3, 0, 2, 1, 3});
  CHECK(cat({a, zeros({0, 2})}, 0).shape() == Shape{2, 2});
}

TEST_CASE("cat promotes dtypes like PyTorch", "[join][dtype]") {
  CHECK(cat({ones({1}, kInt64), ones({1}, kFloat32)}, 0).dtype() == kFloat32);
  CHECK(cat({ones({1}, kFloat32), ones({1}, kFloat64)}, 0).dtype() == kFloat64);
}

TEST_CASE("stack adds a new dim at any position", "[join]") {
  Tensor a = tensor({1.0, 2.0}), b = tensor({3.0, 4.0});
  CHECK(stack({a, b}, 0).shape() == Shape{2, 2});
  CHECK(stack({a, b}, 1).tolist() == std::vector<double>{1, 3, 2, 4});
  CHECK(stack({a, b}, -1).tolist() == std::vector<double>{1, 3, 2, 4});
  CHECK(stack({scalar(1.0), scalar(2.0)}, 0).shape() == Shape{2});
}

TEST_CASE("cat and stack pass first and second order gradcheck", "[join]") {
  Tensor a = leaf({2, 3}, 1), b = leaf({2, 1}, 2), c = leaf({3, 2}, 3);
  CHECK(gradcheck2(
      [](const TensorList& in) {
        return cat({in[0], in[1], in[2].t()}, 1).pow(2.0);
      },
      {a, b, c}));
  CHECK(gradcheck2(
      [](const TensorList& in) {
        return cat({in[0], in[2].t()}, 0).pow(2.0);
      },
      {a, b, c}));
  CHECK(gradcheck2(
      [](const TensorList& in) {
        return stack({in[0], in[1].t()}, 1).pow(2.0);
      },
      {a, c}));
}

TEST_CASE("cat sends each input its slice of the gradient, none to inputs without grad", "[join]") {
  Tensor a = ones({2}, kFloat64).requires_grad_();
  Tensor b = ones({3}, kFloat64);
  Tensor w = tensor({1.0, 2.0, 3.0, 4.0, 5.0}, kFloat64);
  (cat({a, b}, 0) * w).sum().backward();
  CHECK(a.grad().tolist() == std::vector<double>{1, 2});
  CHECK_FALSE(b.grad().defined());
}

TEST_CASE("where picks elementwise with broadcasting and routes gradients", "[join]") {
  Tensor cond = tensor({1, 0, 1}, kBool);
  Tensor a = tensor({1.0, 2.0, 3.0}, kFloat64).requires_grad_();
  Tensor b = tensor({10.0, 20.0}, {2, 1}, kFloat64).requires_grad_();
  Tensor w = where(cond, a, b);
  CHECK(w.shape() == Shape{2, 3});
  CHECK(w.tolist() == std::vector<double>{1, 10, 3, 1, 20, 3});
  w.sum().backward();
  CHECK(a.grad().tolist() == std::vector<double>{2, 0, 2});
  CHECK(b.grad().tolist() == std::vector<double>{1, 1});
  Tensor x = leaf({3, 4}, 1), y = leaf({4}, 2);
  Tensor m = x.detach() > y.detach();
  CHECK(gradcheck2([&](const TensorList& in) { return where(m, in[0], in[1]).pow(2.0); }, {x, y}));
  CHECK(
      gradcheck2([&](const TensorList& in) { return where(m.t(), in[0].t(), in[1].unsqueeze(1)); },
                 {x, leaf({4}, 3)}));
}

TEST_CASE("where promotes the two branches", "[join][dtype]") {
  Tensor c = tensor({1, 0}, kBool);
  CHECK(where(c, ones({2}, kInt64), zeros({2}, kFloat32)).dtype() == kFloat32);
  CHECK(where(c, ones({2}, kFloat64), zeros({2}, kFloat32)).dtype() == kFloat64);
}

TEST_CASE("cat, stack and where reject bad inputs naming the op and shapes", "[join][errors]") {
  REQUIRE_THROWS_WITH(cat({}, 0), Catch::StartsWith("cat"));
  REQUIRE_THROWS_WITH(cat({ones({2, 3}), ones({2, 4})}, 0), Catch::StartsWith("cat") &&
                                                                Catch::Contains("[2, 3]") &&
                                                                Catch::Contains("[2, 4]"));
  REQUIRE_THROWS_WITH(cat({ones({2, 3}), ones({3})}, 0),
                      Catch::StartsWith("cat") && Catch::Contains("[3]"));
  REQUIRE_THROWS_WITH(cat({ones({2})}, 1), Catch::StartsWith("cat") && Catch::Contains("1"));
  REQUIRE_THROWS_WITH(cat({scalar(1.0)}, 0), Catch::StartsWith("cat"));
  REQUIRE_THROWS_WITH(stack({ones({2}), ones({3})}, 0), Catch::StartsWith("stack") &&
                                                            Catch::Contains("[2]") &&
                                                            Catch::Contains("[3]"));
  REQUIRE_THROWS_WITH(stack({ones({2})}, 2), Catch::StartsWith("stack"));
  REQUIRE_THROWS_WITH(stack({}, 0), Catch::StartsWith("stack"));
  REQUIRE_THROWS_WITH(where(ones({2}), ones({2}), ones({2})),
                      Catch::StartsWith("where") && Catch::Contains("bool"));
  REQUIRE_THROWS_WITH(where(ones({2}, kBool), ones({3}), ones({2})), Catch::Contains("[3]"));
}
