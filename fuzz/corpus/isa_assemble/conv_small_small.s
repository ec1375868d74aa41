# conv-small on small_16x16, batch 2
set_config reg=host_row_bytes value=0
read_host_memory ub=0x0 host=0x0 rows=48
set_config reg=host_row_bytes value=3
read_host_memory ub=0x30 host=0x300 rows=200
read_weights dram=0x0 tiles=18
sync units=host
set_config reg=tag value=0
set_config reg=act_multiplier value=1509012294
set_config reg=act_shift value=40
set_config reg=act_zero_point value=-5
set_config reg=input_height value=10
set_config reg=input_width value=10
set_config reg=output_height value=10
set_config reg=output_width value=10
set_config reg=stride_h value=1
set_config reg=stride_w value=1
set_config reg=pad_top value=1
set_config reg=pad_left value=1
convolve ub=0x30 acc=0x0 kr=0 ks=0 p0=0 rows=20 switch
convolve ub=0x30 acc=0x0 kr=0 ks=1 p0=0 rows=20 switch accumulate
convolve ub=0x30 acc=0x0 kr=0 ks=2 p0=0 rows=20 switch accumulate
convolve ub=0x30 acc=0x0 kr=1 ks=0 p0=0 rows=20 switch accumulate
convolve ub=0x30 acc=0x0 kr=1 ks=1 p0=0 rows=20 switch accumulate
convolve ub=0x30 acc=0x0 kr=1 ks=2 p0=0 rows=20 switch accumulate
convolve ub=0x30 acc=0x0 kr=2 ks=0 p0=0 rows=20 switch accumulate
convolve ub=0x30 acc=0x0 kr=2 ks=1 p0=0 rows=20 switch accumulate
convolve ub=0x30 acc=0x0 kr=2 ks=2 p0=0 rows=20 switch accumulate
set_config reg=act_bias_row value=0
activate ub=0xf8 acc=0x0 rows=200 fn=relu bias
convolve ub=0x30 acc=0x100 kr=0 ks=0 p0=0 rows=20 switch
convolve ub=0x30 acc=0x100 kr=0 ks=1 p0=0 rows=20 switch accumulate
convolve ub=0x30 acc=0x100 kr=0 ks=2 p0=0 rows=20 switch accumulate
convolve ub=0x30 acc=0x100 kr=1 ks=0 p0=0 rows=20 switch accumulate
convolve ub=0x30 acc=0x100 kr=1 ks=1 p0=0 rows=20 switch accumulate
convolve ub=0x30 acc=0x100 kr=1 ks=2 p0=0 rows=20 switch accumulate
convolve ub=0x30 acc=0x100 kr=2 ks=0 p0=0 rows=20 switch accumulate
convolve ub=0x30 acc=0x100 kr=2 ks=1 p0=0 rows=20 switch accumulate
convolve ub=0x30 acc=0x100 kr=2 ks=2 p0=0 rows=20 switch accumulate
set_config reg=act_bias_row value=4
activate ub=0x1c0 acc=0x100 rows=200 fn=relu bias
read_weights dram=0x1200 tiles=150
sync units=activation
set_config reg=tag value=1
set_config reg=act_multiplier value=1200733458
set_config reg=act_zero_point value=0
set_config reg=output_height value=5
set_config reg=output_width value=5
set_config reg=stride_h value=2
set_config reg=stride_w value=2
set_config reg=pad_top value=2
convolve ub=0xf8 acc=0x0 kr=0 ks=0 p0=0 rows=10 switch
convolve ub=0x1c0 acc=0x0 kr=0 ks=0 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=0 ks=1 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=0 ks=1 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=0 ks=2 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=0 ks=2 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=0 ks=3 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=0 ks=3 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=0 ks=4 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=0 ks=4 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=1 ks=0 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=1 ks=0 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=1 ks=1 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=1 ks=1 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=1 ks=2 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=1 ks=2 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=1 ks=3 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=1 ks=3 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=1 ks=4 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=1 ks=4 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=2 ks=0 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=2 ks=0 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=2 ks=1 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=2 ks=1 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=2 ks=2 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=2 ks=2 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=2 ks=3 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=2 ks=3 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=2 ks=4 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=2 ks=4 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=3 ks=0 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=3 ks=0 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=3 ks=1 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=3 ks=1 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=3 ks=2 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=3 ks=2 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=3 ks=3 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=3 ks=3 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=3 ks=4 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=3 ks=4 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=4 ks=0 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=4 ks=0 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=4 ks=1 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=4 ks=1 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=4 ks=2 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=4 ks=2 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=4 ks=3 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=4 ks=3 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=4 ks=4 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=4 ks=4 p0=0 rows=10 switch accumulate
set_config reg=act_bias_row value=8
activate ub=0x30 acc=0x0 rows=50 fn=relu bias
convolve ub=0xf8 acc=0x100 kr=0 ks=0 p0=0 rows=10 switch
convolve ub=0x1c0 acc=0x100 kr=0 ks=0 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x100 kr=0 ks=1 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x100 kr=0 ks=1 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x100 kr=0 ks=2 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x100 kr=0 ks=2 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x100 kr=0 ks=3 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x100 kr=0 ks=3 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x100 kr=0 ks=4 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x100 kr=0 ks=4 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x100 kr=1 ks=0 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x100 kr=1 ks=0 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x100 kr=1 ks=1 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x100 kr=1 ks=1 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x100 kr=1 ks=2 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x100 kr=1 ks=2 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x100 kr=1 ks=3 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x100 kr=1 ks=3 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x100 kr=1 ks=4 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x100 kr=1 ks=4 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x100 kr=2 ks=0 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x100 kr=2 ks=0 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x100 kr=2 ks=1 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x100 kr=2 ks=1 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x100 kr=2 ks=2 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x100 kr=2 ks=2 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x100 kr=2 ks=3 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x100 kr=2 ks=3 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x100 kr=2 ks=4 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x100 kr=2 ks=4 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x100 kr=3 ks=0 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x100 kr=3 ks=0 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x100 kr=3 ks=1 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x100 kr=3 ks=1 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x100 kr=3 ks=2 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x100 kr=3 ks=2 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x100 kr=3 ks=3 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x100 kr=3 ks=3 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x100 kr=3 ks=4 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x100 kr=3 ks=4 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x100 kr=4 ks=0 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x100 kr=4 ks=0 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x100 kr=4 ks=1 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x100 kr=4 ks=1 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x100 kr=4 ks=2 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x100 kr=4 ks=2 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x100 kr=4 ks=3 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x100 kr=4 ks=3 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x100 kr=4 ks=4 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x100 kr=4 ks=4 p0=0 rows=10 switch accumulate
set_config reg=act_bias_row value=12
activate ub=0x62 acc=0x100 rows=50 fn=relu bias
convolve ub=0xf8 acc=0x0 kr=0 ks=0 p0=0 rows=10 switch
convolve ub=0x1c0 acc=0x0 kr=0 ks=0 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=0 ks=1 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=0 ks=1 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=0 ks=2 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=0 ks=2 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=0 ks=3 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=0 ks=3 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=0 ks=4 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=0 ks=4 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=1 ks=0 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=1 ks=0 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=1 ks=1 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=1 ks=1 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=1 ks=2 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=1 ks=2 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=1 ks=3 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=1 ks=3 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=1 ks=4 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=1 ks=4 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=2 ks=0 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=2 ks=0 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=2 ks=1 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=2 ks=1 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=2 ks=2 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=2 ks=2 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=2 ks=3 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=2 ks=3 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=2 ks=4 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=2 ks=4 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=3 ks=0 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=3 ks=0 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=3 ks=1 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=3 ks=1 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=3 ks=2 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=3 ks=2 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=3 ks=3 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=3 ks=3 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=3 ks=4 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=3 ks=4 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=4 ks=0 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=4 ks=0 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=4 ks=1 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=4 ks=1 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=4 ks=2 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=4 ks=2 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=4 ks=3 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=4 ks=3 p0=0 rows=10 switch accumulate
convolve ub=0xf8 acc=0x0 kr=4 ks=4 p0=0 rows=10 switch accumulate
convolve ub=0x1c0 acc=0x0 kr=4 ks=4 p0=0 rows=10 switch accumulate
set_config reg=act_bias_row value=16
activate ub=0x94 acc=0x0 rows=50 fn=relu bias
read_weights dram=0xa800 tiles=18
sync units=activation
set_config reg=tag value=2
set_config reg=act_multiplier value=1703718278
set_config reg=act_zero_point value=3
set_config reg=input_height value=5
set_config reg=input_width value=5
set_config reg=stride_h value=1
set_config reg=stride_w value=1
set_config reg=pad_top value=1
set_config reg=pad_left value=0
convolve ub=0x30 acc=0x100 kr=0 ks=0 p0=0 rows=10 switch
convolve ub=0x62 acc=0x100 kr=0 ks=0 p0=0 rows=10 switch accumulate
convolve ub=0x94 acc=0x100 kr=0 ks=0 p0=0 rows=10 switch accumulate
convolve ub=0x30 acc=0x100 kr=1 ks=0 p0=0 rows=10 switch accumulate
convolve ub=0x62 acc=0x100 kr=1 ks=0 p0=0 rows=10 switch accumulate
convolve ub=0x94 acc=0x100 kr=1 ks=0 p0=0 rows=10 switch accumulate
convolve ub=0x30 acc=0x100 kr=2 ks=0 p0=0 rows=10 switch accumulate
convolve ub=0x62 acc=0x100 kr=2 ks=0 p0=0 rows=10 switch accumulate
convolve ub=0x94 acc=0x100 kr=2 ks=0 p0=0 rows=10 switch accumulate
set_config reg=act_bias_row value=20
activate ub=0xc6 acc=0x100 rows=50 fn=identity bias
convolve ub=0x30 acc=0x0 kr=0 ks=0 p0=0 rows=10 switch
convolve ub=0x62 acc=0x0 kr=0 ks=0 p0=0 rows=10 switch accumulate
convolve ub=0x94 acc=0x0 kr=0 ks=0 p0=0 rows=10 switch accumulate
convolve ub=0x30 acc=0x0 kr=1 ks=0 p0=0 rows=10 switch accumulate
convolve ub=0x62 acc=0x0 kr=1 ks=0 p0=0 rows=10 switch accumulate
convolve ub=0x94 acc=0x0 kr=1 ks=0 p0=0 rows=10 switch accumulate
convolve ub=0x30 acc=0x0 kr=2 ks=0 p0=0 rows=10 switch accumulate
convolve ub=0x62 acc=0x0 kr=2 ks=0 p0=0 rows=10 switch accumulate
convolve ub=0x94 acc=0x0 kr=2 ks=0 p0=0 rows=10 switch accumulate
set_config reg=act_bias_row value=24
activate ub=0xf8 acc=0x0 rows=50 fn=identity bias
read_weights dram=0xba00 tiles=6
sync units=activation
set_config reg=tag value=3
set_config reg=act_multiplier value=1291446390
set_config reg=act_shift value=39
set_config reg=act_zero_point value=0
matrix_multiply ub=0x30 acc=0x100 rows=50 switch
matrix_multiply ub=0x62 acc=0x100 rows=50 switch accumulate
matrix_multiply ub=0x94 acc=0x100 rows=50 switch accumulate
set_config reg=act_bias_row value=28
activate ub=0x12a acc=0x100 rows=50 fn=relu bias
matrix_multiply ub=0x30 acc=0x0 rows=50 switch
matrix_multiply ub=0x62 acc=0x0 rows=50 switch accumulate
matrix_multiply ub=0x94 acc=0x0 rows=50 switch accumulate
set_config reg=act_bias_row value=32
activate ub=0x15c acc=0x0 rows=50 fn=relu bias
read_weights dram=0xc000 tiles=36
sync units=activation
set_config reg=tag value=4
set_config reg=act_multiplier value=1912327167
set_config reg=act_shift value=38
set_config reg=vec_scale_a value=106
set_config reg=vec_offset_a value=-3
set_config reg=vec_source_b value=298
set_config reg=vec_offset_b value=0
set_config reg=vec_scale_b value=115
vector ub=0x30 src=0xc6 rows=100 op=add fn=relu
sync units=activation
set_config reg=tag value=5
set_config reg=output_height value=3
set_config reg=output_width value=3
set_config reg=stride_h value=2
set_config reg=stride_w value=2
set_config reg=pad_left value=1
set_config reg=pool_height value=3
set_config reg=pool_width value=3
pool ub=0x94 src=0x30 p0=0 rows=6
pool ub=0xa6 src=0x62 p0=0 rows=6
sync units=activation
set_config reg=tag value=6
set_config reg=input_height value=3
set_config reg=input_width value=3
set_config reg=stride_h value=1
set_config reg=stride_w value=1
set_config reg=act_multiplier value=1179936070
set_config reg=act_shift value=33
pool ub=0x30 src=0x94 p0=0 rows=6 average
pool ub=0x42 src=0xa6 p0=0 rows=6 average
sync units=activation
set_config reg=tag value=7
set_config reg=act_multiplier value=1374389535
set_config reg=act_shift value=31
set_config reg=vec_scale_a value=1
set_config reg=vec_offset_a value=0
vector ub=0x54 src=0x30 rows=36 op=unary fn=sigmoid
sync units=activation
set_config reg=tag value=8
set_config reg=act_multiplier value=1249445032
set_config reg=act_shift value=32
set_config reg=vec_scale_a value=2
set_config reg=vec_offset_a value=-3
vector ub=0x30 src=0x94 rows=36 op=unary fn=tanh
sync units=activation
set_config reg=tag value=9
set_config reg=act_multiplier value=1724615911
set_config reg=act_shift value=39
set_config reg=vec_scale_a value=1
set_config reg=vec_offset_a value=128
set_config reg=vec_source_b value=48
vector ub=0x78 src=0x54 rows=36 op=multiply fn=identity
sync units=activation
set_config reg=tag value=10
set_config reg=act_multiplier value=1779965887
set_config reg=act_shift value=41
set_config reg=output_height value=2
set_config reg=output_width value=2
set_config reg=stride_h value=2
set_config reg=stride_w value=2
convolve ub=0x78 acc=0x100 kr=0 ks=0 p0=0 rows=4 switch
convolve ub=0x8a acc=0x100 kr=0 ks=0 p0=0 rows=4 switch accumulate
convolve ub=0x78 acc=0x100 kr=0 ks=1 p0=0 rows=4 switch accumulate
convolve ub=0x8a acc=0x100 kr=0 ks=1 p0=0 rows=4 switch accumulate
convolve ub=0x78 acc=0x100 kr=0 ks=2 p0=0 rows=4 switch accumulate
convolve ub=0x8a acc=0x100 kr=0 ks=2 p0=0 rows=4 switch accumulate
convolve ub=0x78 acc=0x100 kr=1 ks=0 p0=0 rows=4 switch accumulate
convolve ub=0x8a acc=0x100 kr=1 ks=0 p0=0 rows=4 switch accumulate
convolve ub=0x78 acc=0x100 kr=1 ks=1 p0=0 rows=4 switch accumulate
convolve ub=0x8a acc=0x100 kr=1 ks=1 p0=0 rows=4 switch accumulate
convolve ub=0x78 acc=0x100 kr=1 ks=2 p0=0 rows=4 switch accumulate
convolve ub=0x8a acc=0x100 kr=1 ks=2 p0=0 rows=4 switch accumulate
convolve ub=0x78 acc=0x100 kr=2 ks=0 p0=0 rows=4 switch accumulate
convolve ub=0x8a acc=0x100 kr=2 ks=0 p0=0 rows=4 switch accumulate
convolve ub=0x78 acc=0x100 kr=2 ks=1 p0=0 rows=4 switch accumulate
convolve ub=0x8a acc=0x100 kr=2 ks=1 p0=0 rows=4 switch accumulate
convolve ub=0x78 acc=0x100 kr=2 ks=2 p0=0 rows=4 switch accumulate
convolve ub=0x8a acc=0x100 kr=2 ks=2 p0=0 rows=4 switch accumulate
set_config reg=act_bias_row value=36
activate ub=0x30 acc=0x100 rows=8 fn=relu bias
convolve ub=0x78 acc=0x0 kr=0 ks=0 p0=0 rows=4 switch
convolve ub=0x8a acc=0x0 kr=0 ks=0 p0=0 rows=4 switch accumulate
convolve ub=0x78 acc=0x0 kr=0 ks=1 p0=0 rows=4 switch accumulate
convolve ub=0x8a acc=0x0 kr=0 ks=1 p0=0 rows=4 switch accumulate
convolve ub=0x78 acc=0x0 kr=0 ks=2 p0=0 rows=4 switch accumulate
convolve ub=0x8a acc=0x0 kr=0 ks=2 p0=0 rows=4 switch accumulate
convolve ub=0x78 acc=0x0 kr=1 ks=0 p0=0 rows=4 switch accumulate
convolve ub=0x8a acc=0x0 kr=1 ks=0 p0=0 rows=4 switch accumulate
convolve ub=0x78 acc=0x0 kr=1 ks=1 p0=0 rows=4 switch accumulate
convolve ub=0x8a acc=0x0 kr=1 ks=1 p0=0 rows=4 switch accumulate
convolve ub=0x78 acc=0x0 kr=1 ks=2 p0=0 rows=4 switch accumulate
convolve ub=0x8a acc=0x0 kr=1 ks=2 p0=0 rows=4 switch accumulate
convolve ub=0x78 acc=0x0 kr=2 ks=0 p0=0 rows=4 switch accumulate
convolve ub=0x8a acc=0x0 kr=2 ks=0 p0=0 rows=4 switch accumulate
convolve ub=0x78 acc=0x0 kr=2 ks=1 p0=0 rows=4 switch accumulate
convolve ub=0x8a acc=0x0 kr=2 ks=1 p0=0 rows=4 switch accumulate
convolve ub=0x78 acc=0x0 kr=2 ks=2 p0=0 rows=4 switch accumulate
convolve ub=0x8a acc=0x0 kr=2 ks=2 p0=0 rows=4 switch accumulate
set_config reg=act_bias_row value=40
activate ub=0x38 acc=0x0 rows=8 fn=relu bias
read_weights dram=0xe400 tiles=20
sync units=activation
set_config reg=tag value=11
set_config reg=input_height value=2
set_config reg=input_width value=2
set_config reg=output_height value=1
set_config reg=output_width value=1
set_config reg=stride_h value=1
set_config reg=stride_w value=1
set_config reg=pad_top value=0
set_config reg=pad_left value=0
set_config reg=pool_height value=2
set_config reg=pool_width value=2
set_config reg=act_multiplier value=1101273666
set_config reg=act_shift value=31
pool ub=0x40 src=0x30 p0=0 rows=2 average
pool ub=0x42 src=0x38 p0=0 rows=2 average
sync units=activation
set_config reg=tag value=12
set_config reg=act_multiplier value=1777994223
set_config reg=act_shift value=41
set_config reg=act_zero_point value=-2
set_config reg=input_height value=3
set_config reg=input_width value=3
convolve ub=0x78 acc=0x100 kr=0 ks=0 p0=0 rows=2 switch
convolve ub=0x8a acc=0x100 kr=0 ks=0 p0=0 rows=2 switch accumulate
convolve ub=0x78 acc=0x100 kr=0 ks=1 p0=0 rows=2 switch accumulate
convolve ub=0x8a acc=0x100 kr=0 ks=1 p0=0 rows=2 switch accumulate
convolve ub=0x78 acc=0x100 kr=0 ks=2 p0=0 rows=2 switch accumulate
convolve ub=0x8a acc=0x100 kr=0 ks=2 p0=0 rows=2 switch accumulate
convolve ub=0x78 acc=0x100 kr=1 ks=0 p0=0 rows=2 switch accumulate
convolve ub=0x8a acc=0x100 kr=1 ks=0 p0=0 rows=2 switch accumulate
convolve ub=0x78 acc=0x100 kr=1 ks=1 p0=0 rows=2 switch accumulate
convolve ub=0x8a acc=0x100 kr=1 ks=1 p0=0 rows=2 switch accumulate
convolve ub=0x78 acc=0x100 kr=1 ks=2 p0=0 rows=2 switch accumulate
convolve ub=0x8a acc=0x100 kr=1 ks=2 p0=0 rows=2 switch accumulate
convolve ub=0x78 acc=0x100 kr=2 ks=0 p0=0 rows=2 switch accumulate
convolve ub=0x8a acc=0x100 kr=2 ks=0 p0=0 rows=2 switch accumulate
convolve ub=0x78 acc=0x100 kr=2 ks=1 p0=0 rows=2 switch accumulate
convolve ub=0x8a acc=0x100 kr=2 ks=1 p0=0 rows=2 switch accumulate
convolve ub=0x78 acc=0x100 kr=2 ks=2 p0=0 rows=2 switch accumulate
convolve ub=0x8a acc=0x100 kr=2 ks=2 p0=0 rows=2 switch accumulate
matrix_multiply ub=0x40 acc=0x100 rows=2 switch accumulate
matrix_multiply ub=0x42 acc=0x100 rows=2 switch accumulate
set_config reg=act_bias_row value=44
activate ub=0x30 acc=0x100 rows=2 fn=identity bias
sync units=activation
set_config reg=host_row_bytes value=10
write_host_memory ub=0x30 host=0x558 rows=2
halt
