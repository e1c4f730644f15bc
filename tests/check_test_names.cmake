# Fails when a Catch2 test name would break CTest's test discovery: CMake lists split on ';'
# and treat '[' ']' as grouping, so such a name silently glues later tests into one entry
# that runs nothing. Run as: cmake -DTEST_BINARY=<exe> -P check_test_names.cmake
# (Catch2 v2 exits with the number of tests listed, so the exit code says nothing here.)
execute_process(COMMAND "${TEST_BINARY}" --list-test-names-only OUTPUT_VARIABLE names)
if(NOT names)
  message(FATAL_ERROR "${TEST_BINARY} --list-test-names-only listed no tests")
endif()
string(REPLACE "\n" "|" names "${names}")
string(REGEX MATCHALL "[^|]*[][;][^|]*" bad "${names}")
if(bad)
  message(FATAL_ERROR "test names with ';', '[' or ']' break ctest discovery: ${bad}")
endif()
