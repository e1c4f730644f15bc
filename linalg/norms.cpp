// vector_norm and matrix_norm, as torch.linalg. Most norms are compositions of
// differentiable ops; the vector norms are Tensor::norm (engine/ops/statistics.cpp), whose
// rule is finite at x = 0.
#include <cmath>

#include <paragrad/linalg/batch.hpp>
#include <paragrad/linalg/linalg.hpp>

namespace paragrad::linalg {

using namespace linalg::detail;

Tensor vector_norm(const Tensor& x, double ord, Shape dims, bool keepdim) {
  const char* op = "linalg.vector_norm";
  check_floating(x, op);
  check<ValueError>(!std::isnan(ord), op, ": ord must not be NaN");
  for (int64_t d : dims)
    check<IndexError>(d >= -x.dim() && d < x.dim(), op, ": dim ", d, " out of range for shape ",
                      shape_str(x.sizes()));
  if (std::isinf(ord))
    check<ValueError>(x.numel() > 0, op, ": ord=", ord, " of an empty tensor (shape ",
                      shape_str(x.sizes()), ") is not defined");
  return x.norm(ord, dims, keepdim);  // engine/ops/statistics.cpp
}

Tensor vector_norm(const Tensor& x, double ord) { return vector_norm(x, ord, {}, false); }

Tensor matrix_norm(const Tensor& A, const std::string& ord) {
  const char* op = "linalg.matrix_norm";
  check_matrix(A, op);
  if (ord == "fro") return vector_norm(A, 2, {-2, -1});
  if (ord == "nuc") return svdvals(A).sum({-1});  // backward U Vᵀ: finite for every A
  const bool needs_nonempty =
      ord == "2" || ord == "-2" || ord == "1" || ord == "-1" || ord == "inf" || ord == "-inf";
  check<ValueError>(needs_nonempty, op, ": ord must be one of 'fro', 'nuc', '2', '-2', '1', ",
                    "'-1', 'inf', '-inf', got '", ord, "'");
  check<ValueError>(A.numel() > 0, op, ": ord=", ord, " of an empty matrix (shape ",
                    shape_str(A.sizes()), ") is not defined");
  // Spectral norms: the largest / smallest singular value (S is descending). The backward
  // goes through svdvals: u_i v_iᵀ, no F terms.
  if (ord == "2") return svdvals(A).select(-1, 0);
  if (ord == "-2") return svdvals(A).select(-1, std::min(rows(A), cols(A)) - 1);
  // Induced 1 / inf norms: max (min) absolute column / row sum.
  const Tensor colsum = A.abs().sum({-2}), rowsum = A.abs().sum({-1});
  if (ord == "1") return colsum.amax({-1});
  if (ord == "-1") return -(-colsum).amax({-1});
  if (ord == "inf") return rowsum.amax({-1});
  return -(-rowsum).amax({-1});
}

Tensor matrix_norm(const Tensor& A, double ord) {
  if (ord == 2) return matrix_norm(A, "2");
  if (ord == -2) return matrix_norm(A, "-2");
  if (ord == 1) return matrix_norm(A, "1");
  if (ord == -1) return matrix_norm(A, "-1");
  if (std::isinf(ord)) return matrix_norm(A, ord > 0 ? "inf" : "-inf");
  throw ValueError(cat("linalg.matrix_norm: ord must be one of 2, -2, 1, -1, inf, -inf (or 'fro', ",
                       "'nuc' as strings), got ", ord));
}

}  // namespace paragrad::linalg
