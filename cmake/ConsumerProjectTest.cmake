# CTest script behind the `consumer_project` test: proves that an installed paragrad is usable.
#   1. cmake --install the build tree into a fresh prefix under WORK_DIR;
#   2. configure, build and run tests/consumer/ (find_package(paragrad CONFIG REQUIRED)) on it;
#   3. when pkg-config is available, compile the same program with `pkg-config paragrad` flags.
# Inputs (-D): PARAGRAD_BINARY_DIR, CONSUMER_SOURCE_DIR, WORK_DIR, CONFIG, GENERATOR, CXX_COMPILER.
cmake_minimum_required(VERSION 3.16)

foreach(var PARAGRAD_BINARY_DIR CONSUMER_SOURCE_DIR WORK_DIR GENERATOR CXX_COMPILER)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "ConsumerProjectTest.cmake: -D${var}=... is required")
  endif()
endforeach()
if(NOT CONFIG)
  set(CONFIG Release)
endif()

function(run_step what)
  message(STATUS "consumer_project: ${what}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "consumer_project: ${what} failed (${rc})")
  endif()
endfunction()

set(prefix "${WORK_DIR}/prefix")
set(build "${WORK_DIR}/build")
file(REMOVE_RECURSE "${WORK_DIR}")

run_step("install into ${prefix}"
  "${CMAKE_COMMAND}" --install "${PARAGRAD_BINARY_DIR}" --prefix "${prefix}" --config "${CONFIG}")

run_step("configure tests/consumer"
  "${CMAKE_COMMAND}" -S "${CONSUMER_SOURCE_DIR}" -B "${build}" -G "${GENERATOR}"
  "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}" "-DCMAKE_BUILD_TYPE=${CONFIG}"
  "-DCMAKE_PREFIX_PATH=${prefix}" -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON)
run_step("build tests/consumer" "${CMAKE_COMMAND}" --build "${build}" --config "${CONFIG}")

find_program(consumer_exe paragrad_consumer PATHS "${build}" "${build}/${CONFIG}" NO_DEFAULT_PATH)
if(NOT consumer_exe)
  message(FATAL_ERROR "consumer_project: the built consumer program was not found in ${build}")
endif()
run_step("run the CMake-built consumer" "${consumer_exe}")

find_program(pkg_config NAMES pkg-config pkgconf)
if(NOT pkg_config)
  message(STATUS "consumer_project: pkg-config not found, paragrad.pc not checked")
  return()
endif()
file(GLOB_RECURSE pc_file "${prefix}/*/paragrad.pc")
if(NOT pc_file)
  message(FATAL_ERROR "consumer_project: paragrad.pc was not installed under ${prefix}")
endif()
get_filename_component(pc_dir "${pc_file}" DIRECTORY)
get_filename_component(lib_dir "${pc_dir}" DIRECTORY)
execute_process(
  COMMAND "${CMAKE_COMMAND}" -E env "PKG_CONFIG_PATH=${pc_dir}" "${pkg_config}" --cflags --libs paragrad
  OUTPUT_VARIABLE pc_flags OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "consumer_project: pkg-config --cflags --libs paragrad failed (${rc})")
endif()
message(STATUS "consumer_project: pkg-config paragrad -> ${pc_flags}")
separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
set(pc_exe "${WORK_DIR}/paragrad_consumer_pkgconfig")
run_step("compile the consumer with pkg-config flags"
  "${CXX_COMPILER}" -std=c++17 -O1 "${CONSUMER_SOURCE_DIR}/main.cpp" -o "${pc_exe}" ${pc_flags}
  "-Wl,-rpath,${lib_dir}")
run_step("run the pkg-config-built consumer" "${pc_exe}")
