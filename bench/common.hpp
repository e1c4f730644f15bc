#pragma once
// Shared by every side of the benchmarks (paragrad, raw Eigen, LibTorch, the floor): the
// workloads' sizes, the seeded inputs (a private generator, so every side and every build sees
// bit-identical data), the /proc/self/status memory probes and deep_chain_memory's case. Depends
// on Eigen and the harness only.
#include <Eigen/Core>
#include <Eigen/QR>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "harness.hpp"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace bench {

// ---- workload sizes, as issues 7 and 18 list them -----------------------------------------------
inline constexpr int kOpChainLen = 4, kOpChainReps = 33;
inline constexpr int kOpChainOps = 3 * kOpChainReps + 1;  // 33 × (mul, add, tanh) + sum
inline constexpr int kSmallIn = 8, kSmallHidden = 32, kSmallBatch = 16;
inline constexpr int kMlpIn = 784, kMlpHidden = 256, kMlpOut = 10, kMlpBatch = 128;
inline constexpr double kMlpLr = 0.01, kMlpMomentum = 0.9, kAdamLr = 1e-3;
inline constexpr int kMatmulN = 512;
inline constexpr double kMatmulFlops = 6.0 * kMatmulN * kMatmulN * kMatmulN;  // fwd + 2 bwd GEMMs
inline constexpr int kParamN = 64, kParamBatch = 32;
inline constexpr double kOrthoScale = 0.02;  // the orthogonal map's original: 0.02·randn(64, 64)
inline constexpr int kBmmBatch = 16, kBmmN = 128;  // einsum_bmm / matmul_bmm (issue 16)
// Where the intra-op pool pays (issue 15, bench_threads.cpp): floats added, GEMM sizes.
inline constexpr int64_t kPoolAddSizes[] = {4096, 16384, 65536, 262144, 1048576};
inline constexpr int64_t kPoolGemmSizes[] = {48, 64, 96, 128, 192};
inline std::string pool_add_row(int64_t n) { return "pool_add_" + std::to_string(n / 1024) + "k"; }
inline std::string pool_gemm_row(int64_t s) { return "pool_gemm_" + std::to_string(s); }
// Constrained Linear layers (issue 13): weights [out, in] = Stiefel 256 x 64 and 20000 x 16,
// positive definite 64 x 64; batch 32; originals 0.02 randn (kOrthoScale).
inline constexpr int kStiefelRows = 256, kStiefelCols = 64;
inline constexpr int kTallRows = 20000, kTallCols = 16;
inline constexpr int kPdN = 64;
// issue 17: a small CNN step on 1×28×28 inputs, batch 64: conv 1→8 (3×3, padding 1), ReLU,
// max-pool 2, conv 8→16 (3×3, padding 1), ReLU, max-pool 2, flatten (16·7·7), linear → 10,
// cross-entropy, SGD with momentum; and an LSTM step: sequence 20, batch 16, input 32, hidden 64
// (one layer, batch_first), the last output → Linear(64, 10), cross-entropy, SGD with momentum.
inline constexpr int kCnnBatch = 64, kCnnSide = 28, kCnnC1 = 8, kCnnC2 = 16, kCnnClasses = 10;
inline constexpr int kLstmSeq = 20, kLstmBatch = 16, kLstmIn = 32, kLstmHidden = 64;
inline constexpr int kLstmClasses = 10;
inline constexpr int kDeepChainOps = 1000000;
inline constexpr int kMemorySteps = 10000, kMemoryFirstProbe = 1000;

// ---- seeds: one per input, shared by all sides --------------------------------------------------
enum Seed : uint64_t {
  kSeedOpChain = 1,
  kSeedSmallMlp = 2,
  kSeedMlp = 3,
  kSeedMatmul = 4,
  kSeedSvd = 5,
  kSeedParam = 6,
  kSeedConstrained = 7,
  kSeedBmm = 8,
  kSeedCnn = 9,
  kSeedLstm = 10,
};

// splitmix64: tiny, portable and identical everywhere (std:: distributions are not).
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull) {}
  uint64_t next() {
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return double(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  double normal() {                                              // Box–Muller
    const double u1 = 1.0 - uniform(), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

 private:
  uint64_t s_;
};

// Row-major so that LibTorch can copy the buffer as is; paragrad takes it through from_eigen.
using RowMatrixXd = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

inline RowMatrixXd randn(Rng& rng, int rows, int cols, double scale = 1.0) {
  RowMatrixXd m(rows, cols);
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) m(i, j) = scale * rng.normal();
  return m;
}
inline RowMatrixXd uniform(Rng& rng, int rows, int cols, double lo, double hi) {
  RowMatrixXd m(rows, cols);
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) m(i, j) = lo + (hi - lo) * rng.uniform();
  return m;
}
// Class labels in [0, classes) as a column.
inline RowMatrixXd labels(Rng& rng, int n, int classes) {
  RowMatrixXd m(n, 1);
  for (int i = 0; i < n; ++i) m(i, 0) = double(rng.next() % uint64_t(classes));
  return m;
}

// The weights of a Linear(in, out) layer, PyTorch's default init range (±1/√in).
struct LinearInit {
  RowMatrixXd weight;  // [out, in]
  RowMatrixXd bias;    // [out, 1]
};
inline LinearInit linear_init(Rng& rng, int in, int out) {
  const double bound = 1.0 / std::sqrt(double(in));
  LinearInit l;
  l.weight = uniform(rng, out, in, -bound, bound);
  l.bias = uniform(rng, out, 1, -bound, bound);
  return l;
}

// Inputs of the two MLP workloads, generated in one fixed order.
struct MlpData {
  LinearInit l1, l2;
  RowMatrixXd x, y;  // y: Int64 labels (mlp_sgd) or float targets (small_mlp_adam)
};
inline MlpData mlp_sgd_data() {
  Rng rng(kSeedMlp);
  MlpData d;
  d.l1 = linear_init(rng, kMlpIn, kMlpHidden);
  d.l2 = linear_init(rng, kMlpHidden, kMlpOut);
  d.x = randn(rng, kMlpBatch, kMlpIn);
  d.y = labels(rng, kMlpBatch, kMlpOut);
  return d;
}
inline MlpData small_mlp_data() {
  Rng rng(kSeedSmallMlp);
  MlpData d;
  d.l1 = linear_init(rng, kSmallIn, kSmallHidden);
  d.l2 = linear_init(rng, kSmallHidden, 1);
  d.x = randn(rng, kSmallBatch, kSmallIn);
  d.y = randn(rng, kSmallBatch, 1);
  return d;
}
inline RowMatrixXd svd_input(int n) {
  Rng rng(kSeedSvd + uint64_t(n) * 1000);
  return randn(rng, n, n);
}
inline RowMatrixXd matmul_input(int which) {
  Rng rng(kSeedMatmul + uint64_t(which) * 1000);
  return randn(rng, kMatmulN, kMatmulN);
}
// The batched products' inputs: 16 × 128 × 128 values, as a 2048 × 128 matrix.
inline RowMatrixXd bmm_input(int which) {
  Rng rng(kSeedBmm + uint64_t(which) * 1000);
  return randn(rng, kBmmBatch * kBmmN, kBmmN);
}
// The CNN step's inputs. A conv layer's weight is drawn as a Linear(in·3·3, out) weight (the
// same ±1/√fan_in range as PyTorch's default) and reshaped to [out, in, 3, 3] by each side.
struct CnnData {
  LinearInit conv1, conv2, fc;
  RowMatrixXd x, y;  // x: [64, 784] → [64, 1, 28, 28]; y: Int64 labels
};
inline CnnData cnn_data() {
  Rng rng(kSeedCnn);
  CnnData d;
  d.conv1 = linear_init(rng, 1 * 9, kCnnC1);
  d.conv2 = linear_init(rng, kCnnC1 * 9, kCnnC2);
  d.fc = linear_init(rng, kCnnC2 * 7 * 7, kCnnClasses);
  d.x = randn(rng, kCnnBatch, kCnnSide * kCnnSide);
  d.y = labels(rng, kCnnBatch, kCnnClasses);
  return d;
}
// The LSTM step's inputs: PyTorch's parameter layout (gates i, f, g, o stacked), ±1/√hidden.
struct LstmData {
  RowMatrixXd w_ih, w_hh, b_ih, b_hh;  // [4h, in], [4h, h], [4h, 1], [4h, 1]
  LinearInit fc;
  RowMatrixXd x, y;  // x: [16·20, 32] → [16, 20, 32]; y: Int64 labels
};
inline LstmData lstm_data() {
  Rng rng(kSeedLstm);
  const double bound = 1.0 / std::sqrt(double(kLstmHidden));
  LstmData d;
  d.w_ih = uniform(rng, 4 * kLstmHidden, kLstmIn, -bound, bound);
  d.w_hh = uniform(rng, 4 * kLstmHidden, kLstmHidden, -bound, bound);
  d.b_ih = uniform(rng, 4 * kLstmHidden, 1, -bound, bound);
  d.b_hh = uniform(rng, 4 * kLstmHidden, 1, -bound, bound);
  d.fc = linear_init(rng, kLstmHidden, kLstmClasses);
  d.x = randn(rng, kLstmBatch * kLstmSeq, kLstmIn);
  d.y = labels(rng, kLstmBatch, kLstmClasses);
  return d;
}

struct ParamData {
  LinearInit lin;
  RowMatrixXd x, ortho_original;
};
inline ParamData param_data() {
  Rng rng(kSeedParam);
  ParamData d;
  d.lin = linear_init(rng, kParamN, kParamN);
  d.x = randn(rng, kParamBatch, kParamN);
  d.ortho_original = randn(rng, kParamN, kParamN, kOrthoScale);
  return d;
}

// The base of a Stiefel(n, k) chart as paragrad::constraints keeps it for n > k: the first k
// columns Y of an orthogonal B = (I - W T W^T) D, with W the unit lower trapezoidal Householder
// vectors of a QR decomposition, T upper triangular (compact WY) and D = diag(signs, 1, ..., 1).
// Every side starts from this same base (the registration's own base is a random sample).
// T comes from the "UT transform" T^-1 = diag(1/tau) + striu(W^T W) (Joffrain, Low,
// Quintana-Orti, van de Geijn 2006), independently of the library's column-by-column recursion.
struct StiefelBase {
  RowMatrixXd Y, W, T, signs;  // n x k, n x k, k x k, k x 1
};
inline StiefelBase stiefel_base(Rng& rng, int n, int k) {
  const Eigen::HouseholderQR<Eigen::MatrixXd> qr(Eigen::MatrixXd(randn(rng, n, k)));
  const Eigen::MatrixXd& R = qr.matrixQR();
  StiefelBase b;
  b.W = RowMatrixXd::Zero(n, k);
  b.signs.resize(k, 1);
  Eigen::MatrixXd Tinv = Eigen::MatrixXd::Zero(k, k);
  for (int j = 0; j < k; ++j) {
    b.W(j, j) = 1.0;
    b.W.col(j).tail(n - j - 1) = R.col(j).tail(n - j - 1);
    b.signs(j, 0) = R(j, j) < 0 ? -1.0 : 1.0;
    Tinv(j, j) = 1.0 / qr.hCoeffs()(j);
  }
  const Eigen::MatrixXd WtW = b.W.transpose() * b.W;
  Tinv.triangularView<Eigen::StrictlyUpper>() = WtW.triangularView<Eigen::StrictlyUpper>();
  b.T = Tinv.triangularView<Eigen::Upper>().solve(Eigen::MatrixXd::Identity(k, k));
  Eigen::MatrixXd DE = Eigen::MatrixXd::Zero(n, k);  // D E: the first k columns of D
  for (int j = 0; j < k; ++j) DE(j, j) = b.signs(j, 0);
  b.Y = DE - b.W * (b.T * (b.W.transpose() * DE));
  return b;
}

// A constrained Linear(k -> n) whose [n, k] weight is Stiefel: its chart's base, the original
// (0.02 randn), the bias and a batch of inputs.
struct StiefelLinearData {
  StiefelBase base;
  RowMatrixXd original, bias, x;
};
inline StiefelLinearData stiefel_linear_data(int n, int k) {
  Rng rng(kSeedConstrained + uint64_t(n) * 1000);
  StiefelLinearData d;
  d.base = stiefel_base(rng, n, k);
  d.original = randn(rng, n, k, kOrthoScale);
  d.bias = linear_init(rng, k, n).bias;
  d.x = randn(rng, kParamBatch, k);
  return d;
}
// A positive_definite Linear(n -> n): its chart's base (an orthogonal n x n matrix), the
// original (strictly lower triangle 0.02 randn: the rotation; diagonal uniform in [-1, 1]: the
// softplus preimages of the eigenvalues), the bias and a batch of inputs.
struct PdLinearData {
  RowMatrixXd base, original, bias, x;
};
inline PdLinearData pd_linear_data() {
  Rng rng(kSeedConstrained);
  PdLinearData d;
  d.base = stiefel_base(rng, kPdN, kPdN).Y;
  d.original = randn(rng, kPdN, kPdN, kOrthoScale);
  d.original.diagonal() = uniform(rng, kPdN, 1, -1.0, 1.0);
  d.bias = linear_init(rng, kPdN, kPdN).bias;
  d.x = randn(rng, kParamBatch, kPdN);
  return d;
}

// ---- memory probes ------------------------------------------------------------------------------
// A field of /proc/self/status ("VmRSS", "VmHWM") in bytes; -1 where there is no procfs.
inline double proc_status_bytes(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::string key = std::string(field) + ":";
  while (std::getline(in, line)) {
    if (line.compare(0, key.size(), key) == 0) return 1024.0 * std::atof(line.c_str() + key.size());
  }
  return -1;
}
inline double rss_bytes() { return proc_status_bytes("VmRSS"); }
inline double peak_rss_bytes() { return proc_status_bytes("VmHWM"); }
// Returns freed heap to the OS and resets VmHWM to the current RSS (Linux ≥ 4.0); false when the
// peak could not be reset.
inline bool reset_peak_rss() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  clear.flush();
  return bool(clear);
}

// The peak resident memory above the level at construction: call sample() where the workload's
// memory peaks (VmRSS), then bytes() takes the larger of that and VmHWM (when it could be reset).
class PeakMemory {
 public:
  PeakMemory() : reset_(reset_peak_rss()), rss0_(rss_bytes()), live_(rss0_) {}
  void sample() { live_ = std::max(live_, rss_bytes()); }
  double bytes() const { return std::max(live_, reset_ ? peak_rss_bytes() : live_) - rss0_; }

 private:
  bool reset_;
  double rss0_, live_;
};

// deep_chain_memory's case on any side: `once` runs deep_chain, sampling the probe where the
// whole graph is alive; `before`, if given, runs ahead of the probe (a side that keeps the blocks
// it freed gives them back there, so that a previous run's blocks do not hide this run's growth).
inline Case deep_chain_memory_case(double (*once)(PeakMemory*), void (*before)() = nullptr) {
  auto bytes = std::make_shared<double>(0);
  return {[bytes, once, before] {
            if (before) before();
            PeakMemory probe;
            const double g = once(&probe);
            *bytes = probe.bytes();
            return g;
          },
          nullptr, [bytes](Metrics& m) { m["peak_bytes_per_op"] = *bytes / kDeepChainOps; }};
}

}  // namespace bench
