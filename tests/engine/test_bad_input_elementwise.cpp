// Bad input to elementwise, broadcasting, reducing and in-place ops: each raises the right
// paragrad::Error subclass whose message starts with the op called (not an internal helper such as
// "broadcast" or "amax") and names the shapes; in-place ops leave their destination unchanged
// (values, version, requires_grad, grad). Integer overflow wraps as in PyTorch instead of being
// undefined behaviour (hostile_oracle.hpp).
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "bad_input.hpp"
#include "engine/hostile_oracle.hpp"

using namespace paragrad;
using paragrad::test::check_raises;
using paragrad::test::check_raises_unchanged;
namespace oracle = paragrad::test::hostile;

namespace {
using Case = std::pair<std::string, std::function<void()>>;
const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double k2e62 = std::ldexp(1.0, 62);

// A float64 leaf that already holds a gradient: everything a failed call must not touch.
Tensor leaf_with_grad(Shape shape) {
  Tensor x = ones(std::move(shape), kFloat64).requires_grad_();
  (x * 3.0).sum().backward();
  return x;
}
Tensor i64(std::initializer_list<double> v) { return tensor(v, kInt64); }
}  // namespace

TEST_CASE("binary ops: shapes that do not broadcast raise ShapeError naming the op and shapes",
          "[bad_input]") {
  const Tensor a = leaf_with_grad({2, 3}), b = ones({4, 5}, kFloat64);
  const Tensor ba = ones({2, 3}, kBool), bb = ones({4}, kBool);
  const std::vector<Case> cases = {
      {"add", [&] { a + b; }},
      {"sub", [&] { a - b; }},
      {"mul", [&] { a* b; }},
      {"div", [&] { a / b; }},
      {"lt", [&] { a < b; }},
      {"le", [&] { a <= b; }},
      {"gt", [&] { a > b; }},
      {"ge", [&] { a >= b; }},
      {"eq", [&] { a == b; }},
      {"ne", [&] { a != b; }},
      {"maximum", [&] { maximum(a, b); }},
      {"minimum", [&] { minimum(a, b); }},
      {"atan2", [&] { atan2(a, b); }},
      {"pow", [&] { a.pow(b); }},
      {"where", [&] { where(ba, a, b); }},
      {"tanh_backward", [&] { tanh_backward(a, b); }},
      {"sigmoid_backward", [&] { sigmoid_backward(a, b); }},
      {"allclose", [&] { allclose(a, b); }},
  };
  for (const auto& [op, f] : cases) {
    INFO(op);
    check_raises_unchanged<ShapeError>(f, op, {"[2, 3]", "[4, 5]"}, {a, b});
  }
  check_raises<ShapeError>([&] { ba&& bb; }, "logical_and", {"[2, 3]", "[4]"});
  check_raises<ShapeError>([&] { ba || bb; }, "logical_or", {"[2, 3]", "[4]"});
  check_raises<ShapeError>([&] { where(ones({5}, kBool), a, a); }, "where", {"[5]", "[2, 3]"});
  check_raises_unchanged<ShapeError>([&] { a.masked_fill(ones({5}, kBool), 1); }, "masked_fill",
                                     {"[5]", "[2, 3]"}, {a});
  check_raises<ShapeError>([] { broadcast_shapes(Dims{2}, Dims{3}); }, "broadcast_shapes",
                           {"[2]", "[3]"});
}

TEST_CASE("unary ops: unsupported dtypes raise DtypeError naming the op", "[bad_input]") {
  const Tensor b = ones({2}, kBool);
  for (const auto& [op, f] : std::vector<Case>{
           {"neg", [&] { b.neg(); }},
           {"neg", [&] { -b; }},
           {"abs", [&] { b.abs(); }},
           {"relu", [&] { b.relu(); }},
       }) {
    INFO(op);
    check_raises_unchanged<DtypeError>(f, op, {"bool"}, {b});
  }
  check_raises<DtypeError>([] { tensor({1, 2}, kInt64).mean(); }, "mean", {"int64"});
  check_raises<DtypeError>([] { tensor({1, 2}, kInt64).norm(); }, "norm", {"int64"});
  check_raises<DtypeError>([] { tensor({1, 2}, kInt64).var({0}); }, "var", {"int64"});
  // As PyTorch 1.13: sign, square, clamp and pow accept bool (square and clamp give int64), and
  // clamp with min > max is not an error (every element becomes max): tests/engine/test_dtype.cpp.
  check_raises<ValueError>([] { ones({2}).clamp(0.5, 1e300); }, "clamp", {"float"});
}

TEST_CASE("int64 arithmetic that overflows wraps like PyTorch's", "[bad_input]") {
  const Tensor p62 = i64({k2e62});
  const Tensor max = (p62 - 1.0) + p62;  // 2^63 - 1, built without overflow
  const Tensor min = -max - 1.0;
  CHECK(max.item<int64_t>() == std::numeric_limits<int64_t>::max());
  CHECK((p62 * i64({4})).item<int64_t>() == oracle::kMulP62By4);
  CHECK((i64({4}) * k2e62).item<int64_t>() == oracle::kScalarMulP62By4);
  CHECK((max + i64({1})).item<int64_t>() == oracle::kMaxPlusOne);
  CHECK((-min).item<int64_t>() == oracle::kNegMin);
  CHECK(min.abs().item<int64_t>() == oracle::kAbsMin);
  CHECK(i64({k2e62, k2e62, k2e62}).sum().item<int64_t>() == oracle::kSumThreeP62);
  CHECK(i64({k2e62, 4}).prod().item<int64_t>() == oracle::kProdP62And4);
  CHECK(i64({std::ldexp(1.0, 40)}).pow(2.0).item<int64_t>() == oracle::kPow2e40Squared);
  CHECK(i64({std::ldexp(1.0, 40)}).square().item<int64_t>() == oracle::kSquare2e40);
  CHECK(i64({3}).pow(100.0).item<int64_t>() == oracle::kPow3To100);
  CHECK(i64({3}).pow(k2e62).item<int64_t>() == oracle::kPow3To2e62);
  CHECK(matmul(i64({k2e62}).reshape({1, 1}), i64({4}).reshape({1, 1})).item<int64_t>() ==
        oracle::kMatmulP62By4);
  CHECK(scatter_add(p62, 0, i64({0, 0}), i64({k2e62, k2e62})).item<int64_t>() ==
        oracle::kScatterAddTwoP62);
  Tensor acc = p62.clone();
  acc.add_(p62, 2);
  CHECK(acc.item<int64_t>() == oracle::kAddAlphaP62);
  // min() is a reduction of its own, not -max(-x) (which is wrong at INT64_MIN).
  CHECK(cat({min, i64({0})}, 0).min().item<int64_t>() == std::numeric_limits<int64_t>::min());
}

TEST_CASE("an int64 tensor with a scalar int64 cannot hold becomes float32, as in PyTorch",
          "[bad_input]") {
  STATIC_REQUIRE(oracle::kInt64Times1e30IsFloat32);
  const Tensor r = i64({2}) * 1e30;
  CHECK(r.dtype() == kFloat32);
  CHECK(r.item<float>() == 2e30f);
  CHECK((i64({2}) + 1e300).dtype() == kFloat32);
  CHECK((i64({2}) - 1e19).dtype() == kFloat32);
  CHECK((i64({2}) * 3.0).dtype() == kInt64);  // an integral scalar int64 holds keeps int64
}

TEST_CASE("reductions: bad dims and empty inputs raise naming the reduction", "[bad_input]") {
  const Tensor a = leaf_with_grad({2, 3});
  for (const auto& [op, f] : std::vector<Case>{{"sum", [&] { a.sum({5}); }},
                                               {"mean", [&] { a.mean({5}); }},
                                               {"var", [&] { a.var({5}); }},
                                               {"amax", [&] { a.amax({5}); }},
                                               {"logsumexp", [&] { a.logsumexp({5}); }},
                                               {"softmax", [&] { a.softmax(5); }},
                                               {"log_softmax", [&] { a.log_softmax(-5); }},
                                               {"max", [&] { a.max(5); }},
                                               {"min", [&] { a.min(5); }},
                                               {"argmax", [&] { a.argmax(5); }},
                                               {"argmin", [&] { a.argmin(5); }},
                                               {"movedim", [&] { a.movedim(0, 5); }}}) {
    INFO(op);
    check_raises_unchanged<IndexError>(f, op, {"[2, 3]"}, {a});
  }
  check_raises<IndexError>([&] { a.sum({0, 0}); }, "sum", {"twice"});
  const Tensor e = ones({0, 2});
  check_raises<ValueError>([&] { e.max(); }, "max", {"[0, 2]"});
  check_raises<ValueError>([&] { e.min(); }, "min", {"[0, 2]"});
  check_raises<IndexError>([&] { e.amax({0}); }, "amax", {"[0, 2]"});
  check_raises<IndexError>([&] { e.max(0); }, "max", {"[0, 2]"});
  check_raises<IndexError>([&] { e.argmin(0); }, "argmin", {"[0, 2]"});
  check_raises<ShapeError>([&] { a.sum_to(Dims{4}); }, "sum_to", {"[2, 3]", "[4]"});
}

TEST_CASE("in-place ops: bad shapes, dtypes and values raise and leave the destination unchanged",
          "[bad_input]") {
  Tensor f = tensor({1.0, 2.0, 3.0}, kFloat64);
  Tensor n = tensor({1, 2, 3}, kInt64);
  f.add_(ones({3}, kFloat64));  // version 1: the snapshot must see it unchanged, not reset
  check_raises_unchanged<ShapeError>([&] { f.copy_(ones({4})); }, "copy_", {"[4]", "[3]"}, {f});
  check_raises_unchanged<ShapeError>([&] { f.add_(ones({2, 3})); }, "add_", {"[2, 3]", "[3]"}, {f});
  check_raises_unchanged<ShapeError>([&] { f.mul_(ones({2})); }, "mul_", {"[2]", "[3]"}, {f});
  check_raises_unchanged<DtypeError>([&] { n.add_(ones({3})); }, "add_", {"float32", "int64"}, {n});
  check_raises_unchanged<DtypeError>([&] { n.add_(n, 0.5); }, "add_", {"alpha"}, {n});
  check_raises_unchanged<ValueError>([&] { n.add_(n, 1e30); }, "add_", {"int64"}, {n});
  check_raises_unchanged<DtypeError>([&] { n.mul_(2.5); }, "mul_", {"int64"}, {n});
  check_raises_unchanged<DtypeError>([&] { n.mul_(1e30); }, "mul_", {"int64"}, {n});
  check_raises_unchanged<DtypeError>([&] { n.div_(2); }, "div_", {"int64"}, {n});
  STATIC_REQUIRE(oracle::kFillNanInt64Raises);
  check_raises_unchanged<ValueError>([&] { n.fill_(kNaN); }, "fill_", {"nan"}, {n});
  check_raises_unchanged<DtypeError>([&] { n.clamp_(0, 1e300); }, "clamp_", {"int64"}, {n});
  STATIC_REQUIRE(oracle::kClampFloat32By1e300Raises);
  Tensor f32 = ones({2});
  check_raises_unchanged<ValueError>([&] { f32.clamp_(-1e300, 1e300); }, "clamp_", {"float"},
                                     {f32});
  check_raises_unchanged<ValueError>([&] { f32.fill_(1e300); }, "fill_", {"float"}, {f32});
  STATIC_REQUIRE(oracle::kMaskedFill1e300Int64Raises);
  check_raises_unchanged<ValueError>([&] { n.masked_fill(ones({3}, kBool), 1e300); }, "masked_fill",
                                     {"int64"}, {n});
  // A float32 destination rounds a huge factor to inf, as PyTorch's mul_ does.
  STATIC_REQUIRE(oracle::kMul1e300Float32IsInf);
  f32.mul_(1e300);
  CHECK(std::isinf(f32.tolist()[0]));
}

TEST_CASE("in-place ops on a tensor that requires grad raise and change nothing", "[bad_input]") {
  Tensor x = leaf_with_grad({3});
  for (const auto& [op, f] : std::vector<Case>{{"copy_", [&] { x.copy_(zeros({3})); }},
                                               {"add_", [&] { x.add_(ones({3})); }},
                                               {"mul_", [&] { x.mul_(2.0); }},
                                               {"mul_", [&] { x.mul_(ones({3})); }},
                                               {"div_", [&] { x.div_(2.0); }},
                                               {"zero_", [&] { x.zero_(); }},
                                               {"fill_", [&] { x.fill_(1.0); }},
                                               {"clamp_", [&] { x.clamp_(0, 1); }}}) {
    INFO(op);
    check_raises_unchanged<AutogradError>(f, op, {"[3]", "requires grad"}, {x});
  }
}
