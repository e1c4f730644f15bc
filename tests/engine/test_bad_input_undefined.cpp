// Undefined tensor handles (Tensor(), or grad() before any backward) given to every public engine
// function: each raises ValueError whose message starts with the name of the function called,
// never a crash, and leaves its defined arguments unchanged. defined(), requires_grad() and
// printing answer for an undefined handle, as in LibTorch.
#include <functional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "bad_input.hpp"

using namespace paragrad;
using paragrad::test::check_raises_unchanged;

namespace {

using Case = std::pair<std::string, std::function<void()>>;

// Every case raises ValueError naming its op, with the hint on how undefined tensors arise, and
// the defined operand `a` is unchanged.
void check_cases(const std::vector<Case>& cases, const Tensor& a) {
  for (const auto& [op, f] : cases) {
    INFO("op " << op);
    check_raises_unchanged<ValueError>(f, op, {"undefined tensor", "grad() before any backward"},
                                       {a});
  }
}

Tensor a_tensor() { return tensor({{1, 2}, {3, 4}}, kFloat64); }

}  // namespace

TEST_CASE("undefined tensors: metadata accessors raise naming the accessor", "[bad_input]") {
  const Tensor u, a = a_tensor();
  check_cases({{"shape", [&] { u.shape(); }},
               {"sizes", [&] { u.sizes(); }},
               {"strides", [&] { u.strides(); }},
               {"dim", [&] { u.dim(); }},
               {"numel", [&] { u.numel(); }},
               {"size", [&] { u.size(0); }},
               {"dtype", [&] { u.dtype(); }},
               {"is_contiguous", [&] { u.is_contiguous(); }},
               {"is_floating_point", [&] { u.is_floating_point(); }},
               {"data_ptr", [&] { u.data_ptr<float>(); }},
               {"item", [&] { u.item<double>(); }},
               {"to_eigen", [&] { u.to_eigen(); }},
               {"tolist", [&] { u.tolist(); }},
               {"is_leaf", [&] { u.is_leaf(); }},
               {"grad_fn", [&] { u.grad_fn(); }},
               {"grad_fn_name", [&] { u.grad_fn_name(); }},
               {"output_nr", [&] { u.output_nr(); }},
               {"version", [&] { u.version(); }},
               {"grad", [&] { u.grad(); }}},
              a);
}

TEST_CASE("undefined tensors: defined, requires_grad and printing answer", "[bad_input]") {
  const Tensor u;
  CHECK_FALSE(u.defined());
  CHECK_FALSE(u.requires_grad());
  CHECK(u.impl() == nullptr);
  std::ostringstream os;
  os << u;
  CHECK(os.str() == "tensor(undefined)");
}

TEST_CASE("undefined tensors: a gradient read before any backward raises in the next op",
          "[bad_input]") {
  Tensor p = ones({3}).requires_grad_();
  check_raises_unchanged<ValueError>([&] { p.grad().norm(); }, "norm",
                                     {"grad() before any backward"}, {p});
  check_raises_unchanged<ValueError>([&] { p.grad() * 2.0; }, "mul", {}, {p});
}

TEST_CASE("undefined tensors: creation from a template raises naming the function", "[bad_input]") {
  const Tensor u, a = a_tensor();
  check_cases({{"zeros_like", [&] { zeros_like(u); }},
               {"ones_like", [&] { ones_like(u); }},
               {"full_like", [&] { full_like(u, 2.0); }},
               {"rand_like", [&] { rand_like(u); }},
               {"randn_like", [&] { randn_like(u); }}},
              a);
}

TEST_CASE("undefined tensors: conversions, copies and autograd entry points raise", "[bad_input]") {
  Tensor u;
  const Tensor a = a_tensor();
  check_cases({{"to", [&] { u.to(kFloat32); }},
               {"clone", [&] { u.clone(); }},
               {"contiguous", [&] { u.contiguous(); }},
               {"detach", [&] { u.detach(); }},
               {"requires_grad_", [&] { u.requires_grad_(); }},
               {"zero_grad", [&] { u.zero_grad(); }},
               {"backward", [&] { u.backward(); }},
               {"grad", [&] { autograd::grad({u}, {a}); }}},
              a);
}

TEST_CASE("undefined tensors: views and indexing raise naming the view", "[bad_input]") {
  const Tensor u, a = a_tensor();
  const Tensor idx = tensor({0}, kInt64);
  check_cases({{"reshape", [&] { u.reshape({4}); }},
               {"view", [&] { u.view({4}); }},
               {"flatten", [&] { u.flatten(); }},
               {"transpose", [&] { u.transpose(0, 1); }},
               {"t", [&] { u.t(); }},
               {"mT", [&] { u.mT(); }},
               {"permute",
                [&] {
                  u.permute({1, 0});
                }},
               {"unsqueeze", [&] { u.unsqueeze(0); }},
               {"squeeze", [&] { u.squeeze(0); }},
               {"squeeze", [&] { u.squeeze(); }},
               {"expand",
                [&] {
                  u.expand({2, 2});
                }},
               {"expand_as", [&] { u.expand_as(a); }},
               {"expand_as", [&] { a.expand_as(u); }},
               {"broadcast_to",
                [&] {
                  broadcast_to(u, Dims{2, 2});
                }},
               {"select", [&] { u.select(0, 0); }},
               {"narrow", [&] { u.narrow(0, 0, 1); }},
               {"slice", [&] { slice(u, 0, 0, 1); }},
               {"index", [&] { u.index({0}); }},
               {"triu", [&] { u.triu(); }},
               {"tril", [&] { u.tril(); }},
               {"diagonal", [&] { u.diagonal(); }},
               {"sum_to", [&] { u.sum_to(Dims{1}); }},
               {"movedim", [&] { u.movedim(0, 1); }},
               {"index_select", [&] { u.index_select(0, idx); }},
               {"index_select", [&] { a.index_select(0, u); }},
               {"gather", [&] { u.gather(0, idx); }},
               {"gather", [&] { a.gather(0, u); }},
               {"scatter_add", [&] { scatter_add(u, 0, idx, a); }},
               {"scatter_add", [&] { scatter_add(a, 0, u, a); }},
               {"masked_fill", [&] { u.masked_fill(a > 1.0, 0); }},
               {"masked_fill", [&] { a.masked_fill(u, 0); }},
               {"diag_embed", [&] { diag_embed(u); }}},
              a);
}

TEST_CASE("undefined tensors: elementwise ops raise naming the op", "[bad_input]") {
  const Tensor u, a = a_tensor();
  check_cases({{"exp", [&] { u.exp(); }},
               {"log", [&] { u.log(); }},
               {"sqrt", [&] { u.sqrt(); }},
               {"rsqrt", [&] { u.rsqrt(); }},
               {"abs", [&] { u.abs(); }},
               {"sign", [&] { u.sign(); }},
               {"sin", [&] { u.sin(); }},
               {"cos", [&] { u.cos(); }},
               {"tanh", [&] { u.tanh(); }},
               {"sigmoid", [&] { u.sigmoid(); }},
               {"relu", [&] { u.relu(); }},
               {"neg", [&] { u.neg(); }},
               {"neg", [&] { -u; }},
               {"square", [&] { u.square(); }},
               {"reciprocal", [&] { u.reciprocal(); }},
               {"log1p", [&] { u.log1p(); }},
               {"expm1", [&] { u.expm1(); }},
               {"softplus", [&] { u.softplus(); }},
               {"pow", [&] { u.pow(2.0); }},
               {"pow", [&] { u.pow(a); }},
               {"pow", [&] { a.pow(u); }},
               {"clamp", [&] { u.clamp(0, 1); }},
               {"clamp_min", [&] { u.clamp_min(0); }},
               {"clamp_max", [&] { u.clamp_max(0); }},
               {"logical_not", [&] { u.logical_not(); }},
               {"isnan", [&] { u.isnan(); }},
               {"isfinite", [&] { u.isfinite(); }},
               {"tanh_backward", [&] { tanh_backward(u, a); }},
               {"sigmoid_backward", [&] { sigmoid_backward(a, u); }}},
              a);
}

TEST_CASE("undefined tensors: binary operators raise naming the op and the argument",
          "[bad_input]") {
  const Tensor u, a = a_tensor();
  const Tensor b = a > 2.0;
  check_cases({{"add", [&] { u + a; }},
               {"add", [&] { a + u; }},
               {"add", [&] { u + 1.0; }},
               {"add", [&] { 1.0 + u; }},
               {"sub", [&] { u - a; }},
               {"sub", [&] { u - 1.0; }},
               {"sub", [&] { 1.0 - u; }},
               {"mul", [&] { a* u; }},
               {"mul", [&] { u * 2.0; }},
               {"mul", [&] { 2.0 * u; }},
               {"div", [&] { u / a; }},
               {"div", [&] { u / 2.0; }},
               {"div", [&] { 2.0 / u; }},
               {"lt", [&] { u < a; }},
               {"le", [&] { u <= a; }},
               {"gt", [&] { a > u; }},
               {"ge", [&] { u >= a; }},
               {"eq", [&] { u == a; }},
               {"ne", [&] { a != u; }},
               {"lt", [&] { u < 1.0; }},
               {"le", [&] { u <= 1.0; }},
               {"gt", [&] { u > 1.0; }},
               {"ge", [&] { u >= 1.0; }},
               {"lt", [&] { u.lt(a); }},
               {"logical_and", [&] { u&& b; }},
               {"logical_or", [&] { b || u; }},
               {"result_type", [&] { result_type(u, a); }},
               {"maximum", [&] { maximum(u, a); }},
               {"minimum", [&] { minimum(a, u); }},
               {"atan2", [&] { atan2(u, a); }},
               {"where", [&] { where(u, a, a); }},
               {"where", [&] { where(b, a, u); }},
               {"matmul", [&] { matmul(u, a); }},
               {"matmul", [&] { matmul(a, u); }},
               {"outer", [&] { outer(u, a); }},
               {"cat",
                [&] {
                  cat({a, u}, 0);
                }},
               {"stack", [&] { stack({u}, 0); }},
               {"allclose", [&] { allclose(u, a); }},
               {"equal", [&] { equal(a, u); }}},
              a);
}

TEST_CASE("undefined tensors: the argument number is named when there are several", "[bad_input]") {
  const Tensor u, a = a_tensor();
  check_raises_unchanged<ValueError>([&] { a + u; }, "add", {"argument 2"}, {a});
  check_raises_unchanged<ValueError>([&] { where(a > 1.0, u, a); }, "where", {"argument 2"}, {a});
  check_raises_unchanged<ValueError>([&] { cat({a, a, u}, 0); }, "cat", {"argument 3"}, {a});
}

TEST_CASE("undefined tensors: reductions raise naming the reduction", "[bad_input]") {
  const Tensor u, a = a_tensor();
  check_cases({{"sum", [&] { u.sum(); }},
               {"sum", [&] { u.sum({0}); }},
               {"mean", [&] { u.mean(); }},
               {"mean", [&] { u.mean({0}); }},
               {"prod", [&] { u.prod(); }},
               {"max", [&] { u.max(); }},
               {"min", [&] { u.min(); }},
               {"max", [&] { u.max(0); }},
               {"min", [&] { u.min(0); }},
               {"argmax", [&] { u.argmax(0); }},
               {"argmin", [&] { u.argmin(0); }},
               {"amax", [&] { u.amax({0}); }},
               {"logsumexp", [&] { u.logsumexp({0}); }},
               {"norm", [&] { u.norm(); }},
               {"var", [&] { u.var({0}); }},
               {"softmax", [&] { u.softmax(0); }},
               {"log_softmax", [&] { u.log_softmax(0); }},
               {"all", [&] { u.all(); }},
               {"any", [&] { u.any(); }}},
              a);
}

TEST_CASE("undefined tensors: in-place ops raise and leave the destination unchanged",
          "[bad_input]") {
  Tensor u;
  Tensor a = a_tensor();
  check_cases({{"copy_", [&] { a.copy_(u); }},
               {"copy_", [&] { u.copy_(a); }},
               {"add_", [&] { a.add_(u); }},
               {"add_", [&] { u.add_(a); }},
               {"mul_", [&] { a.mul_(u); }},
               {"mul_", [&] { u.mul_(2.0); }},
               {"div_", [&] { u.div_(2.0); }},
               {"zero_", [&] { u.zero_(); }},
               {"fill_", [&] { u.fill_(1.0); }},
               {"clamp_", [&] { u.clamp_(0, 1); }}},
              a);
}
