// einsum: every kind of equation (contractions, traces, diagonals, "..." broadcasting,
// implicit output, more than two operands) differentiates to second order; the common
// equations (and outer products) run through matmul: one MatmulBackward in the graph, every
// other node a view (no copies, no elementwise product); bad equations raise naming einsum.
#include <algorithm>
#include <set>
#include <string>
#include <tuple>
#include <vector>

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

namespace {

// The name of every node of the graph behind root, each node once (a node reached twice is
// counted once), in the order a depth-first walk meets them.
std::vector<std::string> graph_nodes(const Tensor& root) {
  std::vector<std::string> names;
  std::set<const autograd::Node*> seen;
  std::vector<const autograd::Node*> todo{root.grad_fn().get()};
  while (!todo.empty()) {
    const autograd::Node* n = todo.back();
    todo.pop_back();
    if (!n || !seen.insert(n).second) continue;
    names.push_back(n->name());
    for (const autograd::Edge& e : n->next_edges) todo.push_back(e.fn.get());
  }
  return names;
}

// Nodes that copy nothing: views of their input, and the leaves' sinks.
bool is_view_or_leaf(const std::string& name) {
  static const std::set<std::string> views{
      "AccumulateGrad",  "ViewBackward",      "PermuteBackward", "TransposeBackward",
      "SqueezeBackward", "UnsqueezeBackward", "DiagonalBackward"};
  return views.count(name) == 1;
}

}  // namespace

TEST_CASE("common einsum equations go through one matmul and views of the operands", "[einsum]") {
  // (equation, operands, the same product written with matmul)
  Tensor a = leaf({2, 3, 4}), b = leaf({2, 4, 5}, 1);
  Tensor q = leaf({2, 2, 3, 4}, 2), k = leaf({2, 2, 5, 4}, 3);
  Tensor m = leaf({3, 4}, 4), n = leaf({4, 2}, 5);
  Tensor u = leaf({3}, 6), v = leaf({2}, 7);
  const std::vector<std::tuple<std::string, TensorList, Tensor>> cases{
      {"bij,bjk->bik", {a, b}, matmul(a, b)},
      {"ij,jk->ik", {m, n}, matmul(m, n)},
      {"bhqd,bhkd->bhqk", {q, k}, matmul(q, k.mT())},
      {"i,j->ij", {u, v}, u.unsqueeze(1) * v.unsqueeze(0)},
  };
  for (const auto& [eq, ops, want] : cases) {
    INFO("equation " << eq);
    const Tensor out = einsum(eq, ops);
    CHECK(out.shape() == want.shape());
    CHECK(allclose(out, want, 1e-12, 1e-12));
    const std::vector<std::string> nodes = graph_nodes(out);
    INFO("graph: " << [&] {
      std::string s;
      for (const std::string& x : nodes) s += x + " ";
      return s;
    }());
    // exactly one GEMM, and everything else a view: no MulBackward (an elementwise product),
    // no CloneBackward / ReshapeBackward (a copy of an operand), no SumBackward
    CHECK(std::count(nodes.begin(), nodes.end(), "MatmulBackward") == 1);
    CHECK(std::count(nodes.begin(), nodes.end(), "AccumulateGrad") == int64_t(ops.size()));
    for (const std::string& name : nodes)
      if (name != "MatmulBackward") CHECK(is_view_or_leaf(name));
  }
  // ii->i: a diagonal view of the operand, sharing its storage (writes show through)
  Tensor base = tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}, {7.0, 8.0, 9.0}}, kFloat64);
  const Tensor d = einsum("ii->i", {base});
  CHECK(d.tolist() == std::vector<double>{1, 5, 9});
  CHECK(d.impl()->storage.get() == base.impl()->storage.get());
  CHECK(d.data_ptr<double>() == base.data_ptr<double>());
  base.fill_(0.5);
  CHECK(d.tolist() == std::vector<double>{0.5, 0.5, 0.5});
  const Tensor s = leaf({3, 4}, 8).narrow(1, 1, 3);  // strided: still a view
  const Tensor ds = einsum("ii->i", {s});
  CHECK(allclose(ds, s.diagonal()));
  CHECK(ds.impl()->storage.get() == s.impl()->storage.get());
  for (const std::string& name : graph_nodes(ds)) {
    INFO("node " << name);
    CHECK((is_view_or_leaf(name) || name == "SliceBackward"));
  }
}

TEST_CASE("einsum outer products go through matmul with inner size 1, to second order",
          "[einsum]") {
  // batched outer products, three operands, zero-size dims: one matmul per pair, and gradients
  // (first and second order) right
  const std::vector<std::pair<std::string, std::vector<Shape>>> eqs{
      {"i,j->ij", {{3}, {4}}},           {"j,i->ij", {{2}, {3}}},
      {"bi,bj->bij", {{2, 3}, {2, 4}}},  {"a,b,c->abc", {{2}, {3}, {2}}},
      {"ij,kl->ikjl", {{2, 2}, {3, 2}}}, {"i,j->ij", {{0}, {3}}},
  };
  for (size_t e = 0; e < eqs.size(); ++e) {
    const auto& [eq, shapes] = eqs[e];
    TensorList ins;
    for (size_t i = 0; i < shapes.size(); ++i) ins.push_back(leaf(shapes[i], 20 + 10 * e + i));
    INFO("equation " << eq);
    const std::vector<std::string> nodes = graph_nodes(einsum(eq, ins));
    CHECK(std::count(nodes.begin(), nodes.end(), "MatmulBackward") == int64_t(ins.size()) - 1);
    CHECK(std::count(nodes.begin(), nodes.end(), "MulBackward") == 0);
    CHECK(gradcheck2([eq = eq](const TensorList& in) { return einsum(eq, in); }, ins));
  }
  // a Hadamard product and a scaling have no outer dims: they stay a broadcast multiply
  Tensor x = leaf({2, 3}), y = leaf({2, 3}, 1), w = leaf({2}, 2);
  CHECK(einsum("ij,ij->ij", {x, y}).grad_fn_name() == "MulBackward");
  const std::vector<std::string> scaled = graph_nodes(einsum("ij,i->ij", {x, w}));
  CHECK(std::count(scaled.begin(), scaled.end(), "MatmulBackward") == 0);
  CHECK(std::count(scaled.begin(), scaled.end(), "MulBackward") == 1);
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
