# dense_relu: y = relu(requantize(x W + b)) for 4 samples of 16 int8 inputs and 16 outputs, on
# configs/small.yaml (a 16 x 16 MXU: UB rows of 16 bytes, accumulator rows of 16 int32).
# The ISA is docs/isa.md. make_data.py writes the images and the expected output:
#   host memory   0x000  bias b: 16 int32 little endian = 64 bytes = 4 UB rows
#                 0x040  inputs x: 4 samples x 16 int8 = 4 UB rows
#                 0x080  outputs y: 4 samples x 16 int8, written by this program
#   weight memory 0x000  W: one 16 x 16 int8 tile, row-major (byte i*16 + j = weight of input i
#                        to output j)
read_weights dram=0x0 tiles=1                  # the tile into the weight FIFO (runs in parallel)
read_host_memory ub=0 host=0x000 rows=4        # bias into UB rows 0-3
read_host_memory ub=4 host=0x040 rows=4        # inputs into UB rows 4-7
set_config reg=act_bias_row value=0            # Activate's bias vector starts at UB row 0
set_config reg=act_multiplier value=1073741824 # 2^30: with shift 38, a scale of 1/256
set_config reg=act_shift value=38
set_config reg=act_zero_point value=0
sync units=host                                # the MXU and Activate read what the host DMA wrote
matrix_multiply ub=4 acc=0 rows=4 switch       # acc rows 0-3 = x W (switch: use the fetched tile)
activate ub=8 acc=0 rows=4 fn=relu bias        # UB rows 8-11 = relu(round((acc + b) / 256))
sync units=activation                          # Write_Host_Memory reads what Activate wrote
write_host_memory ub=8 host=0x080 rows=4       # outputs to host memory
halt
