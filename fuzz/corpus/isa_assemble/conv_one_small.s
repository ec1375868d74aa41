# conv-one on small_16x16, batch 1
set_config reg=host_row_bytes value=0
read_host_memory ub=0x0 host=0x0 rows=4
set_config reg=host_row_bytes value=5
read_host_memory ub=0x4 host=0x40 rows=81
read_weights dram=0x0 tiles=9
sync units=host
set_config reg=tag value=0
set_config reg=act_multiplier value=1121870507
set_config reg=act_shift value=40
set_config reg=act_zero_point value=0
set_config reg=input_height value=9
set_config reg=input_width value=9
set_config reg=output_height value=5
set_config reg=output_width value=5
set_config reg=stride_h value=2
set_config reg=stride_w value=2
set_config reg=pad_top value=1
set_config reg=pad_left value=1
convolve ub=0x4 acc=0x0 kr=0 ks=0 p0=0 rows=5 switch
convolve ub=0x4 acc=0x0 kr=0 ks=1 p0=0 rows=5 switch accumulate
convolve ub=0x4 acc=0x0 kr=0 ks=2 p0=0 rows=5 switch accumulate
convolve ub=0x4 acc=0x0 kr=1 ks=0 p0=0 rows=5 switch accumulate
convolve ub=0x4 acc=0x0 kr=1 ks=1 p0=0 rows=5 switch accumulate
convolve ub=0x4 acc=0x0 kr=1 ks=2 p0=0 rows=5 switch accumulate
convolve ub=0x4 acc=0x0 kr=2 ks=0 p0=0 rows=5 switch accumulate
convolve ub=0x4 acc=0x0 kr=2 ks=1 p0=0 rows=5 switch accumulate
convolve ub=0x4 acc=0x0 kr=2 ks=2 p0=0 rows=5 switch accumulate
set_config reg=act_bias_row value=0
activate ub=0x55 acc=0x0 rows=25 fn=relu bias
sync units=activation
set_config reg=host_row_bytes value=7
write_host_memory ub=0x55 host=0x1d5 rows=25
halt
