// How the MXU moves weights and activation rows through its systolic array: the analytic
// dataflow model, or the pins of a cycle-accurate array (SystemC PE model or Verilated RTL).
// The MXU (mxu.h) keeps the control: instructions, weight buffering rules, Table 3, accumulators.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "config/config.h"
#include "trace/vcd_writer.h"

namespace tpu {

/// Receives the sums of each block, in block order, when they have left the array.
class MxuSink {
 public:
  virtual ~MxuSink() = default;
  /// The sums of the oldest block still in the array: `rows` x `cols` int32, row-major (row
  /// stride `cols`), cols <= mxu.cols. The sums of columns cols .. mxu.cols - 1 are zero (the
  /// weight tile has no nonzero weight there); the pointer is valid during the call only.
  virtual void block_done(const int32_t* sums, uint64_t rows, uint32_t cols) = 0;
};

/// How the PEs read a block's bytes (isa.h, "Operand formats"): each operand int8 (sign-extended
/// to 9 bits) or uint8 (zero-extended). The flags travel with the block's rows through the array.
struct MxuOperandFormat {
  bool unsigned_a = false;  ///< activation bytes are uint8 (MatrixMultiply/Convolve UNSIGNED_A)
  bool unsigned_w = false;  ///< weight bytes are uint8 (UNSIGNED_W)
};

/// The array's part of MatrixMultiply. Callers are the MXU's SC_THREADs, at clock edges.
class MxuDatapath {
 public:
  virtual ~MxuDatapath() = default;
  /// Shifts a weight tile (R x C int8, row-major [r][c]) into the chain (shadow) registers;
  /// returns after mxu.weight_shift_cycles cycles. The caller keeps the timing rules of
  /// mxu_pins.h (the shift starts >= R - 1 cycles after the last switching row entered).
  virtual void shift_in(const int8_t* tile) = 0;
  /// Streams `rows` activation rows (rows x R bytes) into the array, one per cycle from now, the
  /// first with the switch flag when `switch_weights`, every row with the operand format `fmt`;
  /// returns after the last row entered (rows cycles). The sums reach the sink R + C - 1 cycles
  /// after the last row entered.
  virtual void stream(const int8_t* x, uint64_t rows, bool switch_weights, MxuOperandFormat fmt) = 0;
  /// Adds the datapath's signals to a VCD (none by default).
  virtual void trace(VcdWriter&, const std::string&) const {}
  /// What computes the products: "pe_array" (the pins of a PE-by-PE array) unless overridden.
  virtual const char* arithmetic() const { return "pe_array"; }
};

/// The analytic datapath: products by one int8 GEMM per block over the weight tile's live
/// (nonzero) rows and columns, bit exact: oneDNN's s8s8s32 GEMM (u8s8s32 for unsigned
/// activations) where the CPU has VNNI (exact int32 accumulation), else, and for unsigned weights
/// (oneDNN has no s8u8 GEMM), a plain loop (oneDNN saturates int16 pair sums without VNNI). Time by
/// the formulas of mxu_pins.h (shift: weight_shift_cycles; rows: one per cycle; sums after
/// R + C - 1 cycles).
class AnalyticDatapath : public sc_core::sc_module, public MxuDatapath {
 public:
  AnalyticDatapath(sc_core::sc_module_name name, const ArchConfig& cfg, MxuSink& sink);
  void shift_in(const int8_t* tile) override;
  void stream(const int8_t* x, uint64_t rows, bool switch_weights, MxuOperandFormat fmt) override;
  /// "onednn_vnni" (oneDNN's s8s8s32 GEMM) or "loop" (a plain loop, on CPUs without VNNI).
  const char* arithmetic() const override { return use_dnnl_ ? "onednn_vnni" : "loop"; }

 private:
  void deliver();
  /// The products without oneDNN (see the class comment).
  void gemm_loop(const int8_t* x, uint64_t rows, uint32_t K, uint32_t N, MxuOperandFormat fmt, int32_t* sums) const;
  const uint32_t R_, C_;
  const sc_core::sc_time period_;
  const uint64_t shift_cycles_;
  MxuSink& sink_;
  std::vector<int8_t> active_, shadow_;         // weight tiles, R x C
  uint32_t active_rows_ = 0, active_cols_ = 0;  // live extent of each tile (1 + last nonzero row/column)
  uint32_t shadow_rows_ = 0, shadow_cols_ = 0;
  /// Sums of a block still in the array: rows x cols (cols: the live columns of its tile).
  struct Sums {
    std::vector<int32_t> values;  // capacity kept when recycled
    uint64_t rows = 0;
    uint32_t cols = 0;
  };
  std::deque<Sums> in_array_;                // blocks still in the array, oldest first
  std::vector<std::vector<int32_t>> spare_;  // buffers of delivered blocks, for reuse
  sc_core::sc_event_queue leave_;            // one notification per block leaving the array
  const bool use_dnnl_;                      // oneDNN's GEMM is exact on this CPU
};

/// The datapath `cfg.mxu.model` names: Analytic; Cycle (the PE-by-PE SystemC array,
/// mxu_cycle_array.h, for R = C in {4, 8, 16, 32, 64} and R x C in {16x32, 32x16}); Rtl (the Verilated
/// mxu/rtl/mxu_array.sv, 16 x 16, when built with Verilator).
/// Raises SC_REPORT_ERROR("tpu/mxu") for an unsupported size or an Rtl model without Verilator.
std::unique_ptr<MxuDatapath> make_mxu_datapath(const ArchConfig& cfg, MxuSink& sink);

/// Builds the MXU's datapath for a chip. make_mxu_datapath is the default; a platform or a test
/// passes its own to Tpu to put another array behind the MXU (its own RTL through PinDatapath,
/// or a deliberately faulty one that the comparisons must catch).
using MxuDatapathFactory = std::function<std::unique_ptr<MxuDatapath>(const ArchConfig& cfg, MxuSink& sink)>;

}  // namespace tpu
