# Command-line tests of tpu-sim as a user meets it: help, exit codes (0 ok, 1 error, 2 bad
# command line, 3 golden mismatch), messages, end-to-end runs and determinism of the outputs.
# Included from tests/tests.cmake. Every test has the label "cli": ctest -L cli.
#
# Most tests run tpu-sim through tests/common/cli_run.cmake, which checks the exit code AND the output,
# since PASS_REGULAR_EXPRESSION alone ignores the exit code.

# cli_test() and TPU_CLI_DIR come from tests/common/cli_test.cmake.


# tpu_cli_test(<name> <expected exit code> [EXPECT <regex>...] ARGS <tpu-sim arguments...>)
function(tpu_cli_test name rc)
  cli_test(${name} ${rc} PROGRAM tpu-sim ${ARGN})
endfunction()

set(TPU_SMALL ${PROJECT_SOURCE_DIR}/configs/small.yaml)
set(TPU_V1 ${PROJECT_SOURCE_DIR}/configs/tpu_v1.yaml)
set(TPU_DIGITS ${PROJECT_SOURCE_DIR}/traces/digits/workload.yaml)
set(TPU_RANDOM ${PROJECT_SOURCE_DIR}/traces/random_mlp/workload.yaml)

# --help: exit 0 and every option listed.
tpu_cli_test(cli.help 0
  EXPECT "--config" "--workload" "--batch" "--stats" "--vcd" "--power-csv" "--power-vcd" "--window-ns"
         "--dump-program" "--layers" "--quiet" "--program" "--host-image" "--weight-image" "--read-back"
         "Exit status"
  ARGS --help)

# Bad command lines: exit 2 with a hint.
tpu_cli_test(cli.unknown_option 2 EXPECT "unrecognised option '--bogus'" "Try 'tpu-sim --help'" ARGS --bogus)
tpu_cli_test(cli.batch_not_a_number 2 EXPECT "the argument \\(.many.\\) for option .--batch. is invalid" ARGS --batch many)
tpu_cli_test(cli.window_ns_zero 2 EXPECT "--window-ns must be between 10 and 1e9" ARGS --window-ns 0)
tpu_cli_test(cli.window_ns_tiny 2 EXPECT "--window-ns must be between 10 and 1e9" ARGS --window-ns 1e-7)
tpu_cli_test(cli.window_ns_inf 2 EXPECT "--window-ns must be between 10 and 1e9" ARGS --window-ns inf)
tpu_cli_test(cli.batch_negative 2 EXPECT "--batch must be between 1 and" ARGS --batch -1)
tpu_cli_test(cli.batch_zero 2 EXPECT "--batch must be between 1 and" ARGS --batch 0)
# A bare word (a config path without --config) is a mistake, not something to ignore.
tpu_cli_test(cli.positional_argument 2 EXPECT "too many positional options" ARGS ${TPU_SMALL})

# Power per window: an unwritable file is an error naming it; the summary has the energy line.
tpu_cli_test(cli.power_csv_unwritable 1 EXPECT "no_such_dir/p\\.csv: cannot write the power CSV"
  ARGS --config ${TPU_V1} --workload ${TPU_DIGITS} --power-csv ${TPU_CLI_DIR}/no_such_dir/p.csv)
tpu_cli_test(cli.energy_line 0 EXPECT "energy    [0-9.]+ [mun]?J \\([0-9.]+ [mun]?J per inference\\); die [0-9.]+ W average"
  ARGS --config ${TPU_V1} --workload ${TPU_DIGITS})

# Errors in files: exit 1 with a message naming the file (and the key).
tpu_cli_test(cli.missing_config 1
  EXPECT "tpu-sim: error: " "no_such_config\\.yaml: cannot open config file"
  ARGS --config ${TPU_CLI_DIR}/no_such_config.yaml --workload ${TPU_DIGITS})
file(WRITE ${TPU_CLI_DIR}/malformed_config.yaml "name: broken\nmxu:\n  rows: sixteen\n")
tpu_cli_test(cli.malformed_config 1
  EXPECT "malformed_config\\.yaml: mxu\\.rows: must be a non-negative integer" "sixteen"
  ARGS --config ${TPU_CLI_DIR}/malformed_config.yaml --workload ${TPU_DIGITS})
file(WRITE ${TPU_CLI_DIR}/unknown_key_config.yaml "name: broken\nmxu:\n  rows: 16\n  colums: 16\n")
tpu_cli_test(cli.config_unknown_key 1
  EXPECT "unknown_key_config\\.yaml: mxu\\.colums: unknown key"
  ARGS --config ${TPU_CLI_DIR}/unknown_key_config.yaml --workload ${TPU_DIGITS})
tpu_cli_test(cli.missing_workload 1
  EXPECT "no_such_workload\\.yaml: cannot open workload manifest"
  ARGS --config ${TPU_SMALL} --workload ${TPU_CLI_DIR}/no_such_workload.yaml)

# End-to-end runs that must match the golden outputs.
tpu_cli_test(cli.digits_small_batch64 0
  EXPECT "golden +0 mismatches in 17970 int8 outputs" "digits-mlp" "small_16x16"
  ARGS --config ${TPU_SMALL} --workload ${TPU_DIGITS} --batch 64)
tpu_cli_test(cli.random_mlp_tpu_v1 0
  EXPECT "golden +0 mismatches in 750 int8 outputs" "random-mlp" "tpu_v1"
  ARGS --config ${TPU_V1} --workload ${TPU_RANDOM})

# A workload that does not fit: digits with its default batch (256) on small.yaml.
tpu_cli_test(cli.digits_small_does_not_fit 1
  EXPECT "needs 8756 Unified Buffer rows, the chip has 4096; the largest batch that fits is 118"
  ARGS --config ${TPU_SMALL} --workload ${TPU_DIGITS})

# Determinism: two runs write identical --stats and --vcd files; the VCD has a header and
# traces the MXU's Table 3 category as tpu.mxu.table3_category (VCD scopes tpu > mxu).
file(WRITE ${TPU_CLI_DIR}/determinism.cmake [=[
if(NOT DEFINED BATCH)
  set(BATCH --batch 64)
endif()
foreach(run 1 2)
  file(REMOVE ${OUT}/stats${run}.json ${OUT}/trace${run}.vcd)
  execute_process(COMMAND ${TPU_SIM} --config ${CONFIG} --workload ${WORKLOAD} ${BATCH} --quiet
                          --stats ${OUT}/stats${run}.json --vcd ${OUT}/trace${run}.vcd
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "run ${run}: exit code ${rc}\n${out}${err}")
  endif()
  foreach(f stats${run}.json trace${run}.vcd)
    if(NOT EXISTS ${OUT}/${f})
      message(FATAL_ERROR "run ${run} did not write ${OUT}/${f}")
    endif()
  endforeach()
endforeach()
foreach(pair "stats1.json;stats2.json" "trace1.vcd;trace2.vcd")
  list(GET pair 0 a)
  list(GET pair 1 b)
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT}/${a} ${OUT}/${b} RESULT_VARIABLE differ)
  if(NOT differ EQUAL 0)
    message(FATAL_ERROR "${OUT}/${a} and ${OUT}/${b} differ: the simulation is not deterministic")
  endif()
endforeach()
file(READ ${OUT}/trace1.vcd header LIMIT 8192)
if(NOT header MATCHES "^[ \t\r\n]*\\$(date|version|comment|timescale)[ \t\r\n]")
  message(FATAL_ERROR "trace1.vcd does not start with a VCD header:\n${header}")
endif()
if(NOT header MATCHES "\\$enddefinitions")
  message(FATAL_ERROR "no $enddefinitions in the first 8 KiB of trace1.vcd")
endif()
# tpu.mxu.table3_category: a scope mxu holding the variable, inside the scope tpu.
set(var "\\$var [^\n]*\n")
if(NOT header MATCHES "\\$scope module tpu \\$end\n.*\\$scope module mxu \\$end\n(${var})*\\$var wire +[0-9]+ +[^ ]+ +table3_category[ \\[]")
  message(FATAL_ERROR "trace1.vcd has no variable tpu.mxu.table3_category:\n${header}")
endif()
file(READ ${OUT}/stats1.json stats)
if(NOT stats MATCHES "\"mismatches\": *0[^0-9]")
  message(FATAL_ERROR "stats1.json does not report 0 golden mismatches")
endif()
message("stats and VCD identical over two runs; VCD header and tpu.mxu.table3_category present")
]=])
add_test(NAME cli.determinism
         COMMAND ${CMAKE_COMMAND} -DTPU_SIM=$<TARGET_FILE:tpu-sim> -DCONFIG=${TPU_SMALL} -DWORKLOAD=${TPU_DIGITS}
                 -DOUT=${TPU_CLI_DIR} -P ${TPU_CLI_DIR}/determinism.cmake)
set_tests_properties(cli.determinism PROPERTIES LABELS cli TIMEOUT 10 ENVIRONMENT "SC_COPYRIGHT_MESSAGE=DISABLE")

# The same determinism with the PE-by-PE SystemC array (mxu.model: cycle) and the Verilated RTL
# (mxu.model: rtl, when Verilator was found) behind the MXU, on copies of small.yaml made here,
# and for a large network (ResNet-50 on TPU v1, whose DRAM traffic fills its VCD).
file(READ ${TPU_SMALL} _small)
set(_models cycle)
if(TPU_HAVE_VERILATOR)
  list(APPEND _models rtl)
endif()
foreach(_model IN LISTS _models)
  string(REPLACE "\nmxu:\n" "\nmxu:\n  model: ${_model}\n" _config "${_small}")
  if(_config STREQUAL _small)
    message(FATAL_ERROR "tests/tools/tpu_sim/cli_tests.cmake: no 'mxu:' section in ${TPU_SMALL}")
  endif()
  file(WRITE ${TPU_CLI_DIR}/small_${_model}.yaml "${_config}")
  file(MAKE_DIRECTORY ${TPU_CLI_DIR}/determinism_${_model})
  add_test(NAME cli.determinism.${_model}
           COMMAND ${CMAKE_COMMAND} -DTPU_SIM=$<TARGET_FILE:tpu-sim> -DCONFIG=${TPU_CLI_DIR}/small_${_model}.yaml
                   -DWORKLOAD=${TPU_DIGITS} -DOUT=${TPU_CLI_DIR}/determinism_${_model} -P ${TPU_CLI_DIR}/determinism.cmake)
  set_tests_properties(cli.determinism.${_model} PROPERTIES LABELS cli TIMEOUT 300 ENVIRONMENT "SC_COPYRIGHT_MESSAGE=DISABLE")
endforeach()
file(MAKE_DIRECTORY ${TPU_CLI_DIR}/determinism_resnet50)
add_test(NAME cli.determinism.resnet50
         COMMAND ${CMAKE_COMMAND} -DTPU_SIM=$<TARGET_FILE:tpu-sim> -DCONFIG=${TPU_V1}
                 -DWORKLOAD=${PROJECT_SOURCE_DIR}/traces/resnet50/workload.yaml -DBATCH=
                 -DOUT=${TPU_CLI_DIR}/determinism_resnet50 -P ${TPU_CLI_DIR}/determinism.cmake)
set_tests_properties(cli.determinism.resnet50 PROPERTIES LABELS "cli;networks" TIMEOUT 600
                     ENVIRONMENT "SC_COPYRIGHT_MESSAGE=DISABLE")

# DMI off (--no-dmi): the MXU moves accumulator rows and Convolve's input lines by b_transport
# instead; outputs, counters and VCD must be the same, except that no byte went by DMI
# (tpu.unified_buffer and tpu.accumulators: dmi_bytes_read/written, > 0 with DMI, 0 without).
file(WRITE ${TPU_CLI_DIR}/dmi_off.cmake [=[
foreach(run dmi nodmi)
  set(extra "")
  if(run STREQUAL "nodmi")
    set(extra --no-dmi)
  endif()
  file(REMOVE ${OUT}/${run}.json ${OUT}/${run}.vcd)
  execute_process(COMMAND ${TPU_SIM} --config ${CONFIG} --workload ${WORKLOAD} --quiet ${extra}
                          --stats ${OUT}/${run}.json --vcd ${OUT}/${run}.vcd
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${run}: exit code ${rc}\n${out}${err}")
  endif()
  file(READ ${OUT}/${run}.json json_${run})
endforeach()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT}/dmi.vcd ${OUT}/nodmi.vcd RESULT_VARIABLE differ)
if(NOT differ EQUAL 0)
  message(FATAL_ERROR "the VCDs with and without DMI differ")
endif()
foreach(run dmi nodmi)
  set(sum 0)
  foreach(mem unified_buffer accumulators)
    foreach(key dmi_bytes_read dmi_bytes_written)
      string(JSON v GET "${json_${run}}" tpu ${mem} ${key})
      math(EXPR sum "${sum} + ${v}")
      string(JSON json_${run} REMOVE "${json_${run}}" tpu ${mem} ${key})
    endforeach()
  endforeach()
  set(dmi_sum_${run} ${sum})
endforeach()
if(NOT dmi_sum_dmi GREATER 0)
  message(FATAL_ERROR "with DMI, no byte went by DMI")
endif()
if(NOT dmi_sum_nodmi EQUAL 0)
  message(FATAL_ERROR "with --no-dmi, ${dmi_sum_nodmi} bytes went by DMI")
endif()
if(NOT json_dmi STREQUAL json_nodmi)
  message(FATAL_ERROR "the stats with and without DMI differ beyond the DMI byte counts")
endif()
message("same stats and VCD with and without DMI; ${dmi_sum_dmi} bytes by DMI")
]=])
foreach(config small tpu_v1)
  add_test(NAME cli.dmi_off_same_results.${config}
           COMMAND ${CMAKE_COMMAND} -DTPU_SIM=$<TARGET_FILE:tpu-sim> -DCONFIG=${PROJECT_SOURCE_DIR}/configs/${config}.yaml
                   -DWORKLOAD=${PROJECT_SOURCE_DIR}/traces/conv_small/workload.yaml -DOUT=${TPU_CLI_DIR}/dmi_${config}
                   -P ${TPU_CLI_DIR}/dmi_off.cmake)
  set_tests_properties(cli.dmi_off_same_results.${config} PROPERTIES LABELS cli TIMEOUT 30
                       ENVIRONMENT "SC_COPYRIGHT_MESSAGE=DISABLE")
  file(MAKE_DIRECTORY ${TPU_CLI_DIR}/dmi_${config})
endforeach()

# A golden mismatch: a copy of the digits workload whose golden file has one byte flipped
# (byte 100, bit 0), made at configure time; tpu-sim must report 1 difference and exit 3.
set(bad ${TPU_CLI_DIR}/digits_bad_golden)
file(MAKE_DIRECTORY ${bad})
foreach(f workload.yaml inputs.i8 labels.u8 fc1.w.i8 fc1.b.i32 fc2.w.i8 fc2.b.i32 fc3.w.i8 fc3.b.i32)
  configure_file(${PROJECT_SOURCE_DIR}/traces/digits/${f} ${bad}/${f} COPYONLY)
endforeach()
set(golden ${PROJECT_SOURCE_DIR}/traces/digits/golden.i8)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${golden})
file(SIZE ${golden} golden_size)
math(EXPR after "${golden_size} - 101")
file(READ ${golden} head_hex LIMIT 100 HEX)
file(READ ${golden} byte_hex OFFSET 100 LIMIT 1 HEX)
file(READ ${golden} tail_hex OFFSET 101 HEX)
math(EXPR flipped "0x${byte_hex} ^ 1")
if(flipped EQUAL 0)  # CMake strings cannot hold a NUL byte: flip bit 1 instead
  math(EXPR flipped "0x${byte_hex} ^ 2")
endif()
# Head and tail are copied byte for byte with ranged file:// downloads (binary safe).
file(DOWNLOAD "file://${golden}" ${bad}/golden.head RANGE_START 0 RANGE_END 99 STATUS st1)
file(DOWNLOAD "file://${golden}" ${bad}/golden.tail RANGE_START 101 STATUS st2)
string(ASCII ${flipped} flipped_char)
file(WRITE ${bad}/golden.byte "${flipped_char}")
execute_process(COMMAND ${CMAKE_COMMAND} -E cat golden.head golden.byte golden.tail
                WORKING_DIRECTORY ${bad} OUTPUT_FILE ${bad}/golden.i8 RESULT_VARIABLE cat_rc)
file(READ ${bad}/golden.i8 new_head_hex LIMIT 100 HEX)
file(READ ${bad}/golden.i8 new_byte_hex OFFSET 100 LIMIT 1 HEX)
file(READ ${bad}/golden.i8 new_tail_hex OFFSET 101 HEX)
file(SIZE ${bad}/golden.i8 new_size)
math(EXPR new_byte "0x${new_byte_hex}")
if(NOT cat_rc EQUAL 0 OR NOT new_size EQUAL golden_size OR NOT new_head_hex STREQUAL head_hex
   OR NOT new_tail_hex STREQUAL tail_hex OR NOT new_byte EQUAL flipped)
  message(WARNING "tests/tools/tpu_sim/cli_tests.cmake: could not make ${bad}/golden.i8 with one byte flipped "
                  "(download status ${st1} / ${st2}, cat ${cat_rc}); cli.golden_mismatch will fail")
  file(REMOVE ${bad}/golden.i8)
endif()
file(REMOVE ${bad}/golden.head ${bad}/golden.byte ${bad}/golden.tail)
tpu_cli_test(cli.golden_mismatch 3
  EXPECT "golden +1 mismatches in 17970 int8 outputs" "tpu-sim: 1 of 17970 outputs differ from the golden data"
  ARGS --config ${TPU_SMALL} --workload ${bad}/workload.yaml --batch 64)

# tpu-sim --program: programs written by hand, their images, read-backs and errors.
include(${CMAKE_CURRENT_LIST_DIR}/program_tests.cmake)
