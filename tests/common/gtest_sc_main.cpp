// Entry point for the GoogleTest executables: SystemC's library owns main() and calls sc_main().
#include <gtest/gtest.h>
#include <systemc>

#include <cstdlib>

namespace {
// SystemC prints its banner before sc_main() unless this is set; test discovery at build time
// runs these binaries, and the banner would clutter every build log.
const int kNoBanner = setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 0);
}  // namespace

int sc_main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
