// The seed's first example: a Linear layer whose weight is constrained to be symmetric.
// Prints "true" twice, as the PyTorch original does.
#include <iostream>

#include <paragrad/paragrad.hpp>

using namespace paragrad;

struct Symmetric : parametrize::Parametrization {
  Tensor forward(const Tensor& X) override { return X.triu() + X.triu(1).t(); }  // symmetric
  TensorList right_inverse(const Tensor& A) override { return {A.triu()}; }
};

int main() {
  std::cout << std::boolalpha;
  nn::Linear m(5, 5);
  parametrize::register_parametrization(m, "weight", std::make_shared<Symmetric>());
  std::cout << allclose(m.get("weight"), m.get("weight").t()) << "\n";  // m.weight is symmetric
  Tensor A = rand({5, 5});
  A = A + A.t();       // A is now symmetric
  m.set("weight", A);  // initialize the weight to be the symmetric matrix A
  std::cout << allclose(m.get("weight"), A) << "\n";
  return 0;
}
