// Custom ops with their own backward: autograd::Function<T> and AutogradContext, as LibTorch's
// (the CustomAutogradTest cases of test/cpp/api/autograd.cpp that this API can express, ported),
// plus the checks built-in ops make: saved-tensor version errors naming the function, saved
// outputs under create_graph, second-order gradchecks in float64, and the error messages.
#include <string>
#include <vector>

#include "engine/engine_test_util.hpp"

using namespace paragrad;
using autograd::AutogradContext;
using autograd::Function;
using paragrad::test::gradcheck2;
using paragrad::test::leaf;
using paragrad::test::str;

namespace {

// The example of API.md, as written there.
struct Cube : autograd::Function<Cube> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    ctx->save_for_backward({x});
    return x * x * x;
  }
  static TensorList backward(AutogradContext* ctx, TensorList g) {
    auto x = ctx->get_saved_variables()[0];
    return {g[0] * 3 * x * x};
  }
};

// Saves its output: the rule uses exp(x) itself.
struct MyExp : Function<MyExp> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    Tensor y = x.exp();
    ctx->save_for_backward({y});
    return y;
  }
  static TensorList backward(AutogradContext* ctx, TensorList g) {
    return {g[0] * ctx->get_saved_variables()[0]};
  }
};

// Two inputs, two outputs: (x * y, x + 2 y).
struct MulAdd : Function<MulAdd> {
  static TensorList forward(AutogradContext* ctx, const Tensor& x, const Tensor& y) {
    ctx->save_for_backward({x, y});
    return {x * y, x + y * 2.0};
  }
  static TensorList backward(AutogradContext* ctx, TensorList g) {
    auto s = ctx->get_saved_variables();
    return {g[0] * s[1] + g[1], g[0] * s[0] + g[1] * 2.0};
  }
};

bool same_values(const Tensor& a, const Tensor& b) { return allclose(a, b, 1e-12, 1e-12); }

}  // namespace

// ---- the API.md example -----------------------------------------------------------------

TEST_CASE("custom Function: the Cube example computes x^3 and its gradient 3x^2", "[function]") {
  Tensor x = tensor({1.0, -2.0, 0.5}, kFloat64).requires_grad_();
  Tensor y = Cube::apply(x);
  CHECK(same_values(y, x.detach() * x.detach() * x.detach()));
  CHECK(y.requires_grad());
  CHECK(y.grad_fn_name() == "CubeBackward");
  y.sum().backward();
  CHECK(x.grad().tolist() == std::vector<double>{3.0, 12.0, 0.75});
}

TEST_CASE("custom Function: gradcheck of Cube to second order in float64", "[function]") {
  Tensor x = leaf({3, 2});
  CHECK(gradcheck2([](const TensorList& in) { return Cube::apply(in[0]); }, {x}));
}

TEST_CASE("custom Function: operator<< prints grad_fn=<grad_fn_name()>", "[function]") {
  Tensor y = Cube::apply(tensor({2.0}, kFloat64).requires_grad_());
  CHECK_THAT(str(y), Catch::Contains("grad_fn=<CubeBackward>"));
}

// ---- LibTorch's CustomAutogradTest cases --------------------------------------------------

TEST_CASE("custom Function: tensor and non-tensor arguments, saved_data, one gradient per argument",
          "[function]") {  // CustomFunction
  struct MyFunction : Function<MyFunction> {
    static Tensor forward(AutogradContext* ctx, Tensor var1, int mul, Tensor var2) {
      ctx->saved_data["mul"] = mul;
      ctx->save_for_backward({var1, var2});
      return var1 + var2 * double(mul) + var1 * var2;
    }
    static TensorList backward(AutogradContext* ctx, TensorList grad_output) {
      const int mul = std::any_cast<int>(ctx->saved_data["mul"]);
      auto saved = ctx->get_saved_variables();
      const Tensor& g = grad_output[0];
      return {g + g * saved[1], Tensor(), g * double(mul) + g * saved[0]};
    }
  };
  Tensor x = leaf({5, 5}, 1), y = leaf({5, 5}, 2);
  Tensor res = MyFunction::apply(x, 2, y);
  res.sum().backward();
  CHECK(same_values(x.grad(), y.detach() + 1.0));
  CHECK(same_values(y.grad(), x.detach() + 2.0));
}

TEST_CASE("custom Function: every element of a TensorList argument is an input",
          "[function]") {  // CustomFunctionWithTensorList
  struct MyFunction : Function<MyFunction> {
    static Tensor forward(AutogradContext* ctx, const TensorList& tensors, double scale) {
      ctx->save_for_backward(tensors);
      ctx->saved_data["scale"] = scale;
      return (tensors[0] + tensors[1] + tensors[0] * tensors[1]) * scale;
    }
    static TensorList backward(AutogradContext* ctx, TensorList g) {
      auto s = ctx->get_saved_variables();
      const double scale = std::any_cast<double>(ctx->saved_data.at("scale"));
      return {(g[0] + g[0] * s[1]) * scale, (g[0] + g[0] * s[0]) * scale, Tensor()};
    }
  };
  Tensor x = leaf({5, 5}, 3), y = leaf({5, 5}, 4);
  MyFunction::apply(TensorList{x, y}, 2.0).sum().backward();
  CHECK(same_values(x.grad(), (y.detach() + 1.0) * 2.0));
  CHECK(same_values(y.grad(), (x.detach() + 1.0) * 2.0));
  CHECK(gradcheck2([](const TensorList& in) { return MyFunction::apply(in, 0.5); },
                   {leaf({2, 3}, 5), leaf({2, 3}, 6)}));
}

TEST_CASE("custom Function: an input returned as is gets the Function as history, the input not",
          "[function]") {  // FunctionReturnsInput
  struct MyFunction : Function<MyFunction> {
    static Tensor forward(AutogradContext*, Tensor var1) { return var1; }
    static TensorList backward(AutogradContext*, TensorList g) { return {g[0] * 2.0}; }
  };
  Tensor x = ones({1}).requires_grad_();
  Tensor y = MyFunction::apply(x);
  CHECK(x.is_leaf());
  CHECK(y.grad_fn_name() == "MyFunctionBackward");
  y.backward(ones({1}), true, true);
  CHECK(x.grad().tolist() == std::vector<double>{2.0});
}

TEST_CASE("custom Function: an undefined gradient from backward leaves .grad() undefined",
          "[function]") {  // FunctionReturnsUndefined
  struct MyFunction : Function<MyFunction> {
    static Tensor forward(AutogradContext*, Tensor var) { return var * 2.0; }
    static TensorList backward(AutogradContext*, TensorList) { return {Tensor()}; }
  };
  Tensor x = ones({1}).requires_grad_();
  MyFunction::apply(x).backward();
  CHECK_FALSE(x.grad().defined());
  MyFunction::apply(x.pow(2.0)).backward();
  CHECK_FALSE(x.grad().defined());
  MyFunction::apply(x).sum().backward();
  CHECK_FALSE(x.grad().defined());
  CHECK_FALSE(autograd::grad({MyFunction::apply(x)}, {x}, {}, false, false, true)[0].defined());
}

TEST_CASE("custom Function: an output that got no gradient arrives as zeros of its shape and dtype",
          "[function]") {  // MaterializeGrads
  struct TwoOut : Function<TwoOut> {
    static TensorList forward(AutogradContext*, const Tensor& x) {
      return {x * 2.0, (x * 3.0).sum()};
    }
    static TensorList backward(AutogradContext* ctx, TensorList g) {
      ctx->saved_data["g1"] = g[1];
      return {g[0] * 2.0 + g[1] * 3.0};
    }
  };
  Tensor x = leaf({2, 3});
  TensorList out = TwoOut::apply(x);
  out[0].sum().backward();
  CHECK(same_values(x.grad(), full({2, 3}, 2.0, kFloat64)));
  // The same through a Function that keeps the incoming gradients for inspection.
  struct Peek : Function<Peek> {
    static TensorList forward(AutogradContext*, const Tensor& x) {
      return {x * 2.0, (x * 3.0).sum()};
    }
    static TensorList backward(AutogradContext* ctx, TensorList g) {
      ctx->saved_data["g1_defined"] = g[1].defined();
      ctx->saved_data["g1_shape"] = g[1].defined() ? g[1].shape() : Shape{-1};
      ctx->saved_data["g1_dtype"] = g[1].defined() ? g[1].dtype() : kInt64;
      ctx->saved_data["g1_sum"] = g[1].defined() ? g[1].abs().sum().item<double>() : -1.0;
      return {g[0] * 2.0 + g[1] * 3.0};
    }
  };
  TensorList p = Peek::apply(x);
  const auto* node = dynamic_cast<autograd::CustomNode*>(p[0].grad_fn().get());
  REQUIRE(node != nullptr);
  p[0].sum().backward();
  auto& data = const_cast<autograd::CustomNode*>(node)->ctx.saved_data;
  CHECK(std::any_cast<bool>(data["g1_defined"]));
  CHECK(std::any_cast<Shape>(data["g1_shape"]).empty());
  CHECK(std::any_cast<Dtype>(data["g1_dtype"]) == kFloat64);
  CHECK(std::any_cast<double>(data["g1_sum"]) == 0.0);
}

TEST_CASE("custom Function: set_materialize_grads(false) passes undefined gradients through",
          "[function]") {  // DontMaterializeGrads
  struct MyFunction : Function<MyFunction> {
    static TensorList forward(AutogradContext* ctx, const Tensor& x) {
      ctx->set_materialize_grads(false);
      return {x * 2.0, x * 3.0};
    }
    static TensorList backward(AutogradContext*, TensorList g) {
      if (g[1].defined()) throw ValueError("test: the second gradient should be undefined");
      return {g[0] * 2.0};
    }
  };
  Tensor x = leaf({3});
  MyFunction::apply(x)[0].sum().backward();
  CHECK(same_values(x.grad(), full({3}, 2.0, kFloat64)));
}

TEST_CASE(
    "custom Function: under NoGradGuard nothing is recorded, and forward always runs without "
    "grad",
    "[function]") {  // NoGradCustomFunction, NoGradInput
  struct MyOp : Function<MyOp> {
    static Tensor forward(AutogradContext* ctx, const Tensor& x) {
      ctx->saved_data["grad_mode"] = is_grad_enabled();
      Tensor y = x + 1.0;
      ctx->saved_data["inner_requires_grad"] = y.requires_grad();
      return y;
    }
    static TensorList backward(AutogradContext*, TensorList dy) { return dy; }
  };
  Tensor x = ones({5, 5}).requires_grad_();
  {
    NoGradGuard no_grad;
    Tensor y = MyOp::apply(x);
    CHECK_FALSE(y.requires_grad());
    CHECK_FALSE(y.grad_fn());
    CHECK(x.requires_grad());
  }
  Tensor y = MyOp::apply(x);
  auto& data = static_cast<autograd::CustomNode*>(y.grad_fn().get())->ctx.saved_data;
  CHECK_FALSE(std::any_cast<bool>(data["grad_mode"]));
  CHECK_FALSE(std::any_cast<bool>(data["inner_requires_grad"]));
  CHECK(is_grad_enabled());
  // No input requires grad: no node either.
  CHECK_FALSE(MyOp::apply(ones({2})).requires_grad());
}

TEST_CASE("custom Function: mark_dirty bumps the version and makes the Function the history",
          "[function]") {  // MarkDirty
  struct MyFunction : Function<MyFunction> {
    static Tensor forward(AutogradContext* ctx, Tensor v) {
      v.data_ptr<float>()[0] = 2;  // a write the ops do not see
      ctx->mark_dirty({v});
      return v;
    }
    static TensorList backward(AutogradContext*, TensorList g) { return {g[0] * 2.0}; }
  };
  Tensor leaf_x = ones({5, 5}).requires_grad_();
  Tensor x = leaf_x.clone();  // modifying a leaf in place is not allowed
  const uint32_t before = x.version();
  Tensor out = MyFunction::apply(x);
  CHECK(x.version() >= before + 1);
  CHECK(x.grad_fn_name() == "MyFunctionBackward");
  CHECK(x.data_ptr<float>()[0] == 2.0f);
  out.sum().backward();
  CHECK(same_values(leaf_x.grad(), full({5, 5}, 2.0)));
}

TEST_CASE("custom Function: a leaf without grad modified in place and returned gets a history",
          "[function]") {  // ReturnLeafInplace
  struct Inplace : Function<Inplace> {
    static TensorList forward(AutogradContext* ctx, Tensor a, Tensor b) {
      ctx->mark_dirty({a});
      return {a.add_(b), b + 2.0};
    }
    static TensorList backward(AutogradContext*, TensorList g) { return {g[0], g[0] + g[1]}; }
  };
  Tensor x = leaf({5, 5}, 1).detach();
  Tensor y = leaf({5, 5}, 2);
  TensorList out = Inplace::apply(x, y);
  CHECK(out[0].is_same(x));
  CHECK(x.requires_grad());
  out[0].sum().backward();
  CHECK(same_values(y.grad(), ones({5, 5}, kFloat64)));
}

TEST_CASE("custom Function: mark_dirty on a leaf that requires grad raises AutogradError",
          "[function]") {  // ReturnDuplicateInplace
  struct DoubleInplace : Function<DoubleInplace> {
    static TensorList forward(AutogradContext* ctx, Tensor x) {
      x.mul_(2.0);
      ctx->mark_dirty({x});
      return {x, x};
    }
    static TensorList backward(AutogradContext*, TensorList g) { return {g[0] * 2.0 + g[1] * 2.0}; }
  };
  Tensor x = leaf({5, 5});
  CHECK_THROWS_MATCHES(DoubleInplace::apply(x), AutogradError,
                       Catch::Message("DoubleInplaceBackward: a leaf tensor that requires grad "
                                      "(shape [5, 5]) cannot be modified in place (marked dirty); "
                                      "use NoGradGuard or detach()"));
  Tensor base = x.clone();
  TensorList out = DoubleInplace::apply(base);
  CHECK(equal(out[0], out[1]));
  (out[0] + out[1]).sum().backward();
  CHECK(same_values(x.grad(), full({5, 5}, 4.0, kFloat64)));
}

TEST_CASE("custom Function: mark_dirty of a tensor that is not returned raises AutogradError",
          "[function]") {
  struct Forgets : Function<Forgets> {
    static Tensor forward(AutogradContext* ctx, Tensor x) {
      x.add_(ones_like(x));
      ctx->mark_dirty({x});
      return x * 2.0;
    }
    static TensorList backward(AutogradContext*, TensorList g) { return {g[0] * 2.0}; }
  };
  CHECK_THROWS_MATCHES(Forgets::apply(leaf({2}).clone()), AutogradError,
                       Catch::Message("ForgetsBackward: a tensor marked dirty (modified in place) "
                                      "in forward must also be returned as an output"));
}

TEST_CASE("custom Function: the same tensor returned twice gives two outputs whose gradients add",
          "[function]") {  // ReturnDuplicate
  struct DoubleDuplicate : Function<DoubleDuplicate> {
    static TensorList forward(AutogradContext*, const Tensor& x) {
      Tensor output = x * 2.0;
      return {output, output};
    }
    static TensorList backward(AutogradContext*, TensorList g) { return {g[0] * 2.0 + g[1] * 3.0}; }
  };
  Tensor x = leaf({5, 5});
  TensorList out = DoubleDuplicate::apply(x);
  CHECK(equal(out[0], out[1]));
  CHECK(out[0].output_nr() == 0);
  CHECK(out[1].output_nr() == 1);
  out[1].sum().backward();  // only the second output: g[0] is zeros
  CHECK(same_values(x.grad(), full({5, 5}, 3.0, kFloat64)));
}

TEST_CASE("custom Function: mark_non_differentiable outputs do not require grad",
          "[function]") {  // MarkNonDifferentiable
  struct MyFunction : Function<MyFunction> {
    static Tensor forward(AutogradContext* ctx, const Tensor& v) {
      Tensor output = v > 0.0;
      ctx->mark_non_differentiable({output});
      return output;
    }
    static TensorList backward(AutogradContext*, TensorList g) { return {g[0] * 0.0}; }
  };
  Tensor x = leaf({5, 5});
  Tensor mask = MyFunction::apply(x);
  CHECK_FALSE(mask.requires_grad());
  Tensor y = x.masked_fill(mask, 0.0);
  y.sum().backward();
  CHECK(same_values(x.grad(), (x.detach() <= 0.0).to(kFloat64)));
}

TEST_CASE("custom Function: a non-differentiable output beside a differentiable one gets zeros",
          "[function]") {  // MarkNonDifferentiableMixed
  struct MyFunction : Function<MyFunction> {
    static TensorList forward(AutogradContext* ctx, const Tensor& input) {
      Tensor a = input + 1.0;
      Tensor b = input + 2.0;
      ctx->mark_non_differentiable({a});
      return {a, b};
    }
    static TensorList backward(AutogradContext*, TensorList g) {
      if (!equal(g[0], zeros({5, 5}, kFloat64)) || !equal(g[1], ones({5, 5}, kFloat64)))
        throw ValueError("test: unexpected incoming gradients");
      return {g[1]};
    }
  };
  Tensor x = leaf({5, 5});
  TensorList out = MyFunction::apply(x);
  CHECK_FALSE(out[0].requires_grad());
  CHECK(out[1].requires_grad());
  out[1].sum().backward();
  CHECK(same_values(x.grad(), ones({5, 5}, kFloat64)));
}

TEST_CASE("custom Function: a Function whose only output is non-differentiable is not run",
          "[function]") {  // MarkNonDifferentiableNone
  struct MyFunction : Function<MyFunction> {
    static Tensor forward(AutogradContext* ctx, const Tensor& input) {
      Tensor output = input.clone();
      ctx->mark_non_differentiable({output});
      return output;
    }
    static TensorList backward(AutogradContext*, TensorList) { return {}; }
  };
  Tensor x = leaf({5, 5});
  Tensor r = MyFunction::apply(x * x);
  CHECK_FALSE(r.requires_grad());
  (r * x).sum().backward();
  CHECK(same_values(x.grad(), x.detach() * x.detach()));
}

TEST_CASE("custom Function: an input returned as a non-differentiable output is a fresh alias",
          "[function]") {  // DepNoGrad
  struct F1 : Function<F1> {
    static TensorList forward(AutogradContext* ctx, const Tensor& input) {
      Tensor out = randn(input.shape(), kFloat64);
      ctx->mark_non_differentiable({out});
      return {input, out};
    }
    static TensorList backward(AutogradContext*, TensorList g) { return {g[0]}; }
  };
  struct F2 : Function<F2> {
    static Tensor forward(AutogradContext*, const Tensor& input, const Tensor&) { return input; }
    static TensorList backward(AutogradContext*, TensorList g) { return {g[0], Tensor()}; }
  };
  Tensor x = leaf({5});
  TensorList out = F1::apply(x);
  Tensor a = out[0], b = out[1] + 1.0;
  CHECK(a.requires_grad());
  CHECK_FALSE(b.requires_grad());
  Tensor c = F2::apply(a, b);
  c.backward(ones({5}, kFloat64));
  CHECK(same_values(x.grad(), ones({5}, kFloat64)));
}

TEST_CASE("custom Function: undefined tensors may be saved and come back undefined",
          "[function]") {  // SaveEmptyForBackward
  struct MyFunction : Function<MyFunction> {
    static Tensor forward(AutogradContext* ctx, const Tensor& input) {
      ctx->save_for_backward({Tensor(), input, Tensor()});
      return input * input;
    }
    static TensorList backward(AutogradContext* ctx, TensorList g) {
      auto saved = ctx->get_saved_variables();
      if (saved.size() != 3 || saved[0].defined() || saved[2].defined())
        throw ValueError("test: the undefined saved tensors should come back undefined");
      return {saved[1] * 2.0 * g[0]};
    }
  };
  Tensor x = leaf({5, 5});
  MyFunction::apply(x).sum().backward();
  CHECK(same_values(x.grad(), x.detach() * 2.0));
}

TEST_CASE("custom Function: a gradient of the wrong shape raises AutogradError naming the Function",
          "[function]") {  // InvalidGradients
  struct MyFunction : Function<MyFunction> {
    static Tensor forward(AutogradContext*, const Tensor& x) { return x * 2.0; }
    static TensorList backward(AutogradContext*, TensorList) { return {randn({10})}; }
  };
  Tensor x = leaf({5, 5});
  CHECK_THROWS_MATCHES(MyFunction::apply(x).sum().backward(), AutogradError,
                       Catch::Message("MyFunctionBackward: backward returned a gradient of shape "
                                      "[10] for argument 0 of shape [5, 5]"));
  CHECK_FALSE(x.grad().defined());
}

TEST_CASE("custom Function: a broadcast gradient is summed back to the input's shape",
          "[function]") {
  struct Bcast : Function<Bcast> {
    static Tensor forward(AutogradContext*, const Tensor& x) { return x * 1.0; }
    static TensorList backward(AutogradContext*, TensorList g) { return {g[0].expand({4, 3})}; }
  };
  Tensor x = leaf({3});
  Bcast::apply(x).sum().backward();
  CHECK(same_values(x.grad(), full({3}, 4.0, kFloat64)));
}

TEST_CASE("custom Function: the wrong number of gradients raises AutogradError naming the Function",
          "[function]") {
  struct TooFew : Function<TooFew> {
    static Tensor forward(AutogradContext*, const Tensor& x, double, const Tensor& y) {
      return x * y;
    }
    static TensorList backward(AutogradContext*, TensorList g) { return {g[0], g[0]}; }
  };
  Tensor x = leaf({2}), y = leaf({2}, 1);
  CHECK_THROWS_MATCHES(TooFew::apply(x, 1.0, y).sum().backward(), AutogradError,
                       Catch::Message("TooFewBackward: backward returned 2 gradients, expected 3 "
                                      "(one per argument of forward, each element of a "
                                      "TensorList counted)"));
  CHECK_FALSE(x.grad().defined());
  CHECK_FALSE(y.grad().defined());
}

TEST_CASE("custom Function: extra undefined gradients are allowed, extra defined ones are not",
          "[function]") {  // TooManyGrads
  struct Extra : Function<Extra> {
    static Tensor forward(AutogradContext*, const Tensor& input) { return input; }
    static TensorList backward(AutogradContext*, TensorList g) {
      g.insert(g.end(), {Tensor(), Tensor()});
      return g;
    }
  };
  Tensor x = leaf({3});
  Extra::apply(x).sum().backward();
  CHECK(same_values(x.grad(), ones({3}, kFloat64)));
  struct ExtraDefined : Function<ExtraDefined> {
    static Tensor forward(AutogradContext*, const Tensor& input) { return input; }
    static TensorList backward(AutogradContext*, TensorList g) { return {g[0], g[0]}; }
  };
  CHECK_THROWS_MATCHES(ExtraDefined::apply(x).sum().backward(), AutogradError,
                       Catch::Message("ExtraDefinedBackward: backward returned 2 gradients, "
                                      "expected 1 (one per argument of forward, each element of a "
                                      "TensorList counted)"));
}

TEST_CASE("custom Function: a defined gradient for a non-tensor argument raises AutogradError",
          "[function]") {
  struct Scale : Function<Scale> {
    static Tensor forward(AutogradContext* ctx, const Tensor& x, double k) {
      ctx->saved_data["k"] = k;
      return x * k;
    }
    static TensorList backward(AutogradContext*, TensorList g) { return {g[0], g[0]}; }
  };
  CHECK_THROWS_MATCHES(Scale::apply(leaf({2}), 3.0).sum().backward(), AutogradError,
                       Catch::Message("ScaleBackward: backward returned a defined gradient for "
                                      "argument 1 of forward, which is not a tensor (return "
                                      "Tensor() there)"));
}

TEST_CASE("custom Function: needs_input_grad reflects the inputs autograd::grad asks about",
          "[function]") {  // NeedsInputGrad / GraphTaskTrimEdges
  struct MyFunction : Function<MyFunction> {
    static Tensor forward(AutogradContext* ctx, Tensor var1, Tensor var2, int mul, Tensor var3) {
      ctx->saved_data["mul"] = mul;
      ctx->saved_data["forward"] =
          std::vector<bool>{ctx->needs_input_grad(0), ctx->needs_input_grad(1),
                            ctx->needs_input_grad(2), ctx->needs_input_grad(3)};
      ctx->save_for_backward({var1, var2});
      return var1 + var2 * double(mul) + var1 * var2 + var3;
    }
    static TensorList backward(AutogradContext* ctx, TensorList g) {
      ctx->saved_data["backward"] = std::vector<bool>{
          ctx->needs_input_grad(0), ctx->needs_input_grad(1), ctx->needs_input_grad(2),
          ctx->needs_input_grad(3), ctx->needs_input_grad(7)};
      ctx->saved_data["ranges"] =
          std::vector<bool>{ctx->needs_input_grad({{0, 1}}), ctx->needs_input_grad({{1, 2}}),
                            ctx->needs_input_grad({{0, 1}, {1, 2}})};
      const double mul = std::any_cast<int>(ctx->saved_data["mul"]);
      auto saved = ctx->get_saved_variables();
      Tensor g1, g2;
      if (ctx->needs_input_grad(0)) g1 = g[0] + g[0] * saved[1];
      if (ctx->needs_input_grad(1)) g2 = g[0] * mul + g[0] * saved[0];
      return {g1, g2, Tensor(), g[0]};
    }
  };
  Tensor x = leaf({5, 5}, 1), y = leaf({5, 5}, 2), z = ones({5, 5}, kFloat64);
  Tensor go = ones({5, 5}, kFloat64);
  auto flags = [](const Tensor& out, const char* key) {
    return std::any_cast<std::vector<bool>>(
        static_cast<autograd::CustomNode*>(out.grad_fn().get())->ctx.saved_data[key]);
  };
  Tensor out = MyFunction::apply(x, y, 2, z);
  CHECK(flags(out, "forward") == std::vector<bool>{true, true, false, false});
  Tensor gx = autograd::grad({out}, {x}, {go}, true)[0];
  CHECK(same_values(gx, y.detach() + 1.0));
  CHECK(flags(out, "backward") == std::vector<bool>{true, false, false, false, false});
  CHECK(flags(out, "ranges") == std::vector<bool>{true, false, true});

  Tensor gy = autograd::grad({out}, {y}, {go}, true)[0];
  CHECK(same_values(gy, x.detach() + 2.0));
  CHECK(flags(out, "backward") == std::vector<bool>{false, true, false, false, false});
  CHECK(flags(out, "ranges") == std::vector<bool>{false, true, true});

  TensorList both = autograd::grad({out}, {x, y}, {go}, true);
  CHECK(flags(out, "backward") == std::vector<bool>{true, true, false, false, false});
  out.sum().backward();
  CHECK(flags(out, "backward") == std::vector<bool>{true, true, false, false, false});
  CHECK(same_values(x.grad(), both[0]));
  CHECK(same_values(y.grad(), both[1]));
}

TEST_CASE("custom Function: needs_input_grad stays right after a nested backward in backward",
          "[function]") {  // Reentrant
  struct Reenter : Function<Reenter> {
    static Tensor forward(AutogradContext* ctx, const Tensor& x, const Tensor& w) {
      ctx->save_for_backward({x, w});
      return x * w;
    }
    static TensorList backward(AutogradContext* ctx, TensorList g) {
      auto s = ctx->get_saved_variables();
      Tensor dx;
      {
        // d(x*w)/dx by a backward pass of its own, inside this one.
        EnableGradGuard with_grad;
        Tensor xi = s[0].detach().requires_grad_();
        dx = autograd::grad({(xi * s[1].detach()).sum()}, {xi})[0] * g[0];
      }
      ctx->saved_data["after"] =
          std::vector<bool>{ctx->needs_input_grad(0), ctx->needs_input_grad(1)};
      return {dx, ctx->needs_input_grad(1) ? g[0] * s[0] : Tensor()};
    }
  };
  Tensor x = leaf({3}, 1), w = leaf({3}, 2);
  Tensor out = Reenter::apply(x, w);
  Tensor gx = autograd::grad({out.sum()}, {x})[0];
  CHECK(same_values(gx, w.detach()));
  auto& data = static_cast<autograd::CustomNode*>(out.grad_fn().get())->ctx.saved_data;
  CHECK(std::any_cast<std::vector<bool>>(data["after"]) == std::vector<bool>{true, false});
}

// ---- saved tensors ----------------------------------------------------------------------

TEST_CASE(
    "custom Function: a saved input modified in place raises AutogradError at backward "
    "naming the Function",
    "[function]") {
  Tensor a = leaf({3});
  Tensor x = a * 1.0;
  Tensor y = Cube::apply(x);
  x.add_(ones_like(x));
  CHECK_THROWS_MATCHES(y.sum().backward(), AutogradError,
                       Catch::Message("CubeBackward: a tensor saved for backward (shape [3], now "
                                      "output 0 of AddBackward) was modified by an in-place "
                                      "operation: it is at version 1, expected version 0"));
  CHECK_FALSE(a.grad().defined());
}

TEST_CASE(
    "custom Function: a saved output modified in place raises AutogradError naming the "
    "Function",
    "[function]") {
  Tensor x = leaf({3});
  Tensor y = MyExp::apply(x);
  {
    NoGradGuard no_grad;
    y.mul_(2.0);
  }
  CHECK_THROWS_MATCHES(y.sum().backward(), AutogradError,
                       Catch::Message("MyExpBackward: a tensor saved for backward (shape [3]) "
                                      "was modified by an in-place operation: it is at version 1, "
                                      "expected version 0"));
}

TEST_CASE("custom Function: saved tensors are freed after backward, a second one raises",
          "[function]") {
  Tensor x = leaf({3});
  const Tensor go = ones({3}, kFloat64);
  Tensor y = Cube::apply(x);  // (no op after it: its node is the first to run)
  y.backward(go, /*retain_graph=*/true);
  y.backward(go);
  CHECK(same_values(x.grad(), x.detach() * x.detach() * 6.0));
  CHECK_THROWS_MATCHES(y.backward(go), AutogradError,
                       Catch::Message("CubeBackward: trying to backward through the graph a "
                                      "second time (or to use saved tensors after they were "
                                      "freed); pass retain_graph=true to the first backward"));
  // A Function that saved nothing may run again, as in PyTorch.
  struct Twice : Function<Twice> {
    static Tensor forward(AutogradContext*, const Tensor& v) { return v * 2.0; }
    static TensorList backward(AutogradContext*, TensorList g) { return {g[0] * 2.0}; }
  };
  Tensor z = Twice::apply(x);
  x.zero_grad();
  z.backward(go);
  z.backward(go);
  CHECK(same_values(x.grad(), full({3}, 4.0, kFloat64)));
}

TEST_CASE("custom Function: get_saved_variables in forward raises AutogradError", "[function]") {
  struct Early : Function<Early> {
    static Tensor forward(AutogradContext* ctx, const Tensor& x) {
      ctx->save_for_backward({x});
      return x * ctx->get_saved_variables()[0];
    }
    static TensorList backward(AutogradContext*, TensorList g) { return g; }
  };
  Tensor x = leaf({2});
  CHECK_THROWS_MATCHES(Early::apply(x), AutogradError,
                       Catch::Message("EarlyBackward: get_saved_variables() is for backward; in "
                                      "forward, use the tensors directly"));
  CHECK(x.is_leaf());
  CHECK_FALSE(x.grad().defined());
}

TEST_CASE("custom Function: a saved output stays in the graph under create_graph", "[function]") {
  Tensor x = leaf({4});
  Tensor y = MyExp::apply(x);
  CHECK(same_values(y, x.detach().exp()));
  Tensor g = autograd::grad({y.sum()}, {x}, {}, false, /*create_graph=*/true)[0];
  CHECK(g.requires_grad());
  CHECK(same_values(g, x.detach().exp()));
  // d/dx sum(exp(x)) = exp(x): only right if the saved output carries MyExp's history.
  Tensor gg = autograd::grad({g.sum()}, {x})[0];
  CHECK(same_values(gg, x.detach().exp()));
  CHECK(gradcheck2([](const TensorList& in) { return MyExp::apply(in[0]); }, {leaf({2, 2}, 7)}));
}

// ---- higher order, several outputs ------------------------------------------------------

TEST_CASE("custom Function: double backward through a rule written in Tensor ops", "[function]") {
  Tensor x = tensor({1.0, 2.0, -1.5}, kFloat64).requires_grad_();
  Tensor g = autograd::grad({Cube::apply(x).sum()}, {x}, {}, false, true)[0];
  CHECK(same_values(g, x.detach() * x.detach() * 3.0));
  Tensor gg = autograd::grad({g.sum()}, {x})[0];
  CHECK(same_values(gg, x.detach() * 6.0));
}

TEST_CASE("custom Function: gradcheck to second order with two inputs and two outputs",
          "[function]") {
  Tensor x = leaf({2, 3}, 1), y = leaf({2, 3}, 2);
  CHECK(gradcheck2([](const TensorList& in) { return MulAdd::apply(in[0], in[1])[0]; }, {x, y}));
  CHECK(gradcheck2([](const TensorList& in) { return MulAdd::apply(in[0], in[1])[1]; }, {x, y}));
  CHECK(gradcheck2(
      [](const TensorList& in) {
        TensorList o = MulAdd::apply(in[0], in[1]);
        return (o[0] * o[1]).sum();
      },
      {x, y}));
}

TEST_CASE("custom Function: several outputs where one gets no gradient", "[function]") {
  Tensor x = leaf({3}, 1), y = leaf({3}, 2);
  TensorList o = MulAdd::apply(x, y);
  CHECK(o[0].grad_fn().get() == o[1].grad_fn().get());
  CHECK(o[1].output_nr() == 1);
  o[1].sum().backward();  // o[0] gets none: zeros
  CHECK(same_values(x.grad(), ones({3}, kFloat64)));
  CHECK(same_values(y.grad(), full({3}, 2.0, kFloat64)));
}

TEST_CASE("custom Function: an input that does not require grad gets no gradient", "[function]") {
  Tensor x = leaf({3}, 1);
  Tensor c = tensor({1.0, 2.0, 3.0}, kFloat64);
  TensorList o = MulAdd::apply(x, c);
  (o[0] + o[1]).sum().backward();
  CHECK(same_values(x.grad(), c + 1.0));
  CHECK_FALSE(c.grad().defined());
  CHECK_FALSE(c.requires_grad());
}

// ---- names ------------------------------------------------------------------------------

namespace custom_ns {
struct Square : Function<Square> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    ctx->save_for_backward({x});
    return x * x;
  }
  static TensorList backward(AutogradContext* ctx, TensorList g) {
    return {g[0] * 2.0 * ctx->get_saved_variables()[0]};
  }
};
struct Named : Function<Named> {
  static const char* name() { return "MyNamedOp"; }
  static Tensor forward(AutogradContext*, const Tensor& x) { return x * 1.0; }
  static TensorList backward(AutogradContext*, TensorList g) { return {g[0], g[0]}; }
};
}  // namespace custom_ns

TEST_CASE("custom Function: the node is named after the type, or by a static name()",
          "[function]") {
  Tensor x = leaf({2});
  CHECK(custom_ns::Square::apply(x).grad_fn_name() == "SquareBackward");
  Tensor y = custom_ns::Named::apply(x);
  CHECK(y.grad_fn_name() == "MyNamedOp");
  CHECK_THROWS_WITH(y.sum().backward(), Catch::StartsWith("MyNamedOp: backward returned 2"));
  CHECK(autograd::detail::backward_name("a::b<c::d>::E") == "EBackward");
  CHECK(autograd::detail::backward_name("f(int)::G") == "GBackward");
  CHECK(autograd::detail::backward_name("struct H") == "HBackward");
}

TEST_CASE("custom Function: an error in forward leaves the inputs unchanged", "[function]") {
  struct Throws : Function<Throws> {
    static Tensor forward(AutogradContext* ctx, const Tensor& x) {
      ctx->save_for_backward({x});
      return matmul(x, ones({7, 7}, kFloat64));
    }
    static TensorList backward(AutogradContext*, TensorList g) { return g; }
  };
  Tensor x = leaf({2, 3});
  CHECK_THROWS_AS(Throws::apply(x), ShapeError);
  CHECK(x.is_leaf());
  CHECK(x.requires_grad());
  CHECK(is_grad_enabled());
}

TEST_CASE("custom Function: an integer output does not require grad and gets zeros in backward",
          "[function]") {
  struct WithIndex : Function<WithIndex> {
    static TensorList forward(AutogradContext*, const Tensor& x) {
      return {x * 2.0, (x > 0.0).to(kInt64)};
    }
    static TensorList backward(AutogradContext*, TensorList g) {
      if (g[1].dtype() != kInt64 || g[1].abs().sum().item<double>() != 0.0)
        throw ValueError("test: the integer output's gradient should be int64 zeros");
      return {g[0] * 2.0};
    }
  };
  Tensor x = leaf({4});
  TensorList out = WithIndex::apply(x);
  CHECK(out[0].requires_grad());
  CHECK_FALSE(out[1].requires_grad());
  CHECK_FALSE(out[1].grad_fn());
  out[0].sum().backward();
  CHECK(same_values(x.grad(), full({4}, 2.0, kFloat64)));
}

TEST_CASE("custom Function: mark_dirty on a view raises AutogradError", "[function]") {
  struct DirtyView : Function<DirtyView> {
    static Tensor forward(AutogradContext* ctx, Tensor v) {
      v.mul_(2.0);
      ctx->mark_dirty({v});
      return v;
    }
    static TensorList backward(AutogradContext*, TensorList g) { return {g[0] * 2.0}; }
  };
  Tensor base = leaf({4}) * 1.0;
  Tensor view = base.narrow(0, 0, 2);
  CHECK_THROWS_MATCHES(DirtyView::apply(view), AutogradError,
                       Catch::Message("DirtyViewBackward: mark_dirty on a view is not supported; "
                                      "modify the base instead"));
}

TEST_CASE("custom Function: an input returned as is and saved is saved as the input",
          "[function]") {  // CustomFunctionReturnInputAsIsAndSavesIt
  struct MyFunction : Function<MyFunction> {
    static Tensor forward(AutogradContext* ctx, const Tensor& var1, const Tensor& var2) {
      ctx->save_for_backward({var1, var2});
      return var1;
    }
    static TensorList backward(AutogradContext* ctx, TensorList g) {
      auto s = ctx->get_saved_variables();
      return {g[0] * s[1], g[0] * s[0]};
    }
  };
  Tensor x = leaf({5, 5}, 1), y = leaf({5, 5}, 2);
  Tensor out = MyFunction::apply(x, y);
  CHECK(out.grad_fn_name() == "MyFunctionBackward");
  CHECK(x.is_leaf());
  out.sum().backward();
  CHECK(same_values(x.grad(), y.detach()));
  CHECK(same_values(y.grad(), x.detach()));
}
