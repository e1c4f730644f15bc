// Every linalg function against PyTorch 1.13's shape rules
// (scripts/oracle/linalg_shapes_oracle.py): batch dims, batch broadcasting, vector right-hand
// sides, 0-d, 1-d and zero-size inputs, dtypes and which inputs raise; values and gradients of
// sum(result) where they are unique.
#include <cmath>
#include <string>

#include <catch2/catch.hpp>

#include "linalg/linalg_shapes_oracle.hpp"

using namespace paragrad;
using oracle::Op;

namespace {

template <class F>
Op one(F f) {
  return [f](const TensorList& in) { return f(in[0]); };
}

std::map<std::string, Op> linalg_ops() {
  std::map<std::string, Op> ops{
      {"svd_U", one([](const Tensor& A) { return std::get<0>(linalg::svd(A)); })},
      {"svd_S", one([](const Tensor& A) { return std::get<1>(linalg::svd(A)); })},
      {"svd_Vh", one([](const Tensor& A) { return std::get<2>(linalg::svd(A)); })},
      {"svd_reduced_U", one([](const Tensor& A) { return std::get<0>(linalg::svd(A, false)); })},
      {"svd_reduced_Vh", one([](const Tensor& A) { return std::get<2>(linalg::svd(A, false)); })},
      {"svdvals", one([](const Tensor& A) { return linalg::svdvals(A); })},
      {"qr_Q", one([](const Tensor& A) { return std::get<0>(linalg::qr(A)); })},
      {"qr_R", one([](const Tensor& A) { return std::get<1>(linalg::qr(A)); })},
      {"qr_complete_Q",
       one([](const Tensor& A) { return std::get<0>(linalg::qr(A, "complete")); })},
      {"qr_complete_R",
       one([](const Tensor& A) { return std::get<1>(linalg::qr(A, "complete")); })},
      {"qr_r_Q", one([](const Tensor& A) { return std::get<0>(linalg::qr(A, "r")); })},
      {"qr_r_R", one([](const Tensor& A) { return std::get<1>(linalg::qr(A, "r")); })},
      {"eigh_L", one([](const Tensor& A) { return std::get<0>(linalg::eigh(A)); })},
      {"eigh_V", one([](const Tensor& A) { return std::get<1>(linalg::eigh(A)); })},
      {"eigvalsh", one([](const Tensor& A) { return linalg::eigvalsh(A); })},
      {"inv", one([](const Tensor& A) { return linalg::inv(A); })},
      {"det", one([](const Tensor& A) { return linalg::det(A); })},
      {"slogdet_sign", one([](const Tensor& A) { return std::get<0>(linalg::slogdet(A)); })},
      {"slogdet_logabs", one([](const Tensor& A) { return std::get<1>(linalg::slogdet(A)); })},
      {"cholesky", one([](const Tensor& A) { return linalg::cholesky(A); })},
      {"matrix_exp", one([](const Tensor& A) { return linalg::matrix_exp(A); })},
      {"matrix_rank", one([](const Tensor& A) { return linalg::matrix_rank(A); })},
      {"matrix_rank_tol", one([](const Tensor& A) { return linalg::matrix_rank(A, 0.5); })},
      {"pinv", one([](const Tensor& A) { return linalg::pinv(A); })},
      {"solve", [](const TensorList& in) { return linalg::solve(in[0], in[1]); }},
      {"householder_product",
       [](const TensorList& in) { return linalg::householder_product(in[0], in[1]); }},
  };
  for (const char* ord : {"fro", "nuc", "2", "-2", "1", "-1", "inf", "-inf"})
    ops[std::string("matrix_norm_") + ord] =
        one([o = std::string(ord)](const Tensor& A) { return linalg::matrix_norm(A, o); });
  const std::pair<const char*, double> ords[] = {
      {"2", 2}, {"1", 1}, {"inf", INFINITY}, {"-inf", -INFINITY},
      {"0", 0}, {"3", 3}, {"-1", -1},        {"0.5", 0.5}};
  for (auto [name, o] : ords) {
    const std::string base = std::string("vector_norm_") + name;
    ops[base] = one([o = o](const Tensor& x) { return linalg::vector_norm(x, o); });
    ops[base + "_dim0"] = one([o = o](const Tensor& x) { return linalg::vector_norm(x, o, {0}); });
    ops[base + "_dim-1_keep"] =
        one([o = o](const Tensor& x) { return linalg::vector_norm(x, o, {-1}, true); });
    ops[base + "_dims01"] = one([o = o](const Tensor& x) {
      return linalg::vector_norm(x, o, {0, 1});
    });
  }
  return ops;
}

}  // namespace

TEST_CASE("every linalg function follows PyTorch's batch, vector and zero-size shape rules",
          "[oracle][shapes]") {
  // Decompositions agree with LAPACK's to rounding; finite-difference gradients (where PyTorch's
  // own backward fails, see the header) to about 1e-8.
  CHECK(oracle::replay(linalg_shapes_oracle::cases(), linalg_ops(), 1e-9, 2e-5, 1e-6) > 1000);
}

TEST_CASE("solve of A 1x1x1 and b of shape 1 returns shape 1x1 as PyTorch") {
  const Tensor A = full({1, 1, 1}, 2.0, kFloat64), b = full({1}, 4.0, kFloat64);
  const Tensor x = linalg::solve(A, b);
  CHECK(x.shape() == Shape{1, 1});
  CHECK(x.item<double>() == 2.0);
}
