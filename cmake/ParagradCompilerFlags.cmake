# Compiler flags shared by every paragrad target (library, tests, examples, benchmarks).
#
# paragrad_target_warnings(<target>): the project's warning set, PRIVATE to <target>, plus -Werror
# when PARAGRAD_WERROR is ON.
#
# PARAGRAD_SANITIZE (e.g. "address,undefined") compiles and links everything in this directory
# tree with the sanitizers; errors abort the program instead of being reported and ignored.
#
# Under ccache, debug information names paths relative to the checkout (below).

function(paragrad_target_warnings target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
      # GCC 12 reports false -Wmaybe-uninitialized warnings inside its own AVX-512 intrinsics
      # whenever Eigen reduces a vector under -march=native (GCC bug 105593).
      target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
    endif()
    if(PARAGRAD_WERROR)
      target_compile_options(${target} PRIVATE -Werror)
    endif()
  elseif(MSVC)
    target_compile_options(${target} PRIVATE /W4 /permissive-)
    if(PARAGRAD_WERROR)
      target_compile_options(${target} PRIVATE /WX)
    endif()
  endif()
endfunction()

if(PARAGRAD_SANITIZE)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    message(FATAL_ERROR "PARAGRAD_SANITIZE needs GCC or Clang (compiler: ${CMAKE_CXX_COMPILER_ID})")
  endif()
  set(PARAGRAD_SANITIZE_FLAGS
      -fsanitize=${PARAGRAD_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_compile_options(${PARAGRAD_SANITIZE_FLAGS})
  add_link_options(${PARAGRAD_SANITIZE_FLAGS})
  message(STATUS "paragrad: sanitizers enabled: ${PARAGRAD_SANITIZE}")
endif()

# Under ccache (scripts/deps.sh sets it as the compiler launcher), debug information names its
# paths relative to the checkout, so that a -g build in another clone hits the cache: without it
# ccache hashes the build folder's absolute path into every compilation that emits debug
# information, and CI's sanitizer builds, in a fresh clone each time, compiled everything anew.
if(CMAKE_CXX_COMPILER_LAUNCHER MATCHES "ccache" AND CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  add_compile_options(-fdebug-prefix-map=${PROJECT_SOURCE_DIR}=.)
endif()
