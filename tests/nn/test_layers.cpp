// Layers: Linear's default init and forward, activations, LayerNorm, Dropout, Embedding, RNNCell.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include <paragrad/nn/nn.hpp>

#include "nn/module_repr.hpp"

using namespace paragrad;

TEST_CASE("Linear's default init lies within ±1/sqrt(in) and fills that range uniformly") {
  manual_seed(1);
  nn::Linear lin(100, 200);
  const double bound = 1.0 / std::sqrt(100.0);
  const auto w = lin.weight().tolist();
  const double lo = *std::min_element(w.begin(), w.end());
  const double hi = *std::max_element(w.begin(), w.end());
  CHECK(lo >= -bound);
  CHECK(hi <= bound);
  CHECK(lo < -0.99 * bound);
  CHECK(hi > 0.99 * bound);
  double mean = 0, sq = 0;
  for (double v : w) mean += v, sq += v * v;
  mean /= double(w.size());
  sq /= double(w.size());
  CHECK(std::abs(mean) < 0.002);
  CHECK(std::sqrt(sq) == Approx(bound / std::sqrt(3.0)).epsilon(0.02));  // uniform's std
  for (double v : lin.bias().tolist()) CHECK(std::abs(v) <= bound);
  CHECK(lin.weight().shape() == Shape{200, 100});
  CHECK(lin.weight().requires_grad());
}

TEST_CASE("Linear's init is reproducible with manual_seed") {
  manual_seed(7);
  nn::Linear a(3, 3);
  manual_seed(7);
  nn::Linear b(3, 3);
  CHECK(equal(a.weight(), b.weight()));
  CHECK(equal(a.bias(), b.bias()));
}

TEST_CASE("Linear computes x W^T + b for 1-d, 2-d and batched inputs, in its dtype") {
  nn::Linear lin(2, 3, true, kFloat64);
  lin.set("weight", tensor({{1, 2}, {3, 4}, {5, 6}}, kFloat64));
  lin.set("bias", tensor({0.5, 0, -0.5}, kFloat64));
  CHECK(lin(tensor({1.0, 1.0}, kFloat64)).tolist() == std::vector<double>{3.5, 7, 10.5});
  CHECK(lin(ones({4, 5, 2}, kFloat64)).shape() == Shape{4, 5, 3});
  CHECK(lin.weight().dtype() == kFloat64);
  CHECK_THROWS_AS(lin(ones({2, 3}, kFloat64)), ShapeError);
}

// functional::linear is one op (one GEMM, bias added in it); its backward is in Tensor ops.
TEST_CASE("linear passes first and second order gradcheck with and without bias") {
  namespace F = nn::functional;
  manual_seed(11);
  const Tensor x = randn({2, 3, 4}, kFloat64).requires_grad_();
  const Tensor w = randn({5, 4}, kFloat64).requires_grad_();
  const Tensor b = randn({5}, kFloat64).requires_grad_();
  CHECK(autograd::gradcheck([](const TensorList& in) { return F::linear(in[0], in[1], in[2]); },
                            {x, w, b}, 1e-6, 1e-5, 1e-4, true));
  CHECK(autograd::gradcheck([](const TensorList& in) { return F::linear(in[0], in[1], Tensor()); },
                            {x, w}, 1e-6, 1e-5, 1e-4, true));
  const Tensor x1 = randn({4}, kFloat64).requires_grad_();  // a 1-d input
  CHECK(autograd::gradcheck([](const TensorList& in) { return F::linear(in[0], in[1], in[2]); },
                            {x1, w, b}, 1e-6, 1e-5, 1e-4, true));
}

TEST_CASE("linear's weight gradient is contiguous and equals g^T x") {
  manual_seed(12);
  const Tensor x = randn({6, 4}), w = randn({3, 4}).requires_grad_(), b = randn({3});
  const Tensor g = randn({6, 3});
  nn::functional::linear(x, w, b).backward(g);
  CHECK(w.grad().is_contiguous());
  CHECK(allclose(w.grad(), matmul(g.t(), x), 1e-5, 1e-5));
  CHECK_FALSE(b.grad().defined());  // b does not require grad
}

TEST_CASE("linear on an empty batch or with no input features gives the bias shape") {
  const Tensor w = ones({4, 3}), b = ones({4});
  const Tensor e = nn::functional::linear(ones({0, 3}), w, b);
  CHECK(e.shape() == Shape{0, 4});
  const Tensor z = nn::functional::linear(ones({2, 0}), ones({4, 0}), b);  // in_features = 0
  CHECK(z.tolist() == std::vector<double>(8, 1.0));
}

TEST_CASE("Linear without bias has an undefined bias and no bias parameter") {
  nn::Linear lin(2, 3, false);
  CHECK_FALSE(lin.bias().defined());
  CHECK(lin.parameters().size() == 1);
  CHECK(lin.state_dict().count("bias") == 0);
  CHECK(repr(lin) == "Linear(in_features=2, out_features=3, bias=False)");
}

TEST_CASE("activations compute relu, tanh, sigmoid, gelu and softplus") {
  const Tensor x = tensor({-2.0, 0.0, 1.5}, kFloat64);
  CHECK(nn::ReLU()(x).tolist() == std::vector<double>{0, 0, 1.5});
  CHECK(allclose(nn::Tanh()(x), x.tanh()));
  CHECK(allclose(nn::Sigmoid()(x), x.sigmoid()));
  CHECK(nn::GELU()(x).tolist()[2] == Approx(1.5 * 0.5 * (1 + std::erf(1.5 / std::sqrt(2.0)))));
  CHECK(nn::Softplus()(x).tolist()[0] == Approx(std::log1p(std::exp(-2.0))));
  CHECK(repr(nn::GELU()) == "GELU(approximate='none')");
  CHECK(repr(nn::Softplus()) == "Softplus(beta=1, threshold=20)");
}

TEST_CASE("LayerNorm normalizes the last dims and has weight and bias") {
  nn::LayerNorm ln({3});
  Tensor y = ln(tensor({{1.0, 2.0, 3.0}, {-1.0, 0.0, 5.0}}));
  auto m = y.mean({1}).tolist();
  CHECK(m[0] == Approx(0).margin(1e-6));
  CHECK(y.var({1}, false).tolist()[1] == Approx(1).epsilon(1e-4));
  CHECK(ln.parameters().size() == 2);
  CHECK(repr(ln) == "LayerNorm((3,), eps=1e-05, elementwise_affine=True)");
  CHECK_THROWS_AS(ln(ones({2, 4})), ShapeError);
}

TEST_CASE("Dropout zeroes and rescales in training and is the identity in eval") {
  manual_seed(3);
  nn::Dropout drop(0.25);
  Tensor x = ones({4000});
  auto y = drop(x).tolist();
  size_t zeros_n = 0;
  for (double v : y) {
    if (v == 0)
      ++zeros_n;
    else
      CHECK(v == Approx(1 / 0.75));
  }
  CHECK(double(zeros_n) / 4000 == Approx(0.25).margin(0.03));
  drop.eval();
  CHECK(drop(x).is_same(x));
  CHECK(repr(drop) == "Dropout(p=0.25, inplace=False)");
  CHECK_THROWS_AS(nn::Dropout(1.5), ValueError);
}

TEST_CASE("Embedding looks rows up by Int64 index and rejects out-of-range indices") {
  nn::Embedding emb(5, 3);
  Tensor idx = tensor({{0, 4}, {2, 2}}, kInt64);
  Tensor out = emb(idx);
  CHECK(out.shape() == Shape{2, 2, 3});
  CHECK(equal(out.select(0, 1).select(0, 0), emb.weight().select(0, 2)));
  out.sum().backward();
  CHECK(emb.weight().grad().tolist()[6] == 2);  // row 2 used twice
  CHECK_THROWS_AS(emb(tensor({5}, kInt64)), IndexError);
  CHECK_THROWS_AS(emb(tensor({1.0})), DtypeError);
  CHECK(repr(emb) == "Embedding(5, 3)");
}

TEST_CASE("RNNCell computes tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)") {
  nn::RNNCell cell(2, 3, true, "tanh", kFloat64);
  const Tensor x = tensor({{0.5, -1.0}}, kFloat64);
  const Tensor h = tensor({{0.1, 0.2, 0.3}}, kFloat64);
  const Tensor want = (matmul(x, cell.get("weight_ih").t()) + cell.get("bias_ih") +
                       matmul(h, cell.get("weight_hh").t()) + cell.get("bias_hh"))
                          .tanh();
  CHECK(allclose(cell.forward(x, h), want));
  CHECK(cell(x).shape() == Shape{1, 3});
  const double bound = 1 / std::sqrt(3.0);
  for (auto& p : cell.parameters())
    for (double v : p.tolist()) CHECK(std::abs(v) <= bound);
  CHECK(repr(cell) == "RNNCell(2, 3)");
  CHECK_THROWS_AS(cell.forward(x, zeros({1, 4}, kFloat64)), ShapeError);
}
