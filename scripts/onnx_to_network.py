#!/usr/bin/python3
"""Convert an ONNX model into a "network" workload manifest for tpu-sim (host/manifest/network.h).

Run with Debian's Python (it has numpy, PyYAML and python3-onnx):

    /usr/bin/python3 scripts/onnx_to_network.py MODEL.onnx OUTDIR [--batch N] [--calibration N]
        [--calibration-file calib.npy] [--input-file inputs.npy] [--name NAME] [--seed S]
        [--percentile P] [--approximate-avgpool] [--layernorm-on-chip]

OUTDIR receives workload.yaml (format: network), input.i8, one LAYER.w.i8 / LAYER.b.i32 pair per
conv or dense layer, and golden.i8: the output of scripts/tpu_ref.py (the independent numpy
integer reference of network.h) on the written manifest. The simulator is checked against that
integer reference, not against the float model. The tool then prints how well the int8 pipeline
agrees with the float model (top-1 agreement, relative error, error in output quantization steps),
and writes the same numbers as comments into workload.yaml. Same inputs -> same bytes.

Files of the same names in OUTDIR are overwritten; other files there are left alone.
Exit status: 0 done; 2 the model uses operators or attributes this converter cannot map (nothing
is written; every unsupported operator type and attribute is listed, op type and node name, before
anything else is looked at; a problem that depends on shapes or on the graph's structure, such as a
Reshape to [N, C, H*W] or a BatchNormalization without a Conv before it, is then reported for the
first node that has one); 1 any other error (the message names the node).

ONNX subset (default domain; opsets 7..17 attribute forms)
  Conv            any group (grouped and depthwise: network.h's groups), dilations 1, any
                  kernel/stride, explicit or auto_pad pads (asymmetric ok); kernel, stride 1..255,
                  pads 0..255 and pad < kernel (network.h limits)
  Gemm            A an activation of rank 2, B constant, transA 0, any transB/alpha/beta, C constant
  MatMul          activation [N, K] x constant [K, M]; a following Add of a constant [M] is its bias
  BatchNormalization  folded into the preceding Conv (the Conv's only consumer), inference form; else
                  (DenseNet's BN after a Concat) a depthwise 1x1 conv: x * k + (beta - mean * k)
  Relu, Sigmoid, Tanh, Clip(min 0, no max)   fused into the preceding Conv/Gemm/MatMul/Add/Sub/Mul
                  when that layer has no other consumer, else a separate `activate` layer
  element-wise functions of one tensor: HardSigmoid, HardSwish, LeakyRelu, Elu, Selu, Celu, Softplus,
                  Softsign, Mish, Erf, Exp, Gelu, Clip (any bounds: ReLU6), and chains of them with
                  Sigmoid/Tanh, scalar Add/Sub/Mul/Div and Mul(x, f(x)) (SiLU = x * sigmoid(x), GELU's
                  x * 0.5 * (1 + erf(x / sqrt 2))): one 256-entry table (activation: lookup), fused
                  into the producing Conv/Gemm/Add/Mul when its output has no other reader (the
                  producer then requantizes to the calibrated scale of the function's input), else an
                  `activate` layer whose table is indexed by the input's int8 value itself
  MaxPool, GlobalMaxPool   (ceil_mode by extra bottom/right padding, exact: padding is ignored)
  AveragePool, GlobalAveragePool, ReduceMean over H, W   see "average pooling" below
  Add, Sub, Mul   two activations of the same shape, or a per-channel [N, C, 1, 1] and an [N, C, H, W]
                  (broadcast: squeeze-excitation); Add of a constant is folded into a preceding
                  Conv/Gemm bias when it broadcasts per output channel; Mul/Div by a constant scalar
                  becomes an `activate` layer (or part of a lookup function after one); Mul/Div by a
                  per-channel constant is folded into the producing Conv/Gemm/MatMul's weights and bias
                  (ConvNeXt's layer_scale; exact in the float model, before quantization, like
                  BatchNormalization folding) when it is that layer's only reader, else a depthwise 1x1 conv
  Transpose       [0, 2, 3, 1] of an NCHW image and [0, 3, 1, 2] back (ConvNeXt): no layer, the pixel-major
                  storage is the same bytes in both layouts; on the NHWC view MatMul (a 1x1 conv), its bias
                  Add, element-wise functions and LayerNorm over the last axis work per pixel over the channels
  Concat (channels), Split / Slice (a contiguous range of channels), channel shuffle (Reshape to
                  [N, g, C/g, H, W], Transpose [0, 2, 1, 3, 4], Reshape to [N, C, H, W]): a 1x1 conv
                  with several inputs and 0/1 weights (network.h); see "channel copies" below
  Pad             zero padding of H and W, folded into the Conv or AveragePool that reads it
  Flatten (axis 1), Reshape to [N, features] (or to the same shape)
  Identity, Dropout (inference: dropped), Constant, Shape (of an activation: a constant; shapes are
                  static); any node whose inputs are all constants is folded when it is one of
                  Identity, Reshape, Flatten, Transpose, Add, Sub, Mul, Div, Cast, ConstantOfShape,
                  Gather, Unsqueeze, Squeeze, Concat, Slice; Cast of an activation only when it changes
                  nothing (float to float, a quantized tensor to its own type: PyTorch's quantized export)
  QuantizeLinear, DequantizeLinear, QLinearConv, QLinearMatMul   (see "quantized models")
  Softmax, LayerNormalization   over the channels (NCHW axis 1, or the features of an [N, F]
                  tensor that is not a flattened image): a `host_op` layer computed by the host CPU
                  at an Interrupt_Host (host/manifest/host_op.h); LayerNormalization's Scale and B
                  constant. Softmax's output has the fixed scale 1/256, zero point -128; LayerNorm's
                  is calibrated. LayerNorm written out as ReduceMean/Sub/Pow(2)/ReduceMean/Add(eps)/
                  Sqrt/Div[/Mul(gamma)/Add(beta)] over the last axis (GPT-2's code; nn.LayerNorm below
                  opset 17) is rewritten into LayerNormalization first (fuse_layernorm).
                  --layernorm-on-chip: LayerNormalization as chip layers instead (Graph.layernorm_chip:
                  MXU channel sums for mean and variance, lookup tables for the square and 1/sqrt, a
                  Vector mul; approximate in int8, see docs/model_zoo.md, "ConvNeXt")
  LSTM, GRU       see "recurrent networks" below
Sequence models (transformers): see "sequences and attention" and "vision transformers" below.
Everything else (Resize, Gather of activations, ...) is unsupported.
The graph's first input that is not an initializer is the network input: NCHW (or [N, S, D], or
[N, F]) float, written as NHWC (or [S, 1, D], or [1, 1, F]) int8; a sequence read by an LSTM/GRU
([T, N, F] or [N, T, F]) is one input per time step instead ("recurrent networks"). Further inputs
are accepted only after a sequence input (a decoder's KV cache, see below). The first graph output is the network output (warning when
there are more); layers it does not depend on are left out (warning naming them). Layer names come
from the node names (PyTorch's '/layer1/layer1.0/conv1/Conv' -> 'layer1.0.conv1'); a fused
activation, BatchNormalization or bias Add keeps the name of the layer it is fused into.

Quantization of float models (all scales per tensor; round() is half away from zero)
  activations  symmetric, zero point 0: s = A / 127 where A is max |x| of the tensor over the
               calibration set (--percentile P < 100: the P-th percentile of |x| per calibration
               chunk of 8 samples, maximum over chunks). ReLU outputs have zero point 0 as well
               (their negative half is unused). A tensor that is 0 everywhere gets s = 1/127. A is
               rounded to 10 significant digits first, so that last-bit differences of the BLAS
               summation order cannot change a scale.
               Calibration set: --calibration-file (float32/64 array, NCHW), else --calibration N
               (default 32) standard-normal samples from numpy default_rng([seed, 1]).
  input        x_q = clip(round(x / s_in), -128, 127); the `--batch` samples written to input.i8
               come from --input-file or standard-normal default_rng([seed, 2]) samples.
  weights      symmetric per tensor (the requantization is per layer): s_w = max |W| / 127,
               W_q = clip(round(W / s_w), -127, 127), with s_w raised to max |bias| / (2^30 s_in)
               when the bias would not fit int32 otherwise (warning) (BatchNormalization folded first:
               W' = W * gamma / sqrt(var + eps), b' = (b - mean) * gamma / sqrt(var + eps) + beta);
               conv [kh][kw][C][M], dense [features][M] with features in H, W, C order (ONNX
               flattens C, H, W: the rows are permuted to match).
  bias         b_q = round(b / (s_in * s_w)) as int32 (saturated, with a warning).
  requant      M = s_in * s_w / s_out ~= m / 2^s with m in [2^30, 2^31 - 1] and s in 0..62
               (e = floor(log2 M); s = 30 - e; m = round(M * 2^s); m == 2^31 -> m /= 2, s -= 1).
               M < 2^-32 uses s = 62 with a smaller m (warning); M >= 2^31 is an error.
               (tpu_ref.encode_multiplier, shared with the workload generators.)
  sigmoid/tanh the requant produces Q3.4 (M = s_acc * 16); the outputs then have the fixed
               scales of quant.h: sigmoid 1/256 with zero point -128, tanh 1/128 with zero point 0.
  lookup       the function's input is calibrated like any tensor (s_pre = A / 127, zero point 0; a
               standalone table takes its input tensor's (s_in, zp_in) as it is) and so is its output
               (s_out, zero point 0); entry i of the table (int8 input q = i - 128) is
               clip(round_away(f(s_pre * q) / s_out), -128, 127) (NaN -> 0, infinities clipped).
  channel copies  output channel j = channel sel[j] of the inputs concatenated. Inputs of one
               (scale, zp): weights 1, bias 0, requant 1: the output is the input bytes exactly, with
               the same (scale, zp). Else per input k the weight round_away(127 s_k / s_max) and the
               bias -zp_k * weight; M = s_max / 127 / s_out (s_out calibrated). The lowering skips the
               all-zero weight tiles, so a Concat moves each channel tile once. The tensors a copy or
               a MaxPool ties together (a copy's output and inputs, a MaxPool's output and input) share
               one scale, the largest calibrated one, when the class holds a Concat of several inputs
               and each member can take a scale (a MaxPool joins its input only as its one reader;
               share_placement_scales): its copies are then exact
               and the lowering places them or has their readers read them in place.
  add / sub    the wide add (network.h): v = (a - zp_a) * ma + (b - zp_b) * mb, rounded once by
               the requant's shift s, ties to even (PyTorch's quantized add and ONNX QuantizeLinear
               round half to even): ma = round_away(2^s s_a / s_out), mb likewise (negated for
               Sub), s such that the larger |m| is in [2^30, 2^31); requant multiplier 1.
               operand_offsets = -zero points. (Before: int16 scales, 2^14 for the larger.)
  mul          v = (a - zp_a) * (b - zp_b), M = s_a * s_b / s_out.
  activate     (standalone relu/sigmoid/tanh, Mul by a scalar c): v = (a - zp_a) * sign(c),
               M = |c| * s_a / s_out (or * 16 for sigmoid/tanh).
  maxpool      output keeps the input's scale and zero point.
  avgpool      s_out calibrated (input zero point 0) or equal to the input's (zero point != 0);
               M = s_in / (kh * kw * s_out) (global: kh, kw = H, W); rounding half_even (PyTorch's
               quantized average pools round the mean half to even).
  zero points  only sigmoid outputs and quantized-model tensors have zp != 0. A conv/dense layer
               reading such a tensor folds -zp * sum(W) into its bias (exact) when it has no
               padding; a padded conv or avgpool first gets a `activate` layer re-centering the
               tensor to zero point 0, because network.h pads with integer 0: same scale (M = 1,
               exact) when the calibrated max |x| fits, else calibrated max |x| / 127.
sequences and attention (BERT, GPT-2; scripts/transformers.py)
  A sequence [N, S, D] is stored as S pixels of D channels (S x 1 x D). MatMul by a constant [D, M]
  (with its bias Add) is a 1x1 conv over the S pixels; Add of two sequences, LayerNormalization over
  the last axis (a host op), and element-wise functions work as for images. Split of the features
  (GPT-2's fused QKV) splits the producing 1x1 conv into one conv per part (channel copies when the
  conv has other readers). Attention's per-head tensors are views of that storage, no layers:
  Reshape [N, S, D] -> [N, S, G, D/G], Transpose [0, 2, 1, 3] ([N, G, S, dh]), [0, 2, 3, 1] or
  [0, 1, 3, 2] (keys transposed), the Reshape back to [N, S, D]; Concat of per-head tensors along
  the sequence (a KV cache and the new token's keys/values) feeds a matmul's b inputs in order.
  MatMul of two per-head tensors is a `matmul` layer (network.h: heads G, transpose_b for Q K^T):
  the host writes b into the weight memory at an Interrupt_Host and the MXU multiplies. A scalar
  Div/Mul of its output (1 / sqrt(dh)) is folded into its requantization; Add of a constant causal
  mask (0 on and below the diagonal, <= -1e4 above) or Where(lower-triangular, x, <= -1e4) makes
  the Softmax that reads it causal; Softmax over the keys is a host Softmax of G groups (host_op.h).
  A matmul's inputs need zero point 0 (a Softmax output is re-centered first: weights the MXU gets
  at run time cannot take an offset) and its b inputs one scale (the largest; the others get a
  rescaling `activate` layer). Element-wise chains that read their input several times (GELU's tanh
  form x * 0.5 * (1 + tanh(c (x + 0.044715 x * x * x))), x * x, Pow) become one lookup table.
  Further graph inputs: [N, S, D] sequences or [N, G, S, dh] per-head tensors (a KV cache), their
  values given to convert() (extra_inputs; the same in every calibration sample), each written as
  its own input file; the batch must then be 1. Token embedding (Gather) is the host's, before the
  chip input: the graph input is the embedded sequence.
vision transformers (torchvision's VisionTransformer: vit_b_16, ...; VisionSeqOps)
  The patch embedding's Reshape [N, C, H, W] -> [N, C, H*W] and Transpose [0, 2, 1] make the conv's
  output a sequence of H*W pixels on its own bytes (NHWC rows are pixel-major: no layer). Concat
  along the sequence axis (the class token before the patches) is a `pixel_concat` layer
  (network.h), a constant part ([1, S, D], the class token) a network input of fixed values the host
  loads into the Unified Buffer like the image (Read_Host_Memory); its inputs share the concat's
  calibrated scale (a conv producer requantizes to it; anything else gets a rescaling activate).
  Add of a constant of the sequence's whole shape (the position embedding [1, S, D]) is an `add`
  whose b is such a constant input. nn.MultiheadAttention's own pattern: Transpose [1, 0, 2] to its
  sequence-first [S, N, D] form (a view: N is 1 per sample), the packed in_proj MatMul + bias, three
  Slices of its features (q, k, v: one 1x1 conv per part with that part's columns; the packed conv
  is dropped once only Slices and Shapes read it), Reshape to [S, N*G, dh] and Transposes [1, 0, 2] /
  [1, 2, 0] (the per-head views in their 3-D form), q / sqrt(dh) (folded into Q K^T's
  requantization), the Reshape to [S*N, D], out_proj as a Gemm (a 1x1 conv) and the Reshape and
  Transpose back. Gather of one position along the sequence (x[:, 0], the class token) is a
  `pixel_slice`; when it reads a LayerNormalization read by nothing else (the final encoder.ln),
  the slice goes first and the host normalizes that one token (the same values: LayerNorm is per
  token). Shape arithmetic on constants (Equal, Where, Expand of the class token) is folded.
average pooling
  network.h's avgpool sums the window with padding counting as 0 and divides by kh * kw (the
  divisor is in the multiplier). That is ONNX's count_include_pad=1. ONNX's default,
  count_include_pad=0, divides border windows by the number of pixels inside the image: this
  converter maps such a pool exactly only when it has no padding; with padding it is listed as
  unsupported (exit 2) unless --approximate-avgpool is given, which keeps the kh * kw divisor
  (border outputs are then too small by count / (kh * kw)) and says so in a warning and in the
  manifest. ceil_mode=1 is supported for AveragePool only when it does not change the output size.
quantized models (QDQ and QLinear forms)
  QuantizeLinear(x, s, zp) fixes the tensor's scale and zero point instead of calibration: the
  producing layer requantizes to (s, zp) directly (or an `activate` layer is inserted). uint8
  tensors stay uint8 (network.h's element types: output_type uint8, the MXU's unsigned
  activations; an absent zero point is uint8 0, as ONNX says) where the producer can write uint8
  (a conv, dense, add, mul, avgpool or activate with identity or relu; a maxpool keeps its
  input's type); else (sigmoid, tanh, lookup, host operations) they become int8 with zp - 128 (the
  same real values), and a lookup table or host operation reading a uint8 tensor first gets an
  exact `activate` to int8. A padded conv reading a uint8 tensor with zp != 0 (the network
  input) reads it through a 1x1 identity conv writing int16 q - zp (exact; the conv then runs in
  the 8 x 16 mode) instead of the re-centering `activate` below. DequantizeLinear of a constant gives
  float weights/bias; a per-tensor weight scale with zero point 0 is used as s_w, so the model's
  int8 weights are kept exactly; per-channel (axis) weight scales cannot be expressed with one
  requant per layer: such weights are re-quantized per tensor (warning). DequantizeLinear of an
  activation is the identity on real values. QLinearConv/QLinearMatMul are Conv/MatMul on the
  dequantized weights with bias B * s_x * s_w and the output fixed to (y_scale, y_zero_point);
  their integer results match the ONNX operator up to the rounding of ties (network.h rounds half
  up, ONNX half to even) and the re-centering above. Per-axis activation scales are unsupported.

recurrent networks (LSTM, GRU; scripts/rnn_cells.py says which layers a time step becomes)
  A rank-3 graph input is a sequence: its time axis is the layout of the first LSTM/GRU reading it
  (through Transposes [1, 0, 2]). The manifest gets one input NAME_t<t> [1, 1, I] per time step
  (file NAME_t<t>.i8, one scale for all steps); --input-file and --calibration-file hold [N, T, I]
  batch-first float arrays whatever the model's layout. Each LSTM/GRU node is unrolled over its
  steps per direction (forward, reverse, bidirectional; layout 0 or 1): per step one dense layer
  per gate on [x_t, h_t-1] with the gate's rows of W and R and the bias Wb + Rb, fused
  sigmoid/tanh, then the cell's mul/add layers. GRU: both linear_before_reset values (1: x W_n +
  Wb_n and h R_n + Rb_n are separate dense layers, r * (h R_n + Rb_n) a mul, the sum an add with
  tanh). Layers are named NODE_t<t>_<role> (NODE_rev_t<t>_... for the reverse direction).
  initial_h/initial_c: absent or all zero (what they multiply is left out at the first step), a
  constant the same for every sample (fed as an input NODE_initial_h[_rev] of its own calibrated
  scale), or another LSTM/GRU's Y_h/Y_c. Y, Y_h, Y_c are used as the graph uses them; on sequences
  the importer handles Squeeze/Gather of a time or direction axis, Transpose keeping the features
  last, Reshape merging the directions into the features, Shape, and per time step MatMul, Gemm,
  Add/Sub/Mul/Div, Relu/Sigmoid/Tanh/Clip and the element-wise functions (layers NAME_t<t>; a MatMul
  of a bidirectional output reads both directions' h as one dense layer of two inputs). A
  sequence graph output is gathered into one layer (a 1x1 conv with 0/1 weights, per sample in
  ONNX order: step-major), at most 4096 features. Unsupported (exit 2, listed by node before
  anything is looked at): activations other than the default, clip, input_forget, other
  directions/layouts; then peepholes (P), sequence_lens shorter than the sequence, and a constant
  initial state that differs between samples.
  Quantization: every tensor of a cell has one scale for all time steps (calibrated over all of
  them: the key of Val.calib_key), so the gate weights quantize identically at every step after
  the first and the steps share one weight and bias file. A gate's inputs have their own scales:
  one accumulator scale S = max_k s_k max |W_k| / 127, W_k,q = round_away(W_k s_k / S), bias b / S
  minus zp_k sum(W_k,q). The cell's sigmoid and tanh are 256-entry lookup tables between calibrated
  scales (the gate's pre-activation and output, the cell state and tanh(c)), not quant.h's fixed Q3.4
  sigmoid/tanh, whose 1/16 input steps are too coarse for cell states of magnitude 0.1..1.

The float model used for calibration and for the agreement numbers is this file's own numpy
(float64) interpreter of the parsed graph (onnxruntime is not installed); QuantizeLinear pairs are
applied there as fake quantization (round half to even, as ONNX). scripts/test_onnx_import.py
checks the interpreter against PyTorch.
"""
import argparse
import collections
import math
import os
import re
import sys
import time

import numpy as np

SCRIPTS = os.path.dirname(os.path.abspath(__file__))
INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1
CALIB_CHUNK = 8                 # samples per float forward pass
IM2COL_ELEMENTS = 1 << 21       # float64 im2col elements per block of the float conv (16 MiB)
FLOAT_THREADS = min(2, len(os.sched_getaffinity(0)))   # threads of the float conv (the machine's 2 cores)

sys.path.insert(0, SCRIPTS)
import rnn_cells  # noqa: E402  (the LSTM/GRU cells as layers, shared with make_networks.py)
sys.path.pop(0)


class ConvertError(Exception):
    """A model this converter cannot handle; `status` is the exit code (2: unsupported)."""

    def __init__(self, message, status=1):
        super().__init__(message)
        self.status = status


def unsupported(node, why):
    """A ConvertError (exit status 2) naming the node's op type and name and the reason `why`."""
    name = node.name or f"(output {node.output[0]})"
    return ConvertError(f"unsupported: {node.op_type} node '{name}': {why}", 2)


def warn(msg):
    """Prints 'warning: msg' to stderr."""
    print(f"warning: {msg}", file=sys.stderr)


# ----------------------------------------------------------------------------------------------
# Number helpers

def round_away(x):
    """Rounds half away from zero (float or float array in, float64 out): tpu_ref.round_away."""
    return load_tpu_ref().round_away(x)


def encode_multiplier(M, where):
    """M > 0 as (m, s), M ~= m / 2^s, m in [2^30, 2^31-1], s in 0..62 (see the module docstring):
    tpu_ref.encode_multiplier, which generators call with shifts 1..62, here allowing shift 0
    (M up to 2^31) and clamping M < 2^-32 (shift > 62) to shift 62 with a smaller m, with a
    warning. ConvertError naming `where` when M is not positive and finite or too large."""
    if not (M > 0 and math.isfinite(M)):
        raise ConvertError(f"{where}: requantization multiplier must be positive and finite, got {M!r}")
    if M < 2.0 ** -32:              # floor(log2 M) <= -33: shift 30 - floor(log2 M) > 62
        m = int(round_away(math.ldexp(M, 62)))
        warn(f"{where}: requantization multiplier {M:.3g} < 2^-32; using shift 62, multiplier {m}")
        return m, 62
    try:
        return load_tpu_ref().encode_multiplier(M, min_shift=0, max_shift=62)
    except ValueError:              # shift < 0: M >= 2^31, or M rounds to 2^31 at shift 0
        why = ">= 2^31" if M >= 2.0 ** 31 else "rounds to 2^31 and"
        raise ConvertError(f"{where}: requantization multiplier {M:.6g} {why} cannot be encoded") from None


def fake_quant(x, scale, zp, qdtype="int8"):
    """ONNX QuantizeLinear then DequantizeLinear (round half to even), int8 (or uint8) range."""
    q = np.clip(np.rint(x / scale) + zp, *((0, 255) if qdtype == "uint8" else (-128, 127)))
    return (q - zp) * scale


def sanitize(name):
    """`name` with every character outside [A-Za-z0-9_.-] replaced by '_' (file and layer names)."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def unique_name(name, taken, reserved):
    """`name`, else the first of name_2, name_3, ... that is neither in the set `taken` nor
    `reserved` (the network input's name); adds the result to `taken`."""
    base, k = name, 2
    while name in taken or name == reserved:
        name, k = f"{base}_{k}", k + 1
    taken.add(name)
    return name


def kept_weight_scale(q, scale, zero_point):
    """The weight scale under which the int8 constant q is the model's own int8 weights (one
    scale, zero points 0), else None (the weights are re-quantized per tensor)."""
    s = np.asarray(scale).reshape(-1)
    if s.size == 1 and not np.any(zero_point) and q.dtype == np.int8:
        return float(s[0])
    return None


def layer_name_of(node, index):
    """A readable layer name from an ONNX node name (PyTorch scopes '/layer1/layer1.0/conv1/Conv'
    become 'layer1.0.conv1'); '' -> op type and index."""
    name = node.name
    if not name:
        return f"{node.op_type.lower()}{index}"
    if "/" not in name.strip("/"):
        return sanitize(name.strip("/"))
    comps = [c for c in name.strip("/").split("/") if c]
    path = []
    for c in comps[:-1]:
        if path and c.startswith(path[-1] + "."):
            path[-1] = c
        else:
            path.append(c)
    last = comps[-1]
    if path and last == node.op_type and not re.search(r"\.\d+$", path[-1]):
        return sanitize(".".join(path))
    return sanitize(".".join(path + [last.lower()]))


# ----------------------------------------------------------------------------------------------
# Float IR: activation tensors (Val) and layers (Op), NHWC storage

class Val:
    """An activation tensor: stored NHWC (shape = (H, W, C) per sample). `base` is the Val that
    owns the storage (Flatten/Reshape make views); `perm[g]` is the ONNX flat index (C, H, W order)
    of our flat index g (H, W, C order), None when they agree; `rank` is the ONNX rank (4 or 2)."""

    def __init__(self, vid, shape, rank, perm=None, base=None, producer=None, uses=0):
        self.id, self.shape, self.rank, self.perm = vid, tuple(int(d) for d in shape), rank, perm
        self.base = self if base is None else base
        self.producer = producer        # Op, or None for the network input
        self.uses = uses                # ONNX consumers over all names aliasing this Val
        self.forced = None              # (scale, zero_point) from QuantizeLinear / QLinear*
        self.qdtype = None              # ONNX type of the quantized tensor: "uint8" or "int8"
        self.calib_key = None           # calibration key shared by the time steps of a recurrent tensor
        self.onnx_dims = None           # ONNX shape (None: the batch) of a gathered sequence output
        self.nhwc = False               # an image seen channels-last, ONNX [N, H, W, C] (Graph.image_layout_transpose)

    def onnx_shape(self, n):
        """The ONNX shape with batch n: (n, C, H, W) or (n, features) (a sequence output: its own)."""
        if self.onnx_dims is not None:
            return tuple(n if d is None else d for d in self.onnx_dims)
        if self.nhwc:
            return (n,) + self.shape
        return self.plain_onnx_shape(n)

    def plain_onnx_shape(self, n):
        """The ONNX shape with batch n: (n, C, H, W) or (n, features)."""
        h, w, c = self.shape
        if self.rank == 3:
            return (n, h * w, c)
        return (n, c, h, w) if self.rank == 4 else (n, h * w * c)


class Op:
    """A layer of the float IR: kind (conv, dense, maxpool, avgpool, add, mul, activate), name,
    input Vals, output Val, fused activation `act` and the kind's parameters (w, b, stride, pads, ...)."""
    def __init__(self, kind, name, inputs, out, **params):
        self.kind, self.name, self.inputs, self.out = kind, name, inputs, out
        self.act = "identity"
        self.__dict__.update(params)


class Const:
    """A constant float tensor; `qscale` is a per-tensor weight scale from DequantizeLinear with
    zero point 0 (the model's own int8 weights are then kept exactly)."""

    def __init__(self, value, qscale=None):
        self.value = np.asarray(value)
        self.qscale = qscale


class PadView:
    """The output of a zero Pad of H, W: folded into the Conv or AveragePool that reads it."""

    def __init__(self, x, pads):
        self.x, self.pads = x, pads


class ShuffleView:
    """x [N, C, H, W] reshaped to [N, g, C/g, H, W] (transposed: [N, C/g, g, H, W]): the first half
    of a channel shuffle, which the Reshape back to 4-D turns into a channel permutation."""

    def __init__(self, x, g, transposed=False):
        self.x, self.g, self.transposed = x, g, transposed


class HeadsView:
    """Attention's per-head views of [N, S, G*dh] storage (each Val in `xs` stored (S_i, 1, G*dh);
    several are concatenated along S: a KV cache and the new token's keys/values). layout "sgd" is
    [N, S, G, dh] (after the Reshape), "gsd" [N, G, S, dh] (after Transpose [0, 2, 1, 3]), "gds"
    [N, G, dh, S] (keys transposed for Q K^T). `causal`: a causal mask was added (carried to the
    Softmax that reads it). `ndim` 3: nn.MultiheadAttention's form, the batch merged into the heads
    ([S, N*G, dh] for "sgd", [N*G, S, dh] for "gsd"; N is 1 per sample here); `scale`: a scalar
    already applied to the tensor (q / sqrt(dh) before Q K^T), folded into the matmul reading it."""

    def __init__(self, xs, g, layout, causal=False, ndim=4, scale=1.0):
        self.xs, self.g, self.layout, self.causal = list(xs), g, layout, causal
        self.ndim, self.scale = ndim, scale

    @property
    def dh(self):
        return self.xs[0].shape[2] // self.g


class FnView:
    """An element-wise function of Val x not yet made a layer (a chain such as GELU's tanh form,
    x * 0.5 * (1 + tanh(c (x + 0.044715 x^3))), whose nodes read x several times): `f` maps the
    float x to the chain's value; materialized as one `lut` op when something else reads it."""

    def __init__(self, x, f):
        self.x, self.f, self.val = x, f, None


# Element-wise ONNX operators a FnView chain may take (unary, or binary with a scalar constant or
# with the chain's own input x).
FN_BINARY = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": np.divide}
FN_UNARY = {"Tanh": np.tanh, "Sigmoid": lambda t: 1.0 / (1.0 + np.exp(-t)), "Erf": lambda t: _erf(t),
            "Sqrt": np.sqrt, "Exp": np.exp, "Relu": lambda t: np.maximum(t, 0.0)}


def float_fn(op):
    """The element-wise float function an `activate` or `lut` op computes of its input."""
    if op.kind == "lut":
        return op.f
    c, act, lut = op.fn_scale, op.act, getattr(op, "lut_f", None)
    return lambda t: apply_act(t * c, act, lut)


def flat_perm(shape):
    """perm for a (H, W, C) tensor flattened: our index (h*W + w)*C + c -> ONNX c*H*W + h*W + w."""
    h, w, c = shape
    if h == 1 and w == 1:
        return None
    hh, ww, cc = np.meshgrid(np.arange(h), np.arange(w), np.arange(c), indexing="ij")
    return (cc * h * w + hh * w + ww).reshape(-1)


def _erf(t):
    import scipy.special
    return scipy.special.erf(t)


def _softplus(t):
    return np.logaddexp(0.0, t)


# Element-wise functions of one tensor that become a 256-entry lookup table (activation: lookup):
# ONNX op -> (attributes -> float64 function of a float64 array), ONNX's definitions and defaults.
LUT_OPS = {
    "HardSigmoid": lambda a: (lambda t: np.clip(a.get("alpha", 0.2) * t + a.get("beta", 0.5), 0.0, 1.0)),
    "HardSwish": lambda a: (lambda t: t * np.clip(t / 6.0 + 0.5, 0.0, 1.0)),
    "LeakyRelu": lambda a: (lambda t: np.where(t >= 0, t, a.get("alpha", 0.01) * t)),
    "Elu": lambda a: (lambda t: np.where(t > 0, t, a.get("alpha", 1.0) * np.expm1(np.minimum(t, 0)))),
    "Selu": lambda a: (lambda t: a.get("gamma", 1.0507009873554805) * np.where(
        t > 0, t, a.get("alpha", 1.6732632423543772) * np.expm1(np.minimum(t, 0)))),
    "Celu": lambda a: (lambda t: np.maximum(t, 0) + np.minimum(0, a.get("alpha", 1.0) * np.expm1(
        np.minimum(t, 0) / a.get("alpha", 1.0)))),
    "Softplus": lambda a: _softplus,
    "Softsign": lambda a: (lambda t: t / (1.0 + np.abs(t))),
    "Mish": lambda a: (lambda t: t * np.tanh(_softplus(t))),
    "Erf": lambda a: _erf,
    "Exp": lambda a: np.exp,
    "Gelu": lambda a: ((lambda t: 0.5 * t * (1.0 + np.tanh(0.7978845608028654 * (t + 0.044715 * t ** 3))))
                       if a.get("approximate", b"none") in (b"tanh", "tanh")
                       else (lambda t: 0.5 * t * (1.0 + _erf(t / math.sqrt(2.0))))),
}

SUPPORTED = {"Conv", "Gemm", "MatMul", "BatchNormalization", "Relu", "Sigmoid", "Tanh", "Clip",
             "MaxPool", "GlobalMaxPool", "AveragePool", "GlobalAveragePool", "Add", "Sub", "Mul", "Div",
             "Flatten", "Reshape", "Identity", "Dropout", "Constant", "Transpose", "Cast",
             "QuantizeLinear", "DequantizeLinear", "QLinearConv", "QLinearMatMul",
             "Softmax", "LayerNormalization",
             "Concat", "Split", "Slice", "Pad", "Shape", "ReduceMean"} | set(LUT_OPS)
CONST_ONLY = {"ConstantOfShape", "Gather", "Unsqueeze", "Squeeze", "Expand", "Trilu", "Equal", "Where"}  # on constants
SUPPORTED |= {"Pow"}    # x^k in element-wise chains (FnView); the ReduceMean/Pow/Sqrt LayerNorm (fuse_layernorm)
SUPPORTED |= CONST_ONLY | {"LSTM", "GRU"}
ONNX_TYPES = {1: np.float32, 2: np.uint8, 3: np.int8, 6: np.int32, 7: np.int64, 11: np.float64}


def attrs_of(node):
    """The node's attributes as {name: Python value} (onnx.helper.get_attribute_value)."""
    import onnx.helper
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def static_checks(node):
    """Attribute problems that need no shapes; returns a list of reasons (empty: fine)."""
    a = attrs_of(node)
    why = []
    t = node.op_type
    if t in ("Conv", "QLinearConv"):
        if any(d != 1 for d in a.get("dilations", [])):
            why.append(f"dilations={list(a['dilations'])}")
    if t in ("MaxPool", "AveragePool"):
        if any(d != 1 for d in a.get("dilations", [])):
            why.append(f"dilations={list(a['dilations'])}")
        if t == "MaxPool" and len(node.output) > 1 and node.output[1]:
            why.append("the Indices output")
        if "kernel_shape" not in a or len(a["kernel_shape"]) != 2:
            why.append(f"kernel_shape {list(a.get('kernel_shape', []))} (2-D pooling only)")
    if t == "Gemm" and a.get("transA", 0):
        why.append("transA=1")
    if t == "Flatten" and a.get("axis", 1) != 1:
        why.append(f"axis={a['axis']} (only 1)")
    if t == "BatchNormalization" and (a.get("training_mode", 0) or sum(1 for o in node.output if o) > 1):
        why.append("training mode")
    if t == "Dropout" and len(node.output) > 1 and node.output[1]:
        why.append("the mask output")
    if t in ("LSTM", "GRU"):
        why += recurrent_checks(t, a)
    return why


# ----------------------------------------------------------------------------------------------
# Recurrent networks: sequences, LSTM and GRU (unrolled over time by scripts/rnn_cells.py)

class SeqVal:
    """A tensor of a recurrent network held as several Vals of shape (1, 1, F): `axes` names its
    ONNX axes in order from T (time), D (direction of an LSTM/GRU output), N (batch) and F
    (features, always last); steps[t] is the list of Vals at time step t (a single entry when there
    is no T axis): one per direction when there is a D axis, else pieces whose features are
    concatenated in order (a bidirectional output reshaped to [T, N, 2H])."""

    def __init__(self, steps, axes):
        self.steps, self.axes = steps, tuple(axes)

    def onnx_shape(self, n):
        """The ONNX shape with batch n."""
        parts = self.steps[0]
        f = parts[0].shape[2] if "D" in self.axes else sum(p.shape[2] for p in parts)
        dims = {"T": len(self.steps), "D": len(parts), "N": n, "F": f}
        return tuple(dims[a] for a in self.axes)

    def single(self):
        """The one Val this tensor is when it has neither T nor D axis and one piece, else None."""
        if self.axes == ("N", "F") and len(self.steps) == 1 and len(self.steps[0]) == 1:
            return self.steps[0][0]
        return None


class Feed:
    """A manifest input other than a plain network input: `val` (1, 1, F), its manifest `name`, and
    take(x, n) -> float64 (n, 1, 1, F), from the batch-first float sequence input x [n, T, I]: one
    time step of the input, or a constant initial state (the same for every sample)."""

    def __init__(self, val, name, take, constant=None):
        self.val, self.name, self.take, self.constant = val, name, take, constant


SEQ_SHAPE_OPS = {"Squeeze", "Transpose", "Reshape", "Gather", "Shape", "Identity", "Dropout"}
SEQ_STEP_OPS = {"MatMul", "Gemm", "Add", "Sub", "Mul", "Div", "Relu", "Sigmoid", "Tanh", "Clip"} | set(LUT_OPS)
MAX_SEQUENCE_OUTPUT = 4096      # features of a sequence output gathered into one layer (copy weights F^2)


def direction_of(a):
    """The direction attribute of an LSTM/GRU node as a str."""
    d = a.get("direction", b"forward")
    return d.decode() if isinstance(d, bytes) else d


def recurrent_checks(t, a):
    """Attribute problems of an LSTM/GRU node (static_checks): activations other than the
    default, clip, input_forget, unknown direction or layout."""
    why = []
    d = direction_of(a)
    if d not in ("forward", "reverse", "bidirectional"):
        why.append(f"direction={d}")
    default = (["Sigmoid", "Tanh", "Tanh"] if t == "LSTM" else ["Sigmoid", "Tanh"]) * (2 if d == "bidirectional" else 1)
    acts = [x.decode() if isinstance(x, bytes) else x for x in a.get("activations", [])]
    if acts and [x.lower() for x in acts] != [x.lower() for x in default]:
        why.append(f"activations={acts} (only the default {default})")
    if "clip" in a:
        why.append(f"clip={a['clip']}")
    if a.get("input_forget", 0):
        why.append(f"input_forget={a['input_forget']}")
    if a.get("layout", 0) not in (0, 1):
        why.append(f"layout={a['layout']}")
    if "hidden_size" not in a:
        why.append("no hidden_size")
    return why


def sequence_time_axis(g, name):
    """The time axis (0 or 1) of the rank-3 graph input `name`: the layout of the first LSTM/GRU
    that reads it through the graph (Shape readers ignored), flipped by each Transpose [1, 0, 2]
    on the way; None when no LSTM/GRU reads it."""
    readers = {}
    for n in g.node:
        for i in n.input:
            readers.setdefault(i, []).append(n)
    todo, seen = [(name, 0)], set()
    while todo:
        cur, flip = todo.pop(0)
        for n in readers.get(cur, []):
            if n.op_type == "Shape" or (id(n), flip) in seen:
                continue
            seen.add((id(n), flip))
            a = attrs_of(n)
            if n.op_type in ("LSTM", "GRU") and n.input[0] == cur:
                return int(a.get("layout", 0)) ^ flip
            swap = int(n.op_type == "Transpose" and list(a.get("perm", [])) == [1, 0, 2])
            todo += [(o, flip ^ swap) for o in n.output if o]
    return None


def _sigmoid(t):
    return 1.0 / (1.0 + np.exp(-t))


CELL_FUNCTIONS = {"sigmoid": _sigmoid, "tanh": np.tanh}


class OnnxCellEmitter:
    """The importer's emitter for scripts/rnn_cells.py: float IR ops for one direction of an
    LSTM/GRU node. weights: role -> (W [I, H], R [H, H], Wb [H], Rb [H]) as x @ W (ONNX's W, R
    rows transposed); every op's output has calibration key key + (role,), shared by the time
    steps, and its dense layers share weight files between steps (Lowering.weight_files).
    The cell's sigmoid and tanh are lookup tables between calibrated scales (activation: lookup),
    not the activation unit's fixed Q3.4 sigmoid/tanh: a Q3.4 input resolves a cell state or
    pre-activation of typical magnitude 0.1..1 into only 2..16 steps of 1/16 (the first
    version of this importer, which used them, had 14% relative error on a 2-layer LSTM of
    hidden 16 with PyTorch's initial weights)."""

    def __init__(self, graph, node, weights, key, hidden):
        self.g, self.node, self.w, self.key, self.H = graph, node, weights, key, hidden

    def x_rows(self, xs, W):
        """W's rows split by the features of the input pieces xs."""
        rows, k = [], 0
        for x in xs:
            f = x.shape[2]
            rows.append(W[k:k + f])
            k += f
        return rows

    def dense(self, name, role, act, ins, rows, bias):
        """A dense op of the cell (sigmoid/tanh as a lookup table), weight files shared by the steps."""
        fn = CELL_FUNCTIONS.get(act)
        return self.g.cell_op(self.node, "dense", name, ins, self.H, self.key, role, "lut" if fn else act,
                              w=np.vstack(rows), b=np.asarray(bias, np.float64).copy(), qscale=None,
                              share=self.key + (role,), lut_f=fn)

    def gate(self, name, role, act, xs, rec):
        """act(x W + rec R + Wb + Rb) of the gate `role`."""
        W, R, wb, rb = self.w[role]
        ins, rows = list(xs), self.x_rows(xs, W)
        if rec is not None:
            ins.append(rec)
            rows.append(R)
        return self.dense(name, role, act, ins, rows, wb + rb)

    def linear(self, name, role, ins):
        """GRU's x W_n + Wb_n (role xn) or h R_n + Rb_n (role hn)."""
        W, R, wb, rb = self.w["n"]
        if role == "xn":
            return self.dense(name, role, "identity", list(ins), self.x_rows(ins, W), wb)
        return self.dense(name, role, "identity", list(ins), [R], rb)

    def mul(self, name, role, a, b):
        """a * b."""
        return self.g.cell_op(self.node, "mul", name, [a, b], self.H, self.key, role, "identity")

    def add(self, name, role, a, b, act="identity", subtract=False):
        """act(a + b) or act(a - b)."""
        fn = CELL_FUNCTIONS.get(act)
        return self.g.cell_op(self.node, "add", name, [a, b], self.H, self.key, role, "lut" if fn else act,
                              negate_b=subtract, lut_f=fn)

    def tanh(self, name, role, a):
        """tanh(a) by a table indexed by the int8 value of a."""
        return self.g.cell_op(self.node, "lut", name, [a], self.H, self.key, role, "identity", f=np.tanh)


class RecurrentOps:
    """Graph's part for recurrent networks: a rank-3 graph input becomes one network input per time
    step (Feed), LSTM and GRU nodes are unrolled over time (scripts/rnn_cells.py), nodes on
    sequences are applied per time step, and a sequence graph output is gathered into one layer."""

    def sequence_input(self, g, inp, dims):
        """The SeqVal of the rank-3 graph input `inp` with ONNX dims: one Val and Feed per step."""
        ax = sequence_time_axis(g, inp.name)
        if ax is None:
            raise ConvertError(f"input '{inp.name}' has shape {dims}: a rank-3 input must be a sequence read by an "
                               "LSTM or GRU node")
        T, I = dims[ax], dims[2]
        if not T or not I:
            raise ConvertError(f"input '{inp.name}' has shape {dims}; need the time steps (axis {ax}) and features "
                               "known")
        self.model_batch = dims[1 - ax]
        self.seq_tail = (T, I)
        steps = []
        for t in range(T):
            v = self.new_val((1, 1, I), 2, uses=self.uses.get(inp.name, 0))
            v.calib_key = ("input",)
            self.feeds.append(Feed(v, self.unique(f"{sanitize(inp.name)}_t{t}"),
                                   lambda x, n, t=t: x[:, t].reshape(n, 1, 1, -1)))
            steps.append([v])
        return SeqVal(steps, ("T", "N", "F") if ax == 0 else ("N", "T", "F"))

    def state_feed(self, name, vec):
        """A Val fed with the constant vector `vec` for every sample (a nonzero initial state)."""
        v = self.new_val((1, 1, vec.size), 2, uses=2)
        self.feeds.append(Feed(v, self.unique(sanitize(name)),
                               lambda x, n, vec=vec: np.broadcast_to(vec, (n, 1, 1, vec.size)).copy(), vec))
        return v

    def cell_op(self, node, kind, name, ins, H, key, role, act, **params):
        """An op of an unrolled cell: output (1, 1, H) with calibration key key + (role,); its uses
        are set to 2 so that no later node is fused into it (the recurrence reads it too)."""
        out = self.new_val((1, 1, H), 2, uses=2)
        op = Op(kind, self.unique(sanitize(name)), ins, out, **params)
        op.act = act
        op.onnx = f"{node.op_type} '{node.name}' ({role})"
        out.producer = op
        out.calib_key = key + (role,)
        self.ops.append(op)
        return out

    def convert_sequence(self, node, index, a, ins):
        """A node on a sequence (or an LSTM/GRU)."""
        t = node.op_type
        if t in ("LSTM", "GRU"):
            self.op_recurrent(node, index, a)
        elif t in SEQ_SHAPE_OPS:
            getattr(self, "seq_" + t)(node, a, ins)
        elif t in SEQ_STEP_OPS:
            self.seq_map(node, index, a, ins)
        else:
            raise unsupported(node, "on a sequence (an LSTM/GRU input or output); per time step only "
                                    + ", ".join(sorted(SEQ_STEP_OPS - set(LUT_OPS))) + " and element-wise functions")

    def seq_result(self, name, steps, axes, node):
        """Binds ONNX tensor `name` to SeqVal(steps, axes), or to its Val when it is a plain [N, F]."""
        s = SeqVal(steps, axes)
        v = s.single()
        if v is not None:
            self.alias(name, v, 1)
        else:           # [N, F] of several pieces: what a MatMul/Gemm reads as one dense layer
            self.env[name] = s

    def seq_Identity(self, node, a, ins):
        """Identity/Dropout of a sequence: the same SeqVal."""
        self.env[node.output[0]] = ins[0]

    seq_Dropout = seq_Identity

    def seq_Shape(self, node, a, ins):
        """Shape of a sequence: a constant (the batch is the model's or 1)."""
        shape = np.array(ins[0].onnx_shape(self.model_batch or 1), dtype=np.int64)
        self.consts[node.output[0]] = Const(shape[a.get("start", 0):a.get("end")])

    def seq_Squeeze(self, node, a, ins):
        """Squeeze of time/direction axes of size 1."""
        s = ins[0]
        shape = s.onnx_shape(self.model_batch or 1)
        if "axes" in a:
            axes = list(a["axes"])
        elif len(node.input) > 1 and node.input[1]:
            axes = [int(v) for v in self.const(node, 1, "axes").value.reshape(-1)]
        else:
            axes = [k for k, x in enumerate(s.axes) if x in ("T", "D") and shape[k] == 1]
        drop = {x % len(s.axes) for x in axes}
        if any(s.axes[k] not in ("T", "D") or shape[k] != 1 for k in drop):
            raise unsupported(node, f"Squeeze of axes {axes} of a sequence {list(s.axes)} (only a time or direction "
                                    "axis of size 1)")
        self.seq_result(node.output[0], s.steps, [x for k, x in enumerate(s.axes) if k not in drop], node)

    def seq_Transpose(self, node, a, ins):
        """Transpose of a sequence's axes (the features stay last)."""
        s = ins[0]
        perm = list(a.get("perm", reversed(range(len(s.axes)))))
        axes = [s.axes[p] for p in perm]
        if sorted(perm) != list(range(len(s.axes))) or axes[-1] != "F":
            raise unsupported(node, f"Transpose {perm} of a sequence {list(s.axes)} (the features must stay last)")
        self.env[node.output[0]] = SeqVal(s.steps, axes)

    def seq_Reshape(self, node, a, ins):
        """Reshape of a sequence: the same shape, or the directions merged into the features."""
        s = ins[0]
        cur = list(s.onnx_shape(self.model_batch or 1))
        tgt = [cur[i] if v == 0 and i < len(cur) else int(v)
               for i, v in enumerate(self.const(node, 1, "shape").value.reshape(-1))]
        if tgt == cur:
            self.env[node.output[0]] = s
            return
        if len(s.axes) >= 3 and s.axes[-2] == "D":     # merge the directions into the features
            want = cur[:-2] + [cur[-2] * cur[-1]]
            if len(tgt) == len(want) and all(t in (w, -1) for t, w in zip(tgt, want)) and tgt.count(-1) <= 1:
                self.seq_result(node.output[0], s.steps, s.axes[:-2] + ("F",), node)
                return
        raise unsupported(node, f"Reshape of a sequence {list(s.axes)} {cur} to {tgt} (only merging the "
                                "direction axis into the features)")

    def seq_Gather(self, node, a, ins):
        """Gather of one time step or direction (a scalar index drops the axis)."""
        s = ins[0]
        idx = self.const(node, 1, "indices").value
        k = a.get("axis", 0) % len(s.axes)
        ax = s.axes[k]
        if ax not in ("T", "D") or idx.size != 1 or idx.ndim > 1:
            raise unsupported(node, f"Gather on axis {k} ({ax}) of a sequence with indices of shape {list(idx.shape)} "
                                    "(only one time step or direction)")
        size = len(s.steps) if ax == "T" else len(s.steps[0])
        i = int(idx.reshape(-1)[0]) % size
        steps = [s.steps[i]] if ax == "T" else [[p[i]] for p in s.steps]
        axes = [x for j, x in enumerate(s.axes) if j != k] if idx.ndim == 0 else s.axes
        self.seq_result(node.output[0], steps, axes, node)

    def seq_map(self, node, index, a, ins):
        """A node applied to each time step of its sequence inputs (same axes, one piece per step):
        layers NAME_t0, NAME_t1, ...; the steps' outputs share a calibration key and weight files."""
        seqs = [x for x in ins if isinstance(x, SeqVal)]
        ref = seqs[0]
        pieces_ok = node.op_type in ("MatMul", "Gemm")     # a dense layer on the pieces
        if "D" in ref.axes or any(len(p) != 1 and not pieces_ok for s in seqs for p in s.steps) or \
                any(s.axes != ref.axes or len(s.steps) != len(ref.steps) for s in seqs):
            raise unsupported(node, "per time step only on sequences of one piece per step with the same axes "
                                    "(Squeeze or Transpose/Reshape an LSTM/GRU output's direction axis first)")
        handler = getattr(self, "op_lut" if node.op_type in LUT_OPS else "op_" + node.op_type)
        outs = []
        for t in range(len(ref.steps)):
            for name, x in zip(node.input, ins):
                if isinstance(x, SeqVal):
                    self.env[name] = x.steps[t][0] if len(x.steps[t]) == 1 else SeqVal([x.steps[t]], ("N", "F"))
            self.step_suffix = f"_t{t}" if "T" in ref.axes else ""
            before = len(self.ops)
            handler(node, index, a)
            for op in self.ops[before:]:
                op.out.calib_key = ("seq", node.output[0])
                op.share = ("seq", node.output[0])
            outs.append([self.env[node.output[0]]])
        self.step_suffix = ""
        for name, x in zip(node.input, ins):
            if isinstance(x, SeqVal):
                self.env[name] = x
        self.env[node.output[0]] = SeqVal(outs, ref.axes)

    def initial_state(self, node, i, what, dirs, H, layout, base):
        """Input i of an LSTM/GRU (initial_h/initial_c) per direction: None (absent or all zero: the
        cell leaves it out), a Feed of a constant (the same for every sample), or the pieces of
        another LSTM/GRU's Y_h/Y_c."""
        v = self.get(node, i, what)
        if v is None:
            return [None] * dirs
        if isinstance(v, Const):
            arr = v.value.astype(np.float64)
            arr = arr.transpose(1, 0, 2) if layout == 1 and arr.ndim == 3 else arr
            if arr.ndim != 3 or arr.shape[0] != dirs or arr.shape[2] != H:
                raise ConvertError(f"{node.op_type} node '{node.name}': {what} has shape {list(v.value.shape)}, "
                                   f"need {dirs} directions x batch x {H}")
            if not arr.any():
                return [None] * dirs
            if not np.all(arr == arr[:, :1]):
                raise unsupported(node, f"{what} differs between batch elements (a constant initial state must "
                                        "be the same for every sample)")
            return [self.state_feed(f"{base}_{what}{'_rev' if d else ''}", arr[d, 0]) for d in range(dirs)]
        want = ("D", "N", "F") if layout == 0 else ("N", "D", "F")
        if isinstance(v, SeqVal) and v.axes == want and len(v.steps[0]) == dirs and \
                all(p.shape[2] == H for p in v.steps[0]):
            return list(v.steps[0])
        raise unsupported(node, f"{what} must be a constant or another LSTM/GRU's Y_h/Y_c of {dirs} direction(s)")

    def recurrent_weights(self, node, ng, dirs, I, H):
        """(W [D, ng H, I], R [D, ng H, H], B [D, 2 ng H]) of an LSTM/GRU node, checked."""
        W = self.const(node, 1, "W").value.astype(np.float64)
        R = self.const(node, 2, "R").value.astype(np.float64)
        bc = self.const(node, 3, "B")
        B = np.zeros((dirs, 2 * ng * H)) if bc is None else bc.value.astype(np.float64)
        for what, arr, want in (("W", W, (dirs, ng * H, I)), ("R", R, (dirs, ng * H, H)), ("B", B, (dirs, 2 * ng * H))):
            if tuple(arr.shape) != want:
                raise ConvertError(f"{node.op_type} node '{node.name}': {what} has shape {list(arr.shape)}, need "
                                   f"{list(want)}")
        return W, R, B

    def op_recurrent(self, node, index, a):
        """An LSTM/GRU node unrolled over its time steps (rnn_cells), per direction; outputs Y, Y_h,
        Y_c as SeqVals."""
        kind = node.op_type
        x = self.get(node, 0)
        layout = int(a.get("layout", 0))
        want = ("T", "N", "F") if layout == 0 else ("N", "T", "F")
        if not isinstance(x, SeqVal) or x.axes != want:
            got = list(x.axes) if isinstance(x, SeqVal) else "not a sequence from the graph input"
            raise unsupported(node, f"input X with axes {got} (layout={layout} needs {list(want)})")
        H = int(a["hidden_size"])
        rev = {"forward": [False], "reverse": [True], "bidirectional": [False, True]}[direction_of(a)]
        dirs, T = len(rev), len(x.steps)
        ng = 4 if kind == "LSTM" else 3
        I = sum(p.shape[2] for p in x.steps[0])
        W, R, B = self.recurrent_weights(node, ng, dirs, I, H)
        lens = self.get(node, 4, "sequence_lens")
        if lens is not None and not (isinstance(lens, Const) and np.all(lens.value == T)):
            raise unsupported(node, "sequence_lens other than every sequence at its full length")
        if kind == "LSTM":
            p = self.get(node, 7, "P")
            if p is not None and (not isinstance(p, Const) or p.value.any()):
                raise unsupported(node, "peepholes (input P)")
        base = layer_name_of(node, index)
        h0 = self.initial_state(node, 5, "initial_h", dirs, H, layout, base)
        c0 = self.initial_state(node, 6, "initial_c", dirs, H, layout, base) if kind == "LSTM" else [None] * dirs
        roles = ("i", "o", "f", "g") if kind == "LSTM" else ("z", "r", "n")
        lbr = int(a.get("linear_before_reset", 0))
        Y = [[None] * dirs for _ in range(T)]
        Yh, Yc = [], []
        for d, backward in enumerate(rev):
            w = {role: (W[d, k * H:(k + 1) * H].T, R[d, k * H:(k + 1) * H].T, B[d, k * H:(k + 1) * H],
                        B[d, (ng + k) * H:(ng + k + 1) * H]) for k, role in enumerate(roles)}
            E = OnnxCellEmitter(self, node, w, (node.output[0] or base, d), H)
            h, c = h0[d], c0[d]
            if kind == "GRU" and lbr and h is None and w["n"][3].any():   # r * Rb_n is not zero
                h = self.state_feed(f"{base}_initial_h{'_rev' if backward else ''}", np.zeros(H))
            prefix = base + ("_rev" if backward else "")
            for t in (reversed(range(T)) if backward else range(T)):
                if kind == "LSTM":
                    h, c = rnn_cells.lstm_cell(E, f"{prefix}_t{t}", x.steps[t], h, c)
                else:
                    h = rnn_cells.gru_cell(E, f"{prefix}_t{t}", x.steps[t], h, lbr)
                Y[t][d] = h
            Yh.append(h)
            Yc.append(c)
        state_axes = ("D", "N", "F") if layout == 0 else ("N", "D", "F")
        outs = [(Y, ("T", "D", "N", "F") if layout == 0 else ("N", "T", "D", "F")), ([Yh], state_axes),
                ([Yc], state_axes)]
        for name, (steps, axes) in zip(node.output, outs):
            if name:
                self.env[name] = SeqVal(steps, axes)

    def dense_pieces(self, node, index, pieces, W, bias):
        """A dense layer on several (1, 1, F) pieces with their features concatenated."""
        k, m = W.shape
        f = sum(p.shape[2] for p in pieces)
        if k != f:
            raise ConvertError(f"{node.op_type} node '{node.name}': weights have {k} rows, the input {f} features")
        bias = np.asarray(bias, np.float64).reshape(-1)
        if bias.size not in (1, m):
            raise unsupported(node, f"bias of {bias.size} values for {m} outputs")
        out = self.add_op("dense", node, index, list(pieces), (1, 1, m), rank=2, w=W.astype(np.float64).copy(),
                          b=np.broadcast_to(bias, (m,)).copy(), qscale=None)
        self.env[node.output[0]] = out

    def sequence_output(self, s):
        """The graph output that is a SeqVal as one Val: its single piece, or a `copy` layer
        gathering every step and direction (per sample in ONNX order) into one tensor."""
        v = s.single()
        if v is not None:
            return v
        order = [x for x in s.axes if x in ("T", "D")]
        pieces = [s.steps[t][d] for t in range(len(s.steps)) for d in range(len(s.steps[0]))] \
            if order[:1] != ["D"] else [s.steps[t][d] for d in range(len(s.steps[0])) for t in range(len(s.steps))]
        if len(pieces) == 1:    # e.g. Y_h of one direction: per sample the same data
            return pieces[0]
        total = sum(p.shape[2] for p in pieces)
        if total > MAX_SEQUENCE_OUTPUT:
            raise ConvertError(f"graph output '{self.output_name}' is a sequence of {total} features per sample; "
                               f"gathering more than {MAX_SEQUENCE_OUTPUT} into one layer is not supported (make the "
                               "output the last step or Y_h)", 2)
        out = self.new_val((1, 1, total), 3, uses=1)
        out.onnx_dims = s.onnx_shape(None)
        op = Op("copy", self.unique(sanitize(self.output_name) + "_gather"), pieces, out,
                sel=np.arange(total, dtype=np.int64), what="the sequence output's steps gathered")
        op.onnx = f"graph output '{self.output_name}'"
        out.producer = op
        self.ops.append(op)
        return out


def _const_values(g):
    """{tensor name: numpy value} of the graph's initializers, Constant nodes (value form) and Identity
    nodes of those (PyTorch's exporter shares equal parameters, e.g. ConvNeXt's LayerNorm weights,
    through Identity nodes)."""
    import onnx.helper
    import onnx.numpy_helper
    vals = {t.name: onnx.numpy_helper.to_array(t) for t in g.initializer}
    for n in g.node:
        if n.op_type == "Constant":
            for at in n.attribute:
                if at.name == "value":
                    vals[n.output[0]] = onnx.numpy_helper.to_array(onnx.helper.get_attribute_value(at))
        elif n.op_type == "Identity" and n.input[0] in vals:     # torch's export of shared LayerNorm weights
            vals[n.output[0]] = vals[n.input[0]]
    return vals


def _reduces_last_axis(node, consts):
    """A ReduceMean over the last axis only, keepdims (opset < 18 attribute or opset 18 input)."""
    a = attrs_of(node)
    axes = a.get("axes")
    if axes is None and len(node.input) > 1:
        axes = [int(v) for v in consts.get(node.input[1], np.array([])).reshape(-1)]
    return list(axes or []) == [-1] and a.get("keepdims", 1) == 1


def fuse_layernorm(model):
    """Rewrites each LayerNorm written out as ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div[/Mul/Add]
    over the last axis (GPT-2's code; PyTorch's nn.LayerNorm exported below opset 17) into one
    LayerNormalization node with its epsilon, Scale and B (initializers; ones/zeros when the Mul/Add
    are absent), in place of the pattern's last node. The pattern's intermediate tensors must have
    no other readers; otherwise the nodes are left as they are (and then reported unsupported).
    Returns the number of patterns rewritten."""
    import onnx.helper
    import onnx.numpy_helper
    g = model.graph
    consts = _const_values(g)
    prod = {o: n for n in g.node for o in n.output}
    readers = {}
    for n in g.node:
        for i in n.input:
            readers.setdefault(i, []).append(n)
    for o in g.output:
        readers.setdefault(o.name, []).append(None)

    def only(t, op_type):
        r = readers.get(t, [])
        return r[0] if len(r) == 1 and r[0] is not None and r[0].op_type == op_type else None

    def other_input(node, t):
        """The input of a two-input node that is not tensor t."""
        return node.input[1] if node.input[0] == t else node.input[0]

    def scalar(t):
        v = consts.get(t)
        return float(v.reshape(-1)[0]) if v is not None and v.size == 1 else None

    fused, drop = 0, set()
    for m1 in list(g.node):
        if m1.op_type != "ReduceMean" or not _reduces_last_axis(m1, consts):
            continue
        x = m1.input[0]
        sub = only(m1.output[0], "Sub")
        if sub is None or list(sub.input) != [x, m1.output[0]]:
            continue
        rd = readers.get(sub.output[0], [])
        pw = next((n for n in rd if n is not None and n.op_type == "Pow"), None)
        div = next((n for n in rd if n is not None and n.op_type == "Div"), None)
        if len(rd) != 2 or pw is None or div is None or scalar(pw.input[1]) != 2.0 or div.input[0] != sub.output[0]:
            continue
        m2 = only(pw.output[0], "ReduceMean")
        add = m2 and only(m2.output[0], "Add")
        sq = add and only(add.output[0], "Sqrt")
        if not (m2 and _reduces_last_axis(m2, consts) and add and sq and div.input[1] == sq.output[0]):
            continue
        eps = scalar(other_input(add, m2.output[0]))
        if eps is None:
            continue
        nodes, last = [m1, sub, pw, m2, add, sq, div], div
        gamma = beta = None
        mul = only(div.output[0], "Mul")
        if mul is not None:
            other = other_input(mul, div.output[0])
            if other in consts:
                gamma, last = other, mul
                nodes.append(mul)
                badd = only(mul.output[0], "Add")
                if badd is not None:
                    other = other_input(badd, mul.output[0])
                    if other in consts:
                        beta, last = other, badd
                        nodes.append(badd)
        c = model_channels = None
        for t in (gamma, beta):
            if t is not None:
                model_channels = consts[t].size
        names = []
        for t, fill in ((gamma, 1.0), (beta, 0.0)):
            if t is None:
                if model_channels is None:
                    c = None
                    break
                name = f"{m1.name or x}_ln_{'scale' if fill else 'bias'}"
                g.initializer.append(onnx.numpy_helper.from_array(np.full(model_channels, fill, np.float32), name))
                consts[name] = np.full(model_channels, fill)
                t = name
            names.append(t)
        if len(names) != 2:
            continue        # no Scale/B at all: the channel count is unknown here; left unfused
        ln = onnx.helper.make_node("LayerNormalization", [x] + names, [last.output[0]], axis=-1, epsilon=eps,
                                   name=(m1.name.rsplit("/", 1)[0] + "/LayerNormalization") if m1.name else "")
        last.CopyFrom(ln)
        drop.update(id(n) for n in nodes if n is not last)
        fused += 1
    if drop:
        keep = [n for n in g.node if id(n) not in drop]
        del g.node[:]
        g.node.extend(keep)
    return fused


class SeqFirstView:
    """A sequence Val x ((S, 1, D) storage) in nn.MultiheadAttention's sequence-first form: ONNX
    [S, N, D] (ndim 3, after Transpose [1, 0, 2] of [N, S, D]) or [S*N, D] (ndim 2, after the
    Reshape before out_proj). N is 1 per sample here, so the bytes are x's: a view, no layer."""

    def __init__(self, x, ndim):
        self.x, self.ndim = x, ndim

    def onnx_shape(self, n):
        s, _, d = self.x.shape
        return (s, n, d) if self.ndim == 3 else (s * n, d)


class ImageSeqView:
    """An image x [N, C, H, W] reshaped to [N, C, H*W] (ViT's patch embedding before its Transpose
    [0, 2, 1]); only that Transpose may read it (it becomes the (H*W, 1, C) sequence on x's bytes)."""

    def __init__(self, x):
        self.x = x


class VisionSeqOps:
    """Vision transformers (torchvision's ViT): the patch embedding's image turned into a sequence,
    the class token and position embedding (constants the host loads into the Unified Buffer),
    nn.MultiheadAttention's sequence-first form (SeqFirstView), the class token Gather. Mixed into
    Graph; the layout handling of sequences lives here, apart from images' (NHWC) handling."""

    def vision_seq_op(self, node, index, a):
        """Handles a node of the forms above; True if done, False leaves it to the other handlers."""
        t = node.op_type
        raw = [self.env.get(n, self.consts.get(n)) for n in node.input]
        if not raw:
            return False
        if isinstance(raw[0], ImageSeqView):
            return self.image_to_sequence(node, raw[0], list(a.get("perm", [])))
        if any(isinstance(r, SeqFirstView) for r in raw):
            return self.seq_first_op(node, index, a, raw)
        x = raw[0]
        if t == "Reshape" and isinstance(x, Val) and x.rank == 4 and x.base is x:
            return self.image_reshape(node, x)
        if t == "Transpose" and isinstance(x, Val) and x.rank == 3 and list(a.get("perm", [])) == [1, 0, 2]:
            if x.base is not x:
                raise unsupported(node, "Transpose [1, 0, 2] of a sequence view")
            self.env[node.output[0]] = SeqFirstView(x, 3)
            return True
        seqs = [r for r in raw if isinstance(r, Val) and r.rank == 3]
        if t == "Concat" and seqs and a.get("axis", 0) in (1, -2):
            self.pixel_concat(node, index, raw)
            return True
        if t in ("Add", "Sub") and len(seqs) == 1 and any(isinstance(r, Const) and r.value.size > seqs[0].shape[2]
                                                          for r in raw):
            self.add_constant_sequence(node, index, raw, t)
            return True
        if t == "Gather" and isinstance(x, Val) and x.rank == 3 and isinstance(raw[1], Const):
            self.gather_token(node, index, a, x, raw[1])
            return True
        return False

    # -- constants the host loads into the Unified Buffer (network inputs of fixed values)
    def const_input(self, node, value, what):
        """A network input of one sample's constant `value` ((S, 1, D) NHWC storage): the host writes
        it into the Unified Buffer with the other inputs (Read_Host_Memory), once per sample."""
        v = self.new_val(value.shape, 3, uses=1)
        self.const_inputs.append((f"{layer_name_of(node, 0)}.{what}", v, np.asarray(value, np.float64)))
        return v

    # -- the patch embedding's image as a sequence
    def image_reshape(self, node, x):
        """Reshape [N, C, H, W] -> [N, C, H*W]: an ImageSeqView (False for other shapes)."""
        shape = [int(v) for v in self.const(node, 1, "shape").value.reshape(-1)]
        h, w, c = x.shape
        if len(shape) != 3 or shape[1] not in (c, 0) or shape[2] not in (h * w, -1):
            return False
        self.env[node.output[0]] = ImageSeqView(x)
        return True

    def image_to_sequence(self, node, v, perm):
        """Transpose [0, 2, 1] of [N, C, H*W]: the sequence [N, H*W, C], H*W pixels of C channels on
        the image's own bytes (NHWC rows are pixel-major: a view, no layer)."""
        if node.op_type != "Transpose" or perm != [0, 2, 1]:
            raise unsupported(node, "an image reshaped to [N, C, H*W] is read only by Transpose [0, 2, 1]")
        h, w, c = v.x.shape
        self.env[node.output[0]] = self.new_val((h * w, 1, c), 3, base=v.x.base, uses=self.uses.get(node.output[0], 0))
        return True

    def pixel_concat(self, node, index, raw):
        """Concat along the sequence axis (ViT's class token before the patches): a pixel_concat
        layer (network.h); constant parts ([1, S_i, D]) become inputs the host loads."""
        d = next(r.shape[2] for r in raw if isinstance(r, Val))
        xs = []
        for k, r in enumerate(raw):
            if isinstance(r, Const):
                c = r.value.astype(np.float64)
                if c.ndim != 3 or c.shape[0] != 1 or c.shape[2] != d:
                    raise unsupported(node, f"Concat of a sequence and a constant of shape {list(c.shape)} (need "
                                            f"[1, S, {d}])")
                xs.append(self.const_input(node, c.reshape(c.shape[1], 1, d), f"const{k}"))
            elif isinstance(r, Val) and r.rank == 3 and r.shape[2] == d:
                xs.append(r)
            else:
                raise unsupported(node, "Concat along the sequence of other than sequences of one width and constants")
        pixels = sum(x.shape[0] * x.shape[1] for x in xs)
        self.env[node.output[0]] = self.add_op("seqcat", node, index, xs, (pixels, 1, d), rank=3)

    def add_constant_sequence(self, node, index, raw, t):
        """Add/Sub of a sequence and a constant of the sequence's whole shape (ViT's position
        embedding [1, S, D]): an add layer whose b the host loads (a constant input)."""
        x = next(r for r in raw if isinstance(r, Val))
        c = next(r for r in raw if isinstance(r, Const)).value.astype(np.float64)
        s, _, d = x.shape
        if x.base is not x or c.size != s * d or c.shape[-1] != d or (t == "Sub" and raw[0] is not x):
            raise unsupported(node, f"{t} of a sequence {list(x.onnx_shape('N'))} and a constant of shape "
                                    f"{list(c.shape)} (only [1, S, D] added, or subtracted from the sequence)")
        b = self.const_input(node, c.reshape(s, 1, d), "const")
        out = self.add_op("add", node, index, [x, b], x.shape, rank=3, negate_b=(t == "Sub"))
        self.env[node.output[0]] = out

    def gather_token(self, node, index, a, x, idx):
        """Gather of one position of a sequence (ViT's class token x[:, 0]): a pixel_slice layer.
        When x is a LayerNormalization read only here (ViT's final encoder.ln), the slice goes
        first and the LayerNorm then runs on that one token: the same values (it is per token),
        1/S of the host's work."""
        if a.get("axis", 0) not in (1, -2) or idx.value.size != 1:
            raise unsupported(node, "Gather of an activation other than one position of a sequence (axis 1)")
        s = x.shape[0]
        i = int(idx.value.reshape(-1)[0])
        i = i + s if i < 0 else i
        if not 0 <= i < s or x.base is not x:
            raise ConvertError(f"Gather node '{node.name}': index {i} outside the sequence of {s}")
        rank = 2 if idx.value.ndim == 0 else 3
        ln = x.producer
        if ln is not None and ln.kind == "host_op" and ln.host_kind == "LayerNormalization" and x.uses == 1 \
                and x.forced is None and ln.inputs[0].base is ln.inputs[0]:
            self.ops.remove(ln)
            y = self.add_op("seqslice", node, index, [ln.inputs[0]], (1, 1, x.shape[2]), rank=rank, out_uses=1,
                            first=i)
            params = {k: v for k, v in ln.__dict__.items() if k not in ("kind", "name", "inputs", "out", "act", "onnx")}
            out = self.new_val(y.shape, rank, uses=self.uses.get(node.output[0], 0))
            op = Op("host_op", ln.name, [y], out, **params)
            op.onnx, out.producer = ln.onnx, op
            self.ops.append(op)
            self.env[node.output[0]] = out
            return
        self.env[node.output[0]] = self.add_op("seqslice", node, index, [x], (1, 1, x.shape[2]), rank=rank, first=i)

    # -- nn.MultiheadAttention's sequence-first form
    def seq_first_op(self, node, index, a, raw):
        """A node reading a SeqFirstView (see that class)."""
        t, v = node.op_type, next(r for r in raw if isinstance(r, SeqFirstView))
        if t == "Transpose" and v.ndim == 3 and list(a.get("perm", [])) == [1, 0, 2]:
            self.alias(node.output[0], v.x, 1)
        elif t == "Shape":
            v.x.uses -= 1           # reads no data
            shape = np.array(v.onnx_shape(self.model_batch or 1), dtype=np.int64)
            self.consts[node.output[0]] = Const(shape[a.get("start", 0):a.get("end")])
        elif t in ("MatMul", "Gemm"):
            self.seq_first_linear(node, index, a, v)
        elif t == "Add" and any(isinstance(r, Const) for r in raw):
            c = next(r for r in raw if isinstance(r, Const)).value.astype(np.float64)
            x, m = v.x, v.x.shape[2]
            if not (self.fusable(x) and x.producer.kind == "conv" and self.per_channel(c, x, m) is not None):
                raise unsupported(node, "adding a constant to a sequence other than its projection's bias")
            x.producer.b = x.producer.b + self.per_channel(c, x, m)
            self.alias(node.output[0], x, 1)
            self.env[node.output[0]] = SeqFirstView(x, v.ndim)
        elif t == "Slice":
            self.seq_first_slice(node, index, a, v)
        elif t == "Reshape":
            self.seq_first_reshape(node, v)
        else:
            raise unsupported(node, f"{t} of a sequence in nn.MultiheadAttention's [S, N, D] form")
        return True

    def seq_first_linear(self, node, index, a, v):
        """MatMul by a constant [D, M] or Gemm (B, C constant, transA 0) of a sequence-first view:
        a 1x1 conv over its S pixels (with Gemm's bias)."""
        x = v.x
        W = self.const(node, 1, "B").value.astype(np.float64)
        bias = np.zeros(W.shape[-1] if W.ndim == 2 else 0)
        if node.op_type == "Gemm":
            if a.get("transA", 0) or W.ndim != 2:
                raise unsupported(node, "Gemm with transA or a B of rank other than 2")
            W = (W.T if a.get("transB", 0) else W) * a.get("alpha", 1.0)
            cc = self.const(node, 2, "C")
            bias = np.zeros(W.shape[1]) if cc is None else a.get("beta", 1.0) * cc.value.astype(np.float64).reshape(-1)
        if W.ndim != 2 or W.shape[0] != x.shape[2] or x.base is not x or bias.size not in (1, W.shape[1]):
            raise ConvertError(f"{node.op_type} node '{node.name}': B {list(W.shape)} does not fit the sequence's "
                               f"{x.shape[2]} features")
        out = self.add_op("conv", node, index, [x], x.shape[:2] + (W.shape[1],), rank=3, w=W.reshape((1, 1) + W.shape),
                          b=np.broadcast_to(bias, (W.shape[1],)).copy(), stride=(1, 1), pads=(0, 0, 0, 0),
                          qscale=None, groups=1)
        self.env[node.output[0]] = SeqFirstView(out, v.ndim)

    def seq_first_slice(self, node, index, a, v):
        """Slice of the features (nn.MultiheadAttention's packed in_proj: q, k, v): a conv of the
        projection's columns lo .. hi-1 when the projection is a 1x1 conv (the projection itself is
        dropped once only Slices and Shapes have read it), else a channel copy."""
        x = v.x
        rest = [self.const(node, i, "slice bound").value if i < len(node.input) and node.input[i] else None
                for i in range(1, len(node.input))]
        idx = self.slices(node, a, v.ndim, rest)
        sl = idx[-1]
        if any(s != slice(None) for s in idx[:-1]) or (sl.step or 1) != 1:
            raise unsupported(node, "Slice of a sequence other than a contiguous range of its features")
        lo, hi, _ = sl.indices(x.shape[2])
        op = x.producer
        if op is not None and op.kind == "conv" and x.base is x and x.forced is None and op.act == "identity" \
                and op.w.shape[:2] == (1, 1) and op.groups == 1 and op in self.ops:
            out = self.add_op("conv", node, index, op.inputs, x.shape[:2] + (hi - lo,), rank=3,
                              w=op.w[..., lo:hi].copy(), b=op.b[lo:hi].copy(), stride=(1, 1), pads=(0, 0, 0, 0),
                              qscale=op.qscale, groups=1)
            out.producer.name = self.unique(f"{op.name}.{lo}_{hi}")
            x.uses -= 1
            if x.uses == 0:
                self.ops.remove(op)
        else:
            self.channel_copy(node, index, [x], node.output[0], list(range(lo, hi)), "slice")
            out = self.env[node.output[0]]
            out.rank = 3
        self.env[node.output[0]] = SeqFirstView(out, v.ndim)

    def seq_first_reshape(self, node, v):
        """Reshape of a sequence-first view: [S, N, D] <-> [S*N, D] (the same bytes), or [S, N, D] ->
        [S, N*G, dh]: the heads (HeadsView "sgd" in the 3-D form)."""
        shape = [int(s) for s in self.const(node, 1, "shape").value.reshape(-1)]
        s, _, d = v.x.shape
        if len(shape) == 2 and shape[0] in (s, -1) and shape[1] in (d, -1):
            self.env[node.output[0]] = SeqFirstView(v.x, 2)
        elif len(shape) == 3 and shape[0] in (s, -1) and shape[1] == 1 and shape[2] in (d, -1):
            self.env[node.output[0]] = SeqFirstView(v.x, 3)
        elif len(shape) == 3 and shape[0] in (s, 0) and shape[1] > 0 and d % shape[1] == 0 and \
                shape[2] in (d // shape[1], -1) and v.x.base is v.x:
            self.env[node.output[0]] = HeadsView([v.x], shape[1], "sgd", ndim=3)
        else:
            raise unsupported(node, f"Reshape of a sequence [S, N, D] = {list(v.onnx_shape(1))} to {shape}")

    def merge_heads_seq_first(self, node, v):
        """Reshape of the 3-D heads form [S, G, dh] ("sgd") to [S, G*dh]: the sequence-first view."""
        shape = [int(s) for s in self.const(node, 1, "shape").value.reshape(-1)]
        x = v.xs[0]
        if v.layout != "sgd" or len(v.xs) != 1 or len(shape) != 2 or shape[1] not in (x.shape[2], -1):
            raise unsupported(node, f"Reshape of a per-head view ({v.layout}) to {shape} (only [S, G*dh])")
        self.env[node.output[0]] = SeqFirstView(x, 2)


class Graph(RecurrentOps, VisionSeqOps):
    """Parses the ONNX graph into the float IR (see the module docstring)."""

    def __init__(self, model, approximate_avgpool=False, layernorm_on_chip=False):
        import onnx
        from onnx import numpy_helper
        self.onnx, self.numpy_helper = onnx, numpy_helper
        self.approximate_avgpool = approximate_avgpool
        self.layernorm_on_chip = layernorm_on_chip     # LayerNorm as chip layers (layernorm_chip), not host_op
        self.opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 13)
        self.notes = []                 # approximations, written into the manifest
        fuse_layernorm(model)
        g = model.graph
        problems = []
        for i, node in enumerate(g.node):
            label = f"{node.op_type} node '{node.name or '#' + str(i)}'"
            if node.domain not in ("", "ai.onnx"):
                problems.append(f"{label} (domain {node.domain})")
            elif node.op_type not in SUPPORTED:
                problems.append(label)
            else:
                problems += [f"{label}: {w}" for w in static_checks(node)]
        if problems:
            raise ConvertError("unsupported operators:\n  " + "\n  ".join(problems), 2)

        self.consts = {t.name: Const(numpy_helper.to_array(t)) for t in g.initializer}
        inputs = [i for i in g.input if i.name not in self.consts]
        if not inputs:
            raise ConvertError("the graph has no (non-initializer) input")
        self.input_name = inputs[0].name
        dims = [d.dim_value if d.HasField("dim_value") else None for d in inputs[0].type.tensor_type.shape.dim]
        self.model_batch = dims[0] if dims else None
        self.feeds, self.seq_tail, self.step_suffix = [], None, ""    # recurrent networks (RecurrentOps)
        # a rank-3 input read by an LSTM/GRU is one input per time step (RecurrentOps); any other is a
        # transformer's sequence [N, S, D]
        recurrent = len(dims) == 3 and sequence_time_axis(g, self.input_name) is not None
        if len(dims) == 4 and all(d for d in dims[1:]):
            shape, rank = (dims[2], dims[3], dims[1]), 4
        elif recurrent:
            shape, rank = None, 3
        elif len(dims) == 3 and all(d for d in dims[1:]):
            shape, rank = (dims[1], 1, dims[2]), 3      # a sequence [N, S, D]: S pixels of D channels
        elif len(dims) == 2 and dims[1]:
            shape, rank = (1, 1, dims[1]), 2
        else:
            raise ConvertError(f"input '{self.input_name}' has shape {dims}; need [N, C, H, W], [N, S, D] or [N, F] "
                               "with known C, H, W / S, D / F, or a sequence [T, N, F] / [N, T, F] read by an LSTM/GRU")
        if inputs[0].type.tensor_type.elem_type not in (1, 10, 11):
            raise ConvertError(f"input '{self.input_name}' is not a float tensor")
        if len(g.output) > 1:
            warn(f"graph has {len(g.output)} outputs; the network output is the first, '{g.output[0].name}'")
        self.output_name = g.output[0].name

        self.uses = {}
        for node in g.node:
            for n in node.input:
                if n:
                    self.uses[n] = self.uses.get(n, 0) + 1
        for o in g.output:
            self.uses[o.name] = self.uses.get(o.name, 0) + 1

        self.vals, self.ops, self.env = [], [], {}
        self.extra_inputs = []          # [(name, Val, ONNX shape)] of the inputs after the first
        self.const_inputs = []          # [(name, Val, NHWC value of one sample)]: constants the host loads
        if not recurrent:
            self.input = self.new_val(shape, rank, uses=self.uses.get(self.input_name, 0))
            self.env[self.input_name] = self.input
            for i in inputs[1:]:
                self.extra_input(i, rank)
        self.names = set()
        if recurrent:
            seq = self.sequence_input(g, inputs[0], dims)
            self.input = seq.steps[0][0]
            self.env[self.input_name] = seq
        for i, node in enumerate(g.node):
            self.convert(node, i)
        out = self.env.get(self.output_name)
        if isinstance(out, SeqVal):
            out = self.sequence_output(out)
        if not isinstance(out, Val):
            raise ConvertError(f"graph output '{self.output_name}' is not computed from the input")
        if out.base is self.input:
            raise ConvertError("the graph output is the input itself: no layers")
        self.output = out
        self.fuse_luts()

    def extra_input(self, i, first_rank):
        """A graph input after the first (a decoder's KV cache): [N, S, D] as a sequence, or with a
        sequence first input [N, G, S, dh] as the heads view of (S, 1, G*dh) storage."""
        dims = [d.dim_value if d.HasField("dim_value") else None for d in i.type.tensor_type.shape.dim]
        if first_rank == 3 and len(dims) == 3 and all(dims[1:]):
            v = self.new_val((dims[1], 1, dims[2]), 3, uses=self.uses.get(i.name, 0))
            self.env[i.name] = v
        elif first_rank == 3 and len(dims) == 4 and all(dims[1:]):
            v = self.new_val((dims[2], 1, dims[1] * dims[3]), 3, uses=self.uses.get(i.name, 0))
            self.env[i.name] = HeadsView([v], dims[1], "gsd")
        else:
            raise ConvertError(f"input '{i.name}' has shape {dims}: a second input must be a sequence [N, S, D] or "
                               "per-head [N, G, S, dh] (a KV cache) of a sequence model")
        self.extra_inputs.append((i.name, v, tuple(dims)))

    # -- helpers
    def note(self, msg):
        """An approximation: warns and records msg for the manifest."""
        warn(msg)
        self.notes.append(msg)

    def new_val(self, shape, rank, perm=None, base=None, producer=None, uses=0):
        """A new Val (the next id), recorded in self.vals."""
        v = Val(len(self.vals), shape, rank, perm, base, producer, uses)
        self.vals.append(v)
        return v

    def unique(self, name):
        """A layer name not used yet: `name`, else name_2, name_3, ... (recorded as used)."""
        return unique_name(name, self.names, sanitize(self.input_name))

    def add_op(self, kind, node, index, inputs, shape, rank=4, out_uses=None, **params):
        """Appends an Op of `kind` for ONNX node `node` (name from the node, made unique) on the
        input Vals; returns its new output Val of `shape`."""
        out = self.new_val(shape, rank, uses=self.uses.get(node.output[0], 0) if out_uses is None else out_uses)
        op = Op(kind, self.unique(layer_name_of(node, index) + self.step_suffix), inputs, out, **params)
        op.onnx = f"{node.op_type} '{node.name}'"
        out.producer = op
        self.ops.append(op)
        return out

    def alias(self, name, val, consumed):
        """ONNX tensor `name` is `val` (the consuming node had `consumed` uses of val)."""
        val.uses += self.uses.get(name, 0) - consumed
        self.env[name] = val

    def get(self, node, i, what="input"):
        """Input i of node: its Val or Const, None when absent or empty; ConvertError when undefined."""
        name = node.input[i] if i < len(node.input) else ""
        if not name:
            return None
        if name not in self.env and name not in self.consts:
            raise ConvertError(f"{node.op_type} node '{node.name}': {what} '{name}' is not defined before use")
        v = self.env.get(name, self.consts.get(name))
        return self.materialize(v, node) if isinstance(v, FnView) else v

    def materialize(self, fv, node):
        """The FnView as a Val: one `lut` op on its input (made once)."""
        if fv.val is None:
            x = fv.x
            out = self.add_op("lut", node, len(self.ops), [x], x.base.shape, out_uses=1, f=fv.f)
            fv.val = self.view_like(out, x)
        return fv.val

    def const(self, node, i, what):
        """Input i of node as a Const (None when absent); unsupported when it is an activation."""
        v = self.get(node, i, what)
        if v is None:
            return None
        if not isinstance(v, Const):
            raise unsupported(node, f"{what} '{node.input[i]}' must be a constant (initializer)")
        return v

    def act_in(self, node, i=0):
        """Input i of node as a Val; unsupported when it is a constant or absent."""
        v = self.get(node, i)
        if isinstance(v, PadView):
            raise unsupported(node, f"input '{node.input[i]}' comes from a Pad, which is folded only into a following "
                                    "Conv or AveragePool")
        if isinstance(v, ShuffleView):
            raise unsupported(node, f"input '{node.input[i]}' is a 5-D channel-group view (only Reshape, Transpose "
                                    "[0, 2, 1, 3, 4], Reshape: a channel shuffle)")
        if not isinstance(v, Val):
            raise unsupported(node, f"input '{node.input[i]}' must be an activation (computed from the input)")
        return v

    def fusable(self, v):
        """The producing layer of v can take v's consumer as its activation / bias."""
        op = v.producer
        return (op is not None and v.base is v and v.uses == 1 and v.forced is None and op.act == "identity"
                and op.kind in ("conv", "dense", "add", "mul", "activate"))

    # -- conversion of one node
    def convert(self, node, index):
        """Converts one node: a Constant, a node on constants only (folded), else op_<type>."""
        t = node.op_type
        a = attrs_of(node)
        if t == "Constant":
            if "value" not in a:
                raise unsupported(node, "only the 'value' attribute form")
            self.consts[node.output[0]] = Const(self.numpy_helper.to_array(a["value"]))
            return
        if self.fn_chain(node) or self.heads_op(node, index, a) or self.vision_seq_op(node, index, a):
            return
        ins = [self.get(node, i) for i in range(len(node.input))]
        if ins and all(isinstance(x, Const) or x is None for x in ins) and \
                t not in ("QuantizeLinear", "DequantizeLinear"):
            self.fold(node, a, ins)
            return
        if t in ("LSTM", "GRU") or any(isinstance(x, SeqVal) for x in ins):
            self.convert_sequence(node, index, a, ins)
            return
        if t in CONST_ONLY:
            raise unsupported(node, "only on constants")
        getattr(self, "op_lut" if t in LUT_OPS else "op_" + t)(node, index, a)

    # -- attention (HeadsView): per-head reshapes, Q K^T, scaling, causal mask, Softmax, P V
    def heads_op(self, node, index, a):
        """Handles a node that reads or makes a HeadsView (see that class); True if done."""
        t = node.op_type
        raw = [self.env.get(n, self.consts.get(n)) for n in node.input]
        hv = [r for r in raw if isinstance(r, HeadsView)]
        if t == "Reshape" and isinstance(raw[0], Val) and raw[0].rank == 3:
            return self.split_heads(node, raw[0])
        if not hv:
            if t == "Split" and isinstance(raw[0], Val) and raw[0].rank == 3:
                self.split_sequence(node, index, a, raw[0])
                return True
            return False
        v = raw[0]
        if t == "Transpose":
            self.transpose_heads(node, v, list(a.get("perm", [])))
        elif t == "Reshape" and v.ndim == 3:
            self.merge_heads_seq_first(node, v)
        elif t == "Reshape":
            shape = [int(s) for s in self.const(node, 1, "shape").value.reshape(-1)]
            if v.layout != "sgd" or len(v.xs) != 1 or len(shape) != 3 or shape[2] not in (-1, v.xs[0].shape[2]):
                raise unsupported(node, f"Reshape of a per-head view ({v.layout}) to {shape} (only merging the heads "
                                        "of [N, S, G, dh] into [N, S, G*dh])")
            self.alias(node.output[0], v.xs[0], 1)
        elif t == "MatMul":
            self.heads_matmul(node, index, raw)
        elif t in ("Div", "Mul") and isinstance(v, HeadsView) and isinstance(raw[1], Const):
            self.scale_scores(node, v, raw[1], t)
        elif t == "Mul" and isinstance(raw[1], HeadsView) and isinstance(raw[0], Const):
            self.scale_scores(node, raw[1], raw[0], t)
        elif t in ("Add", "Where"):
            self.mask_scores(node, raw)
        elif t == "Softmax":
            self.heads_softmax(node, index, a, v)
        elif t == "Concat":
            self.concat_heads(node, a, raw)
        elif t in ("Identity", "Dropout"):
            self.env[node.output[0]] = v
        else:
            raise unsupported(node, f"{t} of a per-head attention tensor ({v.layout})")
        return True

    def split_heads(self, node, x):
        """Reshape [N, S, D] -> [N, S, G, D/G]: the heads view "sgd" of x. False for other shapes."""
        shape = [int(s) for s in self.const(node, 1, "shape").value.reshape(-1)]
        s, d = x.shape[0], x.shape[2]
        if x.base is not x or len(shape) != 4 or shape[1] not in (s, 0, -1) or shape[2] <= 0:
            return False
        g = shape[2]
        if d % g or shape[3] not in (d // g, -1):
            return False
        self.env[node.output[0]] = HeadsView([x], g, "sgd")
        return True

    def transpose_heads(self, node, v, perm):
        """[0, 2, 1, 3] swaps S and G (sgd <-> gsd); [0, 2, 3, 1] of sgd and [0, 1, 3, 2] of gsd give
        the keys transposed (gds), and [0, 1, 3, 2] of gds gives gsd back."""
        moves = {("sgd", (0, 2, 1, 3)): "gsd", ("gsd", (0, 2, 1, 3)): "sgd", ("sgd", (0, 2, 3, 1)): "gds",
                 ("gsd", (0, 1, 3, 2)): "gds", ("gds", (0, 1, 3, 2)): "gsd"}
        if v.ndim == 3 and len(perm) == 3:     # [S, G, dh] forms: the batch (1) merged into the heads
            perm = [0] + [p + 1 for p in perm]
        layout = moves.get((v.layout, tuple(perm)))
        if layout is None:
            raise unsupported(node, f"Transpose {perm} of a per-head view ({v.layout})")
        self.env[node.output[0]] = HeadsView(v.xs, v.g, layout, v.causal, v.ndim, v.scale)

    def concat_heads(self, node, a, raw):
        """Concat of per-head views along S (a KV cache and the new token's keys or values)."""
        ax = a.get("axis", 0)
        if not all(isinstance(r, HeadsView) for r in raw) or len({(r.layout, r.g) for r in raw}) != 1:
            raise unsupported(node, "Concat of per-head views with other tensors or other layouts")
        layout = raw[0].layout
        if (layout, ax % 4) not in (("gsd", 2), ("gds", 3)):
            raise unsupported(node, f"Concat on axis {ax} of per-head views ({layout}); only along the sequence")
        self.env[node.output[0]] = HeadsView([x for r in raw for x in r.xs], raw[0].g, layout)

    def heads_matmul(self, node, index, raw):
        """MatMul of two per-head views: Q K^T (b "gds": transpose_b) or P V (b "gsd"): a matmul op
        (network.h) whose output, (S, 1, G*N) storage, is the view "gsd"."""
        qa, kb = raw
        if not (isinstance(qa, HeadsView) and isinstance(kb, HeadsView)) or qa.layout != "gsd" or \
                len(qa.xs) != 1 or kb.layout not in ("gsd", "gds") or qa.g != kb.g or qa.causal or kb.causal:
            raise unsupported(node, "MatMul of per-head tensors other than [N, G, S, K] x [N, G, K, N]")
        g, transpose = qa.g, kb.layout == "gds"
        pb = sum(x.shape[0] * x.shape[1] for x in kb.xs)
        k = qa.dh
        if transpose and kb.dh != k or not transpose and pb != k:
            raise ConvertError(f"MatMul node '{node.name}': inner dimensions differ ({k} and "
                               f"{kb.dh if transpose else pb})")
        n = pb if transpose else kb.dh
        a_val = qa.xs[0]
        out = self.add_op("matmul", node, index, [a_val] + kb.xs, (a_val.shape[0], a_val.shape[1], g * n), rank=3,
                          heads=g, transpose_b=transpose, out_scale=qa.scale * kb.scale)
        self.env[node.output[0]] = HeadsView([out], g, "gsd", ndim=qa.ndim)

    def scale_scores(self, node, v, c, t):
        """Div/Mul of matmul scores by a scalar: folded into the matmul's requantization."""
        op = v.xs[0].producer if len(v.xs) == 1 else None
        if c.value.size == 1 and not v.causal and (op is None or op.kind != "matmul"):
            k = float(c.value.reshape(-1)[0])       # q / sqrt(dh) before Q K^T: the matmul's factor
            self.env[node.output[0]] = HeadsView(v.xs, v.g, v.layout, ndim=v.ndim,
                                                 scale=v.scale * ((1.0 / k) if t == "Div" else k))
            return
        if c.value.size != 1 or op is None or op.kind != "matmul" or v.xs[0].uses != 1 or v.causal:
            raise unsupported(node, "scaling a per-head tensor other than a MatMul's output read only here")
        k = float(c.value.reshape(-1)[0])
        op.out_scale *= (1.0 / k) if t == "Div" else k
        self.env[node.output[0]] = HeadsView(v.xs, v.g, v.layout, ndim=v.ndim)

    def mask_scores(self, node, raw):
        """Add of a constant causal mask (0 on and below the diagonal, <= -1e4 above) to scores,
        or Where(lower-triangular condition, scores, <= -1e4): the Softmax reading it masks."""
        if node.op_type == "Add":
            v, c = (raw[0], raw[1]) if isinstance(raw[0], HeadsView) else (raw[1], raw[0])
            mask = c.value if isinstance(c, Const) else None
            keep = None if mask is None else (mask == 0)
            ok = mask is not None and np.all((mask == 0) | (mask <= -1e4))
        else:
            cond, v, fill = raw
            ok = isinstance(cond, Const) and isinstance(fill, Const) and isinstance(v, HeadsView) and \
                float(np.max(fill.value)) <= -1e4
            keep = cond.value.astype(bool) if ok else None
        if not ok or not isinstance(v, HeadsView) or v.layout != "gsd":
            raise unsupported(node, "only a constant causal mask (0 or <= -1e4) on attention scores")
        keep = np.broadcast_to(keep, keep.shape[-2:] if keep.ndim >= 2 else (1,) + keep.shape)
        sq, sk = keep.shape
        if keep.all():
            self.env[node.output[0]] = v
            return
        if sq != sk or not np.array_equal(keep, np.tril(np.ones((sq, sk), bool))):
            raise unsupported(node, f"a {sq}x{sk} attention mask that is not causal (lower triangular)")
        self.env[node.output[0]] = HeadsView(v.xs, v.g, v.layout, causal=True, ndim=v.ndim)

    def heads_softmax(self, node, index, a, v):
        """Softmax over the keys of per-head scores: a host Softmax of G groups (causal if masked)."""
        axis = a.get("axis", -1 if self.opset >= 13 else 1)
        if v.layout != "gsd" or len(v.xs) != 1 or axis not in (-1, v.ndim - 1):
            raise unsupported(node, f"Softmax on axis {axis} of a per-head view ({v.layout})")
        x = v.xs[0]
        out = self.add_op("host_op", node, index, [x], x.shape, rank=3, host_kind="Softmax", groups=v.g,
                          causal=v.causal)
        self.env[node.output[0]] = HeadsView([out], v.g, "gsd", ndim=v.ndim)

    def split_sequence(self, node, index, a, x):
        """Split of a sequence's features (GPT-2's fused QKV): the producing 1x1 conv becomes one
        conv per part when nothing else reads it, else channel copies."""
        ax = a.get("axis", 0)
        if ax not in (2, -1):
            raise unsupported(node, f"Split on axis {ax} of a sequence (only its features)")
        sizes = self.split_sizes(node, a, x.shape[2])
        op = x.producer
        bounds = np.cumsum([0] + sizes)
        if self.fusable(x) and op.kind == "conv" and op.w.shape[:2] == (1, 1) and op.groups == 1:
            self.ops.remove(op)
            for k, name in enumerate(node.output):
                lo, hi = int(bounds[k]), int(bounds[k + 1])
                out = self.add_op("conv", node, index, op.inputs, x.shape[:2] + (hi - lo,), rank=3,
                                  out_uses=self.uses.get(name, 0), w=op.w[..., lo:hi].copy(), b=op.b[lo:hi].copy(),
                                  stride=(1, 1), pads=(0, 0, 0, 0), qscale=op.qscale, groups=1)
                out.producer.name = self.unique(f"{op.name}.{k}")
                self.env[name] = out
            return
        for k, name in enumerate(node.output):
            if name:
                self.channel_copy(node, index, [x], name, list(range(int(bounds[k]), int(bounds[k + 1]))), "split")
                self.env[name].rank = 3

    def fn_chain(self, node):
        """Extends (or starts, at x * x or x ^ k) a FnView: an element-wise node whose activation
        inputs are one Val x or FnViews of it and whose other inputs are scalar constants. True if
        done; False leaves the node to its op_ method (which materializes FnView inputs)."""
        t = node.op_type
        if t not in FN_BINARY and t not in FN_UNARY and t != "Pow":
            return False
        raw = [self.env.get(n, self.consts.get(n)) for n in node.input]
        acts = [r for r in raw if isinstance(r, (Val, FnView))]
        xs = {id(r.x if isinstance(r, FnView) else r) for r in acts}
        if not acts or len(xs) != 1 or any(not isinstance(r, (Val, FnView, Const)) for r in raw):
            return False
        if any(isinstance(r, Const) and r.value.size != 1 for r in raw):
            return False
        x = acts[0].x if isinstance(acts[0], FnView) else acts[0]
        started = any(isinstance(r, FnView) for r in acts) or (t == "Pow" and isinstance(raw[1], Const)) or \
            (t in FN_BINARY and len(acts) == 2)
        if not started:
            return False
        fs = [(r.f if isinstance(r, FnView) else (lambda v: v)) if isinstance(r, (Val, FnView))
              else (lambda v, c=float(r.value.reshape(-1)[0]): c) for r in raw]
        if t in FN_UNARY:
            f = (lambda v, u=FN_UNARY[t], f0=fs[0]: u(f0(v)))
        else:
            op = np.power if t == "Pow" else FN_BINARY[t]
            f = (lambda v, op=op, f0=fs[0], f1=fs[1]: op(f0(v), f1(v)))
        self.env[node.output[0]] = FnView(x, f)
        return True

    def fold(self, node, a, ins):
        """Evaluates a node whose inputs are all constants into a new Const."""
        t = node.op_type
        v = [x.value if x is not None else None for x in ins]
        if t in ("Identity", "Dropout"):
            r = Const(v[0], ins[0].qscale)
        elif t == "Reshape":
            shape = [int(s) for s in v[1]]
            shape = [v[0].shape[i] if s == 0 else s for i, s in enumerate(shape)]
            r = Const(v[0].reshape(shape))
        elif t == "Flatten":
            ax = a.get("axis", 1)
            r = Const(v[0].reshape(int(np.prod(v[0].shape[:ax])), -1))
        elif t == "Transpose":
            r = Const(np.transpose(v[0], a.get("perm")), ins[0].qscale)
        elif t == "Cast":
            if a.get("to") not in ONNX_TYPES:
                raise unsupported(node, f"Cast to ONNX type {a.get('to')}")
            r = Const(v[0].astype(ONNX_TYPES[a["to"]]))
        elif t == "ConstantOfShape":
            fill = self.numpy_helper.to_array(a["value"]).reshape(-1) if "value" in a else np.zeros(1, np.float32)
            r = Const(np.full([int(d) for d in v[0].reshape(-1)], fill[0], dtype=fill.dtype))
        elif t in ("Add", "Sub", "Mul", "Div"):
            f = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": np.divide}[t]
            if t == "Div" and v[0].dtype.kind in "iu" and v[1].dtype.kind in "iu":
                r = Const(v[0] // v[1])         # integer division of shape arithmetic
            elif v[0].dtype.kind in "iu" and v[1].dtype.kind in "iu":
                r = Const(f(v[0], v[1]))        # shape arithmetic stays integer (a later Div truncates)
            else:
                r = Const(f(v[0].astype(np.float64), v[1].astype(np.float64)))
        elif t == "Gather":
            r = Const(np.take(v[0], v[1].astype(np.int64), axis=a.get("axis", 0)))
        elif t in ("Unsqueeze", "Squeeze"):
            axes = list(a["axes"]) if "axes" in a else ([int(x) for x in v[1].reshape(-1)] if len(v) > 1 and
                                                         v[1] is not None else None)
            if t == "Unsqueeze":
                out = v[0]
                for ax in sorted(x % (out.ndim + len(axes)) for x in axes):
                    out = np.expand_dims(out, ax)
                r = Const(out)
            else:
                r = Const(np.squeeze(v[0], axis=tuple(axes) if axes is not None else None))
        elif t == "Expand":
            shape = np.broadcast_shapes(v[0].shape, tuple(int(d) for d in v[1].reshape(-1)))
            r = Const(np.broadcast_to(v[0], shape).copy())
        elif t == "Concat":
            r = Const(np.concatenate([np.atleast_1d(x) for x in v], axis=a.get("axis", 0)))
        elif t == "Equal":
            r = Const(np.equal(v[0], v[1]))
        elif t == "Where":
            r = Const(np.where(v[0].astype(bool), v[1], v[2]))
        elif t == "Trilu":
            k = int(np.asarray(v[1]).reshape(-1)[0]) if len(v) > 1 and v[1] is not None else 0
            r = Const(np.triu(v[0], k) if a.get("upper", 1) else np.tril(v[0], k))
        elif t == "Pow":
            r = Const(np.power(v[0].astype(np.float64), v[1].astype(np.float64)))
        elif t == "Slice":
            r = Const(v[0][self.slices(node, a, v[0].ndim, v[1:])])
        else:
            raise unsupported(node, "constant folding of this operator")
        self.consts[node.output[0]] = r

    @staticmethod
    def slices(node, a, ndim, rest):
        """The index tuple of a Slice node (opset >= 10 inputs starts, ends, axes, steps; or the
        opset-1 attributes)."""
        if rest:
            vals = [None if x is None else [int(y) for y in np.asarray(x).reshape(-1)] for x in rest]
            vals += [None] * (4 - len(vals))
            starts, ends, axes, steps = vals[:4]
        else:
            starts, ends, axes, steps = a["starts"], a["ends"], a.get("axes"), None
        axes = list(range(len(starts))) if axes is None else axes
        steps = [1] * len(starts) if steps is None else steps
        idx = [slice(None)] * ndim
        for st, en, ax, sp in zip(starts, ends, axes, steps):
            idx[ax % ndim] = slice(st, None if en >= (1 << 62) else en, sp)
        return tuple(idx)

    def padded_in(self, node):
        """Input 0 of a Conv/pool node as (Val, extra pads (t, l, b, r) of a zero Pad folded into it)."""
        v = self.get(node, 0)
        if isinstance(v, PadView):
            return v.x, v.pads
        return self.act_in(node), (0, 0, 0, 0)

    # conv / dense
    def conv_geometry(self, node, a, x, kh, kw):
        """(stride h, stride w, pads (t, l, b, r)) of a Conv/pool from strides, pads and auto_pad."""
        h, w, _ = x.shape
        sh, sw = (list(a.get("strides", [1, 1])) + [1, 1])[:2]
        auto = a.get("auto_pad", b"NOTSET")
        auto = auto.decode() if isinstance(auto, bytes) else auto
        if auto in ("SAME_UPPER", "SAME_LOWER"):
            pads = []
            for n, k, s in ((h, kh, sh), (w, kw, sw)):
                out = -(-n // s)
                total = max(0, (out - 1) * s + k - n)
                small, big = total // 2, total - total // 2
                pads.append((small, big) if auto == "SAME_UPPER" else (big, small))
            t, b = pads[0]
            l, r = pads[1]
        elif auto == "VALID":
            t = l = b = r = 0
        else:
            p = list(a.get("pads", [0, 0, 0, 0]))
            if len(p) != 4:
                raise unsupported(node, f"pads {p} (2-D only)")
            t, l, b, r = p
        return int(sh), int(sw), (int(t), int(l), int(b), int(r))

    def check_window(self, node, x, kh, kw, sh, sw, pads):
        """Checks kernel, stride and pads against network.h's limits; returns the output (P, Q)."""
        h, w, _ = x.shape
        if not (1 <= kh <= 255 and 1 <= kw <= 255 and 1 <= sh <= 255 and 1 <= sw <= 255):
            raise unsupported(node, f"kernel {kh}x{kw} / stride {sh}x{sw} outside 1..255")
        t, l, b, r = pads
        if max(pads) > 255 or min(pads) < 0 or t >= kh or b >= kh or l >= kw or r >= kw:
            raise unsupported(node, f"pads {list(pads)} (need 0 <= pad < kernel {kh}x{kw})")
        p = (h + t + b - kh) // sh + 1
        q = (w + l + r - kw) // sw + 1
        if p < 1 or q < 1:
            raise ConvertError(f"{node.op_type} node '{node.name}': output size {p}x{q} < 1")
        return p, q

    def op_Conv(self, node, index, a, wc=None, bias=None, forced=None):
        """Adds a conv layer on the rank-4 input (a: the node's attributes; strides, pads or auto_pad
        are read here, group and dilations were checked to be 1 beforehand). The keywords, for
        callers that dequantize first (op_QLinearConv), replace what the node's own inputs give:
        wc, a Const of float weights [M][C][kh][kw] (ONNX OIHW order, real values; permuted here to
        kh, kw, C, M) with its qscale (default: input 1); bias, float [M] or scalar, in real output
        units, i.e. already multiplied by the input and weight scales (default: input 2, or zeros);
        forced, the output's (scale, zero point) as qparams returns it (zero point in int8 terms),
        stored as the output Val's `forced` (default: None, calibrated)."""
        x, extra = self.padded_in(node)
        if x.rank != 4:
            raise unsupported(node, "input of rank 2 (after Flatten)")
        wc = wc or self.const(node, 1, "weights")
        W = wc.value            # converted to float64 once, below
        if W.ndim != 4:
            raise unsupported(node, f"weights of rank {W.ndim} (2-D convolution only)")
        m, c, kh, kw = W.shape
        g = int(a.get("group", 1))
        if c * g != x.shape[2] or m % g:
            raise ConvertError(f"Conv node '{node.name}': weights have {c} input channels x {g} groups, "
                               f"the input {x.shape[2]}")
        if bias is None:
            bc = self.const(node, 2, "bias")
            bias = np.zeros(m) if bc is None else bc.value.astype(np.float64).reshape(-1)
        sh, sw, pads = self.conv_geometry(node, a, x, kh, kw)
        pads = tuple(p + e for p, e in zip(pads, extra))
        p, q = self.check_window(node, x, kh, kw, sh, sw, pads)
        out = self.add_op("conv", node, index, [x], (p, q, m), w=np.transpose(W, (2, 3, 1, 0)).astype(np.float64, order="C"),
                          b=np.broadcast_to(bias, (m,)).astype(np.float64).copy(), stride=(sh, sw), pads=pads,
                          qscale=wc.qscale, groups=g)
        if forced:
            out.forced = forced
        self.env[node.output[0]] = out

    def dense(self, node, index, x, W, bias, qscale, forced=None):
        """Adds a dense layer on the rank-2 Val x: weights W [features][M] in ONNX row order (permuted
        here to H, W, C), bias (scalar or [M]), qscale as Const.qscale, forced output params. x may be
        a SeqVal [N, F] of several pieces (features concatenated): one dense layer on all of them."""
        if isinstance(x, SeqVal):
            self.dense_pieces(node, index, x.steps[0], W, bias)
            return
        if x.rank != 2:
            raise unsupported(node, "input of rank 4 (needs Flatten/Reshape to [N, features] first)")
        k, m = W.shape
        f = x.shape[0] * x.shape[1] * x.shape[2]
        if k != f:
            raise ConvertError(f"{node.op_type} node '{node.name}': weights have {k} rows, the input {f} features")
        if x.perm is not None:
            W = W[x.perm]           # row g (our H, W, C order) is ONNX row perm[g]
        bias = np.asarray(bias, np.float64).reshape(-1)
        if bias.size not in (1, m):
            raise unsupported(node, f"bias of {bias.size} values for {m} outputs")
        out = self.add_op("dense", node, index, [x], (1, 1, m), rank=2, w=np.array(W, dtype=np.float64, order="C"),
                          b=np.broadcast_to(bias, (m,)).copy(), qscale=qscale)
        if forced:
            out.forced = forced
        self.env[node.output[0]] = out

    def dense_in(self, node):
        """Input 0 of a Gemm/MatMul: a Val, or a SeqVal [N, F] of several pieces (RecurrentOps)."""
        v = self.get(node, 0)
        return v if isinstance(v, SeqVal) and v.axes == ("N", "F") else self.act_in(node)

    def op_Gemm(self, node, index, a):
        x = self.dense_in(node)
        bc = self.const(node, 1, "B")
        W = bc.value            # converted to float64 once, by dense()
        if W.ndim != 2:
            raise unsupported(node, f"B of rank {W.ndim}")
        if a.get("transB", 0):
            W = W.T
        alpha, beta = a.get("alpha", 1.0), a.get("beta", 1.0)
        cc = self.const(node, 2, "C")
        bias = np.zeros(1) if cc is None else beta * cc.value.astype(np.float64)
        if bias.size not in (1, W.shape[1]) or (bias.ndim == 2 and bias.shape[0] != 1):
            raise unsupported(node, f"C of shape {bias.shape} (need a per-output bias)")
        self.dense(node, index, x, W if alpha == 1.0 else alpha * W.astype(np.float64), bias,
                   bc.qscale if alpha == 1.0 else None)

    def op_MatMul(self, node, index, a):
        x = self.dense_in(node)
        bc = self.const(node, 1, "B")
        if bc.value.ndim != 2:
            raise unsupported(node, f"B of rank {bc.value.ndim}")
        if not isinstance(x, SeqVal) and x.rank == 3:     # a sequence [N, S, D] x [D, M]: 1x1 conv over S pixels
            W = bc.value.astype(np.float64)
            if W.shape[0] != x.shape[2] or (x.base is not x and not x.nhwc):
                raise ConvertError(f"MatMul node '{node.name}': B has {W.shape[0]} rows, the sequence {x.shape[2]} "
                                   "features")
            out = self.add_op("conv", node, index, [x], x.shape[:2] + (W.shape[1],), rank=3,
                              w=W.reshape((1, 1) + W.shape).copy(), b=np.zeros(W.shape[1]), stride=(1, 1),
                              pads=(0, 0, 0, 0), qscale=bc.qscale, groups=1)
            out.nhwc = x.nhwc       # a Linear on an NHWC image (ConvNeXt): a 1x1 conv, still NHWC
            self.env[node.output[0]] = out
            return
        self.dense(node, index, x, bc.value, 0.0, bc.qscale)

    def op_BatchNormalization(self, node, index, a):
        x = self.act_in(node)
        scale, bias, mean, var = (self.const(node, i, w).value.astype(np.float64)
                                  for i, w in ((1, "scale"), (2, "B"), (3, "mean"), (4, "var")))
        k = scale / np.sqrt(var + a.get("epsilon", 1e-5))
        if not (self.fusable(x) and x.producer.kind == "conv"):
            # per-channel affine x * k + (bias - mean * k): a depthwise 1x1 conv (DenseNet's BN after Concat)
            if x.rank != 4 or x.base is not x:
                raise unsupported(node, "BatchNormalization of a rank-2 tensor without a Conv before it")
            c = x.shape[2]
            out = self.add_op("conv", node, index, [x], x.shape, w=k.reshape(1, 1, 1, c).copy(),
                              b=(bias - mean * k).astype(np.float64), stride=(1, 1), pads=(0, 0, 0, 0),
                              qscale=None, groups=c)
            self.env[node.output[0]] = out
            return
        op = x.producer
        op.w = op.w * k
        op.b = (op.b - mean) * k + bias
        op.qscale = None
        self.alias(node.output[0], x, 1)

    def activation(self, node, index, fn):
        """Relu/Sigmoid/Tanh: fused into the producer when fusable, else an `activate` layer."""
        x = self.act_in(node)
        if x.producer is not None and x.producer.kind == "lut" and x.base is x and x.uses == 1:
            self.unary(node, index, lambda t: apply_act(t, fn))
            return
        if self.fusable(x):
            x.producer.act = fn
            self.alias(node.output[0], x, 1)
        else:
            out = self.add_op("activate", node, index, [x], x.base.shape, fn_scale=1.0)
            out.producer.act = fn
            self.env[node.output[0]] = self.view_like(out, x)

    def unary(self, node, index, f):
        """An element-wise function f of one tensor: composed into the producing `lut`/`activate`
        op when this node is its only consumer, else a new `lut` op (fused into a producing
        Conv/Gemm/Add/Mul later, fuse_luts)."""
        x = self.act_in(node)
        op = x.producer
        if op is not None and x.base is x and x.uses == 1 and x.forced is None and op.kind in ("lut", "activate"):
            f0 = float_fn(op)
            op.kind, op.f, op.act = "lut", (lambda t, f0=f0: f(f0(t))), "identity"
            self.alias(node.output[0], x, 1)
            return
        out = self.add_op("lut", node, index, [x], x.base.shape, f=f)
        self.env[node.output[0]] = self.view_like(out, x)

    def fuse_luts(self):
        """A `lut` op whose input is read by nothing else becomes the lookup activation of the
        Conv/Gemm/Add/Mul/activate that produces its input (one layer instead of two)."""
        readers = reader_counts(self.ops)
        keep = []
        for op in self.ops:
            x = op.inputs[0] if op.kind == "lut" else None
            p = x.producer if x is not None else None
            if (p is None or x.base is not x or readers.get(x.id, 0) != 1 or x is self.output or x.forced is not None
                    or op.out.forced is not None or p.act != "identity"
                    or p.kind not in ("conv", "dense", "add", "mul", "activate")):
                keep.append(op)
                continue
            p.act, p.lut_f = "lut", op.f      # p now produces op's output: op.out takes x's place
            o = op.out
            p.out, o.producer = o, p
            for other in self.ops:
                other.inputs = [o if i is x else i for i in other.inputs]
            for v in self.vals:
                if v.base is x:
                    v.base = o
        self.ops = keep

    def view_like(self, out, x):
        """out (fresh storage, same shape as x's storage) seen with the ONNX rank/perm of x."""
        if x.base is x:
            out.rank, out.perm, out.nhwc = x.rank, x.perm, x.nhwc
            return out
        v = self.new_val(out.shape, x.rank, x.perm, base=out, uses=out.uses)
        v.nhwc = x.nhwc
        return v

    def op_Relu(self, node, index, a):
        self.activation(node, index, "relu")

    def op_Sigmoid(self, node, index, a):
        self.activation(node, index, "sigmoid")

    def op_Tanh(self, node, index, a):
        self.activation(node, index, "tanh")

    def op_Clip(self, node, index, a):
        lo = a.get("min")
        hi = a.get("max")
        if len(node.input) > 1:
            c = self.const(node, 1, "min")
            lo = None if c is None else float(c.value)
        if len(node.input) > 2:
            c = self.const(node, 2, "max")
            hi = None if c is None else float(c.value)
        if lo == 0 and (hi is None or hi >= 3.4e38):
            self.activation(node, index, "relu")
            return
        self.unary(node, index, lambda t: np.clip(t, -np.inf if lo is None else lo, np.inf if hi is None else hi))

    def op_lut(self, node, index, a):
        self.unary(node, index, LUT_OPS[node.op_type](a))

    def op_Shape(self, node, index, a):
        """Shape of an activation: a constant (shapes are static; the batch is the model's or 1)."""
        x = self.act_in(node)
        shape = np.array(x.onnx_shape(self.model_batch or 1), dtype=np.int64)
        st, en = a.get("start", 0), a.get("end")
        self.consts[node.output[0]] = Const(shape[st:en])

    def op_Pad(self, node, index, a):
        """A zero Pad of H, W (constant mode): folded into the Conv/AveragePool that reads it."""
        x = self.act_in(node)
        mode = a.get("mode", b"constant")
        mode = mode.decode() if isinstance(mode, bytes) else mode
        pads = list(a["pads"]) if "pads" in a else [int(p) for p in self.const(node, 1, "pads").value.reshape(-1)]
        value = a.get("value", 0.0)
        if len(node.input) > 2 and node.input[2]:
            value = float(self.const(node, 2, "constant_value").value.reshape(-1)[0])
        if mode != "constant" or value != 0 or x.rank != 4 or len(pads) != 8 or any(pads[i] for i in (0, 1, 4, 5)) \
                or min(pads) < 0:
            raise unsupported(node, f"Pad mode {mode} value {value} pads {pads} (only zero padding of H and W, "
                                    "folded into the next Conv/AveragePool)")
        self.env[node.output[0]] = PadView(x, (pads[2], pads[3], pads[6], pads[7]))

    def channel_copy(self, node, index, ins, out_name, sel, what):
        """An op copying channels: output channel j = channel sel[j] of the inputs concatenated
        (a `copy` op; written as a 1x1 conv with 0/1 weights: exact at the inputs' scale)."""
        shape = ins[0].shape[:2] + (len(sel),)
        out = self.add_op("copy", node, index, ins, shape, sel=np.asarray(sel, np.int64), what=what,
                          out_uses=self.uses.get(out_name, 0))
        self.env[out_name] = out

    def op_Concat(self, node, index, a):
        xs = [self.get(node, i) for i in range(len(node.input))]
        ax = a.get("axis", 1)
        if not all(isinstance(v, Val) for v in xs):
            raise unsupported(node, "Concat of activations with constants")
        if any(v.rank != 4 or v.base is not v for v in xs) or ax not in (1, -3):
            raise unsupported(node, f"Concat on axis {ax} (only channels of rank-4 tensors)")
        if any(v.shape[:2] != xs[0].shape[:2] for v in xs):
            raise ConvertError(f"Concat node '{node.name}': inputs differ in H, W")
        total = sum(v.shape[2] for v in xs)
        self.channel_copy(node, index, xs, node.output[0], list(range(total)), "concat")

    def channel_slices(self, node, x, bounds):
        """Checks x (rank 4) and returns bounds [(c0, c1)] clipped to its channels."""
        if x.rank != 4 or x.base is not x:
            raise unsupported(node, "channel split of a tensor of rank 2")
        return [(max(0, c0), min(x.shape[2], c1)) for c0, c1 in bounds]

    def split_sizes(self, node, a, c):
        """A Split's part sizes over c channels/features: its `split` attribute (opset < 13) or input,
        else equal parts, one per output."""
        if "split" in a:
            return list(a["split"])
        if len(node.input) > 1 and node.input[1]:
            return [int(v) for v in self.const(node, 1, "split").value.reshape(-1)]
        return [c // len(node.output)] * len(node.output)

    def op_Split(self, node, index, a):
        x = self.act_in(node)
        ax = a.get("axis", 0)
        if ax not in (1, -3):
            raise unsupported(node, f"Split on axis {ax} (only channels)")
        sizes = self.split_sizes(node, a, x.shape[2])
        c0, bounds = 0, []
        for sz in sizes:
            bounds.append((c0, c0 + sz))
            c0 += sz
        for (lo, hi), name in zip(self.channel_slices(node, x, bounds), node.output):
            if name:
                self.channel_copy(node, index, [x], name, list(range(lo, hi)), "split")

    def op_Slice(self, node, index, a):
        x = self.act_in(node)
        rest = [self.const(node, i, "slice bound").value if i < len(node.input) and node.input[i] else None
                for i in range(1, len(node.input))]
        idx = self.slices(node, a, 4, rest)
        if any(s != slice(None) for i, s in enumerate(idx) if i != 1) or (idx[1].step or 1) != 1:
            raise unsupported(node, "Slice other than a contiguous range of channels")
        sel = list(range(x.shape[2]))[idx[1]]
        self.channel_copy(node, index, [x], node.output[0], sel, "slice")

    def op_Transpose(self, node, index, a):
        v = self.get(node, 0)
        if self.image_layout_transpose(node, v, list(a.get("perm", []))):
            return
        if isinstance(v, ShuffleView) and not v.transposed and list(a.get("perm", [])) == [0, 2, 1, 3, 4]:
            self.env[node.output[0]] = ShuffleView(v.x, v.g, True)
            return
        raise unsupported(node, "Transpose of an activation (only [0, 2, 1, 3, 4] of a channel shuffle)")

    # image layouts: NCHW <-> NHWC (ConvNeXt's Transposes around LayerNorm and its Linear layers)
    def image_layout_transpose(self, node, v, perm):
        """Transpose [0, 2, 3, 1] of an NCHW image Val, or [0, 3, 1, 2] of its NHWC view: our storage is
        pixel-major (H, W, C) either way, so the same bytes are seen in the other ONNX layout (no layer).
        True if done; False leaves the node to the other Transpose forms."""
        if not isinstance(v, Val) or v.perm is not None or v.shape != v.base.shape:
            return False
        if perm == [0, 2, 3, 1] and v.rank == 4:
            self.relayout(node, v, 3, True)
        elif perm == [0, 3, 1, 2] and v.nhwc:
            self.relayout(node, v, 4, False)
        else:
            return False
        return True

    def relayout(self, node, v, rank, nhwc):
        """node's output is v's storage seen with ONNX `rank` (3: channels last like a sequence, whose
        MatMul, LayerNorm and bias Add work per pixel over the channels; 4: NCHW) and the NHWC flag.
        When the Transpose is v's only reader and a layer produces v, v itself changes layout (that layer
        can still take a following bias, activation or channel scale), else a view of v's storage."""
        if v.base is v and v.uses == 1 and v.producer is not None:
            v.rank, v.nhwc = rank, nhwc
            self.alias(node.output[0], v, 1)
            return
        out = self.new_val(v.shape, rank, base=v.base, uses=self.uses.get(node.output[0], 0))
        out.nhwc = nhwc
        self.env[node.output[0]] = out

    def channel_scale(self, node, index, x, k):
        """x times a constant per channel k [C]: folded into the producing Conv/Gemm/MatMul (its weights'
        output columns and bias times k: exact in the float model, before quantization, as BatchNorm
        folding is; ConvNeXt's layer_scale) when x is that layer's only, unactivated output; else a
        depthwise 1x1 conv of weights k, bias 0."""
        op = x.producer
        if self.fusable(x) and op.kind in ("conv", "dense"):
            op.w = op.w * k         # output channels are the last axis of [kh][kw][C/g][M] and [F][M]
            op.b = op.b * k
            op.qscale = None
            self.alias(node.output[0], x, 1)
            return
        if x.shape != x.base.shape or x.perm is not None:
            raise unsupported(node, "a per-channel constant Mul of a flattened tensor")
        c = x.shape[2]
        out = self.add_op("conv", node, index, [x], x.shape, rank=x.rank, w=k.reshape(1, 1, 1, c).copy(),
                          b=np.zeros(c), stride=(1, 1), pads=(0, 0, 0, 0), qscale=None, groups=c)
        self.env[node.output[0]] = self.view_like(out, x)

    # pools
    def pool(self, node, index, a, kind):
        """Max/average pool layer (kind maxpool, avgpool, globalmaxpool or globalavgpool); a zero Pad
        before an AveragePool is folded into its pads (network.h's padding counts as 0 and the divisor
        is kh * kw: exactly the explicit zero padding)."""
        x, padx = self.padded_in(node)
        if any(padx) and kind != "avgpool":
            raise unsupported(node, "a Pad before a max or global pool (network.h's max pooling ignores padding; "
                                    "a zero Pad does not)")
        if x.rank != 4:
            raise unsupported(node, "input of rank 2")
        h, w, c = x.shape
        glob = kind.startswith("global")
        if glob:
            kh, kw, sh, sw, pads = h, w, 1, 1, (0, 0, 0, 0)
        else:
            kh, kw = a["kernel_shape"]
            sh, sw, pads = self.conv_geometry(node, a, x, kh, kw)
            if a.get("ceil_mode", 0):
                t, l, b, r = pads
                extra = []
                for n, k, s, p0, p1 in ((h, kh, sh, t, b), (w, kw, sw, l, r)):
                    out = -(-(n + p0 + p1 - k) // s) + 1
                    if (out - 1) * s >= n + p0:      # PyTorch/ONNX: the last window starts inside
                        out -= 1
                    extra.append(max(0, (out - 1) * s + k - (n + p0 + p1)))
                if any(extra):
                    if kind == "avgpool":
                        raise unsupported(node, "ceil_mode=1 that changes the output size")
                    pads = (t, l, b + extra[0], r + extra[1])
        if any(padx):
            if any(pads) and not a.get("count_include_pad", 0):
                raise unsupported(node, "a Pad before an AveragePool with count_include_pad=0 and pads of its own")
            pads = tuple(p + e for p, e in zip(pads, padx))
        p, q = self.check_window(node, x, kh, kw, sh, sw, pads)
        include_pad = bool(a.get("count_include_pad", 0)) or any(padx)
        if kind == "avgpool" and any(pads) and not include_pad:
            if not self.approximate_avgpool:
                raise unsupported(node, "count_include_pad=0 with padding (network.h divides every window by "
                                        "kh*kw); pass --approximate-avgpool to accept that")
            self.note(f"{node.op_type} '{node.name}': count_include_pad=0 with pads {list(pads)} approximated "
                      f"by dividing every window by {kh}x{kw}")
        out = self.add_op("maxpool" if "max" in kind else "avgpool", node, index, [x], (p, q, c),
                          kernel=(kh, kw), stride=(sh, sw), pads=pads, glob=glob, include_pad=include_pad)
        self.env[node.output[0]] = out

    def op_MaxPool(self, node, index, a):
        self.pool(node, index, a, "maxpool")

    def op_GlobalMaxPool(self, node, index, a):
        self.pool(node, index, a, "globalmaxpool")

    def op_AveragePool(self, node, index, a):
        self.pool(node, index, a, "avgpool")

    def op_ReduceMean(self, node, index, a):
        """ReduceMean over H and W (x.mean([2, 3]) of ShuffleNet, MnasNet): a global average pool;
        keepdims=0 gives the [N, C] view of its 1x1 output."""
        x = self.act_in(node)
        axes = list(a["axes"]) if "axes" in a else (
            [int(v) for v in self.const(node, 1, "axes").value.reshape(-1)] if len(node.input) > 1 else [])
        if x.rank != 4 or sorted(ax % 4 for ax in axes) != [2, 3]:
            raise unsupported(node, f"ReduceMean over axes {axes} (only H and W of a rank-4 tensor)")
        self.pool(node, index, a, "globalavgpool")
        if not a.get("keepdims", 1):
            self.flatten_to(node, self.env[node.output[0]])

    def op_GlobalAveragePool(self, node, index, a):
        self.pool(node, index, a, "globalavgpool")

    # element-wise
    def binary(self, node, index, a, kind):
        """Add/Sub/Mul/Div (kind add, sub, mul, div): of two activations an add/mul layer; an Add/Sub
        of a constant folded into the producer's bias; a Mul/Div by a scalar an `activate` layer."""
        x, y = self.get(node, 0), self.get(node, 1)
        if isinstance(x, Val) and isinstance(y, Val) and kind == "mul" and self.self_product(node, x, y):
            return
        if isinstance(x, Val) and isinstance(y, Val) and x.rank == y.rank == 4 and x.shape != y.shape:
            big, small = (x, y) if y.shape[:2] == (1, 1) else (y, x)
            if small.shape != (1, 1, big.shape[2]) or (kind == "sub" and small is x):
                raise unsupported(node, f"operands of shapes {x.onnx_shape('N')} and {y.onnx_shape('N')} (only "
                                        "a per-channel [N, C, 1, 1] broadcast over [N, C, H, W])")
            out = self.add_op("add" if kind in ("add", "sub") else "mul", node, index, [big, small], big.base.shape,
                              negate_b=(kind == "sub"))
            self.env[node.output[0]] = self.view_like(out, big)
            return
        if isinstance(x, Val) and isinstance(y, Val):
            if x.shape != y.shape or x.rank != y.rank or not np.array_equal(
                    x.perm if x.perm is not None else [], y.perm if y.perm is not None else []):
                raise unsupported(node, f"operands of different shapes {x.onnx_shape('N')} and {y.onnx_shape('N')} "
                                        "(no broadcasting)")
            out = self.add_op("add" if kind in ("add", "sub") else "mul", node, index, [x, y], x.base.shape,
                              negate_b=(kind == "sub"))
            self.env[node.output[0]] = self.view_like(out, x)
            return
        if isinstance(y, Val) and kind in ("add", "mul"):
            x, y = y, x
        if not isinstance(x, Val):
            raise unsupported(node, "first operand must be an activation for Sub/Div")
        c = y.value.astype(np.float64)
        op = x.producer
        if c.size == 1 and op is not None and op.kind == "lut" and x.base is x and x.uses == 1:
            k = float(c.reshape(-1)[0])   # a scalar after a lookup: part of the function
            g = {"add": lambda t: t + k, "sub": lambda t: t - k, "mul": lambda t: t * k, "div": lambda t: t / k}[kind]
            f0 = op.f
            op.f = lambda t, f0=f0, g=g: g(f0(t))
            self.alias(node.output[0], x, 1)
            return
        if kind in ("add", "sub"):
            c = c if kind == "add" else -c
            op = x.producer
            m = x.shape[2]
            if self.fusable(x) and op.kind in ("conv", "dense") and self.per_channel(c, x, m) is not None:
                op.b = op.b + self.per_channel(c, x, m)
                self.alias(node.output[0], x, 1)
                return
            raise unsupported(node, "adding a constant is supported only as the bias of the preceding Conv/Gemm/"
                                    "MatMul (per output channel, no other consumer)")
        k = self.per_channel(c, x, x.shape[2]) if c.size > 1 else None
        if k is not None and kind == "div" and not np.all(k):
            raise unsupported(node, "division by a per-channel constant that has zeros")
        if k is not None and kind in ("mul", "div"):
            self.channel_scale(node, index, x, k if kind == "mul" else 1.0 / k)
            return
        if c.size != 1:
            raise unsupported(node, f"{node.op_type} by a constant of shape {c.shape} (only a scalar or per channel)")
        c = float(c.reshape(-1)[0])
        if kind == "div":
            c = 1.0 / c
        if c == 0:
            raise unsupported(node, "multiplication by 0")
        out = self.add_op("activate", node, index, [x], x.base.shape, fn_scale=c)
        self.env[node.output[0]] = self.view_like(out, x)

    def self_product(self, node, x, y):
        """Mul(x, f(x)) (SiLU x * sigmoid(x), GELU x * 0.5 (1 + erf(x / sqrt 2)), ...) where f(x) is
        an activate/lut op on x read only here: becomes the lut t -> t * f(t) on x. True if done."""
        for a, b in ((x, y), (y, x)):
            op = b.producer
            if (op is not None and b.base is b and b.uses == 1 and b.forced is None and op.kind in ("lut", "activate")
                    and op.inputs[0] is a and a.base is a):
                f0 = float_fn(op)
                op.kind, op.f, op.act = "lut", (lambda t, f0=f0: t * f0(t)), "identity"
                a.uses -= 1              # this Mul's read of a is now inside the lut
                self.alias(node.output[0], b, 1)
                return True
        return False

    @staticmethod
    def per_channel(c, x, m):
        """c as a bias vector [m] if it broadcasts per output channel of x, else None."""
        if c.size == 1:
            return np.full(m, float(c.reshape(-1)[0]))
        if x.rank == 4 and c.size == m and c.ndim >= 3 and c.shape[-1] == 1 and c.shape[-2] == 1:
            return c.reshape(-1)
        if x.rank in (2, 3) and c.size == m and c.shape[-1] == m:
            return c.reshape(-1)
        return None

    def op_Add(self, node, index, a):
        self.binary(node, index, a, "add")

    def op_Sub(self, node, index, a):
        self.binary(node, index, a, "sub")

    def op_Mul(self, node, index, a):
        self.binary(node, index, a, "mul")

    def op_Div(self, node, index, a):
        x, y = self.get(node, 0), self.get(node, 1)
        if not (isinstance(x, Val) and isinstance(y, Const)):
            raise unsupported(node, "only an activation divided by a constant scalar")
        self.binary(node, index, a, "div")

    # shape ops
    def flatten_to(self, node, x):
        """node's output is x seen as [N, features] (a view with the H, W, C -> C, H, W permutation)."""
        if x.rank == 2:
            self.alias(node.output[0], x, 1)
            return
        v = self.new_val(x.shape, 2, flat_perm(x.shape), base=x.base, uses=self.uses.get(node.output[0], 0))
        self.env[node.output[0]] = v

    def op_Flatten(self, node, index, a):
        self.flatten_to(node, self.act_in(node))

    def op_Reshape(self, node, index, a):
        v = self.get(node, 0)
        shape = [int(s) for s in self.const(node, 1, "shape").value.reshape(-1)]
        if isinstance(v, ShuffleView) and v.transposed and len(shape) == 4:
            h, w, c = v.x.shape
            if shape[2:] not in ([h, w], [0, 0]) or shape[1] not in (c, -1):
                raise unsupported(node, f"Reshape of a channel shuffle to {shape}")
            g, cg = v.g, c // v.g     # output channel j * g + i reads input channel i * cg + j
            sel = [i * cg + j for j in range(cg) for i in range(g)]
            self.channel_copy(node, index, [v.x], node.output[0], sel, "channel shuffle")
            return
        x = self.act_in(node)
        if x.rank == 4 and len(shape) == 5 and x.base is x:
            h, w, c = x.shape
            if shape[3:] == [h, w] and shape[1] > 0 and shape[1] * (shape[2] if shape[2] > 0 else c // shape[1]) == c:
                self.env[node.output[0]] = ShuffleView(x, shape[1])
                return
        cur = list(x.onnx_shape(self.model_batch or 1))
        feat = x.shape[0] * x.shape[1] * x.shape[2]
        tgt = [cur[i] if s == 0 and i < len(cur) else s for i, s in enumerate(shape)]
        batch_ok = (-1, 1, cur[0])
        if len(tgt) == 2 and ((tgt[1] == feat and tgt[0] in batch_ok) or (tgt[1] == -1 and tgt[0] in batch_ok[1:])):
            self.flatten_to(node, x)
            return
        if len(tgt) == len(cur) and tgt[0] in batch_ok and tgt.count(-1) <= 1 and \
                all(t in (c, -1) for t, c in zip(tgt[1:], cur[1:])):
            self.alias(node.output[0], x, 1)
            return
        raise unsupported(node, f"Reshape of {list(x.onnx_shape('N'))} to {shape} (only to [N, features])")

    def op_Identity(self, node, index, a):
        self.alias(node.output[0], self.act_in(node), 1)

    def op_Cast(self, node, index, a):
        """Cast of an activation: only when it changes nothing (float to float, or a quantized tensor
        to its own type, as PyTorch's export of quantized models does)."""
        x = self.act_in(node)
        to, q = a.get("to"), x.base.qdtype
        if (q is None and to in (1, 11)) or (q == "uint8" and to == 2) or (q == "int8" and to == 3):
            self.alias(node.output[0], x, 1)
            return
        raise unsupported(node, f"Cast of {'a ' + q if q else 'a float'} activation to ONNX type {to}")

    op_Dropout = op_Identity

    # host operations (Interrupt_Host; host/manifest/host_op.h)
    def host_op_input(self, node, axis):
        """The activation a Softmax/LayerNormalization reads, checked to normalize over our
        channels: ONNX axis 1 (or -3) of NCHW, or the last axis of an [N, F] tensor stored as
        1 x 1 x F."""
        x = self.act_in(node)
        if x.rank == 4 and axis in (1, -3):
            return x
        if x.rank == 2 and axis in (1, -1) and x.base.shape[:2] == (1, 1):
            return x
        if x.rank == 3 and axis in (2, -1) and (x.base is x or x.nhwc):
            return x
        raise unsupported(node, f"axis {axis} of a {list(x.onnx_shape('N'))} tensor (host operations work over "
                                "the channels: axis 1 of NCHW, or the features of [N, F])")

    def host_layer(self, node, index, x, kind, **params):
        """A host_op layer of `kind` on x; its output is seen like x."""
        out = self.add_op("host_op", node, index, [x], x.base.shape, host_kind=kind, **params)
        self.env[node.output[0]] = self.view_like(out, x)

    def op_Softmax(self, node, index, a):
        axis = a.get("axis", -1 if self.opset >= 13 else 1)
        if self.opset < 13 and self.act_in(node).rank == 4:
            raise unsupported(node, f"opset {self.opset} Softmax of NCHW (normalizes C x H x W together)")
        x = self.host_op_input(node, axis)
        self.host_layer(node, index, x, "Softmax")

    def op_LayerNormalization(self, node, index, a):
        x = self.host_op_input(node, a.get("axis", -1))
        if x.rank == 4 and a.get("axis", -1) == -1:
            raise unsupported(node, "axis -1 of NCHW (normalizing over W)")
        c = x.base.shape[2]
        scale, bias = self.const(node, 1, "Scale"), self.const(node, 2, "B")
        gamma = np.ones(c) if scale is None else np.asarray(scale.value, np.float64).reshape(-1)
        beta = np.zeros(c) if bias is None else np.asarray(bias.value, np.float64).reshape(-1)
        if gamma.size != c or beta.size != c:
            raise unsupported(node, f"Scale/B of {gamma.size}/{beta.size} values for {c} channels")
        if x.perm is not None:      # ONNX feature order -> ours
            gamma, beta = gamma[x.perm], beta[x.perm]
        if sum(1 for o in node.output if o) > 1:
            raise unsupported(node, "the Mean/InvStdDev outputs")
        if self.layernorm_on_chip:
            self.layernorm_chip(node, index, x, gamma, beta, float(a.get("epsilon", 1e-5)))
            return
        self.host_layer(node, index, x, "LayerNormalization", gamma=gamma, beta=beta,
                        epsilon=float(a.get("epsilon", 1e-5)))

    def chip_op(self, kind, node, index, part, inputs, uses, **params):
        """A layer `kind` named after node plus '.part' on the input Vals (x's storage shape), its
        output read `uses` times; returns the output Val."""
        out = self.new_val(inputs[0].base.shape, inputs[0].rank, uses=uses)
        op = Op(kind, self.unique(layer_name_of(node, index) + "." + part + self.step_suffix), inputs, out, **params)
        op.onnx = f"{node.op_type} '{node.name}' ({part})"
        out.producer = op
        self.ops.append(op)
        return out

    def layernorm_chip(self, node, index, x, gamma, beta, eps):
        """LayerNorm over each pixel's C channels with the chip's own layers (--layernorm-on-chip), no
        host: mean = conv 1x1 of weights 1/C (the MXU sums the channels; every output column holds
        the sum, so the mean arrives broadcast over the C channels), d = x - mean (add), q = d^2
        (lookup table), var = conv 1x1 of weights 1/C on q with the lookup table 1/sqrt(var + eps)
        fused (r, again in every channel), z = d * r (mul), and, unless gamma = 1 and beta = 0, a
        depthwise 1x1 conv z * gamma + beta. The float model of these layers is LayerNorm itself;
        their integer semantics are the existing layers' (network.h, tpu_ref.py): the error comes
        from d, d^2, var and r being int8 tensors (per-tensor scales, calibrated)."""
        c = x.base.shape[2]
        mean_w = np.full((1, 1, c, c), 1.0 / c)
        conv = dict(b=np.zeros(c), stride=(1, 1), pads=(0, 0, 0, 0), qscale=None, groups=1)
        mean = self.chip_op("conv", node, index, "mean", [x], 1, w=mean_w, **conv)
        d = self.chip_op("add", node, index, "centered", [x, mean], 2, negate_b=True)
        sq = self.chip_op("lut", node, index, "square", [d], 1, f=np.square)
        var = self.chip_op("conv", node, index, "variance", [sq], 1, w=mean_w, **conv)
        r = self.chip_op("lut", node, index, "rsqrt", [var], 1, f=lambda t: 1.0 / np.sqrt(t + eps))
        last = self.uses.get(node.output[0], 0)
        affine = not (np.all(gamma == 1.0) and np.all(beta == 0.0))
        z = self.chip_op("mul", node, index, "normalized", [d, r], 1 if affine else last)
        if affine:
            z = self.chip_op("conv", node, index, "affine", [z], last, w=gamma.reshape(1, 1, 1, c).astype(np.float64),
                             b=beta.astype(np.float64), stride=(1, 1), pads=(0, 0, 0, 0), qscale=None, groups=c)
        self.env[node.output[0]] = self.view_like(z, x)

    # quantized forms
    def qparams(self, node, i_scale, i_zp, what, default="uint8"):
        """((scale, zero point), ONNX type): the zero point as ONNX gives it (uint8 0..255, int8
        -128..127); an absent zero point is 0 of type `default` (ONNX: uint8 for QuantizeLinear, the
        input's for Dequantize). Lowering keeps a uint8 tensor uint8 where its producer can write
        uint8, else re-centers it to int8 (zp - 128)."""
        s = self.const(node, i_scale, f"{what} scale").value
        if s.size != 1:
            raise unsupported(node, f"per-axis {what} scale (activations need one scale)")
        s = float(s.reshape(-1)[0])
        zc = self.const(node, i_zp, f"{what} zero point") if i_zp < len(node.input) and node.input[i_zp] else None
        if zc is None:
            return (s, 0), default
        z = zc.value
        if z.dtype == np.uint8:
            return (s, int(z.reshape(-1)[0])), "uint8"
        if z.dtype == np.int8:
            return (s, int(z.reshape(-1)[0])), "int8"
        raise unsupported(node, f"{what} zero point of type {z.dtype} (int8/uint8 only)")

    def force(self, node, index, x, sz, dtype, out_name):
        """ONNX tensor out_name = x quantized with (scale, zp) = sz: the producer of x requantizes to
        sz when x has no other consumer (or x is the network input), else an `activate` layer does."""
        b = x.base
        if (b.forced == sz and b.qdtype == dtype) or (b.forced is None and (b is self.input or
                                                                           (x is b and b.uses == 1))):
            b.forced, b.qdtype = sz, dtype
            self.alias(out_name, x, 1)
            return
        out = self.add_op("activate", node, index, [x], b.shape, out_uses=self.uses.get(out_name, 0), fn_scale=1.0)
        out.forced, out.qdtype = sz, dtype
        self.env[out_name] = self.view_like(out, x)

    def op_QuantizeLinear(self, node, index, a):
        x = self.get(node, 0)
        sz, dtype = self.qparams(node, 1, 2, "output")
        if isinstance(x, Const):
            c = Const(x.value.astype(np.float64))     # the DequantizeLinear that follows undoes it
            c.quantize = sz
            self.consts[node.output[0]] = c
            return
        self.force(node, index, x, sz, dtype, node.output[0])

    def op_DequantizeLinear(self, node, index, a):
        x = self.get(node, 0)
        if isinstance(x, Const):
            q = x.value
            if getattr(x, "quantize", None):        # QuantizeLinear of a float constant
                s, zp = x.quantize
                self.consts[node.output[0]] = Const(fake_quant(q, s, zp), qscale=s if zp == 0 else None)
                return
            s = self.const(node, 1, "scale").value.astype(np.float64)
            zc = self.const(node, 2, "zero point") if len(node.input) > 2 and node.input[2] else None
            z = np.zeros(1) if zc is None else zc.value.astype(np.float64)
            axis = a.get("axis", 1)
            if s.size > 1:
                shape = [1] * q.ndim
                shape[axis] = -1
                s, z = s.reshape(shape), z.reshape(shape) if z.size > 1 else z
            val = (q.astype(np.float64) - z) * s
            if s.size > 1 and q.dtype in (np.int8, np.uint8):
                self.note(f"DequantizeLinear '{node.name}': per-axis weight scales re-quantized per tensor "
                          "(the requantization is per layer)")
            self.consts[node.output[0]] = Const(val, qscale=kept_weight_scale(q, s, z))
            return
        if not isinstance(x, Val):
            raise ConvertError(f"DequantizeLinear node '{node.name}': input '{node.input[0]}' is undefined")
        if x.base.forced is None:
            raise unsupported(node, f"input '{node.input[0]}' is not a quantized tensor (no QuantizeLinear/QLinear "
                                    "producer)")
        sz, _ = self.qparams(node, 1, 2, "input", default=x.base.qdtype)
        if not np.isclose(x.base.forced[0], sz[0], rtol=1e-6) or x.base.forced[1] != sz[1]:
            raise ConvertError(f"DequantizeLinear node '{node.name}': scale/zero point {sz} differ from the "
                               f"tensor's quantization {x.base.forced}")
        self.alias(node.output[0], x, 1)

    def op_QLinearConv(self, node, index, a):
        x = self.act_in(node)
        sx, _ = self.qparams(node, 1, 2, "x", default=x.base.qdtype)
        self.check_quantized_input(node, x, sx)
        w = self.const(node, 3, "w").value
        ws = self.const(node, 4, "w scale").value.astype(np.float64).reshape(-1)
        wz = self.const(node, 5, "w zero point").value.astype(np.float64).reshape(-1)
        sy, ty = self.qparams(node, 6, 7, "y")
        W = (w.astype(np.float64) - wz.reshape(-1, 1, 1, 1)) * ws.reshape(-1, 1, 1, 1)
        bc = self.const(node, 8, "B") if len(node.input) > 8 else None
        bias = np.zeros(w.shape[0]) if bc is None else bc.value.astype(np.float64) * sx[0] * ws
        if ws.size > 1:
            self.note(f"QLinearConv '{node.name}': per-channel weight scales re-quantized per tensor")
        self.op_Conv(node, index, a, wc=Const(W, kept_weight_scale(w, ws, wz)), bias=bias, forced=sy)
        self.env[node.output[0]].qdtype = ty

    def op_QLinearMatMul(self, node, index, a):
        x = self.act_in(node)
        sx, _ = self.qparams(node, 1, 2, "a", default=x.base.qdtype)
        self.check_quantized_input(node, x, sx)
        b = self.const(node, 3, "b").value
        bs = self.const(node, 4, "b scale").value.astype(np.float64).reshape(-1)
        bz = self.const(node, 5, "b zero point").value.astype(np.float64).reshape(-1)
        sy, ty = self.qparams(node, 6, 7, "y")
        if b.ndim != 2:
            raise unsupported(node, f"b of rank {b.ndim}")
        W = (b.astype(np.float64) - bz.reshape(1, -1)) * bs.reshape(1, -1)
        self.dense(node, index, x, W, 0.0, kept_weight_scale(b, bs, bz), forced=sy)
        self.env[node.output[0]].qdtype = ty

    def check_quantized_input(self, node, x, sz):
        """Unsupported unless x is quantized, ConvertError unless with the params sz."""
        f = x.base.forced
        if f is None:
            raise unsupported(node, f"input '{node.input[0]}' is not a quantized tensor (no QuantizeLinear/QLinear "
                                    "producer)")
        if not np.isclose(f[0], sz[0], rtol=1e-6) or f[1] != sz[1]:
            raise ConvertError(f"{node.op_type} node '{node.name}': input scale/zero point {sz} differ from the "
                               f"tensor's {f}")


def reader_counts(ops):
    """{base tensor id: how many inputs of `ops` read it} (a Counter: 0 for a tensor nothing reads)."""
    return collections.Counter(x.base.id for op in ops for x in op.inputs)


# ----------------------------------------------------------------------------------------------
# Float interpreter of the IR (NHWC, float64)

def conv_nhwc(x, w, stride, pads, groups=1):
    """Float convolution: x (N, H, W, C), w (kh, kw, C/groups, M), stride (sh, sw), pads (t, l, b, r)
    -> (N, P, Q, M), zero padding, via im2col and one matrix product (grouped: per group, or for a
    depthwise layer a sum of kh*kw shifted products)."""
    n, h, wd, c = x.shape
    kh, kw, cg, m = w.shape
    if groups > 1:
        mg = m // groups
        if cg == 1 and mg == 1:
            sh, sw = stride
            t, l, b, r = pads
            xp = np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)))
            p = (h + t + b - kh) // sh + 1
            q = (wd + l + r - kw) // sw + 1
            acc = np.zeros((n, p, q, m))
            for i in range(kh):
                for j in range(kw):
                    acc += xp[:, i:i + sh * (p - 1) + 1:sh, j:j + sw * (q - 1) + 1:sw, :] * w[i, j, 0]
            return acc
        return np.concatenate([conv_nhwc(x[..., g * cg:(g + 1) * cg], w[..., g * mg:(g + 1) * mg], stride, pads)
                               for g in range(groups)], axis=3)
    sh, sw = stride
    t, l, b, r = pads
    xp = np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)))
    p = (h + t + b - kh) // sh + 1
    q = (wd + l + r - kw) // sw + 1
    wmat = w.reshape(kh * kw * c, m)
    out = np.empty((n, p, q, m), dtype=np.result_type(x, w))
    rows = max(1, IM2COL_ELEMENTS // (q * kh * kw * c))        # output rows per block

    def block(k, p0):
        """Output rows p0 .. p0 + rows of sample k: their im2col gather times the weights."""
        p1 = min(p, p0 + rows)
        cols = np.empty((p1 - p0, q, kh, kw, c), dtype=x.dtype)
        for i in range(kh):
            for j in range(kw):
                cols[:, :, i, j, :] = xp[k, p0 * sh + i:(p1 - 1) * sh + i + 1:sh, j:j + sw * (q - 1) + 1:sw, :]
        out[k, p0:p1] = (cols.reshape(-1, kh * kw * c) @ wmat).reshape(p1 - p0, q, m)

    parallel([(k, p0) for k in range(n) for p0 in range(0, p, rows)], block)
    return out


def parallel(items, fn):
    """fn(*item) for every item, on FLOAT_THREADS threads (numpy's BLAS and copies release the GIL;
    each output element is still one BLAS dot product of the same row and column, so the result
    does not depend on the threads)."""
    if FLOAT_THREADS <= 1 or len(items) <= 1:
        for item in items:
            fn(*item)
        return
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(FLOAT_THREADS) as ex:
        for f in [ex.submit(fn, *item) for item in items]:
            f.result()


def pool_nhwc(x, op):
    """Float max or average pool of x (N, H, W, C) with op's kernel, stride, pads (t, l, b, r)
    -> (N, P, Q, C); max ignores padding; average divides by kh*kw (include_pad or global) or by
    the window positions inside the image."""
    n, h, wd, c = x.shape
    kh, kw = op.kernel
    sh, sw = op.stride
    t, l, b, r = op.pads
    p = (h + t + b - kh) // sh + 1
    q = (wd + l + r - kw) // sw + 1
    fill = -np.inf if op.kind == "maxpool" else 0.0
    xp = np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)), constant_values=fill)
    ones = np.pad(np.ones((1, h, wd, 1)), ((0, 0), (t, b), (l, r), (0, 0)))
    acc = np.full((n, p, q, c), fill)
    cnt = np.zeros((1, p, q, 1))
    for i in range(kh):
        for j in range(kw):
            s = xp[:, i:i + sh * (p - 1) + 1:sh, j:j + sw * (q - 1) + 1:sw, :]
            acc = np.maximum(acc, s) if op.kind == "maxpool" else acc + s
            cnt += ones[:, i:i + sh * (p - 1) + 1:sh, j:j + sw * (q - 1) + 1:sw, :]
    if op.kind == "maxpool":
        return acc
    return acc / (kh * kw if op.include_pad or op.glob else np.maximum(cnt, 1))


def apply_act(y, fn, lut=None):
    """Float activation fn (relu, sigmoid, tanh, lut: the function `lut`; anything else is the
    identity) of array y."""
    if fn == "lut":
        return lut(y)
    if fn == "relu":
        return np.maximum(y, 0)
    if fn == "sigmoid":
        return 1.0 / (1.0 + np.exp(-y))
    if fn == "tanh":
        return np.tanh(y)
    return y


def calib_key(v):
    """The key of a Val's calibrated range: its id, or the key its time steps share."""
    k = getattr(v, "calib_key", None)
    return v.id if k is None else k


class PreActivation:
    """Calibration key of a layer's value before its lookup activation (the table's input)."""

    def __init__(self, op):
        self.id = ("pre", calib_key(op.out))


def run_float(graph, x_onnx, observe=None):
    """Runs the float IR on ONNX-layout input x (N, C, H, W) or (N, F); returns {base id: NHWC array}
    for the output (and every tensor when observe is a callable(val, array))."""
    n = x_onnx.shape[0]
    inp = graph.input
    h, w, c = inp.shape
    x = np.asarray(x_onnx, np.float64)
    if not graph.feeds:
        x = x.reshape(n, c, h, w).transpose(0, 2, 3, 1) if inp.rank == 4 else x.reshape(n, h, w, c)
    store = {}

    def put(v, arr):
        if v.forced is not None:
            arr = fake_quant(arr, *v.forced, v.qdtype)
        store[v.id] = arr
        if observe:
            observe(v, arr)

    if graph.feeds:     # a sequence: x is [n, T, I] batch-first; the steps and constant states
        for f in graph.feeds:
            put(f.val, f.take(x, n))
    else:
        put(inp, x)
    for name, v, dims in graph.extra_inputs:     # fixed values (graph.extra_values), every sample
        put(v, np.broadcast_to(extra_nhwc(graph.extra_values[name], v, dims), (n,) + v.shape).copy())
    for name, v, value in graph.const_inputs:    # constants the host loads (class token, position embedding)
        put(v, np.broadcast_to(value, (n,) + v.shape).copy())
    last_use = {}
    for k, op in enumerate(graph.ops):
        for i in op.inputs:
            last_use[i.base.id] = k
    for k, op in enumerate(graph.ops):
        xs = [store[i.base.id] for i in op.inputs]
        if op.kind == "conv":
            y = conv_nhwc(xs[0], op.w, op.stride, op.pads, getattr(op, "groups", 1)) + op.b
        elif op.kind == "dense":
            y = (np.concatenate([a.reshape(n, -1) for a in xs], axis=1) @ op.w + op.b).reshape(n, 1, 1, -1)
        elif op.kind in ("maxpool", "avgpool"):
            y = pool_nhwc(xs[0], op)
        elif op.kind == "add":
            y = xs[0] - xs[1] if op.negate_b else xs[0] + xs[1]
        elif op.kind == "mul":
            y = xs[0] * xs[1]
        elif op.kind == "activate":
            y = xs[0] * op.fn_scale
        elif op.kind == "host_op":
            y = host_op_float(xs[0], op)
        elif op.kind == "lut":
            y = op.f(xs[0])
        elif op.kind == "copy":
            y = np.concatenate(xs, axis=3)[..., op.sel]
        elif op.kind == "matmul":
            y = matmul_float(xs[0], xs[1:], op)
        elif op.kind == "seqcat":
            y = np.concatenate([a.reshape(n, -1, 1, a.shape[-1]) for a in xs], axis=1)
        elif op.kind == "seqslice":
            y = xs[0].reshape(n, -1, 1, xs[0].shape[-1])[:, op.first:op.first + 1].reshape((n,) + op.out.shape)
        else:
            raise AssertionError(op.kind)
        if op.act == "lut" and observe:
            observe(PreActivation(op), y)
        put(op.out, apply_act(y, op.act, getattr(op, "lut_f", None)))
        for i in op.inputs:     # free tensors no longer needed
            if last_use.get(i.base.id) == k and i.base is not graph.output.base:
                store.pop(i.base.id, None)
    return store[graph.output.base.id]


def extra_nhwc(a, v, dims):
    """A second graph input's float value (one sample, ONNX layout [1, S, D] or [1, G, S, dh]) as
    the NHWC storage of Val v (S, 1, D or G*dh)."""
    a = np.asarray(a, np.float64).reshape(dims[1:])
    if len(dims) == 4:
        a = a.transpose(1, 0, 2)        # [G, S, dh] -> [S, G, dh]
    return a.reshape(v.shape)


def matmul_float(a, bs, op):
    """A matmul op (network.h) in float: a (n, S, 1, G*K), the b tensors concatenated along pixels."""
    n = a.shape[0]
    b = np.concatenate([x.reshape(n, -1, x.shape[-1]) for x in bs], axis=1)      # (n, P_b, Cb)
    g = op.heads
    a3 = a.reshape(n, -1, g, a.shape[-1] // g).transpose(0, 2, 1, 3)              # (n, G, S, K)
    bg = b.reshape(n, b.shape[1], g, -1).transpose(0, 2, 1, 3)                   # (n, G, P_b, Cb/G)
    y = a3 @ (bg.transpose(0, 1, 3, 2) if op.transpose_b else bg)                # (n, G, S, N)
    return (y.transpose(0, 2, 1, 3).reshape(a.shape[:3] + (-1,))) * op.out_scale


def host_op_float(x, op):
    """Softmax or LayerNormalization of NHWC float x over its channels (the float model); Softmax per
    group of channels (attention heads), causal: channel j of a group masked past the pixel's index."""
    if op.host_kind == "Softmax":
        g = getattr(op, "groups", 1)
        n, h, w, c = x.shape
        y = x.reshape(n, h * w, g, c // g)
        if getattr(op, "causal", False):
            mask = np.arange(c // g)[None, :] > np.arange(h * w)[:, None]
            y = np.where(mask[None, :, None, :], -np.inf, y)
        e = np.exp(y - y.max(axis=-1, keepdims=True))
        return (e / e.sum(axis=-1, keepdims=True)).reshape(x.shape)
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + op.epsilon) * op.gamma + op.beta


def nhwc_to_onnx(y, val):
    """Our NHWC output (N, P, Q, M) -> ONNX layout of val."""
    n = y.shape[0]
    flat = y.reshape(n, -1)
    if val.nhwc:
        return y
    if val.rank == 3:
        return y.reshape(n, -1, y.shape[-1])
    if val.rank == 2:
        if val.perm is None:
            return flat
        out = np.empty_like(flat)
        out[:, val.perm] = flat
        return out
    return y.transpose(0, 3, 1, 2)


# ----------------------------------------------------------------------------------------------
# Calibration

def calibrate(graph, data, percentile):
    """Per storage tensor: A = max |x| (or per-chunk percentile, max over chunks)."""
    amax = {}

    def observe(v, arr):
        a = np.abs(arr)
        r = float(a.max()) if percentile >= 100 else float(np.percentile(a, percentile))
        amax[calib_key(v)] = max(amax.get(calib_key(v), 0.0), r)

    for i in range(0, len(data), CALIB_CHUNK):
        run_float(graph, data[i:i + CALIB_CHUNK], observe)
    return amax


# ----------------------------------------------------------------------------------------------
# Integer lowering to the manifest

FIXED = {"sigmoid": (1.0 / 256, -128), "tanh": (1.0 / 128, 0)}


class Lowering:
    """Lowers the float IR to manifest layers: picks every tensor's int8 (scale, zero point) from
    the calibration ranges `amax` (Val id -> A, see calibrate), quantizes weights and biases and chooses
    the requants; the layers the output does not depend on are left out (warning)."""

    def __init__(self, graph, amax):
        self.g, self.amax = graph, amax
        self.qp = {}        # base id -> (scale, zp)
        self.qtype = {}     # base id -> element type ("int8", "uint8", "int16")
        self.tname = {}     # base id -> manifest tensor name
        self.layers = []    # dicts (manifest layers)
        self.files = {}     # file name -> bytes
        self.names = set(op.name for op in graph.ops)
        inp = graph.input
        self.input_name = sanitize(graph.input_name)
        self.tname[inp.id] = self.input_name
        self.qp[inp.id] = inp.forced or (self.calib_scale(inp), 0)
        self.qtype[inp.id] = "uint8" if inp.forced is not None and inp.qdtype == "uint8" else "int8"
        self.shared = {}    # (share group, extension, bytes) -> file name (recurrent layers' time steps)
        for f in graph.feeds:
            self.tname[f.val.id] = f.name
            self.qp[f.val.id] = (self.calib_scale(f.val), 0)
            self.qtype[f.val.id] = "int8"
            self.names.add(f.name)
        self.extra_names = []
        for name, v, _ in graph.extra_inputs:
            self.extra_names.append(unique_name(sanitize(name), self.names, self.input_name))
            self.tname[v.id] = self.extra_names[-1]
            self.qp[v.id] = (self.calib_scale(v), 0)
            self.qtype[v.id] = "int8"
        self.share_pixel_concat_scales(graph)
        self.const_names = []
        for name, v, _ in graph.const_inputs:
            self.const_names.append(unique_name(sanitize(name), self.names, self.input_name))
            self.tname[v.id] = self.const_names[-1]
            self.qp[v.id] = v.forced or (self.calib_scale(v), 0)
            self.qtype[v.id] = "int8"
        needed, todo = set(), [graph.output.base.producer]
        while todo:                     # layers the output depends on
            op = todo.pop()
            if op is not None and id(op) not in needed:
                needed.add(id(op))
                todo += [i.base.producer for i in op.inputs]
        self.dropped = [op.name for op in graph.ops if id(op) not in needed]
        if self.dropped:
            warn(f"{len(self.dropped)} layers do not feed the output '{graph.output_name}' and are left out: "
                 + ", ".join(self.dropped))
        self.class_scale = {}   # Val id -> the scale of its channel-placement class (share_placement_scales)
        self.share_placement_scales(graph)
        self.share_concat_scales(graph)
        for op in graph.ops:
            if id(op) in needed:
                self.lower(op)
        out = graph.output.base
        self.output_layer = self.tname[out.id]
        self.output_qp = self.qp[out.id]

    def share_concat_scales(self, graph):
        """Copy-free Concat (issue 15): when every input of a Concat is the output of a Conv/Gemm read
        by that Concat alone, each of them requantizes straight to the Concat's calibrated scale (zero
        point 0), as TFLite's Concatenation shares one quantization over its inputs; the Concat is
        then an exact copy, which the lowering places in the Unified Buffer instead of copying
        (host/lowering/concat.cpp). Branches of a smaller range lose some resolution (the scale of the
        widest one); other Concats keep per-input scales and the weighted copy (lower_copy)."""
        readers = reader_counts(graph.ops)
        for op in graph.ops:
            if op.kind != "copy" or getattr(op, "what", "") != "concat" or len(op.inputs) < 2:
                continue
            xs = op.inputs
            if all(x.base is x and x is not graph.output and readers.get(x.id, 0) == 1 and x.forced is None and
                   x.producer is not None and x.producer.kind in ("conv", "dense") and x.producer.act not in FIXED
                   for x in xs) and len({x.id for x in xs}) == len(xs):
                for x in xs:
                    x.forced = (self.calib_scale(op.out), 0)

    def share_pixel_concat_scales(self, graph):
        """A pixel_concat copies bytes (network.h), so its inputs take its calibrated scale (zero
        point 0) where they can be made to: a constant the host loads, or the output of a conv/dense
        read by the concat alone (its requantization targets that scale; ViT's patch embedding).
        Other inputs get a rescaling `activate` layer (lower_pixel_concat)."""
        readers = reader_counts(graph.ops)
        consts = {id(v) for _, v, _ in graph.const_inputs}
        for op in graph.ops:
            if op.kind != "seqcat":
                continue
            for x in op.inputs:
                b = x.base
                if b.forced is None and (id(b) in consts or (
                        b is not graph.output.base and readers.get(b.id, 0) == 1 and b.producer is not None and
                        b.producer.kind in ("conv", "dense") and b.producer.act not in FIXED)):
                    b.forced = (self.calib_scale(op.out), 0)
    def share_placement_scales(self, graph):
        """Split/Slice/shuffle/Concat as Unified Buffer placement (issue 15): one scale for each class
        of tensors a channel copy or a MaxPool ties together (a copy's output and its inputs, a
        MaxPool's output and its input), so that every Concat in the class is an exact copy (0/1
        weights), which the lowering places or has its readers read in place (host/lowering/
        select.cpp) instead of copying; TFLite's Concatenation likewise shares one quantization. The
        class's scale is the largest calibrated scale of its members (no member's calibrated range
        is clipped; the narrower ones lose resolution). A MaxPool joins its input only when it is
        the input's one reader (else the input's scale serves other layers, and the MaxPool's output
        is fixed). Only classes with a Concat of several inputs whose members are all free to take a
        scale (outputs of conv, dense, add, mul, avgpool, activate or a table without a fixed or
        model-given output quantization, or of a joined MaxPool or copy); others keep per-tensor
        scales (the weighted copy of lower_copy)."""
        parent = {}

        def find(i):
            while parent.setdefault(i, i) != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        readers, fixed = reader_counts(graph.ops), set()
        for op in graph.ops:
            if op.kind == "maxpool" and readers[op.inputs[0].base.id] > 1:
                fixed.add(op.out.id)  # its input's scale serves other readers: not the class's to set
                find(op.out.id)
            elif op.kind == "copy" or op.kind == "maxpool":
                for x in op.inputs:
                    parent[find(x.base.id)] = find(op.out.id)
        members, cats = {}, set()
        vals = {x.base.id: x.base for op in graph.ops for x in op.inputs + [op.out]}
        for i, v in vals.items():
            if i in parent:
                members.setdefault(find(i), []).append(v)
        for op in graph.ops:
            if op.kind == "copy" and getattr(op, "what", "") == "concat" and len(op.inputs) > 1:
                cats.add(find(op.out.id))
        free = ("conv", "dense", "add", "mul", "avgpool", "activate", "lut")
        for root in cats:
            vs = members[root]
            if all(v.forced is None and v.producer is not None and v.producer.act not in FIXED and v.id not in fixed and
                   (v.producer.kind in free or (v.producer.kind in ("copy", "maxpool") and v.producer.out is v))
                   for v in vs):
                scale = max(self.calib_scale(v) for v in vs)
                for v in vs:
                    self.class_scale[v.id] = scale

    def calib_scale(self, v):
        """Symmetric int8 scale of Val v from its calibrated range (A / 127; 1 / 127 for A = 0), or
        the scale of its placement class (share_placement_scales)."""
        if getattr(v, "id", None) in getattr(self, "class_scale", {}):
            return self.class_scale[v.id]
        a = self.amax.get(calib_key(v), 0.0)
        # 10 significant digits: immune to last-bit differences of the BLAS summation order
        a = float(f"{a:.10g}")
        return a / 127.0 if a > 0 else 1.0 / 127.0

    def unique(self, name):
        """A layer name not used yet: `name`, else name_2, name_3, ... (recorded as used)."""
        return unique_name(name, self.names, self.input_name)

    def requant(self, M, zp, where, qtype="int8"):
        """The manifest requant mapping of real multiplier M and output zero point zp (of a qtype
        output: int8 -128..127, uint8 0..255)."""
        m, s = encode_multiplier(M, where)
        lo, hi = (0, 255) if qtype == "uint8" else (-128, 127)
        if not lo <= zp <= hi:
            raise ConvertError(f"{where}: output zero point {zp} outside {lo}..{hi}")
        return {"multiplier": m, "shift": s, "zero_point": int(zp)}

    def out_params(self, op):
        """(scale, zp) the layer's requant produces: the fixed output params of sigmoid/tanh, else
        the params a QuantizeLinear / QLinear* op forces on the output, else the calibrated scale
        with zero point 0."""
        v = op.out
        if op.act in FIXED:
            return FIXED[op.act]
        if v.forced is not None:
            return self.forced_as(v, self.out_type(op))
        return self.calib_scale(v), 0

    @staticmethod
    def forced_as(v, qtype):
        """The forced (scale, zp) of Val v as a tensor of qtype: a uint8 tensor re-centered to int8
        has zp - 128."""
        s, zp = v.forced
        return (s, zp - 128) if v.qdtype == "uint8" and qtype == "int8" else (s, zp)

    def out_type(self, op):
        """"uint8" when op's output is a uint8 QDQ tensor and op can write uint8 (a requantizing
        layer with identity or relu: network.h's element types), else "int8"."""
        v = op.out
        if v.forced is None or v.qdtype != "uint8" or op.act in FIXED or op.act == "lut":
            return "int8"
        return "uint8" if op.kind in ("conv", "dense", "add", "mul", "avgpool", "activate") else "int8"

    def emit(self, layer, base_id, qp, scales_comment, qtype="int8"):
        """Appends manifest layer `layer` producing the tensor base_id with params qp, of element
        type qtype ("int8", "uint8", "int16"; output_type written for the others, except a maxpool's,
        which keeps its input's)."""
        layer["comment"] = scales_comment
        if layer.get("activation") == "lut":
            layer["activation"] = "lookup"   # table written by act_requant
        if qtype != "int8" and layer["op"] != "maxpool":
            layer["output_type"] = qtype
        self.layers.append(layer)
        self.tname[base_id] = layer["name"]
        self.qp[base_id] = qp
        self.qtype[base_id] = qtype

    def to_int8(self, op, x):
        """An activate layer moving uint8 tensor x to int8 (q - 128, zp - 128: exact) for a layer
        that reads int8 only (a lookup table, a host operation); returns its name, (s, zp - 128)."""
        s_in, zp = self.qp[x.base.id]
        name = self.unique(op.name + "_int8")
        self.layers.append({"name": name, "op": "activate", "input": self.tname[x.base.id], "operand_offset": -128,
                            "activation": "identity", "requant": self.requant(1.0, 0, name),
                            "comment": f"uint8 '{self.tname[x.base.id]}' as int8 (zp {zp} -> {zp - 128})"})
        return name, (s_in, zp - 128)

    def recenter_conv(self, op, x):
        """A 1x1 conv with identity weights and bias -zp moving tensor x (zp != 0) to int16 with zero
        point 0 (exact: q - zp fits 16 bits) for a padded conv, which then reads 16-bit activations
        (the 8 x 16 mode, network.h): zero padding is then the real 0. Returns its name, (s, 0)."""
        s_in, zp = self.qp[x.base.id]
        C = x.base.shape[2]
        name = self.unique(op.name + "_recenter")
        wfile, bfile = f"{name}.w.i8", f"{name}.b.i32"
        self.files[wfile] = np.eye(C, dtype=np.int8).tobytes()
        self.files[bfile] = np.full(C, -zp, dtype="<i4").tobytes()
        self.layers.append({"name": name, "op": "conv", "input": self.tname[x.base.id], "outputs": int(C),
                            "kernel": [1, 1], "weights": wfile, "bias": bfile, "activation": "identity",
                            "requant": self.requant(1.0, 0, name), "output_type": "int16",
                            "comment": f"re-centers '{self.tname[x.base.id]}' (zp {zp}) to int16 for zero "
                                       f"padding, exactly (scale {s_in:.6g})"})
        return name, (s_in, 0)

    def recenter(self, op, x):
        """An activate layer moving tensor x (zp != 0) to zero point 0; returns its name, (s, 0)."""
        s_in, zp = self.qp[x.base.id]
        s_out = self.calib_scale(x.base)
        if s_out <= s_in:   # q - zp fits int8 at the same scale over the calibration set: exact copy
            s_out = s_in
        name = self.unique(op.name + "_recenter")
        layer = {"name": name, "op": "activate", "input": self.tname[x.base.id], "operand_scale": 1,
                 "operand_offset": -zp, "activation": "identity",
                 "requant": self.requant(s_in / s_out, 0, name),
                 "comment": f"re-centers '{self.tname[x.base.id]}' (zp {zp}) for zero padding: scale {s_in:.6g} -> "
                            f"{s_out:.6g}"}
        self.layers.append(layer)
        return name, (s_out, 0)

    def fix_output(self, op, produced):
        """When the layer cannot produce the forced params of its output, adds a requant layer."""
        v = op.out
        if v.forced is None:
            return
        qtype = "uint8" if v.qdtype == "uint8" else "int8"   # an activate can write uint8
        if np.isclose(produced[0], v.forced[0], rtol=1e-9) and produced == self.forced_as(v, self.qtype[v.id]):
            return
        s_in, zp_in = produced
        s_out, zp_out = v.forced
        name = self.unique(op.name + "_requant")
        layer = {"name": name, "op": "activate", "input": self.tname[v.id], "operand_scale": 1,
                 "operand_offset": -zp_in, "activation": "identity",
                 "requant": self.requant(s_in / s_out, zp_out, name, qtype)}
        self.emit(layer, v.id, v.forced, f"requantizes to the model's scale {s_out:.6g}, zp {zp_out}", qtype)

    def weights_q(self, op, s_in=None):
        """(int8 weights, scale): the model's own int8 weights when op.qscale gives them exactly,
        else symmetric per-tensor max |W| / 127, but at least max |bias| / (2^30 s_in) (given s_in):
        a bias that would not fit int32 at the accumulator scale s_in * s_w (tiny activations, e.g.
        deep random-weight models) coarsens the weights instead (warning)."""
        w = op.w
        if op.qscale is not None and np.allclose(w / op.qscale, np.rint(w / op.qscale), atol=1e-6) \
                and np.abs(np.rint(w / op.qscale)).max() <= 128:
            sw = op.qscale
            wq = np.clip(np.rint(w / sw), -128, 127)
        else:
            a = max(float(w.max()), -float(w.min()))
            sw = a / 127 if a > 0 else 1.0
            b = float(np.abs(op.b).max()) if s_in else 0.0
            if b > 0 and sw < b / (2.0 ** 30 * s_in):
                sw = b / (2.0 ** 30 * s_in)
                warn(f"layer '{op.name}': weight scale raised to {sw:.3g} so that the bias fits int32 "
                     f"(input scale {s_in:.3g})")
            wq = round_away(w / sw)
            np.clip(wq, -127, 127, out=wq)
        return wq.astype(np.int8), sw

    def bias_q(self, op, b, scale):
        """Bias b / scale rounded half away from zero, saturated to int32 (warning) -> int64 array."""
        bq = round_away(b / scale)
        if bq.min() < INT32_MIN or bq.max() > INT32_MAX:
            warn(f"layer '{op.name}': bias saturated to int32")
        return np.clip(bq, INT32_MIN, INT32_MAX).astype(np.int64)

    def table(self, layer, f, s_in, zp_in, s_out, zp_out):
        """Writes the 256-entry table of float function f for int8 inputs of (s_in, zp_in) and
        outputs of (s_out, zp_out) as LAYER.table.i8 and names it in `layer` (activation lookup):
        entry i (input q = i - 128) = clip(round_away(f(s_in * (q - zp_in)) / s_out) + zp_out, -128, 127),
        with f's NaN as 0 and infinities clipped."""
        q = np.arange(-128, 128, dtype=np.float64)
        with np.errstate(all="ignore"):
            y = np.nan_to_num(np.asarray(f(s_in * (q - zp_in)), np.float64), nan=0.0, posinf=1e300, neginf=-1e300)
        t = np.clip(round_away(y / s_out) + zp_out, -128, 127).astype(np.int8)
        name = f"{layer['name']}.table.i8"
        self.files[name] = t.tobytes()
        layer["activation"], layer["table"] = "lookup", name

    def act_requant(self, op, acc_scale, where, layer=None):
        """requant dict and produced (scale, zp) for an accumulator of real scale acc_scale; a lookup
        activation (op.act "lut") requantizes to its input's calibrated scale and writes its table
        into `layer`."""
        factor, zp, qtype, prod = self.act_target(op, layer)
        return self.requant(acc_scale * factor, zp, where, qtype), prod

    def act_target(self, op, layer=None):
        """(factor, zp, qtype, produced (scale, zp)) of op's requantization: the real multiplier is
        the accumulator's scale times factor (16 for sigmoid/tanh's Q3.4, 1 / the table input's
        calibrated scale for a lookup, whose table it writes into `layer`, else 1 / the output
        scale), zp and qtype the requant's zero point and output type."""
        if op.act in FIXED:
            return 16.0, 0, "int8", FIXED[op.act]
        if op.act == "lut":
            s_pre = self.calib_scale(PreActivation(op))
            s_out, zp = self.out_params(op)
            self.table(layer, op.lut_f, s_pre, 0, s_out, zp)
            return 1.0 / s_pre, 0, "int8", (s_out, zp)
        s_out, zp = self.out_params(op)
        return 1.0 / s_out, zp, self.out_type(op), (s_out, zp)

    def wide_add(self, op, layer, s_a, s_b):
        """The wide add (network.h) of op into `layer`: real operand multipliers Ma = s_a F and
        Mb = +-s_b F (F: act_target's factor; negative for Sub) as integers ma, mb at one shift s,
        the larger |m| in [2^30, 2^31) (both rounded half away from zero; s - 1 when it rounds to
        2^31); requant {multiplier 1, shift s, zero point, rounding half_even}. Returns the requant
        and the produced (scale, zp). ConvertError when s < 0 (a multiplier >= 2^31); s > 62 is
        clamped to 62 with a warning."""
        factor, zp, qtype, prod = self.act_target(op, layer)
        reals = (s_a * factor, s_b * factor * (-1 if op.negate_b else 1))
        big = max(abs(r) for r in reals)
        shift = 30 - (math.frexp(big)[1] - 1)
        ms = [int(round_away(math.ldexp(r, shift))) for r in reals]
        if max(abs(m) for m in ms) == 1 << 31:
            shift -= 1
            ms = [int(round_away(math.ldexp(r, shift))) for r in reals]
        if shift < 0:
            raise ConvertError(f"{op.name}: add operand multiplier {big:.6g} >= 2^31 cannot be encoded")
        if shift > 62:
            warn(f"layer '{op.name}': add operand multipliers {big:.3g} < 2^-32; using shift 62")
            shift = 62
            ms = [int(round_away(math.ldexp(r, shift))) for r in reals]
        if 0 in ms:
            warn(f"layer '{op.name}': operand scales {s_a:.3g} and {s_b:.3g} differ by more than 2^31; "
                 "the smaller operand vanishes")
        layer["operand_multipliers"] = ms
        rq = self.requant(1.0, zp, op.name, qtype)      # checks zp against qtype
        rq.update(multiplier=1, shift=shift, rounding="half_even")
        return rq, prod

    def host_op_layer(self, op, layer, src, s_in, zp_in):
        """A host_op layer (host_op.h): Softmax's output is (1/256, -128), LayerNorm's calibrated
        (zero point 0); both are shift invariant, so the input zero point needs no offset.
        Returns (layer, output params, comment)."""
        layer["input"] = src
        layer["host_op"] = op.host_kind
        params = {"input_scale": float(s_in)}
        if op.host_kind == "Softmax":
            prod = FIXED["sigmoid"]     # the same 1/256, -128
            if getattr(op, "groups", 1) != 1:
                params["groups"] = int(op.groups)
            if getattr(op, "causal", False):
                params["causal"] = True
        else:
            s_out, zp_out = self.forced_as(op.out, "int8") if op.out.forced else (self.calib_scale(op.out), 0)
            prod = (s_out, zp_out)
            params.update(epsilon=op.epsilon, output_scale=float(s_out), output_zero_point=int(zp_out),
                          gamma=[float(g) for g in op.gamma], beta=[float(b) for b in op.beta])
        layer["params"] = params
        comment = (f"{op.onnx}; host operation; scales: input {s_in:.6g} (zp {zp_in}), "
                   f"output {prod[0]:.6g} (zp {prod[1]})")
        return layer, prod, comment

    def lower(self, op):
        """Emits the manifest layer(s) of one IR op (see the module docstring's quantization rules)."""
        x = op.inputs[0]
        src = self.tname[x.base.id]
        s_in, zp_in = self.qp[x.base.id]
        k = op.kind
        layer = {"name": op.name, "op": k}
        qtype = self.out_type(op)
        if self.qtype[x.base.id] == "uint8" and k in ("host_op", "lut"):  # (they read int8 only)
            src, (s_in, zp_in) = self.to_int8(op, x)
        if k == "dense" and len(op.inputs) > 1:
            layer, prod, comment = self.lower_dense_parts(op, layer)
        elif k in ("conv", "dense"):
            if zp_in != 0 and k == "conv" and any(op.pads):
                if self.qtype[x.base.id] == "uint8":
                    src, (s_in, zp_in) = self.recenter_conv(op, x)
                else:
                    src, (s_in, zp_in) = self.recenter(op, x)
            wq, sw = self.weights_q(op, s_in)
            bq = self.bias_q(op, op.b, s_in * sw)
            if zp_in != 0:      # x = q - zp: sum(q * w) - zp * sum(w) (no padding: exact)
                wsum = wq.astype(np.int64).reshape(-1, wq.shape[-1]).sum(axis=0)
                bq = bq - zp_in * wsum
                if bq.min() < INT32_MIN or bq.max() > INT32_MAX:
                    raise ConvertError(f"layer '{op.name}': bias with the input zero point folded overflows int32")
            rq, prod = self.act_requant(op, s_in * sw, op.name, layer)
            layer["input"] = src
            layer["outputs"] = int(wq.shape[-1])
            if k == "conv":
                kh, kw = wq.shape[:2]
                layer["kernel"] = [int(kh), int(kw)]
                layer["stride"] = list(op.stride)
                if any(op.pads):
                    layer["pad"] = list(op.pads)
                if getattr(op, "groups", 1) > 1:
                    layer["groups"] = int(op.groups)
            layer["weights"], layer["bias"] = self.weight_files(op, np.ascontiguousarray(wq).tobytes(),
                                                                bq.astype("<i4").tobytes())
            layer["activation"] = op.act
            layer["requant"] = rq
            comment = (f"{op.onnx}; scales: input {s_in:.6g} (zp {zp_in}), weight {sw:.6g}, "
                       f"output {prod[0]:.6g} (zp {prod[1]})")
        elif k == "maxpool":
            layer["input"] = src
            layer["kernel"], layer["stride"] = list(op.kernel), list(op.stride)
            if any(op.pads):
                layer["pad"] = list(op.pads)
            prod = (s_in, zp_in)
            qtype = self.qtype[x.base.id]
            comment = f"{op.onnx}; scale {s_in:.6g} (zp {zp_in}) kept"
        elif k == "avgpool":
            if zp_in != 0 and any(op.pads):
                src, (s_in, zp_in) = self.recenter(op, x)
            layer["input"] = src
            kh, kw = op.kernel
            if op.glob:
                layer["global"] = True
            else:
                layer["kernel"], layer["stride"] = [kh, kw], list(op.stride)
                if any(op.pads):
                    layer["pad"] = list(op.pads)
            if zp_in != 0:
                prod = (s_in, zp_in)     # mean(q) keeps the zero point: requant zero_point 0
                qtype = self.qtype[x.base.id]
                layer["requant"] = self.requant(1.0 / (kh * kw), 0, op.name)
            else:
                s_out, zp_out = self.forced_as(op.out, qtype) if op.out.forced else (self.calib_scale(op.out), 0)
                prod = (s_out, zp_out)
                layer["requant"] = self.requant(s_in / (kh * kw * s_out), zp_out, op.name, qtype)
            layer["requant"]["rounding"] = "half_even"
            comment = f"{op.onnx}; scales: input {s_in:.6g} (zp {zp_in}), output {prod[0]:.6g} (zp {prod[1]})"
        elif k in ("add", "mul"):
            y = op.inputs[1]
            s_b, zp_b = self.qp[y.base.id]
            layer["inputs"] = [src, self.tname[y.base.id]]
            if zp_in or zp_b:
                layer["operand_offsets"] = [-zp_in, -zp_b]
            layer["activation"] = op.act
            if k == "add":
                rq, prod = self.wide_add(op, layer, s_in, s_b)
            else:
                rq, prod = self.act_requant(op, s_in * s_b, op.name, layer)
            layer["requant"] = rq
            comment = (f"{op.onnx}; scales: a {s_in:.6g} (zp {zp_in}), b {s_b:.6g} (zp {zp_b}), "
                       f"output {prod[0]:.6g} (zp {prod[1]})")
        elif k == "activate":
            layer["input"] = src
            sign = -1 if op.fn_scale < 0 else 1
            if sign != 1:
                layer["operand_scale"] = sign
            if zp_in:
                layer["operand_offset"] = -zp_in
            layer["activation"] = op.act
            rq, prod = self.act_requant(op, s_in * abs(op.fn_scale), op.name, layer)
            layer["requant"] = rq
            comment = (f"{op.onnx}; scales: input {s_in:.6g} (zp {zp_in}), factor {op.fn_scale:.6g}, "
                       f"output {prod[0]:.6g} (zp {prod[1]})")
        elif k == "host_op":
            layer, prod, comment = self.host_op_layer(op, layer, src, s_in, zp_in)
            qtype = "int8"
        elif k == "lut":
            layer.update({"op": "activate", "input": src, "activation": "lookup"})
            s_out, zp = self.out_params(op)
            layer["requant"] = self.requant(1.0, 0, op.name)          # the table's index is the input
            self.table(layer, op.f, s_in, zp_in, s_out, zp)
            prod = (s_out, zp)
            qtype = "int8"
            comment = f"element-wise function by table; scales: input {s_in:.6g} (zp {zp_in}), output {s_out:.6g}"
        elif k == "copy":
            prod, comment = self.lower_copy(op, layer)
            types = set(self.qtype[v.base.id] for v in op.inputs)
            qtype = types.pop() if len(types) == 1 and prod == self.qp[x.base.id] else "int8"
        elif k == "matmul":
            prod, comment = self.lower_matmul(op, layer, src, s_in, zp_in)
        elif k == "seqcat":
            prod, comment = self.lower_pixel_concat(op, layer)
            qtype = "int8"
        elif k == "seqslice":
            layer.update({"op": "pixel_slice", "input": src, "pixels": [int(op.first), 1]})
            prod, qtype = (s_in, zp_in), self.qtype[x.base.id]
            comment = f"{op.onnx}: position {op.first} of the sequence; scale {s_in:.6g} (zp {zp_in}) kept"
        else:
            raise AssertionError(k)
        self.emit(layer, op.out.id, prod, comment, qtype)
        self.fix_output(op, prod)

    def weight_files(self, op, wbytes, bbytes):
        """The file names of a layer's weights and bias: LAYER.w.i8 and LAYER.b.i32 (recorded in
        self.files), or the files of an earlier layer of the same share group (the time steps of one
        recurrent layer or of a node applied per step) when the bytes are the same."""
        share = getattr(op, "share", None)
        names = []
        for ext, data in ((".w.i8", wbytes), (".b.i32", bbytes)):
            fname = self.shared.get((share, ext, data)) if share is not None else None
            if fname is None:
                fname = f"{op.name}{ext}"
                self.files[fname] = data
                if share is not None:
                    self.shared[(share, ext, data)] = fname
            names.append(fname)
        return names

    def lower_dense_parts(self, op, layer):
        """A dense op on several inputs (an LSTM/GRU gate on [x_t, h_t-1]), features concatenated,
        input k with its own (s_k, zp_k) and weight rows W_k: one accumulator scale
        S = max_k s_k max |W_k| / 127 and W_k,q = round_away(W_k s_k / S) (|W_k,q| <= 127), so that
        every product has the real scale S; bias b / S minus zp_k sum(W_k,q). Returns (layer,
        output params, comment)."""
        qps = [self.qp[x.base.id] for x in op.inputs]
        if any(x.perm is not None for x in op.inputs):
            raise ConvertError(f"layer '{op.name}': several inputs of which one is a flattened image")
        bounds = np.cumsum([0] + [int(np.prod(x.shape)) for x in op.inputs])
        parts = [op.w[bounds[k]:bounds[k + 1]] for k in range(len(op.inputs))]
        S = max(q[0] * float(np.abs(w).max()) for q, w in zip(qps, parts)) / 127
        S = S if S > 0 else max(q[0] for q in qps) / 127
        wq = np.concatenate([np.clip(round_away(w * q[0] / S), -127, 127) for q, w in zip(qps, parts)]).astype(np.int8)
        bq = self.bias_q(op, op.b, S)
        for k, (s_k, zp_k) in enumerate(qps):
            bq = bq - zp_k * wq[bounds[k]:bounds[k + 1]].astype(np.int64).sum(axis=0)
        if bq.min() < INT32_MIN or bq.max() > INT32_MAX:
            raise ConvertError(f"layer '{op.name}': bias with the inputs' zero points folded overflows int32")
        rq, prod = self.act_requant(op, S, op.name, layer)
        layer["inputs"] = [self.tname[x.base.id] for x in op.inputs]
        layer["outputs"] = int(wq.shape[1])
        layer["weights"], layer["bias"] = self.weight_files(op, wq.tobytes(), bq.astype("<i4").tobytes())
        layer["activation"] = op.act
        layer["requant"] = rq
        ins = ", ".join(f"{s:.6g} (zp {z})" for s, z in qps)
        comment = f"{op.onnx}; scales: inputs {ins}, accumulator {S:.6g}, output {prod[0]:.6g} (zp {prod[1]})"
        return layer, prod, comment
    def rescale(self, op, x, s_out):
        """An activate layer moving tensor x to scale s_out, zero point 0; returns its name."""
        s_in, zp = self.qp[x.base.id]
        name = self.unique(op.name + "_rescale")
        self.layers.append({"name": name, "op": "activate", "input": self.tname[x.base.id], "operand_scale": 1,
                            "operand_offset": -zp, "activation": "identity",
                            "requant": self.requant(s_in / s_out, 0, name),
                            "comment": f"rescales '{self.tname[x.base.id]}' from {s_in:.6g} (zp {zp}) to {s_out:.6g} "
                                       "(one scale for a matmul's b)"})
        return name

    def lower_matmul(self, op, layer, src, s_in, zp_in):
        """A matmul of two activations (network.h): both with zero point 0 (a non-zero one is
        re-centered first: the MXU cannot add an offset to weights it gets at run time), the b inputs
        at one scale (the largest; the others rescaled); acc scale s_a s_b times the folded scalar."""
        if zp_in != 0:
            src, (s_in, zp_in) = self.recenter(op, op.inputs[0])
        bs = op.inputs[1:]
        s_b = max(self.qp[x.base.id][0] for x in bs)
        names = []
        for x in bs:
            sx, zx = self.qp[x.base.id]
            names.append(self.tname[x.base.id] if (sx == s_b and zx == 0) else self.rescale(op, x, s_b))
        layer["inputs"] = [src] + names
        layer["heads"] = int(op.heads)
        if op.transpose_b:
            layer["transpose_b"] = True
        layer["activation"] = op.act
        rq, prod = self.act_requant(op, s_in * s_b * op.out_scale, op.name, layer)
        layer["requant"] = rq
        comment = (f"{op.onnx}; activation x activation, {op.heads} heads; scales: a {s_in:.6g}, b {s_b:.6g}, "
                   f"factor {op.out_scale:.6g}, output {prod[0]:.6g} (zp {prod[1]})")
        return prod, comment

    def lower_pixel_concat(self, op, layer):
        """A Concat along the sequence (network.h pixel_concat: bytes copied): the inputs at the
        concat's scale (share_pixel_concat_scales), any other rescaled first by an `activate`."""
        s_out = self.calib_scale(op.out)
        names = []
        for x in op.inputs:
            sx, zx = self.qp[x.base.id]
            same = abs(sx - s_out) <= 1e-12 * s_out and zx == 0 and self.qtype[x.base.id] == "int8"
            names.append(self.tname[x.base.id] if same else self.rescale(op, x, s_out))
        layer.update({"op": "pixel_concat", "inputs": names})
        return (s_out, 0), f"{op.onnx} along the sequence: pixels copied at scale {s_out:.6g}"

    def lower_copy(self, op, layer):
        """Concat / Split / Slice / channel shuffle: output channel j = input channel op.sel[j] of the
        inputs concatenated, as a 1x1 conv with one weight per output. Inputs of one (scale, zp):
        weight 1, requant 1, no bias: an exact copy keeping (scale, zp). Else weight round(127 s_k /
        s_max) per input k, -zp_k * weight in the bias, requant to the calibrated output scale."""
        qps = [self.qp[x.base.id] for x in op.inputs]
        chans = np.concatenate([np.full(x.shape[2], k) for k, x in enumerate(op.inputs)])
        C, M = len(chans), len(op.sel)
        same = all(q == qps[0] for q in qps) and len(set(self.qtype[x.base.id] for x in op.inputs)) == 1
        s_max = max(q[0] for q in qps)
        wk = [1 if same else max(1, int(round_away(127 * q[0] / s_max))) for q in qps]
        w = np.zeros((1, 1, C, M), np.int8)
        bias = np.zeros(M, np.int64)
        for j, c in enumerate(op.sel):
            k = chans[c]
            w[0, 0, c, j] = wk[k]
            bias[j] = 0 if same else -qps[k][1] * wk[k]
        if same:
            rq, prod = self.requant(1.0, 0, op.name), qps[0]
        else:
            s_out = self.calib_scale(op.out)
            rq, prod = self.requant(s_max / 127 / s_out, 0, op.name), (s_out, 0)
        wfile, bfile = f"{op.name}.w.i8", f"{op.name}.b.i32"
        self.files[wfile] = w.tobytes()
        self.files[bfile] = bias.astype("<i4").tobytes()
        layer.update({"op": "conv", "outputs": M, "kernel": [1, 1], "weights": wfile, "bias": bfile,
                      "activation": "identity", "requant": rq})
        layer.pop("input", None)
        layer["inputs"] = [self.tname[x.base.id] for x in op.inputs]
        comment = (f"{op.onnx} ({op.what}) as a 1x1 conv of 0/1 weights: " +
                   ("exact copy" if same else f"input weights {wk}, output scale {prod[0]:.6g}"))
        return prod, comment


# ----------------------------------------------------------------------------------------------
# Manifest writing

def yaml_float(v):
    """A finite float as YAML 1.1 reads back exactly: shortest round-trip digits with a '.' in the
    mantissa and a signed exponent (PyYAML's float pattern needs both)."""
    r = repr(float(v))
    m, _, e = r.partition("e")
    if "." not in m:
        m += ".0"
    if e and e[0] not in "+-":
        e = "+" + e
    return m + ("e" + e if e else "")


def yaml_scalar(v):
    """A YAML flow value: bool, int, list and dict as such; anything else a double-quoted string."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return yaml_float(v)
    if isinstance(v, list):
        return "[" + ", ".join(yaml_scalar(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {yaml_scalar(x)}" for k, x in v.items()) + "}"
    s = str(v)
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


LAYER_KEYS = ["name", "op", "input", "inputs", "outputs", "kernel", "stride", "pad", "groups", "global", "weights",
              "bias", "operand_scales", "operand_multipliers", "operand_offsets", "operand_scale", "operand_offset",
              "activation", "table", "requant", "output_type", "host_op", "params", "heads", "transpose_b", "pixels"]


def write_manifest(path, header, top, inputs, layers, golden, output):
    """Writes the manifest workload.yaml at `path`: comment `header` lines, the top keys (name,
    description, samples), inputs, golden file, output layer and layers (keys in LAYER_KEYS order)."""
    lines = [f"# {h}" if h else "#" for h in header]
    lines.append("format: network")
    lines.append(f"name: {yaml_scalar(top['name'])}")
    lines.append(f"description: {yaml_scalar(top['description'])}")
    lines.append(f"samples: {top['samples']}")
    lines.append("inputs:")
    for i in inputs:
        lines.append(f"  - name: {yaml_scalar(i['name'])}")
        lines.append(f"    shape: {yaml_scalar(i['shape'])}")
        lines.append(f"    file: {i['file']}")
        if "type" in i:
            lines.append(f"    type: {i['type']}")
    if golden:
        lines.append(f"golden: {golden}")
    lines.append(f"output: {yaml_scalar(output)}")
    lines.append("layers:")
    for layer in layers:
        lines.append(f"  # {layer['comment']}")
        first = True
        for k in LAYER_KEYS:
            if k not in layer:
                continue
            v = layer[k]
            txt = v if k in ("op", "activation", "output_type") else yaml_scalar(v)
            lines.append(("  - " if first else "    ") + f"{k}: {txt}")
            first = False
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


# ----------------------------------------------------------------------------------------------
# Driver

def load_tpu_ref():
    """Imports scripts/tpu_ref.py (the integer reference: golden.i8, the requant encoding) from this
    script's directory; ConvertError when it cannot be imported."""
    sys.path.insert(0, SCRIPTS)
    try:
        import tpu_ref
    except ImportError as e:
        raise ConvertError(f"cannot import scripts/tpu_ref.py (the integer reference for golden.i8): {e}")
    finally:
        sys.path.pop(0)
    return tpu_ref


def agreement(f_onnx, q_out, qp, out_val):
    """Compares the dequantized int8 output with the float output (both ONNX layout)."""
    s, zp = qp
    n = f_onnx.shape[0]
    deq = nhwc_to_onnx((q_out.astype(np.float64) - zp) * s, out_val).reshape(n, -1)
    f = f_onnx.reshape(n, -1)
    err = np.abs(deq - f)
    res = {"samples": n, "outputs_per_sample": f.shape[1],
           "relative_error": float(np.linalg.norm(deq - f) / max(np.linalg.norm(f), 1e-300)),
           "mean_abs_error_steps": float(err.mean() / s), "max_abs_error_steps": float(err.max() / s),
           "output_scale": s}
    if n > 1:   # the input-dependent part: both outputs minus their mean over the samples
        dc, fc = deq - deq.mean(axis=0), f - f.mean(axis=0)
        res["centered_relative_error"] = float(np.linalg.norm(dc - fc) / max(np.linalg.norm(fc), 1e-300))
    if out_val.rank == 2 and f.shape[1] > 1:     # class scores
        qi = nhwc_to_onnx(q_out.astype(np.int64), out_val).reshape(n, -1)
        res["top1_agreement"] = float(np.mean(np.argmax(qi, axis=1) == np.argmax(f, axis=1)))
        top5 = np.argsort(-f, axis=1, kind="stable")[:, :5]
        res["top1_in_float_top5"] = float(np.mean([np.argmax(qi[i]) in top5[i] for i in range(n)]))
        res["float_top1_classes"] = int(len(np.unique(np.argmax(f, axis=1))))
    return res


def format_agreement(r):
    """One line summarizing an agreement dict (top-1, relative L2 error, mean |error| in steps)."""
    parts = []
    if "top1_agreement" in r:
        parts.append(f"top-1 agreement {100 * r['top1_agreement']:.1f}% "
                     f"(int8 top-1 within float top-5: {100 * r['top1_in_float_top5']:.1f}%; "
                     f"{r['float_top1_classes']} distinct float top-1 classes)")
    parts.append(f"relative L2 error {r['relative_error']:.4f}")
    if "centered_relative_error" in r:
        parts.append(f"{r['centered_relative_error']:.4f} on the input-dependent part (minus the mean over samples)")
    parts.append(f"mean |error| {r['mean_abs_error_steps']:.2f} output steps (max {r['max_abs_error_steps']:.1f}; "
                 f"step {r['output_scale']:.4g})")
    return f"int8 vs float on {r['samples']} samples: " + "; ".join(parts)


def read_array(path, what, shape_tail):
    """A float .npy array of shape [N] + shape_tail as float64 (`what` names it in errors)."""
    a = np.load(path)
    if not np.issubdtype(a.dtype, np.floating):
        raise ConvertError(f"{what} {path}: need a float array, got {a.dtype}")
    if tuple(a.shape[1:]) != tuple(shape_tail):
        raise ConvertError(f"{what} {path}: shape {a.shape}, need [N, {', '.join(map(str, shape_tail))}]")
    return a.astype(np.float64)


def feed_inputs(graph, low, x):
    """The int8 files of a sequence network's inputs ({file name: bytes}, NAME.i8 per Feed:
    round_away(x / s) clipped) and {feed name: int8 array} from the batch-first float input x."""
    files, arrays = {}, {}
    for f in graph.feeds:
        s, zp = low.qp[f.val.id]
        q = np.clip(round_away(f.take(x, len(x)) / s) + zp, -128, 127).astype(np.int8)
        files[f"{f.name}.i8"] = q.tobytes()
        arrays[f.name] = q
    return files, arrays


def feed_note(graph, low):
    """The manifest header's words on the constant initial states fed as inputs (or '')."""
    states = [f for f in graph.feeds if f.constant is not None]
    if not states:
        return "initial states zero (left out)"
    return "constant initial states fed as inputs: " + ", ".join(
        f"{f.name} (" + ("zero: GRU's r * Rb_n" if not f.constant.any() else f"scale {low.qp[f.val.id][0]:.6g}") + ")"
        for f in states)


def convert(model_path, outdir, batch=1, calibration=32, calibration_file=None, input_file=None, name=None,
            seed=0, percentile=100.0, approximate_avgpool=False, verbose=True, input_data=None,
            calibration_data=None, extra_inputs=None, layernorm_on_chip=False):
    """Converts; returns a dict with the graph, quantization and agreement (for tests). layernorm_on_chip:
    LayerNormalization as chip layers (Graph.layernorm_chip) instead of host_op layers. From Python,
    input_data / calibration_data (float arrays [N] + the first input's ONNX shape without N) replace
    input_file / calibration_file, and extra_inputs ({name: float array of the input's ONNX shape,
    one sample}) gives every graph input after the first (a KV cache): the same values in each
    calibration sample and in the workload's input file (an error when one is missing)."""
    import onnx
    t0 = time.time()
    log = print if verbose else (lambda *a, **k: None)
    try:
        model = onnx.load(model_path)
    except Exception as e:
        raise ConvertError(f"cannot read ONNX model {model_path}: {e}")
    graph = Graph(model, approximate_avgpool, layernorm_on_chip)
    inp = graph.input
    h, w, c = inp.shape
    tail = (c, h, w) if inp.rank == 4 else (h, c) if inp.rank == 3 else (h * w * c,)
    if graph.feeds:
        tail = graph.seq_tail       # recurrent sequences: [N, T, I] batch-first, whatever the model's layout
    if batch < 1:
        raise ConvertError("--batch must be >= 1")
    extra_inputs = extra_inputs or {}
    graph.extra_values = {}
    for iname, v, dims in graph.extra_inputs:
        if iname not in extra_inputs:
            raise ConvertError(f"graph input '{iname}' {list(dims)} needs a value (extra_inputs; a KV cache)")
        graph.extra_values[iname] = np.asarray(extra_inputs[iname], np.float64).reshape(dims[1:])
    if graph.extra_inputs and batch != 1:
        raise ConvertError("a graph with several inputs (a KV cache) converts with --batch 1 only")
    if calibration_data is not None:
        calib = np.asarray(calibration_data, np.float64).reshape((-1,) + tail)
    elif calibration_file:
        calib = read_array(calibration_file, "calibration file", tail)
    else:
        if calibration < 1:
            raise ConvertError("--calibration must be >= 1")
        calib = np.random.default_rng([seed, 1]).standard_normal((calibration,) + tail)
    if input_data is not None:
        x = np.asarray(input_data, np.float64).reshape((-1,) + tail)[:batch]
    elif input_file:
        x = read_array(input_file, "input file", tail)
        if len(x) < batch:
            raise ConvertError(f"input file {input_file} has {len(x)} samples, --batch is {batch}")
        x = x[:batch]
    else:
        x = np.random.default_rng([seed, 2]).standard_normal((batch,) + tail)
    t1 = time.time()
    amax = calibrate(graph, calib, percentile)
    t2 = time.time()
    # float model output on the same samples (the float inputs, not the quantized ones)
    f_out = nhwc_to_onnx(np.concatenate([run_float(graph, x[i:i + CALIB_CHUNK])
                                         for i in range(0, batch, CALIB_CHUNK)]), graph.output)
    t2b = time.time()
    low = Lowering(graph, amax)
    s_in, zp_in = low.qp[inp.id]
    in_type = low.qtype[inp.id]
    if graph.feeds:
        feed_files, xq = feed_inputs(graph, low, x)
    else:
        x_nhwc = x.transpose(0, 2, 3, 1) if inp.rank == 4 else x.reshape(batch, h, 1, c) if inp.rank == 3 else \
            x.reshape(batch, 1, 1, -1)
        lo, hi = (0, 255) if in_type == "uint8" else (-128, 127)
        xq = np.clip(np.rint(x_nhwc / s_in) + zp_in if inp.forced else round_away(x_nhwc / s_in), lo, hi)
        xq = xq.astype(np.uint8 if in_type == "uint8" else np.int8)

    mname = name or os.path.splitext(os.path.basename(model_path))[0]
    os.makedirs(outdir, exist_ok=True)
    for fname, data in low.files.items():
        with open(os.path.join(outdir, fname), "wb") as f:
            f.write(data)
    if graph.feeds:
        for fname, data in feed_files.items():
            with open(os.path.join(outdir, fname), "wb") as f:
                f.write(data)
    else:
        with open(os.path.join(outdir, "input.i8"), "wb") as f:
            f.write(xq.tobytes())
    extra_files = []
    for (iname, v, dims), tname in zip(graph.extra_inputs, low.extra_names):
        s_x = low.qp[v.id][0]
        q = np.clip(round_away(extra_nhwc(graph.extra_values[iname], v, dims) / s_x), -128, 127).astype(np.int8)
        fname = f"{tname}.input.i8"
        with open(os.path.join(outdir, fname), "wb") as f:
            f.write(q.tobytes())
        extra_files.append({"name": tname, "shape": list(v.shape), "file": fname})
    for (_, v, value), tname in zip(graph.const_inputs, low.const_names):
        s_x = low.qp[v.id][0]
        q = np.clip(round_away(value / s_x), -128, 127).astype(np.int8)
        fname = f"{tname}.input.i8"
        with open(os.path.join(outdir, fname), "wb") as f:
            f.write(np.broadcast_to(q, (batch,) + q.shape).tobytes())      # one copy per sample
        extra_files.append({"name": tname, "shape": list(v.shape), "file": fname})
    s_out, zp_out = low.output_qp
    src = "given calibration data" if calibration_data is not None else \
        "--calibration-file " + os.path.basename(calibration_file) if calibration_file else \
        f"{calibration} standard-normal samples (numpy default_rng([{seed}, 1]))"
    inputs_src = "--input-file " + os.path.basename(input_file) if input_file else \
        f"standard-normal samples (numpy default_rng([{seed}, 2]))"
    header = [
        f"Generated by scripts/onnx_to_network.py from {os.path.basename(model_path)}; do not edit by hand.",
        "int8 per-tensor symmetric quantization (see the script's docstring for the exact rules).",
        f"calibration: {src}; activation range = "
        + ("max |x|" if percentile >= 100 else f"{percentile}th percentile of |x|"),
        f"input '{low.input_name}': ONNX {list(inp.onnx_shape(batch))} float -> NHWC int8, scale {s_in:.9g}, "
        f"zero point {zp_in}; samples: {inputs_src}",
        f"output '{low.output_layer}': real = {s_out:.9g} * (q - ({zp_out})), NHWC order "
        f"(ONNX output '{graph.output_name}' {list(graph.output.onnx_shape(batch))})",
    ] + [f"approximation: {n}" for n in graph.notes]
    if graph.feeds:
        header[3] = (f"input '{graph.input_name}': ONNX {list(graph.env[graph.input_name].onnx_shape(batch))} "
                     f"float -> one [1, 1, {graph.seq_tail[1]}] int8 input per time step, scale {s_in:.9g}, zero "
                     f"point 0; samples: {inputs_src} as [N, T, I]; " + feed_note(graph, low))
    top = {"name": mname, "samples": batch,
           "description": f"{mname} imported from ONNX, int8 per-tensor symmetric (scripts/onnx_to_network.py)"}
    inputs = [{"name": low.input_name, "shape": [h, w, c], "file": "input.i8"}] + extra_files
    if graph.feeds:
        inputs = [{"name": f.name, "shape": list(f.val.shape), "file": f"{f.name}.i8"} for f in graph.feeds]
    elif in_type == "uint8":
        inputs[0]["type"] = "uint8"
    ypath = os.path.join(outdir, "workload.yaml")
    write_manifest(ypath, header, top, inputs, low.layers, None, low.output_layer)
    t3 = time.time()

    tpu_ref = load_tpu_ref()
    try:
        net = tpu_ref.load_network(ypath)
        q_out = np.asarray(tpu_ref.run_network(net))   # int8, or uint8 (the output's element type)
    except Exception as e:      # a manifest the reference rejects is this converter's bug
        raise ConvertError(f"scripts/tpu_ref.py rejected the written manifest {ypath}: {e}")
    t4 = time.time()
    p, q, m = graph.output.base.shape
    if q_out.size != batch * p * q * m:
        raise ConvertError(f"tpu_ref returned {q_out.size} values, expected {batch}x{p}x{q}x{m}")
    q_out = q_out.reshape(batch, p, q, m)
    with open(os.path.join(outdir, "golden.i8"), "wb") as f:
        f.write(q_out.view(np.int8).tobytes())
    agree = agreement(f_out, q_out, low.output_qp, graph.output)
    header.append(format_agreement(agree) + " (float: this script's interpreter of the ONNX graph)")
    write_manifest(ypath, header, top, inputs, low.layers, "golden.i8", low.output_layer)
    t5 = time.time()

    n_w = sum(1 for l in low.layers if "weights" in l)
    wbytes = sum(len(d) for f, d in low.files.items() if f.endswith(".w.i8"))
    log(f"{model_path}: {len(model.graph.node)} ONNX nodes -> {len(low.layers)} layers ({n_w} with weights, "
        f"{wbytes} weight bytes), batch {batch}, input {h}x{w}x{c}")
    for n in graph.notes:
        log(f"  approximation: {n}")
    log(f"  {format_agreement(agree)}")
    log(f"  time: parse {t1 - t0:.2f}s, calibration ({len(calib)} samples) {t2 - t1:.2f}s, float run of the "
        f"{batch} samples {t2b - t2:.2f}s, lowering+write {t3 - t2b:.2f}s, tpu_ref {t4 - t3:.2f}s, "
        f"total {t5 - t0:.2f}s")
    log(f"  wrote {outdir}/workload.yaml, input.i8, golden.i8 and {len(low.files)} weight/bias files")
    return {"graph": graph, "lowering": low, "agreement": agree, "float_output": f_out, "int_output": q_out,
            "input_q": xq, "times": {"calibration": t2 - t1, "tpu_ref": t4 - t3, "total": t5 - t0}}


def main(argv=None):
    """Command line (see the module docstring); returns the exit status (0, 1 error, 2 unsupported)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="See the module docstring for the quantization rules.")
    ap.add_argument("model", help="ONNX model file")
    ap.add_argument("outdir", help="output directory (created)")
    ap.add_argument("--batch", type=int, default=1, help="samples in the workload (default 1)")
    ap.add_argument("--calibration", type=int, default=32, help="seeded random calibration samples (default 32)")
    ap.add_argument("--calibration-file", help=".npy float array [N, C, H, W] (or [N, F]) used for calibration")
    ap.add_argument("--input-file", help=".npy float array: the first --batch samples become input.i8")
    ap.add_argument("--name", help="workload name (default: the model file's stem)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the random calibration/input samples (default 0)")
    ap.add_argument("--percentile", type=float, default=100.0,
                    help="activation range percentile of |x| (default 100: the maximum)")
    ap.add_argument("--approximate-avgpool", action="store_true",
                    help="accept AveragePool count_include_pad=0 with padding (divides by kh*kw everywhere)")
    ap.add_argument("--layernorm-on-chip", action="store_true",
                    help="LayerNormalization as chip layers (MXU channel sums, tables, Vector mul), not on the host")
    args = ap.parse_args(argv)
    try:
        convert(args.model, args.outdir, args.batch, args.calibration, args.calibration_file, args.input_file,
                args.name, args.seed, args.percentile, args.approximate_avgpool,
                layernorm_on_chip=args.layernorm_on_chip)
    except ConvertError as e:
        print(f"error: {e}", file=sys.stderr)
        return e.status
    return 0


if __name__ == "__main__":
    sys.exit(main())
