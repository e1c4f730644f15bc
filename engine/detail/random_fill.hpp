#pragma once
// Many draws from the global generator under one lock (engine/random.cpp): the same numbers,
// in the same order, as that many calls of random::uniform() / random::normal(), at a fraction
// of the cost (one lock instead of one per number). rand and randn use them; uniform() and
// normal() are the one-draw case.
#include <cstdint>

namespace paragrad::random::detail {

void fill_uniform(double* out, int64_t n);
void fill_normal(double* out, int64_t n);

}  // namespace paragrad::random::detail
