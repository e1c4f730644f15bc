#pragma once
// The global generator behind rand, randn and the nn initializers. Its streams are
// defined here bit for bit (no std:: distributions, whose output varies between
// standard libraries), so manual_seed(s) gives the same numbers everywhere.
#include <cstdint>

#include <paragrad/engine/export.hpp>

PARAGRAD_API_BEGIN

namespace paragrad {

void manual_seed(uint64_t seed);
namespace random {
uint64_t next_u64();
double uniform();  // [0, 1), 53 random bits
double normal();   // standard normal (Box-Muller)
}  // namespace random

}  // namespace paragrad

PARAGRAD_API_END
