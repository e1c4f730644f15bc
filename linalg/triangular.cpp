// solve_triangular: X with A X = B (left) or X A = B (right) for triangular A, by Eigen's
// triangular solves per matrix of the broadcast batch. Only A's triangle is read (the
// diagonal too unless unitriangular). A zero on the diagonal gives inf/NaN, as in PyTorch.
//
// Backward (Giles 2008, sec. 2.3.1, restricted to the triangle; PyTorch's
// linalg_solve_triangular_backward): left, X = A⁻¹B:  gB = A⁻ᵀ g,  gA = −gB Xᵀ;
// right, X = B A⁻¹:  gB = g A⁻ᵀ,  gA = −Xᵀ gB; gA keeps only the triangle A was read from
// (strictly, when unitriangular). Both are solve_triangular again, so second order works.
#include <paragrad/linalg/batch.hpp>
#include <paragrad/linalg/linalg.hpp>

namespace paragrad::linalg {

using autograd::grad_list;
using autograd::needs_grad;
using autograd::record;
using autograd::SavedTensor;
using namespace linalg::detail;

namespace {

template <class T, int Mode>
void solve_one(const Eigen::Map<const RowMat<T>>& a, MatMap<T>& x, bool left) {
  if (left)
    a.template triangularView<Mode>().solveInPlace(x);
  else
    a.template triangularView<Mode>().template solveInPlace<Eigen::OnTheRight>(x);
}

Tensor triangular_forward(const Tensor& A, const Tensor& B, bool upper, bool left, bool unit,
                          const char* op) {
  const int64_t n = rows(A);
  const Dims batch = broadcast_batch(A, B, op);
  const Tensor Ae = broadcast_to(A.detach(), with_tail(batch, {n, n})).contiguous();
  Tensor X = broadcast_to(B.detach(), with_tail(batch, {rows(B), cols(B)})).clone();
  dispatch_floating(A.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* pa = Ae.data_ptr<T>();
    for_each_matrix<T>(X, [&](int64_t b, MatMap<T>& x) {
      if (n == 0 || x.size() == 0) return;
      const Eigen::Map<const RowMat<T>> a(pa + b * n * n, n, n);
      if (upper)
        unit ? solve_one<T, Eigen::UnitUpper>(a, x, left) : solve_one<T, Eigen::Upper>(a, x, left);
      else
        unit ? solve_one<T, Eigen::UnitLower>(a, x, left) : solve_one<T, Eigen::Lower>(a, x, left);
    });
  });
  return X;
}

// The part of a gradient that A's triangle (strict when unitriangular) receives.
Tensor triangle_of(const Tensor& g, bool upper, bool unit) {
  return upper ? g.triu(unit ? 1 : 0) : g.tril(unit ? -1 : 0);
}

}  // namespace

Tensor solve_triangular(const Tensor& A, const Tensor& B, bool upper, bool left,
                        bool unitriangular) {
  const char* op = "linalg.solve_triangular";
  check_square(A, op);
  check_same_floating(A, B, op);
  check<ShapeError>(B.dim() >= 2, op, ": B must have at least 2 dimensions, got shape ",
                    shape_str(B.sizes()));
  check<ShapeError>((left ? rows(B) : cols(B)) == rows(A), op, ": A of shape ",
                    shape_str(A.sizes()), " and B of shape ", shape_str(B.sizes()),
                    " do not match (", left ? "A X = B" : "X A = B", ")");
  Tensor X = triangular_forward(A, B, upper, left, unitriangular, op);
  if (needs_grad(A, B))
    // gB = A⁻ᵀ g (left; right: gB = g A⁻ᵀ, gA = -Xᵀ gB); tri keeps the triangle A is read from
    // grad LinalgSolveTriangularBackward: linalg.solve_triangular(A, B) => (tri(-gB Xᵀ), gB)
    record("LinalgSolveTriangularBackward", X, {A, B},
           [upper, left, unitriangular, sA = SavedTensor(A),
            sX = SavedTensor(X, true)](const Tensor& g) {
             const Tensor a = sA.unpack(), x = sX.unpack();
             const Tensor gB = solve_triangular(a.mT(), g, !upper, left, unitriangular);
             const Tensor gA = left ? -matmul(gB, x.mT()) : -matmul(x.mT(), gB);
             return grad_list(triangle_of(gA, upper, unitriangular), gB);
           });
  return X;
}

}  // namespace paragrad::linalg
