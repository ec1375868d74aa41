# The MXU's RTL (model/mxu/rtl/mxu_array.sv) in the build: the Verilated 16x16 and 16x32 arrays as
# SystemC libraries behind mxu.model: rtl, and the 16x16 array with a faulty PE (MXU_BROKEN_CARRY)
# that only the tests link (tests/model/mxu/rtl_tests.cmake). Included by the top CMakeLists.txt after
# tpu_model and cmake/requirements.cmake:
#
#   include(${PROJECT_SOURCE_DIR}/model/mxu/rtl/rtl.cmake)
#
# Sets TPU_HAVE_VERILATOR (ON/OFF) and, with Verilator, TPU_RTL_MODEL_LIBS. Without Verilator the RTL tests are not built: configuring
# fails under CI (cmake/requirements.cmake) and warns otherwise. Everything here carries the
# ctest label "rtl" (ctest -L rtl).

set(TPU_RTL_DIR ${CMAKE_CURRENT_LIST_DIR})
set(TPU_RTL_SOURCE ${TPU_RTL_DIR}/mxu_array.sv)

find_package(verilator HINTS $ENV{VERILATOR_ROOT} QUIET)

if(NOT verilator_FOUND)
  set(TPU_HAVE_VERILATOR OFF)
  tpu_test_group_missing(rtl "Verilator (Debian package verilator) was not found")
  return()
endif()

set(TPU_HAVE_VERILATOR ON)
message(STATUS "Verilator ${verilator_VERSION} (${VERILATOR_ROOT}): building the MXU RTL")

# Verilator's CMake package looks for SystemC itself (SYSTEMC_INCLUDE / SYSTEMC_LIBDIR /
# SYSTEMC_ROOT, then a SystemCLanguage CMake package, which Debian does not ship). It skips the
# search when Verilator::systemc already exists: make that the SystemC the project found with
# pkg-config, so the Verilated code and the model use the same headers and library.
if(NOT TARGET Verilator::systemc)
  add_library(Verilator::systemc INTERFACE IMPORTED)
  target_link_libraries(Verilator::systemc INTERFACE PkgConfig::SYSTEMC)
endif()

# The Verilated arrays: 16x16, the same with a faulty PE (MXU_BROKEN_CARRY), and a non-square
# 16x32 (R != C: the skew, deskew and latency R + C - 1 differ from the square case). --pins-bv 2
# makes every port wider than one bit an sc_bv<W> and 1-bit ports bool, the port types of
# tpu::MxuCycleArray<R, C>, so one transactor binds to any of them.
# The model runs SystemC at a 1 fs resolution (tpu::init_time_resolution), and Verilated code
# requires its time precision to match.
set(TPU_RTL_VERILATOR_ARGS --pins-bv 2 --top-module mxu_array --x-assign fast --timescale-override 1ps/1fs)
set(TPU_RTL_CXX_WARNING_FLAGS ${VERILATOR_CFLAGS})
list(FILTER TPU_RTL_CXX_WARNING_FLAGS INCLUDE REGEX "^-Wno-")
# tpu_verilate_array(<suffix> <R> <C> [defines...]): library mxu_rtl<suffix>, class Vmxu_array<suffix>.
function(tpu_verilate_array suffix rows cols)
  set(lib mxu_rtl${suffix})
  add_library(${lib} STATIC)
  verilate(${lib} SYSTEMC TRACE
           PREFIX Vmxu_array${suffix}
           SOURCES ${TPU_RTL_SOURCE}
           VERILATOR_ARGS ${TPU_RTL_VERILATOR_ARGS} -GR=${rows} -GC=${cols} ${ARGN})
  verilator_link_systemc(${lib})
  target_link_libraries(${lib} PUBLIC PkgConfig::SYSTEMC)
  # Verilator's generated code and runtime are not -Wall -Wextra clean: the warning switches of
  # Verilator's own flags for them (VERILATOR_CFLAGS, from its CMake package).
  target_compile_options(${lib} PRIVATE ${TPU_RTL_CXX_WARNING_FLAGS})
endfunction()
tpu_verilate_array(16 16 16)
tpu_verilate_array(16_broken 16 16 -DMXU_BROKEN_CARRY)
tpu_verilate_array(16x32 16 32)

# The Verilated array as the MXU's datapath (mxu.model: rtl) in the model library.
target_sources(tpu_model PRIVATE ${TPU_RTL_DIR}/rtl_datapath.cpp)
target_include_directories(tpu_model SYSTEM PRIVATE ${VERILATOR_ROOT}/include ${VERILATOR_ROOT}/include/vltstd)
target_compile_definitions(tpu_model PUBLIC TPU_HAVE_VERILATOR)
# TPU_RTL_MODEL_LIBS: the arrays tpu_model links (cmake/install.cmake installs them too).
set(TPU_RTL_MODEL_LIBS mxu_rtl16 mxu_rtl16x32)
target_link_libraries(tpu_model PUBLIC ${TPU_RTL_MODEL_LIBS})

