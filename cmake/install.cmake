# cmake --install: the hardware model as a package an outside project can use (issue 19).
# Included by the top CMakeLists.txt after the libraries are defined:
#
#   include(${PROJECT_SOURCE_DIR}/cmake/install.cmake)
#
# Installs, under CMAKE_INSTALL_PREFIX:
#   lib/libtpu_model.a (and lib/libmxu_rtl*.a, the Verilated MXU arrays, when Verilator was found)
#   include/tpu_tlm/<block>/*.h      the model's headers; include them as "chip/tpu.h"
#   lib/cmake/tpu_tlm/               tpu_tlmConfig.cmake, its version file and targets:
#                                    find_package(tpu_tlm) gives the target tpu_tlm::tpu_model
#   lib/pkgconfig/tpu_tlm.pc         the same for pkg-config (static: all libraries in Libs)
# The host software (tpu_host) and the tools are this repository's own and are not installed.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(TPU_INSTALL_INCLUDE ${CMAKE_INSTALL_INCLUDEDIR}/tpu_tlm)
set(TPU_INSTALL_CMAKE ${CMAKE_INSTALL_LIBDIR}/cmake/tpu_tlm)

set_target_properties(tpu_model PROPERTIES EXPORT_NAME tpu_model)
target_include_directories(tpu_model INTERFACE $<INSTALL_INTERFACE:${TPU_INSTALL_INCLUDE}>)
set(tpu_install_targets tpu_model)
if(TPU_HAVE_VERILATOR)
  # The Verilated arrays' include directories are in the build tree; consumers of the installed
  # static tpu_model need only their archives (no header of the model includes Verilated code).
  foreach(lib IN LISTS TPU_RTL_MODEL_LIBS)
    get_target_property(_tpu_rtl_includes ${lib} INTERFACE_INCLUDE_DIRECTORIES)
    if(_tpu_rtl_includes)
      set_target_properties(${lib} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "$<BUILD_INTERFACE:${_tpu_rtl_includes}>")
    endif()
  endforeach()
  list(APPEND tpu_install_targets ${TPU_RTL_MODEL_LIBS})
endif()

install(TARGETS ${tpu_install_targets} EXPORT tpu_tlmTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/model/ DESTINATION ${TPU_INSTALL_INCLUDE}
        FILES_MATCHING PATTERN "*.h")
install(EXPORT tpu_tlmTargets NAMESPACE tpu_tlm:: DESTINATION ${TPU_INSTALL_CMAKE})

set(TPU_PACKAGE_HAVE_VERILATOR ${TPU_HAVE_VERILATOR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/tpu_tlmConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/tpu_tlmConfig.cmake INSTALL_DESTINATION ${TPU_INSTALL_CMAKE})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/tpu_tlmConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/tpu_tlmConfig.cmake ${PROJECT_BINARY_DIR}/tpu_tlmConfigVersion.cmake
        DESTINATION ${TPU_INSTALL_CMAKE})

# pkg-config: tpu_model is static, so Libs lists what it links privately too (the Verilated
# array, oneDNN, which has no .pc on Debian, and OpenMP).
if(TPU_HAVE_VERILATOR)
  list(TRANSFORM TPU_RTL_MODEL_LIBS PREPEND " -l" OUTPUT_VARIABLE _tpu_pc_rtl)
  string(JOIN "" TPU_PC_RTL_LIB ${_tpu_pc_rtl})
else()
  set(TPU_PC_RTL_LIB "")
endif()
# The prefix relative to the .pc file (pkg-config's ${pcfiledir}), so the tree may be moved or
# installed with --prefix after configuring.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(TPU_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  string(REGEX REPLACE "[^/]+" ".." _tpu_pc_up "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
  set(TPU_PC_PREFIX "\${pcfiledir}/${_tpu_pc_up}")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/tpu_tlm.pc.in ${PROJECT_BINARY_DIR}/tpu_tlm.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/tpu_tlm.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
