# tpu-sim --program (a program written by hand, docs/isa.md): the shipped example programs against
# their independently computed outputs, binary images, and errors on bad programs, images and
# options. Included from tests/tools/tpu_sim/cli_tests.cmake; label "cli".

set(TPU_PROG_DIR ${TPU_CLI_DIR}/program)
file(MAKE_DIRECTORY ${TPU_PROG_DIR})

# The example programs need only a plain python3 (make_data.py uses no modules).
if(EXISTS "${TPU_PYTHON}")
  add_test(NAME cli.program_example_dense_relu
           COMMAND ${CMAKE_COMMAND} -DTPU_SIM=$<TARGET_FILE:tpu-sim> -DPYTHON=${TPU_PYTHON}
                   -DEXAMPLE=${PROJECT_SOURCE_DIR}/examples/programs/dense_relu -DCONFIG=${TPU_SMALL}
                   -DOUT_ADDR=0x80 -DOUT_BYTES=64 -DOUT=${TPU_PROG_DIR}/dense_relu
                   -P ${CMAKE_CURRENT_LIST_DIR}/program_run.cmake)
  add_test(NAME cli.program_binary
           COMMAND ${CMAKE_COMMAND} -DTPU_SIM=$<TARGET_FILE:tpu-sim> -DPYTHON=${TPU_PYTHON} -DCONFIG=${TPU_SMALL}
                   -DOUT=${TPU_PROG_DIR}/binary -P ${CMAKE_CURRENT_LIST_DIR}/program_binary.cmake)
  set_tests_properties(cli.program_example_dense_relu cli.program_binary PROPERTIES LABELS cli TIMEOUT 60
                       ENVIRONMENT "SC_COPYRIGHT_MESSAGE=DISABLE")
endif()

# Errors in the program: exit 1 naming the file and the line.
file(WRITE ${TPU_PROG_DIR}/bad_operand.s "nop\nhalt\nmatrix_multiply ub=0 acc=0 rows=0\n")
tpu_cli_test(cli.program_bad_operand 1 EXPECT "bad_operand\\.s:3: matrix_multiply: operand 'rows' = 0 must be >= 1"
  ARGS --config ${TPU_SMALL} --program ${TPU_PROG_DIR}/bad_operand.s)
file(WRITE ${TPU_PROG_DIR}/unknown.s "# comment\nnop\nmultiply ub=0\nhalt\n")
tpu_cli_test(cli.program_unknown_mnemonic 1 EXPECT "unknown\\.s:3:" "multiply"
  ARGS --config ${TPU_SMALL} --program ${TPU_PROG_DIR}/unknown.s)
file(WRITE ${TPU_PROG_DIR}/no_halt.s "nop\n")
tpu_cli_test(cli.program_no_halt 1 EXPECT "no_halt\\.s: the program has no halt"
  ARGS --config ${TPU_SMALL} --program ${TPU_PROG_DIR}/no_halt.s)
tpu_cli_test(cli.program_missing 1 EXPECT "no_such\\.s: cannot open program"
  ARGS --config ${TPU_SMALL} --program ${TPU_PROG_DIR}/no_such.s)

# Errors in the images: exit 1 naming the file.
file(WRITE ${TPU_PROG_DIR}/halt.s "halt\n")
file(WRITE ${TPU_PROG_DIR}/eight.bin "01234567")
tpu_cli_test(cli.program_missing_image 1 EXPECT "no_such\\.bin: cannot open host image"
  ARGS --config ${TPU_SMALL} --program ${TPU_PROG_DIR}/halt.s --host-image ${TPU_PROG_DIR}/no_such.bin)
tpu_cli_test(cli.program_overlapping_images 1 EXPECT "eight\\.bin: weight image overlaps .*eight\\.bin"
  ARGS --config ${TPU_SMALL} --program ${TPU_PROG_DIR}/halt.s
       --weight-image ${TPU_PROG_DIR}/eight.bin@0 --weight-image ${TPU_PROG_DIR}/eight.bin@4)

# A run that fails (Write_Host_Memory beyond host memory) names the instruction and writes no
# read-back file.
file(WRITE ${TPU_PROG_DIR}/beyond.s "nop\nwrite_host_memory ub=0 host=0x1000 rows=1\nhalt\n")
file(WRITE ${TPU_PROG_DIR}/beyond_check.cmake
     "if(EXISTS ${TPU_PROG_DIR}/beyond_out.bin)\n  message(SEND_ERROR \"beyond_out.bin was written\")\nendif()\n")
file(REMOVE ${TPU_PROG_DIR}/beyond_out.bin)
tpu_cli_test(cli.program_write_beyond_host_memory 1
  EXPECT "instruction 1 \\(write_host_memory ub=0x0 host=0x1000 rows=1\\).*TLM_ADDRESS_ERROR_RESPONSE"
  DEFS -DCHECK_SCRIPT=${TPU_PROG_DIR}/beyond_check.cmake
  ARGS --config ${TPU_SMALL} --program ${TPU_PROG_DIR}/beyond.s --read-back 0:16:${TPU_PROG_DIR}/beyond_out.bin)

# Activate's lane registers beyond the array (small.yaml: 16 accumulator lanes, 16-byte UB rows):
# the sequencer stops at the Activate naming the registers and both widths.
file(WRITE ${TPU_PROG_DIR}/lanes.s
     "set_config reg=act_lane_src value=12\nset_config reg=act_lanes value=5\nactivate ub=0 acc=0 rows=1 fn=identity\nhalt\n")
tpu_cli_test(cli.program_activate_lanes_beyond_the_row 1
  EXPECT "instruction 2 \\(activate ub=0x0 acc=0x0 rows=1.*act_lane_src = 12, act_lane_dst = 0, 5 lanes exceed the 16-lane accumulator row or the 16-byte UB row"
  ARGS --config ${TPU_SMALL} --program ${TPU_PROG_DIR}/lanes.s)

# Lane groups (isa.md "Lane groups") that do not divide the 16-byte UB row, a first group past the
# row's groups, and Activate lanes wider than the group: the sequencer names the register.
file(WRITE ${TPU_PROG_DIR}/groups_divide.s "set_config reg=act_group_bytes value=5\nactivate ub=0 acc=0 rows=1 fn=identity\nhalt\n")
tpu_cli_test(cli.program_lane_group_must_divide_the_row 1
  EXPECT "instruction 1 \\(activate .*act_group_bytes = 5 \\(first lane group 0\\): a lane group must divide the 16-byte UB row"
  ARGS --config ${TPU_SMALL} --program ${TPU_PROG_DIR}/groups_divide.s)
file(WRITE ${TPU_PROG_DIR}/groups_first.s
     "set_config reg=mxu_group_bytes value=4\nset_config reg=mxu_first_group value=4\nread_weights dram=0 tiles=1\nmatrix_multiply ub=0 acc=0 rows=1 switch\nhalt\n")
tpu_cli_test(cli.program_first_lane_group_past_the_row 1
  EXPECT "instruction 3 \\(matrix_multiply .*mxu_group_bytes = 4 \\(first lane group 4\\).*below the 4 groups of a row"
  ARGS --config ${TPU_SMALL} --program ${TPU_PROG_DIR}/groups_first.s)
file(WRITE ${TPU_PROG_DIR}/groups_lanes.s
     "set_config reg=act_group_bytes value=4\nset_config reg=act_lane_dst value=2\nset_config reg=act_lanes value=3\nactivate ub=0 acc=0 rows=1 fn=identity\nhalt\n")
tpu_cli_test(cli.program_activate_lanes_beyond_the_group 1
  EXPECT "act_lane_dst = 2, 3 lanes exceed the 16-lane accumulator row or the 4-byte lane group \\(act_group_bytes\\)"
  ARGS --config ${TPU_SMALL} --program ${TPU_PROG_DIR}/groups_lanes.s)

# Bad command lines: exit 2.
tpu_cli_test(cli.program_bad_read_back 2 EXPECT "--read-back '0x80:64': expected ADDR:BYTES:FILE"
  ARGS --program ${TPU_PROG_DIR}/halt.s --read-back 0x80:64)
tpu_cli_test(cli.program_bad_image_address 2 EXPECT "--host-image 'h\\.bin@0xZZ': address: '0xZZ' is not a decimal or 0x-hex number"
  ARGS --program ${TPU_PROG_DIR}/halt.s --host-image h.bin@0xZZ)
tpu_cli_test(cli.program_zero_read_back 2 EXPECT "length must be at least 1"
  ARGS --program ${TPU_PROG_DIR}/halt.s --read-back 0:0:x.bin)
tpu_cli_test(cli.program_with_workload 2 EXPECT "--workload cannot be combined with --program"
  ARGS --program ${TPU_PROG_DIR}/halt.s --workload ${TPU_DIGITS})
tpu_cli_test(cli.image_without_program 2 EXPECT "need --program" ARGS --host-image x.bin)
