// Host operations: what the chip hands to the host CPU with Interrupt_Host (isa.h), their
// manifest keys and their exact semantics. The independent reference, scripts/tpu_ref.py,
// implements the same rules (host_softmax, host_layernorm).
//
// A host-op layer (network.h, op: host_op) reads one int8 tensor of N x H x W x C and writes one of
// the same shape; the operator works along the channels (C, ONNX axis -1 of NHWC) of each pixel.
//
// Manifest keys of a host_op layer:
//   host_op: Softmax | LayerNormalization      # the ONNX operator name (required)
//   params:                                    # optional map; absent keys keep their defaults
//     input_scale: s_in                        #   real value of input code x is s_in * x (> 0; default 1)
//     groups: G                                #   Softmax: over each of G blocks of C/G channels (default 1;
//                                              #   attention's heads: G divides C)
//     causal: true | false                     #   Softmax: channel j of a block is masked when j > the pixel's
//                                              #   index p in its image (h W + w): a decoder's causal mask
//                                              #   (default false)
//     epsilon: eps                             #   LayerNormalization (>= 0; default 1e-5, ONNX's)
//     output_scale: s_out                      #   LayerNormalization (> 0; default 1/32)
//     output_zero_point: zp                    #   LayerNormalization, -128..127 (default 0)
//     gamma: [g_0, ..., g_{C-1}]               #   LayerNormalization Scale (default all 1)
//     beta:  [b_0, ..., b_{C-1}]               #   LayerNormalization B (default all 0)
//
// Semantics (per pixel, over its C channels x_0..x_{C-1}; double is IEEE-754 binary64, each
// operation rounded to nearest even, no fused multiply-add; round(v) = floor(v + 0.5)):
//   Softmax (output scale 1/256, zero point -128, as ONNX QLinearSoftmax's usual quantization), per
//   block of C/G channels (G = groups), over its visible channels (all, or j <= p when causal):
//     d_i = max_j x_j - x_i                       (0 .. 255; max over the visible j)
//     E(d) = (int64) floor(2^20 * exp(-(s_in * d)) + 0.5)   (a 256-entry table; exp: the C
//                                                  library's, correctly rounded in practice)
//     S = sum_i E(d_i)                            (exact, int64; a masked channel's E is 0)
//     y_i = clamp(floor((512 * E(d_i) + S) / (2 S)) - 128, -128, 127)   (integer division)
//   LayerNormalization:
//     S1 = sum x_i, S2 = sum x_i^2, V = C S2 - S1^2          (exact, int64; C^2 times the variance)
//     e = (eps * double(C * C)) / (s_in * s_in)             (epsilon in the same units)
//     den = sqrt(double(V) + e)
//     z_i = double(C x_i - S1) / den                        (0 when den is 0)
//     y_i = clamp(round((z_i * gamma_i + beta_i) / s_out) + zp, -128, 127)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/yaml_section.h"

namespace tpu {

/// The operators the host computes. WriteWeights is no manifest operator: the lowering of a
/// matmul layer (network.h) makes it, and the host writes an activation into the weight memory
/// as the layer's weight tiles (runtime/host_model.h) instead of computing anything in place.
enum class HostOpKind { Softmax, LayerNormalization, WriteWeights };

/// Name of `k` ("Softmax", "LayerNormalization": ONNX's; "WriteWeights").
const char* host_op_name(HostOpKind k);

/// One host operation's parameters (see the file comment for their meaning and defaults).
struct HostOpParams {
  HostOpKind kind = HostOpKind::Softmax;
  double input_scale = 1.0;
  double epsilon = 1e-5;
  double output_scale = 1.0 / 32;
  int32_t output_zero_point = 0;
  std::vector<double> gamma, beta;  ///< C values each, or empty (all 1, all 0)
  uint32_t groups = 1;              ///< Softmax: blocks of C/groups channels normalized each
  bool causal = false;              ///< Softmax: mask channel j > the pixel's index in its image
};

/// Reads `host_op` and `params` of a host_op layer (section `s`, raw node `node`) whose input has
/// `channels` channels. Errors (SC_REPORT_ERROR through `s`, naming the file, layer and key): an
/// unknown operator name (listing the known ones), unknown params keys, a scale <= 0, a negative
/// epsilon, a zero point outside -128..127, gamma or beta not a list of C numbers, keys the
/// operator does not use (Softmax takes input_scale, groups and causal only; LayerNormalization
/// neither groups nor causal), groups not dividing C.
HostOpParams read_host_op(const YamlSection& s, const YAML::Node& node, uint32_t channels);

/// Computes the operator on `pixels` pixels of `channels` int8 values each (`in` and `out`
/// pixels x channels, row-major; they may not overlap), bit-exactly as the file comment says.
/// `image_pixels`: pixels of one image (H x W; 0: all `pixels`), for the causal mask. Not for
/// WriteWeights (an sc_report error).
void compute_host_op(const HostOpParams& p, const int8_t* in, int8_t* out, uint64_t pixels, uint32_t channels,
                     uint64_t image_pixels = 0);

}  // namespace tpu
