// torch.autograd.functional on top of autograd::grad. Every function follows the same three
// steps as PyTorch's: prepare x (a copy that requires grad), call f once with grad mode on,
// take gradients (zeros where f does not depend on x), and detach unless create_graph.
#include <paragrad/engine/autograd/functional.hpp>

#include <paragrad/engine/autograd/engine.hpp>
#include <paragrad/engine/autograd/grad_mode.hpp>

namespace paragrad::autograd::functional {

namespace {

// The x that f is called on: x itself when the caller wants results differentiable with
// respect to x, otherwise a copy with no history that requires grad.
Tensor prepare(const Tensor& x, bool create_graph, const char* op) {
  check<ValueError>(x.defined(), op, ": x is undefined");
  check<DtypeError>(x.is_floating_point(), op, ": x has dtype ", dtype_name(x.dtype()), " (shape ",
                    shape_str(x.sizes()), "); derivatives need a floating-point x");
  if (create_graph && x.requires_grad()) return x;
  return x.detach().requires_grad_();
}

Tensor call(const Fn& f, const Tensor& x, const char* op) {
  Tensor out = f(x);
  check<ValueError>(out.defined(), op, ": f returned an undefined tensor (x of shape ",
                    shape_str(x.sizes()), ")");
  return out;
}

void check_single_element(const Tensor& out, const char* op) {
  check<ShapeError>(out.numel() == 1, op, ": f must return a single-element tensor, got shape ",
                    shape_str(out.sizes()));
}

// v, or ones when v is undefined and `like` has one element; ShapeError otherwise.
Tensor direction(const Tensor& v, const Tensor& like, const char* op, const char* like_name) {
  if (!v.defined()) {
    check<ShapeError>(like.numel() == 1, op, ": v may be omitted only when ", like_name,
                      " has a single element, but it has shape ", shape_str(like.sizes()));
    return ones_like(like);
  }
  check<ShapeError>(v.sizes() == like.sizes(), op, ": v has shape ", shape_str(v.sizes()), " but ",
                    like_name, " has shape ", shape_str(like.sizes()));
  return v;
}

// d out / d wrt contracted with g (g undefined: out has one element), or zeros shaped like
// wrt where out does not depend on it.
Tensor grad_or_zeros(const Tensor& out, const Tensor& wrt, const Tensor& g, bool create_graph) {
  if (!out.requires_grad()) return zeros_like(wrt);
  Tensor r = grad({out}, {wrt}, {g}, /*retain_graph=*/true, create_graph,
                  /*allow_unused=*/true)[0];
  return r.defined() ? r : zeros_like(wrt);
}

Tensor finish(const Tensor& t, bool create_graph) { return create_graph ? t : t.detach(); }

// The Jacobian of out (already computed from x) with respect to x, one backward per element.
Tensor jacobian_of(const Tensor& out, const Tensor& x, bool create_graph) {
  Shape shape = out.shape();
  for (int64_t d : x.sizes()) shape.push_back(d);
  const int64_t m = out.numel();
  if (!out.requires_grad() || m == 0) return zeros(shape, x.dtype());
  TensorList rows;
  rows.reserve(size_t(m));
  for (int64_t j = 0; j < m; ++j) {
    // A fresh one-hot per row: the engine may hand the seed itself back as a gradient.
    Tensor e = zeros({m}, out.dtype());
    {
      NoGradGuard no_grad;
      e.narrow(0, j, 1).fill_(1.0);
    }
    rows.push_back(grad_or_zeros(out, x, e.reshape(out.shape()), create_graph));
  }
  return stack(rows, 0).reshape(shape);
}

// The common start of the product functions: x prepared, f called once, v checked against
// f(x) (vjp) or x (the others).
struct Call {
  Tensor x, out, v;
  Call(const Fn& f, const Tensor& x0, const Tensor& v0, bool create_graph, const char* op,
       bool v_like_out = false, bool single_output = false)
      : x(prepare(x0, create_graph, op)), out(call(f, x, op)) {
    if (single_output) check_single_element(out, op);
    v = v_like_out ? direction(v0, out, op, "f(x)") : direction(v0, x, op, "x");
  }
};

}  // namespace

Tensor jacobian(const Fn& f, const Tensor& x, bool create_graph) {
  EnableGradGuard grad_on;
  const Tensor xg = prepare(x, create_graph, "jacobian");
  const Tensor out = call(f, xg, "jacobian");
  return finish(jacobian_of(out, xg, create_graph), create_graph);
}

Tensor hessian(const Fn& f, const Tensor& x, bool create_graph) {
  EnableGradGuard grad_on;
  const Tensor xg = prepare(x, create_graph, "hessian");
  const Tensor out = call(f, xg, "hessian");
  check_single_element(out, "hessian");
  const Tensor g = grad_or_zeros(out, xg, Tensor(), /*create_graph=*/true);
  return finish(jacobian_of(g, xg, create_graph), create_graph);
}

std::pair<Tensor, Tensor> vjp(const Fn& f, const Tensor& x, const Tensor& v) {
  return vjp(f, x, v, false);
}
std::pair<Tensor, Tensor> vjp(const Fn& f, const Tensor& x, const Tensor& v, bool create_graph) {
  EnableGradGuard grad_on;
  const Call c(f, x, v, create_graph, "vjp", /*v_like_out=*/true);
  return {finish(c.out, create_graph),
          finish(grad_or_zeros(c.out, c.x, c.v, create_graph), create_graph)};
}

std::pair<Tensor, Tensor> jvp(const Fn& f, const Tensor& x, const Tensor& v) {
  return jvp(f, x, v, false);
}
std::pair<Tensor, Tensor> jvp(const Fn& f, const Tensor& x, const Tensor& v, bool create_graph) {
  EnableGradGuard grad_on;
  const Call c(f, x, v, create_graph, "jvp");
  Tensor result = zeros_like(c.out);
  if (c.out.requires_grad()) {
    // Double-vjp: g(u) = uᵀJ is linear in the dummy u, and the vjp of g with v is J v.
    const Tensor u = zeros_like(c.out).requires_grad_();
    const Tensor g = grad_or_zeros(c.out, c.x, u, /*create_graph=*/true);
    result = grad_or_zeros(g, u, c.v, create_graph);
  }
  return {finish(c.out, create_graph), finish(result, create_graph)};
}

std::pair<Tensor, Tensor> hvp(const Fn& f, const Tensor& x, const Tensor& v) {
  return hvp(f, x, v, false);
}
std::pair<Tensor, Tensor> hvp(const Fn& f, const Tensor& x, const Tensor& v, bool create_graph) {
  EnableGradGuard grad_on;
  const Call c(f, x, v, create_graph, "hvp", false, /*single_output=*/true);
  // As PyTorch's hvp: with the gradient g(x) and a dummy u, d(uᵀ ∂g/∂x)/du contracted with v
  // is H v (not vᵀH, which is what vhp returns).
  const Tensor g = grad_or_zeros(c.out, c.x, Tensor(), /*create_graph=*/true);
  const Tensor u = zeros_like(c.x).requires_grad_();
  const Tensor double_back = grad_or_zeros(g, c.x, u, /*create_graph=*/true);
  const Tensor result = grad_or_zeros(double_back, u, c.v, create_graph);
  return {finish(c.out, create_graph), finish(result, create_graph)};
}

std::pair<Tensor, Tensor> vhp(const Fn& f, const Tensor& x, const Tensor& v, bool create_graph) {
  EnableGradGuard grad_on;
  const Call c(f, x, v, create_graph, "vhp", false, /*single_output=*/true);
  const Tensor g = grad_or_zeros(c.out, c.x, Tensor(), /*create_graph=*/true);
  return {finish(c.out, create_graph),
          finish(grad_or_zeros(g, c.x, c.v, create_graph), create_graph)};
}

}  // namespace paragrad::autograd::functional
