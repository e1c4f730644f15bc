#pragma once
// The intra-op pool's interface for kernels (engine/parallel.cpp; docs/threads.md).
//
// parallel_for(n, chunk, f) calls f(begin, end) once for each chunk [i·chunk, min(n, (i+1)·chunk))
// of [0, n), on the pool's threads and the calling thread together, and returns when all are done.
// The chunks depend on n and chunk only, never on the thread count, so a kernel that writes each
// chunk's result to its own place (elementwise) or combines per-chunk partials in chunk order
// (reductions) gives bitwise the same result for any number of threads. The chunks run on the
// calling thread alone, in order, when there is one chunk, one thread, inside another parallel
// region (nested regions run inline), or while another user thread holds the pool.
//
// An exception thrown by f stops the remaining chunks (those already started finish) and the
// first one caught is rethrown to the caller, with its type (e.g. paragrad::ValueError).
#include <algorithm>
#include <cstdint>

namespace paragrad::detail {

// The minimum work that pays for a trip to the pool, measured on the bench rows `pool_add_*` and
// `pool_gemm_*` (bench/bench_threads.cpp, docs/threads.md, with the pool's workers polling
// between the regions of back-to-back ops): below it an op runs on its calling thread. In
// bench/results/2026-12-03-124504.md two halves of 16 Ki floats ran no faster than one loop
// (0.96x the time), of 64 Ki in 0.68x the time; a GEMM of 2·64³ flops in 0.67x, of 2·96³ in 0.57x
// (2·48³: 0.73x there, 1.10x in 2026-12-03-133021.md, so the GEMM threshold sits above 2·64³).
// 0.6 MFLOP was tried (mlp_sgd's 128x256x10 products then split in two, blocks still >= 64 rows or
// columns): mlp_sgd_2t met 1.6x in one of three runs, and mlp_sgd on one thread, which runs the
// same blocks, fell a few percent further below raw Eigen (docs/threads.md), so it stays 1.5.
constexpr int64_t kParallelElementwiseGrain = int64_t(1) << 15;  // elements per chunk
constexpr int64_t kParallelReduceGrain = int64_t(1) << 15;       // elements per partial
constexpr double kParallelGemmFlops = 1.5e6;  // 2·m·n·k below which a GEMM stays whole

// true on pool threads and on a caller while it runs its own chunks.
bool in_parallel_region();

using ChunkFn = void (*)(const void* ctx, int64_t begin, int64_t end);
void parallel_for_impl(int64_t n, int64_t chunk, ChunkFn fn, const void* ctx);

template <class F>
void parallel_for(int64_t n, int64_t chunk, const F& f) {
  if (n <= 0) return;
  chunk = std::max<int64_t>(chunk, 1);
  if (n <= chunk) {  // one chunk: no pool, no indirection (the small-op path)
    f(int64_t(0), n);
    return;
  }
  parallel_for_impl(
      n, chunk, [](const void* ctx, int64_t b, int64_t e) { (*static_cast<const F*>(ctx))(b, e); },
      &f);
}

}  // namespace paragrad::detail
