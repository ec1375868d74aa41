# Runs one command-line test (used by cli_test() of tests/common/cli_test.cmake):
#   cmake -DEXPECT_RC=<n> [-DEXPECT0=<regex> ... -DEXPECT15=<regex>] [-DWORKDIR=<dir>]
#         [-DCHECK_SCRIPT=<file>] -P cli_run.cmake -- <program> <args...>
# Prints the program's output and fails unless the exit code is EXPECT_RC and stdout + stderr
# match every EXPECTn; CHECK_SCRIPT, if given, is included afterwards to check ${out} further.
# (PASS_REGULAR_EXPRESSION alone would ignore the exit code.)
set(cmd)
set(after_dashes FALSE)
math(EXPR last "${CMAKE_ARGC} - 1")
foreach(i RANGE 0 ${last})
  if(after_dashes)
    list(APPEND cmd "${CMAKE_ARGV${i}}")
  elseif("${CMAKE_ARGV${i}}" STREQUAL "--")
    set(after_dashes TRUE)
  endif()
endforeach()
if(NOT cmd)
  message(FATAL_ERROR "cli_run.cmake: no command after --")
endif()
if(NOT DEFINED WORKDIR)
  set(WORKDIR ".")
endif()
execute_process(COMMAND ${cmd} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
                WORKING_DIRECTORY "${WORKDIR}")
message("exit code: ${rc}\n--- stdout ---\n${out}--- stderr ---\n${err}--------------")
if(NOT "${rc}" STREQUAL "${EXPECT_RC}")
  message(SEND_ERROR "expected exit code ${EXPECT_RC}, got ${rc}")
endif()
foreach(i RANGE 0 15)
  if(DEFINED EXPECT${i})
    if(NOT "${out}${err}" MATCHES "${EXPECT${i}}")
      message(SEND_ERROR "the output does not match the regular expression '${EXPECT${i}}'")
    endif()
  endif()
endforeach()
# Further checks on ${out} / ${err} (e.g. tests/tools/dram_bench/dram_bench_json_check.cmake).
if(DEFINED CHECK_SCRIPT)
  include(${CHECK_SCRIPT})
endif()
