#pragma once
// Derivatives of a function of one tensor, as torch.autograd.functional: the Jacobian, the
// Hessian and products with them, built on autograd::grad.
//
//   using namespace paragrad::autograd::functional;
//   auto f = [](const Tensor& x) { return (x * x).sum(); };
//   Tensor H = hessian(f, x);                      // 2 I
//   auto [fx, Hv] = hvp(f, x, v);                  // (f(x), 2 v), without forming H
//
// Rules (PyTorch's, strict=false):
//  - f is called once, with grad mode on, on a copy of x that requires grad:
//    x.detach().requires_grad_(), or x itself when create_graph is true and x requires grad
//    (so the results stay differentiable with respect to x).
//  - Where f does not depend on x, the derivative is zeros (never undefined).
//  - Results, f(x) included, are detached unless create_graph.
//  - jvp uses the double-vjp trick: with u a dummy cotangent, g(u) = uᵀJ is linear in u, and
//    the vjp of g with v is Jv. It costs two backward passes and needs f's backward rules to
//    be differentiable — every built-in rule is (they are written in Tensor ops).
//  - hvp computes H v by the same trick on the gradient (as PyTorch's hvp); vhp computes vᵀH
//    directly. They agree wherever f is twice continuously differentiable.
// Errors (paragrad::Error subclasses, naming the function): x undefined or not floating
// point, f returning an undefined tensor, v of the wrong shape, hessian/hvp/vhp of an f that
// does not return a single element.
#include <functional>
#include <utility>

#include <paragrad/engine/export.hpp>
#include <paragrad/engine/tensor.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::autograd::functional {

using Fn = std::function<Tensor(const Tensor&)>;

// d f(x) / d x, of shape f(x).shape + x.shape; one backward pass per element of f(x).
Tensor jacobian(const Fn& f, const Tensor& x, bool create_graph = false);
// The Jacobian of the gradient of a single-element f: shape x.shape + x.shape.
Tensor hessian(const Fn& f, const Tensor& x, bool create_graph = false);

// (f(x), vᵀ J): v has f(x)'s shape (it may be undefined when f(x) has one element: ones).
std::pair<Tensor, Tensor> vjp(const Fn& f, const Tensor& x, const Tensor& v);
std::pair<Tensor, Tensor> vjp(const Fn& f, const Tensor& x, const Tensor& v, bool create_graph);
// (f(x), J v): v has x's shape (undefined when x has one element: ones).
std::pair<Tensor, Tensor> jvp(const Fn& f, const Tensor& x, const Tensor& v);
std::pair<Tensor, Tensor> jvp(const Fn& f, const Tensor& x, const Tensor& v, bool create_graph);
// (f(x), H v) and (f(x), vᵀ H) for a single-element f; v has x's shape.
std::pair<Tensor, Tensor> hvp(const Fn& f, const Tensor& x, const Tensor& v);
std::pair<Tensor, Tensor> hvp(const Fn& f, const Tensor& x, const Tensor& v, bool create_graph);
std::pair<Tensor, Tensor> vhp(const Fn& f, const Tensor& x, const Tensor& v,
                              bool create_graph = false);

}  // namespace paragrad::autograd::functional

PARAGRAD_API_END
