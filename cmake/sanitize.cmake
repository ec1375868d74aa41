# Sanitizer and fuzzing builds (docs: fuzz/README.md). Included by the top CMakeLists.txt before
# any target, so the flags reach every library, program and test.
#
#   -DTPU_SANITIZE=ON  AddressSanitizer + UndefinedBehaviorSanitizer on everything (g++ or clang);
#                      any report fails the program (UBSan does not recover). Use a build
#                      directory of its own (e.g. build-asan).
#   -DTPU_FUZZ=ON      the libFuzzer targets in fuzz/ and their smoke tests (ctest -L fuzz); needs
#                      clang (CXX=clang++-14, Debian's libclang-rt-14-dev has libFuzzer) and implies
#                      TPU_SANITIZE. The model's libraries get libFuzzer's coverage instrumentation.

option(TPU_SANITIZE "Build everything with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(TPU_FUZZ "Build the libFuzzer targets in fuzz/ (clang only; implies TPU_SANITIZE)" OFF)

if(TPU_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "TPU_FUZZ needs clang for libFuzzer, but CMAKE_CXX_COMPILER is ${CMAKE_CXX_COMPILER_ID} "
                        "(${CMAKE_CXX_COMPILER}): configure a fresh build directory with CXX=clang++-14 "
                        "(Debian packages clang-14, libclang-rt-14-dev; scripts/setup.sh installs them)")
  endif()
  set(TPU_SANITIZE ON)
endif()

if(TPU_SANITIZE)
  set(TPU_SANITIZE_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_compile_options(${TPU_SANITIZE_FLAGS})
  add_link_options(${TPU_SANITIZE_FLAGS})
  message(STATUS "TPU_SANITIZE: building with ${TPU_SANITIZE_FLAGS}")
endif()

# tpu_fuzz_instrument(<target>...): libFuzzer's coverage instrumentation on the model's libraries,
# so that the fuzz targets linking them are guided by their code (called after they exist).
function(tpu_fuzz_instrument)
  if(TPU_FUZZ)
    foreach(t ${ARGN})
      target_compile_options(${t} PRIVATE -fsanitize=fuzzer-no-link)
    endforeach()
  endif()
endfunction()

# tpu_sanitize_exempt(<target>...): build these without the sanitizers. For Verilator's generated
# C++ (model/mxu/rtl/rtl.cmake: functions of ~1 MB of source per file), which clang and g++ take
# many minutes per file to compile with -fsanitize=address (and debug info); the model code around it, the
# transactor and every test stay instrumented, and ASan's runtime still checks their accesses.
function(tpu_sanitize_exempt)
  if(TPU_SANITIZE)
    foreach(t ${ARGN})
      if(TARGET ${t})
        target_compile_options(${t} PRIVATE -fno-sanitize=all -g0)
      endif()
    endforeach()
  endif()
endfunction()

# tpu_sanitize_executables(): every executable of this directory but the fuzz targets gets
# cmake/sanitizer_defaults.cpp (no leak checking: LeakSanitizer cannot see SystemC's coroutine
# stacks; that file says why). Called at the end of the top CMakeLists.txt, after every target.
function(tpu_sanitize_executables)
  if(TPU_SANITIZE)
    get_property(targets DIRECTORY ${PROJECT_SOURCE_DIR} PROPERTY BUILDSYSTEM_TARGETS)
    foreach(t ${targets})
      get_target_property(type ${t} TYPE)
      if(type STREQUAL "EXECUTABLE" AND NOT t MATCHES "^fuzz_")
        target_sources(${t} PRIVATE ${PROJECT_SOURCE_DIR}/cmake/sanitizer_defaults.cpp)
      endif()
    endforeach()
  endif()
endfunction()

# tpu_sanitize_test_timeouts(): ASan + UBSan make the programs 2-3x slower (the network runs of
# ctest -L networks took 85-119 s of their 120 s on the shared 2-core machine), so the TIMEOUT of
# every test added with add_test in this directory is tripled in a sanitizer build. Timeouts
# stop hangs; they are not a speed requirement. Called at the end of the top CMakeLists.txt.
function(tpu_sanitize_test_timeouts)
  if(TPU_SANITIZE)
    get_property(tests DIRECTORY ${PROJECT_SOURCE_DIR} PROPERTY TESTS)
    foreach(t ${tests})
      get_test_property(${t} TIMEOUT timeout)
      if(timeout AND NOT t MATCHES "^fuzz\\.")
        math(EXPR timeout "${timeout} * 3")
        set_tests_properties(${t} PROPERTIES TIMEOUT ${timeout})
      endif()
    endforeach()
  endif()
endfunction()
