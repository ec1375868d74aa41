// The program a lowering hands the host: instructions, a weight-memory image, a host-memory
// image and where each batch's data lives in it (lowering.h makes it; Host runs it).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "isa/isa.h"
#include "manifest/network.h"
#include "util/huge_pages.h"

namespace tpu {

/// The lowered program and the memory images it expects.
struct LoweredProgram {
  /// One batch of samples and where its data lives in host memory.
  struct Batch {
    uint32_t first_sample = 0, samples = 0;
    /// The batch's first input: channel tile after channel tile, each samples x H x W host rows
    /// (dense MLP: rows of mxu.rows bytes, zero padded; network: the tile's real channels).
    uint32_t input_host_addr = 0;
    /// The batch's output, in the same form.
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
  /// One operation the host computes when the program stops at `interrupt_host id=K` (K: its
  /// index in host_ops). Its operand and result live in host memory tile after tile (steps.h's
  /// tiles of R channels), each tile `pixels` rows of min(R, C - t R) packed bytes.
  struct HostOperation {
    std::string layer;                         ///< the network layer it computes
    uint32_t tag = 0;                          ///< the layer's tag
    HostOpParams params;                       ///< operator and parameters (manifest/host_op.h)
    uint64_t pixels = 0;                       ///< N x H x W
    uint32_t channels = 0;                     ///< C
    uint32_t tile = 0;                         ///< R = mxu.rows
    uint64_t input_addr = 0, output_addr = 0;  ///< host byte addresses
    uint64_t image_pixels = 0;                 ///< H x W of one image (the causal mask's positions)
    /// WriteWeights (a matmul layer's b, network.h): `pixels` is P_b, the b inputs' pixels, whose
    /// packed tiles lie one input after the other from input_addr (segment_pixels each; no
    /// result). The host writes the layer's weight tiles, R x cols bytes each, in the order of
    /// `tiles` (k input tile of a, j output tile) from weight-memory byte weight_base.
    struct WeightWrite {
      uint32_t heads = 1;
      bool transpose_b = false;
      uint64_t k = 0, n = 0;                             ///< K and N of each head's B_g [K][N]
      uint32_t cols = 0;                                 ///< C = mxu.cols: output channels per tile
      uint64_t weight_base = 0;                          ///< weight-memory byte of the first tile
      std::vector<uint64_t> segment_pixels;              ///< pixels of each b input, in order
      std::vector<std::pair<uint64_t, uint64_t>> tiles;  ///< (k, j) of each tile written, in order
    } weights;
  };
  std::vector<Instruction> program;
  std::vector<HostOperation> host_ops;  ///< the program's host-operation table (Interrupt_Host)
  std::vector<Layer> layers;            ///< per-layer records (network workloads; empty for dense MLPs)
  /// Weight memory bytes from address 0 (tiles, see lowering.h); tens of MB written whole, so in
  /// huge pages (HugePageAllocator).
  std::vector<uint8_t, HugePageAllocator<uint8_t>> weight_image;
  std::vector<uint8_t> host_image;  ///< host memory bytes from address 0 (bias rows, inputs, outputs)
  std::vector<Batch> batches;
  uint32_t batch = 0;             ///< dense MLP: samples per MatrixMultiply; network: N (all samples)
  uint64_t ub_rows_used = 0;      ///< Unified Buffer rows allocated
  uint64_t acc_rows_used = 0;     ///< accumulator rows allocated
  uint64_t useful_macs = 0;       ///< workload MACs over all samples (no padding)
  TensorShape output_shape;       ///< one sample's output (dense MLP: 1 x 1 x outputs)
  bool padded_host_rows = false;  ///< host rows of inputs and output are mxu.rows bytes (else packed)
};

}  // namespace tpu
