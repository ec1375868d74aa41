# Runs a shipped example program (examples/programs/<name>/) end to end (program_tests.cmake):
#   cmake -DTPU_SIM=<exe> -DPYTHON=<python3> -DEXAMPLE=<dir> -DCONFIG=<yaml> -DOUT=<dir> -P program_run.cmake
# EXAMPLE/make_data.py writes host.bin, weights.bin and expected.bin (computed there, without the
# model); tpu-sim runs EXAMPLE/prog.s on them with --stats and --vcd, reads the output region back
# (OUT_ADDR, OUT_BYTES) and the test fails unless it equals expected.bin byte for byte and the
# statistics and VCD files were written.
file(REMOVE_RECURSE ${OUT})
file(MAKE_DIRECTORY ${OUT})
execute_process(COMMAND ${PYTHON} ${EXAMPLE}/make_data.py ${OUT} RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "make_data.py failed (${rc}): ${err}")
endif()
execute_process(COMMAND ${TPU_SIM} --config ${CONFIG} --program ${EXAMPLE}/prog.s --host-image ${OUT}/host.bin
                        --weight-image ${OUT}/weights.bin --read-back ${OUT_ADDR}:${OUT_BYTES}:${OUT}/out.bin
                        --stats ${OUT}/stats.json --vcd ${OUT}/trace.vcd
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "tpu-sim exited with ${rc}")
endif()
foreach(f out.bin stats.json trace.vcd)
  if(NOT EXISTS ${OUT}/${f})
    message(FATAL_ERROR "tpu-sim did not write ${OUT}/${f}")
  endif()
endforeach()
file(READ ${OUT}/out.bin got HEX)
file(READ ${OUT}/expected.bin want HEX)
if(NOT got STREQUAL want)
  message(FATAL_ERROR "out.bin differs from expected.bin\n got:  ${got}\n want: ${want}")
endif()
file(READ ${OUT}/stats.json stats)
string(JSON instructions GET "${stats}" workload instructions)
string(JSON cycles GET "${stats}" run cycles)
if(NOT instructions GREATER 0 OR NOT cycles GREATER 0)
  message(FATAL_ERROR "stats.json: workload.instructions = ${instructions}, run.cycles = ${cycles}")
endif()
string(LENGTH "${got}" n)
math(EXPR n "${n} / 2")
message("out.bin: ${n} bytes equal to expected.bin")
