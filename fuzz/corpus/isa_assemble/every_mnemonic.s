nop
read_host_memory ub=0x100 host=0x2000 rows=64
write_host_memory ub=0x100 host=0x2000 rows=64
read_weights dram=0x10000 tiles=4
matrix_multiply ub=0x100 acc=0x0 rows=64 switch accumulate
activate ub=0x200 acc=0x0 rows=64 fn=relu bias
convolve ub=0x0 acc=0x0 kr=1 ks=2 p0=0 rows=8 switch accumulate
pool ub=0x400 src=0x0 p0=0 rows=4 average
vector ub=0x500 src=0x100 rows=49 op=add fn=relu
set_config reg=act_multiplier value=1518500250
sync units=host,matrix
halt
