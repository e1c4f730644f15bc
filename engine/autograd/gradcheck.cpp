// gradcheck: compares the Jacobian that backward computes with central finite
// differences, element by element, in float64. With check_grad_grad it then checks the
// gradient of the gradient the same way: the function x -> grad(f(x), x, v) for a fixed
// random v must itself pass gradcheck (PyTorch's gradgradcheck).
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <paragrad/engine/autograd/engine.hpp>
#include <paragrad/engine/autograd/grad_mode.hpp>
#include <paragrad/engine/autograd/graph_view.hpp>

namespace paragrad::autograd {

namespace {

using Fn = std::function<Tensor(const TensorList&)>;

// The worst disagreement seen between the numerical and the analytical Jacobian. Two values
// agree when they are equal (equal infinities included) or both finite and within
// atol + rtol·|numerical|. A NaN or an infinity on either side that the other side does not
// equal is a mismatch of infinite size: NaN never compares, so it must not be left to `>`
// (where it would hide itself and any earlier mismatch).
struct Mismatch {
  bool found = false;
  double size = 0, num = 0, ana = 0;
  int64_t in = -1, out = -1;

  void consider(double numerical, double analytical, double atol, double rtol, int64_t e,
                int64_t j) {
    if (numerical == analytical) return;
    const bool finite = std::isfinite(numerical) && std::isfinite(analytical);
    const double excess =
        finite ? std::abs(numerical - analytical) - (atol + rtol * std::abs(numerical)) : INFINITY;
    if (!(excess > 0) || (found && !(excess > size))) return;
    found = true;
    size = excess;
    num = numerical;
    ana = analytical;
    in = e;
    out = j;
  }
};

// f's output, flattened. Grad mode stays on: for the second-order check, f itself takes
// a gradient.
std::vector<double> flat_output(const Fn& f, const TensorList& xs) { return f(xs).tolist(); }

bool first_order(const Fn& f, const TensorList& inputs, double eps, double atol, double rtol) {
  for (size_t i = 0; i < inputs.size(); ++i)
    check<DtypeError>(!inputs[i].requires_grad() || inputs[i].dtype() == kFloat64,
                      "gradcheck: input ", i, " is ", dtype_name(inputs[i].dtype()),
                      "; gradcheck needs float64 inputs");
  Tensor out = f(inputs);
  check<AutogradError>(out.defined(), "gradcheck: the function returned an undefined tensor");
  const int64_t n_out = out.numel();
  TensorList diff;
  std::vector<size_t> which;
  for (size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].requires_grad()) {
      diff.push_back(inputs[i]);
      which.push_back(i);
    }
  check<AutogradError>(!diff.empty(), "gradcheck: no input requires grad");

  // Analytical Jacobian, one backward per output element: jac[k][j] is d out_j / d x_k (flat).
  std::vector<std::vector<std::vector<double>>> jac(diff.size());
  for (size_t k = 0; k < diff.size(); ++k)
    jac[k].assign(size_t(n_out), std::vector<double>(size_t(diff[k].numel()), 0.0));
  if (out.requires_grad()) {
    for (int64_t j = 0; j < n_out; ++j) {
      Tensor onehot = zeros(out.shape(), out.dtype());
      onehot.data_ptr<double>()[j] = 1.0;
      TensorList gs =
          grad({out}, diff, {onehot}, /*retain_graph=*/true, false, /*allow_unused=*/true);
      for (size_t k = 0; k < diff.size(); ++k)
        if (gs[k].defined()) jac[k][size_t(j)] = gs[k].tolist();
    }
  }

  // Numerical Jacobian, by central differences on each input element.
  for (size_t k = 0; k < diff.size(); ++k) {
    Tensor x = diff[k];
    Mismatch worst;
    for (int64_t e = 0; e < x.numel(); ++e) {
      // Address element e of x (row-major) through its strides.
      int64_t rem = e, off = 0;
      for (size_t d = x.sizes().size(); d-- > 0;) {
        off += (rem % x.sizes()[d]) * x.strides()[d];
        rem /= x.sizes()[d];
      }
      double* p = x.data_ptr<double>() + off;
      const double orig = *p;
      *p = orig + eps;
      std::vector<double> plus = flat_output(f, inputs);
      *p = orig - eps;
      std::vector<double> minus = flat_output(f, inputs);
      *p = orig;
      for (int64_t j = 0; j < n_out; ++j) {
        const double num = (plus[size_t(j)] - minus[size_t(j)]) / (2 * eps);
        worst.consider(num, jac[k][size_t(j)][size_t(e)], atol, rtol, e, j);
      }
    }
    if (worst.found)
      throw AutogradError(cat(
          "gradcheck: Jacobian mismatch for input ", which[k], " (shape ", shape_str(x.sizes()),
          ") at element ", worst.in, " and output element ", worst.out, ": numerical ", worst.num,
          ", analytical ", worst.ana, ", difference ", std::abs(worst.num - worst.ana),
          " exceeds atol ", atol, " + rtol ", rtol, " * |numerical|",
          std::isfinite(worst.num) && std::isfinite(worst.ana)
              ? ""
              : " (a NaN or infinite value on either side is a mismatch: it cannot be checked)"));
  }
  return true;
}

// With PARAGRAD_GRADCHECK_LOG set, each check appends "<node name> <order>" for every node
// of the graph it differentiates (order 2: checked with check_grad_grad), so that CTest's
// derivatives_gradcheck_coverage can tell which gradient rules no gradcheck exercises.
// Without it, nothing is done. An error of f here is left for the check itself to raise.
void log_checked_nodes(const Fn& f, const TensorList& inputs, int order) {
  const char* path = std::getenv("PARAGRAD_GRADCHECK_LOG");
  if (!path || !*path) return;
  std::vector<std::string> names;
  try {
    names = node_names(f(inputs));
  } catch (const Error&) {
    return;
  }
  std::ofstream log(path, std::ios::app);
  for (const std::string& name : names) log << name << ' ' << order << '\n';
}

}  // namespace

bool gradcheck(const Fn& f, const TensorList& inputs, double eps, double atol, double rtol,
               bool check_grad_grad) {
  log_checked_nodes(f, inputs, check_grad_grad ? 2 : 1);
  first_order(f, inputs, eps, atol, rtol);
  if (!check_grad_grad) return true;
  // A fixed random direction v for the output's gradient.
  const Tensor v = randn(f(inputs).shape(), kFloat64);
  TensorList diff;
  for (const Tensor& x : inputs)
    if (x.requires_grad()) diff.push_back(x);
  Fn grad_of_f = [&](const TensorList& xs) {
    Tensor out = f(xs);
    TensorList parts;
    if (out.requires_grad()) {
      TensorList gs = grad({out}, diff, {v}, true, /*create_graph=*/true, /*allow_unused=*/true);
      for (size_t k = 0; k < gs.size(); ++k)
        parts.push_back((gs[k].defined() ? gs[k] : zeros_like(diff[k])).reshape({-1}));
    } else {
      for (const Tensor& d : diff) parts.push_back(zeros_like(d).reshape({-1}));
    }
    return paragrad::cat(parts, 0);
  };
  log_checked_nodes(grad_of_f, inputs, 1);
  try {
    return first_order(grad_of_f, inputs, eps, atol, rtol);
  } catch (const AutogradError& e) {
    throw AutogradError(cat("gradcheck (second order): ", e.what()));
  }
}

}  // namespace paragrad::autograd
