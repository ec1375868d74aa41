# An example platform built against the *installed* package (tests/install/install_tests.cmake):
#   cmake -DBUILD=<build dir> -DPREFIX=<dir> -DOUT=<dir> -DSOURCE_DIR=<repo> -DPYTHON=<python3>
#         -DEXAMPLE=<name> -DGENERATOR=<cmake generator> -P example_platform.cmake
# Installs BUILD into PREFIX; configures and builds examples/EXAMPLE as a separate CMake project
# that finds tpu_tlm only there; writes dense_relu's images with its make_data.py; runs the
# platform and fails unless its output equals examples/EXAMPLE/expected_output.txt, whose numbers
# must in turn equal make_data.py's independently computed expected.bin.
file(REMOVE_RECURSE ${PREFIX} ${OUT})
file(MAKE_DIRECTORY ${OUT})
function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}${err}")
  endif()
  set(run_out "${out}" PARENT_SCOPE)
endfunction()
run("cmake --install" ${CMAKE_COMMAND} --install ${BUILD} --prefix ${PREFIX})
set(example ${SOURCE_DIR}/examples/${EXAMPLE})
run("configuring ${EXAMPLE}" ${CMAKE_COMMAND} -S ${example} -B ${OUT}/build -G ${GENERATOR}
    -DCMAKE_PREFIX_PATH=${PREFIX} -DCMAKE_BUILD_TYPE=Release -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
file(READ ${OUT}/build/CMakeCache.txt cache)
if(NOT cache MATCHES "tpu_tlm_DIR:PATH=${PREFIX}/")
  message(FATAL_ERROR "${EXAMPLE} did not find tpu_tlm in ${PREFIX}")
endif()
run("building ${EXAMPLE}" ${CMAKE_COMMAND} --build ${OUT}/build)

set(dense_relu ${SOURCE_DIR}/examples/programs/dense_relu)
run("make_data.py" ${PYTHON} ${dense_relu}/make_data.py ${OUT}/data)
set(ENV{SC_COPYRIGHT_MESSAGE} DISABLE)
run("${EXAMPLE}" ${OUT}/build/${EXAMPLE} ${SOURCE_DIR}/configs/small.yaml ${dense_relu}/prog.s
    ${OUT}/data/host.bin ${OUT}/data/weights.bin 0x80 64 16)
message("${run_out}")
file(READ ${example}/expected_output.txt expected)
if(NOT run_out STREQUAL expected)
  message(FATAL_ERROR "the output differs from ${example}/expected_output.txt:\n${expected}")
endif()

# expected_output.txt's numbers are make_data.py's expected.bin (as signed bytes, 16 per row).
file(READ ${OUT}/data/expected.bin hex HEX)
string(LENGTH "${hex}" n)
math(EXPR last "${n} / 2 - 1")
set(rows "")
foreach(i RANGE 0 ${last})
  math(EXPR row "${i} / 16")
  math(EXPR col "${i} % 16")
  math(EXPR pos "${i} * 2")
  string(SUBSTRING "${hex}" ${pos} 2 byte)
  math(EXPR v "0x${byte}")
  if(v GREATER 127)
    math(EXPR v "${v} - 256")
  endif()
  if(col EQUAL 0)
    string(APPEND rows "out${row}:")
  endif()
  string(APPEND rows " ${v}")
  if(col EQUAL 15)
    string(APPEND rows "\n")
  endif()
endforeach()
string(FIND "${expected}" "${rows}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "expected_output.txt does not hold make_data.py's expected.bin:\n${rows}")
endif()
message("${EXAMPLE}: output equals expected_output.txt and make_data.py's expected.bin")
