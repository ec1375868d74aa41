# Run by the test gtkwave.screenshot (tests/tools/tpu_sim/gtkwave_tests.cmake) with TPU_SIM,
# GTKWAVE, XVFB_RUN, SOURCE (the repository root) and OUT (a directory for the VCD and the PNG).
cmake_policy(VERSION 3.22)

# 1. A VCD of the digits MLP on the 16x16 chip.
file(REMOVE ${OUT}/tpu_sim.vcd ${OUT}/tpu_sim.png)
execute_process(COMMAND ${TPU_SIM} --config ${SOURCE}/configs/small.yaml --workload ${SOURCE}/traces/digits/workload.yaml
                        --batch 64 --quiet --vcd ${OUT}/tpu_sim.vcd
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "tpu-sim: exit code ${rc}\n${out}${err}")
endif()

# 2. Every signal the save file shows is in the VCD, and every filter file it names exists.
# The VCD header's dotted names, from its $scope / $var / $upscope lines:
file(STRINGS ${OUT}/tpu_sim.vcd header LIMIT_INPUT 65536 REGEX "^\\$(scope|var|upscope|enddefinitions)")
set(scopes "")
set(names "")
foreach(line IN LISTS header)
  if(line MATCHES "^\\$scope module ([^ ]+) ")
    list(APPEND scopes ${CMAKE_MATCH_1})
  elseif(line MATCHES "^\\$upscope")
    list(POP_BACK scopes)
  elseif(line MATCHES "^\\$var wire +[0-9]+ +[^ ]+ +([^ ]+) ")
    string(REPLACE ";" "." prefix "${scopes}")
    list(APPEND names "${prefix}.${CMAKE_MATCH_1}")
  elseif(line MATCHES "^\\$enddefinitions")
    break()
  endif()
endforeach()
file(STRINGS ${SOURCE}/scripts/tpu_sim.gtkw lines)
set(signals 0)
set(filters 0)
foreach(line IN LISTS lines)
  if(line MATCHES "^\\^[0-9]+ (.+)$")
    math(EXPR filters "${filters} + 1")
    if(NOT EXISTS ${SOURCE}/${CMAKE_MATCH_1})
      message(FATAL_ERROR "scripts/tpu_sim.gtkw names the filter ${CMAKE_MATCH_1}, which does not exist")
    endif()
  elseif(line MATCHES "^([a-z_0-9]+(\\.[a-z_0-9]+)+)(\\[[0-9]+:0\\])?$")
    math(EXPR signals "${signals} + 1")
    if(NOT CMAKE_MATCH_1 IN_LIST names)
      message(FATAL_ERROR "scripts/tpu_sim.gtkw shows ${CMAKE_MATCH_1}, which is not in the VCD")
    endif()
  endif()
endforeach()
if(signals LESS 20 OR filters LESS 10)
  message(FATAL_ERROR "scripts/tpu_sim.gtkw: only ${signals} signals and ${filters} filters found")
endif()

# 3. GTKWave, headless, from the repository root (the save file's filter paths are relative to
# it): zoom to 40-42 us (the MXU, the weight FIFO and the activation unit busy), grab, quit.
file(WRITE ${OUT}/grab.tcl "gtkwave::setZoomRangeTimes 40000000000 42000000000\n"
                           "gtkwave::/File/Grab_To_File ${OUT}/tpu_sim.png\n"
                           "gtkwave::/File/Quit\n")
execute_process(COMMAND ${XVFB_RUN} -a -s "-screen 0 1600x1000x24"
                        ${GTKWAVE} -S ${OUT}/grab.tcl ${OUT}/tpu_sim.vcd scripts/tpu_sim.gtkw
                WORKING_DIRECTORY ${SOURCE} TIMEOUT 90
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "xvfb-run gtkwave: exit code ${rc}\n${out}${err}")
endif()
if("${out}${err}" MATCHES "Could not open filter file")
  message(FATAL_ERROR "GTKWave could not open a translate filter of scripts/tpu_sim.gtkw:\n${out}${err}")
endif()

# 4. A PNG: its signature, and an IHDR of at least 800x600 pixels.
if(NOT EXISTS ${OUT}/tpu_sim.png)
  message(FATAL_ERROR "GTKWave wrote no screenshot ${OUT}/tpu_sim.png\n${out}${err}")
endif()
file(READ ${OUT}/tpu_sim.png head LIMIT 24 HEX)
if(NOT head MATCHES "^89504e470d0a1a0a0000000d49484452")
  message(FATAL_ERROR "${OUT}/tpu_sim.png is not a PNG (starts ${head})")
endif()
string(SUBSTRING "${head}" 32 8 w_hex)
string(SUBSTRING "${head}" 40 8 h_hex)
math(EXPR width "0x${w_hex}")
math(EXPR height "0x${h_hex}")
if(width LESS 800 OR height LESS 600)
  message(FATAL_ERROR "${OUT}/tpu_sim.png is ${width}x${height} pixels, expected at least 800x600")
endif()
message("${signals} signals and ${filters} filters of scripts/tpu_sim.gtkw; screenshot ${OUT}/tpu_sim.png, ${width}x${height}")
