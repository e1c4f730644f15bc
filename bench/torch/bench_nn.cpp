// nn workloads, LibTorch side: small_mlp_adam, mlp_sgd, mlp_sgd_memory, cnn_step and lstm_step
// (as ../bench_nn.cpp).
#include <memory>

#include "torch_common.hpp"

namespace {

// A classifier on fixed data trained with SGD with momentum (mlp_sgd, cnn_step): one step.
struct ClassifierSgd {
  torch::nn::Sequential model;
  torch::Tensor x, y;
  std::unique_ptr<torch::optim::SGD> opt;
  void make_optimizer() {
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

template <class Model>
bench::Case classifier_step() {
  auto m = std::make_shared<Model>();
  return {[m] { return m->step(); }};
}

struct MlpSgd : ClassifierSgd {
  bench::MlpData d = bench::mlp_sgd_data();
  MlpSgd() {
    torch::nn::Linear l1{bench::kMlpIn, bench::kMlpHidden}, l2{bench::kMlpHidden, bench::kMlpOut};
    bench::set_linear(l1, d.l1);
    bench::set_linear(l2, d.l2);
    x = bench::to_torch(d.x);
    y = bench::to_torch(d.y, torch::kInt64).reshape({bench::kMlpBatch});
    model = torch::nn::Sequential(l1, torch::nn::ReLU(), l2);
    make_optimizer();
  }
};

bench::Case mlp_sgd() { return classifier_step<MlpSgd>(); }
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

struct CnnStep : ClassifierSgd {
  bench::CnnData d = bench::cnn_data();
  static torch::nn::Conv2d conv(const bench::LinearInit& init, int64_t in, int64_t out) {
    torch::nn::Conv2d c(torch::nn::Conv2dOptions(in, out, 3).padding(1));
    torch::NoGradGuard no_grad;
    c->weight.copy_(bench::to_torch(init.weight).reshape({out, in, 3, 3}));
    c->bias.copy_(bench::to_torch(init.bias).reshape({out}));
    return c;
  }
  CnnStep() {
    torch::nn::Linear fc{bench::kCnnC2 * 7 * 7, bench::kCnnClasses};
    bench::set_linear(fc, d.fc);
    x = bench::to_torch(d.x).reshape({bench::kCnnBatch, 1, bench::kCnnSide, bench::kCnnSide});
    y = bench::to_torch(d.y, torch::kInt64).reshape({bench::kCnnBatch});
    model = torch::nn::Sequential(conv(d.conv1, 1, bench::kCnnC1), torch::nn::ReLU(),
                                  torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(2)),
                                  conv(d.conv2, bench::kCnnC1, bench::kCnnC2), torch::nn::ReLU(),
                                  torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(2)),
                                  torch::nn::Flatten(), fc);
    make_optimizer();
  }
};

bench::Case cnn_step() { return classifier_step<CnnStep>(); }
BENCH_SIDE("cnn_step", "torch", cnn_step);

bench::Case lstm_step() {
  struct State {
    bench::LstmData d = bench::lstm_data();
    torch::nn::LSTM lstm{
        torch::nn::LSTMOptions(bench::kLstmIn, bench::kLstmHidden).batch_first(true)};
    torch::nn::Linear fc{bench::kLstmHidden, bench::kLstmClasses};
    torch::Tensor x =
        bench::to_torch(d.x).reshape({bench::kLstmBatch, bench::kLstmSeq, bench::kLstmIn});
    torch::Tensor y = bench::to_torch(d.y, torch::kInt64).reshape({bench::kLstmBatch});
    std::unique_ptr<torch::optim::SGD> opt;
  };
  auto s = std::make_shared<State>();
  {
    torch::NoGradGuard no_grad;
    auto params = s->lstm->named_parameters();
    params["weight_ih_l0"].copy_(bench::to_torch(s->d.w_ih));
    params["weight_hh_l0"].copy_(bench::to_torch(s->d.w_hh));
    params["bias_ih_l0"].copy_(bench::to_torch(s->d.b_ih).reshape({4 * bench::kLstmHidden}));
    params["bias_hh_l0"].copy_(bench::to_torch(s->d.b_hh).reshape({4 * bench::kLstmHidden}));
  }
  bench::set_linear(s->fc, s->d.fc);
  std::vector<torch::Tensor> params = s->lstm->parameters();
  for (const auto& p : s->fc->parameters()) params.push_back(p);
  s->opt = std::make_unique<torch::optim::SGD>(
      params, torch::optim::SGDOptions(bench::kMlpLr).momentum(bench::kMlpMomentum));
  return {[s] {
    bench::zero_grad_to_none(*s->opt);
    torch::Tensor out = std::get<0>(s->lstm->forward(s->x));
    torch::Tensor loss =
        torch::nn::functional::cross_entropy(s->fc->forward(out.select(1, -1)), s->y);
    loss.backward();
    s->opt->step();
    return loss.item<double>();
  }};
}
BENCH_SIDE("lstm_step", "torch", lstm_step);

}  // namespace
