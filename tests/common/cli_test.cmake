# cli_test(): one command-line test of a program of this build (tpu-sim, dram-bench), checked
# by tests/common/cli_run.cmake on its exit code AND its output (PASS_REGULAR_EXPRESSION alone
# ignores the exit code). Included from tests/tests.cmake.

set(TPU_CLI_DIR ${CMAKE_BINARY_DIR}/cli)
file(MAKE_DIRECTORY ${TPU_CLI_DIR})

# cli_test(<name> <expected exit code> PROGRAM <target> [TIMEOUT <s>] [DEFS <-Dvar=value>...]
#          [EXPECT <regex>...] ARGS <arguments...>): runs the target through tests/common/cli_run.cmake
# in ${TPU_CLI_DIR}; label "cli".
function(cli_test name rc)
  cmake_parse_arguments(PARSE_ARGV 2 T "" "PROGRAM;TIMEOUT" "DEFS;EXPECT;ARGS")
  set(defs -DEXPECT_RC=${rc} ${T_DEFS})
  set(i 0)
  foreach(re IN LISTS T_EXPECT)
    list(APPEND defs "-DEXPECT${i}=${re}")
    math(EXPR i "${i} + 1")
  endforeach()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 10)
  endif()
  add_test(NAME ${name}
           COMMAND ${CMAKE_COMMAND} ${defs} -DWORKDIR=${TPU_CLI_DIR} -P ${PROJECT_SOURCE_DIR}/tests/common/cli_run.cmake
                   -- $<TARGET_FILE:${T_PROGRAM}> ${T_ARGS})
  set_tests_properties(${name} PROPERTIES LABELS cli TIMEOUT ${T_TIMEOUT} ENVIRONMENT "SC_COPYRIGHT_MESSAGE=DISABLE")
endfunction()

