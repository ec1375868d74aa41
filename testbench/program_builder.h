// Builders of the instructions the host's lowerings emit (isa.h), shared by the dense-MLP and the
// network lowering.
#pragma once

#include <cstdint>

#include "isa.h"

namespace tpu {

/// Read_Host_Memory or Write_Host_Memory of `rows` UB rows at `ub_row` from/to `host_addr`.
inline Instruction host_transfer(Opcode op, uint64_t ub_row, uint64_t host_addr, uint64_t rows) {
  Instruction in;
  in.op = op;
  in.ub_row = uint32_t(ub_row);
  in.host_addr = uint32_t(host_addr);
  in.rows = uint32_t(rows);
  return in;
}

/// Sync on one unit.
inline Instruction sync(Unit u) {
  Instruction in;
  in.op = Opcode::Sync;
  in.unit_mask = uint8_t(1u << int(u));
  return in;
}

/// Set_Config of `reg` to `value`.
inline Instruction set_config(ConfigRegister reg, int32_t value) {
  Instruction in;
  in.op = Opcode::SetConfig;
  in.reg = reg;
  in.value = value;
  return in;
}

/// Read_Weights of `tiles` tiles from weight-memory byte `dram_addr`.
inline Instruction read_weights(uint64_t dram_addr, uint64_t tiles) {
  Instruction in;
  in.op = Opcode::ReadWeights;
  in.dram_addr = dram_addr;
  in.tiles = uint32_t(tiles);
  return in;
}

}  // namespace tpu
