// dropout: a Bernoulli keep-mask from the global generator (manual_seed makes it reproducible).
#include <paragrad/engine/random.hpp>
#include <paragrad/nn/functional/functional.hpp>

namespace paragrad::nn::functional {

Tensor dropout(const Tensor& x, double p, bool training) {
  check_defined("dropout", x);
  check<ValueError>(p >= 0 && p <= 1, "dropout: probability has to be between 0 and 1, but got ",
                    p);
  if (!training || p == 0) return x;
  if (p == 1) return x * zeros_like(x);
  const Tensor keep = (rand(x.shape(), x.dtype()) >= p).to(x.dtype());
  return x * keep * (1.0 / (1.0 - p));
}

}  // namespace paragrad::nn::functional
