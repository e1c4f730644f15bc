// The raw Eigen side: the same work as the paragrad workloads, hand-written on Eigen with no
// autograd (the hardware-limit reference): op_chain, matmul512 (also on 2 threads), mlp_sgd, svd.
#include <Eigen/Core>
#include <Eigen/SVD>
#include <memory>

#include <paragrad/engine/detail/parallel.hpp>

#include "common.hpp"
#include "harness.hpp"

namespace {

using Mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// op_chain: forward keeping the tanh outputs, then the chain rule by hand.
bench::Case op_chain() {
  struct State {
    Eigen::Array4f x, g;
    Eigen::Array<float, 4, bench::kOpChainReps> t;
  };
  auto s = std::make_shared<State>();
  bench::Rng rng(bench::kSeedOpChain);
  s->x = bench::randn(rng, bench::kOpChainLen, 1).cast<float>().array();
  return {[s] {
            Eigen::Array4f y = s->x;
            for (int i = 0; i < bench::kOpChainReps; ++i)
              s->t.col(i) = y = (y * 1.01f + 0.1f).tanh();
            float sum = y.sum();
            bench::do_not_optimize(sum);
            Eigen::Array4f g = Eigen::Array4f::Ones();
            for (int i = bench::kOpChainReps - 1; i >= 0; --i)
              g = g * (1 - s->t.col(i).square()) * 1.01f;
            s->g = g;
            bench::do_not_optimize(s->g);
            return double(g[0]);
          },
          [s] { return double(s->g.sum()); }};
}
BENCH_SIDE("op_chain", "eigen", op_chain);

// matmul512: C = A B, s = sum(C), G = ones, dA = G Bᵀ, dB = Aᵀ G. `rows(n, f)` runs each
// product as f(lo, hi) over row ranges covering [0, n): whole, on the calling thread ("eigen"),
// or in two halves on paragrad's 2-thread pool ("eigen_2t": matmul512_2t's hardware reference,
// what two threads give these GEMMs on the machine with no autograd and no copies).
template <class Rows>
bench::Case matmul512(Rows rows) {
  struct State {
    Mat A = bench::matmul_input(0).cast<float>(), B = bench::matmul_input(1).cast<float>();
    Mat C, G, dA, dB;
  };
  auto s = std::make_shared<State>();
  const int64_t n = bench::kMatmulN;
  s->C.resize(n, n), s->G.resize(n, n), s->dA.resize(n, n), s->dB.resize(n, n);
  return {
      [s, rows, n] {
        rows(n, [&](int64_t lo, int64_t hi) {
          s->C.middleRows(lo, hi - lo).noalias() = s->A.middleRows(lo, hi - lo) * s->B;
        });
        float sum = s->C.sum();
        bench::do_not_optimize(sum);
        s->G.setOnes();
        rows(n, [&](int64_t lo, int64_t hi) {
          s->dA.middleRows(lo, hi - lo).noalias() = s->G.middleRows(lo, hi - lo) * s->B.transpose();
          s->dB.middleRows(lo, hi - lo).noalias() = s->A.middleCols(lo, hi - lo).transpose() * s->G;
        });
        bench::do_not_optimize(s->dA.data()[0]);
        bench::do_not_optimize(s->dB.data()[0]);
        return double(s->dA(0, 0) + s->dB(0, 0));
      },
      [s] {
        return double(s->dA.template cast<double>().sum() + s->dB.template cast<double>().sum());
      }};
}
bench::Case matmul512_whole() {
  return matmul512([](int64_t n, auto&& f) { f(int64_t(0), n); });
}
BENCH_SIDE("matmul512", "eigen", matmul512_whole);
BENCH_SIDE("matmul512_2t", "eigen", matmul512_whole);  // (one thread)
BENCH_SIDE("matmul512_2t", "eigen_2t", [] {
  return matmul512([](int64_t n, auto&& f) { paragrad::detail::parallel_for(n, (n + 1) / 2, f); });
});

// mlp_sgd: 784→256 ReLU →10, softmax cross-entropy (mean), SGD with momentum, by hand.
// Check: the first step's loss.
bench::Case mlp_sgd() {
  using Vec = Eigen::RowVectorXf;
  struct State {
    bench::MlpData d = bench::mlp_sgd_data();
    Mat W1 = d.l1.weight.cast<float>(), W2 = d.l2.weight.cast<float>();
    Vec b1 = d.l1.bias.transpose().cast<float>(), b2 = d.l2.bias.transpose().cast<float>();
    Mat X = d.x.cast<float>();
    Mat vW1 = Mat::Zero(W1.rows(), W1.cols()), vW2 = Mat::Zero(W2.rows(), W2.cols());
    Vec vb1 = Vec::Zero(b1.size()), vb2 = Vec::Zero(b2.size());
    Mat H{bench::kMlpBatch, bench::kMlpHidden}, Z{bench::kMlpBatch, bench::kMlpOut};
    Mat dH{bench::kMlpBatch, bench::kMlpHidden};
    Mat gW1{W1.rows(), W1.cols()}, gW2{W2.rows(), W2.cols()};
    bool first = true;
  };
  auto s = std::make_shared<State>();
  return {[s] {
    const int n = bench::kMlpBatch;
    const float lr = float(bench::kMlpLr), mu = float(bench::kMlpMomentum);
    State& m = *s;
    m.H.noalias() = m.X * m.W1.transpose();
    m.H.rowwise() += m.b1;
    m.H = m.H.cwiseMax(0.0f);
    m.Z.noalias() = m.H * m.W2.transpose();
    m.Z.rowwise() += m.b2;
    // softmax cross-entropy: dZ = (softmax(Z) - onehot) / n
    Eigen::VectorXf zmax = m.Z.rowwise().maxCoeff();
    m.Z = (m.Z.colwise() - zmax).array().exp().matrix();
    Eigen::VectorXf denom = m.Z.rowwise().sum();
    float loss = 0;
    for (int i = 0; i < n; ++i) {
      const int label = int(m.d.y(i, 0));
      loss -= std::log(m.Z(i, label) / denom(i));
      m.Z.row(i) /= denom(i);
      m.Z(i, label) -= 1.0f;
    }
    loss /= float(n);
    m.Z /= float(n);
    m.gW2.noalias() = m.Z.transpose() * m.H;
    Vec gb2 = m.Z.colwise().sum();
    m.dH.noalias() = m.Z * m.W2;
    m.dH = (m.H.array() > 0.0f).select(m.dH, 0.0f);
    m.gW1.noalias() = m.dH.transpose() * m.X;
    Vec gb1 = m.dH.colwise().sum();
    // PyTorch's SGD: v = μ v + g (v = g on the first step), p -= lr v
    if (m.first) {
      m.vW1 = m.gW1, m.vW2 = m.gW2, m.vb1 = gb1, m.vb2 = gb2;
      m.first = false;
    } else {
      m.vW1 = mu * m.vW1 + m.gW1, m.vW2 = mu * m.vW2 + m.gW2;
      m.vb1 = mu * m.vb1 + gb1, m.vb2 = mu * m.vb2 + gb2;
    }
    m.W1 -= lr * m.vW1, m.W2 -= lr * m.vW2, m.b1 -= lr * m.vb1, m.b2 -= lr * m.vb2;
    bench::do_not_optimize(m.W1.data()[0]);
    return double(loss);
  }};
}
BENCH_SIDE("mlp_sgd", "eigen", mlp_sgd);

// svd forward, float64, thin U and V, with Eigen's own SVD (BDCSVD): the raw-Eigen baseline that
// linalg::svd's kernel (bidiagonalization + QR sweeps, linalg/svd_kernel.hpp) replaces.
// Check: the sum of the singular values.
bench::Case svd(int n) {
  const Eigen::MatrixXd A = bench::svd_input(n);
  auto S = std::make_shared<Eigen::VectorXd>();
  return {[A, S] {
            Eigen::BDCSVD<Eigen::MatrixXd> s(A, Eigen::ComputeThinU | Eigen::ComputeThinV);
            *S = s.singularValues();
            return s.matrixU()(0, 0) + (*S)(0) + s.matrixV()(0, 0);
          },
          [S] { return S->sum(); }};
}
BENCH_SIDE("svd16", "eigen", [] { return svd(16); });
BENCH_SIDE("svd64", "eigen", [] { return svd(64); });
BENCH_SIDE("svd256", "eigen", [] { return svd(256); });

}  // namespace
