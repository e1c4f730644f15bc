#include <paragrad/engine/random.hpp>

#include <cmath>
#include <mutex>

#include <paragrad/engine/detail/random_fill.hpp>

namespace paragrad {

namespace {
// splitmix64 seeding + xoshiro256** (Blackman & Vigna): small, fast, well tested.
struct Generator {
  uint64_t s[4];
  bool has_spare = false;
  double spare = 0;
  explicit Generator(uint64_t seed) { reseed(seed); }
  void reseed(uint64_t seed) {
    for (uint64_t& w : s) {
      uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      w = z ^ (z >> 31);
    }
    has_spare = false;
  }
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t next() {
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
  }
};

Generator& generator() {
  static Generator g(42);
  return g;
}
std::mutex& generator_mutex() {
  static std::mutex m;
  return m;
}
}  // namespace

void manual_seed(uint64_t seed) {
  std::lock_guard<std::mutex> lock(generator_mutex());
  generator().reseed(seed);
}

namespace random {
namespace {
double to_unit(uint64_t bits) { return double(bits >> 11) * 0x1.0p-53; }  // [0, 1), 53 bits

// One Box-Muller pair from two uniforms: r cos θ is returned, r sin θ is the spare.
double box_muller(double u1, double u2, double& spare) {
  if (u1 < 1e-300) u1 = 1e-300;
  const double r = std::sqrt(-2.0 * std::log(u1)), th = 6.283185307179586 * u2;
  spare = r * std::sin(th);
  return r * std::cos(th);
}
}  // namespace

uint64_t next_u64() {
  std::lock_guard<std::mutex> lock(generator_mutex());
  return generator().next();
}
double uniform() {
  double v;
  detail::fill_uniform(&v, 1);
  return v;
}
double normal() {
  double v;
  detail::fill_normal(&v, 1);
  return v;
}

namespace detail {
void fill_uniform(double* out, int64_t n) {
  std::lock_guard<std::mutex> lock(generator_mutex());
  Generator& g = generator();
  for (int64_t i = 0; i < n; ++i) out[i] = to_unit(g.next());
}

void fill_normal(double* out, int64_t n) {
  std::lock_guard<std::mutex> lock(generator_mutex());
  Generator& g = generator();
  int64_t i = 0;
  if (i < n && g.has_spare) {
    g.has_spare = false;
    out[i++] = g.spare;
  }
  for (; i + 1 < n; i += 2) {  // both values of a pair, in normal()'s order: cos, then sin
    const double u1 = to_unit(g.next()), u2 = to_unit(g.next());
    out[i] = box_muller(u1, u2, out[i + 1]);
  }
  if (i < n) {  // an odd count: the pair's second value is kept for the next draw
    const double u1 = to_unit(g.next()), u2 = to_unit(g.next());
    out[i] = box_muller(u1, u2, g.spare);
    g.has_spare = true;
  }
}
}  // namespace detail
}  // namespace random

}  // namespace paragrad
