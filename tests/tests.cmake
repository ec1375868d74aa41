# The test suite, mirroring the source tree: tests/model/<block>/ for each hardware block,
# tests/host/ for the host software, tests/tools/ for the programs, tests/system/ for whole runs;
# tests/common/ holds what several share. Included by the top CMakeLists.txt after
# enable_testing().
#
# Every tests/**/test_*.cpp is one GoogleTest executable. SystemC allows one elaboration per
# process, so every test case runs in its own process (gtest_discover_tests does that).

include(GoogleTest)
file(GLOB_RECURSE TPU_TEST_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/test_*.cpp)
foreach(src ${TPU_TEST_SOURCES})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src} ${PROJECT_SOURCE_DIR}/tests/common/gtest_sc_main.cpp)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  target_link_libraries(${name} PRIVATE tpu_host dram_bench GTest::gtest)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 600)
endforeach()

# Command-line tests (label "cli"): tpu-sim's exit codes, messages and determinism, and dram-bench's.
include(${PROJECT_SOURCE_DIR}/tests/common/cli_test.cmake)
include(${PROJECT_SOURCE_DIR}/tests/tools/tpu_sim/cli_tests.cmake)
include(${PROJECT_SOURCE_DIR}/tests/tools/dram_bench/dram_bench_cli.cmake)
# Bad files through tpu-sim and dram-bench: a named error, exit 1 or 2, no output file left
# (label "badinput").
include(${PROJECT_SOURCE_DIR}/tests/tools/badinput/badinput.cmake)
# Networks against their golden outputs, the int8 reference and the ONNX import (labels
# "networks", "scripts").
include(${PROJECT_SOURCE_DIR}/tests/system/network_tests.cmake)
# tpu-sweep on Dask (labels "scripts", "sweep"), when cmake/requirements.cmake found Dask.
if(TPU_HAVE_DASK)
  include(${PROJECT_SOURCE_DIR}/tests/tools/tpu_sweep/sweep_tests.cmake)
endif()
# The MXU's RTL (label "rtl"), when Verilator was found (model/mxu/rtl/rtl.cmake).
if(TPU_HAVE_VERILATOR)
  include(${PROJECT_SOURCE_DIR}/tests/model/mxu/rtl_tests.cmake)
endif()
# The installed package: its tree, its pkg-config file and the examples built against it
# (label "install").
include(${PROJECT_SOURCE_DIR}/tests/install/install_tests.cmake)
# The VCD opened in a headless GTKWave with scripts/tpu_sim.gtkw (label "gtkwave"), when
# cmake/requirements.cmake found gtkwave, xvfb-run and xauth.
if(TPU_HAVE_GTKWAVE)
  include(${PROJECT_SOURCE_DIR}/tests/tools/tpu_sim/gtkwave_tests.cmake)
endif()

# The C++ follows .clang-format (label "style"): clang-format 14 reports any line it would change.
if(TPU_HAVE_CLANG_FORMAT)
  file(GLOB_RECURSE TPU_FORMATTED_SOURCES CONFIGURE_DEPENDS
       ${PROJECT_SOURCE_DIR}/model/*.h ${PROJECT_SOURCE_DIR}/model/*.cpp ${PROJECT_SOURCE_DIR}/host/*.h
       ${PROJECT_SOURCE_DIR}/host/*.cpp ${PROJECT_SOURCE_DIR}/tools/*.h ${PROJECT_SOURCE_DIR}/tools/*.cpp
       ${PROJECT_SOURCE_DIR}/tests/*.h ${PROJECT_SOURCE_DIR}/tests/*.cpp ${PROJECT_SOURCE_DIR}/bench/*.cpp
       ${PROJECT_SOURCE_DIR}/examples/*.h ${PROJECT_SOURCE_DIR}/examples/*.cpp)
  add_test(NAME style.clang_format
           COMMAND ${TPU_CLANG_FORMAT} --dry-run --Werror --style=file ${TPU_FORMATTED_SOURCES})
  set_tests_properties(style.clang_format PROPERTIES LABELS style TIMEOUT 120)
endif()
