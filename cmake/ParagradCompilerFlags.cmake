# Compiler flags shared by every paragrad target (library, tests, examples, benchmarks).
#
# paragrad_target_warnings(<target>): the project's warning set, PRIVATE to <target>, plus -Werror
# when PARAGRAD_WERROR is ON.
#
# PARAGRAD_SANITIZE (e.g. "address,undefined") compiles and links everything in this directory
# tree with the sanitizers; errors abort the program instead of being reported and ignored.

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
