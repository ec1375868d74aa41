// The host CPU's timing when it serves an Interrupt_Host: the interrupt's delivery and the
// operator's compute time. The host is the TPU paper's server (Table 2: Intel Xeon E5-2699 v3,
// Haswell, 18 cores at 2.3 GHz); the register reads and the RESUME write cross PCIe through the
// host interface's link model (timed b_transport), so they are not parameters here.
#pragma once

#include <cstdint>
#include <vector>

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
  /// WriteWeights (a matmul's b into weight tiles), core cycles per byte of b placed into the
  /// tiles. Assumption: a byte-granular gather (for Q K^T a transposition of K), about one byte
  /// per cycle on one core (scalar loads and stores; AVX2 shuffles could do several bytes per
  /// cycle, cache misses fewer): 1 cycle.
  double write_weights_cycles_per_byte = 1;
  /// WriteWeights, bytes of the tiles zeroed per cycle first (the blocks off the heads' diagonal).
  /// Assumption: memset at one 32-byte AVX2 store per cycle from L1/L2: 32 bytes per cycle.
  double zero_fill_bytes_per_cycle = 32;

  /// Compute time of `op` on one core: pixels x channels elements, or for WriteWeights its b bytes
  /// (pixels x channels) gathered and its tile bytes (weight_tile_bytes) zeroed.
  sc_core::sc_time compute_time(const LoweredProgram::HostOperation& op) const;
  /// The parameters as JSON (for --stats).
  nlohmann::json to_json() const;
};

/// Bytes of the weight tiles a WriteWeights writes: tiles x R x cols.
uint64_t weight_tile_bytes(const LoweredProgram::HostOperation& op);

/// The weight tiles of WriteWeights `op` (a matmul layer's b, network.h) from its b inputs in host
/// memory (packed tiles from op.input_addr): tile t = (k, j) of op.weights.tiles is R x cols
/// int8 row-major; row r is a's channel c = k R + r of head g = c / K, column q its output
/// m = j cols + q, and the entry is B_g[c - g K][m - g N] when m / N = g, else 0 (also past the
/// last channel or output). Returns weight_tile_bytes(op) bytes.
std::vector<uint8_t> build_weight_tiles(const LoweredProgram::HostOperation& op, const uint8_t* memory);

/// Gathers `op`'s operand from host memory (packed tiles, LoweredProgram::HostOperation),
/// computes it (compute_host_op, manifest/host_op.h) and writes the result in the same layout at
/// op.output_addr. `memory` holds at least op.output_addr + pixels x channels bytes.
void execute_host_operation(const LoweredProgram::HostOperation& op, uint8_t* memory);

}  // namespace tpu
