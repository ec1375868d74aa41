// Activation unit: bias, requantization and nonlinearity from the accumulators into the UB.
#pragma once

#include <cstdint>
#include <map>
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
/// dispatched bias row; applies tpu::activate() per element with the requantization registers
/// captured at dispatch; writes B UB rows of C int8 from ub_row.
/// Timing: one row per cycle after a pipeline of activation.pipeline_cycles: an Activate of B
/// rows keeps the unit busy for B + pipeline_cycles cycles; Activates do not overlap.
///
/// Also executes Pool and Vector (isa.h; the paper's Fig. 1 "Normalize/Pool" block):
/// Pool: max, or sum requantized with the act_* registers (identity), over the window registers'
/// pool_height x pool_width window; Vector: element-wise add, multiply or unary with operand
/// scales/offsets, then quant.h's activate() with zero bias. Both on all mxu.cols lanes of a row.
/// Pool timing: the unit reads each input image row it needs once into a line buffer, one UB
/// row per cycle, and writes one output row per cycle: max(input rows read, output rows) +
/// pipeline_cycles. Vector timing: rows + pipeline_cycles (two read ports, one operand row each).
class ActivationUnit : public FunctionalUnit {
 public:
  tlm_utils::simple_initiator_socket<ActivationUnit> acc_socket;  ///< reads partial sums
  tlm_utils::simple_initiator_socket<ActivationUnit> ub_socket;   ///< reads bias, writes outputs

  ActivationUnit(sc_core::sc_module_name name, const ArchConfig& cfg);

  /// Adds rows processed.
  nlohmann::json report() const override;
  /// Busy cycles (instruction time + pipeline_cycles) per tag register value (e.g. per layer).
  const std::map<uint32_t, uint64_t>& busy_cycles_by_tag() const { return busy_by_tag_; }

 private:
  void run();
  /// Executes `d` functionally; returns the cycles it occupies the unit (before the pipeline).
  uint64_t apply(const Dispatch& d);
  uint64_t apply_activate(const Dispatch& d);
  uint64_t apply_pool(const Dispatch& d);
  uint64_t apply_vector(const Dispatch& d);

  std::vector<int32_t> sums_, bias_;
  std::vector<int8_t> out_, in_, in_b_;
  uint64_t rows_ = 0, pool_rows_ = 0, vector_rows_ = 0;
  std::map<uint32_t, uint64_t> busy_by_tag_;
};

}  // namespace tpu
