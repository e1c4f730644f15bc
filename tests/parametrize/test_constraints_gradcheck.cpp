// gradcheck (float64, first and second order) through the forward of every constraint, at a
// random point of its chart (the bases set by registration, the originals perturbed).
#include "parametrize/constraints_helpers.hpp"

using namespace paragrad;
using namespace paragrad::test;
namespace P = paragrad::parametrize;
using autograd::gradcheck;

namespace {
// gradcheck of the constraint's forward on m.weight at its originals plus small noise.
void check_forward_gradients(const std::string& label, const Shape& shape, const Register& reg) {
  INFO(label);
  manual_seed(17);
  auto m = weight_holder(shape, kFloat64);
  reg(*m);
  auto& list = P::parametrizations(*m, "weight");
  auto p = list[0];
  TensorList inputs;
  for (const Tensor& o : list.originals())
    inputs.push_back((o.detach() + 0.2 * randn_like(o)).requires_grad_());
  REQUIRE(gradcheck(
      [p](const TensorList& x) { return x.size() == 1 ? p->forward(x[0]) : p->forward(x); }, inputs,
      1e-6, 1e-5, 1e-3, /*check_grad_grad=*/true));
}
}  // namespace

TEST_CASE("gradcheck through the orthogonal family's forward to second order") {
  for (C::Triv triv : {C::Triv::Expm, C::Triv::Cayley})
    for (Shape s : {Shape{3, 3}, Shape{5, 2}, Shape{2, 4}}) {
      check_forward_gradients("orthogonal", s,
                              [triv](nn::Module& m) { C::orthogonal(m, "weight", triv); });
      check_forward_gradients("grassmannian", s,
                              [triv](nn::Module& m) { C::grassmannian(m, "weight", triv); });
    }
  check_forward_gradients("special_orthogonal", {3, 3},
                          [](nn::Module& m) { C::special_orthogonal(m); });
}

TEST_CASE("gradcheck through the low rank family's forward to second order") {
  for (Shape s : {Shape{4, 3}, Shape{2, 4}}) {
    check_forward_gradients("low_rank", s, [](nn::Module& m) { C::low_rank(m, "weight", 2); });
    check_forward_gradients("fixed_rank", s,
                            [](nn::Module& m) { C::fixed_rank(m, "weight", 2, "softplus"); });
    check_forward_gradients("almost_orthogonal", s,
                            [](nn::Module& m) { C::almost_orthogonal(m, "weight", 0.3, "tanh"); });
  }
  check_forward_gradients("invertible", {3, 3},
                          [](nn::Module& m) { C::invertible(m, "weight", "exp"); });
  check_forward_gradients("sln", {3, 3}, [](nn::Module& m) { C::sln(m); });
}

TEST_CASE("gradcheck through the positive semidefinite family's forward to second order") {
  check_forward_gradients("positive_definite", {3, 3},
                          [](nn::Module& m) { C::positive_definite(m); });
  check_forward_gradients("positive_semidefinite", {3, 3},
                          [](nn::Module& m) { C::positive_semidefinite(m); });
  check_forward_gradients("positive_semidefinite_low_rank", {4, 4},
                          [](nn::Module& m) { C::positive_semidefinite_low_rank(m, "weight", 2); });
  check_forward_gradients("positive_semidefinite_fixed_rank", {4, 4}, [](nn::Module& m) {
    C::positive_semidefinite_fixed_rank(m, "weight", 2, "sigmoid");
  });
  check_forward_gradients("correlation", {3, 3}, [](nn::Module& m) { C::correlation(m); });
  check_forward_gradients("alpha_stable", {3, 3},
                          [](nn::Module& m) { C::alpha_stable(m, "weight", 0.1); });
}

TEST_CASE("gradcheck through the elementwise and normalizing constraints to second order") {
  check_forward_gradients("symmetric", {3, 3}, [](nn::Module& m) { C::symmetric(m); });
  check_forward_gradients("skew", {3, 3}, [](nn::Module& m) { C::skew(m, "weight", false); });
  check_forward_gradients("sphere", {2, 3}, [](nn::Module& m) { C::sphere(m, "weight", 2.0); });
  check_forward_gradients("sphere embedded", {2, 3},
                          [](nn::Module& m) { C::sphere(m, "weight", 2.0, true); });
  check_forward_gradients("oblique", {3, 2}, [](nn::Module& m) { C::oblique(m); });
  check_forward_gradients("positive", {2, 3}, [](nn::Module& m) { C::positive(m); });
  check_forward_gradients("simplex", {2, 3}, [](nn::Module& m) { C::simplex(m, "weight", 0); });
}
