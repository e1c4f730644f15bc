// Tutorial chapter 2 (docs/tutorial/02_broadcasting.md): tensors, broadcasting, and why the
// gradient of a broadcast input is a sum.
#include <iostream>

#include <paragrad/paragrad.hpp>

using namespace paragrad;

int main() {
  // A batch of 4 rows of 3 features, and a bias of 3 features added to every row.
  Tensor X = arange(0, 12, 1, kFloat64).reshape({4, 3});
  Tensor bias = tensor({0.1, 0.2, 0.3}, kFloat64).requires_grad_();
  Tensor Y = X + bias;  // [4, 3] + [3]: bias is broadcast over the 4 rows
  Tensor loss = Y.sum();
  loss.backward();
  std::cout << "Y.shape() = " << Y.sizes() << ", bias.shape() = " << bias.sizes() << "\n";
  std::cout << "bias.grad() = " << bias.grad() << "\n";
  autograd::print_graph(std::cout, loss, {{"bias", bias}});

  // The same computation with the broadcast written out: expand is an op of its own, and
  // its backward rule is the sum.
  Tensor bias2 = tensor({0.1, 0.2, 0.3}, kFloat64).requires_grad_();
  Tensor B = bias2.expand({4, 3});
  Tensor loss2 = (X + B).sum();
  loss2.backward();
  std::cout << "\nbias2.grad() = " << bias2.grad() << "\n";
  autograd::print_graph(std::cout, loss2, {{"bias2", bias2}, {"B", B}});

  // Broadcasting both ways: a column times a row is a matrix.
  Tensor u = tensor({1.0, 2.0}, {2, 1}, kFloat64).requires_grad_();          // [2, 1]
  Tensor v = tensor({1.0, 10.0, 100.0}, {1, 3}, kFloat64).requires_grad_();  // [1, 3]
  Tensor Z = u * v;                                                          // [2, 3]
  Z.sum().backward();
  std::cout << "\nZ = " << Z << "\n";
  std::cout << "u.grad() = " << u.grad() << "\n";
  std::cout << "v.grad() = " << v.grad() << "\n";

  // A weighted loss, so that the rows count differently, checked against finite differences.
  Tensor w = tensor({{1.0, 0.0, -1.0}, {2.0, 0.5, 0.0}}, kFloat64);
  auto weighted = [&](const TensorList& in) { return (in[0] * in[1] * w).sum(); };
  u.zero_grad();
  v.zero_grad();
  weighted({u, v}).backward();
  std::cout << "\nwith weights w: u.grad() = " << u.grad() << "\n";
  std::cout << "                v.grad() = " << v.grad() << "\n";
  std::cout << std::boolalpha << "gradcheck: " << autograd::gradcheck(weighted, {u, v}) << "\n";
  return 0;
}
