// Activation unit: bias, requantization and nonlinearity from the accumulators into the UB.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <tlm_utils/simple_initiator_socket.h>
#include <systemc>
#include <tlm>

#include "sequencer/functional_unit.h"

namespace tpu {

/// Executes Activate (TPU paper, Sec. 2 and Table 1: ReLU, sigmoid, tanh).
///
/// Function: reads `rows` accumulator rows from acc_row (B x C int32); with BIAS, reads the
/// int32 bias vector (C values, 4 * C bytes, little endian) from the UB starting at the
/// dispatched bias row; applies tpu::activate() per element of the dispatched lanes (act_lane_src
/// .. + n, isa.h) with the requantization registers captured at dispatch; writes them as int8 to
/// bytes act_lane_dst .. + n of B UB rows (R bytes each) from ub_row, the rows' other bytes kept
/// (TLM byte enables). On a square array at reset: all C lanes, whole rows. Register
/// act_output_format uint8 writes the values clamped to 0 .. 255; int16 clamps to 16 bits and
/// writes the high (signed) byte to ub_row + i and the low byte to ub_row + act_plane_rows + i
/// (quant.h). Pool and Vector read their input bytes as uint8 where act_input_unsigned says so.
/// Timing: one row per cycle after a pipeline of activation.pipeline_cycles: an Activate of B
/// rows keeps the unit busy for B + pipeline_cycles cycles; Activates do not overlap.
///
/// Also executes Pool and Vector (isa.h; the paper's Fig. 1 "Normalize/Pool" block):
/// Pool: max, or sum requantized with the act_* registers (identity), over the window registers'
/// pool_height x pool_width window; Vector: element-wise add, multiply or unary with operand
/// scales/offsets, then quant.h's activate() with zero bias. Both on all mxu.rows lanes of a UB row.
/// fn = lookup (Activate, Vector): before the rows, the unit reads the instruction's 256-entry
/// int8 table from the UB at register act_table_row into its table register, one UB row per
/// cycle (ceil(256 / mxu.rows) rows: 1 on TPU v1, 16 on a 16x16 chip), and maps each result
/// through it (quant.h); those cycles add to the instruction's. An assumption of this model: the
/// paper names the activation unit's functions ("ReLU, sigmoid, tanh and so on", Sec. 2), not how.
/// Pool timing: the unit reads each input image row it needs once into a line buffer, one UB
/// row per cycle, and writes one output row per cycle: max(input rows read, output rows) +
/// pipeline_cycles. Vector timing: rows + pipeline_cycles (two read ports, one operand row each); with
/// register vec_b_repeat = n > 1 row i of operand b is vec_source_b + i / n (a per-channel vector
/// broadcast over an image), read once per n rows.
///
/// Packed layouts (LaneGroups, dispatch.h; registers act_group_bytes, act_first_group,
/// pool_src_group_bytes): Activate writes pixel b's lanes into its lane group of row
/// ub_row + (first + b) / P with byte enables (the row's other groups kept); Pool reads its input's
/// pixels from their lane groups (the line buffer holds the UB rows an image row occupies, each
/// read once: fewer rows when packed) and writes each output pixel's group with byte enables; it
/// pools min(input G, output G) lanes. Timing is per pixel as above (one accumulator row or one
/// output pixel per cycle). Vector ignores the layout: it is lane-wise, so rows of a packed tensor
/// are valid operands when a, b and the output share the layout (the lowering sees to it).
class ActivationUnit : public FunctionalUnit {
 public:
  tlm_utils::simple_initiator_socket<ActivationUnit> acc_socket;  ///< reads partial sums
  tlm_utils::simple_initiator_socket<ActivationUnit> ub_socket;   ///< reads bias, writes outputs

  ActivationUnit(sc_core::sc_module_name name, const ArchConfig& cfg);

  /// Adds rows processed.
  nlohmann::json report() const override;
  /// Busy cycles (instruction time + pipeline_cycles) per tag register value (e.g. per layer).
  const std::map<uint32_t, uint64_t>& busy_cycles_by_tag() const { return busy_by_tag_; }
  /// Table lookups (fn = lookup: the elements written, as report()'s "lookups") per tag register
  /// value (e.g. per layer); the tags' sums equal the total.
  const std::map<uint32_t, uint64_t>& lookups_by_tag() const { return lookups_by_tag_; }

 private:
  void run();
  /// Executes `d` functionally; returns the cycles it occupies the unit (before the pipeline).
  uint64_t apply(const Dispatch& d);
  uint64_t apply_activate(const Dispatch& d);
  uint64_t apply_pool(const Dispatch& d);
  uint64_t apply_vector(const Dispatch& d);
  /// fn = lookup: reads the 256-entry table from UB row d.table_row into the unit's table
  /// register; returns its cycles (one per UB row, lookup_table_rows), else 0.
  uint64_t load_table(const Dispatch& d, sc_core::sc_time& delay, const std::string& who);
  /// fn = lookup: maps out_[0 .. n) through the loaded table (quant.h lookup_row); counts
  /// `counted` lookups (the elements written: an Activate of fewer lanes than a UB row maps the
  /// whole rows but writes, and counts, only its lanes).
  void apply_table(const Dispatch& d, uint64_t n, uint64_t counted);
  /// A uint8 or int16 output (register act_output_format): its value range into [*lo, *hi];
  /// raises SC_REPORT_ERROR("tpu/activation") naming the instruction for a function other than
  /// identity/relu, a zero point outside the range, or int16 from Pool/Vector.
  void check_format(const Dispatch& d, int32_t* lo, int32_t* hi) const;
  /// out_[i] = byte of wide_[i] for i < n: the high (signed) byte, else the low byte (the value of
  /// a uint8 output, the low plane of an int16 one).
  void plane_bytes(bool high, uint64_t n);

  std::vector<int32_t> sums_, bias_, wide_;  // wide_: uint8/int16 results before their bytes are written
  std::vector<int8_t> out_, in_, in_b_;
  std::vector<uint8_t> enables_;  // Activate's byte enables of one UB row (partial rows)
  std::vector<uint8_t> table_raw_;
  std::array<int8_t, 256> table_{};  ///< the lookup table register (fn = lookup)
  uint64_t rows_ = 0, pool_rows_ = 0, vector_rows_ = 0, table_loads_ = 0, lookups_ = 0;
  std::map<uint32_t, uint64_t> busy_by_tag_, lookups_by_tag_;
};

}  // namespace tpu
