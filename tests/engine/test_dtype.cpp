// Dtypes and PyTorch's type promotion: float32 with float64 gives float64, int with float
// gives float, a double scalar does not promote a float32 tensor, int / int gives float32.
#include <cmath>

#include "engine/engine_test_util.hpp"

using namespace paragrad;

TEST_CASE("float32 with float64 promotes to float64", "[dtype]") {
  Tensor a = ones({2}, kFloat32), b = ones({2}, kFloat64);
  CHECK((a + b).dtype() == kFloat64);
  CHECK((b - a).dtype() == kFloat64);
  CHECK((a * b).dtype() == kFloat64);
  CHECK((a / b).dtype() == kFloat64);
  CHECK(maximum(a, b).dtype() == kFloat64);
}

TEST_CASE("matmul and scatter_add do not promote, as PyTorch", "[dtype][errors]") {
  Tensor a = ones({2}, kFloat32), b = ones({2}, kFloat64);
  REQUIRE_THROWS_WITH(matmul(a, b), Catch::StartsWith("matmul") && Catch::Contains("float32") &&
                                        Catch::Contains("float64"));
  REQUIRE_THROWS_WITH(matmul(ones({2, 2}, kBool), ones({2, 2}, kBool)),
                      Catch::StartsWith("matmul") && Catch::Contains("bool"));
  CHECK(matmul(tensor({{1, 2}}, kInt64), tensor({3, 4}, kInt64)).tolist() ==
        std::vector<double>{11});
  REQUIRE_THROWS_WITH(scatter_add(zeros({3}), 0, tensor({0}, kInt64), ones({1}, kFloat64)),
                      Catch::StartsWith("scatter_add") && Catch::Contains("float64"));
}

TEST_CASE("integer pow stays int64, as PyTorch", "[dtype]") {
  Tensor i = tensor({-2, 3, 1}, kInt64);
  CHECK(i.pow(tensor({3, 2, -1}, kInt64)).dtype() == kInt64);
  CHECK(i.pow(tensor({3, 2, -1}, kInt64)).tolist() == std::vector<double>{-8, 9, 1});
  CHECK(tensor({2, -1, -1}, kInt64).pow(tensor({-1, -1, -2}, kInt64)).tolist() ==
        std::vector<double>{0, -1, 1});
  CHECK(i.pow(2.0).tolist() == std::vector<double>{4, 9, 1});
  CHECK(i.pow(scalar(2.0, kFloat64)).dtype() == kFloat64);
  CHECK(i.pow(ones({3})).dtype() == kFloat32);
  // Wraps around like PyTorch's int64 arithmetic: torch.tensor([3]).pow(41) (3^41 mod 2^64).
  CHECK(tensor({3}, kInt64).pow(41.0).item<int64_t>() == -420491770248316829LL);
  REQUIRE_THROWS_WITH(i.pow(-1.0), Catch::StartsWith("pow") && Catch::Contains("negative"));
  CHECK(i.pow(-1.5).dtype() == kFloat32);
}

TEST_CASE("bool pow follows PyTorch: int64 for integral powers, float32 otherwise", "[dtype]") {
  Tensor b = tensor({1, 0, 1}, kBool);
  CHECK(b.pow(2.0).dtype() == kInt64);
  CHECK(b.pow(2.0).tolist() == std::vector<double>{1, 0, 1});
  CHECK(b.pow(0.0).tolist() == std::vector<double>{1, 1, 1});
  CHECK(b.pow(0.5).dtype() == kFloat32);
  REQUIRE_THROWS_WITH(b.pow(-1.0), Catch::StartsWith("pow"));
  REQUIRE_THROWS_WITH(b.pow(b), Catch::StartsWith("pow") && Catch::Contains("bool"));
  CHECK(b.pow(tensor({2, 2, 2}, kInt64)).dtype() == kInt64);
}

TEST_CASE("an int64 tensor compared with a fractional double compares in float32", "[dtype]") {
  // PyTorch: tensor([1, 2, 3]) == 2.0000001 is [False, True, False] (2.0000001 rounds to 2.0f).
  Tensor i = tensor({1, 2, 3}, kInt64);
  CHECK((i >= 2.0000001).tolist() == std::vector<double>{0, 1, 1});
  CHECK((i > 1e30).tolist() == std::vector<double>{0, 0, 0});
  CHECK((i < INFINITY).tolist() == std::vector<double>{1, 1, 1});
}

TEST_CASE("allclose compares in the inputs' dtype and refuses mixed dtypes", "[dtype]") {
  // 1 and 1 + 2^-20 differ by 9.5e-7: within rtol 1e-6 in float64 and in float32 alike; with
  // rtol 0 and atol 1e-7 they differ in float64, but in float32 1 + 1e-8 rounds to 1 exactly.
  CHECK(allclose(tensor({1.0}, kFloat32), tensor({1.0 + 1e-8}, kFloat32), 0, 0));
  CHECK_FALSE(allclose(tensor({1.0}, kFloat64), tensor({1.0 + 1e-8}, kFloat64), 0, 0));
  // float32 arithmetic in the tolerance: |a - b| = 2^-23 against 1e-7 + 0 (float32 1e-7).
  CHECK_FALSE(allclose(tensor({1.0f + 0x1p-23f}), tensor({1.0}), 0, 1e-7));
  CHECK(allclose(tensor({1.0f + 0x1p-23f}), tensor({1.0}), 0, 2e-7));
  REQUIRE_THROWS_WITH(allclose(ones({2}), ones({2}, kFloat64)),
                      Catch::StartsWith("allclose") && Catch::Contains("float64"));
  CHECK(allclose(tensor({1, 2}, kInt64), tensor({1, 2}, kInt64)));
  CHECK_FALSE(allclose(tensor({1, 2}, kInt64), tensor({1, 3}, kInt64)));
  CHECK(allclose(tensor({1, 0}, kBool), tensor({1, 0}, kBool)));
  CHECK_FALSE(allclose(tensor({NAN}), tensor({NAN})));
  CHECK(allclose(tensor({INFINITY}), tensor({INFINITY})));
  CHECK_FALSE(allclose(tensor({INFINITY}), tensor({-INFINITY})));
}

TEST_CASE("int with float promotes to the float type", "[dtype]") {
  Tensor i = tensor({1, 2}, kInt64);
  CHECK((i + ones({2}, kFloat32)).dtype() == kFloat32);
  CHECK((ones({2}, kFloat64) * i).dtype() == kFloat64);
  CHECK((i + tensor({1, 0}, kBool)).dtype() == kInt64);
  CHECK((i + i).dtype() == kInt64);
  CHECK((i + i).tolist() == std::vector<double>{2, 4});
}

TEST_CASE("a double scalar does not promote a float32 tensor", "[dtype]") {
  Tensor f = ones({2}, kFloat32);
  CHECK((f + 2.5).dtype() == kFloat32);
  CHECK((2.5 * f).dtype() == kFloat32);
  CHECK((f / 3.0).dtype() == kFloat32);
  CHECK((1.0 - f).dtype() == kFloat32);
  CHECK((f + 1e-300).dtype() == kFloat32);
  CHECK(f.pow(2.5).dtype() == kFloat32);
  CHECK(f.clamp(0.5, 1e30).dtype() == kFloat32);
  // A finite bound float32 cannot hold is refused, as torch.clamp refuses it.
  CHECK_THROWS_AS(f.clamp(0.5, 1e300), ValueError);
}

TEST_CASE(
    "an int tensor with a fractional scalar becomes float32, with an integral one stays int64",
    "[dtype]") {
  // A C++ double cannot tell 2 from 2.0, so integral values keep the integer type (as
  // PyTorch does for Python ints) and fractional values promote (as for Python floats).
  Tensor i = tensor({1, 2}, kInt64);
  CHECK((i * 2.5).dtype() == kFloat32);
  CHECK((i * 2.5).tolist() == std::vector<double>{2.5, 5});
  CHECK((i + 1.0).dtype() == kInt64);
  CHECK((i * 2.0).tolist() == std::vector<double>{2, 4});
}

TEST_CASE("int / int gives float32 true division", "[dtype]") {
  Tensor a = tensor({1, 3}, kInt64), b = tensor({2, 2}, kInt64);
  CHECK((a / b).dtype() == kFloat32);
  CHECK((a / b).tolist() == std::vector<double>{0.5, 1.5});
  CHECK((a / 2.0).dtype() == kFloat32);
  CHECK((a / 2.0).tolist() == std::vector<double>{0.5, 1.5});
  CHECK((1.0 / b).dtype() == kFloat32);
}

TEST_CASE("floating math on integer tensors gives float32", "[dtype]") {
  Tensor i = tensor({1, 4}, kInt64);
  CHECK(i.sqrt().dtype() == kFloat32);
  CHECK(i.sqrt().tolist() == std::vector<double>{1, 2});
  CHECK(i.exp().dtype() == kFloat32);
  CHECK(i.sigmoid().dtype() == kFloat32);
  CHECK(i.abs().dtype() == kInt64);
  CHECK(i.neg().dtype() == kInt64);
  CHECK(i.pow(2.0).dtype() == kInt64);
  CHECK(i.pow(0.5).dtype() == kFloat32);
}

TEST_CASE("comparisons give bool tensors and compare across dtypes", "[dtype]") {
  Tensor i = tensor({1, 2, 3}, kInt64);
  Tensor f = tensor({1.5, 2.0, 2.5});
  CHECK((i < f).dtype() == kBool);
  CHECK((i < f).tolist() == std::vector<double>{1, 0, 0});
  CHECK((i == f).tolist() == std::vector<double>{0, 1, 0});
  CHECK((i >= 2.5).tolist() == std::vector<double>{0, 0, 1});
  CHECK((f > 2.0).tolist() == std::vector<double>{0, 0, 1});
  CHECK((f <= 2.0).tolist() == std::vector<double>{1, 1, 0});
  CHECK((i != i).any() == false);
  CHECK(((i > 1.0) && (f < 2.5)).tolist() == std::vector<double>{0, 1, 0});
  CHECK(((i > 2.0) || (f < 2.0)).tolist() == std::vector<double>{1, 0, 1});
  CHECK((i > 1.0).logical_not().tolist() == std::vector<double>{1, 0, 0});
}

TEST_CASE("to() converts between dtypes and item() reads one element", "[dtype]") {
  Tensor f = tensor({1.7, -2.7, 0.0});
  CHECK(f.to(kInt64).tolist() == std::vector<double>{1, -2, 0});
  CHECK(f.to(kBool).tolist() == std::vector<double>{1, 1, 0});
  CHECK(f.to(kFloat64).dtype() == kFloat64);
  CHECK(f.to(kFloat32).is_same(f));
  CHECK(scalar(2.5, kFloat64).item<double>() == 2.5);
  CHECK(scalar(2.5, kFloat64).item<float>() == 2.5f);
  CHECK(scalar(3, kInt64).item<int64_t>() == 3);
  CHECK(scalar(1, kBool).item<bool>());
  CHECK(ones({1, 1}).item<float>() == 1.0f);
  REQUIRE_THROWS_WITH(ones({2}).item<float>(), Catch::StartsWith("item") && Catch::Contains("[2]"));
}

TEST_CASE("float32 values round to float32 precision", "[dtype]") {
  CHECK(tensor({0.1}).item<double>() == double(0.1f));
  CHECK(tensor({0.1}, kFloat64).item<double>() == 0.1);
}

TEST_CASE("isnan and isfinite flag non-finite values", "[dtype]") {
  Tensor x = tensor({1.0, NAN, INFINITY, -INFINITY});
  CHECK(x.isnan().tolist() == std::vector<double>{0, 1, 0, 0});
  CHECK(x.isfinite().tolist() == std::vector<double>{1, 0, 0, 0});
  CHECK(tensor({1, 2}, kInt64).isfinite().all());
}

TEST_CASE("dtype names and data_ptr type checks", "[dtype][errors]") {
  CHECK(std::string(dtype_name(kFloat32)) == "float32");
  CHECK(std::string(dtype_name(kFloat64)) == "float64");
  CHECK(std::string(dtype_name(kInt64)) == "int64");
  CHECK(std::string(dtype_name(kBool)) == "bool");
  REQUIRE_THROWS_WITH(ones({2}).data_ptr<double>(),
                      Catch::StartsWith("data_ptr") && Catch::Contains("float32"));
}

TEST_CASE("a 0-d operand does not promote a dimensioned tensor of the same category") {
  // torch.result_type: ones(3) * tensor(2., dtype=float64) is float32; an int64 tensor with a
  // 0-d float64 tensor is float64 (a higher category); bool with a 0-d int64 is int64.
  CHECK((ones({3}) * scalar(2.0, kFloat64)).dtype() == kFloat32);
  CHECK((scalar(2.0, kFloat64) + ones({3})).dtype() == kFloat32);
  CHECK((ones({3}, kFloat64) - scalar(2.0, kFloat32)).dtype() == kFloat64);
  CHECK((ones({3}, kInt64) * scalar(2.0, kFloat64)).dtype() == kFloat64);
  CHECK((ones({3}, kInt64) * scalar(2.0, kInt64)).dtype() == kInt64);
  CHECK((ones({3}, kBool) + scalar(2.0, kInt64)).dtype() == kInt64);
  CHECK((ones({3}, kInt64) + scalar(1.0, kBool)).dtype() == kInt64);
  CHECK((scalar(1.0, kFloat32) * scalar(2.0, kFloat64)).dtype() == kFloat64);
  CHECK((ones({3}) / scalar(2.0, kFloat64)).dtype() == kFloat32);
  CHECK(where(ones({3}, kBool), ones({3}), scalar(0.0, kFloat64)).dtype() == kFloat32);
  CHECK(result_type(zeros({2}, kInt64), scalar(1.0, kFloat32)) == kFloat32);
}

TEST_CASE("tanh_backward and sigmoid_backward take torch.result_type of their operands",
          "[dtype]") {
  // PyTorch: aten.tanh_backward(ones(3), tensor(0.5, float64)) is float32 (a 0-d operand does
  // not promote); aten.sigmoid_backward(ones(3, float64), ones(3)) is float64.
  CHECK(tanh_backward(ones({3}), scalar(0.5, kFloat64)).dtype() == kFloat32);
  CHECK(sigmoid_backward(ones({3}, kFloat64), ones({3})).dtype() == kFloat64);
}
