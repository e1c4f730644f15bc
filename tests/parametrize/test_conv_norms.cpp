// spectral_norm and weight_norm on Conv1d, Conv2d and ConvTranspose2d against PyTorch 1.13
// (scripts/oracle/nn_layers_oracle.py): PyTorch's default dims (a transposed convolution's
// spectral norm runs over dim 1), its state_dict keys, and the normalized weights.
#include <catch2/catch.hpp>

#include <paragrad/nn/nn.hpp>
#include <paragrad/parametrize/parametrizations.hpp>

#include "nn/oracle_case.hpp"

using namespace paragrad;
namespace O = nn_layers_oracle;
using oracle_case::check_close;
using oracle_case::get;

namespace {
void check_spectral(nn::Module& m, const O::Case& c) {
  parametrizations::spectral_norm(m);
  // PyTorch's keys: parametrizations.weight.original, parametrizations.weight.0._u / _v, bias
  m.load_state_dict(oracle_case::state(c), true);
  m.eval();  // no power iteration: sigma from PyTorch's u and v
  check_close(m.get("weight"), c, "eval_weight", 1e-9, 1e-12);
  m.train();  // one power iteration updates u and v as PyTorch's
  check_close(m.get("weight"), c, "train_weight", 1e-9, 1e-12);
  check_close(m.get("parametrizations.weight.0._u"), c, "after.parametrizations.weight.0._u", 1e-9,
              1e-12);
  check_close(m.get("parametrizations.weight.0._v"), c, "after.parametrizations.weight.0._v", 1e-9,
              1e-12);
}

void check_weight_norm(nn::Module& m, const O::Case& c) {
  m.set("weight", get(c, "weight"));
  parametrizations::weight_norm(m);
  // PyTorch 1.13's weight_g / weight_v are this parametrization's original0 / original1
  check_close(m.get("parametrizations.weight.original0"), c, "g");
  check_close(m.get("parametrizations.weight.original1"), c, "v");
  m.set("parametrizations.weight.original0", get(c, "g_scaled"));
  check_close(m.get("weight"), c, "weight_scaled");
}
}  // namespace

TEST_CASE("spectral_norm on Conv1d and Conv2d normalizes over dim 0 as PyTorch") {
  nn::Conv1d c1(3, 4, 2, 1, 0, 1, 1, true, "zeros", kFloat64);
  check_spectral(c1, O::sn_conv1d);
  CHECK(c1.get("parametrizations.weight.0._u").shape() == Shape{4});
  nn::Conv2d c2(2, 3, {2, 3}, 1, 0, 1, 1, true, "zeros", kFloat64);
  check_spectral(c2, O::sn_conv2d);
}

TEST_CASE("spectral_norm on ConvTranspose2d normalizes over dim 1 as PyTorch") {
  nn::ConvTranspose2d t(4, 6, 2, 1, 0, 0, 2, true, 1, "zeros", kFloat64);
  check_spectral(t, O::sn_conv_transpose2d);
  CHECK(t.get("parametrizations.weight.0._u").shape() == Shape{3});  // out / groups
  CHECK(t.get("parametrizations.weight.0._v").shape() == Shape{4 * 2 * 2});
}

TEST_CASE("weight_norm on Conv1d, Conv2d and ConvTranspose2d uses dim 0 as PyTorch") {
  nn::Conv1d c1(3, 4, 2, 1, 0, 1, 1, true, "zeros", kFloat64);
  check_weight_norm(c1, O::wn_conv1d);
  nn::Conv2d c2(2, 3, {2, 3}, 1, 0, 1, 1, true, "zeros", kFloat64);
  check_weight_norm(c2, O::wn_conv2d);
  nn::ConvTranspose2d t(4, 6, 2, 1, 0, 0, 2, true, 1, "zeros", kFloat64);
  check_weight_norm(t, O::wn_conv_transpose2d);
  CHECK(t.get("parametrizations.weight.original0").shape() == Shape{4, 1, 1, 1});
}

TEST_CASE("a spectrally normalized Conv2d trains: gradients reach the original weight") {
  manual_seed(3);
  nn::Conv2d conv(2, 3, 3, 1, 1, 1, 1, true, "zeros", kFloat64);
  parametrizations::spectral_norm(conv);
  const Tensor y = conv(randn({1, 2, 4, 4}, kFloat64));
  y.sum().backward();
  CHECK(conv.get("parametrizations.weight.original").grad().defined());
  CHECK(autograd::gradcheck(
      [&](const TensorList& x) {
        conv.eval();
        return conv(x[0]);
      },
      {randn({1, 2, 3, 3}, kFloat64).requires_grad_(true),
       conv.get("parametrizations.weight.original")},
      1e-6, 1e-5, 1e-3, true));
}

namespace {
// orthogonal on a Conv2d weight [out, in, kh, kw]: a batch of kh x kw matrices, each with
// orthonormal rows or columns. PyTorch's original and base load strictly; the weight, the
// convolution through it and the gradient reaching the original match PyTorch's.
void check_orthogonal_conv(nn::Conv2d& conv, const O::Case& c, const std::string& orth_map) {
  parametrizations::orthogonal(conv, "weight", orth_map);
  conv.load_state_dict(oracle_case::state(c), true);
  const Tensor w = conv.get("weight");
  check_close(w, c, "weight", 1e-9, 1e-12);
  const int64_t kh = w.size(2), kw = w.size(3);
  const Tensor gram = kh <= kw ? matmul(w, w.transpose(2, 3)) : matmul(w.transpose(2, 3), w);
  const Tensor id = eye(std::min(kh, kw), kFloat64).expand(gram.shape());
  CHECK(allclose(gram, id, 1e-9, 1e-9));
  const Tensor y = conv(get(c, "input"));
  check_close(y, c, "output", 1e-9, 1e-12);
  y.square().sum().backward();
  check_close(conv.get("parametrizations.weight.original").grad(), c, "grad.original", 1e-8, 1e-10);
}
}  // namespace

TEST_CASE("orthogonal on Conv2d weights matches PyTorch, square kernel by matrix_exp") {
  nn::Conv2d conv(2, 3, 3, 1, 0, 1, 1, true, "zeros", kFloat64);
  check_orthogonal_conv(conv, O::orth_conv2d_square, "");
}

TEST_CASE("orthogonal on Conv2d weights matches PyTorch, wide kernel by householder") {
  nn::Conv2d conv(2, 3, {2, 3}, 1, 0, 1, 1, true, "zeros", kFloat64);
  check_orthogonal_conv(conv, O::orth_conv2d_wide, "");
}

TEST_CASE("orthogonal on Conv2d weights matches PyTorch by cayley") {
  nn::Conv2d conv(1, 2, 2, 1, 0, 1, 1, true, "zeros", kFloat64);
  check_orthogonal_conv(conv, O::orth_conv2d_cayley, "cayley");
}
