// The one Catch2 main shared by every paragrad test executable.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

// Under AddressSanitizer: leaks are reported when each test process exits (LeakSanitizer), and a
// refused allocation (zeros({2^44})) reaches operator new's bad_alloc, which paragrad turns into
// an Error, instead of aborting the process. ASAN_OPTIONS in the environment still wins.
#if defined(__SANITIZE_ADDRESS__)
#define PARAGRAD_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PARAGRAD_TEST_ASAN 1
#endif
#endif
#ifdef PARAGRAD_TEST_ASAN
extern "C" const char* __asan_default_options() {
  return "detect_leaks=1:allocator_may_return_null=1";
}
#endif
