// Builders of the instructions the lowering emits (isa.h) and the checks that end a lowering
// (steps.h).
#pragma once

#include <cstdint>
#include <string>

#include "config/config.h"
#include "isa/isa.h"
#include "lowering/program.h"
#include "util/report.h"

namespace tpu {

/// Message type of every lowering error.
constexpr const char* kLoweringMsgType = "tpu/lowering";

/// ceil(a / b), b >= 1.
inline uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

/// UB rows holding one output tile's int32 bias vector (mxu.cols values of 4 bytes in rows of
/// mxu.rows bytes: 4 on a square array).
inline uint64_t bias_rows_per_tile(const ArchConfig& cfg) { return ceil_div(4 * uint64_t(cfg.mxu.cols), cfg.mxu.rows); }

/// Checks that a weight image of `bytes` fits the weight memory (dram.capacity_bytes); raises
/// SC_REPORT_ERROR("tpu/lowering") starting with `who`, giving the need and the capacity.
inline void check_weight_capacity(uint64_t bytes, const ArchConfig& cfg, const std::string& who) {
  if (bytes > cfg.dram.capacity_bytes)
    raise_as(kLoweringMsgType, who + ": the weights need " + std::to_string(bytes) +
                                   " bytes of weight memory, dram.capacity_bytes is " +
                                   std::to_string(cfg.dram.capacity_bytes));
}

/// Ends a lowering: appends Halt and checks that the program fits the instruction buffer (the
/// weight image was checked before it was allocated: check_weight_capacity). Raises
/// SC_REPORT_ERROR("tpu/lowering") starting with `who`, giving the need and the capacity and
/// ending with `hint` (what the user can change; may be empty).
inline void finish_program(LoweredProgram& out, const ArchConfig& cfg, const std::string& who,
                           const std::string& hint) {
  Instruction halt;
  halt.op = Opcode::Halt;
  out.program.push_back(halt);
  const uint64_t capacity = cfg.sequencer.instruction_buffer_bytes / kInstructionBytes;
  if (out.program.size() > capacity)
    raise_as(kLoweringMsgType, who + ": the program has " + std::to_string(out.program.size()) +
                                   " instructions, the instruction buffer holds " + std::to_string(capacity) +
                                   " (sequencer.instruction_buffer_bytes)" + hint);
}

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
