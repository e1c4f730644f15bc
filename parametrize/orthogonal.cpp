// Orthogonal parametrization, after torch/nn/utils/parametrizations.py (PyTorch 1.13):
//   matrix_exp / cayley: X (tall, n×k) -> lower triangle, padded to n×n, A = X - Xᵀ (skew),
//     Q = exp(A) or the Cayley map (I - A/2)⁻¹(I + A/2), first k columns;
//   householder: Q = H_1 ⋯ H_k from the reflectors below X's diagonal, τ_i = 2 / (1 + ‖v_i‖²),
//     columns signed by X's (truncated) diagonal;
//   use_trivialization: Q = base · Q, with `base` an orthogonal buffer set by right_inverse
//     (Lezcano-Casado, "Trivializations for gradient-based optimization on manifolds", 2019).
// Wide matrices are handled transposed. right_inverse (the QR decompositions) runs in Eigen
// under no-grad: it is never differentiated.
#include <limits>
#include <utility>

#include <Eigen/QR>

#include <paragrad/linalg/linalg.hpp>
#include <paragrad/parametrize/parametrizations.hpp>
#include <paragrad/parametrize/register.hpp>

namespace paragrad::parametrizations {

namespace {
using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Calls f(in, out, b) with the b-th n×k matrix of a batch [..., n, k], as float64 row-major.
template <class F>
Tensor per_matrix(const Tensor& A, Shape out_shape, F&& f) {
  Tensor a = A.detach().to(kFloat64).contiguous();
  Tensor out = zeros(out_shape, kFloat64);
  const int64_t n = A.size(-2), k = A.size(-1);
  const int64_t batch = n * k == 0 ? 0 : A.numel() / (n * k);
  for (int64_t b = 0; b < batch; ++b) {
    Eigen::Map<const RowMatrix> in(a.data_ptr<double>() + b * n * k, n, k);
    f(in, out.data_ptr<double>(), b);
  }
  return out.to(A.dtype());
}

// LAPACK's geqrf as PyTorch uses it in right_inverse, with the diagonal replaced as PyTorch does:
// sign(R_ii), negated where τ_i = 0. A is tall (n ≥ k).
Tensor householder_reflectors(const Tensor& A) {
  const int64_t n = A.size(-2), k = A.size(-1);
  return per_matrix(A, A.shape(),
                    [&](const Eigen::Map<const RowMatrix>& M, double* out, int64_t b) {
                      Eigen::HouseholderQR<Eigen::MatrixXd> qr(M);
                      Eigen::Map<RowMatrix> O(out + b * n * k, n, k);
                      O = qr.matrixQR();
                      for (int64_t i = 0; i < k; ++i) {
                        const double r = O(i, i);
                        double s = r > 0 ? 1.0 : (r < 0 ? -1.0 : 0.0);
                        if (qr.hCoeffs()(i) == 0.0) s = -s;  // LAPACK did not reflect this column
                        O(i, i) = s;
                      }
                    });
}

// Q of A = QR with diag(R) ≥ 0 (PyTorch's _make_orthogonal). A is tall.
Tensor make_orthogonal(const Tensor& A) {
  const int64_t n = A.size(-2), k = A.size(-1);
  return per_matrix(A, A.shape(),
                    [&](const Eigen::Map<const RowMatrix>& M, double* out, int64_t b) {
                      Eigen::HouseholderQR<Eigen::MatrixXd> qr(M);
                      Eigen::MatrixXd Q = qr.householderQ() * Eigen::MatrixXd::Identity(n, k);
                      const Eigen::MatrixXd& R = qr.matrixQR();
                      for (int64_t j = 0; j < k; ++j) {
                        const double r = R(j, j);
                        Q.col(j) *= r > 0 ? 1.0 : (r < 0 ? -1.0 : 0.0);
                      }
                      Eigen::Map<RowMatrix>(out + b * n * k, n, k) = Q;
                    });
}

double machine_eps(Dtype d) {
  return d == kFloat32 ? double(std::numeric_limits<float>::epsilon())
                       : std::numeric_limits<double>::epsilon();
}

// Qᵀ Q ≈ I with PyTorch's tolerance (atol 10·n·eps).
bool is_orthogonal(const Tensor& Q) {
  const int64_t n = Q.size(-2), k = Q.size(-1);
  Tensor QtQ = matmul(Q.mT(), Q);
  Tensor Id = eye(k, Q.dtype()).expand(QtQ.shape());
  return allclose(QtQ, Id, 1e-5, 10.0 * double(n) * machine_eps(Q.dtype()));
}
}  // namespace

Orthogonal::Orthogonal(const Tensor& weight, Map map, bool use_trivialization)
    : shape_(weight.sizes()), map_(map), use_trivialization_(use_trivialization) {
  if (use_trivialization_) register_buffer("base", Tensor());  // set by right_inverse
}

Tensor Orthogonal::forward(const Tensor& weight) {
  check<ShapeError>(weight.dim() >= 2, "_Orthogonal: expected a matrix or batch of matrices, got ",
                    "shape ", shape_str(weight.sizes()));
  Tensor X = weight;
  int64_t n = X.size(-2), k = X.size(-1);
  const bool transposed = n < k;
  if (transposed) {
    X = X.mT();
    std::swap(n, k);
  }
  // X is tall: n ≥ k.
  Tensor Q;
  if (map_ == Map::MatrixExp || map_ == Map::Cayley) {
    X = X.tril();  // n·k − k(k−1)/2 free parameters
    if (n != k) {
      Shape pad = X.shape();
      pad.back() = n - k;
      X = cat({X, zeros(pad, X.dtype())}, -1);  // embed into a square matrix
    }
    Tensor A = X - X.mT();  // skew-symmetric
    if (map_ == Map::MatrixExp) {
      Q = linalg::matrix_exp(A);
    } else {
      Tensor Id = eye(n, A.dtype());
      Q = linalg::solve(Id - 0.5 * A, Id + 0.5 * A);  // (I − A/2)⁻¹ (I + A/2)
    }
    if (n != k) Q = Q.narrow(-1, 0, k);
  } else {
    Tensor A = X.tril(-1);
    Tensor tau = 2.0 / (1.0 + (A * A).sum({-2}));
    Q = linalg::householder_product(A, tau);
    // X's diagonal holds ±1 (set by right_inverse); like PyTorch's .int() it is truncated and
    // not differentiated.
    Tensor signs = X.diagonal(0, -2, -1).detach().to(kInt64).to(X.dtype());
    Q = Q * signs.unsqueeze(-2);
  }
  if (use_trivialization_) {
    const Tensor& base = buffer_slot("base");
    check<ValueError>(base.defined(), "_Orthogonal: the buffer `base` is not set (right_inverse ",
                      "has not run; register with unsafe=false or assign an orthogonal matrix)");
    Q = matmul(base, Q);
  }
  if (transposed) Q = Q.mT();
  return Q;
}

TensorList Orthogonal::right_inverse(const Tensor& Q_init) {
  check<ShapeError>(Q_init.sizes() == shape_,
                    "_Orthogonal.right_inverse: Expected a matrix or batch of matrices of shape ",
                    shape_str(shape_), ". Got a tensor of shape ", shape_str(Q_init.sizes()), ".");
  NoGradGuard no_grad;
  Tensor Q = Q_init.detach();
  int64_t n = Q.size(-2), k = Q.size(-1);
  const bool transposed = n < k;
  if (transposed) {
    Q = Q.mT();
    std::swap(n, k);
  }
  if (!use_trivialization_) {
    // Inverting the exponential or the Cayley map on the tall matrices is an open problem (see
    // PyTorch's note [right_inverse expm cayley]); registration then keeps the tensor as is.
    check<NotImplementedError>(map_ == Map::Householder,
                               "_Orthogonal.right_inverse: It is not possible to assign to the "
                               "matrix exponential or the Cayley parametrizations when "
                               "use_trivialization=False.");
    Tensor A = householder_reflectors(Q);
    return {transposed ? A.mT().contiguous() : A};
  }
  if (n == k) {
    Q = is_orthogonal(Q) ? Q.clone() : make_orthogonal(Q);
  } else {
    // Complete Q to an n×n orthogonal matrix with random columns.
    Shape extra = Q.shape();
    extra.back() = n - k;
    Q = make_orthogonal(cat({Q, randn(extra, Q.dtype())}, -1));
  }
  register_buffer("base", Q);
  // −Id: the map of zeros(…) with diagonal −1 is the identity for every map (householder uses
  // the diagonal's signs), so the parametrized value is `base` itself.
  const int64_t rows = Q_init.size(-2), cols = Q_init.size(-1);
  return {zeros(Q_init.shape(), Q_init.dtype()) - eye(rows, cols, Q_init.dtype())};
}

nn::Module& orthogonal(nn::Module& m, const std::string& name, const std::string& orthogonal_map,
                       bool use_trivialization) {
  check<ValueError>(m.has(name), "orthogonal: Module '", m.type_name(),
                    "' has no parameter or buffer with name '", name, "'");
  Tensor weight;
  {
    NoGradGuard no_grad;
    weight = m.get(name);
  }
  check<ValueError>(weight.defined() && weight.dim() >= 2,
                    "orthogonal: Expected a matrix or batch of matrices. Got a tensor of ",
                    weight.defined() ? weight.dim() : 0, " dimensions.");
  check<DtypeError>(weight.is_floating_point(), "orthogonal: expected a floating tensor, got ",
                    dtype_name(weight.dtype()));
  std::string map_name = orthogonal_map;
  if (map_name.empty())
    map_name = weight.size(-2) == weight.size(-1) ? "matrix_exp" : "householder";
  Orthogonal::Map map;
  if (map_name == "matrix_exp")
    map = Orthogonal::Map::MatrixExp;
  else if (map_name == "cayley")
    map = Orthogonal::Map::Cayley;
  else if (map_name == "householder")
    map = Orthogonal::Map::Householder;
  else
    throw ValueError(cat("orthogonal: orthogonal_map has to be one of \"matrix_exp\", \"cayley\", ",
                         "\"householder\". Got: ", orthogonal_map));
  parametrize::register_parametrization(
      m, name, std::make_shared<Orthogonal>(weight, map, use_trivialization), /*unsafe=*/true);
  return m;
}

}  // namespace paragrad::parametrizations
