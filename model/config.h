// Architecture configuration of the modelled TPU, loaded from a YAML file in configs/.
#pragma once

#include <cstdint>
#include <string>

#include <systemc>

namespace tpu {

/// Matrix Multiply Unit geometry and weight path (TPU paper, Sec. 2).
struct MxuConfig {
  uint32_t rows = 256;                 ///< PE rows = input vector width = UB row width (bytes).
  uint32_t cols = 256;                 ///< PE columns = partial sums per accumulator row.
  uint32_t weight_shift_cycles = 256;  ///< cycles to shift one tile into the shadow buffer.
};

/// Weight FIFO between the weight memory and the MXU (TPU paper, Sec. 2: four tiles deep).
struct WeightFifoConfig {
  uint32_t depth_tiles = 4;  ///< tiles of rows x cols bytes the FIFO holds.
};

/// Unified Buffer: activations, rows of mxu.rows bytes (TPU paper, Sec. 2: 24 MiB).
struct UnifiedBufferConfig {
  uint64_t size_bytes = 24ull << 20;  ///< capacity in bytes; a multiple of mxu.rows.
};

/// Accumulators: rows of mxu.cols int32 (TPU paper, Sec. 2: 4096 x 256 x 32 bit).
struct AccumulatorConfig {
  uint32_t rows = 4096;  ///< accumulator rows; each is mxu.cols x int32.
};

/// Activation unit (ReLU/sigmoid/tanh + requantization) pipeline.
struct ActivationConfig {
  uint32_t pipeline_cycles = 16;  ///< latency from first accumulator row read to first UB write.
};

/// Instruction sequencer (TPU paper, Sec. 2: CISC, 4-stage overlapped pipeline).
struct SequencerConfig {
  uint32_t issue_cycles = 1;                 ///< cycles to decode and dispatch one instruction.
  uint32_t queue_depth = 8;                  ///< instructions each functional unit may queue.
  uint64_t instruction_buffer_bytes = 786432;  ///< instruction buffer in bytes (64 Ki instructions).
};

/// Host link (TPU paper, Sec. 2: PCIe Gen3 x16).
struct PcieConfig {
  double bandwidth_bytes_per_s = 15.754e9;  ///< per direction; 16 lanes x 8 GT/s x 128/130 / 8.
  double latency_ns = 1000.0;               ///< fixed latency added to every DMA transfer.
};

/// Weight memory, first fidelity: per-channel bandwidth and latency (TPU paper, Table 2).
struct DramConfig {
  uint32_t channels = 2;             ///< independent channels, interleaved by interleave_bytes.
  double data_rate_mts = 2133.0;     ///< transfers per second per pin, in MT/s (DDR3-2133).
  uint32_t bus_width_bits = 64;      ///< data bus width per channel in bits.
  double latency_ns = 50.0;          ///< fixed access latency added to each request.
  uint32_t interleave_bytes = 256;   ///< channel interleaving granularity in bytes.
  uint64_t capacity_bytes = 8ull << 30;  ///< addressable bytes (TPU v1: 8 GiB).

  /// Peak bandwidth of one channel in bytes/s: data_rate_mts * 1e6 * bus_width_bits / 8.
  double channel_bandwidth_bytes_per_s() const { return data_rate_mts * 1e6 * bus_width_bits / 8.0; }
};

/// The whole chip. Defaults are the TPU v1 numbers; configs/tpu_v1.yaml states them with sources.
struct ArchConfig {
  std::string name = "tpu_v1";   ///< free-form name shown in reports.
  std::string source_file;       ///< path the config was loaded from ("" for defaults).
  double clock_mhz = 700.0;      ///< core clock in MHz (TPU paper, Table 2).
  MxuConfig mxu;
  WeightFifoConfig weight_fifo;
  UnifiedBufferConfig unified_buffer;
  AccumulatorConfig accumulators;
  ActivationConfig activation;
  SequencerConfig sequencer;
  PcieConfig pcie;
  DramConfig dram;

  /// Core clock period. Needs the femtosecond time resolution (see init_time_resolution()).
  sc_core::sc_time clock_period() const { return sc_core::sc_time(1.0 / (clock_mhz * 1e6), sc_core::SC_SEC); }
  /// Number of UB rows (size_bytes / mxu.rows).
  uint64_t ub_rows() const { return unified_buffer.size_bytes / mxu.rows; }
  /// Bytes in one weight tile (mxu.rows * mxu.cols int8).
  uint64_t tile_bytes() const { return uint64_t(mxu.rows) * mxu.cols; }
};

/// Loads and validates a YAML architecture config.
/// Every key is checked: unknown keys, wrong types and impossible values raise an
/// SC_REPORT_ERROR (message type "tpu/config") whose text names the file and the key path
/// (e.g. "configs/x.yaml: mxu.rows: must be a positive integer, got -3").
ArchConfig load_config(const std::string& path);

/// Checks cross-field constraints of a config (also called by load_config); raises
/// SC_REPORT_ERROR("tpu/config") naming `origin` and the offending key.
void validate_config(const ArchConfig& cfg, const std::string& origin);

/// Sets the SystemC time resolution to 1 fs, so that a 700 MHz clock period (1428571 fs) is
/// off by less than 1e-6. Must run before any non-zero sc_time exists; later calls are no-ops.
void init_time_resolution();

}  // namespace tpu
