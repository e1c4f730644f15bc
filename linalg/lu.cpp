// LU with partial pivoting: lu_factor (packed, LAPACK pivots), lu_factor_ex, lu (P, L, U)
// and lu_solve, batched, for any m × n (lu_solve: square).
//
// Backward of A = P L U (derivation after PyTorch's linalg_lu_backward): with
// X = L⁻¹ Pᵀ dA U⁻¹ = L⁻¹dL + dU U⁻¹, whose strict lower part is L⁻¹dL (L is unit lower) and
// whose upper part is dU U⁻¹, the adjoint for square A is
//   gA = P L⁻ᵀ [tril(Lᵀ gL, −1) + triu(gU Uᵀ)] U⁻ᵀ.
// Wide A (m < n, U = [U1 U2]): A2 = P L U2 adds L⁻ᵀ gU2 and moves L, so
//   gA = P [L⁻ᵀ (tril(Lᵀ gL − gU2 U2ᵀ, −1) + triu(gU1 U1ᵀ)) U1⁻ᵀ | L⁻ᵀ gU2].
// Tall A (m > n, L = [L1; L2]): symmetrically
//   gA = P [L1⁻ᵀ (tril(L1ᵀ gL1, −1) + triu(gU Uᵀ − L2ᵀ gL2)) U⁻ᵀ ; gL2 U⁻ᵀ].
// The triangular solves are solve_triangular, so the rules differentiate again. lu_factor's
// gradient is the same with gL = tril(gLU, −1), gU = triu(gLU).
//
// lu_solve is a composition of differentiable ops (a row gather for P, two triangular
// solves with L = tril(LU, −1) + I and U = triu(LU)), so its gradient with respect to both LU
// and B comes from theirs.
#include <paragrad/linalg/batch.hpp>
#include <paragrad/linalg/linalg.hpp>
#include <paragrad/linalg/lu_kernel.hpp>

namespace paragrad::linalg {

using autograd::grad_list;
using autograd::needs_grad;
using autograd::record_multi;
using autograd::SavedTensor;
using namespace linalg::detail;

namespace detail {

LuFactors lu_factor_kernel(const Tensor& A, const char* op) {
  const int64_t m = rows(A), n = cols(A), k = std::min(m, n);
  const Dims batch = batch_dims(A);
  LuFactors f{A.detach().clone(), empty(with_tail(batch, {k}), kInt64), empty(batch, kInt64)};
  if (!f.LU.is_contiguous()) f.LU = f.LU.contiguous();
  dispatch_floating(A.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    ColMat<T> a(m, n);
    for_each_matrix<T>(f.LU, [&](int64_t b, MatMap<T>& lu) {
      int64_t* piv = f.pivots.data_ptr<int64_t>() + b * k;
      int64_t info = 0;
      a = lu;
      for (int64_t j = 0; j < k; ++j) {
        int64_t p = j;
        T best = std::abs(a(j, j));
        for (int64_t i = j + 1; i < m; ++i)
          if (std::abs(a(i, j)) > best) {
            best = std::abs(a(i, j));
            p = i;
          }
        piv[j] = p + 1;
        if (p != j) a.row(p).swap(a.row(j));
        if (a(j, j) != T(0)) {
          a.col(j).tail(m - j - 1) /= a(j, j);
        } else if (info == 0) {
          info = j + 1;
        }
        a.bottomRightCorner(m - j - 1, n - j - 1).noalias() -=
            a.col(j).tail(m - j - 1) * a.row(j).tail(n - j - 1);
      }
      lu = a;
      f.info.data_ptr<int64_t>()[b] = info;
    });
  });
  return f;
}

}  // namespace detail

namespace {

// The row order a pivot sequence produces: (Pᵀ A)[i] = A[order[i]], for every matrix.
Tensor pivot_order(const Tensor& pivots, int64_t m) {
  const Tensor piv = pivots.detach().contiguous();
  const int64_t k = piv.size(-1), count = k ? piv.numel() / k : batch_count(batch_dims(piv, 1));
  Tensor order = empty(with_tail(batch_dims(piv, 1), {m}), kInt64);
  const int64_t* pp = piv.data_ptr<int64_t>();
  int64_t* po = order.data_ptr<int64_t>();
  for (int64_t b = 0; b < count; ++b) {
    int64_t* o = po + b * m;
    for (int64_t i = 0; i < m; ++i) o[i] = i;
    for (int64_t i = 0; i < k; ++i) {
      const int64_t p = pp[b * k + i] - 1;
      check<IndexError>(p >= i && p < m, "linalg.lu_solve: pivot ", p + 1, " at position ", i,
                        " is out of range for ", m, " rows (pivots must be LAPACK's, 1-based)");
      std::swap(o[i], o[p]);
    }
  }
  return order;
}

// P as a matrix (A = P L U): P[order[i], i] = 1.
Tensor permutation_matrix(const Tensor& order, Dtype dtype) {
  const int64_t m = order.size(-1);
  const Dims p_shape = with_tail(batch_dims(order, 1), {m, m});
  Tensor P = zeros(Shape(p_shape.begin(), p_shape.end()), dtype);
  return scatter_add(P, -2, order.unsqueeze(-2), ones(order.unsqueeze(-2).shape(), dtype));
}

// Rows (dim −2) or columns (dim −1) of X reordered: out[..., i, :] = X[..., idx[i], :].
Tensor take(const Tensor& X, const Tensor& idx, int64_t dim) {
  Shape shape = X.shape();
  const Tensor index = dim == -2 ? idx.unsqueeze(-1) : idx.unsqueeze(-2);
  return X.gather(dim, broadcast_to(index, Dims(shape.begin(), shape.end())).contiguous());
}

Tensor inverse_order(const Tensor& order) {
  return scatter_add(zeros_like(order), -1, order,
                     broadcast_to(arange(order.size(-1)), order.sizes()).contiguous());
}

Tensor unit_lower(const Tensor& LU, int64_t k) {
  const Tensor L = LU.narrow(-1, 0, k).tril(-1);
  return L + eye(L.size(-2), k, L.dtype());
}
Tensor upper(const Tensor& LU, int64_t k) { return LU.narrow(-2, 0, k).triu(); }

Tensor lu_backward(Tensor gL, Tensor gU, const Tensor& P, const Tensor& L, const Tensor& U) {
  const int64_t m = L.size(-2), n = U.size(-1), k = std::min(m, n);
  gL = gL.defined() ? gL.tril(-1) : zeros_like(L);
  gU = gU.defined() ? gU.triu() : zeros_like(U);
  auto lt_solve = [](const Tensor& Lsq, const Tensor& M) {  // L⁻ᵀ M, L unit lower
    return solve_triangular(Lsq.mT(), M, /*upper=*/true, /*left=*/true, /*unitriangular=*/true);
  };
  auto ut_solve = [](const Tensor& M, const Tensor& Usq) {  // M U⁻ᵀ, U upper
    return solve_triangular(Usq.mT(), M, /*upper=*/false, /*left=*/false);
  };
  Tensor gA;
  if (m == n) {
    gA = ut_solve(lt_solve(L, matmul(L.mT(), gL).tril(-1) + matmul(gU, U.mT()).triu()), U);
  } else if (m < n) {
    const Tensor U1 = U.narrow(-1, 0, k), U2 = U.narrow(-1, k, n - k);
    const Tensor gU1 = gU.narrow(-1, 0, k), gU2 = gU.narrow(-1, k, n - k);
    const Tensor M =
        (matmul(L.mT(), gL) - matmul(gU2, U2.mT())).tril(-1) + matmul(gU1, U1.mT()).triu();
    gA = cat({ut_solve(lt_solve(L, M), U1), lt_solve(L, gU2)}, -1);
  } else {
    const Tensor L1 = L.narrow(-2, 0, k), L2 = L.narrow(-2, k, m - k);
    const Tensor gL1 = gL.narrow(-2, 0, k), gL2 = gL.narrow(-2, k, m - k);
    const Tensor M =
        matmul(L1.mT(), gL1).tril(-1) + (matmul(gU, U.mT()) - matmul(L2.mT(), gL2)).triu();
    gA = cat({ut_solve(lt_solve(L1, M), U), ut_solve(gL2, U)}, -2);
  }
  return matmul(P, gA);
}

}  // namespace

std::tuple<Tensor, Tensor, Tensor> lu_factor_ex(const Tensor& A) {
  const char* op = "linalg.lu_factor";
  check_matrix(A, op);
  LuFactors f = lu_factor_kernel(A, op);
  if (needs_grad(A)) {
    const int64_t k = std::min(rows(A), cols(A));
    TensorList outs{f.LU, f.pivots};
    // grad LinalgLuFactorBackward: linalg.lu_factor_ex(A) => lu's rule at tril(gLU, -1), triu(gLU)
    record_multi("LinalgLuFactorBackward", outs, {A},
                 [k, sLU = SavedTensor(outs[0], true), piv = f.pivots](const TensorList& g) {
                   if (!g[0].defined()) return Tensor();
                   const Tensor LU = sLU.unpack();
                   const Tensor P = permutation_matrix(pivot_order(piv, LU.size(-2)), LU.dtype());
                   return lu_backward(g[0].narrow(-1, 0, k), g[0].narrow(-2, 0, k), P,
                                      unit_lower(LU, k), upper(LU, k));
                 });
    f.LU = outs[0];
  }
  return {f.LU, f.pivots, f.info};
}

std::tuple<Tensor, Tensor> lu_factor(const Tensor& A) {
  auto [LU, pivots, info] = lu_factor_ex(A);
  const Tensor flat = info.reshape({-1});
  for (int64_t b = 0; b < flat.numel(); ++b) {
    const int64_t i = flat.index({b}).item<int64_t>();
    check<ValueError>(i == 0, "linalg.lu_factor: U[", i - 1, ", ", i - 1,
                      "] is zero for the input ", "of shape ", shape_str(A.sizes()),
                      A.dim() > 2 ? cat(" (batch element ", b, ")") : "",
                      ", so lu_solve would divide by zero; use lu_factor_ex or lu to factor it");
  }
  return {LU, pivots};
}

std::tuple<Tensor, Tensor, Tensor> lu(const Tensor& A) {
  const char* op = "linalg.lu";
  check_matrix(A, op);
  const int64_t m = rows(A), k = std::min(m, cols(A));
  LuFactors f = lu_factor_kernel(A, op);
  Tensor P = permutation_matrix(pivot_order(f.pivots, m), A.dtype());
  Tensor L = unit_lower(f.LU, k), U = upper(f.LU, k);
  if (needs_grad(A)) {
    // P is not differentiable (as in PyTorch): only L and U are outputs of the node. (Saving P
    // as an output of its own node would also be a reference cycle.)
    TensorList outs{L.contiguous(), U.contiguous()};
    // gL, gU masked to L's strict lower and U's upper triangle first; m ≠ n: see lu_backward
    // grad LinalgLuBackward: linalg.lu(A) => P L⁻ᵀ(tril(LᵀgL, -1) + triu(gU Uᵀ))U⁻ᵀ (m = n)
    record_multi("LinalgLuBackward", outs, {A},
                 [sP = SavedTensor(P), sL = SavedTensor(outs[0], true, 0),
                  sU = SavedTensor(outs[1], true, 1)](const TensorList& g) {
                   if (!g[0].defined() && !g[1].defined()) return Tensor();
                   return lu_backward(g[0], g[1], sP.unpack(), sL.unpack(), sU.unpack());
                 });
    return {P, outs[0], outs[1]};
  }
  return {P, L, U};
}

Tensor lu_solve(const Tensor& LU, const Tensor& pivots, const Tensor& B, bool left, bool adjoint) {
  const char* op = "linalg.lu_solve";
  check_square(LU, op);
  check_same_floating(LU, B, op, "LU");
  check<DtypeError>(pivots.dtype() == kInt64, op, ": pivots must be int64, got ",
                    dtype_name(pivots.dtype()));
  const int64_t n = rows(LU);
  check<ShapeError>(
      pivots.dim() >= 1 && pivots.size(-1) == n && batch_dims(pivots, 1) == batch_dims(LU), op,
      ": pivots of shape ", shape_str(pivots.sizes()), " do not match LU of shape ",
      shape_str(LU.sizes()));
  check<ShapeError>(B.dim() >= 2 && (left ? rows(B) : cols(B)) == n, op, ": LU of shape ",
                    shape_str(LU.sizes()), " and B of shape ", shape_str(B.sizes()),
                    " do not match");
  const Dims batch = broadcast_batch(LU, B, op, "LU");
  const Tensor lu_b = broadcast_to(LU, with_tail(batch, {n, n}));
  const Tensor Bb = broadcast_to(B, with_tail(batch, {rows(B), cols(B)}));
  const Tensor order = broadcast_to(pivot_order(pivots, n), with_tail(batch, {n})).contiguous();
  const Tensor L = unit_lower(lu_b, n), U = upper(lu_b, n);
  // A = P L U with (Pᵀ X)[i] = X[order[i]] and (P X)[i] = X[inverse[i]].
  if (left && !adjoint)  // X = U⁻¹ L⁻¹ Pᵀ B
    return solve_triangular(U, solve_triangular(L, take(Bb, order, -2), false, true, true), true);
  if (left)  // Aᵀ X = B: X = P L⁻ᵀ U⁻ᵀ B
    return take(solve_triangular(L.mT(), solve_triangular(U.mT(), Bb, false), true, true, true),
                inverse_order(order), -2);
  if (!adjoint)  // X A = B: X = B U⁻¹ L⁻¹ Pᵀ
    return take(solve_triangular(L, solve_triangular(U, Bb, true, false), false, false, true),
                inverse_order(order), -1);
  // X Aᵀ = B: X = B P L⁻ᵀ U⁻ᵀ
  return solve_triangular(U.mT(), solve_triangular(L.mT(), take(Bb, order, -1), true, false, true),
                          false, false);
}

}  // namespace paragrad::linalg
