#pragma once
// The partial-pivot LU kernel shared by lu.cpp and ex_variants.cpp (internal).
#include <paragrad/engine/tensor.hpp>

namespace paragrad::linalg::detail {

struct LuFactors {
  Tensor LU;  // [..., m, n]: L strictly below the diagonal (unit diagonal implied), U on and above
  Tensor pivots;  // [..., min(m, n)] Int64, 1-based as LAPACK's getrf
  Tensor info;    // [...] Int64: 0, or the 1-based index of the first exactly zero pivot
};

// getrf's algorithm (row pivoting on the largest |a|, first one on ties); a zero pivot column
// is left as it is and reported in info, never divided by.
LuFactors lu_factor_kernel(const Tensor& A, const char* op);

}  // namespace paragrad::linalg::detail
