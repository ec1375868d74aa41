// A network workload: a graph of layers (convolutions, dense layers, pooling, element-wise
// vector work) with int8 tensors, loaded from a YAML manifest.
//
// Manifest (YAML; every key is checked, unknown keys are errors naming the file and key):
//   format: network                 # required: tells this format from the dense-MLP one
//   name: resnet50-v1.5             # required
//   description: text               # optional
//   samples: N                      # required >= 1: the batch; the whole graph runs once on N images
//   inputs:                         # required, >= 1 input tensors, int8 NHWC
//     - name: data                  #   required, unique: how layers refer to it
//       shape: [H, W, C]            #   required, each >= 1
//       file: input.bin | {random_seed: S}   # N*H*W*C int8, NHWC order
//       type: int8 | uint8          #   optional (default int8): the bytes' element type
//   golden: golden.bin | absent     # int8 output of the output layer, NHWC order, N*P*Q*M values
//   output: layer-name              # optional (default: the last layer)
//   layers:                         # required, in a topological order (inputs defined before use)
//     - name: conv1                 # required, unique, not the input's name
//       op: conv | dense | maxpool | avgpool | add | mul | activate | host_op | matmul |
//           pixel_concat | pixel_slice   # required
//       input: name | inputs: [names]   # default: the previous layer (the first input for layer 0)
//       # conv:     outputs (M >= 1), kernel [kh, kw], stride [sh, sw] (default [1, 1]),
//       #           pad [top, left, bottom, right] or [ph, pw] (default 0), groups (default 1),
//       #           weights, bias?, activation?, requant; several inputs (same H x W) are
//       #           concatenated along channels in the order given (Concat as a 1x1 conv)
//       # dense:    outputs, weights, bias?, activation?, requant; several inputs are
//       #           concatenated in the order given (LSTM [x, h]); an input with H, W > 1 is
//       #           flattened in H, W, C order
//       # maxpool:  kernel, stride?, pad?
//       # avgpool:  kernel, stride?, pad?, requant (the divisor is in the multiplier) or
//       #           global: true (kernel = the input's H x W) with requant
//       # add:      inputs [a, b] (same shape, or b [1, 1, C] broadcast over a's H x W),
//       #           operand_scales [sa, sb] (default [1, 1]),
//       #           operand_offsets [oa, ob] (default [0, 0]), activation?, requant;
//       #           or instead of operand_scales operand_multipliers [ma, mb] (int32, |m| <=
//       #           2^31-1) with requant multiplier 1: the wide add below
//       # mul:      inputs [a, b] (as add), operand_offsets [oa, ob], activation?, requant
//       # activate: input, operand_scale sa (default 1), operand_offset oa (default 0),
//       #           activation, requant
//       # host_op:  input, host_op (the ONNX operator name), params: computed by the host CPU
//       #           (Interrupt_Host); keys and exact semantics in manifest/host_op.h
//       # matmul:   inputs [a, b, ...] (two activations: a and b; several b tensors are concatenated
//       #           along their pixels, e.g. a KV cache and the new token's keys), heads (G >= 1,
//       #           default 1), transpose_b (default false), activation?, requant; no weights or
//       #           bias (the host writes b into the weight memory at run time, each sample's own)
//       # pixel_concat: inputs [x_0, x_1, ...] (same C and element type, int8 or uint8; ONNX Concat
//       #           along a sequence's axis: ViT's class token before the patches)
//       # pixel_slice:  input, pixels [first, count] (ONNX Slice/Gather along a sequence's axis:
//       #           ViT's class token x[:, 0])
//       weights: file | {random_seed: S}   # conv: [kh][kw][C/groups][M] int8; dense: [features][M] int8
//       bias: file | {random_seed: S}      # int32 [M] little endian; default zeros
//       activation: identity | relu | sigmoid | tanh | lookup   # default identity
//       table: file | {random_seed: S}     # lookup only (and required): 256 int8, entry i for input i - 128
//       requant: {multiplier, shift, zero_point, rounding}   # as in quant.h; zero_point default 0,
//                                          # rounding half_up (default) or half_even
//       output_type: int8 | uint8 | int16  # conv, dense, avgpool, add, mul, activate (default int8):
//                                          # the element type of the layer's output tensor; int16
//                                          # on conv and dense only; uint8/int16 with identity or
//                                          # relu only; zero_point in the type's range
//       weight_type: int8 | int16          # conv, dense (default int8): int16 weights are a file of
//                                          # int16 little endian, or seeded by the int32 bias rule
//
// Element types (the paper's MXU takes signed or unsigned 8-bit operands, and 16-bit ones at
// half / quarter speed, Sec. 2; isa.h "Operand formats"): a tensor is int8, uint8 or int16 (an
// input's `type`, a layer's `output_type`; maxpool keeps its input's type). Values are integers
// of that type in every formula below, and the clamps of activate() are the type's range
// (quant.h). int16 tensors feed only conv and dense layers (16-bit activations: the 8 x 16 mode;
// with weight_type int16 the 16 x 16 mode) and cannot be the network's output; the golden file
// holds the output's bytes (int8 or uint8). The lowering keeps an int16 tensor as two byte planes
// (twice the UB rows), int16 weights as two weight tiles per tile, and issues one MXU pass per
// pair of planes (docs/isa.md).
//
// Exact integer semantics (the independent reference, scripts/tpu_ref.py, implements the same):
//   conv:    P = floor((H + top + bottom - kh) / sh) + 1, Q likewise (each must be >= 1);
//            x = the inputs concatenated along C; G = groups, Cg = C / G, Mg = M / G;
//            acc[n,p,q,m] = sum_{i<kh, j<kw, c<Cg} x[n, p*sh+i-top, q*sw+j-left, (m/Mg)*Cg + c] * w[i,j,c,m]
//            (x outside the image is 0; int32 wrap-around, as the accumulators);
//            y = activate(acc, bias[m], requant, activation) (quant.h)
//   dense:   the same with x flattened to [n][features] and P = Q = 1
//   maxpool: y = max of x over the window positions inside the image (padding is ignored, as in
//            ONNX/PyTorch MaxPool); -128 if the window holds none
//   avgpool: s = sum of x over the window positions inside the image (padding counts as 0);
//            y = activate(s, 0, requant, identity); the workload's multiplier/shift carry the
//            1/(kh*kw) (count_include_pad) and any rescaling
//   add:     v = (a + oa) * sa + (b + ob) * sb;  mul: v = (a + oa) * (b + ob);
//            activate: v = (a + oa) * sa; then y = activate(saturate_int32(v), 0, requant, fn)
//            with v computed exactly (int64). Operand scales and offsets are int16. A b of shape
//            [1, 1, C] is read as b[n, 0, 0, c] at every pixel of a (squeeze-excitation).
//   wide add (operand_multipliers [ma, mb]): v = (a + oa) * ma + (b + ob) * mb exactly (|v| < 2^48);
//            r = saturate_int32(round_shift(v, requant.shift, requant.rounding));
//            y = activate(r, 0, {1, 0, requant.zero_point}, fn) (quant.h "Wide operand
//            multipliers"): the sum is rounded once, with the operands' real scales to 31 bits.
//            The importer's quantized add: ma = round(2^s s_a / s_y), mb = round(2^s s_b / s_y)
//            (the larger in [2^30, 2^31)), rounding half_even: PyTorch's quantized add (float32
//            dequantize, add, round half to even) except where the real sum lies within float32's
//            rounding error of a tie (docs/model_zoo.md, "PyTorch-quantized ResNet-18").
//   rounding: requant.rounding half_even rounds ties of round_shift to even (quant.h) in any
//            layer with a requant; half_up (default) toward +infinity.
//   matmul:  (ONNX MatMul of two activations, batched over G heads; attention's Q K^T and P V)
//            a [H, W, G*K]; b = the b inputs' pixels in order, P_b pixels of Cb channels;
//            transpose_b false: K = P_b, Cb = G*N, B_g[k][n] = b[k, g*N + n] (P V: b = V)
//            transpose_b true:  N = P_b, Cb = G*K, B_g[k][n] = b[n, g*K + k] (Q K^T: b = K)
//            acc[p, g*N + n] = sum_{k<K} a[p, g*K + k] * B_g[k][n] (int32 wrap-around) for every
//            pixel p of a; y = activate(acc, 0, requant, activation): output [H, W, G*N]. It is a
//            1x1 conv of groups = G whose block-diagonal weights [G*K][G*N] are the B_g. With
//            several samples, sample n's a meets the B_g of sample n's b (attention per sequence).
//   pixel_concat: (sequences stored as pixels, S x 1 x C) y [P, 1, C], P = sum_i H_i W_i:
//            y[n, p] = the p-th pixel of the inputs' pixels of sample n in input order, each input's
//            in h-major order (x_0's H_0 W_0 pixels, then x_1's, ...); the bytes copied unchanged
//            (the inputs and the output share one quantization).
//   pixel_slice: y [count, 1, C]: y[n, p] = x[n, pixel first + p] (pixels h-major), bytes
//            unchanged; first + count <= H W.
//   lookup:  (any layer with an activation) y = table[activate(..., identity) + 128] (quant.h):
//            the requantized int8 value indexes the layer's table. The table is the importer's:
//            scripts/onnx_to_network.py fills entry i with
//            clamp(round_half_away(f(s_in * (i - 128 - zp_in)) / s_out) + zp_out, -128, 127).
//
// Seeded data ({random_seed: S}): value i (0-based, in file order) is derived from
// z = splitmix64(S * 0x9E3779B97F4A7C15 + (i + 1) * 0xBF58476D1CE4E5B9) (all mod 2^64), where
// splitmix64(z): z ^= z >> 30; z *= 0xBF58476D1CE4E5B9; z ^= z >> 27; z *= 0x94D049BB133111EB;
// z ^= z >> 31. int8 data: int(z % 255) - 127 (in [-127, 127]); int32 bias: int(z % 65536) -
// 32768. The same rule in numpy lets the reference regenerate shipped networks' weights.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "activation/quant.h"
#include "isa/isa.h"
#include "manifest/host_op.h"
#include "manifest/seeded_values.h"

namespace tpu {

/// Shape of an activation tensor of one image: H x W x C (NHWC without N).
struct TensorShape {
  uint32_t h = 1, w = 1, c = 1;
  uint64_t elements() const { return uint64_t(h) * w * c; }
  bool operator==(const TensorShape& o) const { return h == o.h && w == o.w && c == o.c; }
  bool operator!=(const TensorShape& o) const { return !(*this == o); }
};

/// Layer operations of a network.
enum class LayerOp { Conv, Dense, MaxPool, AvgPool, Add, Mul, Activate, HostOp, MatMul, PixelConcat, PixelSlice };

/// The element type of a tensor (network.h's file comment): register act_output_format's values.
using ElementType = ActOutputFormat;
/// "int8", "uint8", "int16".
const char* element_type_name(ElementType t);

/// One input tensor of a network.
struct NetworkInput {
  std::string name;
  TensorShape shape;
  std::vector<int8_t> data;              ///< N x H x W x C bytes
  ElementType type = ElementType::Int8;  ///< int8 or uint8
};

/// One layer. Fields not used by its op keep their defaults.
struct NetworkLayer {
  std::string name;
  LayerOp op = LayerOp::Conv;
  std::vector<int> inputs;                  ///< tensors read: i >= 0 is layer i, i < 0 is network input -i-1
  TensorShape in_shape;                     ///< shape of inputs[0] (pools, add, mul, activate); conv: C summed
                                            ///< over its inputs (concatenated along channels)
  TensorShape out_shape;                    ///< P x Q x M
  uint32_t features = 0;                    ///< dense: sum of the inputs' elements (concatenated)
  uint32_t kh = 1, kw = 1, sh = 1, sw = 1;  ///< conv/pool window and stride
  uint32_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  uint32_t groups = 1;        ///< conv: input channel c feeds output m iff c / (C/groups) == m / (M/groups);
                              ///< matmul: the heads G
  bool transpose_b = false;   ///< matmul: b holds B_g transposed (network.h's file comment)
  uint32_t pixel_first = 0;   ///< pixel_slice: the first pixel copied (h-major index in one image)
  Int8Values weights;         ///< conv [kh][kw][C/groups][M]; dense [features][M] (seeded: generated when read)
  std::vector<int32_t> bias;  ///< M values (zeros when absent); conv and dense only
  ActivationFunction function = ActivationFunction::Identity;
  std::vector<int8_t> table;                 ///< function Lookup: 256 int8 entries, entry i for input i - 128
  RequantParams requant;                     ///< conv, dense, avgpool, add, mul, activate
  int32_t scale_a = 1, scale_b = 1;          ///< add (both), activate (scale_a): int16
  int32_t offset_a = 0, offset_b = 0;        ///< add, mul (both), activate (offset_a): int16
  HostOpParams host_op;                      ///< host_op: the operator and its parameters (host_op.h)
  ElementType out_type = ElementType::Int8;  ///< the output tensor's element type (maxpool: its input's)
  /// conv, dense: 8 or 16. With 16, `weights` holds 2 x (kh*kw*C/g*M or features*M) bytes: the
  /// high (signed) byte plane of the int16 weights, then the low (unsigned) byte plane.
  uint32_t weight_bits = 8;
  /// add with operand_multipliers (the wide add): its int32 multipliers, |m| <= 2^31-1.
  int32_t multiplier_a = 0, multiplier_b = 0;
  bool wide_scales = false;  ///< add: operand_multipliers given

  /// Useful multiply-accumulates per image: conv P*Q*M*kh*kw*C/groups, dense features*M, matmul
  /// H*W*G*N*K, else 0.
  uint64_t macs() const;
  /// Weight bytes (conv kh*kw*C*M, dense features*M, else 0; twice that for int16 weights).
  uint64_t weight_bytes() const { return weights.size(); }
};

/// A network workload (see the file comment for the manifest).
struct Network {
  std::string name, description, source_file;
  uint32_t samples = 0;  ///< N: images run as one batch
  std::vector<NetworkInput> inputs;
  std::vector<NetworkLayer> layers;  ///< topological order
  int output = -1;                   ///< index of the output layer
  std::vector<int8_t> golden;        ///< N x output elements, or empty

  const NetworkLayer& output_layer() const { return layers[size_t(output)]; }
  /// Shape of tensor `t` (a layer index, or -k-1 for network input k).
  const TensorShape& shape_of(int t) const {
    return t >= 0 ? layers[size_t(t)].out_shape : inputs[size_t(-t - 1)].shape;
  }
  /// Element type of tensor `t`.
  ElementType type_of(int t) const { return t >= 0 ? layers[size_t(t)].out_type : inputs[size_t(-t - 1)].type; }
  /// Useful MACs of one image over all layers.
  uint64_t macs_per_sample() const;
};

/// True when the YAML file at `path` declares `format: network` (a network manifest rather than
/// the dense-MLP workload of workload.h). Errors as load_network for unreadable YAML.
bool is_network_manifest(const std::string& path);
/// The same for a manifest already parsed (load_yaml_document), to parse it once.
bool is_network_manifest(const YAML::Node& root);

/// Loads and checks a network manifest. Errors (SC_REPORT_ERROR "tpu/workload") name the file
/// and key: unknown keys, wrong types, missing or wrongly sized data files, unknown layer or
/// input names, shapes that do not agree (add/mul operands, conv/pool output < 1, pad >= kernel),
/// values outside the ISA's ranges (requant, int16 operand scales and offsets, window sizes
/// and strides 1..255, pads 0..255, tensor H and W <= 65535), element types a layer cannot take
/// (an int16 tensor read by a layer other than conv/dense, int16 output of another layer or of
/// the network, uint8/int16 output with sigmoid/tanh/lookup, a zero point outside the type).
Network load_network(const std::string& path);
/// The same for the manifest at `path` already parsed into `root` (load_yaml_document).
Network load_network(const std::string& path, const YAML::Node& root);

}  // namespace tpu
