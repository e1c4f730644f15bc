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

TEST_CASE("where picks every element right in each dtype, contiguous or strided", "[join]") {
  // where selects on the bits with no branch (engine/ops/compare.cpp): NaN, -0.0, infinities,
  // int64 extremes and bools come through unchanged, on the contiguous run and the strided one.
  const int64_t n = 1000;  // SIMD body and remainder
  Tensor cond = randn({n}) > 0.0;
  const std::vector<double> c = cond.tolist();
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> va(static_cast<size_t>(n)), vb(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const double specials[] = {std::nan(""), -0.0, inf, -inf, 1e300, -3.5};
    va[size_t(i)] = i % 7 == 0 ? specials[i % 6] : double(i);
    vb[size_t(i)] = i % 5 == 0 ? specials[(i + 3) % 6] : -double(i) - 0.5;
  }
  for (Dtype t : {kFloat32, kFloat64}) {
    const Tensor a = tensor(va, {n}, t), b = tensor(vb, {n}, t);
    for (bool strided : {false, true}) {
      // strided: every other element of a 2n buffer
      const Tensor ca = strided ? stack({a, b}, 1).select(1, 0) : a;
      const Tensor cb = strided ? stack({b, a}, 1).select(1, 0) : b;
      const Tensor cc = strided ? stack({cond, cond.logical_not()}, 1).select(1, 0) : cond;
      CHECK(ca.is_contiguous() == !strided);
      CHECK(cc.is_contiguous() == !strided);
      const std::vector<double> got = where(cc, ca, cb).tolist(), ea = ca.tolist(),
                                eb = cb.tolist();
      int wrong = 0;
      for (size_t i = 0; i < got.size(); ++i) {
        const double want = c[i] != 0 ? ea[i] : eb[i];
        const bool same = std::isnan(want)
                              ? std::isnan(got[i])
                              : got[i] == want && std::signbit(got[i]) == std::signbit(want);
        wrong += same ? 0 : 1;
      }
      CHECK(wrong == 0);
    }
  }
  const int64_t large = int64_t(1) << 62;
  const Tensor big = tensor({double(large), -1.0}, {2}, kInt64);
  const Tensor low = tensor({-9.0, 4.0}, {2}, kInt64);
  const Tensor ci = tensor({1, 0}, kBool);
  CHECK(where(ci, big, low).tolist() == std::vector<double>{double(large), 4});
  CHECK(where(ci, tensor({0, 0}, kBool), tensor({1, 1}, kBool)).tolist() ==
        std::vector<double>{0, 1});
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
