// The intra-op pool (issue 15): paragrad's thread setter, and the rows that measure where the
// pool pays (detail/parallel.hpp's thresholds): the same loop or GEMM run whole on the calling
// thread ("serial") and split in two halves on a 2-thread pool ("pool").
//   pool_add_<n>   y = a + b over n floats: below the size where "pool" wins, an elementwise op
//                  or reduction stays on its thread (kParallelElementwiseGrain, ...ReduceGrain)
//   pool_gemm_<s>  C = A B for s×s float32 (2 s³ flops): kParallelGemmFlops
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <paragrad/engine/detail/parallel.hpp>
#include <paragrad/engine/parallel.hpp>

#include "common.hpp"
#include "harness.hpp"

namespace {

const bool kSetter = [] {
  bench::add_thread_setter([](int n) {
    if (paragrad::get_num_threads() != n) paragrad::set_num_threads(n);
  });
  return true;
}();

bench::Case pool_add(int64_t n, bool pool) {
  auto v = std::make_shared<std::vector<float>>(size_t(3 * n));
  for (int64_t i = 0; i < 2 * n; ++i) (*v)[size_t(i)] = float(i % 97) * 0.01f;
  return {[v, n, pool] {
    const float* a = v->data();
    const float* b = a + n;
    float* y = v->data() + 2 * n;
    paragrad::detail::parallel_for(n, pool ? (n + 1) / 2 : n, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) y[i] = a[i] + b[i];
    });
    bench::do_not_optimize(y[n - 1]);
    return double(y[n - 1]);
  }};
}

bench::Case pool_gemm(int64_t s, bool pool) {
  using Mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  auto m = std::make_shared<std::vector<Mat>>(3, Mat::Ones(s, s));
  return {[m, s, pool] {
    const Mat &A = (*m)[0], &B = (*m)[1];
    Mat& C = (*m)[2];
    paragrad::detail::parallel_for(s, pool ? (s + 1) / 2 : s, [&](int64_t lo, int64_t hi) {
      C.middleRows(lo, hi - lo).noalias() = A.middleRows(lo, hi - lo) * B;
    });
    return double(C(s - 1, s - 1));
  }};
}

const bool kSides = [] {
  for (int64_t n : bench::kPoolAddSizes) {  // the registry copies the names
    const std::string row = bench::pool_add_row(n);
    bench::SideRegistrar(row.c_str(), "pool", [n] { return pool_add(n, true); });
    bench::SideRegistrar(row.c_str(), "serial", [n] { return pool_add(n, false); });
  }
  for (int64_t s : bench::kPoolGemmSizes) {
    const std::string row = bench::pool_gemm_row(s);
    bench::SideRegistrar(row.c_str(), "pool", [s] { return pool_gemm(s, true); });
    bench::SideRegistrar(row.c_str(), "serial", [s] { return pool_gemm(s, false); });
  }
  return true;
}();

}  // namespace
