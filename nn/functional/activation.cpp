// Activations.
#include <cmath>

#include <paragrad/engine/autograd/function.hpp>
#include <paragrad/engine/detail/saved_output.hpp>
#include <paragrad/nn/functional/functional.hpp>

namespace paragrad::nn::functional {

using autograd::grad_list;
using autograd::needs_grad;
using autograd::record;
using autograd::SavedTensor;

// relu with a one-pass backward: g where the output is positive, else 0 (PyTorch's
// threshold_backward), where Tensor::relu's rule takes three passes and two temporaries of
// the input's size. Under create_graph the rule is written in ops (g * (y > 0)), so it
// differentiates again.
Tensor relu(const Tensor& x) {
  check<ValueError>(x.defined(), "relu: undefined input");
  if (!needs_grad(x)) return x.relu();
  Tensor out = x.detach().relu();
  // grad ReluBackward: relu(x) => g * [out > 0]
  record("ReluBackward", out, {x}, [so = SavedTensor(out, true)](Tensor g) {
    // (A gradient the rule alone holds is written over, the output read where it lies.)
    if (paragrad::detail::over_with_output(
            g, so, [](auto a, auto y) { return y > 0 ? a : decltype(a)(0); }))
      return g;
    const Tensor y = so.unpack();
    if (is_grad_enabled() || !g.is_floating_point() || g.dtype() != y.dtype() ||
        g.sizes() != y.sizes())
      return g * (y > 0.0).to(g.dtype());
    const Tensor gc = g.contiguous(), yc = y.detach().contiguous();
    Tensor gx = empty(yc.shape(), yc.dtype());
    dispatch_floating(yc.dtype(), "relu_backward", [&](auto tag) {
      using T = decltype(tag);
      const T* __restrict pg = gc.data_ptr<T>();
      const T* __restrict py = yc.data_ptr<T>();
      T* __restrict po = gx.data_ptr<T>();
      // (g read whatever the sign: a select the compiler vectorizes, not a branch, which a
      // ReLU's inputs, about half of them negative, mispredict every other element.)
      for (int64_t i = 0, n = yc.numel(); i < n; ++i) {
        const T gi = pg[i];
        po[i] = py[i] > T(0) ? gi : T(0);
      }
    });
    return gx;
  });
  return out;
}

// erf is not an engine op: its forward runs on plain data here, its backward
// d/dx erf(x) = 2/√π e^{-x²} is written in Tensor ops (so it differentiates again).
Tensor erf(const Tensor& x) {
  check_defined("erf", x);
  Tensor xc = x.detach().contiguous();
  Tensor out = empty(xc.shape(), xc.dtype());
  dispatch_floating(xc.dtype(), "erf", [&](auto tag) {
    using T = decltype(tag);
    const T* src = xc.data_ptr<T>();
    T* dst = out.data_ptr<T>();
    for (int64_t i = 0; i < xc.numel(); ++i) dst[i] = std::erf(src[i]);
  });
  if (needs_grad(x))
    // grad ErfBackward: erf(x) => g * 2/√π * exp(-x²)
    record("ErfBackward", out, {x}, [sx = SavedTensor(x)](const Tensor& g) {
      const Tensor v = sx.unpack();
      return g * (2.0 / std::sqrt(M_PI)) * (-v.square()).exp();
    });
  return out;
}

Tensor gelu(const Tensor& x, const std::string& approximate) {
  check_defined("gelu", x);
  if (approximate == "none") return 0.5 * x * (1.0 + erf(x * M_SQRT1_2));
  check<ValueError>(approximate == "tanh", "gelu: approximate must be 'none' or 'tanh', got '",
                    approximate, "'");
  const double k = std::sqrt(2.0 / M_PI);
  return 0.5 * x * (1.0 + (k * (x + 0.044715 * x * x * x)).tanh());
}

Tensor softplus(const Tensor& x, double beta, double threshold) {
  check_defined("softplus", x);
  check<ValueError>(beta > 0, "softplus: beta must be positive, got ", beta);
  const Tensor bx = x * beta;
  // PyTorch: x where beta*x > threshold, else log(1 + exp(beta x)) / beta.
  return where(bx > threshold, x, bx.softplus() / beta);
}

Tensor leaky_relu(const Tensor& x, double negative_slope) {
  return where(x > 0.0, x, x * negative_slope);
}

// expm1 of min(x, 0): the branch where() discards must stay finite, or its zero gradient times
// an infinite derivative would be NaN.
Tensor elu(const Tensor& x, double alpha) {
  return where(x > 0.0, x, x.clamp_max(0).expm1() * alpha);
}

Tensor silu(const Tensor& x) { return x * x.sigmoid(); }

Tensor softmax(const Tensor& x, int64_t dim) { return x.softmax(dim); }
Tensor log_softmax(const Tensor& x, int64_t dim) { return x.log_softmax(dim); }

}  // namespace paragrad::nn::functional
