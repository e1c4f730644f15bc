// arange with integer arguments and tensor() of integer literals give Int64 (bool literals:
// Bool), as in PyTorch, while the double signatures keep giving Float32; randperm.
#include <algorithm>
#include <limits>

#include "engine/engine_test_util.hpp"

using namespace paragrad;

TEST_CASE("arange with integer arguments gives int64, with doubles float32", "[creation][dtype]") {
  CHECK(arange(12).dtype() == kInt64);
  CHECK(arange(12).tolist() == arange(0.0, 12.0).tolist());
  CHECK(arange(2, 5).tolist() == std::vector<double>{2, 3, 4});
  CHECK(arange(int64_t(9), 0, -3).tolist() == std::vector<double>{9, 6, 3});
  CHECK(arange(0, 10, 4).dtype() == kInt64);
  CHECK(arange(size_t(3)).dtype() == kInt64);
  CHECK(arange(5.0).dtype() == kFloat32);
  CHECK(arange(0, 2.5).dtype() == kFloat32);  // mixed: the double signature
  CHECK(arange(0, 5, 1, kFloat64).dtype() == kFloat64);
  CHECK(arange(4, kFloat64).tolist() == std::vector<double>{0, 1, 2, 3});
  CHECK(arange(3, 3).numel() == 0);
  CHECK(arange(3, 0).numel() == 0);
  const int64_t big = std::numeric_limits<int64_t>::max();
  Tensor top = arange(big - 2, big);
  CHECK(top.index({1}).item<int64_t>() == big - 1);  // exact beyond 2^53
  CHECK(arange(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::min() + 2)
            .numel() == 2);
}

TEST_CASE("tensor of integer literals gives int64, of bools gives bool", "[creation][dtype]") {
  CHECK(tensor({1, 2, 3}).dtype() == kInt64);
  CHECK(tensor({{1, 2}, {3, 4}}).dtype() == kInt64);
  CHECK(tensor({true, false}).dtype() == kBool);
  CHECK(tensor({1.0, 2.0}).dtype() == kFloat32);
  CHECK(tensor({1, 2.5}).dtype() == kFloat32);  // mixed literals: the double signature
  CHECK(tensor({1, 0, 1}, kBool).tolist() == std::vector<double>{1, 0, 1});
  CHECK(tensor({1, 2}, kFloat64).dtype() == kFloat64);
  const int64_t big = (int64_t(1) << 62) + 1;
  CHECK(tensor({big}).item<int64_t>() == big);
  REQUIRE_THROWS_WITH(tensor({{1, 2}, {3}}), Catch::StartsWith("tensor: ragged rows"));
}

TEST_CASE("arange with integer arguments raises on a zero step and on huge ranges",
          "[creation][errors]") {
  REQUIRE_THROWS_WITH(arange(0, 5, 0), Catch::StartsWith("arange: step must be non-zero"));
  REQUIRE_THROWS_WITH(
      arange(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()),
      Catch::StartsWith("arange: range") && Catch::Contains("is too long"));
}

TEST_CASE("randperm is a seeded permutation of 0..n-1", "[creation][random]") {
  manual_seed(3);
  Tensor p = randperm(50);
  CHECK(p.dtype() == kInt64);
  std::vector<double> v = p.tolist();
  std::sort(v.begin(), v.end());
  CHECK(v == arange(50).tolist());
  manual_seed(3);
  CHECK(equal(randperm(50), p));
  CHECK(!equal(randperm(50), p));
  CHECK(randperm(0).numel() == 0);
  CHECK(randperm(5, kFloat64).dtype() == kFloat64);
  REQUIRE_THROWS_WITH(randperm(-1), Catch::StartsWith("randperm: n must be non-negative"));
  REQUIRE_THROWS_WITH(randperm(3, kBool), Catch::StartsWith("randperm: not supported for bool"));
}

TEST_CASE("randperm shuffles uniformly", "[creation][random]") {
  // Each of the 6 permutations of 3 elements comes up about 1/6 of the time.
  manual_seed(11);
  std::vector<int> counts(6, 0);
  for (int t = 0; t < 6000; ++t) {
    const std::vector<double> v = randperm(3).tolist();
    counts[size_t(v[0] * 2 + (v[1] > v[2] ? 1 : 0))]++;
  }
  for (int c : counts) CHECK((c > 850 && c < 1150));
}
