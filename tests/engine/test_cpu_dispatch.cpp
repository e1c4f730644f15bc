// CPU capability dispatch (engine/cpu_capability.hpp, docs/cpu-dispatch.md): every level this CPU
// runs gives the same products as a plain loop, for every operand layout the GEMM kernel takes;
// forcing a level by name works and a bad name raises. The environment variable is checked by the
// hidden cases below, run by CTest in processes that set it (tests/CMakeLists.txt).
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

#include "engine/engine_test_util.hpp"
#include "skip.hpp"

using namespace paragrad;

namespace {

struct CapabilityGuard {  // restores the level a test started with
  std::string saved = cpu_capability();
  ~CapabilityGuard() { set_cpu_capability(saved); }
};

// C = A B by the definition, in long double: the reference no level's GEMM shares code with.
Tensor loop_mm(const Tensor& a, const Tensor& b) {
  const Tensor ad = a.to(kFloat64).contiguous(), bd = b.to(kFloat64).contiguous();
  const int64_t n = ad.size(0), k = ad.size(1), m = bd.size(1);
  Tensor out = zeros({n, m}, kFloat64);
  const double *pa = ad.data_ptr<double>(), *pb = bd.data_ptr<double>();
  double* po = out.data_ptr<double>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < m; ++j) {
      long double s = 0;
      for (int64_t l = 0; l < k; ++l) s += (long double)pa[i * k + l] * pb[l * m + j];
      po[i * m + j] = double(s);
    }
  return out;
}

double max_rel_error(const Tensor& got, const Tensor& ref) {
  const double scale = std::max(1.0, ref.abs().max().item<double>());
  return (got.to(kFloat64) - ref).abs().max().item<double>() / scale;
}

}  // namespace

TEST_CASE("the CPU levels: baseline always, the active one among them", "[cpu_dispatch]") {
  const std::vector<std::string> levels = available_cpu_capabilities();
  REQUIRE(!levels.empty());
  CHECK(levels.front() == "baseline");
  CHECK(std::find(levels.begin(), levels.end(), cpu_capability()) != levels.end());
  for (const std::string& l : levels) CHECK((l == "baseline" || l == "avx2" || l == "avx512"));
}

TEST_CASE("every CPU level's GEMM matches a plain loop for every operand layout",
          "[cpu_dispatch][matmul]") {
  CapabilityGuard guard;
  for (const std::string& level : available_cpu_capabilities()) {
    set_cpu_capability(level);
    REQUIRE(cpu_capability() == level);
    for (Dtype dt : {kFloat32, kFloat64}) {
      const double tol = dt == kFloat32 ? 2e-5 : 1e-12;
      // Sizes around the kernels' register blocks, a size that splits over the pool, and vectors.
      for (auto [n, k, m] : {std::array<int64_t, 3>{1, 1, 1},
                             {3, 5, 7},
                             {17, 33, 9},
                             {64, 48, 80},
                             {1, 70, 5},
                             {70, 1, 6},
                             {8, 9, 1},
                             {160, 170, 150}}) {
        manual_seed(uint64_t(n * 10007 + k * 101 + m));
        const Tensor a = randn({n, k}, dt), b = randn({k, m}, dt);
        const Tensor at = randn({k, n}, dt), bt = randn({m, k}, dt);
        INFO(level << " " << dtype_name(dt) << " " << n << "x" << k << " @ " << k << "x" << m);
        CHECK(max_rel_error(matmul(a, b), loop_mm(a, b)) <= tol);                      // row, row
        CHECK(max_rel_error(matmul(at.t(), b), loop_mm(at.t(), b)) <= tol);            // col, row
        CHECK(max_rel_error(matmul(a, bt.t()), loop_mm(a, bt.t())) <= tol);            // row, col
        CHECK(max_rel_error(matmul(at.t(), bt.t()), loop_mm(at.t(), bt.t())) <= tol);  // col, col
      }
    }
  }
}

TEST_CASE("every CPU level gives the same gradients through matmul", "[cpu_dispatch][matmul]") {
  CapabilityGuard guard;
  manual_seed(5);
  const Tensor a0 = randn({3, 40, 30}, kFloat64), b0 = randn({30, 20}, kFloat64);
  std::vector<TensorList> per_level;
  for (const std::string& level : available_cpu_capabilities()) {
    set_cpu_capability(level);
    Tensor a = a0.clone().requires_grad_(), b = b0.clone().requires_grad_();
    matmul(a, b).tanh().sum().backward();
    per_level.push_back({a.grad(), b.grad()});
  }
  for (size_t i = 1; i < per_level.size(); ++i)
    for (size_t j = 0; j < 2; ++j) CHECK(allclose(per_level[i][j], per_level[0][j], 1e-12, 1e-12));
}

TEST_CASE("every CPU level's elementwise kernels give bitwise the same results",
          "[cpu_dispatch][elementwise]") {
  CapabilityGuard guard;
  const double inf = std::numeric_limits<double>::infinity();
  for (Dtype dt : {kFloat32, kFloat64}) {
    manual_seed(11);
    // Large enough for the pool's chunks and every vector width's tail; special values too.
    Tensor x = randn({3 * 1000 + 7}, dt), y = randn({3 * 1000 + 7}, dt);
    x.index_put_({Slice(0, 6)}, tensor({0.0, -0.0, inf, -inf, std::nan(""), 1e-40}, dt));
    y.index_put_({Slice(0, 6)}, tensor({-0.0, 0.0, inf, 2.0, 1.0, std::nan("")}, dt));
    const Tensor s = scalar(1.5, dt);
    std::vector<TensorList> per_level;
    for (const std::string& level : available_cpu_capabilities()) {
      set_cpu_capability(level);
      Tensor z = x.clone();
      z.add_(y, 0.3);
      Tensor w = x.clone();
      w.add_(s, -2.0);
      per_level.push_back(
          {x + y, x - y, x * y, x / y, x + s, s - x, x * s, s / x, -x, x.abs(), x.relu(), z, w});
      const Tensor t = x.tanh();  // float32: Eigen's approximation, may differ in the last bits
      CHECK(allclose(t.nan_to_num(7.0), x.to(kFloat64).tanh().to(dt).nan_to_num(7.0), 1e-6, 1e-7));
    }
    for (size_t l = 1; l < per_level.size(); ++l)
      for (size_t i = 0; i < per_level[0].size(); ++i) {
        INFO(dtype_name(dt) << " op " << i << " on " << available_cpu_capabilities()[l]);
        const Tensor a = per_level[0][i].contiguous(), b = per_level[l][i].contiguous();
        REQUIRE(a.numel() == b.numel());
        const void* pa = dt == kFloat32 ? static_cast<const void*>(a.data_ptr<float>())
                                        : static_cast<const void*>(a.data_ptr<double>());
        const void* pb = dt == kFloat32 ? static_cast<const void*>(b.data_ptr<float>())
                                        : static_cast<const void*>(b.data_ptr<double>());
        CHECK(std::memcmp(pa, pb, size_t(a.numel()) * (dt == kFloat32 ? 4 : 8)) == 0);  // bitwise
      }
  }
}

// float32 tanh runs whole packets through Eigen's loop and the last n % P elements (P = 4, 8 or 16
// lanes) as one more packet, loaded and stored under a mask on the AVX levels: every length up to
// past two of the widest packets, at every level, gives tanh to 1e-6 in every element, the last
// ones and NaN and infinities among them included. (Each length has its own values, so an element
// the tail left unwritten cannot hold a right answer from the block's last use.)
TEST_CASE("every CPU level's float32 tanh is right in every element of every short length",
          "[cpu_dispatch][elementwise]") {
  CapabilityGuard guard;
  const float inf = std::numeric_limits<float>::infinity();
  for (const std::string& level : available_cpu_capabilities()) {
    set_cpu_capability(level);
    for (int64_t n = 1; n <= 40; ++n) {
      INFO(level << ", " << n << " elements");
      Tensor x = linspace(-3.0 - 0.1 * double(n), 2.5 + 0.07 * double(n), n, kFloat32);
      if (n % 5 == 0) x.data_ptr<float>()[n - 1] = std::nanf("");
      if (n % 7 == 0) x.data_ptr<float>()[n - 1] = -inf;
      const Tensor y = x.tanh();
      const Tensor ref = x.to(kFloat64).tanh();
      REQUIRE(y.numel() == n);
      const float* p = y.data_ptr<float>();
      const double* r = ref.data_ptr<double>();
      for (int64_t i = 0; i < n; ++i) {
        INFO("element " << i << ": " << p[i] << ", expected " << r[i]);
        if (std::isnan(r[i]))
          CHECK(std::isnan(p[i]));
        else
          CHECK(std::abs(double(p[i]) - r[i]) <= 1e-6);
      }
    }
  }
}

// The level kernels run on contiguous tensors, the library's generic loops on strided ones: both
// compute the same IEEE operations, on every architecture (no a * b + c fused into an FMA in one
// and not in the other: GCC contracts by default where the target has FMA, e.g. on aarch64).
TEST_CASE("the elementwise kernels give bitwise the generic loops' results on strided tensors",
          "[cpu_dispatch][elementwise]") {
  CapabilityGuard guard;
  for (Dtype dt : {kFloat32, kFloat64}) {
    manual_seed(13);
    const Tensor x = randn({300, 200}, dt), y = randn({300, 200}, dt);
    const Tensor xs = x.t().contiguous().t(), ys = y.t().contiguous().t();  // column-major copies
    REQUIRE(!xs.is_contiguous());
    for (const std::string& level : available_cpu_capabilities()) {
      set_cpu_capability(level);
      INFO(dtype_name(dt) << " on " << level);
      // (clone() is contiguous: b and d are transposed views of column-major copies.)
      Tensor a = x.clone(), b = x.t().contiguous().t();
      a.add_(y, 0.3);
      b.add_(ys, 0.3);
      Tensor c = x.clone(), d = x.t().contiguous().t();
      c.add_(scalar(1.7, dt), -0.3);
      d.add_(scalar(1.7, dt), -0.3);
      REQUIRE((!b.is_contiguous() && !d.is_contiguous()));
      const std::vector<std::pair<Tensor, Tensor>> pairs = {
          {a, b}, {c, d}, {x * y, xs * ys}, {x / y, xs / ys}, {x - y, xs - ys}};
      for (size_t i = 0; i < pairs.size(); ++i) {
        INFO("case " << i << " (add_ tensor, add_ scalar, mul, div, sub)");
        CHECK(equal(pairs[i].first, pairs[i].second));  // same values, exactly
      }
    }
  }
}

TEST_CASE("set_cpu_capability rejects unknown levels and leaves the active one",
          "[cpu_dispatch][errors]") {
  const std::string before = cpu_capability();
  CHECK_THROWS_AS(set_cpu_capability("sse9"), ValueError);
  CHECK_THROWS_WITH(set_cpu_capability(""), Catch::Contains("set_cpu_capability: unknown level"));
  CHECK(cpu_capability() == before);
  const std::vector<std::string> levels = available_cpu_capabilities();
  for (const char* l : {"avx2", "avx512"})
    if (std::find(levels.begin(), levels.end(), l) == levels.end()) {
      CHECK_THROWS_WITH(set_cpu_capability(l), Catch::Contains("set_cpu_capability: level"));
      CHECK(cpu_capability() == before);
    }
}

// Run by CTest with PARAGRAD_CPU_CAPABILITY=<level> (tests/CMakeLists.txt): the variable picks
// the level when this CPU runs it; a level it cannot run shows as a skip.
TEST_CASE("PARAGRAD_CPU_CAPABILITY selects the level", "[.][cpu_capability_env]") {
  const char* env = std::getenv("PARAGRAD_CPU_CAPABILITY");
  REQUIRE(env != nullptr);
  const std::vector<std::string> levels = available_cpu_capabilities();
  if (std::find(levels.begin(), levels.end(), std::string(env)) == levels.end())
    PARAGRAD_SKIP("this CPU or build cannot run the " << env << " kernels");
  CHECK(cpu_capability() == env);
}

// PARAGRAD_CPU_CAPABILITY=<not a level>: ignored, the highest level runs.
TEST_CASE("an unknown PARAGRAD_CPU_CAPABILITY is ignored", "[.][cpu_capability_env_bad]") {
  CHECK(cpu_capability() == available_cpu_capabilities().back());
}

// Run by CTest under qemu-user emulating an older CPU (tests/CMakeLists.txt), with
// PARAGRAD_EXPECT_CPU_CAPABILITY naming the level that CPU must get; the [cpu_dispatch] cases run
// there too, so a kernel the CPU cannot execute would die with SIGILL.
TEST_CASE("the level chosen on this CPU is the expected one", "[.][cpu_capability_expect]") {
  const char* expect = std::getenv("PARAGRAD_EXPECT_CPU_CAPABILITY");
  REQUIRE(expect != nullptr);
  CHECK(cpu_capability() == expect);
  CHECK(available_cpu_capabilities().back() == expect);
}
