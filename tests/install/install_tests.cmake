# The installed package (cmake/install.cmake): label "install". Included from tests/tests.cmake.
# install.package installs this build into a directory under the build tree and checks the tree
# and the pkg-config file (install_check.cmake).
set(TPU_INSTALL_TEST_PREFIX ${CMAKE_BINARY_DIR}/install-test)
add_test(NAME install.package
         COMMAND ${CMAKE_COMMAND} -DBUILD=${CMAKE_BINARY_DIR} -DPREFIX=${TPU_INSTALL_TEST_PREFIX}/pkgconfig
                 -DCXX=${CMAKE_CXX_COMPILER} -DSOURCE=${CMAKE_CURRENT_LIST_DIR}/pc_consumer.cpp
                 -P ${CMAKE_CURRENT_LIST_DIR}/install_check.cmake)
# Both install tests run cmake --install on this build, which rewrites its install_manifest.txt.
set_tests_properties(install.package PROPERTIES LABELS install TIMEOUT 300 ENVIRONMENT "SC_COPYRIGHT_MESSAGE=DISABLE"
                     RESOURCE_LOCK tpu_install)

# install.example_tlm_platform: examples/tlm_platform (the TPU next to the user's own TLM-2.0
# memory and bus) configured, built and run as a separate CMake project against the package
# installed under the build tree (example_platform.cmake). Needs a plain python3 for the
# example program's data.
if(EXISTS "${TPU_PYTHON}")
  add_test(NAME install.example_tlm_platform
           COMMAND ${CMAKE_COMMAND} -DBUILD=${CMAKE_BINARY_DIR} -DPREFIX=${TPU_INSTALL_TEST_PREFIX}/cmake
                   -DOUT=${TPU_INSTALL_TEST_PREFIX}/tlm_platform -DSOURCE_DIR=${PROJECT_SOURCE_DIR}
                   -DPYTHON=${TPU_PYTHON} -DEXAMPLE=tlm_platform "-DGENERATOR=${CMAKE_GENERATOR}"
                   -P ${CMAKE_CURRENT_LIST_DIR}/example_platform.cmake)
  set_tests_properties(install.example_tlm_platform PROPERTIES LABELS install TIMEOUT 600 RESOURCE_LOCK tpu_install)
endif()
