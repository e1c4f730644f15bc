// A shape-changing assignment gives the original fresh storage (PyTorch's set_ under no-grad)
// but keeps its version counter running: a tensor saved for backward before the swap is
// recognised as modified, as PyTorch's shared version counter does.
#include <catch2/catch.hpp>
#include <paragrad/paragrad.hpp>

#include "parametrize/helpers.hpp"

using namespace paragrad;
using paragrad::test::Flatten;

TEST_CASE("a tensor saved before a shape-changing right_inverse swapped its storage is stale") {
  nn::Module m;
  m.register_parameter("weight", zeros({3, 2}, kFloat64));
  Tensor w = m.get("weight");
  {
    NoGradGuard ng;
    w.fill_(0.5);  // version 1: what a fresh storage reaches with the swap's own bump
  }
  Tensor x = ones({3, 2}, kFloat64).requires_grad_();
  Tensor y = (x * w).sum();  // saves w
  parametrize::register_parametrization(m, "weight", std::make_shared<Flatten>(Shape{3, 2}),
                                        /*unsafe=*/true);
  REQUIRE(w.sizes() == Dims{6});  // the same tensor object, on new storage
  REQUIRE_THROWS_WITH(y.backward(), Catch::StartsWith("MulBackward") &&
                                        Catch::Contains("modified by an in-place operation"));
}
