# Test: the library's objects define no symbol under the name Eigen (docs/cpu-dispatch.md). The
# library is compiled with Eigen renamed to paragrad_eigen, so none of its Eigen instantiations
# can be merged by the linker with an application's own (compiled, maybe, for another CPU level:
# another alignment, other instructions). Inputs (-D): NM, OBJECTS (|-separated object files).
cmake_minimum_required(VERSION 3.16)
string(REPLACE "|" ";" objects "${OBJECTS}")
execute_process(COMMAND "${NM}" -C --extern-only ${objects}
                OUTPUT_VARIABLE syms RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm failed (${rc})")
endif()
string(REPLACE "\n" ";" syms "${syms}")
set(bad "")
set(renamed 0)
foreach(line IN LISTS syms)
  if(line MATCHES "^[0-9a-fA-F]* +([A-Za-z]) +(.*)$")
    set(type "${CMAKE_MATCH_1}")
    set(name "${CMAKE_MATCH_2}")
    if(NOT type STREQUAL "U" AND name MATCHES "(^|[^_a-zA-Z0-9])Eigen::")
      list(APPEND bad "${name}")
    elseif(name MATCHES "paragrad_eigen::")  # defined or used (an internal signature)
      math(EXPR renamed "${renamed} + 1")
    endif()
  endif()
endforeach()
if(bad)
  list(LENGTH bad n)
  list(SUBLIST bad 0 20 bad)
  list(JOIN bad "\n  " bad)
  message(FATAL_ERROR "${n} symbol(s) under Eigen:: (an application's Eigen could merge with "
                      "them), e.g.\n  ${bad}")
endif()
if(renamed EQUAL 0)
  message(FATAL_ERROR "no paragrad_eigen:: symbol at all: is the library compiled with "
                      "Eigen=paragrad_eigen?")
endif()
message(STATUS "${renamed} symbols name Eigen types, all as paragrad_eigen::")
