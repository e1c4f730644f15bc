// Bad input to the parametrize layer: registering on a missing or undefined tensor, parametrizing
// twice incompatibly, removing what is not there, and the built-in parametrizations given shapes
// they cannot handle. Each raises a paragrad::Error naming the function and the tensor, and the
// module keeps its parameters, its type and its (absence of) parametrizations.
#include <memory>
#include <string>

#include "bad_input.hpp"

#include <paragrad/nn/nn.hpp>
#include <paragrad/parametrize/parametrize.hpp>

using namespace paragrad;
using paragrad::test::error_of;
using paragrad::test::Snapshot;
namespace P = paragrad::parametrize;
namespace Ps = paragrad::parametrizations;

namespace {
bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}
// Doubles its input; no right_inverse.
struct Double : P::Parametrization {
  Tensor forward(const Tensor& x) override { return x * 2.0; }
};
}  // namespace

TEST_CASE("parametrize: registering on a missing, undefined or null target raises unchanged",
          "[bad_input]") {
  nn::Linear layer(3, 2);
  const Snapshot w(layer.weight());
  CHECK(contains(error_of<Error>([&] {
                   P::register_parametrization(layer, "nope", std::make_shared<Double>());
                 }),
                 "nope"));
  CHECK(contains(error_of<Error>([&] { P::register_parametrization(layer, "weight", nullptr); }),
                 "register_parametrization"));
  layer.register_parameter("empty", Tensor());
  CHECK(contains(error_of<Error>([&] {
                   P::register_parametrization(layer, "empty", std::make_shared<Double>());
                 }),
                 "empty"));
  CHECK_FALSE(P::is_parametrized(layer));
  CHECK(P::type_before_parametrizations(layer) == "Linear");
  CHECK(Snapshot(layer.weight()) == w);
}

TEST_CASE("parametrize: removing or reading parametrizations that do not exist raises",
          "[bad_input]") {
  nn::Linear layer(3, 2);
  const Snapshot w(layer.weight());
  CHECK(contains(error_of<Error>([&] { P::remove_parametrizations(layer, "weight"); }), "weight"));
  CHECK(contains(error_of<Error>([&] { P::parametrizations(layer, "weight"); }), "weight"));
  CHECK(Snapshot(layer.weight()) == w);
}

TEST_CASE("parametrizations: shapes a parametrization cannot handle are refused unchanged",
          "[bad_input]") {
  auto check_refused = [](const Tensor& weight, const std::function<void(nn::Module&)>& f,
                          const std::string& part) {
    nn::Module m;
    m.register_parameter("weight", weight);
    const Snapshot w(m.get("weight"));
    const std::string msg = error_of<Error>([&] { f(m); });
    INFO(msg);
    CHECK(contains(msg, part));
    CHECK_FALSE(P::is_parametrized(m));
    CHECK(Snapshot(m.get("weight")) == w);
  };
  const Tensor vector = arange(0.0, 3.0), matrix = eye(3);
  check_refused(
      vector, [](nn::Module& m) { Ps::orthogonal(m); }, "matrix");
  check_refused(
      matrix, [](nn::Module& m) { Ps::orthogonal(m, "weight", "qr"); }, "qr");
  check_refused(
      matrix, [](nn::Module& m) { Ps::spectral_norm(m, "weight", 0); }, "n_power_iterations");
  check_refused(
      matrix, [](nn::Module& m) { Ps::weight_norm(m, "weight", 5); }, "5");
  check_refused(
      matrix, [](nn::Module& m) { Ps::spectral_norm(m, "missing"); }, "missing");
}
