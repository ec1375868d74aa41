# Tests of the MXU's RTL (model/mxu/rtl/rtl.cmake builds the Verilated arrays): Verilator lint,
# the pin-level tests of the array, and the three MXU models agreeing on whole workloads. Included
# by tests/tests.cmake when Verilator was found; everything here has the ctest label "rtl".

# Lint: the source must stay clean under -Wall (no waivers).
find_program(TPU_VERILATOR_EXECUTABLE NAMES verilator
             HINTS ${VERILATOR_ROOT}/bin $ENV{VERILATOR_ROOT}/bin)
if(NOT TPU_VERILATOR_EXECUTABLE)
  set(TPU_VERILATOR_EXECUTABLE ${VERILATOR_BIN})
endif()
add_test(NAME rtl.lint COMMAND ${TPU_VERILATOR_EXECUTABLE} --lint-only -Wall ${TPU_RTL_SOURCE})
set_tests_properties(rtl.lint PROPERTIES LABELS rtl)

# tpu_rtl_test(<name> <source>): a GoogleTest executable that links both Verilated arrays, the
# good one and the one with a faulty PE; its cases are ctest tests "rtl.<case>".
function(tpu_rtl_test name source)
  add_executable(${name} ${PROJECT_SOURCE_DIR}/tests/model/mxu/${source}
                 ${PROJECT_SOURCE_DIR}/tests/common/gtest_sc_main.cpp)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  # Verilator's headers warn under -Wall -Wextra: include them as system headers in the tests.
  target_include_directories(${name} SYSTEM PRIVATE ${VERILATOR_ROOT}/include ${VERILATOR_ROOT}/include/vltstd)
  target_compile_definitions(${name} PRIVATE VM_SC=1 VM_TRACE=1 VM_TRACE_VCD=1 VM_TRACE_FST=0 VM_COVERAGE=0)
  target_link_libraries(${name} PRIVATE tpu_host GTest::gtest mxu_rtl16 mxu_rtl16_broken)
  # A test that calls GTEST_SKIP shows as Skipped in ctest, not as passed.
  gtest_discover_tests(${name} TEST_PREFIX "rtl." DISCOVERY_TIMEOUT 60
                       PROPERTIES LABELS rtl TIMEOUT 600 SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]")
endfunction()

# Pin-level tests of the Verilated array. The sources are not called test_*.cpp: tests/tests.cmake
# builds every such file without the RTL libraries.
tpu_rtl_test(test_mxu_rtl_pins rtl_mxu_pins_test.cpp)
# The three MXU models on whole workloads: identical outputs and cycles, and the broken RTL caught.
tpu_rtl_test(test_mxu_rtl_models rtl_mxu_models_test.cpp)
