# libFuzzer targets (fuzz/README.md), one per parser of outside input, each with a seed corpus in
# fuzz/corpus/<target>/ made from the repository's own files. Included by the top CMakeLists.txt
# when TPU_FUZZ=ON (cmake/sanitize.cmake: clang, ASan + UBSan, coverage on the model's libraries).
#
# ctest -L fuzz runs every target for a bounded time over its corpus (fuzz.<target>): any crash,
# sanitizer report, uncaught exception, time-out (-timeout, seconds per input) or out-of-memory
# fails the test. New inputs go to the build directory, never into the source corpus.

set(TPU_FUZZ_TARGETS isa_decode isa_assemble config workload network dram_trace)
set(TPU_FUZZ_SMOKE_SECONDS 20 CACHE STRING "Seconds each fuzz.<target> smoke test fuzzes")

foreach(t ${TPU_FUZZ_TARGETS})
  add_executable(fuzz_${t} ${PROJECT_SOURCE_DIR}/fuzz/fuzz_${t}.cpp)
  target_compile_options(fuzz_${t} PRIVATE -fsanitize=fuzzer)
  target_link_options(fuzz_${t} PRIVATE -fsanitize=fuzzer)
  target_link_libraries(fuzz_${t} PRIVATE tpu_host dram_bench)
  set(work ${CMAKE_BINARY_DIR}/fuzz/${t})
  file(MAKE_DIRECTORY ${work}/corpus)
  add_test(NAME fuzz.${t}
           COMMAND fuzz_${t} -max_total_time=${TPU_FUZZ_SMOKE_SECONDS} -timeout=10 -rss_limit_mb=2048
                   -print_final_stats=1 -artifact_prefix=${work}/ ${work}/corpus
                   ${PROJECT_SOURCE_DIR}/fuzz/corpus/${t})
  set_tests_properties(fuzz.${t} PROPERTIES LABELS fuzz TIMEOUT 300
                       ENVIRONMENT "SC_COPYRIGHT_MESSAGE=DISABLE")
endforeach()
