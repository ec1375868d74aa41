NOP ; comment
Read_Host_Memory UB=256 HOST=0x2000 ROWS=0x40  # case and decimal
set_config reg=vec_scale_a value=-3
set_config reg=act_zero_point value=-128
activate ub=0xffffff acc=0xffff rows=0xffffffff fn=tanh
sync units=weights,activation
