// mm, bmm, dot, outer, cross, kron and einsum: PyTorch's values and gradients, gradcheck to
// second order, dtype and shape errors. (einsum's own behaviours: test_einsum.cpp.)
#include "engine/engine_test_util.hpp"
#include "engine/oracle/products.hpp"

using namespace paragrad;
using namespace paragrad::ops_oracle;
using paragrad::test::gradcheck2;
using paragrad::test::leaf;

TEST_CASE("products and einsum match PyTorch, including broadcasting, ellipses and empty dims",
          "[products][oracle]") {
  using L = const TensorList&;
  using A = const std::vector<double>&;
  OpTable ops{
      {"mm", [](L in, A) { return TensorList{in[0].mm(in[1])}; }},
      {"bmm", [](L in, A) { return TensorList{in[0].bmm(in[1])}; }},
      {"dot", [](L in, A) { return TensorList{in[0].dot(in[1])}; }},
      {"outer", [](L in, A) { return TensorList{in[0].outer(in[1])}; }},
      {"cross", [](L in, A a) { return TensorList{cross(in[0], in[1], I(a[0]))}; }},
      {"kron", [](L in, A) { return TensorList{kron(in[0], in[1])}; }},
  };
  for (const Case& c : products_cases) {
    const std::string op = c.op;
    if (op.rfind("einsum:", 0) != 0) continue;
    ops[op] = [eq = op.substr(7)](L in, A) { return TensorList{einsum(eq, in)}; };
  }
  replay(products_cases, ops);
}

TEST_CASE("mm, bmm, dot, outer, cross and kron pass gradcheck to second order", "[products]") {
  Tensor a = leaf({3, 4}), b = leaf({4, 2}, 1);
  CHECK(gradcheck2([](const TensorList& in) { return in[0].mm(in[1]); }, {a, b}));
  Tensor p = leaf({2, 3, 4}), q = leaf({2, 4, 2}, 2);
  CHECK(gradcheck2([](const TensorList& in) { return in[0].bmm(in[1]); }, {p, q}));
  Tensor u = leaf({5}, 3), v = leaf({5}, 4);
  CHECK(gradcheck2([](const TensorList& in) { return in[0].dot(in[1]); }, {u, v}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].outer(in[1]); }, {u, v}));
  Tensor c = leaf({4, 3}, 5), d = leaf({1, 3}, 6);
  CHECK(gradcheck2([](const TensorList& in) { return cross(in[0], in[1]); }, {c, d}));
  CHECK(gradcheck2([](const TensorList& in) { return kron(in[0], in[1]); }, {a, d}));
}

TEST_CASE("cross follows the right-hand rule along the chosen dim", "[products]") {
  Tensor e0 = tensor({1.0, 0.0, 0.0}), e1 = tensor({0.0, 1.0, 0.0});
  CHECK(cross(e0, e1).tolist() == std::vector<double>{0, 0, 1});
  CHECK(e1.cross(e0).tolist() == std::vector<double>{0, 0, -1});
  Tensor cols = stack({e0, e1}, 1);  // [3, 2]
  CHECK(cross(cols, stack({e1, e0}, 1), 0).select(1, 0).tolist() == std::vector<double>{0, 0, 1});
}

TEST_CASE("mm, bmm and dot refuse what PyTorch refuses, naming the op and shapes",
          "[products][errors]") {
  REQUIRE_THROWS_WITH(zeros({2, 3}).mm(zeros({2, 3})),
                      Catch::StartsWith("mm: shapes [2, 3] and [2, 3] cannot be multiplied"));
  REQUIRE_THROWS_WITH(zeros({2, 3}).mm(zeros({3})), Catch::StartsWith("mm: expected 2-d tensors"));
  REQUIRE_THROWS_WITH(
      zeros({2, 2}).mm(zeros({2, 2}, kFloat64)),
      Catch::StartsWith(
          "mm: expected both arguments to have the same dtype, got float32 and float64"));
  REQUIRE_THROWS_WITH(
      zeros({2, 2, 3}).bmm(zeros({3, 3, 4})),
      Catch::StartsWith("bmm: shapes [2, 2, 3] and [3, 3, 4] cannot be multiplied"));
  REQUIRE_THROWS_WITH(
      zeros({3}).dot(zeros({4})),
      Catch::StartsWith("dot: expected two 1-d tensors of the same size, got shapes [3] and [4]"));
  REQUIRE_THROWS_WITH(tensor({true}).dot(tensor({true})),
                      Catch::StartsWith("dot: not supported for bool"));
  REQUIRE_THROWS_WITH(outer(zeros({3}), zeros({2, 2})),
                      Catch::StartsWith("outer: expects 1-d tensors"));
  REQUIRE_THROWS_WITH(cross(zeros({4, 2}), zeros({4, 2})),
                      Catch::StartsWith("cross: dimension -1 must have size 3"));
  REQUIRE_THROWS_WITH(cross(zeros({4, 3}), zeros({3})),
                      Catch::StartsWith("cross: inputs must have the same number of dimensions"));
  REQUIRE_THROWS_WITH(cross(zeros({4, 3}), zeros({2, 3})),
                      Catch::StartsWith("cross: shapes [4, 3] and [2, 3] are not broadcastable"));
}
