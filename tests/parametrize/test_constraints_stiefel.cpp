// constraints::orthogonal, special_orthogonal and grassmannian: geotorch's behaviours on every
// size, the tall chart against its n x n definition, and the O(n k) memory and time of tall
// weights.
#include <chrono>
#include <fstream>
#include <sstream>

#include "parametrize/constraints_helpers.hpp"

using namespace paragrad;
using namespace paragrad::test;

namespace {
const std::vector<Shape> kSquare = {{1, 1}, {2, 2}, {3, 3}, {4, 4}, {5, 5}, {6, 6}};
const std::vector<Shape> kRectangular = {{7, 3}, {3, 7}, {8, 2}, {1, 7}, {7, 1}, {5, 4}};
const std::vector<Shape> kBatched = {{2, 4, 3}, {3, 2, 5}, {2, 3, 3, 3}};

std::vector<Shape> all_shapes() {
  std::vector<Shape> s = kSquare;
  s.insert(s.end(), kRectangular.begin(), kRectangular.end());
  s.insert(s.end(), kBatched.begin(), kBatched.end());
  return s;
}

const char* triv_name(C::Triv t) { return t == C::Triv::Expm ? "expm" : "cayley"; }

// A matrix with orthonormal columns (rows if wide) times 1.5: off every orthogonal manifold.
Tensor scaled_orthogonal(const Shape& s, Dtype d) {
  C::Stiefel st(s, d);
  return st.sample() * 1.5;
}

// The first k columns of B triv(A): Stiefel's definition with an explicit n x n base.
Tensor explicit_stiefel(const C::Stiefel& M, const Tensor& original) {
  Tensor X = M.transposed() ? original.mT() : original;
  const int64_t n = M.n(), k = M.k();
  Tensor L = X.tril(-1);
  if (n > k) {
    Shape pad = L.shape();
    pad.back() = n - k;
    L = cat({L, zeros(pad, L.dtype())}, -1);
  }
  Tensor Q = matmul(M.base_matrix(), C::maps::so(L - L.mT(), M.triv())).narrow(-1, 0, k);
  return M.transposed() ? Q.mT() : Q;
}
}  // namespace

TEST_CASE(
    "orthogonal keeps weights of every size on the manifold through steps set and update_base") {
  for (C::Triv triv : {C::Triv::Expm, C::Triv::Cayley})
    for (Dtype dt : {kFloat32, kFloat64})
      for (const Shape& s : all_shapes()) {
        BehaviourOptions o;
        o.dtype = dt;
        o.off_manifold = scaled_orthogonal;
        check_behaviours(
            cat("orthogonal ", triv_name(triv)),
            [triv](nn::Module& m) { C::orthogonal(m, "weight", triv); }, s, o);
      }
}

TEST_CASE("special_orthogonal keeps square weights in SO(n) through steps set and update_base") {
  for (C::Triv triv : {C::Triv::Expm, C::Triv::Cayley})
    for (Dtype dt : {kFloat32, kFloat64})
      for (Shape s : {Shape{1, 1}, Shape{2, 2}, Shape{3, 3}, Shape{4, 4}, Shape{5, 5}, Shape{6, 6},
                      Shape{4, 3, 3}}) {
        BehaviourOptions o;
        o.dtype = dt;
        o.off_manifold = scaled_orthogonal;
        check_behaviours(
            cat("special_orthogonal ", triv_name(triv)),
            [triv](nn::Module& m) { C::special_orthogonal(m, "weight", triv); }, s, o);
      }
}

TEST_CASE("grassmannian keeps orthonormal bases through steps set and update_base") {
  for (C::Triv triv : {C::Triv::Expm, C::Triv::Cayley})
    for (const Shape& s : all_shapes()) {
      BehaviourOptions o;
      o.off_manifold = scaled_orthogonal;
      check_behaviours(
          cat("grassmannian ", triv_name(triv)),
          [triv](nn::Module& m) { C::grassmannian(m, "weight", triv); }, s, o);
    }
}

TEST_CASE("orthogonal on 4-d convolution weights treats the leading dims as batch") {
  BehaviourOptions o;
  o.off_manifold = scaled_orthogonal;
  check_behaviours(
      "orthogonal", [](nn::Module& m) { C::orthogonal(m); }, {4, 2, 3, 3}, o);
  check_behaviours(
      "orthogonal", [](nn::Module& m) { C::orthogonal(m); }, {2, 3, 5, 2}, o);
}

TEST_CASE("special_orthogonal rejects an orthogonal matrix with determinant -1") {
  auto m = weight_holder({3, 3}, kFloat64);
  C::special_orthogonal(*m);
  Tensor R = tensor({{1, 0, 0}, {0, 1, 0}, {0, 0, -1}}, kFloat64);
  REQUIRE_FALSE(C::manifold(*m, "weight").in_manifold(R));
  REQUIRE_THROWS_WITH_SUBSTR(m->set("weight", R), "special_orthogonal");
  REQUIRE_THROWS_WITH_SUBSTR(m->set("weight", R), "det");
}

TEST_CASE("orthogonal accepts determinant -1 on square weights") {
  auto m = weight_holder({3, 3}, kFloat64);
  C::orthogonal(*m);
  Tensor R = tensor({{0, 1, 0}, {1, 0, 0}, {0, 0, 1}}, kFloat64);
  m->set("weight", R);
  REQUIRE(allclose(m->get("weight"), R, 0, 1e-12));
}

TEST_CASE("special_orthogonal samples have determinant +1") {
  manual_seed(3);
  C::SpecialOrthogonal M({16, 4, 4}, kFloat64);
  Tensor d = linalg::det(M.sample());
  REQUIRE(allclose(d, ones({16}, kFloat64), 0, 1e-10));
}

TEST_CASE("the tall Stiefel chart equals B triv(A) E with the n by n base formed explicitly") {
  for (C::Triv triv : {C::Triv::Expm, C::Triv::Cayley})
    for (Shape s : {Shape{7, 3}, Shape{3, 7}, Shape{2, 9, 4}, Shape{6, 1}}) {
      INFO(triv_name(triv) << " " << s.size());
      manual_seed(11);
      auto m = weight_holder(s, kFloat64);
      C::orthogonal(*m, "weight", triv);
      auto& M = dynamic_cast<C::Stiefel&>(C::manifold(*m, "weight"));
      Tensor original = 0.3 * randn(s, kFloat64);
      overwrite(*m, "parametrizations.weight.original", original);
      Tensor B = M.base_matrix();
      // B is orthogonal and its first k columns are the base point
      REQUIRE(max_abs_diff(matmul(B.mT(), B), eye(M.n(), kFloat64).expand(B.shape())) < 1e-12);
      REQUIRE(max_abs_diff(m->get("weight"), explicit_stiefel(M, original)) < 1e-12);
    }
}

TEST_CASE("the grassmannian moves the subspace only along its orthogonal complement") {
  // Rows 0..k-1 of the original (the rotations within the subspace) do not change the weight.
  manual_seed(5);
  auto m = weight_holder({6, 2}, kFloat64);
  C::grassmannian(*m);
  Tensor original = 0.3 * randn({6, 2}, kFloat64);
  overwrite(*m, "parametrizations.weight.original", original);
  Tensor W1 = m->get("weight").clone();
  Tensor changed = original.clone();
  {
    NoGradGuard g;
    changed.narrow(0, 0, 2).copy_(randn({2, 2}, kFloat64));
  }
  overwrite(*m, "parametrizations.weight.original", changed);
  REQUIRE(max_abs_diff(m->get("weight"), W1) < 1e-14);
  // while orthogonal() on the same data does rotate within the subspace
  auto o = weight_holder({6, 2}, kFloat64);
  C::orthogonal(*o);
  overwrite(*o, "parametrizations.weight.original", original);
  Tensor O1 = o->get("weight").clone();
  overwrite(*o, "parametrizations.weight.original", changed);
  REQUIRE(max_abs_diff(o->get("weight"), O1) > 1e-3);
}

TEST_CASE("orthogonal after set has base the value and original zero") {
  auto m = weight_holder({5, 2}, kFloat64);
  C::orthogonal(*m);
  C::Stiefel M({5, 2}, kFloat64);
  Tensor X = M.sample();
  m->set("weight", X);
  REQUIRE(max_abs_diff(m->get("parametrizations.weight.0.base"), X) < 1e-12);
  REQUIRE(m->get("parametrizations.weight.original").abs().max().item<double>() == 0);
}

TEST_CASE("torus samples are block rotations on the manifold") {
  manual_seed(2);
  for (C::Triv triv : {C::Triv::Expm, C::Triv::Cayley}) {
    C::SpecialOrthogonal M({5, 5}, kFloat64, triv);
    Tensor Q = M.sample("torus");
    REQUIRE(M.in_manifold(Q));
    // block diagonal: entries outside the 2x2 blocks are zero
    REQUIRE(Q.index({0, 2}).item<double>() == 0);
    REQUIRE(Q.index({4, 0}).item<double>() == 0);
    REQUIRE(Q.index({4, 4}).item<double>() == 1);
    REQUIRE(Q.index({0, 0}).item<double>() == Q.index({1, 1}).item<double>());
    C::Stiefel T({7, 3}, kFloat64, triv);
    REQUIRE(T.in_manifold(T.sample("torus")));
  }
  C::Stiefel M({3, 3}, kFloat64);
  REQUIRE_THROWS_WITH_SUBSTR(M.sample("gaussian"), "expected \"uniform\" or \"torus\"");
}

namespace {
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif
#ifdef __OPTIMIZE__
constexpr bool kOptimized = true;
#else
constexpr bool kOptimized = false;
#endif

// Peak resident set (VmHWM) of this process in kB, after resetting it (Linux), or -1.
long reset_and_read_peak_kb(bool reset) {
  if (reset) {
    std::ofstream clear("/proc/self/clear_refs");
    if (!clear) return -1;
    clear << "5";
    if (!clear) return -1;
  }
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) {
      std::istringstream is(line.substr(6));
      long kb = -1;
      is >> kb;
      return kb;
    }
  return -1;
}
}  // namespace

TEST_CASE("orthogonal on a 20000 by 16 weight takes Adam steps in O(n k) memory and time") {
  // geotorch formed 20000 x 20000 matrices here (3.2 GB in float64, 1.6 GB in float32).
  const int64_t n = 20000, k = 16;
  // Wall-clock budget for registration and 3 steps. They take about 0.1 s in Release on 2 cores
  // and 1 s under AddressSanitizer; merely allocating one n x n matrix and multiplying it by an
  // n x k one per step takes 6 s in Release, and anything cubic in n (an n x n exp, QR or
  // solve) minutes. Unoptimized builds (Debug) are given a minute.
  const double budget_s = !kOptimized ? 60.0 : kSanitized ? 20.0 : 3.0;
  manual_seed(0);
  nn::Linear layer(k, n, /*bias=*/false);
  if (reset_and_read_peak_kb(true) < 0) {
    WARN("no /proc/self/clear_refs: the peak-memory part is checked on Linux only");
  }
  const long before = reset_and_read_peak_kb(false);
  const auto start = std::chrono::steady_clock::now();
  C::orthogonal(layer);
  optim::Adam adam(layer.parameters(), 1e-2);
  const Tensor x = randn({8, k});
  for (int step = 0; step < 3; ++step) {
    adam.zero_grad();
    Tensor loss;
    {
      auto guard = parametrize::cached();
      loss = layer(x).square().mean();
    }
    loss.backward();
    adam.step();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  {
    INFO("registration and 3 Adam steps took " << seconds << " s; budget " << budget_s << " s");
    REQUIRE(seconds < budget_s);
  }
  REQUIRE(C::in_manifold(layer, "weight"));
  // every buffer of the constraint is O(n k)
  for (const auto& [name, t] : layer.named_buffers()) {
    INFO(name);
    REQUIRE(t.numel() <= n * k);
  }
  const long after = reset_and_read_peak_kb(false);
  if (before > 0 && after > 0) {
    // n x k float32 is 1.25 MB; n x n would be 1.6 GB. Allow generous O(n k) working space
    // (more under AddressSanitizer, whose quarantine keeps freed blocks resident).
    INFO("peak RSS growth " << (after - before) << " kB");
    REQUIRE(after - before < (kSanitized ? 1024 : 200) * 1024);
  }
}
