// The seed's second example: a weight parametrized by two vectors, x yᵀ, so it has rank one.
// right_inverse returns two tensors, which become original0 and original1. Prints "1".
#include <iostream>

#include <paragrad/paragrad.hpp>

using namespace paragrad;

struct RankOne : parametrize::Parametrization {
  Tensor forward(const TensorList& xy) override {
    return matmul(xy[0].unsqueeze(-1), xy[1].unsqueeze(-2));  // a rank-one matrix
  }
  TensorList right_inverse(const Tensor& Z) override {
    // Project Z onto the rank-one matrices, returning rescaled singular vectors.
    auto [U, S, Vh] = linalg::svd(Z, /*full_matrices=*/false);
    Tensor s0_sqrt = S.index({0}).sqrt().unsqueeze(-1);
    return {U.index({Ellipsis, Slice(), 0}) * s0_sqrt, Vh.index({Ellipsis, 0, Slice()}) * s0_sqrt};
  }
};

int main() {
  auto linear_rank_one = parametrize::register_parametrization(
      std::make_shared<nn::Linear>(4, 4), "weight", std::make_shared<RankOne>());
  std::cout << linalg::matrix_rank(linear_rank_one->get("weight")).item<int64_t>() << "\n";
  return 0;
}
