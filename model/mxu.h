// Matrix Multiply Unit: a weight-stationary systolic array of int8 MACs (TPU paper, Sec. 2).
#pragma once

#include <cstdint>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "functional_unit.h"

namespace tpu {

/// The MXU executes MatrixMultiply. Function and timing are separate (DESIGN.md Sec. 2):
///
/// Function (bit exact): X = `rows` UB rows from ub_row (B x R int8), W = the active weight tile
/// (R x C int8, row-major [input][output]); P = X * W (B x C, int32, products of int8 summed in
/// int32). With ACCUMULATE, P is added to accumulator rows acc_row .. acc_row+B-1 (32-bit
/// two's-complement wrap-around); otherwise it overwrites them.
///
/// Timing (R x C array, cycles of the core clock):
///  - A block of B rows streams into the array in B cycles starting at t0; consecutive blocks
///    stream back to back, so a sequence of blocks costs sum(B) cycles when nothing stalls.
///  - Row b of the block meets PE(r, c) in cycle t0 + b + r + c; the last partial sum leaves
///    the array at the end of cycle t0 + B + R + C - 3, so the instruction completes at
///    t0 + B + (R + C - 2) (its results are then in the accumulators). Only its completion is
///    delayed by the fill/drain latency R + C - 2; the next block may start at t0 + B.
///  - Weights are double-buffered: a "shifter" moves the next tile from the weight FIFO into the
///    shadow buffer in weight_shift_cycles (256 on TPU v1), starting when the tile has arrived
///    and the shadow buffer is free. SWITCH makes the shadow tile active with the first row of
///    its block (no bubble) and frees the shadow buffer at that moment. A block with SWITCH
///    whose shadow tile is not ready stalls: "weight stall" while the tile has not arrived from
///    the weight memory, "weight shift" while it is shifting in.
///
/// Table 3 of the TPU paper splits the MXU's time into array active, weight stall, weight shift,
/// non-matrix, RAW stall and input stall; every cycle between START and Halt falls into exactly
/// one (idle cycles take the reason the sequencer gives on `idle_reason`; cycles waiting for an
/// accumulator interlock count as non-matrix).
///
/// Errors (SC_REPORT_ERROR "tpu/mxu"): a MatrixMultiply before any SWITCH loaded a tile.
class Mxu : public FunctionalUnit {
 public:
  tlm_utils::simple_initiator_socket<Mxu> ub_socket;      ///< reads activation rows
  tlm_utils::simple_initiator_socket<Mxu> acc_socket;     ///< reads/writes partial sums
  tlm_utils::simple_initiator_socket<Mxu> weight_socket;  ///< pops tiles from the weight FIFO
  sc_core::sc_in<int> idle_reason;                        ///< MxuIdleReason from the sequencer

  /// Table 3 categories, in the paper's order, plus the time outside START..Halt.
  enum Category : int { kActive = 0, kWeightStall, kWeightShift, kNonMatrix, kRawStall, kInputStall, kNotRunning };

  Mxu(sc_core::sc_module_name name, const ArchConfig& cfg);

  /// Cycles in one Table 3 category so far.
  uint64_t cycles(Category c) const { return to_cycles(table3_.total(c), period_); }
  /// Fill/drain latency of the array in cycles: R + C - 2.
  uint64_t pipeline_latency_cycles() const { return cfg_.mxu.rows + cfg_.mxu.cols - 2; }
  /// Timing of one MatrixMultiply block, in cycles since time 0.
  struct BlockTiming {
    uint64_t index;       ///< program position of the instruction
    uint64_t start;       ///< cycle its first row entered the array
    uint64_t stream_end;  ///< start + B: the next block may start here
    uint64_t done;        ///< stream_end + R + C - 2: its partial sums are in the accumulators
    bool switched;        ///< it switched to a new weight tile
  };
  /// Records a BlockTiming per block from now on (off by default; tests and co-simulation).
  void record_blocks(bool on) { record_ = on; }
  const std::vector<BlockTiming>& block_log() const { return log_; }
  /// Array MACs performed (B x R x C per block, including padding).
  uint64_t array_macs() const { return array_macs_; }
  void trace(sc_core::sc_trace_file* tf, const std::string& prefix) const override;
  /// Adds table3 {category: cycles}, blocks, rows, array_macs, tiles_switched.
  nlohmann::json report() const override;

 private:
  void run();
  void shifter();
  void update_category();
  void state_changed() override { update_category(); }
  void on_completion();
  void multiply(const Dispatch& d);

  const uint32_t R_, C_;
  std::vector<int8_t> active_, shadow_;      // weight tiles, R x C
  bool active_valid_ = false;
  bool shadow_ready_ = false;                // shadow holds a fully shifted-in tile
  bool shifting_ = false;                    // the shifter is moving a tile in
  bool waiting_for_weights_ = false;
  sc_core::sc_event shadow_changed_, shadow_freed_;
  sc_core::sc_event_queue completions_;      // one notification per finished block
  std::vector<uint8_t> rows_;                // scratch: activation rows
  std::vector<int32_t> sums_;                // scratch: partial sums
  StateTimeAccount table3_;
  int category_ = kNotRunning;               // traced
  bool record_ = false;
  std::vector<BlockTiming> log_;
  uint64_t blocks_ = 0, rows_streamed_ = 0, array_macs_ = 0, tiles_switched_ = 0;
};

}  // namespace tpu
