# tpu-sweep (scripts/tpu_sweep.py) on Dask, labels "scripts" and "sweep": a tiny sweep on a
# LocalCluster (twice: identical results.csv), the resume path, a failing point, and a
# dask-scheduler with two dask-worker processes (scripts/test_tpu_sweep.py documents each case).
# Included by tests/tests.cmake when cmake/requirements.cmake found Dask (TPU_HAVE_DASK).
foreach(_case local resume failing cluster)
  add_test(NAME scripts.tpu_sweep.${_case}
           COMMAND ${TPU_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/test_tpu_sweep.py ${_case} $<TARGET_FILE:tpu-sim>
                   ${CMAKE_BINARY_DIR}/tpu_sweep_test/${_case})
  # RUN_SERIAL: each case starts Dask workers of its own (two processes), which would contend
  # for the cores with the other cases and each other.
  set_tests_properties(scripts.tpu_sweep.${_case} PROPERTIES LABELS "scripts;sweep" TIMEOUT 180 RUN_SERIAL ON
                       ENVIRONMENT "SC_COPYRIGHT_MESSAGE=DISABLE")
endforeach()
