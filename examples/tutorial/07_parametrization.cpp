// Tutorial chapter 7 (docs/tutorial/07_parametrization.md): a parametrized weight is computed
// from its original on every get(), so every get() records a small graph; the gradient flows
// through that graph to the original, the leaf the optimizer updates.
#include <iostream>
#include <map>
#include <string>

#include <paragrad/paragrad.hpp>

using namespace paragrad;

struct Symmetric : parametrize::Parametrization {
  Tensor forward(const Tensor& X) override { return X.triu() + X.triu(1).t(); }
  TensorList right_inverse(const Tensor& A) override { return {A.triu()}; }
};

struct RankOne : parametrize::Parametrization {
  Tensor forward(const TensorList& xy) override {
    return matmul(xy[0].unsqueeze(-1), xy[1].unsqueeze(-2));
  }
  TensorList right_inverse(const Tensor& Z) override {
    auto [U, S, Vh] = linalg::svd(Z, /*full_matrices=*/false);
    Tensor s0_sqrt = S.index({0}).sqrt().unsqueeze(-1);
    return {U.index({Ellipsis, Slice(), 0}) * s0_sqrt, Vh.index({Ellipsis, 0, Slice()}) * s0_sqrt};
  }
};

std::map<std::string, Tensor> parameter_names(const nn::Module& m) {
  std::map<std::string, Tensor> names;
  for (const auto& [name, p] : m.named_parameters()) names[name] = p;
  return names;
}

int main() {
  std::cout << std::boolalpha;
  nn::Linear m(3, 3, /*bias=*/true, kFloat64);
  parametrize::register_parametrization(m, "weight", std::make_shared<Symmetric>());
  m.set("weight", tensor({{1, 2, 3}, {2, 4, 5}, {3, 5, 6}}, kFloat64));
  for (const auto& [name, p] : m.named_parameters())
    std::cout << name << " " << p.sizes() << (p.is_leaf() ? " (a leaf)" : "") << "\n";

  // get("weight") runs Symmetric::forward on the original: a graph of four ops.
  Tensor W = m.get("weight");
  std::cout << "\nW = " << W << "\n";
  autograd::print_graph(std::cout, W, parameter_names(m));

  // Every get() computes the weight again, with a graph of its own...
  Tensor W2 = m.get("weight");
  std::cout << "\nsecond get(): same values " << equal(W, W2) << ", same graph "
            << (W.grad_fn() == W2.grad_fn()) << "\n";
  // ...unless a cached() scope is open: then it is computed once and shared.
  {
    auto cache = parametrize::cached();
    Tensor A = m.get("weight"), B = m.get("weight");
    std::cout << "under cached(): the same tensor " << A.is_same(B) << "\n";
  }

  // The gradient reaches the original through the graph: a use of X in both triangles.
  Tensor M = tensor({{1, 2, 3}, {4, 5, 6}, {7, 8, 9}}, kFloat64);
  (m.get("weight") * M).sum().backward();
  Tensor X = m.get("parametrizations.weight.original");
  std::cout << "\nM =\n" << M << "\noriginal.grad() =\n" << X.grad() << "\n";

  // RankOne: two originals, and the weight is their outer product.
  manual_seed(0);
  auto lin = parametrize::register_parametrization(std::make_shared<nn::Linear>(4, 4), "weight",
                                                   std::make_shared<RankOne>());
  std::cout << "\nrank of the RankOne weight: "
            << linalg::matrix_rank(lin->get("weight")).item<int64_t>() << "\n";
  autograd::print_graph(std::cout, lin->get("weight"), parameter_names(*lin));
  return 0;
}
