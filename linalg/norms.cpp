// vector_norm and matrix_norm, as torch.linalg. Most norms are compositions of
// differentiable ops; the p-norms are one op with a rule that is finite at x = 0.
#include <algorithm>
#include <cmath>

#include <paragrad/linalg/batch.hpp>
#include <paragrad/linalg/linalg.hpp>

namespace paragrad::linalg {

using autograd::grad_list;
using autograd::needs_grad;
using autograd::record;
using autograd::SavedTensor;
using namespace linalg::detail;

namespace {

// Shape of a reduction over dims with keepdim (dims empty: all).
Dims keep_shape(const Tensor& x, Shape dims) {
  Dims s = x.sizes();
  if (dims.empty())
    for (int64_t& v : s) v = 1;
  for (int64_t d : dims) s[size_t(d < 0 ? d + x.dim() : d)] = 1;
  return s;
}

// (Σ|x|^p)^(1/p) for finite p ∉ {0}. Backward:
//   ∂‖x‖_p/∂x = sign(x) |x|^(p-1) / ‖x‖_p^(p-1),
// taken as 0 where ‖x‖_p = 0 (a subgradient, as PyTorch) and where x = 0 (for p < 1, where
// the derivative is unbounded). For p = 2 this is x / ‖x‖.
Tensor pnorm(const Tensor& x, double p, const Shape& dims, bool keepdim) {
  Tensor out;
  {
    NoGradGuard no_grad;
    const Tensor a = x.detach().abs();
    out = p == 2 ? a.square().sum(dims, keepdim).sqrt()
                 : (p == 1 ? a.sum(dims, keepdim) : a.pow(p).sum(dims, keepdim).pow(1.0 / p));
  }
  if (needs_grad(x)) {
    const Dims ks = keep_shape(x, dims);
    // grad LinalgVectorNormBackward: linalg.vector_norm(x, p, dims) => g sign(x) (|x|/out)^(p-1)
    record("LinalgVectorNormBackward", out, {x},
           [sx = SavedTensor(x), sout = SavedTensor(out, true), ks, p](const Tensor& g) {
             const Tensor xv = sx.unpack(),
                          nrm = sout.unpack().reshape(Shape(ks.begin(), ks.end()));
             const Tensor gk = g.reshape(Shape(ks.begin(), ks.end()));
             const Tensor nz = nrm != zeros_like(nrm);
             const Tensor nsafe = where(nz, nrm, ones_like(nrm));
             Tensor d;
             if (p == 2) {
               d = xv / nsafe;
             } else if (p == 1) {
               d = xv.sign();
             } else {
               const Tensor xnz = xv != zeros_like(xv);
               const Tensor ratio = where(xnz, xv.abs(), ones_like(xv)) / nsafe;
               d = where(xnz, xv.sign() * ratio.pow(p - 1), zeros_like(xv));
             }
             return where(nz, d, zeros_like(d)) * gk;
           });
  }
  return out;
}

}  // namespace

Tensor vector_norm(const Tensor& x, double ord, Shape dims, bool keepdim) {
  const char* op = "linalg.vector_norm";
  check_floating(x, op);
  check<ValueError>(!std::isnan(ord), op, ": ord must not be NaN");
  const int64_t rank = std::max<int64_t>(x.dim(), 1);  // a 0-d tensor takes dim 0 or -1
  for (int64_t d : dims)
    check<IndexError>(d >= -rank && d < rank, op, ": dim ", d, " out of range for shape ",
                      shape_str(x.sizes()));
  if (x.dim() == 0 && !dims.empty()) dims.clear();
  // As PyTorch: a norm without an identity (ord < 0 or ±inf: a max or min underneath) cannot
  // reduce an empty dim; over other dims of an empty tensor it gives an empty result.
  if (ord < 0 || std::isinf(ord)) {
    check<ValueError>(x.numel() > 0 || !dims.empty(), op, ": cannot compute the ", ord,
                      " norm of an empty tensor (shape ", shape_str(x.sizes()),
                      "): the operation has no identity");
    for (int64_t d : dims)
      check<ValueError>(x.size(d) > 0, op, ": cannot compute the ", ord, " norm over dim ", d,
                        " of size 0 (shape ", shape_str(x.sizes()), ")");
  }
  if (std::isinf(ord)) {
    const Tensor a = x.abs();
    return ord > 0 ? a.amax(dims, keepdim) : -(-a).amax(dims, keepdim);
  }
  if (ord == 0) {  // number of non-zeros: piecewise constant, gradient zero (as PyTorch)
    Tensor out = (x.detach() != zeros_like(x)).to(x.dtype()).sum(dims, keepdim);
    if (needs_grad(x))
      // grad LinalgVectorNormBackward: linalg.vector_norm(x, 0, dims) => 0 (a count)
      record("LinalgVectorNormBackward", out, {x},
             [shape = x.shape(), dt = x.dtype()](const Tensor&) { return zeros(shape, dt); });
    return out;
  }
  return pnorm(x, ord, dims, keepdim);
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
  // These take a max or min (of the singular values, column sums or row sums), which an empty
  // list does not have; an empty batch of matrices is fine (as PyTorch).
  const int64_t count = ord == "2" || ord == "-2" ? std::min(rows(A), cols(A))
                                                  : (ord == "1" || ord == "-1" ? cols(A) : rows(A));
  check<ValueError>(count > 0, op, ": ord=", ord, " of matrices of shape ", shape_str(A.sizes()),
                    " is not defined (a max or min over an empty set)");
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
