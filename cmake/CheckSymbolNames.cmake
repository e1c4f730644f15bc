# Tests: the library's objects define no symbol another copy of the same code could define too
# (docs/cpu-dispatch.md). Inputs (-D): NM, OBJECTS (|-separated object files), and
#   LEVEL=<level>: one CPU level's kernel objects. Every global or weak symbol must be in the
#     level's own names, Eigen renamed to paragrad_eigen_<level> or paragrad::kernels::<level>: a
#     shared inline or template instantiation (an Eigen or std:: one) would be merged by the linker
#     with another level's copy, and one level's code would run for both.
#   no LEVEL: the rest of the library, compiled with Eigen renamed to paragrad_eigen. No symbol it
#     defines may be under Eigen::, where an application's own Eigen code (compiled, maybe, for
#     another CPU level: other alignment, other instructions) could merge with it.
cmake_minimum_required(VERSION 3.16)
string(REPLACE "|" ";" objects "${OBJECTS}")
execute_process(COMMAND "${NM}" -C --extern-only ${objects} OUTPUT_VARIABLE syms
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm failed (${rc}) on ${objects}")
endif()
# (AddressSanitizer adds an ODR indicator __odr_asan.<mangled name> beside each global variable:
# it carries the variable's own name.)
string(LENGTH "${LEVEL}" level_length)
if(LEVEL)
  set(own "paragrad_eigen_${LEVEL}::|paragrad::kernels::${LEVEL}::|"
          "^__odr_asan\\._ZN8paragrad7kernels${level_length}${LEVEL}")
  string(CONCAT own ${own})
  set(foreign "")  # anything not the level's own
else()
  set(own "paragrad_eigen::")
  set(foreign "(^|[^_a-zA-Z0-9])Eigen::")
endif()
string(REPLACE "\n" ";" syms "${syms}")
set(count 0)
set(bad "")
foreach(line IN LISTS syms)
  if(NOT line MATCHES "^[0-9a-fA-F]* +([A-Za-z]) +(.*)$")
    continue()
  endif()
  set(type "${CMAKE_MATCH_1}")
  set(name "${CMAKE_MATCH_2}")
  if(name MATCHES "${own}")  # defined or used (e.g. an internal signature)
    math(EXPR count "${count} + 1")
  elseif(NOT type STREQUAL "U" AND NOT name STREQUAL "DW.ref.__gxx_personality_v0" AND
         (NOT foreign OR name MATCHES "${foreign}"))  # (exception-handling data, no code)
    list(APPEND bad "${name}")
  endif()
endforeach()
if(bad)
  list(LENGTH bad n)
  list(SUBLIST bad 0 20 bad)
  list(JOIN bad "\n  " bad)
  message(FATAL_ERROR "${n} symbol(s) another copy may define too, e.g.\n  ${bad}")
endif()
if(count EQUAL 0)
  message(FATAL_ERROR "no symbol named ${own}: is Eigen renamed in these objects?")
endif()
message(STATUS "${count} symbols, all named ${own}")
