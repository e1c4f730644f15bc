// sort, argsort, topk, median: PyTorch's values and indices (NaN largest, stable ties,
// integer and bool inputs, 0-d and empty), gradients routed to the selected elements,
// gradcheck to second order, errors.
#include <cmath>

#include "engine/engine_test_util.hpp"
#include "engine/oracle/sorting.hpp"

using namespace paragrad;
using namespace paragrad::ops_oracle;
using paragrad::test::gradcheck2;
using paragrad::test::leaf;

namespace {
TensorList pair(const std::tuple<Tensor, Tensor>& t) { return {std::get<0>(t), std::get<1>(t)}; }
}  // namespace

TEST_CASE("sort, argsort, topk and median match PyTorch, NaN sorting as the largest value",
          "[sort][oracle]") {
  OpTable ops{
      {"sort", [](const TensorList& in,
                  const std::vector<double>& a) { return pair(in[0].sort(I(a[0]), B(a[1]))); }},
      {"argsort",
       [](const TensorList& in, const std::vector<double>& a) {
         return TensorList{in[0].argsort(I(a[0]), B(a[1]))};
       }},
      {"topk",
       [](const TensorList& in, const std::vector<double>& a) {
         return pair(in[0].topk(I(a[0]), I(a[1]), B(a[2])));
       }},
      {"median", [](const TensorList& in,
                    const std::vector<double>& a) { return pair(in[0].median(I(a[0]), B(a[1]))); }},
      {"median_all",
       [](const TensorList& in, const std::vector<double>&) { return TensorList{in[0].median()}; }},
  };
  replay(sorting_cases, ops);
}

TEST_CASE("sort is stable: equal elements keep their order, ascending and descending", "[sort]") {
  Tensor x = tensor({1, 0, 1, 0, 1, 0, 1, 1, 0, 0});
  auto [v, i] = x.sort(0, false, /*stable=*/true);
  CHECK(i.tolist() == std::vector<double>{1, 3, 5, 8, 9, 0, 2, 4, 6, 7});
  auto [vd, id] = x.sort(0, true);
  CHECK(id.tolist() == std::vector<double>{0, 2, 4, 6, 7, 1, 3, 5, 8, 9});
  CHECK(x.argsort().tolist() == i.tolist());
}

TEST_CASE("topk picks the lower index among equal values and allows k = 0", "[sort]") {
  Tensor x = tensor({2.0, 3.0, 3.0, 1.0});
  auto [v, i] = x.topk(1);
  CHECK(i.item<int64_t>() == 1);
  auto [v0, i0] = x.topk(0);
  CHECK(v0.shape() == Shape{0});
  CHECK(i0.dtype() == kInt64);
  auto [vs, is] = x.topk(2, 0, false, /*sorted=*/false);
  CHECK(vs.tolist() == std::vector<double>{1, 2});
}

TEST_CASE("sort, topk and median route the gradient to the selected elements", "[sort]") {
  Tensor x = leaf({3, 5});
  CHECK(gradcheck2([](const TensorList& in) { return std::get<0>(in[0].sort(1)); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return std::get<0>(in[0].sort(0, true)); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return std::get<0>(in[0].topk(2, 1)); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return std::get<0>(in[0].topk(2, 0, false)); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return std::get<0>(in[0].median(1)); }, {x}));
  CHECK(
      gradcheck2([](const TensorList& in) { return std::get<0>(in[0].t().median(0, true)); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].median(); }, {x}));
  Tensor t = tensor({2.0, 3.0, 1.0, 5.0}, kFloat64).requires_grad_();
  CHECK(autograd::grad({std::get<0>(t.topk(2)).sum()}, {t})[0].tolist() ==
        std::vector<double>{0, 1, 0, 1});
  CHECK(autograd::grad({std::get<0>(t.median(0))}, {t})[0].tolist() ==
        std::vector<double>{1, 0, 0, 0});
}

TEST_CASE("median of all elements splits the gradient among equal medians, as PyTorch", "[sort]") {
  Tensor x = tensor({2.0, 1.0, 2.0, 1.0, 3.0}, kFloat64).requires_grad_();
  CHECK(x.median().item<double>() == 2.0);
  CHECK(autograd::grad({x.median()}, {x})[0].tolist() == std::vector<double>{0.5, 0, 0.5, 0, 0});
  auto [v, i] = tensor({2.0, 1.0, 2.0, 1.0}).median(0);  // lower median, stable position
  CHECK(v.item<float>() == 1.0f);
  CHECK(i.item<int64_t>() == 3);
}

TEST_CASE("sort and median of 0-d and empty tensors", "[sort][edge]") {
  auto [v, i] = scalar(2.5).sort();
  CHECK(v.dim() == 0);
  CHECK(i.item<int64_t>() == 0);
  CHECK(std::get<0>(zeros({0, 3}).sort(0)).shape() == Shape{0, 3});
  CHECK(std::isnan(zeros({0}).median().item<float>()));
  CHECK(std::get<0>(zeros({3, 0}).median(0)).shape() == Shape{0});
}

TEST_CASE("sort, topk and median raise on bad arguments naming the op", "[sort][errors]") {
  Tensor x = zeros({2, 3});
  REQUIRE_THROWS_WITH(x.topk(4),
                      Catch::StartsWith("topk: k (4) is out of range for dimension 1 of size 3") &&
                          Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_AS(x.topk(-1), IndexError);
  REQUIRE_THROWS_WITH(x.sort(2), Catch::StartsWith("sort: dimension 2 out of range"));
  REQUIRE_THROWS_WITH(x.argsort(-3), Catch::StartsWith("argsort: dimension -3"));
  REQUIRE_THROWS_WITH(zeros({0, 2}).median(0),
                      Catch::StartsWith("median: cannot reduce over dimension 0 of size 0"));
  REQUIRE_THROWS_WITH(tensor({true}).topk(1), Catch::StartsWith("topk: not supported for bool"));
  REQUIRE_THROWS_WITH(tensor({true}).median(), Catch::StartsWith("median: not supported for bool"));
  REQUIRE_THROWS_WITH(zeros({0}, kInt64).median(),
                      Catch::StartsWith("median: the median of an empty int64 tensor"));
}
