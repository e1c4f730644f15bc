// Tutorial chapter 5 (docs/tutorial/05_hooks_anomaly.md): debugging a NaN gradient. Hooks show
// the gradient flowing into any tensor, retain_grad keeps it, anomaly mode names the backward
// node that first produced the NaN or Inf, and a hook can change a gradient on its way.
#include <iostream>

#include <paragrad/paragrad.hpp>

using namespace paragrad;

// The length of each row of x: sqrt(x0^2 + x1^2).
Tensor row_norms(const Tensor& x) { return (x * x).sum(1).sqrt(); }

int main() {
  // 1. The symptom: a NaN in the gradient, for a loss that is perfectly finite.
  Tensor x = tensor({{3.0, 4.0}, {0.0, 0.0}, {1.0, 0.0}}, kFloat64).requires_grad_();
  Tensor loss = row_norms(x).sum();
  loss.backward();
  std::cout << "loss = " << loss.item<double>() << "\nx.grad() =\n" << x.grad() << "\n";

  // 2. Hooks: print the gradient flowing into each intermediate tensor.
  x.zero_grad();
  Tensor squares = x * x;
  Tensor sums = squares.sum(1);
  Tensor norms = sums.sqrt();
  auto show = [](const char* name) {
    return [name](const Tensor& g) {
      std::cout << "gradient into " << name << ": " << g << "\n";
      return Tensor();  // undefined: keep the gradient as it is
    };
  };
  auto h1 = norms.register_hook(show("norms"));
  auto h2 = sums.register_hook(show("sums"));
  auto h3 = squares.register_hook(show("squares"));
  norms.sum().backward();
  h1.remove();
  h2.remove();
  h3.remove();

  // retain_grad keeps a non-leaf's gradient in .grad(), as a leaf's.
  x.zero_grad();
  Tensor sums2 = (x * x).sum(1);
  sums2.retain_grad();
  sums2.sqrt().sum().backward();
  std::cout << "\nsums2.grad() = " << sums2.grad() << "\n";

  // 3. Anomaly mode: the first backward node that returns NaN or Inf raises, naming itself, the
  // forward op and the chain of forward ops that led to it. No .grad() is touched.
  x.zero_grad();
  {
    autograd::DetectAnomalyGuard anomaly;
    Tensor bad = row_norms(x).sum();
    try {
      bad.backward();
    } catch (const AutogradError& e) {
      std::cout << "\nAutogradError: " << e.what() << "\n";
    }
  }
  std::cout << "x.grad() defined after the failed backward: " << std::boolalpha
            << x.grad().defined() << "\n";

  // 4a. A hook can replace the gradient: here it zeroes the non-finite entries on their way
  // into the squares. A band-aid: it hides the NaN where it is made.
  Tensor sq = x * x;
  sq.register_hook([](const Tensor& g) { return where(g.isfinite(), g, zeros_like(g)); });
  sq.sum(1).sqrt().sum().backward();
  std::cout << "\nwith the hook, x.grad() =\n" << x.grad() << "\n";

  // 4b. The fix: no sqrt at 0 in the graph. The inner where keeps sqrt's input positive, the
  // outer one picks 0 for the zero rows (the gradient of the norm there is taken as 0).
  x.zero_grad();
  Tensor s = (x * x).sum(1);
  Tensor positive = s > 0.0;
  Tensor safe = where(positive, s, ones_like(s)).sqrt();
  Tensor fixed = where(positive, safe, zeros_like(s)).sum();
  {
    autograd::DetectAnomalyGuard anomaly;  // now nothing raises
    fixed.backward();
  }
  std::cout << "fixed: loss = " << fixed.item<double>() << ", x.grad() =\n" << x.grad() << "\n";
}
