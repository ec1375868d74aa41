# The waveforms as a person reads them (label "gtkwave"): tpu-sim writes a VCD, a headless GTKWave
# (xvfb-run) opens it with the shipped save file scripts/tpu_sim.gtkw and its translate filters
# (scripts/gtkwave/*.txt), zooms to 2 us of the run and grabs the window to a PNG. The test fails
# if a signal of the save file is missing from the VCD, a filter file is missing or GTKWave cannot
# open it, or no PNG (of at least 800x600 pixels) is written. The screenshot stays in
# ${CMAKE_BINARY_DIR}/gtkwave/tpu_sim.png for a person to look at.
# Included from tests/tests.cmake when cmake/requirements.cmake found gtkwave and xvfb-run
# (TPU_HAVE_GTKWAVE).

set(TPU_GTKWAVE_DIR ${CMAKE_BINARY_DIR}/gtkwave)
file(MAKE_DIRECTORY ${TPU_GTKWAVE_DIR})
add_test(NAME gtkwave.screenshot
         COMMAND ${CMAKE_COMMAND} -DTPU_SIM=$<TARGET_FILE:tpu-sim> -DGTKWAVE=${TPU_GTKWAVE} -DXVFB_RUN=${TPU_XVFB_RUN}
                 -DSOURCE=${PROJECT_SOURCE_DIR} -DOUT=${TPU_GTKWAVE_DIR}
                 -P ${PROJECT_SOURCE_DIR}/tests/tools/tpu_sim/gtkwave_screenshot.cmake)
set_tests_properties(gtkwave.screenshot PROPERTIES LABELS "gtkwave;cli" TIMEOUT 120
                     ENVIRONMENT "SC_COPYRIGHT_MESSAGE=DISABLE")
