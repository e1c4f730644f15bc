#pragma once
// check_values(t, want): t is defined and holds `want`, flattened row-major, each element within
// 1e-14 (the elementwise tests that work their expected values out with <cmath>).
#include <vector>

#include <catch2/catch.hpp>

#include <paragrad/engine/engine.hpp>

inline void check_values(const paragrad::Tensor& t, const std::vector<double>& want) {
  REQUIRE(t.defined());
  const std::vector<double> got = t.tolist();
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) CHECK(got[i] == Approx(want[i]).margin(1e-14));
}
