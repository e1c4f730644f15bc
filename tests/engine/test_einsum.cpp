// einsum: every kind of equation (contractions, traces, diagonals, "..." broadcasting,
// implicit output, more than two operands) differentiates to second order; the common
// equations run through matmul (a MatmulBackward in the graph, no copies of the operands);
// bad equations raise naming einsum.
#include "engine/engine_test_util.hpp"

using namespace paragrad;
using paragrad::test::gradcheck2;
using paragrad::test::leaf;

TEST_CASE("einsum passes gradcheck to second order for contractions, traces and diagonals",
          "[einsum]") {
  const std::vector<std::pair<std::string, std::vector<Shape>>> eqs{
      {"bij,bjk->bik", {{2, 3, 4}, {2, 4, 2}}},
      {"ij,jk", {{3, 4}, {4, 2}}},
      {"bhqd,bhkd->bhqk", {{1, 2, 3, 2}, {1, 2, 2, 2}}},
      {"ii->i", {{3, 3}}},
      {"ii", {{3, 3}}},
      {"i,j->ij", {{3}, {2}}},
      {"iij->j", {{2, 2, 3}}},
      {"...ij,...jk->...ik", {{2, 2, 3}, {3, 2}}},
      {"...i,...i->...", {{2, 1, 3}, {2, 3}}},
      {"ij,jk,kl->il", {{2, 3}, {3, 2}, {2, 2}}},
      {"bn,anm,bm->ba", {{2, 3}, {2, 3, 2}, {2, 2}}},
      {"ij->", {{2, 3}}},
      {"ij,ij->i", {{2, 3}, {2, 3}}},
      {"iji->j", {{2, 3, 2}}},
  };
  for (size_t e = 0; e < eqs.size(); ++e) {
    const auto& [eq, shapes] = eqs[e];
    TensorList ins;
    for (size_t k = 0; k < shapes.size(); ++k) ins.push_back(leaf(shapes[k], 10 * e + k));
    INFO("equation " << eq);
    CHECK(gradcheck2([eq = eq](const TensorList& in) { return einsum(eq, in); }, ins));
  }
}

TEST_CASE("common einsum equations go through matmul without copying the operands", "[einsum]") {
  Tensor a = leaf({2, 3, 4}), b = leaf({2, 4, 5}, 1);
  Tensor out = einsum("bij,bjk->bik", {a, b});
  CHECK(out.shape() == Shape{2, 3, 5});
  CHECK(allclose(out, matmul(a, b)));
  CHECK(out.grad_fn_name() == "ViewBackward");  // reshape views of the matmul result
  Tensor q = leaf({2, 2, 3, 4}, 2), k = leaf({2, 2, 5, 4}, 3);
  Tensor att = einsum("bhqd,bhkd->bhqk", {q, k});
  CHECK(allclose(att, matmul(q, k.mT())));
  Tensor m = leaf({3, 4}, 4), n = leaf({4, 2}, 5);
  CHECK(allclose(einsum("ij,jk->ik", {m, n}), matmul(m, n)));
  CHECK(allclose(einsum("ii->i", {m.narrow(1, 0, 3)}), m.narrow(1, 0, 3).diagonal()));
  Tensor u = leaf({3}, 6), v = leaf({2}, 7);
  CHECK(allclose(einsum("i,j->ij", {u, v}), outer(u, v)));
}

TEST_CASE("einsum reads spaces, implicit outputs and upper-case labels like PyTorch", "[einsum]") {
  Tensor a = arange(6.0).reshape({2, 3}), b = arange(12.0).reshape({3, 4});
  CHECK(equal(einsum(" i j , j k -> i k ", {a, b}), einsum("ij,jk->ik", {a, b})));
  CHECK(einsum("ba,ac", {a, b}).shape() == Shape{2, 4});  // implicit: labels once, sorted
  CHECK(einsum("Ab,bC", {a, b}).shape() == Shape{2, 4});  // upper case before lower case
  CHECK(einsum("ij->ji", {a}).shape() == Shape{3, 2});
  CHECK(einsum("ii", {eye(3)}).item<float>() == 3.0f);
  CHECK(einsum("->", {scalar(2.0)}).item<float>() == 2.0f);
  CHECK(einsum("i...->...", {ones({3, 2, 2})}).shape() == Shape{2, 2});
  CHECK(einsum("...ij,...jk->ik", {ones({5, 2, 3}), ones({5, 3, 4})}).tolist() ==
        std::vector<double>(8, 15.0));
}

TEST_CASE("einsum raises on bad equations naming einsum and what is wrong", "[einsum][errors]") {
  const Tensor a = zeros({2, 3}), b = zeros({3, 4});
  REQUIRE_THROWS_WITH(
      einsum("ij,jk->ik", {a}),
      Catch::StartsWith(
          "einsum: the equation 'ij,jk->ik' has 2 operand term(s) but 1 operand(s) were given"));
  REQUIRE_THROWS_WITH(einsum("ijk->i", {a}),
                      Catch::StartsWith("einsum: the number of subscripts (3) does not match the "
                                        "number of dimensions of operand 0 (shape [2, 3])"));
  REQUIRE_THROWS_WITH(einsum("ij,jk->ik", {a, zeros({4, 4})}),
                      Catch::StartsWith("einsum: subscript j has size 4 for operand 1 which does "
                                        "not broadcast with previously seen size 3"));
  REQUIRE_THROWS_WITH(einsum("i1->i", {a}),
                      Catch::StartsWith("einsum: invalid subscript '1' at index 1"));
  REQUIRE_THROWS_WITH(
      einsum("ij->k", {a}),
      Catch::StartsWith("einsum: output subscript k does not appear in the equation"));
  REQUIRE_THROWS_WITH(einsum("ij->jj", {a}),
                      Catch::StartsWith("einsum: output subscript j appears more than once"));
  REQUIRE_THROWS_WITH(
      einsum("ii->i", {a}),
      Catch::StartsWith(
          "einsum: subscript i is repeated for operand 0 but the sizes don't match, 2 != 3"));
  REQUIRE_THROWS_WITH(einsum("...i...->i", {a}),
                      Catch::StartsWith("einsum: more than one ellipsis"));
  REQUIRE_THROWS_WITH(einsum("i..j->i", {a}), Catch::StartsWith("einsum: invalid '.'"));
  REQUIRE_THROWS_WITH(
      einsum("ij,jk->ik", {a, zeros({3, 4}, kFloat64)}),
      Catch::StartsWith(
          "einsum: operands must have one dtype, got float32 (operand 0) and float64 (operand 1)"));
  REQUIRE_THROWS_AS(einsum("...ij,...jk", {zeros({2, 2, 3}), zeros({3, 3, 4})}), ShapeError);
  REQUIRE_THROWS_WITH(einsum("", {}), Catch::StartsWith("einsum:"));
}
