# Cross-compiling paragrad for aarch64 Linux with Debian's cross GCC (g++-aarch64-linux-gnu) and
# running the tests under qemu-user (qemu-aarch64): scripts/cross-aarch64 does the whole check.
#
#   cmake -S . -B build-arm -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake
#
# On aarch64 only the baseline CPU level is built (docs/cpu-dispatch.md): the configure log says
# "paragrad: CPU levels: baseline".
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(_triple aarch64-linux-gnu)
set(CMAKE_C_COMPILER ${_triple}-gcc)
set(CMAKE_CXX_COMPILER ${_triple}-g++)

# Debian's multiarch cross root: the aarch64 glibc, libstdc++ and the dynamic loader.
set(PARAGRAD_AARCH64_SYSROOT /usr/${_triple} CACHE PATH "aarch64 libraries for qemu-aarch64 -L")
set(CMAKE_FIND_ROOT_PATH ${PARAGRAD_AARCH64_SYSROOT})

# Test programs (add_test with a target, catch_discover_tests) run through qemu-user. Set
# QEMU_CPU (e.g. QEMU_CPU=a64fx for SVE) in the environment to emulate another CPU.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64;-L;${PARAGRAD_AARCH64_SYSROOT})

# Programs (nm is found by CMake from the compiler's prefix: aarch64-linux-gnu-nm) come from the
# host; libraries only from the aarch64 root. CMake packages from both: paragrad's dependencies
# Eigen3 and Catch2 (v2) are header-only, and their host packages (/usr/share/eigen3/cmake,
# /usr/lib/cmake/Catch2) serve any target. Their headers are found because Debian's cross GCC
# searches /usr/include after its own aarch64 root (so no host glibc header comes first); CMake
# sees /usr/include among the compiler's implicit directories and adds no -isystem for it.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
