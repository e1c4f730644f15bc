// The GEMM kernel of one CPU level. This file is compiled once per level (CMakeLists.txt: baseline
// x86-64, x86-64-v3 = AVX2+FMA, x86-64-v4 = AVX-512) with PARAGRAD_KERNEL_LEVEL naming the level
// and `Eigen` defined to a level-specific name: Eigen is header-only, and two levels'
// instantiations of the same Eigen template under the same name would be merged by the linker (one
// level's code would run for both). Nothing else is included here but Eigen and plain headers.
#ifndef PARAGRAD_KERNEL_LEVEL
#error "gemm_level.cpp is compiled once per CPU level with -DPARAGRAD_KERNEL_LEVEL=<level>"
#endif
#include <Eigen/Core>

#include <paragrad/engine/kernels/gemm.hpp>
#include <paragrad/engine/kernels/kept_scratch.hpp>

namespace paragrad::kernels::PARAGRAD_KERNEL_LEVEL {
namespace {

template <class T, int Order>
using MatrixMap = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Order>, 0,
                             Eigen::OuterStride<>>;

// Eigen's packed copies of the operands' blocks (its "blocking"), kept by the thread from one
// product to the next. Eigen's own product allocates them on every call (on the heap beyond
// 128 KiB), and glibc hands such blocks back to the system when they are freed at the top of the
// heap, so in a loop each product of mlp_sgd's size faulted its ~850 KB of packed blocks in again
// (175 page faults per 128x784 by 784x256 product, which then took 420 instead of 249 us;
// docs/memory.md). The blocking sizes are Eigen's own (computeProductBlockingSizes, as its
// gemm_blocking_space), and general_matrix_matrix_product is the routine Eigen's product calls with
// them, so the result is bitwise what `C.noalias() += A * B` gives.
template <class T>
class Blocking : public Eigen::internal::level3_blocking<T, T> {
 public:
  Blocking(Eigen::Index rows, Eigen::Index cols, Eigen::Index depth)
      : Blocking(sizes_for(rows, cols, depth)) {}

 private:
  struct Sizes {
    Eigen::Index kc, mc, nc;
    size_t a;  // block A's entries, rounded up so that block B starts SIMD-aligned
  };
  static Sizes sizes_for(Eigen::Index rows, Eigen::Index cols, Eigen::Index depth) {
    Eigen::Index kc = depth, mc = rows, nc = cols;
    Eigen::internal::computeProductBlockingSizes<T, T, 1>(kc, mc, nc, Eigen::Index(1));
    constexpr size_t per =
        EIGEN_MAX_ALIGN_BYTES / sizeof(T) > 0 ? EIGEN_MAX_ALIGN_BYTES / sizeof(T) : 1;
    return {kc, mc, nc, (size_t(kc * mc) + per - 1) / per * per};
  }
  explicit Blocking(const Sizes& s) : scratch_(s.a + size_t(s.kc * s.nc)) {
    this->m_kc = s.kc;
    this->m_mc = s.mc;
    this->m_nc = s.nc;
    this->m_blockA = scratch_.data();
    this->m_blockB = scratch_.data() + s.a;
  }
  // Eigen sizes its blocks to fit the L2 cache (about 1.3 MB at most), well below the 4 MiB kept.
  KeptScratch<T, size_t(4) << 20> scratch_;
};

// C is column-major here (gemm() transposes the problem when it is not). What Eigen's product
// does for `C = A B` and `C += A B`, with the thread's kept blocking for the blocked product.
template <class T, int AOrder, int BOrder>
void product(const GemmProblem<T>& p) {
  const MatrixMap<T, AOrder> A(p.a, p.rows, p.inner,
                               Eigen::OuterStride<>(AOrder == Eigen::RowMajor ? p.a_rs : p.a_cs));
  const MatrixMap<T, BOrder> B(p.b, p.inner, p.cols,
                               Eigen::OuterStride<>(BOrder == Eigen::RowMajor ? p.b_rs : p.b_cs));
  Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>, 0,
             Eigen::OuterStride<>>
      C(p.c, p.rows, p.cols, Eigen::OuterStride<>(p.c_cs));
  // Eigen's product itself where it does not run the blocked kernel: tiny products (coefficient
  // by coefficient) and matrix-vector ones.
  if (p.rows == 1 || p.cols == 1 ||
      p.inner + p.rows + p.cols < EIGEN_GEMM_TO_COEFFBASED_THRESHOLD) {
    if (p.accumulate)
      C.noalias() += A * B;
    else
      C.noalias() = A * B;
    return;
  }
  if (!p.accumulate) C.setZero();
  if (p.inner == 0 || p.rows == 0 || p.cols == 0) return;
  Blocking<T> blocking(p.rows, p.cols, p.inner);
  Eigen::internal::general_matrix_matrix_product<Eigen::Index, T, AOrder, false, T, BOrder, false,
                                                 Eigen::ColMajor, 1>::run(p.rows, p.cols, p.inner,
                                                                          A.data(), A.outerStride(),
                                                                          B.data(), B.outerStride(),
                                                                          C.data(), 1,
                                                                          C.outerStride(), T(1),
                                                                          blocking);
}

template <class T>
void gemm(const GemmProblem<T>& in) {
  GemmProblem<T> p = in;
  if (p.c_rs != 1) {  // row-major C: compute Cᵀ = Bᵀ Aᵀ into the same memory, column-major
    p = GemmProblem<T>{in.cols, in.rows, in.inner, in.b,    in.b_cs, in.b_rs,      in.a,
                       in.a_cs, in.a_rs, in.c,     in.c_cs, in.c_rs, in.accumulate};
  }
  const bool a_row = p.a_cs == 1, b_row = p.b_cs == 1;
  if (a_row && b_row)
    product<T, Eigen::RowMajor, Eigen::RowMajor>(p);
  else if (a_row)
    product<T, Eigen::RowMajor, Eigen::ColMajor>(p);
  else if (b_row)
    product<T, Eigen::ColMajor, Eigen::RowMajor>(p);
  else
    product<T, Eigen::ColMajor, Eigen::ColMajor>(p);
}

}  // namespace

const GemmKernels gemm_kernels = {&gemm<float>, &gemm<double>};

}  // namespace paragrad::kernels::PARAGRAD_KERNEL_LEVEL
