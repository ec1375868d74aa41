// Lowering a workload of dense layers into a TPU program, a weight-memory image and a host
// memory image (the host driver's compiler).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"
#include "util/huge_pages.h"
#include "isa/isa.h"
#include "manifest/workload.h"

namespace tpu {

/// The lowered program and the memory images it expects.
struct LoweredProgram {
  /// One batch of samples and where its data lives in host memory.
  struct Batch {
    uint32_t first_sample = 0, samples = 0;
    /// Dense MLP: k-tiles x samples rows of mxu.rows bytes. Network: its first input, packed per
    /// channel tile (network_lowering.h).
    uint32_t input_host_addr = 0;
    /// Dense MLP: n-tiles x samples rows of mxu.rows bytes. Network: the output, packed per tile.
    uint32_t output_host_addr = 0;
  };
  /// One layer as the report shows it; its instructions carry `tag` (Set_Config tag).
  struct Layer {
    std::string name, op;
    uint32_t tag = 0;
    uint64_t macs = 0;          ///< useful MACs over all samples
    uint64_t weight_bytes = 0;  ///< the layer's weights (unpadded)
    uint64_t dram_bytes = 0;    ///< weight-memory bytes read for it (padded tiles, re-reads included)
  };
  std::vector<Instruction> program;
  std::vector<Layer> layers;          ///< per-layer records (network workloads; empty for dense MLPs)
  /// Weight memory bytes from address 0 (tiles, see lower()); tens of MB written whole, so in
  /// huge pages (HugePageAllocator).
  std::vector<uint8_t, HugePageAllocator<uint8_t>> weight_image;
  std::vector<uint8_t> host_image;    ///< host memory bytes from address 0 (bias rows, inputs, outputs)
  std::vector<Batch> batches;
  uint32_t batch = 0;                 ///< dense MLP: samples per MatrixMultiply; network: N (all samples)
  uint64_t ub_rows_used = 0;          ///< Unified Buffer rows allocated
  uint64_t acc_rows_used = 0;         ///< accumulator rows allocated
  uint64_t useful_macs = 0;           ///< workload MACs over all samples (no padding)
};

/// Lowers `w` for the chip `cfg` with `batch` samples per MatrixMultiply (0: w.batch).
///
/// Layout (R = mxu.rows = mxu.cols; a "tile" of a tensor is R consecutive features):
///  - Weight memory: for each layer, its ceil(outputs/R) x ceil(inputs/R) weight tiles in
///    output-tile-major order, each R x R int8 row-major [input][output], zero padded.
///  - Host memory: all bias vectors as UB rows (ceil(4R/R) = 4 rows per output tile, int32 LE),
///    then per batch its input (k-tile-major: tile k holds rows for every sample) and space for
///    its output in the same form.
///  - UB: the bias rows, then two sets (even and odd batches, so the next batch's input loads
///    while this one computes) of every tensor's tiles, tile stride = the batch's samples.
///  - Accumulators: output tile j of a layer uses rows [(j % 2) * batch, ...) so the
///    activation of one tile overlaps the multiplies of the next (one buffer if 2 x batch does
///    not fit).
/// Program per batch: Sync host (its input arrived); Read_Host_Memory of the next batch's
/// input; for each layer: Sync activation (RAW on the previous layer's output, TPU paper
/// Sec. 2), Set_Config of the requantization, for each output tile j: one MatrixMultiply with
/// SWITCH per input tile (ACCUMULATE after the first), Set_Config of the bias row, Activate;
/// then Read_Weights of the next layer's tiles (or the next batch's first layer), so weights
/// stream while this layer finishes. Finally Sync activation and Write_Host_Memory.
///
/// Errors (SC_REPORT_ERROR "tpu/lowering"): batch 0; a batch that needs more accumulator rows
/// than the chip has; UB, weight-memory or 4 GiB host-address overflow (messages give the
/// need, the capacity and the largest batch that would fit); more instructions than the
/// instruction buffer holds.
LoweredProgram lower(const Workload& w, const ArchConfig& cfg, uint32_t batch);

/// Gathers the outputs (samples x w.outputs() int8) from a host memory image after the run.
std::vector<int8_t> gather_outputs(const LoweredProgram& p, const Workload& w, const ArchConfig& cfg,
                                   const uint8_t* host_memory);

}  // namespace tpu
