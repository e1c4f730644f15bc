// Parametrizations built from lambdas.
#include "parametrize/helpers.hpp"

using namespace paragrad;
using namespace paragrad::test;
namespace P = paragrad::parametrize;

TEST_CASE("a lambda parametrization with a right_inverse supports get and set") {
  nn::Linear m(4, 4);
  auto sym = P::make_parametrization([](const Tensor& X) { return X.triu() + X.triu(1).t(); },
                                     [](const Tensor& A) { return A.triu(); }, "Symmetric");
  P::register_parametrization(m, "weight", sym);
  REQUIRE(is_symmetric(m.get("weight")));
  Tensor A = rand({4, 4});
  A = A + A.t();
  m.set("weight", A);
  REQUIRE(allclose(m.get("weight"), A));
  REQUIRE(sym->type_name() == "Symmetric");
}

TEST_CASE("a lambda parametrization without right_inverse cannot be set") {
  nn::Linear m(3, 3);
  P::register_parametrization(m, "weight",
                              P::make_parametrization([](const Tensor& X) { return X.abs(); }));
  REQUIRE_THROWS_WITH_SUBSTR(m.set("weight", ones({3, 3})),
                             "LambdaParametrization does not implement right_inverse");
}

TEST_CASE("a lambda parametrization of several originals") {
  nn::Linear m(3, 3);
  auto rank_one = P::make_multi_parametrization(
      [](const TensorList& xy) { return outer(xy[0], xy[1]); },
      [](const Tensor& Z) {
        return TensorList{Z.select(1, 0), Z.select(0, 0) / Z.select(0, 0).select(0, 0)};
      });
  P::register_parametrization(m, "weight", rank_one, /*unsafe=*/true);
  REQUIRE(P::parametrizations(m, "weight").num_originals() == 2);
  REQUIRE(linalg::matrix_rank(m.get("weight")).item<int64_t>() == 1);
}
