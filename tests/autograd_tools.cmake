# CTest checks for the autograd teaching tools, included at the end of tests/CMakeLists.txt:
#  - derivatives_index_up_to_date: docs/derivatives.md equals what scripts/gen_derivatives
#    generates from the source now (regenerated into the build folder and diffed), and
#    derivatives_generator_self_test: the scanner reports each kind of problem it must;
#  - derivatives_gradcheck_coverage: every node name of that index is differentiated through by
#    some autograd::gradcheck call of the test suites (gradcheck logs the nodes it checks to
#    $PARAGRAD_GRADCHECK_LOG). It reruns the test executables, so it is registered in
#    non-sanitized builds only (the bookkeeping does not change under a sanitizer);
#  - engine_to_dot_renders_with_graphviz: `dot -Tsvg` accepts to_dot's output (the hidden
#    Catch2 case "[.graphviz]"; skipped, exit code 77, when Graphviz is not installed).
find_package(Python3 COMPONENTS Interpreter QUIET)
set(_gen "${PROJECT_SOURCE_DIR}/scripts/gen_derivatives")
if(Python3_Interpreter_FOUND)
  add_test(NAME derivatives_index_up_to_date
           COMMAND "${Python3_EXECUTABLE}" "${_gen}" --check
                   "${CMAKE_CURRENT_BINARY_DIR}/derivatives.generated.md")
  add_test(NAME derivatives_generator_self_test COMMAND "${Python3_EXECUTABLE}" "${_gen}" --self-test)
  if(NOT PARAGRAD_SANITIZE)
    set(_suites "")
    foreach(layer IN LISTS PARAGRAD_AREAS)
      if(TARGET paragrad_test_${layer})
        list(APPEND _suites "$<TARGET_FILE:paragrad_test_${layer}>")
      endif()
    endforeach()
    add_test(NAME derivatives_gradcheck_coverage
             COMMAND "${Python3_EXECUTABLE}" "${_gen}" --coverage ${_suites})
    set_tests_properties(derivatives_gradcheck_coverage PROPERTIES TIMEOUT 1800)
  endif()
else()
  add_test(NAME derivatives_index_up_to_date
           COMMAND sh -c "echo 'python3 is not installed: cannot run scripts/gen_derivatives'; exit 77")
  set_tests_properties(derivatives_index_up_to_date PROPERTIES SKIP_RETURN_CODE 77)
endif()

if(TARGET paragrad_test_engine)
  add_test(NAME engine_to_dot_renders_with_graphviz COMMAND paragrad_test_engine "[graphviz]")
  set_tests_properties(engine_to_dot_renders_with_graphviz PROPERTIES SKIP_RETURN_CODE 77)
endif()
