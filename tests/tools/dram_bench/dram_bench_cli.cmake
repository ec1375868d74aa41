# Command-line tests of dram-bench: help, exit codes (0 ok, 1 error, 2 bad command line),
# messages naming the file and line of a malformed trace, and --json printing exactly one JSON
# object with the report's keys. Included from tests/tests.cmake; label "cli" (ctest -L cli), names
# dram_bench.cli.* (ctest -R dram_bench).
#
# Each test runs dram-bench through tests/common/cli_run.cmake (exit code AND output), with the
# cli_test() function of tests/common/cli_test.cmake.

set(DRAM_BENCH_CLI_DIR ${CMAKE_BINARY_DIR}/dram_bench_cli)
file(MAKE_DIRECTORY ${DRAM_BENCH_CLI_DIR})

# dram_bench_cli_test(<name> <expected exit code> [JSON] [DEFS <-Dvar=value>...]
#                     [EXPECT <regex>...] ARGS <dram-bench arguments...>)
# JSON: stdout must be one JSON object with the report's keys (tests/tools/dram_bench/dram_bench_json_check.cmake).
function(dram_bench_cli_test name rc)
  cmake_parse_arguments(PARSE_ARGV 2 T "JSON" "" "DEFS;EXPECT;ARGS")
  set(defs ${T_DEFS})
  if(T_JSON)
    list(APPEND defs -DCHECK_SCRIPT=${PROJECT_SOURCE_DIR}/tests/tools/dram_bench/dram_bench_json_check.cmake)
  endif()
  cli_test(${name} ${rc} PROGRAM dram-bench TIMEOUT 30 DEFS ${defs} EXPECT ${T_EXPECT} ARGS ${T_ARGS})
endfunction()

set(DB_DDR3_1600 ${PROJECT_SOURCE_DIR}/configs/dram/ddr3_1600.yaml)
set(DB_HBM2 ${PROJECT_SOURCE_DIR}/configs/dram/hbm2.yaml)
set(DB_TPU_V1 ${PROJECT_SOURCE_DIR}/configs/tpu_v1.yaml)

# Traces written at configure time.
file(WRITE ${DRAM_BENCH_CLI_DIR}/good.trace
     "# address command cycle\n0x0 READ 0\n0x40 READ 0\n\n0x2000 WRITE 3   # another bank\n0x10000 READ 9\n")
file(WRITE ${DRAM_BENCH_CLI_DIR}/malformed.trace "# header\n0x0 READ 0\n0x40 FETCH 1\n")
file(WRITE ${DRAM_BENCH_CLI_DIR}/bandwidth_latency.yaml "name: bl\ndram:\n  model: bandwidth_latency\n")

# --help: exit 0, every option and the trace formats documented.
dram_bench_cli_test(dram_bench.cli.help 0
  EXPECT "--config" "--trace" "--pattern" "--requests" "--write-fraction" "--seed" "--footprint" "--mode"
         "--outstanding" "--tlm" "--json" "--help" "0xADDRESS READ\\|WRITE CYCLE" "0xADDRESS R\\|W" "Exit status"
  ARGS --help)

# Bad command lines: exit 2 with a hint.
dram_bench_cli_test(dram_bench.cli.unknown_option 2
  EXPECT "unrecognised option '--bogus'" "Try 'dram-bench --help'" ARGS --bogus)
dram_bench_cli_test(dram_bench.cli.no_config 2 EXPECT "--config FILE is required" ARGS --pattern sequential)
dram_bench_cli_test(dram_bench.cli.no_workload 2 EXPECT "give either --trace FILE or --pattern NAME"
  ARGS --config ${DB_DDR3_1600})
dram_bench_cli_test(dram_bench.cli.trace_and_pattern 2 EXPECT "give either --trace FILE or --pattern NAME"
  ARGS --config ${DB_DDR3_1600} --pattern random --trace ${DRAM_BENCH_CLI_DIR}/good.trace)
dram_bench_cli_test(dram_bench.cli.bad_pattern 2 EXPECT "--pattern must be sequential, random or random_rw"
  ARGS --config ${DB_DDR3_1600} --pattern strided)
dram_bench_cli_test(dram_bench.cli.negative_requests 2 EXPECT "--requests must be a non-negative integer"
  ARGS --config ${DB_DDR3_1600} --pattern random --requests -5)
dram_bench_cli_test(dram_bench.cli.write_fraction_range 2 EXPECT "--write-fraction must be between 0 and 1"
  ARGS --config ${DB_DDR3_1600} --pattern random_rw --write-fraction 1.5)
dram_bench_cli_test(dram_bench.cli.write_fraction_needs_random_rw 2
  EXPECT "--write-fraction applies to --pattern random_rw only"
  ARGS --config ${DB_DDR3_1600} --pattern random --write-fraction 0.2)
dram_bench_cli_test(dram_bench.cli.outstanding_zero 2 EXPECT "--outstanding must be between 1 and"
  ARGS --config ${DB_DDR3_1600} --pattern random --outstanding 0)
dram_bench_cli_test(dram_bench.cli.outstanding_open 2 EXPECT "--outstanding applies to --mode closed only"
  ARGS --config ${DB_DDR3_1600} --pattern random --mode open --outstanding 4)
dram_bench_cli_test(dram_bench.cli.bad_mode 2 EXPECT "--mode must be open or closed"
  ARGS --config ${DB_DDR3_1600} --pattern random --mode half)
dram_bench_cli_test(dram_bench.cli.footprint_too_large 2 EXPECT "--footprint 8589934592 exceeds the capacity"
  ARGS --config ${DB_DDR3_1600} --pattern random --footprint 8589934592)

# Errors in files: exit 1, naming the file (and the line).
dram_bench_cli_test(dram_bench.cli.malformed_trace 1
  EXPECT "dram-bench: error: " "malformed\\.trace:3: unknown command 'FETCH'"
  ARGS --config ${DB_DDR3_1600} --trace ${DRAM_BENCH_CLI_DIR}/malformed.trace)
dram_bench_cli_test(dram_bench.cli.missing_trace 1 EXPECT "no_such\\.trace: cannot open trace file"
  ARGS --config ${DB_DDR3_1600} --trace ${DRAM_BENCH_CLI_DIR}/no_such.trace)
dram_bench_cli_test(dram_bench.cli.missing_config 1 EXPECT "no_such_config\\.yaml: cannot open"
  ARGS --config ${DRAM_BENCH_CLI_DIR}/no_such_config.yaml --pattern sequential)
dram_bench_cli_test(dram_bench.cli.not_jedec 1 EXPECT "dram\\.model is 'bandwidth_latency'; dram-bench needs the jedec model"
  ARGS --config ${DRAM_BENCH_CLI_DIR}/bandwidth_latency.yaml --pattern sequential)

# Runs: a text report; a whole-chip config with a preset (only its dram section is used).
dram_bench_cli_test(dram_bench.cli.trace_text 0
  EXPECT "requests +4 \\(3 reads, 1 writes" "bandwidth +[0-9.]+ GB/s = [0-9.]+% of peak 12\\.80 GB/s"
         "read latency +mean [0-9.]+ ns, p50 [0-9.]+, p90 [0-9.]+, p99 [0-9.]+, max [0-9.]+ ns"
         "row buffer +hit rate" "commands +ACT [0-9]+, PRE [0-9]+.*RD 3, WR 1, REF" "requests/s"
  ARGS --config ${DB_DDR3_1600} --trace ${DRAM_BENCH_CLI_DIR}/good.trace --mode open)
dram_bench_cli_test(dram_bench.cli.tpu_v1_preset 0 EXPECT "DDR3, 2 channels" "peak 34\\.13 GB/s"
  ARGS --config ${DB_TPU_V1} --pattern sequential --requests 2000)

# --json: exactly one JSON object, with either engine.
dram_bench_cli_test(dram_bench.cli.json 0 JSON DEFS -DJSON_ENGINE=direct -DJSON_REQUESTS=5000
  ARGS --config ${DB_HBM2} --pattern random_rw --requests 5000 --json)
dram_bench_cli_test(dram_bench.cli.json_tlm 0 JSON DEFS -DJSON_ENGINE=tlm -DJSON_REQUESTS=4
  ARGS --config ${DB_DDR3_1600} --trace ${DRAM_BENCH_CLI_DIR}/good.trace --tlm --json)
