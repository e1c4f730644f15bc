// parametrizations::orthogonal against PyTorch 1.13 (tests/parametrize/oracle_values.hpp).
#include "parametrize/helpers.hpp"
#include "parametrize/oracle_values.hpp"

using namespace paragrad;
using namespace paragrad::test;
namespace P = paragrad::parametrize;
namespace O = paragrad::test::oracle;
using parametrizations::Orthogonal;

namespace {
#define LIT(name) lit(O::name, O::name##_shape)

double orthogonality_error(const Tensor& Q) {
  // Qᵀ Q = I for tall/square, Q Qᵀ = I for wide.
  Tensor A = Q.size(-2) >= Q.size(-1) ? matmul(Q.mT(), Q) : matmul(Q, Q.mT());
  return (A - eye(A.size(-1), Q.dtype())).abs().max().item<double>();
}

Orthogonal& orth_of(nn::Module& m) {
  return dynamic_cast<Orthogonal&>(*P::parametrizations(m, "weight")[0]);
}
}  // namespace

TEST_CASE("orthogonal of a square weight is Q of its QR with a positive diagonal") {
  auto m = holder(LIT(W33));
  parametrizations::orthogonal(*m);
  REQUIRE(allclose(m->get("weight"), LIT(orth_square_initial), 1e-9, 1e-10));
  REQUIRE(allclose(P::parametrizations(*m, "weight").original(), -eye(3, kFloat64)));
  REQUIRE(m->state_dict().count("parametrizations.weight.0.base") == 1);
}

TEST_CASE("orthogonal picks matrix_exp for square and householder for other weights") {
  auto sq = holder(LIT(W33));
  parametrizations::orthogonal(*sq);
  REQUIRE(orth_of(*sq).orthogonal_map() == Orthogonal::Map::MatrixExp);
  auto tall = holder(LIT(W42));
  parametrizations::orthogonal(*tall);
  REQUIRE(orth_of(*tall).orthogonal_map() == Orthogonal::Map::Householder);
}

TEST_CASE("orthogonal matrix_exp map matches PyTorch") {
  auto m = holder(LIT(W33));
  parametrizations::orthogonal(*m, "weight", "matrix_exp");
  overwrite(*m, "parametrizations.weight.original", LIT(X33));
  REQUIRE(allclose(m->get("weight"), LIT(orth_matrix_exp_of_X33), 1e-9, 1e-10));
}

TEST_CASE("orthogonal cayley map matches PyTorch") {
  auto m = holder(LIT(W33));
  parametrizations::orthogonal(*m, "weight", "cayley");
  overwrite(*m, "parametrizations.weight.original", LIT(X33));
  REQUIRE(allclose(m->get("weight"), LIT(orth_cayley_of_X33), 1e-9, 1e-10));
}

TEST_CASE("orthogonal householder map matches PyTorch") {
  auto m = holder(LIT(W33));
  parametrizations::orthogonal(*m, "weight", "householder");
  overwrite(*m, "parametrizations.weight.original", LIT(X33));
  REQUIRE(allclose(m->get("weight"), LIT(orth_householder_of_X33), 1e-9, 1e-10));
}

TEST_CASE("orthogonal without trivialization of tall and wide weights matches PyTorch") {
  for (std::string map : {"matrix_exp", "cayley"}) {
    auto tall = holder(LIT(W42));
    parametrizations::orthogonal(*tall, "weight", map, /*use_trivialization=*/false);
    auto wide = holder(LIT(W42).t().contiguous());
    parametrizations::orthogonal(*wide, "weight", map, false);
    Tensor want_tall =
        map == "cayley" ? LIT(orth_cayley_notriv_W42) : LIT(orth_matrix_exp_notriv_W42);
    Tensor want_wide =
        map == "cayley" ? LIT(orth_cayley_notriv_W24) : LIT(orth_matrix_exp_notriv_W24);
    INFO(map);
    REQUIRE(allclose(tall->get("weight"), want_tall, 1e-9, 1e-10));
    REQUIRE(allclose(wide->get("weight"), want_wide, 1e-9, 1e-10));
    REQUIRE_FALSE(tall->has("parametrizations.weight.0.base"));
  }
}

TEST_CASE("orthogonal householder without trivialization stores PyTorch's reflectors") {
  auto tall = holder(LIT(W42));
  parametrizations::orthogonal(*tall, "weight", "householder", false);
  REQUIRE(allclose(P::parametrizations(*tall, "weight").original(),
                   LIT(orth_householder_notriv_W42_original), 1e-9, 1e-10));
  REQUIRE(allclose(tall->get("weight"), LIT(orth_householder_notriv_W42), 1e-9, 1e-10));

  auto wide = holder(LIT(W42).t().contiguous());
  parametrizations::orthogonal(*wide, "weight", "householder", false);
  REQUIRE(allclose(P::parametrizations(*wide, "weight").original(),
                   LIT(orth_householder_notriv_W24_original), 1e-9, 1e-10));
  REQUIRE(allclose(wide->get("weight"), LIT(orth_householder_notriv_W24), 1e-9, 1e-10));

  auto sq = holder(LIT(W33));
  parametrizations::orthogonal(*sq, "weight", "householder", false);
  REQUIRE(allclose(sq->get("weight"), LIT(orth_householder_notriv_W33), 1e-9, 1e-10));
}

TEST_CASE("orthogonal of a batch of square weights matches PyTorch") {
  auto m = holder(LIT(W233));
  parametrizations::orthogonal(*m);
  REQUIRE(allclose(m->get("weight"), LIT(orth_batched_initial), 1e-9, 1e-10));
}

TEST_CASE("orthogonal tall and wide weights with trivialization are semi-orthogonal") {
  for (std::string map : {"matrix_exp", "cayley", "householder"}) {
    INFO(map);
    nn::Linear tall(3, 5, true, kFloat64), wide(5, 3, true, kFloat64);
    parametrizations::orthogonal(tall, "weight", map);
    parametrizations::orthogonal(wide, "weight", map);
    REQUIRE(tall.get("weight").shape() == Shape{5, 3});
    REQUIRE(wide.get("weight").shape() == Shape{3, 5});
    REQUIRE(orthogonality_error(tall.get("weight")) < 1e-12);
    REQUIRE(orthogonality_error(wide.get("weight")) < 1e-12);
  }
}

TEST_CASE("set of an orthogonal matrix round-trips through orthogonal") {
  for (std::string map : {"matrix_exp", "cayley", "householder"}) {
    INFO(map);
    auto m = holder(LIT(W33));
    parametrizations::orthogonal(*m, "weight", map);
    Tensor Q = LIT(orth_matrix_exp_of_X33);
    m->set("weight", Q);
    REQUIRE(allclose(m->get("weight"), Q, 1e-9, 1e-10));
    // tall, completed with random columns
    nn::Linear tall(2, 4, false, kFloat64);
    parametrizations::orthogonal(tall, "weight", map);
    Tensor Qt = LIT(orth_householder_notriv_W42);
    tall.set("weight", Qt);
    REQUIRE(allclose(tall.get("weight"), Qt, 1e-9, 1e-10));
  }
}

TEST_CASE("set of a householder orthogonal weight without trivialization round-trips") {
  auto m = holder(LIT(W42));
  parametrizations::orthogonal(*m, "weight", "householder", false);
  Tensor Q = LIT(orth_householder_notriv_W42);
  m->set("weight", Q);
  REQUIRE(allclose(m->get("weight"), Q, 1e-9, 1e-10));
}

TEST_CASE("set of a matrix_exp orthogonal weight without trivialization is an Error") {
  auto m = holder(LIT(W33));
  parametrizations::orthogonal(*m, "weight", "matrix_exp", false);
  REQUIRE_THROWS_WITH_SUBSTR(m->set("weight", eye(3, kFloat64)),
                             "It is not possible to assign to the matrix exponential or the "
                             "Cayley parametrizations when use_trivialization=False");
}

TEST_CASE("set of a wrongly shaped matrix into orthogonal is an Error with both shapes") {
  auto m = holder(LIT(W33));
  parametrizations::orthogonal(*m);
  REQUIRE_THROWS_WITH(m->set("weight", eye(2, kFloat64)),
                      Catch::Matchers::Contains("Expected a matrix or batch of matrices of shape "
                                                "[3, 3]") &&
                          Catch::Matchers::Contains("Got a tensor of shape [2, 2]"));
}

TEST_CASE("orthogonal of a vector is an Error") {
  nn::Module m;
  m.register_parameter("weight", randn({4}));
  REQUIRE_THROWS_WITH_SUBSTR(parametrizations::orthogonal(m),
                             "Expected a matrix or batch of matrices. Got a tensor of 1 "
                             "dimensions.");
  REQUIRE_FALSE(P::is_parametrized(m));
}

TEST_CASE("orthogonal with an unknown map is an Error naming it") {
  nn::Linear m(3, 3);
  REQUIRE_THROWS_WITH_SUBSTR(parametrizations::orthogonal(m, "weight", "qr"),
                             "orthogonal_map has to be one of \"matrix_exp\", \"cayley\", "
                             "\"householder\". Got: qr");
  REQUIRE_FALSE(P::is_parametrized(m));
}

TEST_CASE("orthogonal of a missing tensor is an Error") {
  nn::Linear m(3, 3);
  REQUIRE_THROWS_WITH_SUBSTR(parametrizations::orthogonal(m, "kernel"),
                             "has no parameter or buffer with name 'kernel'");
}

TEST_CASE("gradients reach the original through orthogonal") {
  for (std::string map : {"matrix_exp", "cayley", "householder"}) {
    INFO(map);
    nn::Linear m(4, 4, true, kFloat64);
    parametrizations::orthogonal(m, "weight", map);
    overwrite(m, "parametrizations.weight.original",
              (0.1 * randn({4, 4}, kFloat64)).tril(-1) - eye(4, kFloat64));
    (m.get("weight") * arange(0, 16, 1, kFloat64).reshape({4, 4})).sum().backward();
    Tensor g = P::parametrizations(m, "weight").original().grad();
    REQUIRE(g.defined());
    REQUIRE(g.abs().sum().item<double>() > 0);
  }
}

TEST_CASE("SGD steps keep an orthogonal float32 weight orthogonal to 1e-5") {
  for (std::string map : {"matrix_exp", "cayley", "householder"}) {
    INFO(map);
    manual_seed(1);
    nn::Linear square(6, 6), tall(3, 6);
    parametrizations::orthogonal(square, "weight", map);
    parametrizations::orthogonal(tall, "weight", map);
    TensorList params = square.parameters();
    for (const Tensor& p : tall.parameters()) params.push_back(p);
    optim::SGD opt(params, 0.1);
    Tensor x = randn({8, 6}), y = randn({8, 6}), y3 = randn({8, 6});
    for (int step = 0; step < 10; ++step) {
      opt.zero_grad();
      (nn::functional::mse_loss(square(x), y) +
       nn::functional::mse_loss(tall(x.narrow(1, 0, 3)), y3))
          .backward();
      opt.step();
    }
    REQUIRE(orthogonality_error(square.get("weight")) < 1e-5);
    REQUIRE(orthogonality_error(tall.get("weight")) < 1e-5);
  }
}
