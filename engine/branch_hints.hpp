#pragma once
// Which way a branch of the per-op path usually goes, for the layout of the machine code: the
// usual way falls through and the other is jumped to, as a profile-guided build would lay them
// out (docs/autograd.md §8, "Branches laid out for the usual case"). Only where the usual way
// holds for any workload, not just a benchmark: a SmallVec is inline, a block is freed by the
// thread that took it, one backward pass runs at a time, an object dies with its last handle.
// PARAGRAD_COLD marks a slow path kept out of line (a SmallVec's growth): its caller's code stays
// short. GCC and Clang only; other compilers see plain conditions. (Macros need no visibility; the
// bracket below is there because every installed header has one: the package's visibility check.)
#include <paragrad/engine/export.hpp>

PARAGRAD_API_BEGIN

#if defined(__GNUC__) || defined(__clang__)
#define PARAGRAD_LIKELY(x) __builtin_expect(!!(x), 1)
#define PARAGRAD_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define PARAGRAD_COLD __attribute__((cold, noinline))
#define PARAGRAD_ALWAYS_INLINE __attribute__((always_inline)) inline
#else
#define PARAGRAD_LIKELY(x) (x)
#define PARAGRAD_UNLIKELY(x) (x)
#define PARAGRAD_COLD
#define PARAGRAD_ALWAYS_INLINE inline
#endif

PARAGRAD_API_END
