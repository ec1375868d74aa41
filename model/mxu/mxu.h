// Matrix Multiply Unit: a weight-stationary systolic array of int8 MACs (TPU paper, Sec. 2).
#pragma once

#include <cstdint>
#include <vector>

#include <tlm_utils/simple_initiator_socket.h>
#include <systemc>
#include <tlm>

#include <array>
#include <deque>
#include <map>
#include <memory>

#include "memory/memory_target.h"
#include "mxu/mxu_datapath.h"
#include "sequencer/functional_unit.h"

namespace tpu {

/// The MXU executes MatrixMultiply. Function and timing are separate (docs/architecture.md,
/// "Conventions"):
///
/// Function (bit exact): X = `rows` UB rows from ub_row (B x R bytes, int8, or uint8 with
/// UNSIGNED_A), W = the active weight tile (R x C bytes, int8, or uint8 with UNSIGNED_W, row-major
/// [input][output]); P = (X * W) * 2^mxu_sum_shift (B x C, products summed in int32, the shift
/// modulo 2^32; isa.h, "Operand formats"). With ACCUMULATE, P is added to accumulator rows
/// acc_row .. acc_row+B-1 (32-bit two's-complement wrap-around); otherwise it overwrites them.
///
/// Timing (R x C array, cycles of the core clock; the pin-level contract is mxu_pins.h):
///  - A block of B rows streams into the array in B cycles starting at t0; consecutive blocks
///    stream back to back, so a sequence of blocks costs sum(B) cycles when nothing stalls.
///  - Row b meets PE(r, c) in cycle t0 + b + r + c; the block's last sums leave the array in
///    cycle t0 + B - 1 + (R + C - 1), so the instruction completes (its sums are in the
///    accumulators) at t0 + B + R + C - 1. Only the completion waits for the fill/drain
///    latency R + C - 1; the next block may start at t0 + B.
///  - Weights are double-buffered: a shifter takes the next tile from the weight FIFO and shifts
///    it into the PEs' chain registers in weight_shift_cycles (256 = R on TPU v1). SWITCH makes
///    that tile active with the first row of its block (no bubble); the chain registers are free
///    for the next shift R - 1 cycles later, once the switch wave has passed every PE row. So a
///    block with SWITCH may start at max(previous start + previous B, shift end), and a shift
///    may start at max(tile arrival, last switch + R - 1): with tiles ready, consecutive
///    switching blocks start max(B, R - 1 + S) cycles apart. A switching block whose tile is not
///    ready stalls: "weight stall" while the tile has not arrived from the weight memory,
///    "weight shift" while it waits to shift or shifts in.
///  - The array itself (products and when sums leave) is an MxuDatapath chosen by mxu.model:
///    the analytic dataflow, the PE-by-PE SystemC array, or Verilated RTL; all three follow these
///    rules cycle for cycle.
///
/// Table 3 of the TPU paper splits the MXU's time into array active, weight stall, weight shift,
/// non-matrix, RAW stall and input stall; every cycle between START and Halt falls into exactly
/// one (idle cycles take the reason the sequencer gives on `idle_reason`; cycles waiting for an
/// accumulator interlock count as non-matrix).
///
/// Convolve (isa.h) is MatrixMultiply whose B = rows * Q array rows come from the data-setup
/// path: it reads the UB rows of the input pixels each output pixel needs for one kernel
/// position (strides and zero padding from the window registers) instead of consecutive rows.
/// The array, its timing and the accumulators treat the block exactly as a MatrixMultiply's.
///
/// Packed inputs (register mxu_group_bytes = G < R, isa.h; LaneGroups in dispatch.h): a UB row
/// holds P = R / G pixels. The data-setup path reads the rows holding the block's pixels and its
/// lane shifter moves each pixel's G-byte lane group to lanes 0 .. G-1 of the array's input row
/// (lanes G .. R-1 zero). The array still takes one pixel per cycle, so the timing above is
/// unchanged; the UB reads fewer rows (P pixels a row). The shifter is an assumption of this
/// model (the paper's data setup reads whole 256-byte UB rows).
///
/// Table 3 per tag: the same split is kept per value of the tag register (e.g. per layer): busy
/// and stall cycles go to the tag of the instruction held; idle cycles go to the tag the sequencer
/// gives on `idle_tag` while it waits for the host (a host operation's or a matmul's WriteWeights
/// time, and input stalls, stay with the layer that waits: Sequencer's class comment), else to
/// the tag of the next instruction the MXU receives (the work that was waiting), and idle cycles
/// after the last one to the last tag.
///
/// Errors (SC_REPORT_ERROR "tpu/mxu"): a MatrixMultiply before any SWITCH loaded a tile.
class Mxu : public FunctionalUnit, public MxuSink {
 public:
  tlm_utils::simple_initiator_socket<Mxu> ub_socket;      ///< reads activation rows
  tlm_utils::simple_initiator_socket<Mxu> acc_socket;     ///< reads/writes partial sums
  tlm_utils::simple_initiator_socket<Mxu> weight_socket;  ///< pops tiles from the weight FIFO
  sc_core::sc_in<int> idle_reason;                        ///< MxuIdleReason from the sequencer
  sc_core::sc_in<int> idle_tag;                           ///< the sequencer's mxu_idle_tag (kNoIdleTag or a tag)

  /// Table 3 categories, in the paper's order, plus the time outside START..Halt.
  enum Category : int { kActive = 0, kWeightStall, kWeightShift, kNonMatrix, kRawStall, kInputStall, kNotRunning };
  /// Their names in reports (index = Category), e.g. "array_active".
  static constexpr const char* kCategoryNames[kNotRunning + 1] = {
      "array_active", "weight_stall", "weight_shift", "non_matrix", "raw_stall", "input_stall", "not_running"};

  /// `make_datapath` builds the array behind the MXU (default: the one cfg.mxu.model names).
  Mxu(sc_core::sc_module_name name, const ArchConfig& cfg, const MxuDatapathFactory& make_datapath = make_mxu_datapath);
  ~Mxu() override;

  /// Cycles in one Table 3 category so far.
  uint64_t cycles(Category c) const { return to_cycles(table3_.total(c), period_); }
  /// Fill/drain latency of the array in cycles: R + C - 1 (mxu_pins.h).
  uint64_t pipeline_latency_cycles() const;
  /// Timing of one MatrixMultiply block, in cycles since time 0.
  struct BlockTiming {
    uint64_t index;       ///< program position of the instruction
    uint64_t start;       ///< cycle its first row entered the array
    uint64_t stream_end;  ///< start + B: the next block may start here
    uint64_t done;        ///< stream_end + R + C - 1: its partial sums are in the accumulators
    bool switched;        ///< it switched to a new weight tile
  };
  /// Records a BlockTiming per block from now on (off by default; tests and co-simulation).
  void record_blocks(bool on) { record_ = on; }
  const std::vector<BlockTiming>& block_log() const { return log_; }
  /// Array MACs performed (B x R x C per block, including padding).
  uint64_t array_macs() const { return array_macs_; }
  void trace(VcdWriter& vcd, const std::string& prefix) const override;
  /// Cycles per Table 3 category (kActive .. kInputStall) of one tag.
  using Table3Cycles = std::array<uint64_t, kNotRunning>;
  /// Table 3 cycles per tag (see the class comment); the tags' sums equal the totals.
  std::map<uint32_t, Table3Cycles> table3_by_tag() const;
  /// Accumulator bytes the MXU read and wrote by DMI (not seen by the accumulators' counters).
  uint64_t acc_dmi_bytes_read() const { return acc_dmi_read_; }
  uint64_t acc_dmi_bytes_written() const { return acc_dmi_written_; }
  /// Unified Buffer bytes the MXU read by DMI (Convolve's input lines; not seen by the UB's counters).
  uint64_t ub_dmi_bytes_read() const { return ub_dmi_read_; }
  /// Adds table3 {category: cycles}, blocks, rows, array_macs, tiles_switched.
  nlohmann::json report() const override;

 private:
  /// A block whose sums are still in the array.
  struct InArray {
    uint64_t index;
    uint32_t acc_row;
    uint64_t rows;
    bool accumulate;
    uint32_t sum_shift;  // register mxu_sum_shift of its instruction
    size_t log_index;
  };
  void run();
  void shifter();
  /// TLM-2.0 DMI invalidation from the accumulators.
  void invalidate_acc_dmi(sc_dt::uint64 start, sc_dt::uint64 end) { acc_dmi_.invalidate(start, end); }
  void invalidate_ub_dmi(sc_dt::uint64 start, sc_dt::uint64 end) { ub_dmi_.invalidate(start, end); }
  /// Data setup of Convolve: fills rows_ with the block's B x R input rows (zeros for padding).
  void gather_convolve(const Dispatch& d);
  /// Data setup of a MatrixMultiply: fills rows_ with its B x R input rows (packed: unshifted).
  void gather_rows(const Dispatch& d, uint64_t B);
  /// UB bytes [addr, addr + len), in place by DMI (counted in ub_dmi_read_) or copied into line_
  /// through b_transport; valid until the next call.
  const int8_t* read_ub(uint64_t addr, uint64_t len, const Dispatch& d);
  /// Convolve's output row `i` of a packed input (d.mxu_in): input image row h of image n into
  /// out (Q x R), each output column's pixel lane group at lanes 0 .. G-1, the rest zero.
  void gather_packed_line(const Dispatch& d, uint64_t n, int64_t h, int8_t* out);
  void update_category();
  void state_changed() override { update_category(); }
  /// MxuSink: writes a block's sums into the accumulators and completes its instruction.
  void block_done(const int32_t* sums, uint64_t rows, uint32_t cols) override;
  const int32_t* shifted_sums(const int32_t* sums, uint64_t n, uint32_t shift);

  const uint32_t R_, C_;
  std::unique_ptr<MxuDatapath> datapath_;
  Traced<bool> shadow_ready_ = false;  // the chain registers hold a fully shifted-in tile
  Traced<bool> shifting_ = false;      // the shifter holds a tile (waiting to shift or shifting)
  bool waiting_for_weights_ = false;
  sc_core::sc_time shift_allowed_at_;  // last switch + R - 1 cycles
  sc_core::sc_event shadow_changed_;
  std::deque<InArray> in_array_;
  std::vector<int8_t> rows_;      // scratch: activation rows
  std::vector<int32_t> old_;      // scratch: accumulator rows
  std::vector<int32_t> shifted_;  // scratch: sums shifted by mxu_sum_shift
  StateTimeAccount table3_;
  Traced<int> category_ = kNotRunning;  // traced
  bool record_ = false;
  std::vector<BlockTiming> log_;
  uint64_t blocks_ = 0, rows_streamed_ = 0, array_macs_ = 0, tiles_switched_ = 0;
  // Table 3 per tag: time of the current interval goes to tag_ when the MXU held an instruction,
  // else to idle_tag_ when the sequencer named one, else to pending_ (handed to the next
  // instruction's tag).
  std::map<uint32_t, std::array<sc_core::sc_time, kNotRunning>> by_tag_;
  std::array<sc_core::sc_time, kNotRunning> pending_{};
  sc_core::sc_time tag_since_;
  bool held_ = false;
  int idle_tag_ = kNoIdleTag;
  /// `t` rounded to the nearest clock edge: per-tag intervals are charged edge to edge, so every
  /// tag's cycles are whole and the tags' sums equal the run's cycles (an interval may end off an
  /// edge, e.g. when host DMA completes, and rounding each tag's sum apart could lose a cycle).
  sc_core::sc_time edge(const sc_core::sc_time& t) const { return period_ * double(to_cycles(t, period_)); }
  /// Where idle time of the current interval goes: by_tag_[idle_tag_] or pending_.
  std::array<sc_core::sc_time, kNotRunning>& idle_account(
      std::map<uint32_t, std::array<sc_core::sc_time, kNotRunning>>& t,
      std::array<sc_core::sc_time, kNotRunning>& pending) const {
    return idle_tag_ == kNoIdleTag ? pending : t[uint32_t(idle_tag_)];
  }
  std::vector<int8_t> line_;  // scratch: one input image row (Convolve)
  DmiCache acc_dmi_;          // direct access to the accumulators
  uint64_t acc_dmi_read_ = 0, acc_dmi_written_ = 0;
  DmiCache ub_dmi_;  // direct access to the Unified Buffer (Convolve's data setup)
  uint64_t ub_dmi_read_ = 0;
};

}  // namespace tpu
