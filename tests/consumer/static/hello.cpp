// A static program that trains a small MLP and never saves or loads: it must not link paragrad's
// serialization code (checked with nm by the `package_static_binary_without_serialize` test).
#include <initializer_list>
#include <iostream>
#include <memory>

#include <paragrad/nn/nn.hpp>

int main() {
  using namespace paragrad;
  manual_seed(0);
  auto net = std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Linear>(4, 8), std::make_shared<nn::Tanh>(),
      std::make_shared<nn::Linear>(8, 1)});
  optim::SGD opt(net->parameters(), 0.1);
  Tensor x = randn({16, 4});
  Tensor y = x.sum({1}, true);
  double first = 0, last = 0;
  for (int step = 0; step < 20; ++step) {
    opt.zero_grad();
    Tensor loss = nn::functional::mse_loss((*net)(x), y);
    loss.backward();
    opt.step();
    (step == 0 ? first : last) = loss.item<double>();
  }
  std::cout << "loss " << first << " -> " << last << "\n";
  return last < first ? 0 : 1;
}
