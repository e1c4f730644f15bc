// Elementwise ops: values, broadcasting, and first and second order gradients (gradcheck in
// float64) on contiguous, transposed, sliced and expanded inputs.
#include <cmath>

#include "engine/engine_test_util.hpp"

using namespace paragrad;
using paragrad::test::gradcheck2;
using paragrad::test::leaf;
using paragrad::test::positive_leaf;

namespace {
using Unary = std::function<Tensor(const Tensor&)>;

// Checks a unary op on a contiguous input, a transposed view and a strided slice.
void check_unary(const Unary& op, bool positive) {
  Tensor x = positive ? positive_leaf({3, 4}) : leaf({3, 4});
  CHECK(gradcheck2([&](const TensorList& in) { return op(in[0]); }, {x}));
  CHECK(gradcheck2([&](const TensorList& in) { return op(in[0].t()); }, {x}));
  CHECK(gradcheck2(
      [&](const TensorList& in) {
        return op(in[0].index({Slice(), Slice(0, 4, 2)}));
      },
      {x}));
  // A transposed leaf: the input itself is non-contiguous.
  Tensor xt = positive ? positive_leaf({4, 3}, 7) : leaf({4, 3}, 7);
  Tensor view = xt.detach().t();
  view.requires_grad_();
  CHECK(!view.is_contiguous());
  CHECK(gradcheck2([&](const TensorList& in) { return op(in[0]); }, {view}));
}
}  // namespace

TEST_CASE("smooth unary ops pass first and second order gradcheck", "[elementwise]") {
  check_unary([](const Tensor& x) { return x.exp(); }, false);
  check_unary([](const Tensor& x) { return x.expm1(); }, false);
  check_unary([](const Tensor& x) { return x.log(); }, true);
  check_unary([](const Tensor& x) { return x.log1p(); }, true);
  check_unary([](const Tensor& x) { return x.sqrt(); }, true);
  check_unary([](const Tensor& x) { return x.rsqrt(); }, true);
  check_unary([](const Tensor& x) { return x.sin(); }, false);
  check_unary([](const Tensor& x) { return x.cos(); }, false);
  check_unary([](const Tensor& x) { return x.tanh(); }, false);
  check_unary([](const Tensor& x) { return x.sigmoid(); }, false);
  check_unary([](const Tensor& x) { return x.softplus(); }, false);
  check_unary([](const Tensor& x) { return x.neg(); }, false);
  check_unary([](const Tensor& x) { return -x; }, false);
  check_unary([](const Tensor& x) { return x.square(); }, false);
  check_unary([](const Tensor& x) { return x.reciprocal(); }, true);
}

TEST_CASE("pow with a double exponent passes gradcheck for integer and fractional powers",
          "[elementwise]") {
  check_unary([](const Tensor& x) { return x.pow(3.0); }, false);
  check_unary([](const Tensor& x) { return x.pow(2.0); }, false);
  check_unary([](const Tensor& x) { return x.pow(0.5); }, true);
  check_unary([](const Tensor& x) { return x.pow(-1.5); }, true);
  check_unary([](const Tensor& x) { return x.pow(0.0); }, false);
}

// Exponents 1, 2 and 3 take the product path (as PyTorch's kernel); it keeps std::pow's values,
// special values and dtypes (values taken from std::pow / exact integer powers).
TEST_CASE("pow with exponent 1, 2 or 3 equals repeated multiplication", "[elementwise]") {
  const Tensor f = tensor({-2.5, -0.0, 0.0, 1.5, INFINITY, -INFINITY, NAN});
  const Tensor f2 = f.pow(2.0), f3 = f.pow(3.0), f1 = f.pow(1.0);
  CHECK(f2.dtype() == kFloat32);
  for (int64_t i = 0; i < f.numel(); ++i) {
    const float x = f.data_ptr<float>()[i];
    for (const auto& [p, out] : {std::pair{1.0f, f1}, std::pair{2.0f, f2}, std::pair{3.0f, f3}}) {
      const float expected = std::pow(x, p), got = out.data_ptr<float>()[i];
      INFO("x = " << x << ", p = " << p);
      CHECK((std::isnan(expected) ? std::isnan(got) : got == expected));
      CHECK(std::signbit(got) == std::signbit(expected));
    }
  }
  const Tensor i = tensor({-3.0, 0.0, 7.0}).to(kInt64);
  CHECK(i.pow(2.0).dtype() == kInt64);
  CHECK(i.pow(3.0).data_ptr<int64_t>()[0] == -27);
  CHECK(i.pow(2.0).data_ptr<int64_t>()[2] == 49);
}

TEST_CASE("non-smooth unary ops pass gradcheck away from their kinks", "[elementwise]") {
  // values in [0.5, 2) and their negatives: no element near 0 or the clamp bounds
  Tensor p = positive_leaf({3, 4});
  Tensor sign = tensor({{1, -1, 1, -1}, {-1, 1, -1, 1}, {1, 1, -1, -1}}, kFloat64);
  Tensor x = (p * sign).detach();
  x.requires_grad_();
  CHECK(gradcheck2([](const TensorList& in) { return in[0].abs(); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].relu(); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].sign(); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].clamp(-0.3, 0.3); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].clamp(-5.0, 5.0); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].clamp_min(0.2); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].clamp_max(0.2); }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0].t().abs() * in[0].t(); }, {x}));
}

TEST_CASE("clamp passes the gradient at its bounds like PyTorch", "[elementwise]") {
  // PyTorch: grad * (x >= min & x <= max), so an element exactly at a bound gets gradient 1.
  Tensor x = tensor({-2.0, -1.0, 0.0, 1.0, 2.0}, kFloat64).requires_grad_();
  Tensor y = x.clamp(-1.0, 1.0);
  CHECK(y.tolist() == std::vector<double>{-1, -1, 0, 1, 1});
  y.sum().backward();
  CHECK(x.grad().tolist() == std::vector<double>{0, 1, 1, 1, 0});
}

TEST_CASE("clamp with min greater than max sets every element to max, as PyTorch",
          "[elementwise]") {
  // torch.clamp is min(max(x, min), max): with min > max every element is max and no element
  // is inside [min, max], so no gradient passes.
  Tensor x = tensor({-1.0, 0.5, 2.0}, kFloat64).requires_grad_();
  Tensor y = x.clamp(1.0, 0.0);
  CHECK(y.tolist() == std::vector<double>{0, 0, 0});
  y.sum().backward();
  CHECK(x.grad().tolist() == std::vector<double>{0, 0, 0});
  CHECK(tensor({5, -5}, kInt64).clamp(3, 1).tolist() == std::vector<double>{1, 1});
}

TEST_CASE("clamp of an int64 tensor takes the bounds' type, as torch.result_type",
          "[elementwise][dtype]") {
  Tensor i = tensor({1, 2, 3}, kInt64);
  CHECK(i.clamp(0.5, 2.5).dtype() == kFloat32);
  CHECK(i.clamp(0.5, 2.5).tolist() == std::vector<double>{1, 2, 2.5});
  CHECK(i.clamp(0, 2).dtype() == kInt64);
  CHECK(i.clamp_min(1.5).dtype() == kFloat32);
  CHECK(i.clamp_max(2).dtype() == kInt64);
  CHECK(tensor({1, 0}, kBool).clamp(0, 1).dtype() == kInt64);
  CHECK(ones({2}, kFloat64).clamp(0.5, 0.75).dtype() == kFloat64);
}

TEST_CASE("relu and abs have PyTorch's subgradient 0 at 0", "[elementwise]") {
  Tensor x = tensor({0.0, 0.0}, kFloat64).requires_grad_();
  (x.relu() + x.abs()).sum().backward();
  CHECK(x.grad().tolist() == std::vector<double>{0, 0});
}

TEST_CASE("binary arithmetic passes gradcheck on equal shapes", "[elementwise]") {
  Tensor a = leaf({3, 4}, 1), b = positive_leaf({3, 4}, 2);
  CHECK(gradcheck2([](const TensorList& in) { return in[0] + in[1]; }, {a, b}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0] - in[1]; }, {a, b}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0] * in[1]; }, {a, b}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0] / in[1]; }, {a, b}));
  CHECK(gradcheck2([](const TensorList& in) { return atan2(in[0], in[1]); }, {a, b}));
  CHECK(gradcheck2([](const TensorList& in) { return in[1].pow(in[0]); }, {a, b}));
}

TEST_CASE("binary arithmetic reduces broadcast gradients to each input's shape",
          "[elementwise][broadcast]") {
  Tensor a = leaf({3, 1, 4}, 1), b = positive_leaf({5, 1}, 2), c = leaf({4}, 3);
  CHECK(gradcheck2([](const TensorList& in) { return in[0] + in[1]; }, {a, b}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0] - in[1]; }, {a, b}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0] * in[1]; }, {a, b}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0] / in[1]; }, {a, b}));
  CHECK(gradcheck2([](const TensorList& in) { return in[1] / in[0]; }, {c, b}));
  Tensor out = a * b;
  CHECK(out.shape() == Shape{3, 5, 4});
  out.sum().backward();
  CHECK(a.grad().shape() == Shape{3, 1, 4});
  CHECK(b.grad().shape() == Shape{5, 1});
}

TEST_CASE("atan2 and pow pass second order gradcheck on broadcast shapes",
          "[elementwise][broadcast]") {
  // Fails through the engine's gradient accumulation bug (see test_autograd.cpp, "a
  // broadcast gradient and a plain gradient for the same input add up correctly"): their
  // double backward sends an input one broadcast and one reduced gradient.
  Tensor a = leaf({3, 1, 4}, 1), b = positive_leaf({5, 1}, 2);
  CHECK(gradcheck2([](const TensorList& in) { return atan2(in[0], in[1]); }, {a, b}));
  CHECK(gradcheck2([](const TensorList& in) { return in[1].pow(in[0]); }, {a, b}));
}

TEST_CASE("binary arithmetic with a 0-d tensor broadcasts and sums its gradient",
          "[elementwise][broadcast]") {
  Tensor a = leaf({2, 3}, 1), s = leaf({}, 2);
  CHECK(gradcheck2([](const TensorList& in) { return in[0] * in[1]; }, {a, s}));
  CHECK(gradcheck2([](const TensorList& in) { return in[1] - in[0]; }, {a, s}));
}

TEST_CASE("binary arithmetic on transposed, sliced and expanded operands", "[elementwise]") {
  Tensor a = leaf({4, 3}, 1), b = positive_leaf({3, 8}, 2), v = leaf({1, 4}, 3);
  auto f = [](const TensorList& in) {
    Tensor at = in[0].t();                                  // [3, 4], transposed
    Tensor bs = in[1].index({Slice(), Slice(1, None, 2)});  // [3, 4], stride 2
    Tensor ve = in[2].expand({3, 4});                       // [3, 4], stride 0
    return at * bs + ve / bs - at.exp() * ve;
  };
  CHECK(gradcheck2(f, {a, b, v}));
}

TEST_CASE("scalar arithmetic on both sides passes gradcheck", "[elementwise]") {
  Tensor x = positive_leaf({2, 3});
  CHECK(gradcheck2([](const TensorList& in) { return in[0] + 2.5; }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return 2.5 + in[0]; }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0] - 2.5; }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return 2.5 - in[0]; }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0] * 2.5; }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return 2.5 * in[0]; }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return in[0] / 2.5; }, {x}));
  CHECK(gradcheck2([](const TensorList& in) { return 2.5 / in[0]; }, {x}));
}

TEST_CASE("scalar arithmetic computes the right values", "[elementwise]") {
  Tensor x = tensor({1.0, 2.0, 4.0});
  CHECK((x + 1.0).tolist() == std::vector<double>{2, 3, 5});
  CHECK((1.0 - x).tolist() == std::vector<double>{0, -1, -3});
  CHECK((x * 2.0).tolist() == std::vector<double>{2, 4, 8});
  CHECK((x / 2.0).tolist() == std::vector<double>{0.5, 1, 2});
  CHECK((2.0 / x).tolist() == std::vector<double>{2, 1, 0.5});
}

TEST_CASE("maximum and minimum route the gradient and split ties evenly", "[elementwise]") {
  Tensor a = leaf({3, 4}, 1), b = leaf({4}, 2);
  CHECK(gradcheck2([](const TensorList& in) { return maximum(in[0], in[1]); }, {a, b}));
  CHECK(gradcheck2([](const TensorList& in) { return minimum(in[0], in[1]); }, {a, b}));
  Tensor x = tensor({1.0, 2.0, 3.0}, kFloat64).requires_grad_();
  Tensor y = tensor({1.0, 1.0, 4.0}, kFloat64).requires_grad_();
  maximum(x, y).sum().backward();
  CHECK(x.grad().tolist() == std::vector<double>{0.5, 1, 0});
  CHECK(y.grad().tolist() == std::vector<double>{0.5, 0, 1});
}

TEST_CASE("elementwise math matches known values", "[elementwise]") {
  // Values from PyTorch 1.13 (scripts/oracle/engine_oracle.py), compared in float64.
  Tensor x = tensor({-1.5, -0.25, 0.0, 0.75, 2.0}, kFloat64);
  CHECK(allclose(
      x.sigmoid(),
      tensor({0.18242552380635635, 0.43782349911420193, 0.5, 0.679178699175393, 0.8807970779778823},
             kFloat64),
      1e-12, 1e-12));
  CHECK(allclose(x.softplus(),
                 tensor({0.2014132779827524, 0.5759394198788436, 0.6931471805599453,
                         1.1368710061148999, 2.1269280110429727},
                        kFloat64),
                 1e-12, 1e-12));
  CHECK(allclose(x.tanh(),
                 tensor({-0.9051482536448664, -0.24491866240370913, 0.0, 0.6351489523872873,
                         0.9640275800758169},
                        kFloat64),
                 1e-12, 1e-12));
  CHECK(allclose(atan2(tensor({1.0, -1.0}, kFloat64), tensor({-1.0, -1.0}, kFloat64)),
                 tensor({2.356194490192345, -2.356194490192345}, kFloat64), 1e-12, 1e-12));
}

TEST_CASE("sigmoid and softplus do not overflow for large inputs", "[elementwise]") {
  Tensor x = tensor({-1000.0, 1000.0});
  CHECK(x.sigmoid().tolist() == std::vector<double>{0.0, 1.0});
  CHECK(x.softplus().tolist() == std::vector<double>{0.0, 1000.0});
}

TEST_CASE("elementwise ops accept 0-d and zero-size tensors", "[elementwise][edge]") {
  Tensor s = scalar(2.0);
  CHECK(s.exp().dim() == 0);
  CHECK(s.exp().item<float>() == Approx(std::exp(2.0)));
  Tensor e = zeros({0, 3});
  CHECK((e + 1.0).shape() == Shape{0, 3});
  CHECK((e * ones({1, 3})).shape() == Shape{0, 3});
  CHECK(e.exp().numel() == 0);
  Tensor z = zeros({0, 3}, kFloat64).requires_grad_();
  (z * 2.0).sum().backward();
  CHECK(z.grad().shape() == Shape{0, 3});
}

TEST_CASE("incompatible broadcast shapes raise naming both shapes", "[elementwise][errors]") {
  REQUIRE_THROWS_WITH(ones({2, 3}) + ones({4}),
                      Catch::Contains("[2, 3]") && Catch::Contains("[4]"));
  REQUIRE_THROWS_AS(ones({2, 3}) * ones({3, 2}), ShapeError);
}

TEST_CASE("arithmetic-only ops reject bool tensors with the op name", "[elementwise][errors]") {
  Tensor b = ones({2}, kBool);
  CHECK(b.exp().dtype() == kFloat32);  // as torch.exp(bool_tensor)
  REQUIRE_THROWS_WITH(b.relu(), Catch::Contains("relu") && Catch::Contains("bool"));
  REQUIRE_THROWS_WITH(b.neg(), Catch::Contains("neg") && Catch::Contains("bool"));
  REQUIRE_THROWS_WITH(b.abs(), Catch::Contains("abs"));
}

TEST_CASE("float32 tanh (vectorized) matches float64 tanh to 1e-6, keeps NaN and saturates",
          "[elementwise]") {
  const int64_t n = 2001;
  Tensor x64 = linspace(-12.0, 12.0, n, kFloat64);
  Tensor x32 = x64.to(kFloat32);
  Tensor ref = x32.to(kFloat64).tanh();
  const double* r = ref.data_ptr<double>();
  for (const Tensor& y : {x32.tanh(), x32.reshape({3, 667}).t().contiguous().t().tanh()}) {
    Tensor flat = y.contiguous().reshape({n});
    const float* p = flat.data_ptr<float>();
    double worst = 0;
    for (int64_t i = 0; i < n; ++i) worst = std::max(worst, std::abs(double(p[i]) - r[i]));
    CHECK(worst <= 1e-6);
  }
  Tensor special = tensor({NAN, INFINITY, -INFINITY, -0.0, 1e-30}, kFloat32).tanh();
  const float* s = special.data_ptr<float>();
  CHECK(std::isnan(s[0]));
  CHECK(s[1] == 1.0f);
  CHECK(s[2] == -1.0f);
  CHECK(s[3] == 0.0f);
  CHECK(std::signbit(s[3]));
  CHECK(s[4] == 1e-30f);
}
