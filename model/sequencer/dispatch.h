// Control between the instruction sequencer and its functional units: what a dispatched
// instruction carries, and how a unit reports completion or waits for another unit.
//
// Data never moves here: units move data as TLM-2.0 payloads through their sockets. This is
// the sequencer's control path: dispatch, completion and sync use sc_fifo and sc_event inside
// the sequencer and its functional units (docs/architecture.md, "Conventions").
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include <systemc>

#include "activation/quant.h"
#include "isa/isa.h"

namespace tpu {

/// "Unit u has completed at least `count` instructions": an accumulator interlock.
struct UnitDependence {
  Unit unit;
  uint64_t count;
};

/// Convolve/Pool window geometry (Set_Config registers input_height .. pool_width, isa.h).
struct WindowGeometry {
  uint32_t in_h = 1, in_w = 1;          ///< input image H x W (UB rows per image: H*W)
  uint32_t out_h = 1, out_w = 1;        ///< output image P x Q
  uint32_t stride_h = 1, stride_w = 1;  ///< input rows/columns between neighbouring output pixels
  uint32_t pad_top = 0, pad_left = 0;   ///< zero rows above / columns left of the image
  uint32_t pool_h = 1, pool_w = 1;      ///< Pool window
  /// Global output row g (over the stacked images) is output row *p of image *n.
  void split_output_row(uint64_t g, uint64_t* n, uint64_t* p) const { *n = g / out_h, *p = g % out_h; }
  /// Input row read by window row k of output row p: p*stride_h + k - pad_top (outside [0, H) is padding).
  int64_t input_row(uint64_t p, uint64_t k) const { return int64_t(p * stride_h + k) - int64_t(pad_top); }
  /// Input column read by window column k of output column q: q*stride_w + k - pad_left.
  int64_t input_col(uint64_t q, uint64_t k) const { return int64_t(q * stride_w + k) - int64_t(pad_left); }
  /// The output columns [*lo, *hi) whose window column k reads the image (input_col in [0, W));
  /// the others (lo <= hi <= Q) read padding.
  void image_cols(uint64_t k, uint64_t* lo, uint64_t* hi) const {
    const uint64_t s = stride_w, left = pad_left, w = in_w;
    *lo = std::min<uint64_t>(out_w, k >= left ? 0 : (left - k + s - 1) / s);
    *hi = std::max(*lo, std::min<uint64_t>(out_w, w + left > k ? (w + left - k + s - 1) / s : 0));
  }
  /// UB rows [first, last) of the stacked input images that global output rows
  /// [out_row, out_row + rows) read (rows >= 1): whole images, from image out_row / P to
  /// (out_row+rows-1) / P.
  void input_rows(uint64_t base, uint64_t out_row, uint64_t rows, uint64_t* first, uint64_t* last) const {
    const uint64_t image = uint64_t(in_h) * in_w;
    *first = base + (out_row / out_h) * image;
    *last = base + ((out_row + rows - 1) / out_h + 1) * image;
  }
};

/// Vector operand registers (vec_source_b .. vec_offset_b, isa.h).
struct VectorParams {
  uint32_t source_b = 0;               ///< UB row of operand b
  uint32_t b_repeat = 0;               ///< rows of a per row of b (0, 1: none; register vec_b_repeat)
  int32_t scale_a = 1, scale_b = 1;    ///< int16
  int32_t offset_a = 0, offset_b = 0;  ///< int16

  /// vec_multiplier_a/b: int32, |m| <= 2^31-1 (quant.h "Wide operand multipliers").
  int32_t multiplier_a = 0, multiplier_b = 0;
  /// vec_wide_scales: add and unary use the multipliers instead of the scales.
  bool wide = false;
};

/// Activate's lanes (registers act_lane_src, act_lane_dst, act_lanes, isa.h) at dispatch; the
/// sequencer has checked src + count <= mxu.cols and dst + count <= mxu.rows.
struct ActivateLanes {
  uint32_t src = 0;    ///< first accumulator (and bias) lane read
  uint32_t dst = 0;    ///< first byte written of each UB row
  uint32_t count = 0;  ///< lanes moved per row; 0: min(mxu.rows, mxu.cols) (every lane of a square array)
};

/// A packed tensor layout in the Unified Buffer (registers mxu_group_bytes .. host_group_bytes,
/// isa.h; docs/isa.md "Lane groups"): each UB row of R bytes holds P = R / G pixels, pixel k of an
/// instruction in lane group (first + k) % P of row base + (first + k) / P, at byte group x G. The
/// hardware behind it: a lane shifter (byte rotator by a multiple of G) at the UB read port of the
/// data-setup path, the pool unit's line buffer and the host DMA, and byte enables on the writes.
/// An assumption of this model (TPU v1's paper stores one vector per UB row and says no more).
struct LaneGroups {
  uint32_t group = 0;  ///< G, bytes of a pixel's lane group; 0: R (one pixel per row)
  uint32_t first = 0;  ///< lane group of the base row holding pixel 0
  /// G in bytes for UB rows of R bytes.
  uint64_t width(uint64_t R) const { return group ? group : R; }
  /// P, pixels per UB row.
  uint64_t per_row(uint64_t R) const { return R / width(R); }
  /// Row of pixel k, relative to the base row.
  uint64_t row(uint64_t k, uint64_t R) const { return (first + k) / per_row(R); }
  /// Byte of pixel k's lane group within its row.
  uint64_t byte(uint64_t k, uint64_t R) const { return ((first + k) % per_row(R)) * width(R); }
  /// UB rows that pixels 0 .. n-1 touch (0 for n = 0).
  uint64_t rows(uint64_t n, uint64_t R) const { return n ? row(n - 1, R) + 1 : 0; }
  /// Whether this is the one-pixel-per-row layout.
  bool unpacked(uint64_t R) const { return width(R) == R; }
};

/// Rows of operand b a Vector of `rows` rows reads with broadcast `b_repeat` (0, 1: rows).
inline uint64_t vector_b_rows(uint64_t rows, uint32_t b_repeat) {
  return b_repeat <= 1 ? rows : (rows + b_repeat - 1) / b_repeat;
}

/// An instruction as the sequencer hands it to a functional unit.
struct Dispatch {
  Instruction instr;                  ///< the decoded instruction
  uint64_t index = 0;                 ///< position in the program (0-based), for messages
  std::vector<UnitDependence> waits;  ///< accumulator interlocks to honour before executing
  RequantParams requant;              ///< Activate: activation registers at dispatch time
  uint32_t bias_row = 0;              ///< Activate with BIAS: UB row of the int32 bias vector
  uint32_t table_row = 0;             ///< Activate/Vector with fn=lookup: UB row of the 256-entry table
  WindowGeometry window;              ///< Convolve, Pool: window registers at dispatch time
  VectorParams vec;                   ///< Vector: operand registers at dispatch time
  uint32_t tag = 0;                   ///< the tag register at dispatch time (statistics per tag)
  uint32_t host_row_bytes = 0;        ///< Read/Write_Host_Memory: bytes per UB row (0 = whole row)
  ActivateLanes lanes;                ///< Activate: lane registers at dispatch time
  LaneGroups mxu_in;                  ///< MatrixMultiply, Convolve: the input's layout (mxu_*_group*)
  LaneGroups act_out;                 ///< Activate, Pool: the output's layout (act_*_group*)
  LaneGroups pool_in;                 ///< Pool: the input's layout (pool_src_group_bytes, first 0)
  LaneGroups host;                    ///< Read/Write_Host_Memory: the UB side's layout (first 0)
  uint32_t sum_shift = 0;             ///< MatrixMultiply/Convolve: register mxu_sum_shift at dispatch time
  ActOutputFormat out_format = ActOutputFormat::Int8;  ///< Activate/Pool/Vector: register act_output_format
  uint32_t plane_rows = 0;                             ///< register act_plane_rows (int16 output)
  uint32_t input_unsigned = 0;                         ///< Pool/Vector: register act_input_unsigned (bit0 a, bit1 b)
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

/// The sequencer's `mxu_idle_tag` when the MXU's idle cycles go to the tag of the next instruction
/// the MXU receives (the default, Mxu's class comment); any other value (>= 0) is the tag register
/// of the layer the sequencer waits for the host on behalf of (statistics only).
constexpr int kNoIdleTag = -1;

}  // namespace tpu
