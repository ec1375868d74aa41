# The installed package (cmake/install.cmake): label "install". Included from tests/tests.cmake.
# install.package installs this build into a directory under the build tree and checks the tree
# and the pkg-config file (install_check.cmake).
set(TPU_INSTALL_TEST_PREFIX ${CMAKE_BINARY_DIR}/install-test)
add_test(NAME install.package
         COMMAND ${CMAKE_COMMAND} -DBUILD=${CMAKE_BINARY_DIR} -DPREFIX=${TPU_INSTALL_TEST_PREFIX}/pkgconfig
                 -DCXX=${CMAKE_CXX_COMPILER} -DSOURCE=${CMAKE_CURRENT_LIST_DIR}/pc_consumer.cpp
                 -P ${CMAKE_CURRENT_LIST_DIR}/install_check.cmake)
set_tests_properties(install.package PROPERTIES LABELS install TIMEOUT 300 ENVIRONMENT "SC_COPYRIGHT_MESSAGE=DISABLE")
