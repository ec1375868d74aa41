// Control between the instruction sequencer and its functional units: what a dispatched
// instruction carries, and how a unit reports completion or waits for another unit.
//
// Data never moves here: units move data as TLM-2.0 payloads through their sockets. This is
// the sequencer's control path (DESIGN.md Sec. 2: dispatch, completion and sync may use
// sc_fifo and sc_event inside the sequencer's functional units).
#pragma once

#include <cstdint>
#include <vector>

#include <systemc>

#include "isa.h"
#include "quant.h"

namespace tpu {

/// "Unit u has completed at least `count` instructions": an accumulator interlock.
struct UnitDependence {
  Unit unit;
  uint64_t count;
};

/// An instruction as the sequencer hands it to a functional unit.
struct Dispatch {
  Instruction instr;                   ///< the decoded instruction
  uint64_t index = 0;                  ///< position in the program (0-based), for messages
  std::vector<UnitDependence> waits;   ///< accumulator interlocks to honour before executing
  RequantParams requant;               ///< Activate: activation registers at dispatch time
  uint32_t bias_row = 0;               ///< Activate with BIAS: UB row of the int32 bias vector
};

/// Printing support required by sc_fifo<Dispatch>.
std::ostream& operator<<(std::ostream& os, const Dispatch& d);

/// Implemented by the sequencer; called by the functional units' threads.
class SequencerIf : public virtual sc_core::sc_interface {
 public:
  /// The unit finished its oldest outstanding instruction (units complete in order).
  virtual void complete(Unit unit) = 0;
  /// Blocks the calling thread until `d` holds.
  virtual void wait_for(const UnitDependence& d) = 0;
};

/// Why the MXU has no instruction to run, as the sequencer sees it (TPU paper, Table 3).
/// NotRunning: before START or after Halt (outside the Table 3 split).
enum class MxuIdleReason : int { NonMatrix = 0, RawStall = 1, InputStall = 2, NotRunning = 3 };

}  // namespace tpu
