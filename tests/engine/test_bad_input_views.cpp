// Bad input to views and indexing: dims and indices out of range, shapes that do not fit, and the
// size/stride/offset arithmetic a hostile argument could overflow (reshape to [2^32, 2^32],
// expand to it, narrow by INT64_MAX, slices with steps of INT64_MAX or 2^62). Each raises the
// right paragrad::Error subclass naming the view and the shape, or, where Python's slicing rules
// define an answer (a huge step selects one element), gives it without overflowing.
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "bad_input.hpp"

using namespace paragrad;
using paragrad::test::check_raises;
using paragrad::test::check_raises_unchanged;

namespace {
using Case = std::pair<std::string, std::function<void()>>;
constexpr int64_t k2e32 = int64_t(1) << 32;
constexpr int64_t k2e62 = int64_t(1) << 62;
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

Tensor leaf_with_grad() {
  Tensor x = arange(0, 6, 1, kFloat64).reshape({2, 3}).requires_grad_();
  (x * 2.0).sum().backward();
  return x;
}
}  // namespace

TEST_CASE("views: dims out of range raise IndexError naming the view and the shape",
          "[bad_input]") {
  const Tensor a = leaf_with_grad();
  for (const auto& [op, f] :
       std::vector<Case>{{"transpose", [&] { a.transpose(0, 2); }},
                         {"unsqueeze", [&] { a.unsqueeze(4); }},
                         {"squeeze", [&] { a.squeeze(-3); }},
                         {"select", [&] { a.select(2, 0); }},
                         {"narrow", [&] { a.narrow(kMin, 0, 1); }},
                         {"slice", [&] { slice(a, 2, 0, 1); }},
                         {"diagonal", [&] { a.diagonal(0, 0, 5); }},
                         {"permute",
                          [&] {
                            a.permute({0, 7});
                          }},
                         {"index_select", [&] { a.index_select(3, tensor({0}, kInt64)); }},
                         {"gather",
                          [&] {
                            a.gather(2, tensor(std::vector<double>{0}, {1, 1}, kInt64));
                          }},
                         {"size", [&] { a.size(kMax); }}}) {
    INFO(op);
    check_raises_unchanged<IndexError>(f, op, {"[2, 3]"}, {a});
  }
}

TEST_CASE("views: indices out of range raise IndexError naming the view", "[bad_input]") {
  const Tensor a = leaf_with_grad();
  check_raises_unchanged<IndexError>([&] { a.select(0, kMin); }, "select", {"[2, 3]"}, {a});
  check_raises_unchanged<IndexError>([&] { a.index({0, 3}); }, "index", {"[2, 3]"}, {a});
  check_raises_unchanged<IndexError>([&] { a.index({kMax}); }, "index", {"[2, 3]"}, {a});
  // Negative indices are out of range for index_select, gather and scatter_add, as in PyTorch.
  check_raises_unchanged<IndexError>([&] { a.index_select(0, tensor({-1}, kInt64)); },
                                     "index_select", {"-1", "[2, 3]"}, {a});
  check_raises_unchanged<IndexError>(
      [&] {
        a.gather(1, tensor(std::vector<double>{-1}, {1, 1}, kInt64));
      },
      "gather", {"-1"}, {a});
  check_raises_unchanged<IndexError>(
      [&] {
        scatter_add(a, 1, tensor(std::vector<double>{double(kMin)}, {1, 1}, kInt64),
                    ones({1, 1}, kFloat64));
      },
      "scatter_add", {"[2, 3]"}, {a});
  check_raises<DtypeError>([&] { a.index_select(0, tensor({0.0})); }, "index_select", {"float32"});
  check_raises<DtypeError>([&] { a.masked_fill(ones({2, 3}), 0); }, "masked_fill", {"float32"});
}

TEST_CASE("views: shapes that do not fit raise ShapeError naming the view and both shapes",
          "[bad_input]") {
  const Tensor a = leaf_with_grad();
  check_raises_unchanged<ShapeError>(
      [&] {
        a.reshape({4, 2});
      },
      "reshape", {"[4, 2]", "[2, 3]"}, {a});
  check_raises_unchanged<ShapeError>([&] { a.view({-1, -1}); }, "view", {"[-1, -1]"}, {a});
  check_raises_unchanged<ShapeError>([&] { a.t().view({6}); }, "view", {"[6]", "reshape"}, {a});
  check_raises_unchanged<ShapeError>(
      [&] {
        a.expand({4, 3});
      },
      "expand", {"[2, 3]", "[4, 3]"}, {a});
  check_raises_unchanged<ShapeError>([&] { a.expand_as(ones({3})); }, "expand_as", {"[3]"}, {a});
  check_raises_unchanged<ShapeError>(
      [&] {
        broadcast_to(a, Dims{3, 3});
      },
      "broadcast_to", {"[3, 3]"}, {a});
  check_raises_unchanged<ShapeError>([&] { a.permute({0, 0}); }, "permute", {"repeated"}, {a});
  check_raises<ShapeError>([&] { ones({2, 2, 2}).t(); }, "t", {"[2, 2, 2]"});
  check_raises<ShapeError>([&] { ones({2}).mT(); }, "mT", {"[2]"});
  check_raises<ShapeError>([&] { ones({2}).triu(); }, "triu", {"[2]"});
  check_raises<ShapeError>([&] { ones({2}).diagonal(); }, "diagonal", {"[2]"});
  check_raises<ShapeError>([&] { cat({a, ones({2, 2, 1})}, 0); }, "cat", {"[2, 3]"});
  check_raises<ShapeError>([&] { stack({a, ones({3, 2})}, 0); }, "stack", {"[2, 3]", "[3, 2]"});
  check_raises<ShapeError>([&] { matmul(a, a); }, "matmul", {"[2, 3]"});
  check_raises<ShapeError>([&] { outer(a, a); }, "outer", {"[2, 3]"});
}

TEST_CASE("views: reshape and expand to a size that overflows int64 raise", "[bad_input]") {
  const Tensor one = ones({1, 1});
  // Before, 2^32 * 2^32 wrapped to 0 and reshape/expand checked against a garbage count.
  check_raises_unchanged<ShapeError>(
      [&] {
        one.reshape({k2e32, k2e32});
      },
      "reshape", {"[4294967296, 4294967296]"}, {one});
  check_raises_unchanged<ShapeError>(
      [&] {
        one.view({k2e32, k2e32, -1});
      },
      "view", {"[4294967296, 4294967296, -1]"}, {one});
  check_raises_unchanged<ShapeError>(
      [&] {
        one.expand({k2e32, k2e32});
      },
      "expand", {"[4294967296, 4294967296]", "overflows"}, {one});
  check_raises<ShapeError>(
      [&] {
        ones({0}).reshape({0, k2e62, k2e62});
      },
      "reshape", {"[0, 4611686018427387904, 4611686018427387904]"});
  // Large but representable: fine.
  const Tensor wide = one.expand({k2e32, k2e32 / 4});
  CHECK(wide.numel() == k2e32 * (k2e32 / 4));
  CHECK(wide.strides() == Dims{0, 0});
}

TEST_CASE("views: narrow with a length near INT64_MAX raises instead of overflowing",
          "[bad_input]") {
  const Tensor a = arange(0, 4);
  check_raises_unchanged<IndexError>([&] { a.narrow(0, 1, kMax); }, "narrow",
                                     {"9223372036854775807", "[4]"}, {a});
  check_raises_unchanged<IndexError>([&] { a.narrow(0, kMin, 1); }, "narrow", {"[4]"}, {a});
  check_raises_unchanged<IndexError>([&] { a.narrow(0, kMax, 1); }, "narrow", {"[4]"}, {a});
  CHECK(a.narrow(0, -2, 2).tolist() == std::vector<double>{2, 3});
}

TEST_CASE("views: slices with huge steps or bounds select by Python's rules without overflow",
          "[bad_input]") {
  const Tensor a = arange(0, 16).reshape({4, 4});
  // step INT64_MAX or 2^62 from 1: one element (PyTorch 1.13 raises or wraps a stride to 0).
  const Tensor s1 = slice(a, 0, 1, kMax, kMax);
  CHECK(s1.sizes() == Dims{1, 4});
  CHECK(s1.tolist() == std::vector<double>{4, 5, 6, 7});
  const Tensor s2 = slice(a, 1, 1, kMax, k2e62);
  CHECK(s2.sizes() == Dims{4, 1});
  CHECK(s2.tolist() == std::vector<double>{1, 5, 9, 13});
  CHECK(a.index({Slice(kMin, kMax, k2e62), 0}).tolist() == std::vector<double>{0});
  CHECK(slice(a, 0, kMin, kMin).numel() == 0);
  check_raises<ValueError>([&] { slice(a, 0, 0, 4, 0); }, "slice", {"step"});
  check_raises<IndexError>([&] { a.index({Slice(0, 4, kMin)}); }, "index", {"step"});
  // Their gradients flow back through the same arithmetic.
  Tensor x = ones({4, 4}, kFloat64).requires_grad_();
  slice(x, 1, 1, kMax, kMax).sum().backward();
  CHECK(x.grad().sum().item<double>() == 4.0);
}

TEST_CASE("views: diagonal offsets at the int64 limits give an empty diagonal", "[bad_input]") {
  const Tensor a = ones({3, 3});
  CHECK(a.diagonal(kMax).numel() == 0);
  CHECK(a.diagonal(kMin).numel() == 0);
  CHECK(a.triu(kMin).sum().item<float>() == 9.0f);
  CHECK(a.tril(kMin).sum().item<float>() == 0.0f);
}
