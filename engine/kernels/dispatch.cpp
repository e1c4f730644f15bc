// CPU capability dispatch: which level's kernels run (engine/cpu_capability.hpp).
#include <atomic>
#include <cstdlib>
#include <cstring>

#include <paragrad/engine/cpu_capability.hpp>
#include <paragrad/engine/error.hpp>
#include <paragrad/engine/kernels/elementwise.hpp>
#include <paragrad/engine/kernels/gemm.hpp>
#include <paragrad_build/levels_built.hpp>  // PARAGRAD_LEVEL_BUILT_<LEVEL>, PARAGRAD_LEVEL_TABLES

namespace paragrad {
namespace {

struct Level {
  const char* name;
  bool built;  // compiled into this library
  bool (*cpu_runs)();
};

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
// __builtin_cpu_supports also checks that the OS saves the AVX / AVX-512 registers (XCR0).
bool cpu_has_v3() {
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
         __builtin_cpu_supports("bmi2");
}
bool cpu_has_v4() {
  return cpu_has_v3() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512dq") &&
         __builtin_cpu_supports("avx512vl");
}
#else
bool cpu_has_v3() { return false; }
bool cpu_has_v4() { return false; }
#endif
bool always() { return true; }

// Lowest first.
constexpr Level kLevels[kernels::kLevelCount] = {
    {"baseline", true, &always},
    {"avx2", PARAGRAD_LEVEL_BUILT_AVX2, &cpu_has_v3},
    {"avx512", PARAGRAD_LEVEL_BUILT_AVX512, &cpu_has_v4},
};
constexpr int kLevelCount = kernels::kLevelCount;

bool usable(int i) { return kLevels[i].built && kLevels[i].cpu_runs(); }

int find(const char* name) {
  for (int i = 0; i < kLevelCount; ++i)
    if (std::strcmp(kLevels[i].name, name) == 0) return i;
  return -1;
}

// The highest usable level, capped by PARAGRAD_CPU_CAPABILITY when that names a level (anything
// else is ignored, as a bad PARAGRAD_NUM_THREADS is: paragrad writes nothing to stderr;
// cpu_capability() tells which level runs).
int initial_level() {
  int level = kLevelCount - 1;
  if (const char* env = std::getenv("PARAGRAD_CPU_CAPABILITY"); env && find(env) >= 0)
    level = find(env);
  while (level > 0 && !usable(level)) --level;
  return level;
}

std::atomic<int>& level_in_use() {
  static std::atomic<int> level{initial_level()};
  return level;
}

}  // namespace

std::string cpu_capability() { return kLevels[level_in_use().load()].name; }

std::vector<std::string> available_cpu_capabilities() {
  std::vector<std::string> out;
  for (int i = 0; i < kLevelCount; ++i)
    if (usable(i)) out.emplace_back(kLevels[i].name);
  return out;
}

void set_cpu_capability(const std::string& level) {
  const int i = find(level.c_str());
  check<ValueError>(i >= 0, "set_cpu_capability: unknown level '", level,
                    "' (expected baseline, avx2 or avx512)");
  check<ValueError>(
      usable(i), "set_cpu_capability: level '", level, "' is ",
      kLevels[i].built ? "not supported by this CPU" : "not compiled into this build",
      " (available: ",
      [] {
        std::string s;
        for (const std::string& l : available_cpu_capabilities()) s += (s.empty() ? "" : ", ") + l;
        return s;
      }(),
      ")");
  level_in_use().store(i);
}

namespace kernels {

int active_level() { return level_in_use().load(std::memory_order_relaxed); }

void gemm(const GemmProblem<float>& p) { select(PARAGRAD_LEVEL_TABLES(gemm_kernels)).f32(p); }
void gemm(const GemmProblem<double>& p) { select(PARAGRAD_LEVEL_TABLES(gemm_kernels)).f64(p); }

template <>
const ElementwiseFns<float>& elementwise<float>() {
  return select(PARAGRAD_LEVEL_TABLES(elementwise_kernels)).f32;
}
template <>
const ElementwiseFns<double>& elementwise<double>() {
  return select(PARAGRAD_LEVEL_TABLES(elementwise_kernels)).f64;
}

}  // namespace kernels

}  // namespace paragrad
