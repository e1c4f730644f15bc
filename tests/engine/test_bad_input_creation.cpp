// Bad input to creation functions and to the conversions between doubles and elements: negative
// or overflowing shapes, allocations the system refuses, and values an element type cannot hold.
// Each raises the right paragrad::Error subclass naming the function called and the shape, in
// Release too (no UB: every case here was undefined behaviour or a crash before, see issue 12).
// Where PyTorch defines the result (it raises, or it wraps), paragrad matches hostile_oracle.hpp.
#include <cmath>
#include <limits>

#include "bad_input.hpp"
#include "engine/hostile_oracle.hpp"

using namespace paragrad;
using paragrad::test::check_raises;
using paragrad::test::check_raises_unchanged;
namespace oracle = paragrad::test::hostile;

namespace {
constexpr int64_t k2e32 = int64_t(1) << 32;
constexpr int64_t k2e62 = int64_t(1) << 62;
const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();
}  // namespace

TEST_CASE("creation: a negative size raises ShapeError naming the function and the shape",
          "[bad_input]") {
  check_raises<ShapeError>([] { empty({2, -1}); }, "empty", {"[2, -1]"});
  check_raises<ShapeError>([] { zeros({-1}); }, "zeros", {"[-1]"});
  check_raises<ShapeError>([] { ones({3, -2}); }, "ones", {"[3, -2]"});
  check_raises<ShapeError>([] { full({-1}, 2.0); }, "full", {"[-1]"});
  check_raises<ShapeError>([] { rand({-1}); }, "rand", {"[-1]"});
  check_raises<ShapeError>([] { randn({-1}); }, "randn", {"[-1]"});
  check_raises<ShapeError>([] { randint(0, 3, {-1}); }, "randint", {"[-1]"});
  check_raises<ShapeError>([] { tensor(std::vector<double>{}, {-1}); }, "tensor", {"[-1]"});
  check_raises<ShapeError>([] { eye(-1); }, "eye", {"-1"});
  check_raises<ValueError>([] { linspace(0, 1, -1); }, "linspace", {"-1"});
  check_raises<ValueError>([] { arange(0, 1, 0); }, "arange", {"step 0"});
}

TEST_CASE("creation: a shape whose size overflows int64 raises instead of wrapping",
          "[bad_input]") {
  // 2^32 * 2^32 wrapped to 0: an empty tensor before, silently.
  check_raises<ShapeError>(
      [] {
        tensor({1.0}, {k2e32, k2e32});
      },
      "tensor", {"[4294967296, 4294967296]", "overflows int64"});
  check_raises<ShapeError>([] { zeros({k2e32, k2e32}); }, "zeros", {"[4294967296, 4294967296]"});
  check_raises<ShapeError>([] { empty({k2e32, k2e32, 0}); }, "empty", {"overflows"});
  check_raises<ShapeError>([] { eye(k2e32); }, "eye", {"[4294967296, 4294967296]"});
  check_raises<ShapeError>([] { randn({k2e62, 4}); }, "randn", {"overflows"});
}

TEST_CASE("creation: an empty shape whose strides would overflow raises", "[bad_input]") {
  // No elements, but no representable contiguous strides either (PyTorch 1.13 wraps them to 0).
  check_raises<ShapeError>(
      [] {
        zeros({0, k2e62, k2e62});
      },
      "zeros", {"[0, 4611686018427387904, 4611686018427387904]"});
  // Within int64 they are fine.
  const Tensor ok = zeros({0, k2e32, k2e32 / 4});
  CHECK(ok.numel() == 0);
  CHECK(ok.strides() == Dims{k2e32 * (k2e32 / 4), k2e32 / 4, 1});
}

TEST_CASE("creation: an allocation the system refuses raises ValueError with the byte count",
          "[bad_input]") {
  // 2^44 float32 elements are 64 TiB: bad_alloc before, a paragrad::Error now.
  check_raises<ValueError>([] { zeros({int64_t(1) << 44}); }, "zeros", {"70368744177664 bytes"});
  check_raises<ValueError>([] { rand({int64_t(1) << 44}); }, "rand", {"70368744177664 bytes"});
  check_raises<ValueError>([] { empty({int64_t(1) << 44}); }, "empty", {"70368744177664 bytes"});
  // Beyond the 2^46-byte limit no allocation is even attempted.
  check_raises<ValueError>([] { ones({int64_t(1) << 50}, kFloat64); }, "ones",
                           {"9007199254740992 bytes"});
}

TEST_CASE("creation: full, zeros and scalar refuse values the dtype cannot hold, as PyTorch",
          "[bad_input]") {
  STATIC_REQUIRE(oracle::kFullNanInt64Raises);
  STATIC_REQUIRE(oracle::kFullInfInt64Raises);
  STATIC_REQUIRE(oracle::kScalar1e300Int64Raises);
  STATIC_REQUIRE(oracle::kFull1e300Float32Raises);
  STATIC_REQUIRE_FALSE(oracle::kFullInfFloat32Raises);
  check_raises<ValueError>([] { full({2}, kNaN, kInt64); }, "full", {"nan", "int64"});
  check_raises<ValueError>([] { full({2}, kInf, kInt64); }, "full", {"inf", "int64"});
  check_raises<ValueError>([] { scalar(1e300, kInt64); }, "scalar", {"1e+300", "int64"});
  check_raises<ValueError>([] { full({1}, 1e300); }, "full", {"float"});
  check_raises<ValueError>([] { full({2}, std::ldexp(1.0, 63), kInt64); }, "full", {"int64"});
  CHECK(std::isinf(full({1}, kInf).item<float>()));
  CHECK(full({1}, -std::ldexp(1.0, 63), kInt64).item<int64_t>() ==
        std::numeric_limits<int64_t>::min());
  CHECK(full({2}, kNaN, kBool).all());  // NaN is non-zero: true, as in PyTorch
  CHECK(full({1}, 2.7, kInt64).item<int64_t>() == 2);
}

TEST_CASE("creation: tensor, arange and linspace check integer elements, float ones round",
          "[bad_input]") {
  STATIC_REQUIRE(oracle::kTensorNanInt64Raises);
  STATIC_REQUIRE(oracle::kTensor1e300Float32IsInf);
  STATIC_REQUIRE(oracle::kTensorNanBoolIsTrue);
  STATIC_REQUIRE(oracle::kArangeNanInt64Raises);
  STATIC_REQUIRE(oracle::kLinspace1e300Int64Raises);
  check_raises<ValueError>([] { tensor({1.0, kNaN}, kInt64); }, "tensor", {"nan"});
  CHECK(tensor({2.7, -2.7}, kInt64).tolist() ==
        std::vector<double>{oracle::kTensor2p7Int64, oracle::kTensorMinus2p7Int64});
  CHECK(std::isinf(tensor({1e300}, kFloat32).item<float>()));
  CHECK(tensor({kNaN}, kBool).item<bool>());
  check_raises<ValueError>([] { linspace(0, 1e300, 3, kInt64); }, "linspace", {"int64"});
  check_raises<ValueError>([] { arange(9.3e18, 9.3e18 + 4096, 2048, kInt64); }, "arange",
                           {"int64"});
  check_raises<ValueError>([] { arange(0, kNaN, 1, kInt64); }, "arange", {"nan"});
}

TEST_CASE("creation: randint spans the whole int64 range without overflow", "[bad_input]") {
  manual_seed(7);
  const int64_t lo = std::numeric_limits<int64_t>::min(), hi = std::numeric_limits<int64_t>::max();
  const Tensor r = randint(lo, hi, {1000});
  const int64_t* p = r.data_ptr<int64_t>();
  bool negative = false, positive = false;
  for (int64_t i = 0; i < r.numel(); ++i) {
    negative = negative || p[i] < 0;
    positive = positive || p[i] > 0;
    CHECK(p[i] < hi);  // [low, high)
  }
  CHECK(negative);
  CHECK(positive);
  check_raises<ValueError>([] { randint(3, 3, {1}); }, "randint", {"[3, 3)"});
}

TEST_CASE("item refuses a value the requested type cannot hold, as LibTorch's item<T>",
          "[bad_input]") {
  check_raises<ValueError>([] { scalar(kNaN).item<int64_t>(); }, "item", {"nan", "int64"});
  check_raises<ValueError>([] { scalar(kInf, kFloat64).item<int64_t>(); }, "item", {"inf"});
  check_raises<ValueError>([] { scalar(1e300, kFloat64).item<float>(); }, "item", {"float"});
  check_raises<ValueError>([] { scalar(std::ldexp(1.0, 40), kInt64).item<int>(); }, "item",
                           {"int"});
  CHECK(scalar(2.7, kFloat64).item<int64_t>() == 2);
  CHECK(scalar(kNaN).item<bool>());
  CHECK(std::isnan(scalar(kNaN).item<double>()));
  CHECK(scalar(std::ldexp(1.0, 62), kInt64).item<int64_t>() == k2e62);
  check_raises<ValueError>([] { ones({2}).item<float>(); }, "item", {"[2]"});
}

TEST_CASE("to and copy_ refuse NaN and out-of-range floats into int64 and change nothing",
          "[bad_input]") {
  // PyTorch converts these to INT64_MIN (undefined in C++); paragrad raises.
  STATIC_REQUIRE(oracle::kTorchToNanInt64 == std::numeric_limits<int64_t>::min());
  const Tensor x = tensor({1.0, kNaN, 3.0});
  check_raises_unchanged<ValueError>([&] { x.to(kInt64); }, "to", {"nan", "int64"}, {x});
  check_raises<ValueError>([] { tensor({kInf}, kFloat64).to(kInt64); }, "to", {"inf"});
  check_raises<ValueError>([] { tensor({1e30}).to(kInt64); }, "to", {"int64"});
  check_raises<ValueError>([] { tensor({-1e19}, kFloat64).t().to(kInt64); }, "to", {"int64"});
  Tensor dst = tensor({7, 8, 9}, kInt64);
  check_raises_unchanged<ValueError>([&] { dst.copy_(x); }, "copy_", {"nan"}, {dst, x});
  // Strided source, the other loop of the copy kernel.
  const Tensor strided = tensor({{1.0, kInf}, {2.0, 3.0}}).t();
  Tensor dst2 = zeros({2, 2}, kInt64);
  check_raises_unchanged<ValueError>([&] { dst2.copy_(strided); }, "copy_", {"inf"},
                                     {dst2, strided});
  CHECK(tensor({2.9, -2.9}).to(kInt64).tolist() == std::vector<double>{2, -2});
  CHECK(tensor({1e300}, kFloat64).to(kFloat32).isfinite().logical_not().all());  // inf, as PyTorch
}
