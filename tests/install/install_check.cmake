# The install tree (cmake/install.cmake) as a consumer meets it (tests/install/install_tests.cmake):
#   cmake -DBUILD=<build dir> -DPREFIX=<dir> -DCXX=<compiler> -DSOURCE=<pc_consumer.cpp> -P install_check.cmake
# Installs BUILD into PREFIX, checks the files a consumer needs are there (and no sources), then
# compiles and links a program with nothing but `pkg-config --cflags --libs tpu_tlm` and runs it.
file(REMOVE_RECURSE ${PREFIX})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD} --prefix ${PREFIX} RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${rc})")
endif()
foreach(f lib/libtpu_model.a include/tpu_tlm/chip/tpu.h include/tpu_tlm/isa/isa.h
          include/tpu_tlm/memory/memory_target.h include/tpu_tlm/config/config.h
          lib/cmake/tpu_tlm/tpu_tlmConfig.cmake lib/cmake/tpu_tlm/tpu_tlmConfigVersion.cmake
          lib/cmake/tpu_tlm/tpu_tlmTargets.cmake lib/pkgconfig/tpu_tlm.pc)
  if(NOT EXISTS ${PREFIX}/${f})
    message(FATAL_ERROR "not installed: ${f}")
  endif()
endforeach()
file(GLOB_RECURSE sources ${PREFIX}/*.cpp ${PREFIX}/*.sv)
if(sources)
  message(FATAL_ERROR "sources installed: ${sources}")
endif()
file(GLOB_RECURSE host_headers ${PREFIX}/include/tpu_tlm/runtime/* ${PREFIX}/include/tpu_tlm/lowering/*)
if(host_headers)
  message(FATAL_ERROR "host software headers installed (tpu_model only): ${host_headers}")
endif()

set(ENV{PKG_CONFIG_PATH} ${PREFIX}/lib/pkgconfig)
execute_process(COMMAND pkg-config --cflags --libs tpu_tlm RESULT_VARIABLE rc OUTPUT_VARIABLE flags
                ERROR_VARIABLE err OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pkg-config tpu_tlm failed: ${err}")
endif()
message("pkg-config --cflags --libs tpu_tlm: ${flags}")
execute_process(COMMAND pkg-config --variable=includedir tpu_tlm OUTPUT_VARIABLE includedir
                OUTPUT_STRIP_TRAILING_WHITESPACE)
get_filename_component(includedir "${includedir}" REALPATH)
get_filename_component(want "${PREFIX}/include/tpu_tlm" REALPATH)
if(NOT includedir STREQUAL want OR NOT flags MATCHES "-ltpu_model")
  message(FATAL_ERROR "pkg-config: includedir ${includedir} is not ${want}, or no -ltpu_model")
endif()
separate_arguments(flag_list UNIX_COMMAND "${flags}")
execute_process(COMMAND ${CXX} ${SOURCE} ${flag_list} -o ${PREFIX}/pc_consumer RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "compiling with pkg-config's flags failed:\n${err}")
endif()
execute_process(COMMAND ${PREFIX}/pc_consumer RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL 0 OR NOT out MATCHES "halt = 08 00 00 00 00 00 00 00 00 00 00 00")
  message(FATAL_ERROR "pc_consumer: exit ${rc}, expected 'halt = 08 00 ...'")
endif()
