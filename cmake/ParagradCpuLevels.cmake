# CPU capability dispatch (docs/cpu-dispatch.md): the level kernels (engine/kernels/*_level.cpp)
# are compiled once per CPU level into an object library of their own, with that level's -march
# flag, PARAGRAD_KERNEL_LEVEL=<level>, and Eigen renamed to paragrad_eigen_<level> so that no two
# levels' instantiations of an Eigen template share a symbol (the linker would keep one of them
# for both). engine/kernels/dispatch.cpp picks a level at startup.
#
# paragrad_add_cpu_levels(<target> <sources...>): builds the levels this compiler can target and
# adds their objects to <target>. Levels: baseline everywhere (the target's own flags: no -march),
# avx2 (x86-64-v3) and avx512 (x86-64-v4) on x86-64 with GCC or Clang.
include(CheckCXXCompilerFlag)

# PARAGRAD_NATIVE_TUNE: the tuning a native build (PARAGRAD_NATIVE) compiles its numerical code
# with: the level kernels below, linalg/ (CMakeLists.txt) and bench/'s raw Eigen side; private,
# never a consumer's flag (tuning is not ABI). -march=native also picks the build machine's
# tuning, and GCC 12's for AMD Zen 3 (-mtune=znver3) makes Eigen's products much slower than the
# generic tuning the portable build's kernels get: mlp_sgd's two GEMMs 1.58 ms against 1.15 ms
# with -march=native -mtune=generic, a 256x256 double product 1.34 against 1.04 ms (one thread;
# scripts/tuning-check measures it on any machine; docs/cpu-dispatch.md, "Tuning").
set(PARAGRAD_NATIVE_TUNE "")
if(PARAGRAD_NATIVE AND CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$" AND
   CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  check_cxx_compiler_flag(-mtune=generic PARAGRAD_HAS_MTUNE_GENERIC)
  if(PARAGRAD_HAS_MTUNE_GENERIC)
    set(PARAGRAD_NATIVE_TUNE -mtune=generic)
  endif()
endif()

# paragrad_split_level_sources(<sources_var> <level_sources_var>): moves the *_level.cpp files of
# the list <sources_var> into <level_sources_var>.
function(paragrad_split_level_sources sources_var level_var)
  set(all ${${sources_var}})
  set(level_sources ${all})
  list(FILTER level_sources INCLUDE REGEX "_level\\.cpp$")
  list(FILTER all EXCLUDE REGEX "_level\\.cpp$")
  set(${sources_var} ${all} PARENT_SCOPE)
  set(${level_var} ${level_sources} PARENT_SCOPE)
endfunction()

function(paragrad_add_cpu_levels target)
  set(levels baseline)
  set(config "")
  set(flags_baseline "")
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$" AND
     CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    check_cxx_compiler_flag(-march=x86-64-v3 PARAGRAD_HAS_X86_64_V3)
    check_cxx_compiler_flag(-march=x86-64-v4 PARAGRAD_HAS_X86_64_V4)
    if(PARAGRAD_HAS_X86_64_V3)
      list(APPEND levels avx2)
      set(flags_avx2 -march=x86-64-v3)
    endif()
    if(PARAGRAD_HAS_X86_64_V4)
      list(APPEND levels avx512)
      set(flags_avx512 -march=x86-64-v4)
    endif()
  endif()
  if(PARAGRAD_NATIVE)
    check_cxx_compiler_flag(-march=native PARAGRAD_HAS_MARCH_NATIVE)
  endif()
  foreach(level IN LISTS levels)
    set(obj ${target}_kernels_${level})
    add_library(${obj} OBJECT ${ARGN})
    target_compile_features(${obj} PRIVATE cxx_std_17)
    target_include_directories(${obj} PRIVATE "${PARAGRAD_INCLUDE_TREE}")
    target_link_libraries(${obj} PRIVATE Eigen3::Eigen)
    target_compile_definitions(${obj} PRIVATE PARAGRAD_KERNEL_LEVEL=${level}
                                              Eigen=paragrad_eigen_${level})
    target_compile_options(${obj} PRIVATE ${flags_${level}})
    if(PARAGRAD_NATIVE AND PARAGRAD_HAS_MARCH_NATIVE)
      # A native build is built for this CPU throughout: every level's kernels too (the last
      # -march wins), so the kernels match the rest of the library's code.
      target_compile_options(${obj} PRIVATE -march=native ${PARAGRAD_NATIVE_TUNE})
    endif()
    if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
      # No a * b + c contracted into an FMA where the level has one: every level computes the
      # elementwise kernels' arithmetic exactly as the baseline does (Eigen's GEMM uses FMA
      # through its own intrinsics, which this does not change).
      target_compile_options(${obj} PRIVATE -ffp-contract=off)
    endif()
    set_target_properties(${obj} PROPERTIES POSITION_INDEPENDENT_CODE ON
                                            CXX_VISIBILITY_PRESET hidden
                                            VISIBILITY_INLINES_HIDDEN ON)
    paragrad_target_warnings(${obj})
    if(level STREQUAL "avx512" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND
       CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
      # GCC 12 also reports false -Wuninitialized warnings inside its own AVX-512 intrinsics at
      # -O1 (GCC bug 105593, see cmake/ParagradCompilerFlags.cmake).
      target_compile_options(${obj} PRIVATE -Wno-uninitialized)
    endif()
    target_sources(${target} PRIVATE $<TARGET_OBJECTS:${obj}>)
  endforeach()
  # <paragrad_build/levels_built.hpp>: which levels exist, for the dispatchers only:
  # PARAGRAD_LEVEL_BUILT_<LEVEL> (true/false) and PARAGRAD_LEVEL_TABLES(name), the array of the
  # levels' tables paragrad::kernels::<level>::name (null for a level not built) that
  # kernels::select() takes (engine/kernels/level.hpp).
  set(tables "")
  foreach(level IN ITEMS baseline avx2 avx512)
    string(TOUPPER "${level}" upper)
    if(level IN_LIST levels)
      string(APPEND config "#define PARAGRAD_LEVEL_BUILT_${upper} true\n")
      list(APPEND tables "&::paragrad::kernels::${level}::name")
    else()
      string(APPEND config "#define PARAGRAD_LEVEL_BUILT_${upper} false\n")
      list(APPEND tables "nullptr")
    endif()
  endforeach()
  list(JOIN tables ", " tables)
  string(APPEND config "#define PARAGRAD_LEVEL_TABLES(name) \\\n"
         "  (std::array<decltype(&::paragrad::kernels::baseline::name), 3>{${tables}})\n")
  # (configure_file rewrites it only when the levels change.)
  set(header "${PARAGRAD_INCLUDE_TREE}/paragrad_build/levels_built.hpp")
  file(WRITE "${header}.in"
       "#pragma once\n// Generated by cmake/ParagradCpuLevels.cmake: the CPU levels built.\n"
       "#include <array>\n${config}")
  configure_file("${header}.in" "${header}" COPYONLY)
  set(PARAGRAD_CPU_LEVELS ${levels} PARENT_SCOPE)
  message(STATUS "paragrad: CPU levels: ${levels}")
endfunction()
