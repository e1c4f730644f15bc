# CTest script behind the example_<name> tests: runs an example and checks both its exit status
# and what it prints, byte for byte, against examples/expected/<name>.out (the PyTorch original's
# output for the seed examples). An example without an expected-output file fails: every
# example's printed result is checked, not only that it ran.
# Inputs (-D): EXAMPLE (the executable), EXPECTED (the expected-output file).
cmake_minimum_required(VERSION 3.16)

if(NOT EXISTS "${EXPECTED}")
  message(FATAL_ERROR "example ${EXAMPLE}: no expected output; add ${EXPECTED} with what the "
                      "example must print")
endif()
execute_process(COMMAND "${EXAMPLE}" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "example ${EXAMPLE} exited with ${rc}\nstdout:\n${out}\nstderr:\n${err}")
endif()
file(READ "${EXPECTED}" expected)
if(NOT out STREQUAL expected)
  message(FATAL_ERROR "example ${EXAMPLE} printed\n${out}\ninstead of (${EXPECTED})\n${expected}")
endif()
message(STATUS "example ${EXAMPLE}: output matches ${EXPECTED}")
