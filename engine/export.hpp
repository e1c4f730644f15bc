#pragma once
// Which of paragrad's symbols a shared libparagrad exports (docs/packaging.md, "Symbol
// visibility").
//
// The library is compiled with -fvisibility=hidden: a function, class or variable is visible
// outside libparagrad.so only when declared between PARAGRAD_API_BEGIN and PARAGRAD_API_END,
// which bracket the declarations of every installed header (a test checks that each one does).
// Everything else stays inside the library: the implementation-only headers' helpers, the Eigen
// code compiled into it, the CPU-level kernels. A static libparagrad is unaffected.
//
// The pair is `#pragma GCC visibility push(default)` / `pop`, understood by GCC and Clang; a
// pragma scope rather than a macro on each declaration, so a new declaration in a public header
// cannot be forgotten. Other compilers see nothing.
#if defined(__GNUC__) || defined(__clang__)
#define PARAGRAD_API_BEGIN _Pragma("GCC visibility push(default)")
#define PARAGRAD_API_END _Pragma("GCC visibility pop")
#else
#define PARAGRAD_API_BEGIN
#define PARAGRAD_API_END
#endif
