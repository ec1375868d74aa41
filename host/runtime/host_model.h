// The host CPU's timing when it serves an Interrupt_Host: the interrupt's delivery and the
// operator's compute time. The host is the TPU paper's server (Table 2: Intel Xeon E5-2699 v3,
// Haswell, 18 cores at 2.3 GHz); the register reads and the RESUME write cross PCIe through the
// host interface's link model (timed b_transport), so they are not parameters here.
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>
#include <systemc>

#include "lowering/program.h"

namespace tpu {

/// Parameters of the host's timing. Each number is an assumption (named as such) with the
/// reason for its value; none is fitted to a result.
struct HostModel {
  /// Core clock in Hz: the paper's Table 2 (Xeon E5-2699 v3, 2.3 GHz base).
  double clock_hz = 2.3e9;
  /// From the chip raising its interrupt to the host driver's thread running, in ns. Assumption:
  /// the MSI write crosses PCIe (about the 1 us of configs/tpu_v1.yaml's pcie.latency_ns) and
  /// Linux takes the interrupt and wakes the blocked driver thread (a context switch, a few us):
  /// 5 us in all.
  double interrupt_latency_ns = 5000;
  /// Core cycles per element of one host operation on one core (the other 17 cores serve other
  /// requests). Assumption: Softmax makes three passes over a pixel's channels (max; table look-up
  /// and sum; one 64-bit division per element, whose reciprocal throughput on Haswell is about 20
  /// to 70 cycles, Agner Fog's instruction tables): 40 cycles. LayerNorm makes two passes (integer
  /// sums; a double multiply, add, divide and round per element, divide throughput about 8 to 14
  /// cycles): 20 cycles.
  double softmax_cycles_per_element = 40;
  double layernorm_cycles_per_element = 20;

  /// Compute time of `op` (pixels x channels elements) on one core.
  sc_core::sc_time compute_time(const LoweredProgram::HostOperation& op) const;
  /// The parameters as JSON (for --stats).
  nlohmann::json to_json() const;
};

/// Gathers `op`'s operand from host memory (packed tiles, LoweredProgram::HostOperation),
/// computes it (compute_host_op, manifest/host_op.h) and writes the result in the same layout at
/// op.output_addr. `memory` holds at least op.output_addr + pixels x channels bytes.
void execute_host_operation(const LoweredProgram::HostOperation& op, uint8_t* memory);

}  // namespace tpu
