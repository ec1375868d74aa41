// Lowering a network workload (network.h) into a TPU program, a weight-memory image and a host
// memory image: the host driver's compiler for convolutional and recurrent networks.
#pragma once

#include <cstdint>
#include <vector>

#include "config/config.h"
#include "lowering/lowering.h"
#include "manifest/network.h"

namespace tpu {

/// Lowers `net` (all net.samples images as one batch) for the chip `cfg`.
///
/// Tensor layout (R = mxu.rows): an activation tensor of N images of H x W x C occupies
/// ceil(C / R) channel tiles x N x H x W UB rows; channel tile k of pixel (n, h, w) is UB row
/// base + k*N*H*W + (n*H + h)*W + w, channels k*R .. k*R+R-1 in its lanes (padding lanes are
/// don't-care: the weights of padding channels are 0). Host memory holds each network input and
/// the output tile by tile, packed to the tile's real channels (Set_Config host_row_bytes).
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

/// The output layer's values (N x P x Q x M int8, NHWC) from a host memory image after the run.
std::vector<int8_t> gather_network_output(const LoweredProgram& p, const Network& net, const ArchConfig& cfg,
                                          const uint8_t* host_memory);

}  // namespace tpu
