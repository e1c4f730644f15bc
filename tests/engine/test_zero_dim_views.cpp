// mT and movedim on a 0-d tensor, as PyTorch 1.13: both return the tensor itself (dims 0 and -1
// name the one implied dim); another dim is an IndexError (torch: "Dimension out of range").
#include "engine/engine_test_util.hpp"

using namespace paragrad;

TEST_CASE("mT of a 0-d tensor is a view of it with the same value", "[view][dtype]") {
  Tensor x = scalar(3.0, kFloat64);
  Tensor y = x.mT();
  CHECK(y.dim() == 0);
  CHECK(y.item<double>() == 3.0);
  CHECK(y.impl()->storage == x.impl()->storage);
}

TEST_CASE("movedim of a 0-d tensor accepts dims 0 and -1 and keeps the gradient", "[view][dtype]") {
  Tensor x = scalar(3.0, kFloat64).requires_grad_();
  CHECK(x.movedim(0, 0).dim() == 0);
  CHECK(x.movedim(0, -1).dim() == 0);
  Tensor y = x.movedim(-1, 0);
  CHECK(y.item<double>() == 3.0);
  (y * y).backward();
  CHECK(x.grad().item<double>() == 6.0);
  REQUIRE_THROWS_AS(x.movedim(1, 0), IndexError);
  REQUIRE_THROWS_WITH(x.movedim(1, 0), Catch::Contains("movedim"));
}
