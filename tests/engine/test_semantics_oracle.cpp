// The engine against PyTorch 1.13, case by case (scripts/oracle/semantics_oracle.py): the result
// dtype (torch.result_type, 0-d and scalar rules), the values, whether PyTorch raises, and the
// gradient, for every unary, binary, tensor-with-double and reduction op over every dtype, 0-d,
// zero-size and NaN/inf inputs.
#include "engine/semantics_oracle.hpp"

#include "engine/engine_test_util.hpp"

using namespace paragrad;
using oracle::Op;

namespace {

template <class F>
Op unary(F f) {
  return [f](const TensorList& in) { return f(in[0]); };
}
template <class F>
Op binary(F f) {
  return [f](const TensorList& in) { return f(in[0], in[1]); };
}

const std::map<std::string, Op>& unary_ops() {
  static const std::map<std::string, Op> ops{
      {"exp", unary([](const Tensor& x) { return x.exp(); })},
      {"log", unary([](const Tensor& x) { return x.log(); })},
      {"sqrt", unary([](const Tensor& x) { return x.sqrt(); })},
      {"rsqrt", unary([](const Tensor& x) { return x.rsqrt(); })},
      {"abs", unary([](const Tensor& x) { return x.abs(); })},
      {"sign", unary([](const Tensor& x) { return x.sign(); })},
      {"sin", unary([](const Tensor& x) { return x.sin(); })},
      {"cos", unary([](const Tensor& x) { return x.cos(); })},
      {"tanh", unary([](const Tensor& x) { return x.tanh(); })},
      {"sigmoid", unary([](const Tensor& x) { return x.sigmoid(); })},
      {"relu", unary([](const Tensor& x) { return x.relu(); })},
      {"neg", unary([](const Tensor& x) { return x.neg(); })},
      {"square", unary([](const Tensor& x) { return x.square(); })},
      {"reciprocal", unary([](const Tensor& x) { return x.reciprocal(); })},
      {"log1p", unary([](const Tensor& x) { return x.log1p(); })},
      {"expm1", unary([](const Tensor& x) { return x.expm1(); })},
      {"softplus", unary([](const Tensor& x) { return x.softplus(); })},
      {"logical_not", unary([](const Tensor& x) { return x.logical_not(); })},
      {"isnan", unary([](const Tensor& x) { return x.isnan(); })},
      {"isfinite", unary([](const Tensor& x) { return x.isfinite(); })},
  };
  return ops;
}

const std::map<std::string, Op>& binary_ops() {
  static const std::map<std::string, Op> ops{
      {"add", binary([](const Tensor& a, const Tensor& b) { return a + b; })},
      {"sub", binary([](const Tensor& a, const Tensor& b) { return a - b; })},
      {"mul", binary([](const Tensor& a, const Tensor& b) { return a * b; })},
      {"div", binary([](const Tensor& a, const Tensor& b) { return a / b; })},
      {"maximum", binary([](const Tensor& a, const Tensor& b) { return maximum(a, b); })},
      {"minimum", binary([](const Tensor& a, const Tensor& b) { return minimum(a, b); })},
      {"atan2", binary([](const Tensor& a, const Tensor& b) { return atan2(a, b); })},
      {"pow", binary([](const Tensor& a, const Tensor& b) { return a.pow(b); })},
      {"lt", binary([](const Tensor& a, const Tensor& b) { return a < b; })},
      {"le", binary([](const Tensor& a, const Tensor& b) { return a <= b; })},
      {"gt", binary([](const Tensor& a, const Tensor& b) { return a > b; })},
      {"ge", binary([](const Tensor& a, const Tensor& b) { return a >= b; })},
      {"eq", binary([](const Tensor& a, const Tensor& b) { return a == b; })},
      {"ne", binary([](const Tensor& a, const Tensor& b) { return a != b; })},
      {"logical_and", binary([](const Tensor& a, const Tensor& b) { return a && b; })},
      {"logical_or", binary([](const Tensor& a, const Tensor& b) { return a || b; })},
      {"where", binary([](const Tensor& a, const Tensor& b) {
         return where(oracle::make_input("b8:3:a"), a, b);
       })},
      {"cat", binary([](const Tensor& a, const Tensor& b) {
         return cat({a, b}, 0);
       })},
      {"matmul", binary([](const Tensor& a, const Tensor& b) { return matmul(a, b); })},
  };
  return ops;
}

const std::map<std::string, Op>& scalar_ops() {
  static const std::map<std::string, Op> ops{
      {"add_2", unary([](const Tensor& a) { return a + 2.0; })},
      {"add_2.5", unary([](const Tensor& a) { return a + 2.5; })},
      {"sub_2", unary([](const Tensor& a) { return a - 2.0; })},
      {"rsub_2.5", unary([](const Tensor& a) { return 2.5 - a; })},
      {"mul_3", unary([](const Tensor& a) { return a * 3.0; })},
      {"mul_0.5", unary([](const Tensor& a) { return a * 0.5; })},
      {"div_2", unary([](const Tensor& a) { return a / 2.0; })},
      {"rdiv_2", unary([](const Tensor& a) { return 2.0 / a; })},
      {"mul_1e20", unary([](const Tensor& a) { return a * 1e20; })},
      {"pow_2", unary([](const Tensor& a) { return a.pow(2.0); })},
      {"pow_0", unary([](const Tensor& a) { return a.pow(0.0); })},
      {"pow_2.5", unary([](const Tensor& a) { return a.pow(2.5); })},
      {"pow_-1", unary([](const Tensor& a) { return a.pow(-1.0); })},
      {"pow_-0.5", unary([](const Tensor& a) { return a.pow(-0.5); })},
      {"clamp_0.5_2.5", unary([](const Tensor& a) { return a.clamp(0.5, 2.5); })},
      {"clamp_0_2", unary([](const Tensor& a) { return a.clamp(0, 2); })},
      {"clamp_2_-1", unary([](const Tensor& a) { return a.clamp(2, -1); })},
      {"clamp_min_0.25", unary([](const Tensor& a) { return a.clamp_min(0.25); })},
      {"clamp_max_1", unary([](const Tensor& a) { return a.clamp_max(1); })},
      {"clamp_min_-1", unary([](const Tensor& a) { return a.clamp_min(-1); })},
      {"lt_2.0000001", unary([](const Tensor& a) { return a < 2.0000001; })},
      {"ge_1", unary([](const Tensor& a) { return a >= 1.0; })},
      {"gt_0.5", unary([](const Tensor& a) { return a > 0.5; })},
      {"le_-0.75", unary([](const Tensor& a) { return a <= -0.75; })},
  };
  return ops;
}

// The reduction over "all dims" of a 2-d input, or over dim 0 of a 1-d one (as the generator).
Shape all_dims(const Tensor& x) { return x.dim() == 2 ? Shape{0, 1} : Shape{0}; }

const std::map<std::string, Op>& reduce_ops() {
  static const std::map<std::string, Op> ops{
      {"sum", unary([](const Tensor& x) { return x.sum(); })},
      {"sum_0", unary([](const Tensor& x) { return x.sum({0}); })},
      {"sum_-1_keep", unary([](const Tensor& x) { return x.sum({-1}, true); })},
      {"mean", unary([](const Tensor& x) { return x.mean(); })},
      {"mean_0", unary([](const Tensor& x) { return x.mean({0}); })},
      {"prod", unary([](const Tensor& x) { return x.prod(); })},
      {"max", unary([](const Tensor& x) { return x.max(); })},
      {"min", unary([](const Tensor& x) { return x.min(); })},
      {"amax_0", unary([](const Tensor& x) { return x.amax({0}); })},
      {"amax_-1", unary([](const Tensor& x) { return x.amax({-1}); })},
      {"amax_all", unary([](const Tensor& x) { return x.amax(all_dims(x)); })},
      {"max_dim_0", unary([](const Tensor& x) { return std::get<0>(x.max(0)); })},
      {"max_dim_0_idx", unary([](const Tensor& x) { return std::get<1>(x.max(0)); })},
      {"min_dim_-1", unary([](const Tensor& x) { return std::get<0>(x.min(-1)); })},
      {"min_dim_-1_idx", unary([](const Tensor& x) { return std::get<1>(x.min(-1)); })},
      {"argmax_0", unary([](const Tensor& x) { return x.argmax(0); })},
      {"argmin_-1", unary([](const Tensor& x) { return x.argmin(-1); })},
      {"logsumexp_0", unary([](const Tensor& x) { return x.logsumexp({0}); })},
      {"logsumexp_-1", unary([](const Tensor& x) { return x.logsumexp({-1}); })},
      {"logsumexp_all", unary([](const Tensor& x) { return x.logsumexp(all_dims(x)); })},
      {"norm", unary([](const Tensor& x) { return x.norm(); })},
      {"var_0", unary([](const Tensor& x) { return x.var({0}); })},
      {"var", unary([](const Tensor& x) { return x.var({}); })},
      {"softmax_0", unary([](const Tensor& x) { return x.softmax(0); })},
      {"softmax_-1", unary([](const Tensor& x) { return x.softmax(-1); })},
      {"log_softmax_0", unary([](const Tensor& x) { return x.log_softmax(0); })},
      {"log_softmax_-1", unary([](const Tensor& x) { return x.log_softmax(-1); })},
      {"all", unary([](const Tensor& x) { return scalar(x.all(), kBool); })},
      {"any", unary([](const Tensor& x) { return scalar(x.any(), kBool); })},
  };
  return ops;
}

const std::map<std::string, Op>& vjp_ops() {
  static const std::map<std::string, Op> ops{
      {"vjp_relu", unary([](const Tensor& x) { return x.relu(); })},
      {"vjp_clamp", unary([](const Tensor& x) { return x.clamp(0.5, 2.5); })},
      {"vjp_clamp_min", unary([](const Tensor& x) { return x.clamp_min(2); })},
      {"vjp_maximum", binary([](const Tensor& a, const Tensor& b) { return maximum(a, b); })},
      {"vjp_minimum", binary([](const Tensor& a, const Tensor& b) { return minimum(a, b); })},
      {"vjp_max", unary([](const Tensor& x) { return x.max(); })},
      {"vjp_min", unary([](const Tensor& x) { return x.min(); })},
      {"vjp_max_dim_1", unary([](const Tensor& x) { return std::get<0>(x.max(1)); })},
      {"vjp_min_dim_0", unary([](const Tensor& x) { return std::get<0>(x.min(0)); })},
      {"vjp_where", binary([](const Tensor& a, const Tensor& b) { return where(a > b, a, b); })},
      {"vjp_masked_fill", unary([](const Tensor& x) { return x.masked_fill(x > 1.0, 0.0); })},
      {"vjp_gather", unary([](const Tensor& x) {
         return x.gather(1, tensor({{2, 0}, {1, 1}}, kInt64));
       })},
  };
  return ops;
}

}  // namespace

TEST_CASE("unary ops agree with PyTorch on dtype, values, errors and gradients",
          "[oracle][dtype]") {
  CHECK(oracle::replay(semantics_oracle::unary(), unary_ops()) > 200);
}

TEST_CASE("binary ops agree with PyTorch on result_type, values, errors and gradients",
          "[oracle][dtype]") {
  CHECK(oracle::replay(semantics_oracle::binary(), binary_ops()) > 1000);
}

TEST_CASE("tensor with double ops agree with PyTorch on dtype, values, errors and gradients",
          "[oracle][dtype]") {
  CHECK(oracle::replay(semantics_oracle::scalar(), scalar_ops()) > 200);
}

TEST_CASE("reductions agree with PyTorch on zero-size, 0-d and NaN inputs and gradients",
          "[oracle][reduce][edge]") {
  CHECK(oracle::replay(semantics_oracle::reduce(), reduce_ops()) > 500);
}

TEST_CASE("backward rules select a NaN or inf upstream gradient and split ties as PyTorch",
          "[oracle][nan]") {
  CHECK(oracle::replay(semantics_oracle::vjp(), vjp_ops()) >= 15);
}

TEST_CASE("oracle rows parse exactly, special values included, and a malformed row raises",
          "[oracle]") {
  const oracle::Case c =
      oracle::parse_row("exp|f64:0,2:a f64:3:n|f64|2,3|nan -inf inf -0.0 0.1 1e-300|[] [1.5 -2.0]");
  CHECK(c.op == "exp");
  CHECK(c.inputs == std::vector<std::string>{"f64:0,2:a", "f64:3:n"});
  CHECK_FALSE(c.raises);
  CHECK(c.dtype == "f64");
  CHECK(c.shape == std::vector<int64_t>{2, 3});
  REQUIRE(c.values.size() == 6);
  CHECK(std::isnan(c.values[0]));
  CHECK(c.values[1] == -oracle::kInf);
  CHECK(c.values[2] == oracle::kInf);
  CHECK((c.values[3] == 0.0 && std::signbit(c.values[3])));
  CHECK(c.values[4] == 0.1);  // the same double as the literal: strtod rounds correctly
  CHECK(c.values[5] == 1e-300);
  CHECK(c.grads == std::vector<std::vector<double>>{{}, {1.5, -2.0}});

  const oracle::Case scalar = oracle::parse_row("sum|f32::a|f32||2.5|");
  CHECK(scalar.shape.empty());
  CHECK(scalar.grads.empty());  // no gradient stored, unlike "[]" (one empty gradient)
  CHECK(oracle::parse_row("log|b8:3:a|raises").raises);

  CHECK_THROWS_WITH(oracle::parse_row("exp|f32::a|f32||0.5"),
                    Catch::Contains("expected 3 or 6 fields"));
  CHECK_THROWS_WITH(oracle::parse_row("exp|f32::a|f32||0.5x|"), Catch::Contains("bad number"));
  CHECK_THROWS_WITH(oracle::parse_row("exp|f32::a|f32||0.5|[1.0"), Catch::Contains("unclosed"));
}
