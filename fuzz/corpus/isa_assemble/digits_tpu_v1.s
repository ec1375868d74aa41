# digits-mlp on tpu_v1, batch 256
read_host_memory ub=0x0 host=0x0 rows=12
read_host_memory ub=0xc host=0xc00 rows=256
read_weights dram=0x0 tiles=1
sync units=host
read_host_memory ub=0x40c host=0x20c00 rows=256
set_config reg=act_multiplier value=1547599184
set_config reg=act_shift value=40
set_config reg=act_zero_point value=0
matrix_multiply ub=0xc acc=0x0 rows=256 switch
set_config reg=act_bias_row value=0
activate ub=0x10c acc=0x0 rows=256 fn=relu bias
read_weights dram=0x10000 tiles=1
sync units=activation
set_config reg=act_multiplier value=1691932679
set_config reg=act_shift value=39
set_config reg=act_zero_point value=0
matrix_multiply ub=0x10c acc=0x0 rows=256 switch
set_config reg=act_bias_row value=4
activate ub=0x20c acc=0x0 rows=256 fn=relu bias
read_weights dram=0x20000 tiles=1
sync units=activation
set_config reg=act_multiplier value=1589524194
set_config reg=act_shift value=39
set_config reg=act_zero_point value=0
matrix_multiply ub=0x20c acc=0x0 rows=256 switch
set_config reg=act_bias_row value=8
activate ub=0x30c acc=0x0 rows=256 fn=identity bias
read_weights dram=0x0 tiles=1
sync units=activation
write_host_memory ub=0x30c host=0x10c00 rows=256
sync units=host
read_host_memory ub=0xc host=0x40c00 rows=256
set_config reg=act_multiplier value=1547599184
set_config reg=act_shift value=40
set_config reg=act_zero_point value=0
matrix_multiply ub=0x40c acc=0x0 rows=256 switch
set_config reg=act_bias_row value=0
activate ub=0x50c acc=0x0 rows=256 fn=relu bias
read_weights dram=0x10000 tiles=1
sync units=activation
set_config reg=act_multiplier value=1691932679
set_config reg=act_shift value=39
set_config reg=act_zero_point value=0
matrix_multiply ub=0x50c acc=0x0 rows=256 switch
set_config reg=act_bias_row value=4
activate ub=0x60c acc=0x0 rows=256 fn=relu bias
read_weights dram=0x20000 tiles=1
sync units=activation
set_config reg=act_multiplier value=1589524194
set_config reg=act_shift value=39
set_config reg=act_zero_point value=0
matrix_multiply ub=0x60c acc=0x0 rows=256 switch
set_config reg=act_bias_row value=8
activate ub=0x70c acc=0x0 rows=256 fn=identity bias
read_weights dram=0x0 tiles=1
sync units=activation
write_host_memory ub=0x70c host=0x30c00 rows=256
sync units=host
read_host_memory ub=0x40c host=0x60c00 rows=256
set_config reg=act_multiplier value=1547599184
set_config reg=act_shift value=40
set_config reg=act_zero_point value=0
matrix_multiply ub=0xc acc=0x0 rows=256 switch
set_config reg=act_bias_row value=0
activate ub=0x10c acc=0x0 rows=256 fn=relu bias
read_weights dram=0x10000 tiles=1
sync units=activation
set_config reg=act_multiplier value=1691932679
set_config reg=act_shift value=39
set_config reg=act_zero_point value=0
matrix_multiply ub=0x10c acc=0x0 rows=256 switch
set_config reg=act_bias_row value=4
activate ub=0x20c acc=0x0 rows=256 fn=relu bias
read_weights dram=0x20000 tiles=1
sync units=activation
set_config reg=act_multiplier value=1589524194
set_config reg=act_shift value=39
set_config reg=act_zero_point value=0
matrix_multiply ub=0x20c acc=0x0 rows=256 switch
set_config reg=act_bias_row value=8
activate ub=0x30c acc=0x0 rows=256 fn=identity bias
read_weights dram=0x0 tiles=1
sync units=activation
write_host_memory ub=0x30c host=0x50c00 rows=256
sync units=host
read_host_memory ub=0xc host=0x80c00 rows=256
set_config reg=act_multiplier value=1547599184
set_config reg=act_shift value=40
set_config reg=act_zero_point value=0
matrix_multiply ub=0x40c acc=0x0 rows=256 switch
set_config reg=act_bias_row value=0
activate ub=0x50c acc=0x0 rows=256 fn=relu bias
read_weights dram=0x10000 tiles=1
sync units=activation
set_config reg=act_multiplier value=1691932679
set_config reg=act_shift value=39
set_config reg=act_zero_point value=0
matrix_multiply ub=0x50c acc=0x0 rows=256 switch
set_config reg=act_bias_row value=4
activate ub=0x60c acc=0x0 rows=256 fn=relu bias
read_weights dram=0x20000 tiles=1
sync units=activation
set_config reg=act_multiplier value=1589524194
set_config reg=act_shift value=39
set_config reg=act_zero_point value=0
matrix_multiply ub=0x60c acc=0x0 rows=256 switch
set_config reg=act_bias_row value=8
activate ub=0x70c acc=0x0 rows=256 fn=identity bias
read_weights dram=0x0 tiles=1
sync units=activation
write_host_memory ub=0x70c host=0x70c00 rows=256
sync units=host
read_host_memory ub=0x40c host=0xa0c00 rows=256
set_config reg=act_multiplier value=1547599184
set_config reg=act_shift value=40
set_config reg=act_zero_point value=0
matrix_multiply ub=0xc acc=0x0 rows=256 switch
set_config reg=act_bias_row value=0
activate ub=0x10c acc=0x0 rows=256 fn=relu bias
read_weights dram=0x10000 tiles=1
sync units=activation
set_config reg=act_multiplier value=1691932679
set_config reg=act_shift value=39
set_config reg=act_zero_point value=0
matrix_multiply ub=0x10c acc=0x0 rows=256 switch
set_config reg=act_bias_row value=4
activate ub=0x20c acc=0x0 rows=256 fn=relu bias
read_weights dram=0x20000 tiles=1
sync units=activation
set_config reg=act_multiplier value=1589524194
set_config reg=act_shift value=39
set_config reg=act_zero_point value=0
matrix_multiply ub=0x20c acc=0x0 rows=256 switch
set_config reg=act_bias_row value=8
activate ub=0x30c acc=0x0 rows=256 fn=identity bias
read_weights dram=0x0 tiles=1
sync units=activation
write_host_memory ub=0x30c host=0x90c00 rows=256
sync units=host
read_host_memory ub=0xc host=0xc0c00 rows=256
set_config reg=act_multiplier value=1547599184
set_config reg=act_shift value=40
set_config reg=act_zero_point value=0
matrix_multiply ub=0x40c acc=0x0 rows=256 switch
set_config reg=act_bias_row value=0
activate ub=0x50c acc=0x0 rows=256 fn=relu bias
read_weights dram=0x10000 tiles=1
sync units=activation
set_config reg=act_multiplier value=1691932679
set_config reg=act_shift value=39
set_config reg=act_zero_point value=0
matrix_multiply ub=0x50c acc=0x0 rows=256 switch
set_config reg=act_bias_row value=4
activate ub=0x60c acc=0x0 rows=256 fn=relu bias
read_weights dram=0x20000 tiles=1
sync units=activation
set_config reg=act_multiplier value=1589524194
set_config reg=act_shift value=39
set_config reg=act_zero_point value=0
matrix_multiply ub=0x60c acc=0x0 rows=256 switch
set_config reg=act_bias_row value=8
activate ub=0x70c acc=0x0 rows=256 fn=identity bias
read_weights dram=0x0 tiles=1
sync units=activation
write_host_memory ub=0x70c host=0xb0c00 rows=256
sync units=host
read_host_memory ub=0x40c host=0xe0c00 rows=5
set_config reg=act_multiplier value=1547599184
set_config reg=act_shift value=40
set_config reg=act_zero_point value=0
matrix_multiply ub=0xc acc=0x0 rows=256 switch
set_config reg=act_bias_row value=0
activate ub=0x10c acc=0x0 rows=256 fn=relu bias
read_weights dram=0x10000 tiles=1
sync units=activation
set_config reg=act_multiplier value=1691932679
set_config reg=act_shift value=39
set_config reg=act_zero_point value=0
matrix_multiply ub=0x10c acc=0x0 rows=256 switch
set_config reg=act_bias_row value=4
activate ub=0x20c acc=0x0 rows=256 fn=relu bias
read_weights dram=0x20000 tiles=1
sync units=activation
set_config reg=act_multiplier value=1589524194
set_config reg=act_shift value=39
set_config reg=act_zero_point value=0
matrix_multiply ub=0x20c acc=0x0 rows=256 switch
set_config reg=act_bias_row value=8
activate ub=0x30c acc=0x0 rows=256 fn=identity bias
read_weights dram=0x0 tiles=1
sync units=activation
write_host_memory ub=0x30c host=0xd0c00 rows=256
sync units=host
set_config reg=act_multiplier value=1547599184
set_config reg=act_shift value=40
set_config reg=act_zero_point value=0
matrix_multiply ub=0x40c acc=0x0 rows=5 switch
set_config reg=act_bias_row value=0
activate ub=0x50c acc=0x0 rows=5 fn=relu bias
read_weights dram=0x10000 tiles=1
sync units=activation
set_config reg=act_multiplier value=1691932679
set_config reg=act_shift value=39
set_config reg=act_zero_point value=0
matrix_multiply ub=0x50c acc=0x0 rows=5 switch
set_config reg=act_bias_row value=4
activate ub=0x60c acc=0x0 rows=5 fn=relu bias
read_weights dram=0x20000 tiles=1
sync units=activation
set_config reg=act_multiplier value=1589524194
set_config reg=act_shift value=39
set_config reg=act_zero_point value=0
matrix_multiply ub=0x60c acc=0x0 rows=5 switch
set_config reg=act_bias_row value=8
activate ub=0x70c acc=0x0 rows=5 fn=identity bias
sync units=activation
write_host_memory ub=0x70c host=0xe1100 rows=5
halt
