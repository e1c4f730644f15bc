// In-place ops follow PyTorch 1.13's dtype rules: computed in torch.result_type(self, other)
// (0-d rule included) and written into self's dtype; a result self cannot hold is refused. The
// literals come from scripts/oracle/inplace_dtype_oracle.py (run with /usr/bin/python3).
#include <cmath>

#include "engine/engine_test_util.hpp"

using namespace paragrad;

namespace {
const double b0 = std::ldexp(1.0, -24) + std::ldexp(1.0, -50);  // not a float32
Tensor b() { return tensor({b0, 0.1, -3.0}, kFloat64); }
}  // namespace

TEST_CASE("float32 add_ of a float64 tensor computes in float64 and rounds once",
          "[inplace][dtype]") {
  Tensor x = tensor({1.0, 0.2, 1.5}, kFloat32);
  x.add_(b());
  CHECK(x.dtype() == kFloat32);
  CHECK(x.tolist() == std::vector<double>{1.0000001192092896, 0.30000001192092896, -1.5});
  // Rounding the operand to float32 first gives a different first element (PyTorch: 1.0).
  CHECK((tensor({1.0, 0.2, 1.5}, kFloat32) + b().to(kFloat32)).tolist()[0] == 1.0);
  Tensor y = tensor({1.0, 0.2, 1.5}, kFloat32);
  y.add_(b(), 3.0);
  CHECK(y.tolist() == std::vector<double>{1.000000238418579, 0.5, -7.5});
}

TEST_CASE("float32 mul_ of a float64 tensor computes in float64 and rounds once",
          "[inplace][dtype]") {
  Tensor x = tensor({1.0 + std::ldexp(1.0, -23), 0.3, 7.0}, kFloat32);
  x.mul_(tensor({1.0 - std::ldexp(1.0, -30), 0.1, 1.0 / 3.0}, kFloat64));
  CHECK(x.dtype() == kFloat32);
  CHECK(x.tolist() ==
        std::vector<double>{1.0000001192092896, 0.030000001192092896, 2.3333332538604736});
}

TEST_CASE("a 0-d float64 operand of an in-place float32 op computes in float32",
          "[inplace][dtype]") {
  Tensor x = tensor({1.0, 0.2}, kFloat32);
  x.add_(scalar(b0, kFloat64));
  CHECK(x.tolist() == std::vector<double>{1.0, 0.20000006258487701});
}

TEST_CASE("float64 add_ of a float32 tensor and int64 add_ of a bool tensor keep self's dtype",
          "[inplace][dtype]") {
  Tensor x = tensor({0.1, 0.2}, kFloat64);
  x.add_(tensor({0.1, 0.7}, kFloat32));
  CHECK(x.tolist() == std::vector<double>{0.20000000149011612, 0.899999988079071});
  Tensor i = tensor({1, 2, 3}, kInt64);
  i.add_(tensor({1, 0, 1}, kBool));
  CHECK(i.dtype() == kInt64);
  CHECK(i.tolist() == std::vector<double>{2, 2, 4});
  Tensor m = tensor({1, 0}, kBool);
  m.mul_(tensor({1, 1}, kBool));
  CHECK(m.tolist() == std::vector<double>{1, 0});
}

TEST_CASE("in-place ops refuse a float result into an integer tensor and an integer into a bool",
          "[inplace][dtype]") {
  Tensor i = tensor({1, 2, 3}, kInt64);
  REQUIRE_THROWS_AS(i.add_(ones({3})), DtypeError);
  REQUIRE_THROWS_WITH(i.add_(ones({3})), Catch::StartsWith("add_: result type float32") &&
                                             Catch::Contains("int64 tensor written in place"));
  // A 0-d float operand does not promote an int64 tensor's category either.
  REQUIRE_THROWS_AS(i.add_(scalar(1.0, kFloat64)), DtypeError);
  REQUIRE_THROWS_WITH(i.mul_(2.5), Catch::StartsWith("mul_: result type float32"));
  Tensor m = tensor({1, 0}, kBool);
  REQUIRE_THROWS_WITH(m.add_(tensor({1, 2}, kInt64)),
                      Catch::StartsWith("add_: result type int64") && Catch::Contains("bool"));
  REQUIRE_THROWS_WITH(m.mul_(2.0), Catch::StartsWith("mul_: result type int64"));
  // Refused before anything is written.
  CHECK(i.tolist() == std::vector<double>{1, 2, 3});
  CHECK(m.tolist() == std::vector<double>{1, 0});
}

TEST_CASE("clamp_ follows torch.clamp_ dtype and min greater than max rules", "[inplace][dtype]") {
  Tensor i = tensor({0, 1, 3}, kInt64);
  REQUIRE_THROWS_AS(i.clamp_(0.5, 2.5), DtypeError);
  REQUIRE_THROWS_WITH(i.clamp_(0.5, 2.5), Catch::StartsWith("clamp_: result type float32"));
  CHECK(i.tolist() == std::vector<double>{0, 1, 3});
  Tensor j = tensor({0, 2, 5}, kInt64);
  j.clamp_(3, 1);  // min > max: max everywhere
  CHECK(j.tolist() == std::vector<double>{1, 1, 1});
  Tensor f = tensor({0.0, 2.0, NAN}, kFloat32);
  f.clamp_(3, 1);
  const auto fv = f.tolist();
  CHECK(fv[0] == 1.0);
  CHECK(fv[1] == 1.0);
  CHECK(std::isnan(fv[2]));
  REQUIRE_THROWS_WITH(tensor({1, 0}, kBool).clamp_(0, 1),
                      Catch::StartsWith("clamp_: result type int64") && Catch::Contains("bool"));
}

TEST_CASE("div_ by a double divides rather than multiplying by the reciprocal",
          "[inplace][dtype]") {
  Tensor x = tensor({1.0, 5.0, 7.0, 10.0}, kFloat32);
  x.div_(3.0);
  CHECK(x.tolist() == std::vector<double>{0.3333333432674408, 1.6666666269302368,
                                          2.3333332538604736, 3.3333332538604736});
  // (x * float32(1/3) gives 1.6666667461395264 for the second element.)
  CHECK((tensor({5.0}, kFloat32) * scalar(1.0 / 3.0, kFloat32)).tolist()[0] == 1.6666667461395264);
}
