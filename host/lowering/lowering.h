// Lowering a workload into a TPU program, a weight-memory image and a host-memory image (the
// host driver's compiler). One lowering serves both kinds of workload: a dense MLP (workload.h)
// is lowered as a network of dense layers (dense_network) under the dense-MLP policy, a network
// (network.h) under the network policy; steps.h has the steps one by one.
#pragma once

#include <cstdint>
#include <vector>

#include "config/config.h"
#include "lowering/program.h"
#include "lowering/steps.h"
#include "manifest/network.h"
#include "manifest/workload.h"

namespace tpu {

/// The network a dense-MLP workload is: one input "input" of 1 x 1 x features per sample (its
/// data w.inputs), layer l a dense layer reading layer l-1 (layer 0: the input), the last layer
/// the output. Weights (held ones copied), bias and golden data as in `w`.
Network dense_network(const Workload& w);

/// The dense-MLP policy (steps.h) for `batch` samples per MatrixMultiply (0: w.batch; at most
/// w.samples): double-buffered batches, accumulator buffers of a batch, padded host rows, every
/// Set_Config emitted, no layer records. Errors (SC_REPORT_ERROR "tpu/lowering"): batch 0.
LoweringPolicy dense_mlp_policy(const Workload& w, const ArchConfig& cfg, uint32_t batch);

/// The network policy (steps.h): all net.samples as one batch, first-fit UB reuse, accumulator
/// halves, packed host rows, Set_Configs only on change, a tag and a record per layer.
LoweringPolicy network_policy(const Network& net, const ArchConfig& cfg);

/// Lowers the dense MLP `w` for the chip `cfg` with `batch` samples per MatrixMultiply (0: w.batch).
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

/// Lowers `net` (all net.samples images as one batch) for the chip `cfg`.
///
/// Tensor layout (R = mxu.rows): an activation tensor of N images of H x W x C occupies
/// ceil(C / R) channel tiles x N x H x W UB rows: steps.h. Host memory holds each network input
/// and the output tile by tile, packed to the tile's real channels (Set_Config host_row_bytes).
///
/// Per layer (instructions tagged with the layer's index, Set_Config tag):
///  - conv: output rows split into stripes that fit half the accumulators (double buffered:
///    stripes alternate halves); per stripe and output channel tile j, one pass per kernel
///    position (r, s) and input channel tile k (SWITCH to its weight tile, ACCUMULATE after the
///    first), then Activate with the bias of tile j. A 1x1, stride 1, unpadded conv uses
///    MatrixMultiply over consecutive rows; others Convolve (chunks of <= 255 output rows).
///  - dense: the same with P = Q = 1; each input contributes its H x W positions x channel
///    tiles (a spatial input is read by Convolve with an H x W window, a flat one by
///    MatrixMultiply).
///  - maxpool/avgpool: Pool per channel tile; add/mul/activate: one Vector over all rows.
/// Weights: each weighted layer's tiles in the order of one stripe's SWITCHes; every stripe
/// re-reads them (Read_Weights issued after the previous stripe, so the next tiles stream while
/// the current stripe finishes). A Sync on the activation unit precedes each layer (RAW on the
/// previous layers' outputs, TPU paper Sec. 2); after it, UB space of tensors no later layer
/// reads is reused (first fit).
///
/// Errors (SC_REPORT_ERROR "tpu/lowering"), naming the layer: an output row (Q) wider than half
/// the accumulators; UB, weight-memory, host-address or instruction-buffer overflow (with the
/// need and the capacity); more than 65536 global output rows (N*P) for a layer read through
/// Convolve or Pool windows; a dense layer's spatial input larger than 256x256 pixels.
LoweredProgram lower_network(const Network& net, const ArchConfig& cfg);

/// The output after the run, from a host memory image: samples x P x Q x M int8 (NHWC; dense
/// MLP: samples x outputs), read where p.batches put each batch's output.
std::vector<int8_t> gather_output(const LoweredProgram& p, const ArchConfig& cfg, const uint8_t* host_memory);

}  // namespace tpu
