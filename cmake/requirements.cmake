# What the test suite needs beyond the build, and what happens when it is missing.
#
# Some groups of tests depend on tools that a developer may not have installed: the RTL tests on
# Verilator, the script tests on Debian's /usr/bin/python3 with its packages. With CI=true in the
# environment (or -DTPU_REQUIRE_ALL_TESTS=ON) a missing one is a configure error that names it, so
# no group of tests can vanish from a CI run; otherwise the group is left out and configure says
# so in a warning. scripts/setup.sh installs all of them.

if(DEFINED ENV{CI} AND NOT "$ENV{CI}" STREQUAL "" AND NOT "$ENV{CI}" MATCHES "^(0|[Ff]alse|FALSE|[Nn]o|NO)$")
  set(_tpu_require_default ON)
else()
  set(_tpu_require_default OFF)
endif()
option(TPU_REQUIRE_ALL_TESTS "Fail configuring when any group of tests cannot be built (default: on when CI is set)"
       ${_tpu_require_default})

# tpu_test_group_missing(<group> <what is missing>): a configure error under TPU_REQUIRE_ALL_TESTS,
# else a warning that the group's tests are left out.
function(tpu_test_group_missing group what)
  if(TPU_REQUIRE_ALL_TESTS)
    message(FATAL_ERROR "the ${group} tests cannot be built: ${what}. Run scripts/setup.sh "
                        "(or configure with -DTPU_REQUIRE_ALL_TESTS=OFF to leave them out).")
  endif()
  message(WARNING "the ${group} tests are left out of this build: ${what} (run scripts/setup.sh)")
endfunction()

# The scripts' Python: Debian's, with the packages scripts/setup.sh installs.
set(TPU_PYTHON /usr/bin/python3 CACHE FILEPATH "Debian's Python 3 for the scripts and their tests")
set(TPU_PYTHON_MODULES numpy yaml sklearn matplotlib onnx torch torchvision)
set(TPU_HAVE_PYTHON OFF)
if(NOT EXISTS "${TPU_PYTHON}")
  tpu_test_group_missing(scripts "no Python interpreter at ${TPU_PYTHON}")
else()
  string(REPLACE ";" "," _modules "${TPU_PYTHON_MODULES}")
  execute_process(
    COMMAND ${TPU_PYTHON} -c "import importlib.util as u; print(' '.join(m for m in '${_modules}'.split(',') if u.find_spec(m) is None))"
    OUTPUT_VARIABLE _missing OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0)
    tpu_test_group_missing(scripts "${TPU_PYTHON} does not run")
  elseif(NOT _missing STREQUAL "")
    tpu_test_group_missing(scripts "${TPU_PYTHON} lacks the modules ${_missing}")
  else()
    set(TPU_HAVE_PYTHON ON)
  endif()
endif()

# GTKWave and a headless X server for the waveform test (label "gtkwave",
# tests/tools/tpu_sim/gtkwave_tests.cmake): Debian's gtkwave, xvfb (xvfb-run) and xauth, which
# xvfb-run needs and xvfb only recommends.
find_program(TPU_GTKWAVE gtkwave)
find_program(TPU_XVFB_RUN xvfb-run)
find_program(TPU_XAUTH xauth)
set(TPU_HAVE_GTKWAVE OFF)
set(_missing "")
foreach(_tool TPU_GTKWAVE TPU_XVFB_RUN TPU_XAUTH)
  if(NOT ${_tool})
    string(TOLOWER "${_tool}" _name)
    string(REGEX REPLACE "^tpu_" "" _name "${_name}")
    string(REPLACE "_" "-" _name "${_name}")
    list(APPEND _missing ${_name})
  endif()
endforeach()
if(_missing)
  string(REPLACE ";" ", " _missing "${_missing}")
  tpu_test_group_missing(gtkwave "${_missing} not found (Debian packages gtkwave, xvfb, xauth)")
else()
  set(TPU_HAVE_GTKWAVE ON)
endif()

# The style check (tests/tests.cmake: style.clang_format) needs clang-format 14, Debian 12's: other
# versions lay out some constructs differently from .clang-format's reading here.
find_program(TPU_CLANG_FORMAT NAMES clang-format-14 clang-format)
set(TPU_HAVE_CLANG_FORMAT OFF)
if(NOT TPU_CLANG_FORMAT)
  tpu_test_group_missing(style "clang-format (Debian package clang-format) was not found")
else()
  execute_process(COMMAND ${TPU_CLANG_FORMAT} --version OUTPUT_VARIABLE _cf_version)
  if(NOT _cf_version MATCHES "version 14\\.")
    tpu_test_group_missing(style "${TPU_CLANG_FORMAT} is not clang-format 14 (${_cf_version})")
  else()
    set(TPU_HAVE_CLANG_FORMAT ON)
  endif()
endif()
