# Test: one CPU level's kernel objects define no symbol another level could also define (docs/
# cpu-dispatch.md). Every global or weak symbol must be in the level's own names: Eigen renamed to
# paragrad_eigen_<LEVEL>, or paragrad::kernels::<LEVEL>. A shared inline or template instantiation
# (e.g. an Eigen or std:: one) would be merged by the linker with another level's copy, and one
# level's code would run for both. Inputs (-D): NM, LEVEL, OBJECTS (|-separated object files).
cmake_minimum_required(VERSION 3.16)
string(REPLACE "|" ";" objects "${OBJECTS}")
execute_process(COMMAND "${NM}" -C --defined-only --extern-only ${objects}
                OUTPUT_VARIABLE syms RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm failed (${rc}) on ${objects}")
endif()
string(REPLACE "\n" ";" syms "${syms}")
set(own 0)
set(shared "")
foreach(line IN LISTS syms)
  if(NOT line MATCHES "^[0-9a-fA-F]* +[A-Za-z] +(.*)$")
    continue()
  endif()
  set(name "${CMAKE_MATCH_1}")
  if(name MATCHES "paragrad_eigen_${LEVEL}::|paragrad::kernels::${LEVEL}::")
    math(EXPR own "${own} + 1")
  elseif(NOT name STREQUAL "DW.ref.__gxx_personality_v0")  # exception-handling data, no code
    list(APPEND shared "${name}")
  endif()
endforeach()
if(shared)
  list(LENGTH shared n)
  list(JOIN shared "\n  " shared)
  message(FATAL_ERROR "level ${LEVEL}: ${n} symbol(s) another level may define too:\n  ${shared}")
endif()
if(own EQUAL 0)
  message(FATAL_ERROR "level ${LEVEL}: no symbol under paragrad_eigen_${LEVEL} or "
                      "paragrad::kernels::${LEVEL} (is Eigen renamed?)")
endif()
message(STATUS "level ${LEVEL}: ${own} symbols, all the level's own")
