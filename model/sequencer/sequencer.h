// Instruction sequencer: the TPU's CISC front end (TPU paper, Sec. 2).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include <tlm_utils/simple_target_socket.h>
#include <nlohmann/json.hpp>
#include <systemc>
#include <tlm>

#include "config/config.h"
#include "energy/energy_meter.h"
#include "sequencer/dispatch.h"
#include "trace/stats.h"
#include "trace/vcd_writer.h"

namespace tpu {

/// Fetches instructions from the instruction buffer, decodes them and dispatches them in
/// program order to four functional units (host DMA, weight fetch, matrix, activation), which
/// run concurrently: the paper's overlapped pipeline in which each instruction class executes
/// in its own unit. Issue costs sequencer.issue_cycles per instruction. The sequencer blocks
/// only when a unit's queue (sequencer.queue_depth) is full, on Sync and on Halt.
///
/// Ordering rules:
///  - Sync units=M waits until every instruction already dispatched to a unit in M completed.
///    The MXU's idle time during a Sync counts as RAW stall if it waits for the activation
///    unit, input stall if it waits for host DMA, non-matrix otherwise (TPU paper, Table 3).
///  - Unified Buffer hazards are the program's job (the paper's RAW rule: the MXU waits for an
///    explicit Sync before reading UB data written by Activate). This model checks them: an
///    instruction whose UB rows overlap rows that an unfinished instruction of another unit
///    writes (or reads, when the new one writes) is an error naming both instructions.
///  - Accumulator hazards between MatrixMultiply and Activate are interlocked in hardware: the
///    later instruction waits in its unit for the earlier one to complete.
///  - Halt waits for all units, raises `interrupt` and stops fetching.
///  - Interrupt_Host id=K waits for the host, matrix and activation units (every unit that
///    touches the Unified Buffer; Read_Weights already dispatched keep streaming into the weight
///    FIFO), sets STATUS to host-wait and HOST_OP to K, raises `interrupt` and stops fetching
///    until the host writes K to RESUME; then lowers `interrupt` and goes on at the next clock
///    edge. The wait counts as `host_wait` cycles; the MXU's idle time as non-matrix.
///  - Host interaction per layer (the TPU paper's Table 5, per tag): while the sequencer waits for
///    the host, at an Interrupt_Host (its drain and the wait for RESUME) or at a Sync for host
///    DMA (input stall), `mxu_idle_tag` holds the tag register, so the MXU charges those idle
///    cycles to the layer that waits (a host operation's own row) rather than to the next
///    instruction it receives; otherwise it holds kNoIdleTag.
///
/// Register map of `control_socket` (byte offsets; the host reaches them at kControlBase + off):
///   0x00 START   (write, u32): run that many instructions from instruction-buffer offset 0
///   0x08 STATUS  (read, u32): 0 idle, 1 running, 2 halted
///   0x10 RETIRED (read, u64): instructions fetched and issued so far
///   0x18 HOST_OP (read, u32): the id of the Interrupt_Host the sequencer waits at
///   0x20 RESUME  (write, u32): the host finished host operation K (must equal HOST_OP)
///   kInstructionBufferOffset .. + sequencer.instruction_buffer_bytes: instruction buffer
///
/// Errors (SC_REPORT_ERROR "tpu/sequencer", naming the instruction index and text): illegal
/// encodings, UB/accumulator rows or weight-memory addresses out of range, UB hazards without
/// Sync, a program that runs past its end without Halt, START while running or with more
/// instructions than the buffer holds, RESUME when the sequencer does not wait for the host or
/// with another id than HOST_OP.
class Sequencer : public sc_core::sc_module, public SequencerIf {
 public:
  static constexpr uint64_t kRegStart = 0x00;
  static constexpr uint64_t kRegStatus = 0x08;
  static constexpr uint64_t kRegRetired = 0x10;
  static constexpr uint64_t kRegHostOp = 0x18;
  static constexpr uint64_t kRegResume = 0x20;
  static constexpr uint64_t kInstructionBufferOffset = 0x1000'0000;
  enum Status : uint32_t { kIdle = 0, kRunning = 1, kHalted = 2, kHostWait = 3 };

  tlm_utils::simple_target_socket<Sequencer> control_socket;
  sc_core::sc_vector<sc_core::sc_port<sc_core::sc_fifo_out_if<Dispatch>>> unit_out;  ///< by Unit
  sc_core::sc_out<int> mxu_idle_reason;                                              ///< MxuIdleReason
  sc_core::sc_out<int> mxu_idle_tag;  ///< tag of the MXU's idle time, or kNoIdleTag (see the class comment)
  sc_core::sc_out<bool> interrupt;    ///< raised at Halt and at Interrupt_Host (lowered on RESUME)

  Sequencer(sc_core::sc_module_name name, const ArchConfig& cfg);

  // SequencerIf
  void complete(Unit unit) override;
  void wait_for(const UnitDependence& d) override;

  Status status() const { return status_; }
  /// Cycles from START to the completion of Halt (so far, if still running).
  uint64_t run_cycles() const;
  sc_core::sc_time start_time() const { return start_time_; }
  /// The run's time span so far: [start_time(), the Halt's completion) once halted, up to now
  /// while running, empty before START.
  void run_span(sc_core::sc_time* from, sc_core::sc_time* to) const;
  /// Charges each instruction issued to `meter` (MeteredAction::kInstruction) from now on.
  void set_meter(EnergyMeter* meter) { meter_ = meter; }
  /// What the sequencer and each unit are waiting for: for deadlock reports.
  std::string describe_state() const;
  /// Adds `<prefix>.pc` (0 at reset, the Halt's index after a run), `.opcode`, `.state` and `.tag`
  /// (the tag register, 32 bits: the layer being issued) to a VCD.
  void trace(VcdWriter& vcd, const std::string& prefix) const;
  /// {instructions: {mnemonic: n}, cycles: {dispatch, sync_wait, queue_full, ...}, run_cycles}.
  nlohmann::json report() const;

 private:
  /// Rows an instruction touches, [lo, hi) per resource (hi == lo: none).
  struct Footprint {
    uint64_t ub_read_lo = 0, ub_read_hi = 0, ub_read2_lo = 0, ub_read2_hi = 0, ub_write_lo = 0, ub_write_hi = 0;
    uint64_t ub_table_lo = 0, ub_table_hi = 0;  // fn=lookup's table rows
    uint64_t acc_read_lo = 0, acc_read_hi = 0, acc_write_lo = 0, acc_write_hi = 0;
  };
  struct InFlight {
    uint64_t index;    // program position
    uint64_t ordinal;  // position within its unit
    Instruction instr;
    Footprint fp;
  };
  enum State : int { kStIdle = 0, kStIssue = 1, kStSync = 2, kStQueueFull = 3, kStHalted = 4, kStHostWait = 5 };

  void run();
  void control_b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  void dispatch(const Instruction& in, uint64_t index);
  void sync(uint8_t mask);
  void interrupt_host(const Instruction& in);
  void write_resume(const uint8_t* data, const sc_core::sc_time& delay);
  Footprint footprint(const Instruction& in, uint64_t index) const;
  /// The act_lane_* registers with the lane count resolved (0: min(mxu.rows, mxu.cols)).
  ActivateLanes activate_lanes() const {
    ActivateLanes l = lanes_;
    if (l.count == 0) l.count = std::min(cfg_.mxu.rows, cfg_.mxu.cols);
    return l;
  }
  /// Checks a packed layout at dispatch: G divides mxu.rows and first < P; raises naming `what`.
  void check_groups(uint64_t index, const Instruction& in, const LaneGroups& g, const char* what) const;
  /// UB rows [*lo, *hi) that pixels [p0, p1) of a tensor at `base` in layout `g` touch (p0 < p1).
  void pixel_rows(uint64_t base, const LaneGroups& g, uint64_t p0, uint64_t p1, uint64_t* lo, uint64_t* hi) const {
    *lo = base + g.row(p0, cfg_.mxu.rows), *hi = base + g.rows(p1, cfg_.mxu.rows);
  }
  [[noreturn]] void fail(uint64_t index, const Instruction& in, const std::string& what) const;
  void set_state(State s) {
    state_ = s;
    account_.enter(s);
  }

  const ArchConfig& cfg_;
  const sc_core::sc_time period_;
  std::vector<uint8_t> ibuf_;
  uint32_t program_length_ = 0;
  Status status_ = kIdle;
  sc_core::sc_event start_event_, completion_event_, resume_event_;
  uint32_t host_op_ = 0;          // HOST_OP: the Interrupt_Host waited at
  uint64_t host_interrupts_ = 0;  // Interrupt_Hosts executed
  std::array<std::deque<InFlight>, kNumUnits> in_flight_;
  std::array<uint64_t, kNumUnits> dispatched_{}, completed_{};
  RequantParams requant_;
  uint32_t bias_row_ = 0;
  uint32_t table_row_ = 0;                              // register act_table_row
  uint32_t sum_shift_ = 0;                              // register mxu_sum_shift
  ActOutputFormat out_format_ = ActOutputFormat::Int8;  // register act_output_format
  uint32_t plane_rows_ = 0;                             // register act_plane_rows
  uint32_t input_unsigned_ = 0;                         // register act_input_unsigned
  WindowGeometry window_;
  VectorParams vec_;
  Traced<uint32_t> tag_ = 0;  // the tag register (traced)
  uint32_t host_row_bytes_ = 0;
  ActivateLanes lanes_;                                  // the act_lane_* registers as written (count 0: min(R, C))
  LaneGroups mxu_in_, act_out_, pool_in_, host_groups_;  // registers mxu_group_bytes .. host_group_bytes
  uint64_t retired_ = 0;
  // Traced: the program counter, the index of the instruction being issued. Like a hardware PC
  // it resets to 0 (the first instruction START fetches) and holds the Halt's index after the
  // run; it used to be -1 outside a run, which a 32-bit waveform showed as 4294967295.
  Traced<int> pc_ = 0;
  Traced<int> opcode_ = 0xff;    // traced
  Traced<int> state_ = kStIdle;  // traced
  StateTimeAccount account_;
  std::map<std::string, uint64_t> opcode_counts_;
  sc_core::sc_time start_time_, end_time_;
  EnergyMeter* meter_ = nullptr;  // set_meter()
};

}  // namespace tpu
