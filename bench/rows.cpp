// The rows of the benchmark table, in table order: each names its sides and its targets
// (issue 18). A row's sides are registered in the side files with BENCH_SIDE; a side that is not
// built (LibTorch absent) reads "n/a". The first side is the one the targets judge.
//
// Targets (harness.hpp, TargetKind): the per-round figures of the first side (p) against a
// reference side (r). A row passes when every target holds for the median over the rounds of the
// per-round ratio AND in at least 4 of 5 rounds (run.py).
#include "common.hpp"
#include "harness.hpp"

namespace bench {

namespace {
constexpr double kUs = 1e3, kMs = 1e6;
using K = TargetKind;
const std::vector<std::string> kVsTorch{"paragrad", "torch"};
const std::vector<std::string> kVsAll{"paragrad", "torch", "eigen"};
}  // namespace

const std::vector<Row>& rows() {
  static const std::vector<Row> r = [] {
    std::vector<Row> v;
    // ---- engine ---------------------------------------------------------------------------------
    v.push_back({"op_chain",
                 "ns/op",
                 double(kOpChainOps),
                 {{K::kTimeRatioAtMost, "floor", 3.0}, {K::kSpeedupAtLeast, "torch", 40.0}},
                 {"paragrad", "floor", "torch", "eigen", "fused"},
                 "4 floats, 33 × (mul, add, tanh) + sum = 100 ops, forward and backward"});
    v.push_back({"small_mlp_adam",
                 "µs/step",
                 kUs,
                 {{K::kSpeedupAtLeast, "torch", 10.0}},
                 kVsTorch,
                 "8 → 32 → tanh → 1, MSE, Adam; batch 16, float32"});
    v.push_back({"mlp_sgd",
                 "ms/step",
                 kMs,
                 {{K::kSpeedShareAtLeast, "eigen", 0.90}},
                 kVsAll,
                 "784 → 256 → ReLU → 10, cross-entropy, SGD with momentum; batch 128, float32"});
    v.push_back({"matmul512",
                 "ms",
                 kMs,
                 {{K::kSpeedShareAtLeast, "eigen", 0.90}},
                 kVsAll,
                 "C = A B (512², float32), sum, backward: 6·512³ flops"});
    // issue 17: a small CNN and an LSTM training step (common.hpp), one thread.
    v.push_back({"cnn_step",
                 "ms/step",
                 kMs,
                 {{K::kSpeedupAtLeast, "torch", 1.0}},
                 kVsTorch,
                 "conv 1→8, ReLU, pool, conv 8→16, ReLU, pool, linear → 10 on 1×28×28, batch 64, "
                 "cross-entropy, SGD with momentum"});
    v.push_back({"lstm_step",
                 "ms/step",
                 kMs,
                 {},
                 kVsTorch,
                 "LSTM(32 → 64) over 20 steps, batch 16, last output → Linear(64, 10), "
                 "cross-entropy, SGD with momentum"});
    // issue 15: the same two workloads on 2 threads, against paragrad on 1 thread (the
    // "paragrad_1t" side, in the same rounds) and LibTorch on 2. Timed by wall clock.
    const std::vector<std::string> kThreads2{"paragrad", "paragrad_1t", "torch"};
    {
      Row r{"mlp_sgd_2t",
            "ms/step",
            kMs,
            {{K::kSpeedupAtLeast, "paragrad_1t", 1.6}, {K::kSpeedupAtLeast, "torch", 1.0}},
            kThreads2,
            "mlp_sgd on 2 threads (paragrad_1t: paragrad on 1 thread; LibTorch on 2)"};
      r.threads = 2;
      v.push_back(r);
      r = {"matmul512_2t",
           "ms",
           kMs,
           {{K::kSpeedupAtLeast, "paragrad_1t", 1.8}},
           {"paragrad", "paragrad_1t", "torch", "eigen", "eigen_2t"},
           "matmul512 on 2 threads (paragrad_1t: paragrad on 1 thread; LibTorch on 2; raw Eigen "
           "on 1 thread, and on 2 with each product in two halves of its rows: what two threads "
           "give these GEMMs here)"};
      r.threads = 2;
      v.push_back(r);
    }
    v.push_back(
        {"matmul_bmm",
         "ms",
         kMs,
         {},
         kVsTorch,
         "C = matmul(A, B), 16 × (128×128 · 128×128) float32, sum, backward; LibTorch: bmm"});
    // issue 16: einsum("bij,bjk->bik") runs at matmul speed (its "matmul" side, interleaved).
    v.push_back({"einsum_bmm",
                 "ms",
                 kMs,
                 {{K::kTimeRatioAtMost, "matmul", 1.1}},
                 {"paragrad", "matmul", "torch"},
                 "matmul_bmm written as einsum(\"bij,bjk->bik\"); matmul: paragrad's matmul_bmm; "
                 "LibTorch: einsum"});
    // ---- linalg ---------------------------------------------------------------------------------
    v.push_back(
        {"svd16", "µs", kUs, {}, kVsAll, "thin SVD of a 16×16 float64 matrix (raw Eigen: BDCSVD)"});
    v.push_back({"svd64",
                 "µs",
                 kUs,
                 {{K::kTimeRatioAtMost, "torch", 0.8}},
                 kVsAll,
                 "thin SVD of a 64×64 float64 matrix"});
    v.push_back({"svd256",
                 "ms",
                 kMs,
                 {{K::kTimeRatioAtMost, "torch", 0.8}},
                 kVsAll,
                 "thin SVD of a 256×256 float64 matrix"});
    v.push_back(
        {"svd_backward64",
         "µs",
         kUs,
         {{K::kTimeRatioAtMost, "torch", 0.8}},
         kVsTorch,
         "loss = |sum(U[:, 0])|·√S₀ + sum(S) of a 64×64 float64 matrix, forward + backward"});
    // ---- parametrize ----------------------------------------------------------------------------
    v.push_back({"orthogonal_linear",
                 "µs/iter",
                 kUs,
                 {{K::kSpeedupAtLeast, "torch", 3.0}},
                 kVsTorch,
                 "Linear(64, 64) with an orthogonal (matrix_exp) weight, batch 32, sum(y²), "
                 "backward; LibTorch: the parametrization's ops written out"});
    v.push_back({"symmetric_linear",
                 "µs/iter",
                 kUs,
                 {{K::kSpeedupAtLeast, "torch", 2.0}},
                 kVsTorch,
                 "Linear(64, 64) with a symmetric weight triu(X) + triu(X, 1)ᵀ, batch 32, sum(y²), "
                 "backward"});
    // paragrad::constraints (issue 13, which sets no targets): Linear layers, batch 32, sum(y²),
    // backward (the tall one also an Adam update), from the same chart base and original on
    // every side (common.hpp); and the tall registration.
    v.push_back(
        {"stiefel_linear",
         "µs/iter",
         kUs,
         {},
         {"paragrad", "torch", "torch_nxn"},
         "Linear(64, 256), constraints::orthogonal weight (Stiefel 256×64, Expm); LibTorch: "
         "the same 2k×2k chart; torch_nxn: PyTorch's n×n matrix_exp"});
    v.push_back({"positive_definite_linear",
                 "µs/iter",
                 kUs,
                 {},
                 kVsTorch,
                 "Linear(64, 64), constraints::positive_definite weight (softplus, Expm): "
                 "Q diag(f(l)) Qᵀ, Q = B exp(A)"});
    v.push_back({"stiefel_tall_linear",
                 "ms/step",
                 kMs,
                 {},
                 kVsTorch,
                 "Linear(16, 20000), constraints::orthogonal weight (Stiefel 20000×16): no n×n "
                 "matrix; a training step, Adam update included; LibTorch: the same chart"});
    v.push_back({"stiefel_tall_register",
                 "ms",
                 kMs,
                 {},
                 kVsTorch,
                 "constraints::orthogonal registered on a fresh Linear(16, 20000) (sample, "
                 "compact-WY base); LibTorch: a fresh Linear and Q of a 20000×16 QR"});
    v.push_back({"symmetric_forward_ops",
                 "ns",
                 1.0,
                 {},
                 kVsTorch,
                 "the Symmetric forward alone on a 64×64 leaf that requires grad"});
    v.push_back(
        {"parametrized_get_uncached",
         "ns",
         1.0,
         {{K::kTimeRatioAtMost, "bare", 1.2}},
         {"paragrad", "bare"},
         "get(\"weight\") of a Symmetric-parametrized Linear; bare: the forward ops alone"});
    v.push_back({"parametrized_get_cached",
                 "ns",
                 1.0,
                 {{K::kValueAtMost, "", 100.0}},
                 {"paragrad"},
                 "get(\"weight\") inside cached()"});
    v.push_back({"parametrized_get_plain",
                 "ns",
                 1.0,
                 {},
                 {"paragrad"},
                 "get(\"weight\") of a plain parameter"});
    // ---- long graphs and memory (one iteration per round) --------------------------------------
    Row deep{"deep_chain",
             "ms",
             kMs,
             {{K::kValueAtMost, "", 600.0}},
             {"paragrad", "torch", "fused"},
             "a scalar through 1,000,000 ops (mul, add alternating), backward, graph freed"};
    deep.iterations = 1;
    v.push_back(deep);
    Row deep_mem{"deep_chain_memory",
                 "B/op",
                 1.0,
                 {{K::kValueAtMost, "", 200.0, "peak_bytes_per_op"}},
                 {"paragrad", "torch", "fused"},
                 "deep_chain's peak resident memory above the start, per op"};
    deep_mem.iterations = 1;
    deep_mem.rounds = 1;
    deep_mem.figure = "peak_bytes_per_op";
    deep_mem.warmup = false;
    v.push_back(deep_mem);
    Row mem{"mlp_sgd_memory",
            "MiB",
            1.0,
            {{K::kValueAtMost, "", 1.0, "rss_growth_MiB"}},
            kVsTorch,
            "mlp_sgd's resident memory growth from step 1,000 to step 10,000"};
    mem.iterations = 1;
    mem.rounds = 1;
    mem.figure = "rss_growth_MiB";
    mem.warmup = false;
    v.push_back(mem);
    // issue 15: the pool's thresholds (bench_threads.cpp): "pool" splits the work in two halves
    // on 2 threads, "serial" runs it whole on the calling thread.
    for (int64_t n : kPoolAddSizes) {
      Row r{pool_add_row(n),
            "µs",
            kUs,
            {},
            {"pool", "serial"},
            "y = a + b over " + std::to_string(n) + " floats: 2 chunks on 2 threads vs 1 loop"};
      r.threads = 2;
      v.push_back(r);
    }
    for (int64_t s : kPoolGemmSizes) {
      Row r{pool_gemm_row(s),
            "µs",
            kUs,
            {},
            {"pool", "serial"},
            std::to_string(s) + "² float32 GEMM: 2 row blocks on 2 threads vs 1 Eigen product"};
      r.threads = 2;
      v.push_back(r);
    }
    return v;
  }();
  return r;
}

}  // namespace bench
