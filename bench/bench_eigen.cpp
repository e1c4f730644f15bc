// The raw Eigen side: the same work as the paragrad workloads, hand-written on Eigen with no
// autograd (the hardware-limit reference): op_chain, matmul512, mlp_sgd, svd.
#include <Eigen/Core>
#include <Eigen/SVD>

#include "common.hpp"

namespace {

// op_chain: forward keeping the tanh outputs, then the chain rule by hand.
void op_chain(benchmark::State& state) {
  bench::Rng rng(bench::kSeedOpChain);
  const Eigen::Array4f x = bench::randn(rng, bench::kOpChainLen, 1).cast<float>().array();
  Eigen::Array<float, 4, bench::kOpChainReps> t;
  for (auto _ : state) {
    Eigen::Array4f y = x;
    for (int i = 0; i < bench::kOpChainReps; ++i) t.col(i) = y = (y * 1.01f + 0.1f).tanh();
    float s = y.sum();
    Eigen::Array4f g = Eigen::Array4f::Ones();
    for (int i = bench::kOpChainReps - 1; i >= 0; --i) g = g * (1 - t.col(i).square()) * 1.01f;
    benchmark::DoNotOptimize(s);
    benchmark::DoNotOptimize(g.data());
  }
  state.counters["ops"] = bench::kOpChainOps;
}

// matmul512: C = A B, s = sum(C), G = ones, dA = G Bᵀ, dB = Aᵀ G.
void matmul512(benchmark::State& state) {
  using Mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const Mat A = bench::matmul_input(0).cast<float>(), B = bench::matmul_input(1).cast<float>();
  Mat C(A.rows(), B.cols()), G(A.rows(), B.cols()), dA(A.rows(), A.cols()), dB(B.rows(), B.cols());
  for (auto _ : state) {
    C.noalias() = A * B;
    float s = C.sum();
    G.setOnes();
    dA.noalias() = G * B.transpose();
    dB.noalias() = A.transpose() * G;
    benchmark::DoNotOptimize(s);
    benchmark::DoNotOptimize(dA.data());
    benchmark::DoNotOptimize(dB.data());
  }
  state.counters["GFLOP/s"] =
      benchmark::Counter(bench::kMatmulFlops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// mlp_sgd: 784→256 ReLU →10, softmax cross-entropy (mean), SGD with momentum, by hand.
void mlp_sgd(benchmark::State& state) {
  using Mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using Vec = Eigen::RowVectorXf;
  const bench::MlpData d = bench::mlp_sgd_data();
  Mat W1 = d.l1.weight.cast<float>(), W2 = d.l2.weight.cast<float>();
  Vec b1 = d.l1.bias.transpose().cast<float>(), b2 = d.l2.bias.transpose().cast<float>();
  const Mat X = d.x.cast<float>();
  const int n = bench::kMlpBatch;
  Mat vW1 = Mat::Zero(W1.rows(), W1.cols()), vW2 = Mat::Zero(W2.rows(), W2.cols());
  Vec vb1 = Vec::Zero(b1.size()), vb2 = Vec::Zero(b2.size());
  Mat H(n, bench::kMlpHidden), Z(n, bench::kMlpOut), dH(n, bench::kMlpHidden);
  Mat gW1(W1.rows(), W1.cols()), gW2(W2.rows(), W2.cols());
  bool first = true;
  const float lr = float(bench::kMlpLr), mu = float(bench::kMlpMomentum);
  for (auto _ : state) {
    H.noalias() = X * W1.transpose();
    H.rowwise() += b1;
    H = H.cwiseMax(0.0f);
    Z.noalias() = H * W2.transpose();
    Z.rowwise() += b2;
    // softmax cross-entropy: dZ = (softmax(Z) - onehot) / n
    Eigen::VectorXf zmax = Z.rowwise().maxCoeff();
    Z = (Z.colwise() - zmax).array().exp().matrix();
    Eigen::VectorXf denom = Z.rowwise().sum();
    float loss = 0;
    for (int i = 0; i < n; ++i) {
      const int label = int(d.y(i, 0));
      loss -= std::log(Z(i, label) / denom(i));
      Z.row(i) /= denom(i);
      Z(i, label) -= 1.0f;
    }
    Z /= float(n);
    benchmark::DoNotOptimize(loss);
    gW2.noalias() = Z.transpose() * H;
    Vec gb2 = Z.colwise().sum();
    dH.noalias() = Z * W2;
    dH = (H.array() > 0.0f).select(dH, 0.0f);
    gW1.noalias() = dH.transpose() * X;
    Vec gb1 = dH.colwise().sum();
    // PyTorch's SGD: v = μ v + g (v = g on the first step), p -= lr v
    if (first) {
      vW1 = gW1, vW2 = gW2, vb1 = gb1, vb2 = gb2;
      first = false;
    } else {
      vW1 = mu * vW1 + gW1, vW2 = mu * vW2 + gW2, vb1 = mu * vb1 + gb1, vb2 = mu * vb2 + gb2;
    }
    W1 -= lr * vW1, W2 -= lr * vW2, b1 -= lr * vb1, b2 -= lr * vb2;
  }
}

// svd forward, float64, thin U and V, with Eigen's own SVD (BDCSVD): the raw-Eigen baseline that
// linalg::svd's kernel (bidiagonalization + QR sweeps, linalg/svd_kernel.hpp) replaces.
void svd(benchmark::State& state) {
  const int n = int(state.range(0));
  const Eigen::MatrixXd A = bench::svd_input(n);
  for (auto _ : state) {
    Eigen::BDCSVD<Eigen::MatrixXd> s(A, Eigen::ComputeThinU | Eigen::ComputeThinV);
    benchmark::DoNotOptimize(s.singularValues().data());
  }
}

}  // namespace

BENCHMARK(op_chain)->Name("eigen/op_chain")->Apply(bench::configure);
BENCHMARK(matmul512)
    ->Name("eigen/matmul512")
    ->Unit(benchmark::kMillisecond)
    ->Apply(bench::configure);
BENCHMARK(mlp_sgd)->Name("eigen/mlp_sgd")->Unit(benchmark::kMillisecond)->Apply(bench::configure);
BENCHMARK(svd)
    ->Name("eigen/svd")
    ->Arg(16)
    ->Arg(64)
    ->Arg(256)
    ->Unit(benchmark::kMicrosecond)
    ->Apply(bench::configure);
