// cond: the condition number ‖A‖_p ‖A⁻¹‖_p, as torch.linalg.cond. p = 2 / −2 is σ_max / σ_min
// (σ_min / σ_max) from svdvals and works for any shape; the other norms need square A and take
// the inverse from inv_ex, giving inf where A is singular (as PyTorch); an empty matrix gives 0
// (as PyTorch). Compositions of differentiable ops.
#include <cmath>
#include <limits>

#include <paragrad/linalg/batch.hpp>
#include <paragrad/linalg/linalg.hpp>

namespace paragrad::linalg {

using namespace linalg::detail;

Tensor cond(const Tensor& A, const std::string& p) {
  const char* op = "linalg.cond";
  check_matrix(A, op);
  check<ValueError>(p == "2" || p == "-2" || p == "fro" || p == "nuc" || p == "1" || p == "-1" ||
                        p == "inf" || p == "-inf",
                    op, ": p must be one of 2, -2, 'fro', 'nuc', 1, -1, inf, -inf, got '", p, "'");
  if (p == "fro" || p == "nuc") check_square(A, op);
  // As PyTorch (NumPy leaves it undefined): an empty matrix has condition number 0, without a
  // gradient; for the numeric p even a non-square one.
  if (A.numel() == 0) {
    const Shape batch(A.sizes().begin(), A.sizes().end() - 2);
    return zeros(batch, A.dtype());
  }
  if (p == "2" || p == "-2") {
    const Tensor S = svdvals(A);
    const int64_t k = S.size(-1);
    const Tensor hi = S.select(-1, 0), lo = S.select(-1, k - 1);
    return p == "2" ? hi / lo : lo / hi;
  }
  check_square(A, op);
  auto [Ainv, info] = inv_ex(A);
  const Tensor c = matrix_norm(A, p) * matrix_norm(Ainv, p);
  const Tensor singular = info != zeros_like(info);
  return where(singular, full({}, std::numeric_limits<double>::infinity(), c.dtype()), c);
}

Tensor cond(const Tensor& A) { return cond(A, "2"); }

Tensor cond(const Tensor& A, double p) {
  if (std::isinf(p)) return cond(A, p > 0 ? "inf" : "-inf");
  check<ValueError>(p == 2 || p == -2 || p == 1 || p == -1, "linalg.cond: p must be one of 2, -2, ",
                    "'fro', 'nuc', 1, -1, inf, -inf, got ", p);
  return cond(A, p == 2 ? "2" : (p == -2 ? "-2" : (p == 1 ? "1" : "-1")));
}

}  // namespace paragrad::linalg
