# Bad input through the programs (label "badinput"): tests/tools/badinput/bad_inputs.py runs the
# fuzz corpora's seeds, each broken by one deterministic mutation, and hand-made bad files
# through tpu-sim (--config, --workload, --program) and dram-bench (--trace), and checks exit
# status 1 or 2, a message naming the file and the line, key or instruction, and that no output
# file is left. Included from tests/tests.cmake; needs only a plain python3.
if(EXISTS "${TPU_PYTHON}")
  foreach(kind config workload network program trace)
    if(kind STREQUAL "trace")
      set(tool dram-bench)
    else()
      set(tool tpu-sim)
    endif()
    add_test(NAME badinput.${kind}
             COMMAND ${TPU_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/bad_inputs.py ${kind} --tool $<TARGET_FILE:${tool}>
                     --source-dir ${PROJECT_SOURCE_DIR} --work ${CMAKE_BINARY_DIR}/badinput)
    set_tests_properties(badinput.${kind} PROPERTIES LABELS badinput TIMEOUT 600)
  endforeach()
endif()
