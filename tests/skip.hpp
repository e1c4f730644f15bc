#pragma once
// PARAGRAD_SKIP(reason): for a test that cannot run in this configuration (no LAPACK, no Python
// with torch). It prints the marker "PARAGRAD_SKIPPED: <reason>" and returns; tests/CMakeLists.txt
// gives every discovered test SKIP_REGULAR_EXPRESSION on the marker, so CTest reports the test
// as skipped, never as passed. Use it before any assertion.
#include <catch2/catch.hpp>

#define PARAGRAD_SKIP(reason)             \
  do {                                    \
    WARN("PARAGRAD_SKIPPED: " << reason); \
    return;                               \
  } while (false)
