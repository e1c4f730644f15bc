# PRE_LINK step of a shared libparagrad: writes the linker version script OUT from the template
# cmake/paragrad.map, adding every `detail::` and `kernels::` symbol the object files define as an
# exact local name (an exact name beats the map's `paragrad::*` wildcard; wildcards cannot exclude
# a namespace). Kept global: the two allocator entry points that inline code in public headers
# calls (Node/TensorImpl's operator new/delete, e.g. `record` in engine/autograd/function.hpp).
# Inputs (-D): NM, TEMPLATE, OUT, OBJECTS (|-separated object files).
cmake_minimum_required(VERSION 3.16)
string(REPLACE "|" ";" objects "${OBJECTS}")
execute_process(COMMAND "${NM}" -C --defined-only --extern-only ${objects}
                OUTPUT_VARIABLE syms RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "GenerateVersionScript: nm failed (${rc})")
endif()
string(REPLACE "\n" ";" syms "${syms}")
set(locals "")
foreach(line IN LISTS syms)
  if(NOT line MATCHES "^[0-9a-fA-F]* +[A-Za-z] +(.*)$")
    continue()
  endif()
  set(name "${CMAKE_MATCH_1}")
  string(REGEX REPLACE "\\(.*$" "" qualified "${name}")
  if(qualified MATCHES "(^| )paragrad::(.*::)?(detail|kernels)::" AND
     NOT qualified MATCHES "^paragrad::detail::small_(alloc|free)$")
    string(REPLACE "\"" "\\\"" name "${name}")
    list(APPEND locals "${name}")
  endif()
endforeach()
list(REMOVE_DUPLICATES locals)
set(lines "")
foreach(name IN LISTS locals)
  string(APPEND lines "      \"${name}\"@SEMICOLON@\n")
endforeach()
file(READ "${TEMPLATE}" map)
string(REPLACE "  local:\n" "  local:\n    extern \"C++\" {\n${lines}    };\n" map "${map}")
string(REPLACE "@SEMICOLON@" ";" map "${map}")
file(WRITE "${OUT}.tmp" "${map}")
execute_process(COMMAND "${CMAKE_COMMAND}" -E copy_if_different "${OUT}.tmp" "${OUT}")
