// The linalg additions of issue 16 against PyTorch 1.13 (scripts/oracle/ops_oracle.py):
// lstsq, lu_factor(_ex), lu, lu_solve (from A, and from LU and pivots given directly, with the
// gradient with respect to LU), solve_triangular, cond, matrix_power, multi_dot, vecdot, cross,
// cholesky_ex, inv_ex and eigvalsh, values and gradients, batched and broadcast, zero-size; the
// inputs where PyTorch raises (0-d, non-square) raise.
#include "engine/ops_oracle_util.hpp"
#include "linalg/oracle/linalg_more.hpp"

#include <paragrad/linalg/linalg.hpp>

using namespace paragrad;
using namespace paragrad::ops_oracle;

namespace {
TensorList pair(const std::tuple<Tensor, Tensor>& t) { return {std::get<0>(t), std::get<1>(t)}; }
TensorList triple(const std::tuple<Tensor, Tensor, Tensor>& t) {
  return {std::get<0>(t), std::get<1>(t), std::get<2>(t)};
}
}  // namespace

TEST_CASE("linalg additions match PyTorch on batched, broadcast, strided and empty inputs",
          "[linalg][oracle]") {
  using L = const TensorList&;
  using A = const std::vector<double>&;
  OpTable ops{
      {"lstsq", [](L in, A) { return TensorList{linalg::lstsq(in[0], in[1])}; }},
      {"lu_factor", [](L in, A) { return pair(linalg::lu_factor(in[0])); }},
      {"lu_factor_ex", [](L in, A) { return triple(linalg::lu_factor_ex(in[0])); }},
      {"lu", [](L in, A) { return triple(linalg::lu(in[0])); }},
      {"lu_solve",
       [](L in, A a) {
         auto [LU, piv] = linalg::lu_factor(in[0]);
         return TensorList{linalg::lu_solve(LU, piv, in[1], B(a[0]), B(a[1]))};
       }},
      {"lu_solve_packed",
       [](L in, A a) {
         return TensorList{linalg::lu_solve(in[0], in[1], in[2], B(a[0]), B(a[1]))};
       }},
      {"solve_triangular",
       [](L in, A a) {
         return TensorList{linalg::solve_triangular(in[0], in[1], B(a[0]), B(a[1]), B(a[2]))};
       }},
      {"cond", [](L in, A a) { return TensorList{linalg::cond(in[0], a[0])}; }},
      {"cond_fro", [](L in, A) { return TensorList{linalg::cond(in[0], "fro")}; }},
      {"cond_nuc", [](L in, A) { return TensorList{linalg::cond(in[0], "nuc")}; }},
      {"matrix_power", [](L in, A a) { return TensorList{linalg::matrix_power(in[0], I(a[0]))}; }},
      {"multi_dot", [](L in, A) { return TensorList{linalg::multi_dot(in)}; }},
      {"vecdot", [](L in, A a) { return TensorList{linalg::vecdot(in[0], in[1], I(a[0]))}; }},
      {"linalg_cross", [](L in, A a) { return TensorList{linalg::cross(in[0], in[1], I(a[0]))}; }},
      {"cholesky_ex", [](L in, A) { return pair(linalg::cholesky_ex(in[0])); }},
      {"inv_ex", [](L in, A) { return pair(linalg::inv_ex(in[0])); }},
      {"inv_ex_info", [](L in, A) { return TensorList{std::get<1>(linalg::inv_ex(in[0]))}; }},
      {"eigvalsh", [](L in, A) { return TensorList{linalg::eigvalsh(in[0])}; }},
  };
  replay(linalg_more_cases, ops);
}
