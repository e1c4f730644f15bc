#pragma once
// GEMM on the intra-op pool (docs/threads.md): C = A B or C += A B on Eigen matrices or maps,
// split into blocks of C's rows (or columns, when C is wider than tall), each block one Eigen
// product on sub-blocks of the same maps. The blocks depend on the shapes only, so the result is
// bitwise the same for any thread count; a product below kParallelGemmFlops stays one Eigen call.
// float and double blocks run on the CPU level's GEMM kernel (kernels/gemm.hpp: compiled for
// several x86-64 levels, chosen at startup); other scalars on Eigen's product compiled here.
#include <algorithm>
#include <type_traits>

#include <Eigen/Core>

#include <paragrad/engine/detail/parallel.hpp>
#include <paragrad/engine/kernels/gemm.hpp>

namespace paragrad::detail {

constexpr int64_t kGemmParts = 8;   // at most this many blocks (any thread count up to 8 balances)
constexpr int64_t kGemmAlign = 16;  // block edges on multiples of 16 rows/columns (SIMD panels)
// At least this many rows (columns) per block: each block packs the whole other operand again
// (a row block all of B, a column block all of A), so thin blocks pay for more packing than they
// compute. mlp_sgd (two 128x784 by 784x256 products, split by columns) ran at 80% of raw Eigen's
// speed in 8 blocks of 32 columns (bench/results/2026-12-03-103534.md), at 94% in 4 blocks of 64
// (2026-12-03-133021.md).
constexpr int64_t kGemmMinBlock = 64;

// How C's rows (or columns) are split: the block size in rows or columns, C's extent when whole.
inline int64_t gemm_block(int64_t extent, int64_t other, int64_t inner) {
  const double flops = 2.0 * double(extent) * double(other) * double(inner);
  if (flops < kParallelGemmFlops) return extent;
  const double per_unit = 2.0 * double(other) * double(inner);
  const auto min_units =
      std::max<int64_t>(int64_t(kParallelGemmFlops / 4 / per_unit) + 1, kGemmMinBlock);
  return chunk_size(extent, kGemmParts, min_units, kGemmAlign);
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
  if (n >= m) {
    const int64_t block = gemm_block(n, m, k);
    if (block >= n) return product(C, A, B);
    parallel_for(n, block, [&](int64_t b, int64_t e) {
      product(C.middleRows(b, e - b), A.middleRows(b, e - b), B);
    });
  } else {
    const int64_t block = gemm_block(m, n, k);
    if (block >= m) return product(C, A, B);
    parallel_for(m, block, [&](int64_t b, int64_t e) {
      product(C.middleCols(b, e - b), A, B.middleCols(b, e - b));
    });
  }
}

}  // namespace paragrad::detail
