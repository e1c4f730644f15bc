// The GEMM kernel of one CPU level. This file is compiled once per level (CMakeLists.txt: baseline
// x86-64, x86-64-v3 = AVX2+FMA, x86-64-v4 = AVX-512) with PARAGRAD_KERNEL_LEVEL naming the level
// and `Eigen` defined to a level-specific name: Eigen is header-only, and two levels'
// instantiations of the same Eigen template under the same name would be merged by the linker (one
// level's code would run for both). Nothing else is included here but Eigen and a plain header.
#ifndef PARAGRAD_KERNEL_LEVEL
#error "gemm_level.cpp is compiled once per CPU level with -DPARAGRAD_KERNEL_LEVEL=<level>"
#endif
#include <Eigen/Core>

#include <paragrad/engine/kernels/gemm.hpp>

namespace paragrad::kernels::PARAGRAD_KERNEL_LEVEL {
namespace {

template <class T, int Order>
using MatrixMap = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Order>, 0,
                             Eigen::OuterStride<>>;

// C is column-major here (gemm() transposes the problem when it is not).
template <class T, int AOrder, int BOrder>
void product(const GemmProblem<T>& p) {
  const MatrixMap<T, AOrder> A(p.a, p.rows, p.inner,
                               Eigen::OuterStride<>(AOrder == Eigen::RowMajor ? p.a_rs : p.a_cs));
  const MatrixMap<T, BOrder> B(p.b, p.inner, p.cols,
                               Eigen::OuterStride<>(BOrder == Eigen::RowMajor ? p.b_rs : p.b_cs));
  Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>, 0,
             Eigen::OuterStride<>>
      C(p.c, p.rows, p.cols, Eigen::OuterStride<>(p.c_cs));
  if (p.accumulate)
    C.noalias() += A * B;
  else
    C.noalias() = A * B;
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
