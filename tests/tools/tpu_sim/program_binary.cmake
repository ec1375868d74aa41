# tpu-sim --program with binary images (program_tests.cmake), written here by Python from the
# encoding in docs/isa.md, not by the model's encoder:
#   cmake -DTPU_SIM=<exe> -DPYTHON=<python3> -DCONFIG=<yaml> -DOUT=<dir> -P program_binary.cmake
# halt.bin (nop; halt) must run (exit 0); bad.bin (nop; opcode 0xff) must fail with exit 1 naming
# the file, instruction 1 and its byte offset 12; short.bin (13 bytes) must fail naming its size.
file(REMOVE_RECURSE ${OUT})
file(MAKE_DIRECTORY ${OUT})
execute_process(COMMAND ${PYTHON} -c "import sys; d = sys.argv[1]
open(d + '/halt.bin', 'wb').write(bytes(12) + bytes([0x08]) + bytes(11))
open(d + '/bad.bin', 'wb').write(bytes(12) + bytes([0xff]) + bytes(11))
open(d + '/short.bin', 'wb').write(bytes(13))" ${OUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "writing the images failed")
endif()
function(expect prog want_rc regex)
  execute_process(COMMAND ${TPU_SIM} --config ${CONFIG} --program ${OUT}/${prog}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message("${prog}: exit ${rc}\n${out}${err}")
  if(NOT rc EQUAL want_rc OR NOT "${out}${err}" MATCHES "${regex}")
    message(FATAL_ERROR "${prog}: expected exit ${want_rc} and output matching '${regex}'")
  endif()
endfunction()
expect(halt.bin 0 "program   halt\\.bin .*: 2 instructions")
expect(bad.bin 1 "bad\\.bin: instruction 1 \\(byte offset 12\\)")
expect(short.bin 1 "short\\.bin: binary program of 13 bytes is not a whole number of 12-byte instructions")
