// Tutorial chapter 6 (docs/tutorial/06_training_loop.md): a module, its parameters as the
// leaves of the graph, and a training loop with its loss curve. With a file name as argument,
// also writes the loss of every step there (./scripts/tutorial plots it with gnuplot).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <paragrad/paragrad.hpp>

using namespace paragrad;

// The loss curve as text: one column per step group, log scale, '*' where the loss is.
void plot(const std::vector<double>& losses, int rows, int cols) {
  const double hi = std::log10(*std::max_element(losses.begin(), losses.end()));
  const double lo = std::log10(*std::min_element(losses.begin(), losses.end()));
  std::vector<std::string> grid(size_t(rows), std::string(size_t(cols), ' '));
  for (int c = 0; c < cols; ++c) {
    const double l = std::log10(losses[size_t(c) * losses.size() / size_t(cols)]);
    const int r = int(std::lround((hi - l) / (hi - lo) * (rows - 1)));
    grid[size_t(r)][size_t(c)] = '*';
  }
  for (int r = 0; r < rows; ++r) {
    const double level = std::pow(10.0, hi - (hi - lo) * r / (rows - 1));
    std::string& line = grid[size_t(r)];
    line.erase(line.find_last_not_of(' ') + 1);  // no trailing spaces
    std::printf("%9.1e |%s\n", level, line.c_str());
  }
  std::printf("%9s +%s\n%11s0%*zu steps\n", "", std::string(size_t(cols), '-').c_str(), "",
              cols - 1, losses.size());
}

int main(int argc, char** argv) {
  manual_seed(0);
  // y = sin(x) on [-3, 3], learnt by a 1-16-1 network.
  auto model = std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Linear>(1, 16, true, kFloat64), std::make_shared<nn::Tanh>(),
      std::make_shared<nn::Linear>(16, 1, true, kFloat64)});
  std::cout << *model << "\n";
  Tensor x = linspace(-3, 3, 64, kFloat64).unsqueeze(1);  // [64, 1]
  Tensor y = x.sin();

  // The graph of one loss: the parameters are its leaves.
  std::map<std::string, Tensor> names;
  for (const auto& [name, p] : model->named_parameters()) names[name] = p;
  Tensor loss = nn::functional::mse_loss((*model)(x), y);
  autograd::print_graph(std::cout, loss, names);

  // The loop: zero the gradients, forward, backward, step.
  optim::Adam opt(model->parameters(), /*lr=*/0.02);
  std::vector<double> losses;
  for (int step = 0; step < 400; ++step) {
    opt.zero_grad();
    loss = nn::functional::mse_loss((*model)(x), y);
    loss.backward();
    opt.step();
    losses.push_back(loss.item<double>());
    if (step % 50 == 0 || step == 399) std::printf("step %3d  loss %.5f\n", step, losses.back());
  }
  std::printf("\n");
  plot(losses, 10, 60);

  NoGradGuard no_grad;
  const Tensor probe = tensor({-2.0, 0.0, 1.0, 2.5}, kFloat64).unsqueeze(1);
  const std::vector<double> pred = (*model)(probe).tolist(), truth = probe.sin().tolist();
  std::printf("\n   x    model(x)   sin(x)\n");
  for (size_t i = 0; i < pred.size(); ++i)
    std::printf("%5.1f  %8.4f  %8.4f\n", probe.tolist()[i], pred[i], truth[i]);
  if (argc > 1) {
    std::ofstream out(argv[1]);
    for (size_t i = 0; i < losses.size(); ++i) out << i << " " << losses[i] << "\n";
  }
  return 0;
}
