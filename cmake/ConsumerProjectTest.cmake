# CTest script behind the `consumer_<compiler>` tests: proves that an installed paragrad is usable
# by a program built with COMPILER_NAME (g++, clang++; the test shows as skipped when it is
# missing: the script prints "consumer: SKIP", the test's SKIP_REGULAR_EXPRESSION).
#   1. cmake --install the build tree into a fresh prefix under WORK_DIR;
#   2. only the headers of the public API are installed: every installed header is reachable from
#      <paragrad/paragrad.hpp> or from one of EXTENSION_HEADERS (preprocessor -MM on the install);
#   3. configure, build and run tests/consumer/ (find_package(paragrad CONFIG REQUIRED)) on it,
#      with the compiler; the program also checks <paragrad/version.hpp> against the package;
#   4. build and run the same program with the README's pkg-config line, taken verbatim from
#      README (only the compiler, the prefix and the file names substituted).
# Inputs (-D): PARAGRAD_BINARY_DIR, CONSUMER_SOURCE_DIR, WORK_DIR, CONFIG, GENERATOR,
# COMPILER_NAME, README, EIGEN_INCLUDE_DIR, EXTENSION_HEADERS (relative to include/paragrad).
cmake_minimum_required(VERSION 3.16)

foreach(var PARAGRAD_BINARY_DIR CONSUMER_SOURCE_DIR WORK_DIR GENERATOR COMPILER_NAME README
            EIGEN_INCLUDE_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "ConsumerProjectTest.cmake: -D${var}=... is required")
  endif()
endforeach()
if(NOT CONFIG)
  set(CONFIG Release)
endif()

find_program(cxx NAMES ${COMPILER_NAME})
if(NOT cxx)
  message(STATUS "consumer: SKIP: ${COMPILER_NAME} not found")
  return()
endif()

function(run_step what)
  message(STATUS "consumer: ${what}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "consumer: ${what} failed (${rc})")
  endif()
endfunction()

set(prefix "${WORK_DIR}/prefix")
set(build "${WORK_DIR}/build")
file(REMOVE_RECURSE "${WORK_DIR}")

run_step("install into ${prefix}"
  "${CMAKE_COMMAND}" --install "${PARAGRAD_BINARY_DIR}" --prefix "${prefix}" --config "${CONFIG}")

# ---- 2. installed headers: exactly what the public API reaches ---------------------------------
file(GLOB_RECURSE installed RELATIVE "${prefix}/include/paragrad" "${prefix}/include/paragrad/*")
set(reachable "")
foreach(top paragrad.hpp ${EXTENSION_HEADERS})
  execute_process(
    COMMAND "${cxx}" -std=c++17 -MM -I "${prefix}/include" -I "${EIGEN_INCLUDE_DIR}"
            "${prefix}/include/paragrad/${top}"
    OUTPUT_VARIABLE deps RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "consumer: <paragrad/${top}> does not preprocess from the install:\n${err}")
  endif()
  string(REGEX MATCHALL "include/paragrad/[^ \n\\\\]+" hits "${deps}")
  foreach(h IN LISTS hits)
    string(REPLACE "include/paragrad/" "" h "${h}")
    list(APPEND reachable "${h}")
  endforeach()
endforeach()
set(unneeded "")
foreach(h IN LISTS installed)
  if(NOT h IN_LIST reachable)
    list(APPEND unneeded "${h}")
  endif()
endforeach()
if(unneeded)
  message(FATAL_ERROR "consumer: headers installed but not needed by the public API: ${unneeded}")
endif()
list(LENGTH installed n_installed)
message(STATUS "consumer: ${n_installed} installed headers, all reached by the public API")

# ---- 3. CMake find_package --------------------------------------------------------------------
run_step("configure tests/consumer with ${cxx}"
  "${CMAKE_COMMAND}" -S "${CONSUMER_SOURCE_DIR}" -B "${build}" -G "${GENERATOR}"
  "-DCMAKE_CXX_COMPILER=${cxx}" "-DCMAKE_BUILD_TYPE=${CONFIG}"
  "-DCMAKE_PREFIX_PATH=${prefix}" -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON)
run_step("build tests/consumer" "${CMAKE_COMMAND}" --build "${build}" --config "${CONFIG}")
find_program(consumer_exe paragrad_consumer PATHS "${build}" "${build}/${CONFIG}" NO_DEFAULT_PATH)
if(NOT consumer_exe)
  message(FATAL_ERROR "consumer: the built consumer program was not found in ${build}")
endif()
run_step("run the CMake-built consumer" "${consumer_exe}")

# ---- 4. the README's pkg-config line, verbatim --------------------------------------------------
find_program(pkg_config NAMES pkg-config pkgconf)
if(NOT pkg_config)
  message(FATAL_ERROR "consumer: pkg-config is missing (Debian: apt-get install pkg-config)")
endif()
file(STRINGS "${README}" lines REGEX "^c\\+\\+ .*pkg-config --cflags --libs paragrad")
list(LENGTH lines n)
if(NOT n EQUAL 1)
  message(FATAL_ERROR "consumer: expected one `c++ ... pkg-config --cflags --libs paragrad` line "
                      "in ${README}, found ${n}")
endif()
set(line "${lines}")
message(STATUS "consumer: README line: ${line}")
set(pc_exe "${WORK_DIR}/app")
string(REGEX REPLACE "^c\\+\\+ " "\"${cxx}\" " line "${line}")
string(REPLACE "/opt/paragrad" "${prefix}" line "${line}")
string(REPLACE " app.cpp " " \"${CONSUMER_SOURCE_DIR}/main.cpp\" " line "${line}")
string(REPLACE " -o app " " -o \"${pc_exe}\" " line "${line}")
get_filename_component(pkg_config_dir "${pkg_config}" DIRECTORY)
run_step("compile with the README's pkg-config line: ${line}"
  "${CMAKE_COMMAND}" -E env "PATH=${pkg_config_dir}:$ENV{PATH}" sh -c "${line}")
run_step("run the pkg-config-built consumer"
  "${CMAKE_COMMAND}" -E env "LD_LIBRARY_PATH=${prefix}/lib" "${pc_exe}")
