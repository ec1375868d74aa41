# lstm-small on small_16x16, batch 3
set_config reg=host_row_bytes value=0
read_host_memory ub=0x0 host=0x0 rows=192
set_config reg=host_row_bytes value=13
read_host_memory ub=0xc0 host=0xc00 rows=3
read_host_memory ub=0xc3 host=0xc27 rows=3
read_host_memory ub=0xc6 host=0xc4e rows=3
set_config reg=host_row_bytes value=0
read_host_memory ub=0xc9 host=0xc75 rows=3
set_config reg=host_row_bytes value=4
read_host_memory ub=0xcc host=0xca5 rows=3
set_config reg=host_row_bytes value=0
read_host_memory ub=0xcf host=0xcb1 rows=3
set_config reg=host_row_bytes value=4
read_host_memory ub=0xd2 host=0xce1 rows=3
set_config reg=host_row_bytes value=0
read_host_memory ub=0xd5 host=0xced rows=3
set_config reg=host_row_bytes value=4
read_host_memory ub=0xd8 host=0xd1d rows=3
set_config reg=host_row_bytes value=0
read_host_memory ub=0xdb host=0xd29 rows=3
set_config reg=host_row_bytes value=4
read_host_memory ub=0xde host=0xd59 rows=3
read_weights dram=0x0 tiles=6
sync units=host
set_config reg=tag value=0
set_config reg=act_multiplier value=1880210126
set_config reg=act_shift value=41
set_config reg=act_zero_point value=0
matrix_multiply ub=0xc0 acc=0x0 rows=3 switch
matrix_multiply ub=0xc9 acc=0x0 rows=3 switch accumulate
matrix_multiply ub=0xcc acc=0x0 rows=3 switch accumulate
set_config reg=act_bias_row value=0
activate ub=0xe1 acc=0x0 rows=3 fn=sigmoid bias
matrix_multiply ub=0xc0 acc=0x100 rows=3 switch
matrix_multiply ub=0xc9 acc=0x100 rows=3 switch accumulate
matrix_multiply ub=0xcc acc=0x100 rows=3 switch accumulate
set_config reg=act_bias_row value=4
activate ub=0xe4 acc=0x100 rows=3 fn=sigmoid bias
read_weights dram=0x600 tiles=6
sync units=activation
set_config reg=tag value=1
set_config reg=act_multiplier value=1716122479
matrix_multiply ub=0xc0 acc=0x0 rows=3 switch
matrix_multiply ub=0xc9 acc=0x0 rows=3 switch accumulate
matrix_multiply ub=0xcc acc=0x0 rows=3 switch accumulate
set_config reg=act_bias_row value=8
activate ub=0xe7 acc=0x0 rows=3 fn=sigmoid bias
matrix_multiply ub=0xc0 acc=0x100 rows=3 switch
matrix_multiply ub=0xc9 acc=0x100 rows=3 switch accumulate
matrix_multiply ub=0xcc acc=0x100 rows=3 switch accumulate
set_config reg=act_bias_row value=12
activate ub=0xea acc=0x100 rows=3 fn=sigmoid bias
read_weights dram=0xc00 tiles=6
sync units=activation
set_config reg=tag value=2
set_config reg=act_multiplier value=1891556636
matrix_multiply ub=0xc0 acc=0x0 rows=3 switch
matrix_multiply ub=0xc9 acc=0x0 rows=3 switch accumulate
matrix_multiply ub=0xcc acc=0x0 rows=3 switch accumulate
set_config reg=act_bias_row value=16
activate ub=0xed acc=0x0 rows=3 fn=tanh bias
matrix_multiply ub=0xc0 acc=0x100 rows=3 switch
matrix_multiply ub=0xc9 acc=0x100 rows=3 switch accumulate
matrix_multiply ub=0xcc acc=0x100 rows=3 switch accumulate
set_config reg=act_bias_row value=20
activate ub=0xf0 acc=0x100 rows=3 fn=tanh bias
read_weights dram=0x1200 tiles=6
sync units=activation
set_config reg=tag value=3
set_config reg=act_multiplier value=1879406660
matrix_multiply ub=0xc0 acc=0x0 rows=3 switch
matrix_multiply ub=0xc9 acc=0x0 rows=3 switch accumulate
matrix_multiply ub=0xcc acc=0x0 rows=3 switch accumulate
set_config reg=act_bias_row value=24
activate ub=0xf3 acc=0x0 rows=3 fn=sigmoid bias
matrix_multiply ub=0xc0 acc=0x100 rows=3 switch
matrix_multiply ub=0xc9 acc=0x100 rows=3 switch accumulate
matrix_multiply ub=0xcc acc=0x100 rows=3 switch accumulate
set_config reg=act_bias_row value=28
activate ub=0xf6 acc=0x100 rows=3 fn=sigmoid bias
read_weights dram=0x1800 tiles=8
sync units=activation
set_config reg=tag value=4
set_config reg=act_multiplier value=1073741824
set_config reg=act_shift value=38
set_config reg=vec_scale_a value=1
set_config reg=vec_offset_a value=128
set_config reg=vec_source_b value=207
set_config reg=vec_offset_b value=0
vector ub=0xc9 src=0xe7 rows=6 op=multiply fn=identity
sync units=activation
set_config reg=tag value=5
set_config reg=vec_source_b value=237
vector ub=0xcf src=0xe1 rows=6 op=multiply fn=identity
sync units=activation
set_config reg=tag value=6
set_config reg=act_shift value=32
set_config reg=vec_scale_a value=4
set_config reg=vec_offset_a value=0
set_config reg=vec_source_b value=207
set_config reg=vec_scale_b value=1
vector ub=0xe1 src=0xc9 rows=6 op=add fn=identity
sync units=activation
set_config reg=tag value=7
set_config reg=act_shift value=31
set_config reg=vec_scale_a value=1
vector ub=0xc9 src=0xe1 rows=6 op=unary fn=tanh
sync units=activation
set_config reg=tag value=8
set_config reg=act_shift value=38
set_config reg=vec_offset_a value=128
set_config reg=vec_source_b value=201
vector ub=0xcf src=0xf3 rows=6 op=multiply fn=identity
sync units=activation
set_config reg=tag value=9
set_config reg=act_multiplier value=1147509812
set_config reg=act_shift value=40
matrix_multiply ub=0xcf acc=0x0 rows=3 switch
matrix_multiply ub=0xd2 acc=0x0 rows=3 switch accumulate
matrix_multiply ub=0xd5 acc=0x0 rows=3 switch accumulate
matrix_multiply ub=0xd8 acc=0x0 rows=3 switch accumulate
set_config reg=act_bias_row value=32
activate ub=0xc9 acc=0x0 rows=3 fn=sigmoid bias
matrix_multiply ub=0xcf acc=0x100 rows=3 switch
matrix_multiply ub=0xd2 acc=0x100 rows=3 switch accumulate
matrix_multiply ub=0xd5 acc=0x100 rows=3 switch accumulate
matrix_multiply ub=0xd8 acc=0x100 rows=3 switch accumulate
set_config reg=act_bias_row value=36
activate ub=0xcc acc=0x100 rows=3 fn=sigmoid bias
read_weights dram=0x2000 tiles=8
sync units=activation
set_config reg=tag value=10
set_config reg=act_multiplier value=2120051343
set_config reg=act_shift value=41
matrix_multiply ub=0xcf acc=0x0 rows=3 switch
matrix_multiply ub=0xd2 acc=0x0 rows=3 switch accumulate
matrix_multiply ub=0xd5 acc=0x0 rows=3 switch accumulate
matrix_multiply ub=0xd8 acc=0x0 rows=3 switch accumulate
set_config reg=act_bias_row value=40
activate ub=0xe7 acc=0x0 rows=3 fn=sigmoid bias
matrix_multiply ub=0xcf acc=0x100 rows=3 switch
matrix_multiply ub=0xd2 acc=0x100 rows=3 switch accumulate
matrix_multiply ub=0xd5 acc=0x100 rows=3 switch accumulate
matrix_multiply ub=0xd8 acc=0x100 rows=3 switch accumulate
set_config reg=act_bias_row value=44
activate ub=0xea acc=0x100 rows=3 fn=sigmoid bias
read_weights dram=0x2800 tiles=8
sync units=activation
set_config reg=tag value=11
set_config reg=act_multiplier value=1967283417
matrix_multiply ub=0xcf acc=0x0 rows=3 switch
matrix_multiply ub=0xd2 acc=0x0 rows=3 switch accumulate
matrix_multiply ub=0xd5 acc=0x0 rows=3 switch accumulate
matrix_multiply ub=0xd8 acc=0x0 rows=3 switch accumulate
set_config reg=act_bias_row value=48
activate ub=0xed acc=0x0 rows=3 fn=tanh bias
matrix_multiply ub=0xcf acc=0x100 rows=3 switch
matrix_multiply ub=0xd2 acc=0x100 rows=3 switch accumulate
matrix_multiply ub=0xd5 acc=0x100 rows=3 switch accumulate
matrix_multiply ub=0xd8 acc=0x100 rows=3 switch accumulate
set_config reg=act_bias_row value=52
activate ub=0xf0 acc=0x100 rows=3 fn=tanh bias
read_weights dram=0x3000 tiles=8
sync units=activation
set_config reg=tag value=12
set_config reg=act_multiplier value=1735378838
matrix_multiply ub=0xcf acc=0x0 rows=3 switch
matrix_multiply ub=0xd2 acc=0x0 rows=3 switch accumulate
matrix_multiply ub=0xd5 acc=0x0 rows=3 switch accumulate
matrix_multiply ub=0xd8 acc=0x0 rows=3 switch accumulate
set_config reg=act_bias_row value=56
activate ub=0xf3 acc=0x0 rows=3 fn=sigmoid bias
matrix_multiply ub=0xcf acc=0x100 rows=3 switch
matrix_multiply ub=0xd2 acc=0x100 rows=3 switch accumulate
matrix_multiply ub=0xd5 acc=0x100 rows=3 switch accumulate
matrix_multiply ub=0xd8 acc=0x100 rows=3 switch accumulate
set_config reg=act_bias_row value=60
activate ub=0xf6 acc=0x100 rows=3 fn=sigmoid bias
read_weights dram=0x3800 tiles=6
sync units=activation
set_config reg=tag value=13
set_config reg=act_multiplier value=1073741824
set_config reg=act_shift value=38
set_config reg=vec_source_b value=219
vector ub=0xd5 src=0xe7 rows=6 op=multiply fn=identity
sync units=activation
set_config reg=tag value=14
set_config reg=vec_source_b value=237
vector ub=0xdb src=0xc9 rows=6 op=multiply fn=identity
sync units=activation
set_config reg=tag value=15
set_config reg=act_shift value=32
set_config reg=vec_scale_a value=4
set_config reg=vec_offset_a value=0
set_config reg=vec_source_b value=219
vector ub=0xc9 src=0xd5 rows=6 op=add fn=identity
sync units=activation
set_config reg=tag value=16
set_config reg=act_shift value=31
set_config reg=vec_scale_a value=1
vector ub=0xd5 src=0xc9 rows=6 op=unary fn=tanh
sync units=activation
set_config reg=tag value=17
set_config reg=act_shift value=38
set_config reg=vec_offset_a value=128
set_config reg=vec_source_b value=213
vector ub=0xdb src=0xf3 rows=6 op=multiply fn=identity
sync units=activation
set_config reg=tag value=18
set_config reg=act_multiplier value=1880210126
set_config reg=act_shift value=41
matrix_multiply ub=0xc3 acc=0x0 rows=3 switch
matrix_multiply ub=0xcf acc=0x0 rows=3 switch accumulate
matrix_multiply ub=0xd2 acc=0x0 rows=3 switch accumulate
set_config reg=act_bias_row value=64
activate ub=0xd5 acc=0x0 rows=3 fn=sigmoid bias
matrix_multiply ub=0xc3 acc=0x100 rows=3 switch
matrix_multiply ub=0xcf acc=0x100 rows=3 switch accumulate
matrix_multiply ub=0xd2 acc=0x100 rows=3 switch accumulate
set_config reg=act_bias_row value=68
activate ub=0xd8 acc=0x100 rows=3 fn=sigmoid bias
read_weights dram=0x3e00 tiles=6
sync units=activation
set_config reg=tag value=19
set_config reg=act_multiplier value=1716122479
matrix_multiply ub=0xc3 acc=0x0 rows=3 switch
matrix_multiply ub=0xcf acc=0x0 rows=3 switch accumulate
matrix_multiply ub=0xd2 acc=0x0 rows=3 switch accumulate
set_config reg=act_bias_row value=72
activate ub=0xe7 acc=0x0 rows=3 fn=sigmoid bias
matrix_multiply ub=0xc3 acc=0x100 rows=3 switch
matrix_multiply ub=0xcf acc=0x100 rows=3 switch accumulate
matrix_multiply ub=0xd2 acc=0x100 rows=3 switch accumulate
set_config reg=act_bias_row value=76
activate ub=0xea acc=0x100 rows=3 fn=sigmoid bias
read_weights dram=0x4400 tiles=6
sync units=activation
set_config reg=tag value=20
set_config reg=act_multiplier value=1891556636
matrix_multiply ub=0xc3 acc=0x0 rows=3 switch
matrix_multiply ub=0xcf acc=0x0 rows=3 switch accumulate
matrix_multiply ub=0xd2 acc=0x0 rows=3 switch accumulate
set_config reg=act_bias_row value=80
activate ub=0xed acc=0x0 rows=3 fn=tanh bias
matrix_multiply ub=0xc3 acc=0x100 rows=3 switch
matrix_multiply ub=0xcf acc=0x100 rows=3 switch accumulate
matrix_multiply ub=0xd2 acc=0x100 rows=3 switch accumulate
set_config reg=act_bias_row value=84
activate ub=0xf0 acc=0x100 rows=3 fn=tanh bias
read_weights dram=0x4a00 tiles=6
sync units=activation
set_config reg=tag value=21
set_config reg=act_multiplier value=1879406660
matrix_multiply ub=0xc3 acc=0x0 rows=3 switch
matrix_multiply ub=0xcf acc=0x0 rows=3 switch accumulate
matrix_multiply ub=0xd2 acc=0x0 rows=3 switch accumulate
set_config reg=act_bias_row value=88
activate ub=0xf3 acc=0x0 rows=3 fn=sigmoid bias
matrix_multiply ub=0xc3 acc=0x100 rows=3 switch
matrix_multiply ub=0xcf acc=0x100 rows=3 switch accumulate
matrix_multiply ub=0xd2 acc=0x100 rows=3 switch accumulate
set_config reg=act_bias_row value=92
activate ub=0xf6 acc=0x100 rows=3 fn=sigmoid bias
read_weights dram=0x5000 tiles=8
sync units=activation
set_config reg=tag value=22
set_config reg=act_multiplier value=1073741824
set_config reg=act_shift value=38
set_config reg=vec_source_b value=225
vector ub=0xc0 src=0xe7 rows=6 op=multiply fn=identity
sync units=activation
set_config reg=tag value=23
set_config reg=vec_source_b value=237
vector ub=0xcf src=0xd5 rows=6 op=multiply fn=identity
sync units=activation
set_config reg=tag value=24
set_config reg=act_shift value=32
set_config reg=vec_scale_a value=4
set_config reg=vec_offset_a value=0
set_config reg=vec_source_b value=207
vector ub=0xd5 src=0xc0 rows=6 op=add fn=identity
sync units=activation
set_config reg=tag value=25
set_config reg=act_shift value=31
set_config reg=vec_scale_a value=1
vector ub=0xc0 src=0xd5 rows=6 op=unary fn=tanh
sync units=activation
set_config reg=tag value=26
set_config reg=act_shift value=38
set_config reg=vec_offset_a value=128
set_config reg=vec_source_b value=192
vector ub=0xcf src=0xf3 rows=6 op=multiply fn=identity
sync units=activation
set_config reg=tag value=27
set_config reg=act_multiplier value=1147509812
set_config reg=act_shift value=40
matrix_multiply ub=0xcf acc=0x0 rows=3 switch
matrix_multiply ub=0xd2 acc=0x0 rows=3 switch accumulate
matrix_multiply ub=0xdb acc=0x0 rows=3 switch accumulate
matrix_multiply ub=0xde acc=0x0 rows=3 switch accumulate
set_config reg=act_bias_row value=96
activate ub=0xc0 acc=0x0 rows=3 fn=sigmoid bias
matrix_multiply ub=0xcf acc=0x100 rows=3 switch
matrix_multiply ub=0xd2 acc=0x100 rows=3 switch accumulate
matrix_multiply ub=0xdb acc=0x100 rows=3 switch accumulate
matrix_multiply ub=0xde acc=0x100 rows=3 switch accumulate
set_config reg=act_bias_row value=100
activate ub=0xc3 acc=0x100 rows=3 fn=sigmoid bias
read_weights dram=0x5800 tiles=8
sync units=activation
set_config reg=tag value=28
set_config reg=act_multiplier value=2120051343
set_config reg=act_shift value=41
matrix_multiply ub=0xcf acc=0x0 rows=3 switch
matrix_multiply ub=0xd2 acc=0x0 rows=3 switch accumulate
matrix_multiply ub=0xdb acc=0x0 rows=3 switch accumulate
matrix_multiply ub=0xde acc=0x0 rows=3 switch accumulate
set_config reg=act_bias_row value=104
activate ub=0xe1 acc=0x0 rows=3 fn=sigmoid bias
matrix_multiply ub=0xcf acc=0x100 rows=3 switch
matrix_multiply ub=0xd2 acc=0x100 rows=3 switch accumulate
matrix_multiply ub=0xdb acc=0x100 rows=3 switch accumulate
matrix_multiply ub=0xde acc=0x100 rows=3 switch accumulate
set_config reg=act_bias_row value=108
activate ub=0xe4 acc=0x100 rows=3 fn=sigmoid bias
read_weights dram=0x6000 tiles=8
sync units=activation
set_config reg=tag value=29
set_config reg=act_multiplier value=1967283417
matrix_multiply ub=0xcf acc=0x0 rows=3 switch
matrix_multiply ub=0xd2 acc=0x0 rows=3 switch accumulate
matrix_multiply ub=0xdb acc=0x0 rows=3 switch accumulate
matrix_multiply ub=0xde acc=0x0 rows=3 switch accumulate
set_config reg=act_bias_row value=112
activate ub=0xe7 acc=0x0 rows=3 fn=tanh bias
matrix_multiply ub=0xcf acc=0x100 rows=3 switch
matrix_multiply ub=0xd2 acc=0x100 rows=3 switch accumulate
matrix_multiply ub=0xdb acc=0x100 rows=3 switch accumulate
matrix_multiply ub=0xde acc=0x100 rows=3 switch accumulate
set_config reg=act_bias_row value=116
activate ub=0xea acc=0x100 rows=3 fn=tanh bias
read_weights dram=0x6800 tiles=8
sync units=activation
set_config reg=tag value=30
set_config reg=act_multiplier value=1735378838
matrix_multiply ub=0xcf acc=0x0 rows=3 switch
matrix_multiply ub=0xd2 acc=0x0 rows=3 switch accumulate
matrix_multiply ub=0xdb acc=0x0 rows=3 switch accumulate
matrix_multiply ub=0xde acc=0x0 rows=3 switch accumulate
set_config reg=act_bias_row value=120
activate ub=0xed acc=0x0 rows=3 fn=sigmoid bias
matrix_multiply ub=0xcf acc=0x100 rows=3 switch
matrix_multiply ub=0xd2 acc=0x100 rows=3 switch accumulate
matrix_multiply ub=0xdb acc=0x100 rows=3 switch accumulate
matrix_multiply ub=0xde acc=0x100 rows=3 switch accumulate
set_config reg=act_bias_row value=124
activate ub=0xf0 acc=0x100 rows=3 fn=sigmoid bias
read_weights dram=0x7000 tiles=6
sync units=activation
set_config reg=tag value=31
set_config reg=act_multiplier value=1073741824
set_config reg=act_shift value=38
set_config reg=vec_source_b value=201
vector ub=0xdb src=0xe1 rows=6 op=multiply fn=identity
sync units=activation
set_config reg=tag value=32
set_config reg=vec_source_b value=231
vector ub=0xc9 src=0xc0 rows=6 op=multiply fn=identity
sync units=activation
set_config reg=tag value=33
set_config reg=act_shift value=32
set_config reg=vec_scale_a value=4
set_config reg=vec_offset_a value=0
set_config reg=vec_source_b value=201
vector ub=0xc0 src=0xdb rows=6 op=add fn=identity
sync units=activation
set_config reg=tag value=34
set_config reg=act_shift value=31
set_config reg=vec_scale_a value=1
vector ub=0xc9 src=0xc0 rows=6 op=unary fn=tanh
sync units=activation
set_config reg=tag value=35
set_config reg=act_shift value=38
set_config reg=vec_offset_a value=128
vector ub=0xdb src=0xed rows=6 op=multiply fn=identity
sync units=activation
set_config reg=tag value=36
set_config reg=act_multiplier value=1880210126
set_config reg=act_shift value=41
matrix_multiply ub=0xc6 acc=0x0 rows=3 switch
matrix_multiply ub=0xcf acc=0x0 rows=3 switch accumulate
matrix_multiply ub=0xd2 acc=0x0 rows=3 switch accumulate
set_config reg=act_bias_row value=128
activate ub=0xc9 acc=0x0 rows=3 fn=sigmoid bias
matrix_multiply ub=0xc6 acc=0x100 rows=3 switch
matrix_multiply ub=0xcf acc=0x100 rows=3 switch accumulate
matrix_multiply ub=0xd2 acc=0x100 rows=3 switch accumulate
set_config reg=act_bias_row value=132
activate ub=0xcc acc=0x100 rows=3 fn=sigmoid bias
read_weights dram=0x7600 tiles=6
sync units=activation
set_config reg=tag value=37
set_config reg=act_multiplier value=1716122479
matrix_multiply ub=0xc6 acc=0x0 rows=3 switch
matrix_multiply ub=0xcf acc=0x0 rows=3 switch accumulate
matrix_multiply ub=0xd2 acc=0x0 rows=3 switch accumulate
set_config reg=act_bias_row value=136
activate ub=0xe1 acc=0x0 rows=3 fn=sigmoid bias
matrix_multiply ub=0xc6 acc=0x100 rows=3 switch
matrix_multiply ub=0xcf acc=0x100 rows=3 switch accumulate
matrix_multiply ub=0xd2 acc=0x100 rows=3 switch accumulate
set_config reg=act_bias_row value=140
activate ub=0xe4 acc=0x100 rows=3 fn=sigmoid bias
read_weights dram=0x7c00 tiles=6
sync units=activation
set_config reg=tag value=38
set_config reg=act_multiplier value=1891556636
matrix_multiply ub=0xc6 acc=0x0 rows=3 switch
matrix_multiply ub=0xcf acc=0x0 rows=3 switch accumulate
matrix_multiply ub=0xd2 acc=0x0 rows=3 switch accumulate
set_config reg=act_bias_row value=144
activate ub=0xe7 acc=0x0 rows=3 fn=tanh bias
matrix_multiply ub=0xc6 acc=0x100 rows=3 switch
matrix_multiply ub=0xcf acc=0x100 rows=3 switch accumulate
matrix_multiply ub=0xd2 acc=0x100 rows=3 switch accumulate
set_config reg=act_bias_row value=148
activate ub=0xea acc=0x100 rows=3 fn=tanh bias
read_weights dram=0x8200 tiles=6
sync units=activation
set_config reg=tag value=39
set_config reg=act_multiplier value=1879406660
matrix_multiply ub=0xc6 acc=0x0 rows=3 switch
matrix_multiply ub=0xcf acc=0x0 rows=3 switch accumulate
matrix_multiply ub=0xd2 acc=0x0 rows=3 switch accumulate
set_config reg=act_bias_row value=152
activate ub=0xed acc=0x0 rows=3 fn=sigmoid bias
matrix_multiply ub=0xc6 acc=0x100 rows=3 switch
matrix_multiply ub=0xcf acc=0x100 rows=3 switch accumulate
matrix_multiply ub=0xd2 acc=0x100 rows=3 switch accumulate
set_config reg=act_bias_row value=156
activate ub=0xf0 acc=0x100 rows=3 fn=sigmoid bias
read_weights dram=0x8800 tiles=8
sync units=activation
set_config reg=tag value=40
set_config reg=act_multiplier value=1073741824
set_config reg=act_shift value=38
set_config reg=vec_source_b value=213
vector ub=0xcf src=0xe1 rows=6 op=multiply fn=identity
sync units=activation
set_config reg=tag value=41
set_config reg=vec_source_b value=231
vector ub=0xd5 src=0xc9 rows=6 op=multiply fn=identity
sync units=activation
set_config reg=tag value=42
set_config reg=act_shift value=32
set_config reg=vec_scale_a value=4
set_config reg=vec_offset_a value=0
set_config reg=vec_source_b value=213
vector ub=0xc6 src=0xcf rows=6 op=add fn=identity
sync units=activation
set_config reg=tag value=43
set_config reg=act_shift value=31
set_config reg=vec_scale_a value=1
vector ub=0xcc src=0xc6 rows=6 op=unary fn=tanh
sync units=activation
set_config reg=tag value=44
set_config reg=act_shift value=38
set_config reg=vec_offset_a value=128
set_config reg=vec_source_b value=204
vector ub=0xc6 src=0xed rows=6 op=multiply fn=identity
sync units=activation
set_config reg=tag value=45
set_config reg=act_multiplier value=1147509812
set_config reg=act_shift value=40
matrix_multiply ub=0xc6 acc=0x0 rows=3 switch
matrix_multiply ub=0xc9 acc=0x0 rows=3 switch accumulate
matrix_multiply ub=0xdb acc=0x0 rows=3 switch accumulate
matrix_multiply ub=0xde acc=0x0 rows=3 switch accumulate
set_config reg=act_bias_row value=160
activate ub=0xcc acc=0x0 rows=3 fn=sigmoid bias
matrix_multiply ub=0xc6 acc=0x100 rows=3 switch
matrix_multiply ub=0xc9 acc=0x100 rows=3 switch accumulate
matrix_multiply ub=0xdb acc=0x100 rows=3 switch accumulate
matrix_multiply ub=0xde acc=0x100 rows=3 switch accumulate
set_config reg=act_bias_row value=164
activate ub=0xcf acc=0x100 rows=3 fn=sigmoid bias
read_weights dram=0x9000 tiles=8
sync units=activation
set_config reg=tag value=46
set_config reg=act_multiplier value=2120051343
set_config reg=act_shift value=41
matrix_multiply ub=0xc6 acc=0x0 rows=3 switch
matrix_multiply ub=0xc9 acc=0x0 rows=3 switch accumulate
matrix_multiply ub=0xdb acc=0x0 rows=3 switch accumulate
matrix_multiply ub=0xde acc=0x0 rows=3 switch accumulate
set_config reg=act_bias_row value=168
activate ub=0xd2 acc=0x0 rows=3 fn=sigmoid bias
matrix_multiply ub=0xc6 acc=0x100 rows=3 switch
matrix_multiply ub=0xc9 acc=0x100 rows=3 switch accumulate
matrix_multiply ub=0xdb acc=0x100 rows=3 switch accumulate
matrix_multiply ub=0xde acc=0x100 rows=3 switch accumulate
set_config reg=act_bias_row value=172
activate ub=0xd5 acc=0x100 rows=3 fn=sigmoid bias
read_weights dram=0x9800 tiles=8
sync units=activation
set_config reg=tag value=47
set_config reg=act_multiplier value=1967283417
matrix_multiply ub=0xc6 acc=0x0 rows=3 switch
matrix_multiply ub=0xc9 acc=0x0 rows=3 switch accumulate
matrix_multiply ub=0xdb acc=0x0 rows=3 switch accumulate
matrix_multiply ub=0xde acc=0x0 rows=3 switch accumulate
set_config reg=act_bias_row value=176
activate ub=0xe1 acc=0x0 rows=3 fn=tanh bias
matrix_multiply ub=0xc6 acc=0x100 rows=3 switch
matrix_multiply ub=0xc9 acc=0x100 rows=3 switch accumulate
matrix_multiply ub=0xdb acc=0x100 rows=3 switch accumulate
matrix_multiply ub=0xde acc=0x100 rows=3 switch accumulate
set_config reg=act_bias_row value=180
activate ub=0xe4 acc=0x100 rows=3 fn=tanh bias
read_weights dram=0xa000 tiles=8
sync units=activation
set_config reg=tag value=48
set_config reg=act_multiplier value=1735378838
matrix_multiply ub=0xc6 acc=0x0 rows=3 switch
matrix_multiply ub=0xc9 acc=0x0 rows=3 switch accumulate
matrix_multiply ub=0xdb acc=0x0 rows=3 switch accumulate
matrix_multiply ub=0xde acc=0x0 rows=3 switch accumulate
set_config reg=act_bias_row value=184
activate ub=0xe7 acc=0x0 rows=3 fn=sigmoid bias
matrix_multiply ub=0xc6 acc=0x100 rows=3 switch
matrix_multiply ub=0xc9 acc=0x100 rows=3 switch accumulate
matrix_multiply ub=0xdb acc=0x100 rows=3 switch accumulate
matrix_multiply ub=0xde acc=0x100 rows=3 switch accumulate
set_config reg=act_bias_row value=188
activate ub=0xea acc=0x100 rows=3 fn=sigmoid bias
sync units=activation
set_config reg=tag value=49
set_config reg=act_multiplier value=1073741824
set_config reg=act_shift value=38
set_config reg=vec_source_b value=192
vector ub=0xc6 src=0xd2 rows=6 op=multiply fn=identity
sync units=activation
set_config reg=tag value=50
set_config reg=vec_source_b value=225
vector ub=0xc0 src=0xcc rows=6 op=multiply fn=identity
sync units=activation
set_config reg=tag value=51
set_config reg=act_shift value=32
set_config reg=vec_scale_a value=4
set_config reg=vec_offset_a value=0
set_config reg=vec_source_b value=192
vector ub=0xcc src=0xc6 rows=6 op=add fn=identity
sync units=activation
set_config reg=tag value=52
set_config reg=act_shift value=31
set_config reg=vec_scale_a value=1
vector ub=0xc0 src=0xcc rows=6 op=unary fn=tanh
sync units=activation
set_config reg=tag value=53
set_config reg=act_shift value=38
set_config reg=vec_offset_a value=128
vector ub=0xc6 src=0xe7 rows=6 op=multiply fn=identity
sync units=activation
set_config reg=host_row_bytes value=0
write_host_memory ub=0xc6 host=0xd65 rows=3
set_config reg=host_row_bytes value=4
write_host_memory ub=0xc9 host=0xd95 rows=3
halt
