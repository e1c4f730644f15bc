// nn workloads, LibTorch side: small_mlp_adam, mlp_sgd and mlp_sgd_memory (as ../bench_nn.cpp).
#include <memory>

#include "torch_common.hpp"

namespace {

struct MlpSgd {
  bench::MlpData d = bench::mlp_sgd_data();
  torch::nn::Linear l1{bench::kMlpIn, bench::kMlpHidden}, l2{bench::kMlpHidden, bench::kMlpOut};
  torch::nn::Sequential model;
  torch::Tensor x = bench::to_torch(d.x);
  torch::Tensor y = bench::to_torch(d.y, torch::kInt64).reshape({bench::kMlpBatch});
  std::unique_ptr<torch::optim::SGD> opt;
  MlpSgd() {
    bench::set_linear(l1, d.l1);
    bench::set_linear(l2, d.l2);
    model = torch::nn::Sequential(l1, torch::nn::ReLU(), l2);
    opt = std::make_unique<torch::optim::SGD>(
        model->parameters(), torch::optim::SGDOptions(bench::kMlpLr).momentum(bench::kMlpMomentum));
  }
  double step() {
    bench::zero_grad_to_none(*opt);
    torch::Tensor loss = torch::nn::functional::cross_entropy(model->forward(x), y);
    loss.backward();
    opt->step();
    return loss.item<double>();
  }
};

bench::Case mlp_sgd() {
  auto m = std::make_shared<MlpSgd>();
  return {[m] { return m->step(); }};
}
BENCH_SIDE("mlp_sgd", "torch", mlp_sgd);
BENCH_SIDE("mlp_sgd_2t", "torch", mlp_sgd);  // on the row's 2 threads (setup.cpp)

bench::Case mlp_sgd_memory() {
  auto rss = std::make_shared<std::pair<double, double>>();
  return {[rss] {
            MlpSgd m;
            double loss = 0;
            for (int i = 1; i <= bench::kMemorySteps; ++i) {
              loss = m.step();
              if (i == bench::kMemoryFirstProbe) rss->first = bench::rss_bytes();
            }
            rss->second = bench::rss_bytes();
            return loss;
          },
          nullptr,
          [rss](bench::Metrics& m) {
            m["rss_growth_MiB"] = (rss->second - rss->first) / (1 << 20);
            m["rss_first_MiB"] = rss->first / (1 << 20);
          }};
}
BENCH_SIDE("mlp_sgd_memory", "torch", mlp_sgd_memory);

bench::Case small_mlp_adam() {
  struct State {
    bench::MlpData d = bench::small_mlp_data();
    torch::nn::Linear l1{bench::kSmallIn, bench::kSmallHidden}, l2{bench::kSmallHidden, 1};
    torch::nn::Sequential model;
    torch::Tensor x = bench::to_torch(d.x), y = bench::to_torch(d.y);
    std::unique_ptr<torch::optim::Adam> opt;
  };
  auto s = std::make_shared<State>();
  bench::set_linear(s->l1, s->d.l1);
  bench::set_linear(s->l2, s->d.l2);
  s->model = torch::nn::Sequential(s->l1, torch::nn::Tanh(), s->l2);
  s->opt = std::make_unique<torch::optim::Adam>(s->model->parameters(),
                                                torch::optim::AdamOptions(bench::kAdamLr));
  return {[s] {
    bench::zero_grad_to_none(*s->opt);
    torch::Tensor loss = torch::mse_loss(s->model->forward(s->x), s->y);
    loss.backward();
    s->opt->step();
    return double(loss.data_ptr<float>()[0]);
  }};
}
BENCH_SIDE("small_mlp_adam", "torch", small_mlp_adam);

}  // namespace
