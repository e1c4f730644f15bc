// nn workloads, paragrad side: small_mlp_adam, mlp_sgd, mlp_sgd_memory, cnn_step and lstm_step.
#include <memory>

#include <paragrad/engine/engine.hpp>
#include <paragrad/nn/nn.hpp>

#include "common.hpp"
#include "harness.hpp"
#include "threads.hpp"

namespace {
using namespace paragrad;

Tensor from_rows(const bench::RowMatrixXd& m, Dtype dtype = kFloat32) {
  return from_eigen(Eigen::MatrixXd(m)).to(dtype).contiguous();
}

std::shared_ptr<nn::Linear> make_linear(const bench::LinearInit& init) {
  auto l = std::make_shared<nn::Linear>(int(init.weight.cols()), int(init.weight.rows()));
  l->set("weight", from_rows(init.weight));
  l->set("bias", from_rows(init.bias).reshape({int64_t(init.bias.rows())}));
  return l;
}

// A classifier on fixed data trained with SGD with momentum (mlp_sgd, cnn_step): one step.
struct ClassifierSgd {
  std::shared_ptr<nn::Sequential> model = std::make_shared<nn::Sequential>();
  Tensor x, y;
  std::unique_ptr<optim::SGD> opt;
  void make_optimizer() {
    opt = std::make_unique<optim::SGD>(model->parameters(), bench::kMlpLr, bench::kMlpMomentum);
  }
  double step() {
    opt->zero_grad();
    Tensor loss = nn::functional::cross_entropy((*model)(x), y);
    loss.backward();
    opt->step();
    return loss.item<double>();
  }
};

// Check: the first step's loss (every side starts from the same weights).
template <class Model>
bench::Case classifier_step() {
  auto m = std::make_shared<Model>();
  return {[m] { return m->step(); }};
}

// 784 → 256 → ReLU → 10, cross-entropy, SGD with momentum.
struct MlpSgd : ClassifierSgd {
  bench::MlpData d = bench::mlp_sgd_data();
  MlpSgd() {
    x = from_rows(d.x);
    y = from_rows(d.y, kInt64).reshape({bench::kMlpBatch});
    model->push_back(make_linear(d.l1));
    model->push_back(std::make_shared<nn::ReLU>());
    model->push_back(make_linear(d.l2));
    make_optimizer();
  }
};

bench::Case mlp_sgd() { return classifier_step<MlpSgd>(); }
BENCH_SIDE("mlp_sgd", "paragrad", mlp_sgd);
BENCH_SIDE("mlp_sgd_2t", "paragrad", mlp_sgd);
BENCH_SIDE("mlp_sgd_2t", "paragrad_1t", [] { return bench::one_thread(mlp_sgd()); });

// Resident memory after 1,000 and after 10,000 steps (one iteration): a leak shows as growth.
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
BENCH_SIDE("mlp_sgd_memory", "paragrad", mlp_sgd_memory);

// 8 → 32 → tanh → 1, MSE, Adam. Check: the first step's loss.
bench::Case small_mlp_adam() {
  struct State {
    bench::MlpData d = bench::small_mlp_data();
    std::shared_ptr<nn::Sequential> model = std::make_shared<nn::Sequential>();
    Tensor x = from_rows(d.x), y = from_rows(d.y);
    std::unique_ptr<optim::Adam> opt;
  };
  auto s = std::make_shared<State>();
  s->model->push_back(make_linear(s->d.l1));
  s->model->push_back(std::make_shared<nn::Tanh>());
  s->model->push_back(make_linear(s->d.l2));
  s->opt = std::make_unique<optim::Adam>(s->model->parameters(), bench::kAdamLr);
  return {[s] {
    s->opt->zero_grad();
    Tensor loss = nn::functional::mse_loss((*s->model)(s->x), s->y);
    loss.backward();
    s->opt->step();
    return double(loss.data_ptr<float>()[0]);
  }};
}
BENCH_SIDE("small_mlp_adam", "paragrad", small_mlp_adam);

// cnn_step (common.hpp): two convolutions, pooling, a linear layer; one SGD step.
struct CnnStep : ClassifierSgd {
  bench::CnnData d = bench::cnn_data();
  static std::shared_ptr<nn::Conv2d> conv(const bench::LinearInit& init, int64_t in, int64_t out) {
    auto c = std::make_shared<nn::Conv2d>(in, out, 3, 1, 1);
    c->set("weight", from_rows(init.weight).reshape({out, in, 3, 3}));
    c->set("bias", from_rows(init.bias).reshape({out}));
    return c;
  }
  CnnStep() {
    x = from_rows(d.x).reshape({bench::kCnnBatch, 1, bench::kCnnSide, bench::kCnnSide});
    y = from_rows(d.y, kInt64).reshape({bench::kCnnBatch});
    model->push_back(conv(d.conv1, 1, bench::kCnnC1));
    model->push_back(std::make_shared<nn::ReLU>());
    model->push_back(std::make_shared<nn::MaxPool2d>(2));
    model->push_back(conv(d.conv2, bench::kCnnC1, bench::kCnnC2));
    model->push_back(std::make_shared<nn::ReLU>());
    model->push_back(std::make_shared<nn::MaxPool2d>(2));
    model->push_back(std::make_shared<nn::Flatten>());
    model->push_back(make_linear(d.fc));
    make_optimizer();
  }
};

bench::Case cnn_step() { return classifier_step<CnnStep>(); }
BENCH_SIDE("cnn_step", "paragrad", cnn_step);

// lstm_step (common.hpp): a one-layer LSTM over 20 steps, the last output classified.
bench::Case lstm_step() {
  struct State {
    bench::LstmData d = bench::lstm_data();
    nn::LSTM lstm{bench::kLstmIn, bench::kLstmHidden, 1, true, /*batch_first=*/true};
    std::shared_ptr<nn::Linear> fc = make_linear(d.fc);
    Tensor x = from_rows(d.x).reshape({bench::kLstmBatch, bench::kLstmSeq, bench::kLstmIn});
    Tensor y = from_rows(d.y, kInt64).reshape({bench::kLstmBatch});
    std::unique_ptr<optim::SGD> opt;
  };
  auto s = std::make_shared<State>();
  s->lstm.set("weight_ih_l0", from_rows(s->d.w_ih));
  s->lstm.set("weight_hh_l0", from_rows(s->d.w_hh));
  s->lstm.set("bias_ih_l0", from_rows(s->d.b_ih).reshape({4 * bench::kLstmHidden}));
  s->lstm.set("bias_hh_l0", from_rows(s->d.b_hh).reshape({4 * bench::kLstmHidden}));
  TensorList params = s->lstm.parameters();
  for (const Tensor& p : s->fc->parameters()) params.push_back(p);
  s->opt = std::make_unique<optim::SGD>(params, bench::kMlpLr, bench::kMlpMomentum);
  return {[s] {
    s->opt->zero_grad();
    Tensor out = std::get<0>(s->lstm(s->x));  // [16, 20, 64]
    Tensor loss = nn::functional::cross_entropy((*s->fc)(out.select(1, -1)), s->y);
    loss.backward();
    s->opt->step();
    return loss.item<double>();
  }};
}
BENCH_SIDE("lstm_step", "paragrad", lstm_step);

}  // namespace
