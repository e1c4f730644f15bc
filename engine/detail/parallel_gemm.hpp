#pragma once
// GEMM on the intra-op pool (docs/threads.md): C = A B or C += A B on Eigen matrices or maps,
// split into blocks of C's rows or columns, each block one Eigen product on sub-blocks of the same
// maps; a product below kParallelGemmFlops stays one Eigen call. How it is cut (gemm_split) leaves
// the result bitwise the same for any thread count.
// float and double blocks run on the CPU level's GEMM kernel (kernels/gemm.hpp: compiled for
// several x86-64 levels, chosen at startup); other scalars on Eigen's product compiled here.
#include <algorithm>
#include <type_traits>

#include <Eigen/Core>

#include <paragrad/engine/detail/parallel.hpp>
#include <paragrad/engine/kernels/gemm.hpp>
#include <paragrad/engine/parallel.hpp>

namespace paragrad::detail {

constexpr int64_t kGemmParts = 8;   // at most this many blocks
constexpr int64_t kGemmAlign = 16;  // block edges on multiples of 16 rows/columns (SIMD panels)
// At least this many rows (columns) per block: each block packs the whole other operand again
// (a row block all of B, a column block all of A), so thin blocks pay for more packing than they
// compute. mlp_sgd (two 128x784 by 784x256 products, split by columns) ran at 80% of raw Eigen's
// speed in 8 blocks of 32 columns (bench/results/2026-12-03-103534.md), at 94% in 4 blocks of 64
// (2026-12-03-133021.md).
constexpr int64_t kGemmMinBlock = 64;

// How many blocks C's rows (or columns) are split into: 1 (whole), 2, 4 or 8, as many as leave
// each block at least kGemmMinBlock rows or columns and a quarter of kParallelGemmFlops. A power
// of two of nearly equal blocks keeps 2, 4 or 8 threads equally busy: mlp_sgd's weight gradient
// (256x128 by 128x784, split by columns) was 7 blocks of 112 columns before, 4 against 3 on two
// threads.
inline int64_t gemm_parts(int64_t extent, int64_t other, int64_t inner) {
  const double flops = 2.0 * double(extent) * double(other) * double(inner);
  if (flops < kParallelGemmFlops) return 1;
  const double per_unit = 2.0 * double(other) * double(inner);
  const auto min_units =
      std::max<int64_t>(int64_t(kParallelGemmFlops / 4 / per_unit) + 1, kGemmMinBlock);
  const int64_t most = std::min(kGemmParts, extent / min_units);
  int64_t parts = 1;
  while (parts * 2 <= most) parts *= 2;
  return parts;
}
// Where block i of `parts` starts (i == parts: extent): on a multiple of kGemmAlign, the blocks
// differing by at most kGemmAlign, the last one also taking the rows past the last multiple.
inline int64_t gemm_block_start(int64_t i, int64_t parts, int64_t extent) {
  if (i >= parts) return extent;
  return i * (extent / kGemmAlign) / parts * kGemmAlign;
}
// The same for blocks of whole row panels (gemm_split, below): on the multiple of kGemmRowPanel
// nearest to an even cut.
constexpr int64_t kGemmRowPanel = 48;
inline int64_t gemm_panel_block_start(int64_t i, int64_t parts, int64_t extent) {
  if (i >= parts) return extent;
  return (2 * i * extent / parts + kGemmRowPanel) / (2 * kGemmRowPanel) * kGemmRowPanel;
}

// How a product C (n x m, depth k) is cut. The level kernel computes a column-major product (C
// itself, or Cᵀ when C is row-major: gemm_level.cpp), and blocks of that product's columns give
// bitwise the whole product's result: each is an Eigen product over all of the rows and the whole
// depth, Eigen's depth blocking depends on the depth alone, and the blocks start on multiples of
// 16 columns, so every column is computed by the same micro-kernel in the same order. Blocks of
// its rows do not (an edge on a multiple of 16 moves the rows' panels, which Eigen cuts in
// multiples of 12 or 24). So a product is cut along the kernel's columns whenever they make two
// blocks (gemm_parts), and then only as many as there are threads to run them, since each block
// packs the whole other operand again (one block on one thread: 8 blocks of matmul512 on one
// thread ran at 88% of raw Eigen's speed on an AVX2 VM, `bench/results/2026-12-05-234142.md`).
// Otherwise it is cut along the kernel's rows by its shape alone. Either way the result does not
// depend on the thread count (`tests/engine/test_parallel.cpp`, for 1, 2 and 3 threads).
//
// On several threads, blocks of the kernel's rows on multiples of kGemmRowPanel give bitwise the
// whole product's result too: Eigen cuts rows in panels of 3 SIMD packets (48 floats with
// AVX-512, 24 with AVX2, 12 with SSE2; half as many doubles), so an edge on a multiple of 48 keeps
// every row in the panel it has in the whole product (checked in tests/engine/test_parallel.cpp
// against the whole product at every CPU level). Such blocks are taken when the kernel's left
// operand (its rows by the depth) is the largest of the three matrices (more rows than the
// result has columns, and a depth above that too): each thread then reads only its part of it
// and all of the right operand, where column blocks have every thread read all of the left one.
// In mlp_sgd's forward (x by the weight's transpose) the largest is the weight: read whole by
// both threads, its cache lines were in both cores' caches when the SGD step wrote them, and on
// a two-core VM that step took 135 µs against 23 µs for the same step run again right after
// (docs/threads.md). When the result is the largest, it is cut as above.
struct GemmSplit {
  bool by_rows;         // blocks of C's rows (else of its columns)
  int64_t parts;        // 1: one Eigen product
  bool panels = false;  // edges on whole row panels (gemm_panel_block_start)
};
inline GemmSplit gemm_split(int64_t n, int64_t m, int64_t k, bool row_major_c) {
  const int64_t kernel_cols = row_major_c ? n : m, kernel_rows = row_major_c ? m : n;
  const int64_t col_parts = gemm_parts(kernel_cols, kernel_rows, k);
  if (col_parts > 1) {
    const int64_t threads = in_parallel_region() ? 1 : int64_t(get_num_threads());
    if (threads > 1 && kernel_rows > kernel_cols && k > kernel_cols) {
      const int64_t row_parts = std::min(gemm_parts(kernel_rows, kernel_cols, k), threads);
      if (row_parts > 1 && kernel_rows / row_parts >= kGemmRowPanel)
        return {!row_major_c, row_parts, true};
    }
    return {row_major_c, std::min(col_parts, std::max<int64_t>(threads, 1))};
  }
  return {!row_major_c, gemm_parts(kernel_rows, kernel_cols, k)};
}

// C (=|+=) A B. C is an lvalue Eigen matrix or map of A.rows() x B.cols().
template <class MC, class MA, class MB>
void gemm(MC& C, const MA& A, const MB& B, bool accumulate = false) {
  const int64_t n = C.rows(), m = C.cols(), k = A.cols();
  auto product = [&](auto&& c, const auto& a, const auto& b) {
    using T = typename std::decay_t<decltype(c)>::Scalar;
    if constexpr (std::is_same<T, float>::value || std::is_same<T, double>::value) {
      kernels::gemm(kernels::GemmProblem<T>{c.rows(), c.cols(), a.cols(), a.data(), a.rowStride(),
                                            a.colStride(), b.data(), b.rowStride(), b.colStride(),
                                            c.data(), c.rowStride(), c.colStride(), accumulate});
    } else if (accumulate)
      c.noalias() += a * b;
    else
      c.noalias() = a * b;
  };
  // (row-major C as gemm_level.cpp decides it: its row stride is not 1)
  const GemmSplit split = gemm_split(n, m, k, C.rowStride() != 1);
  const bool by_rows = split.by_rows;
  const int64_t parts = split.parts;
  if (parts == 1) return product(C, A, B);
  const int64_t extent = by_rows ? n : m;
  auto start = [&](int64_t i) {
    return split.panels ? gemm_panel_block_start(i, parts, extent)
                        : gemm_block_start(i, parts, extent);
  };
  parallel_for(parts, 1, [&](int64_t first, int64_t last) {
    for (int64_t i = first; i < last; ++i) {
      const int64_t b = start(i), e = start(i + 1);
      if (by_rows)
        product(C.middleRows(b, e - b), A.middleRows(b, e - b), B);
      else
        product(C.middleCols(b, e - b), A, B.middleCols(b, e - b));
    }
  });
}

}  // namespace paragrad::detail
