// What the sequencer's four functional units (host DMA, weight fetch, matrix, activation) share:
// an in-order instruction queue, accumulator interlocks, completion, and busy/stall accounting.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>
#include <systemc>

#include "config/config.h"
#include "sequencer/dispatch.h"
#include "trace/stats.h"
#include "trace/vcd_writer.h"

namespace tpu {

/// Base of a functional unit module. A derived module runs one SC_THREAD that loops:
/// `Dispatch d = next();` ... execute with waits ... `finish();` (or arranges for completion
/// later, e.g. the MXU after its pipeline drains, by calling seq->complete()).
class FunctionalUnit : public sc_core::sc_module {
 public:
  /// Instructions from the sequencer, in program order.
  sc_core::sc_port<sc_core::sc_fifo_in_if<Dispatch>> instr_in;
  /// Completion and interlocks.
  sc_core::sc_port<SequencerIf> seq;

  /// Unit states for the busy/stall split: idle (no instruction), busy, stall (waiting for a
  /// resource or interlock while holding an instruction).
  enum State : int { kIdle = 0, kBusy = 1, kStall = 2 };

  /// Opcode value traced while a unit holds no instruction.
  static constexpr int kNoOpcode = 0xff;

  FunctionalUnit(sc_core::sc_module_name name, Unit unit, const ArchConfig& cfg);

  /// Adds `<prefix>.opcode` and `<prefix>.state` to a VCD.
  virtual void trace(VcdWriter& vcd, const std::string& prefix) const;
  /// {instructions, cycles: {idle, busy, stall}} plus what derived units add.
  virtual nlohmann::json report() const;

 protected:
  /// Blocks until the next instruction arrives and its interlocks hold; sets opcode and state
  /// to busy, on a clock edge.
  Dispatch next();
  /// Reports completion of the current instruction to the sequencer; state becomes idle.
  void finish();
  /// Switches the busy/idle/stall state.
  void set_state(State s) {
    state_ = s;
    account_.enter(s);
    state_changed();
  }
  /// Hook for derived units that keep their own state split (the MXU's Table 3).
  virtual void state_changed() {}

  const ArchConfig& cfg_;
  const Unit unit_;
  const sc_core::sc_time period_;
  uint64_t instructions_ = 0;
  uint32_t tag_ = 0;                // tag of the instruction held or last held (Set_Config tag)
  Traced<int> opcode_ = kNoOpcode;  // traced
  Traced<int> state_ = kIdle;       // traced
  StateTimeAccount account_;
};

}  // namespace tpu
