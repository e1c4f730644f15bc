# Test: a whole Catch2 test program run with PARAGRAD_CPU_CAPABILITY=<LEVEL>, i.e. on that CPU
# level's kernels (docs/cpu-dispatch.md). Skipped (the PARAGRAD_SKIPPED marker) when this CPU or
# build cannot run the level. Inputs (-D): TEST_BINARY, LEVEL.
cmake_minimum_required(VERSION 3.16)
execute_process(COMMAND "${CMAKE_COMMAND}" -E env PARAGRAD_CPU_CAPABILITY=${LEVEL}
                        "${TEST_BINARY}" "[cpu_capability_env]"
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(out MATCHES "PARAGRAD_SKIPPED: ([^\n]*)")
  message(STATUS "PARAGRAD_SKIPPED: ${CMAKE_MATCH_1}")
  return()
endif()
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the ${LEVEL} level is not the active one:\n${out}${err}")
endif()
# The cases' own skip markers must not mark this whole run as skipped: they are reworded.
execute_process(COMMAND "${CMAKE_COMMAND}" -E env PARAGRAD_CPU_CAPABILITY=${LEVEL} "${TEST_BINARY}"
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
string(REPLACE "PARAGRAD_SKIPPED:" "(case skipped here:)" out "${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${TEST_BINARY} failed on the ${LEVEL} kernels (exit ${rc}):\n${out}")
endif()
string(REGEX MATCH "All tests passed[^\n]*" summary "${out}")
message(STATUS "${LEVEL}: ${summary}")
