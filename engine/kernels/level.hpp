#pragma once
// CPU-level kernel tables (docs/cpu-dispatch.md). A file named *_level.cpp is compiled once per
// CPU level (cmake/ParagradCpuLevels.cmake) with PARAGRAD_KERNEL_LEVEL naming the level and Eigen
// renamed, and defines its kernels' table in namespace paragrad::kernels::<level>; the op that
// uses them picks the active level's table:
//
//   // foo_kernel.hpp                          // foo_level.cpp
//   struct FooKernels { void (*f)(...); };     namespace paragrad::kernels::PARAGRAD_KERNEL_LEVEL {
//   namespace paragrad::kernels {              const FooKernels foo = {&f_impl};
//   PARAGRAD_DECLARE_LEVEL_TABLES(FooKernels, foo)  }
//   }
//   // foo.cpp (an ordinary source)
//   #include <paragrad_build/levels_built.hpp>
//   kernels::select(PARAGRAD_LEVEL_TABLES(foo)).f(...);
//
// Nothing a level file includes may define a function outside its level's names (the linker would
// merge it with another level's copy): plain headers and Eigen only; the
// package_cpu_level_*_symbols_are_its_own tests check the objects.
#include <array>
#include <cstddef>

namespace paragrad::kernels {

constexpr int kLevelCount = 3;  // baseline, avx2, avx512

// The active level's index: 0 baseline, 1 avx2, 2 avx512 (engine/kernels/dispatch.cpp).
int active_level();

// tables[active_level()]; a level not built has a null table and is never active.
template <class Table>
const Table& select(const std::array<const Table*, kLevelCount>& tables) {
  return *tables[std::size_t(active_level())];
}

}  // namespace paragrad::kernels

#define PARAGRAD_DECLARE_LEVEL_TABLES(Type, name) \
  namespace baseline {                            \
  extern const Type name;                         \
  }                                               \
  namespace avx2 {                                \
  extern const Type name;                         \
  }                                               \
  namespace avx512 {                              \
  extern const Type name;                         \
  }
