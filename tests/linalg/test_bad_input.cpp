// Bad input to every linalg function: undefined tensors, too few dims, non-square matrices,
// integer dtypes, mismatched operands and unknown options. Each raises the right paragrad::Error
// subclass whose message starts with the function ("linalg.svd", as torch.linalg names it) and
// names the shape, and leaves its input unchanged (values, version, requires_grad, grad).
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "bad_input.hpp"

#include <paragrad/linalg/linalg.hpp>

using namespace paragrad;
using paragrad::test::check_raises_unchanged;

namespace {
using Case = std::pair<std::string, std::function<void()>>;

// A float64 leaf [2, 3] holding a gradient.
Tensor wide() {
  Tensor a = arange(1, 7, 1, kFloat64).reshape({2, 3}).requires_grad_();
  (a * a).sum().backward();
  return a;
}
}  // namespace

TEST_CASE("linalg: undefined inputs raise naming the function", "[bad_input]") {
  const Tensor u, a = wide();
  for (const auto& [op, f] : std::vector<Case>{
           {"linalg.svd", [&] { linalg::svd(u); }},
           {"linalg.svdvals", [&] { linalg::svdvals(u); }},
           {"linalg.qr", [&] { linalg::qr(u); }},
           {"linalg.eigh", [&] { linalg::eigh(u); }},
           {"linalg.eigvalsh", [&] { linalg::eigvalsh(u); }},
           {"linalg.solve", [&] { linalg::solve(u, a); }},
           {"linalg.solve", [&] { linalg::solve(eye(2, kFloat64), u); }},
           {"linalg.inv", [&] { linalg::inv(u); }},
           {"linalg.det", [&] { linalg::det(u); }},
           {"linalg.slogdet", [&] { linalg::slogdet(u); }},
           {"linalg.cholesky", [&] { linalg::cholesky(u); }},
           {"linalg.matrix_exp", [&] { linalg::matrix_exp(u); }},
           {"linalg.matrix_norm", [&] { linalg::matrix_norm(u); }},
           {"linalg.vector_norm", [&] { linalg::vector_norm(u); }},
           {"linalg.matrix_rank", [&] { linalg::matrix_rank(u); }},
           {"linalg.pinv", [&] { linalg::pinv(u); }},
           {"linalg.householder_product", [&] { linalg::householder_product(u, a); }},
           {"linalg.householder_product", [&] { linalg::householder_product(a, u); }},
       }) {
    INFO(op);
    check_raises_unchanged<ValueError>(f, op, {"undefined"}, {a});
  }
}

TEST_CASE("linalg: vectors where matrices are needed raise ShapeError naming the shape",
          "[bad_input]") {
  const Tensor v = arange(0, 3, 1, kFloat64).requires_grad_();
  for (const auto& [op, f] :
       std::vector<Case>{{"linalg.svd", [&] { linalg::svd(v); }},
                         {"linalg.svdvals", [&] { linalg::svdvals(v); }},
                         {"linalg.qr", [&] { linalg::qr(v); }},
                         {"linalg.eigh", [&] { linalg::eigh(v); }},
                         {"linalg.inv", [&] { linalg::inv(v); }},
                         {"linalg.det", [&] { linalg::det(v); }},
                         {"linalg.cholesky", [&] { linalg::cholesky(v); }},
                         {"linalg.matrix_exp", [&] { linalg::matrix_exp(v); }},
                         {"linalg.matrix_norm", [&] { linalg::matrix_norm(v); }},
                         {"linalg.matrix_rank", [&] { linalg::matrix_rank(v); }},
                         {"linalg.pinv", [&] { linalg::pinv(v); }}}) {
    INFO(op);
    check_raises_unchanged<ShapeError>(f, op, {"[3]"}, {v});
  }
}

TEST_CASE("linalg: non-square matrices raise ShapeError where square ones are needed",
          "[bad_input]") {
  const Tensor a = wide();
  for (const auto& [op, f] :
       std::vector<Case>{{"linalg.eigh", [&] { linalg::eigh(a); }},
                         {"linalg.eigvalsh", [&] { linalg::eigvalsh(a); }},
                         {"linalg.inv", [&] { linalg::inv(a); }},
                         {"linalg.det", [&] { linalg::det(a); }},
                         {"linalg.slogdet", [&] { linalg::slogdet(a); }},
                         {"linalg.cholesky", [&] { linalg::cholesky(a); }},
                         {"linalg.matrix_exp", [&] { linalg::matrix_exp(a); }},
                         {"linalg.solve", [&] { linalg::solve(a, ones({2}, kFloat64)); }}}) {
    INFO(op);
    check_raises_unchanged<ShapeError>(f, op, {"[2, 3]"}, {a});
  }
}

TEST_CASE("linalg: integer inputs raise DtypeError naming the dtype", "[bad_input]") {
  const Tensor n = tensor({1, 0, 0, 1}, kInt64).reshape({2, 2});
  for (const auto& [op, f] :
       std::vector<Case>{{"linalg.svd", [&] { linalg::svd(n); }},
                         {"linalg.qr", [&] { linalg::qr(n); }},
                         {"linalg.eigh", [&] { linalg::eigh(n); }},
                         {"linalg.inv", [&] { linalg::inv(n); }},
                         {"linalg.det", [&] { linalg::det(n); }},
                         {"linalg.cholesky", [&] { linalg::cholesky(n); }},
                         {"linalg.matrix_exp", [&] { linalg::matrix_exp(n); }},
                         {"linalg.vector_norm", [&] { linalg::vector_norm(n); }},
                         {"linalg.pinv", [&] { linalg::pinv(n); }}}) {
    INFO(op);
    check_raises_unchanged<DtypeError>(f, op, {"int64"}, {n});
  }
}

TEST_CASE("linalg: mismatched operands and unknown options raise naming both", "[bad_input]") {
  const Tensor a = wide(), sq = eye(2, kFloat64);
  check_raises_unchanged<ShapeError>([&] { linalg::solve(sq, ones({3}, kFloat64)); },
                                     "linalg.solve", {"[2, 2]", "[3]"}, {sq});
  check_raises_unchanged<ShapeError>(
      [&] {
        linalg::solve(ones({3, 2, 2}, kFloat64), ones({4, 2, 1}, kFloat64));
      },
      "linalg.solve", {"[3, 2, 2]", "[4, 2, 1]"}, {sq});
  check_raises_unchanged<ShapeError>(
      [&] { linalg::householder_product(a.t(), ones({3}, kFloat64)); },
      "linalg.householder_product", {"[3, 2]", "[3]"}, {a});
  check_raises_unchanged<ValueError>([&] { linalg::qr(a, "full"); }, "linalg.qr", {"full"}, {a});
  check_raises_unchanged<ValueError>([&] { linalg::matrix_norm(a, "3"); }, "linalg.matrix_norm",
                                     {"3"}, {a});
  check_raises_unchanged<ValueError>([&] { linalg::matrix_norm(a, 3.0); }, "linalg.matrix_norm",
                                     {"3"}, {a});
  check_raises_unchanged<IndexError>([&] { linalg::vector_norm(a, 2, {2}); }, "linalg.vector_norm",
                                     {"[2, 3]"}, {a});
}
