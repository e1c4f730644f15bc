// matrix_power, multi_dot, vecdot and cross, as torch.linalg: compositions of matmul, inv and
// elementwise ops, so their gradients come from those.
#include <algorithm>
#include <limits>

#include <paragrad/engine/autograd/function.hpp>
#include <paragrad/linalg/batch.hpp>
#include <paragrad/linalg/linalg.hpp>

namespace paragrad::linalg {

using autograd::grad_list;
using autograd::needs_grad;
using autograd::record;
using namespace linalg::detail;

// A^n by repeated squaring (n < 0: of inv(A)); A^0 is the identity, with a zero gradient.
Tensor matrix_power(const Tensor& A, int64_t n) {
  const char* op = "linalg.matrix_power";
  check<ValueError>(A.defined(), op, ": got an undefined tensor");
  check<ShapeError>(A.dim() >= 2 && rows(A) == cols(A), op,
                    ": expected a square matrix or a batch of them, got shape ",
                    shape_str(A.sizes()));
  if (n == 0) {
    Tensor I = broadcast_to(eye(rows(A), A.dtype()), A.sizes()).contiguous();
    if (needs_grad(A))
      // grad LinalgMatrixPowerBackward: linalg.matrix_power(A, 0) => 0 (n ≠ 0: via matmul and inv)
      record("LinalgMatrixPowerBackward", I, {A}, [](const Tensor& g) { return zeros_like(g); });
    return I;
  }
  check<ValueError>(n != std::numeric_limits<int64_t>::min(), op, ": power ", n,
                    " is out of range");
  Tensor base = n < 0 ? inv(A) : A;
  uint64_t e = uint64_t(n < 0 ? -n : n);
  Tensor result;
  while (true) {
    if (e & 1) result = result.defined() ? matmul(result, base) : base;
    e >>= 1;
    if (!e) break;
    base = matmul(base, base);
  }
  return result;
}

// The product of a chain of matrices, multiplied in the order that needs the fewest flops
// (the textbook O(k³) dynamic program). The first and the last may be 1-d (a row / a column
// vector); the result drops those dims, as torch.linalg.multi_dot does.
Tensor multi_dot(const TensorList& tensors) {
  const char* op = "linalg.multi_dot";
  const size_t k = tensors.size();
  check<ValueError>(k >= 2, op, ": expected at least 2 tensors, got ", k);
  TensorList mats;
  for (size_t i = 0; i < k; ++i) {
    const Tensor& t = tensors[i];
    check<ValueError>(t.defined(), op, ": tensor ", i, " is undefined");
    check<DtypeError>(t.dtype() == tensors[0].dtype(), op, ": expected all tensors to have the ",
                      "same dtype, got ", dtype_name(tensors[0].dtype()), " and ",
                      dtype_name(t.dtype()), " (tensor ", i, ")");
    const bool end = i == 0 || i + 1 == k;
    check<ShapeError>(t.dim() == 2 || (end && t.dim() == 1), op, ": tensor ", i, " must be ",
                      end ? "1-d or 2-d" : "2-d", ", got shape ", shape_str(t.sizes()));
    mats.push_back(t.dim() == 2 ? t : (i == 0 ? t.unsqueeze(0) : t.unsqueeze(1)));
  }
  for (size_t i = 1; i < k; ++i)
    check<ShapeError>(mats[i - 1].size(1) == mats[i].size(0), op, ": tensors ", i - 1, " and ", i,
                      " of shapes ", shape_str(tensors[i - 1].sizes()), " and ",
                      shape_str(tensors[i].sizes()), " cannot be multiplied");
  std::vector<int64_t> d(k + 1);
  for (size_t i = 0; i < k; ++i) d[i] = mats[i].size(0);
  d[k] = mats[k - 1].size(1);
  // cost[i][j]: fewest flops for mats[i..j]; split[i][j]: where its last product splits
  std::vector<std::vector<double>> cost(k, std::vector<double>(k, 0));
  std::vector<std::vector<size_t>> split(k, std::vector<size_t>(k, 0));
  for (size_t len = 2; len <= k; ++len)
    for (size_t i = 0; i + len <= k; ++i) {
      const size_t j = i + len - 1;
      cost[i][j] = -1;
      for (size_t s = i; s < j; ++s) {
        const double c =
            cost[i][s] + cost[s + 1][j] + double(d[i]) * double(d[s + 1]) * double(d[j + 1]);
        if (cost[i][j] < 0 || c < cost[i][j]) {
          cost[i][j] = c;
          split[i][j] = s;
        }
      }
    }
  std::function<Tensor(size_t, size_t)> chain = [&](size_t i, size_t j) -> Tensor {
    if (i == j) return mats[i];
    return matmul(chain(i, split[i][j]), chain(split[i][j] + 1, j));
  };
  Tensor out = chain(0, k - 1);
  if (tensors[0].dim() == 1) out = out.squeeze(0);
  if (tensors[k - 1].dim() == 1) out = out.squeeze(-1);
  return out;
}

Tensor vecdot(const Tensor& x, const Tensor& y, int64_t dim) {
  const char* op = "linalg.vecdot";
  check<DtypeError>(x.dtype() == y.dtype(), op, ": expected x and y of the same dtype, got ",
                    dtype_name(x.dtype()), " and ", dtype_name(y.dtype()));
  Dims shape;
  try {
    shape = broadcast_shapes(x.sizes(), y.sizes());
  } catch (const ShapeError&) {
    throw ShapeError(cat(op, ": shapes ", shape_str(x.sizes()), " and ", shape_str(y.sizes()),
                         " are not broadcastable"));
  }
  // a 0-d result of the broadcast takes dim 0 or -1, as every reduction (and PyTorch)
  const int64_t n = std::max<int64_t>(int64_t(shape.size()), 1);
  check<IndexError>(dim >= -n && dim < n, op, ": dim ", dim, " out of range for the broadcast ",
                    "shape ", shape_str(shape));
  return (x * y).sum({dim});
}

Tensor cross(const Tensor& a, const Tensor& b, int64_t dim) {
  try {
    return paragrad::cross(a, b, dim);
  } catch (const ShapeError& e) {
    throw ShapeError(std::string("linalg.") + e.what());
  } catch (const IndexError& e) {
    throw IndexError(std::string("linalg.") + e.what());
  }
}

}  // namespace paragrad::linalg
