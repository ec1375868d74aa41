#!/usr/bin/python3
"""Generate the network workloads (host/manifest/network.h manifests) under traces/.

Run from anywhere with Debian's Python (numpy, PyYAML):

    /usr/bin/python3 scripts/make_networks.py [--list] [NAME ...]

Without names it writes every network below; with names (e.g. `conv_small resnet50`) only
those. The output is deterministic: the same bytes on every run (fixed seeds, hand-written YAML,
requants derived from exact integer statistics). Each network is a directory traces/<name>/ with
workload.yaml and its raw little-endian data files (np.tofile, no header): int8 tensors *.i8,
int32 biases *.b.i32, golden.i8 = the output layer's int8 output (N x P x Q x M, NHWC) computed by
scripts/tpu_ref.py (run_network on the manifest as written). `tpu_ref.py check
traces/<name>/workload.yaml` recomputes it. Layer shapes are cross-checked against the
reference CSVs in ../shared/reference/ (next to the repository) when they are there.

How every network is built (the same for all):
  - Data: weights, biases and inputs are either seeded ({random_seed: S}, network.h's splitmix64
    rule: int8 uniform in [-127, 127], biases in [-32768, 32767]; the large networks, nothing
    shipped) or shipped files drawn from numpy default_rng(fixed seed) (the small networks:
    weights uniform in [-128, 127], biases in [-20000, 20000], so the C++ file path and the int8
    value -128 are exercised). Seeds are distinct per layer (a counter per network), except
    where weights are shared on purpose (an LSTM's gates across time steps).
  - Requant: each layer's requant is chosen from its own reference pass (the layers are computed
    in order with tpu_ref's op functions). v = the value before requantization (acc + bias for
    conv/dense, the window sum for avgpool, the element-wise value for add/mul/activate);
    p99 = the exact order statistic |v|_(k), k = floor(0.99 * (n - 1)) of the sorted |v|;
    M = T / max(p99, 1) with T = 100 for identity/relu and T = 64 (= 4.0 in Q3.4) before
    sigmoid/tanh. M is encoded by tpu_ref.encode_multiplier (as in make_workloads.py):
    e = floor(log2 M), s = 30 - e, m = round_half_away(M * 2^s) (m in [2^30, 2^31-1];
    m = 2^31 -> m/2, s-1; s in 1..62). For avgpool this
    M carries the 1/(kh*kw) of the average times a rescaling gain (100 kh kw / p99 of the sums).
    Exceptions, where the fixed-point format is the point: the LSTM cell's element-wise layers
    (below) have exact power-of-two requants.
  - add operand scales: s = clamp(round(4096 / rms(x)), 1, 32767) per operand (rms over the
    whole tensor, exact integer sum of squares), so both operands contribute the same rms and
    neither drowns the other (ResNet's shortcut vs branch2c, BERT's residuals).
  - Every layer's output is checked to be spread: at least 4 distinct values and at most 25%
    saturated (-128/127) values (the generator fails otherwise).

Run time (2-core machine, Debian's reference BLAS, float64 GEMMs; each network is computed
twice: the build pass that picks the requants and tpu_ref.run_network on the written manifest):
about 1.7 minutes in all on an idle machine - the small networks < 0.1 s each, resnet50 ~4 s,
bert_base ~10 s, lstm ~9 s (three passes: provisional and final requants), apps/lstm0 ~4 s,
apps/lstm1 ~3 s, apps/cnn0 ~15 s, apps/cnn1 ~60 s (up to twice as long while other jobs share
the cores).

Networks (all shapes NHWC; MACs = useful multiply-accumulates; "weights" = weight bytes):

resnet50/  ResNet-50 v1.5, batch 1, 224x224x3 seeded input; shapes from
    ../shared/reference/resnet50_v1_5_layers.csv (53 conv + fc1000): conv1 7x7/2 pad 3 + ReLU;
    maxpool 3x3/2 pad 1; 16 bottlenecks 1x1 -> 3x3 (stride 2 on the 3x3 in the first block of
    stages 3-5: v1.5) -> 1x1, projection shortcut branch1 (1x1, stride 1 or 2) on each stage's
    first block, ReLU after branch2a and 2b, branch2c identity, then add(shortcut, branch2c)
    + ReLU; global avgpool 7x7; fc1000 identity. All weights and biases seeded, one seed each.
    Golden = 1000 int8 values.

bert_base/ BERT-base encoder weight GEMMs at sequence length 128
    (../shared/reference/bert_base_seq128_gemms.csv): the 128 tokens are the batch (samples 128,
    input [1, 1, 768] seeded). Per layer (12): q, k, v = dense 768->768; the two attention GEMMs
    (Q K^T and softmax(P) V) multiply activations by activations, which TPU v1 cannot do (the
    MXU's weights only come from the weight memory), and softmax is not in the activation unit,
    so attention is stood in for by ctx = add(add(q, k), v); attn_out = dense(ctx) 768->768;
    x1 = add(x, attn_out); ffn1 = dense(x1) 768->3072 with ReLU (GELU is not in the activation
    unit, ReLU stands in); ffn2 = dense(ffn1) 3072->768; x = add(x1, ffn2). LayerNorm is not
    modelled (no such op; the requants keep the scale). Seeded weights and biases.
    Golden = 128 x 768 int8.

lstm/      a two-layer LSTM, hidden 1024, batch 64, 8 time steps (GNMT-like;
    ../shared/reference/lstm_mlp_examples.csv: H = 1024, B = 64). Inputs x_0 .. x_7 [1,1,1024]
    and each layer's h0, c0 [1,1,1024], all seeded (an arbitrary non-zero initial state: h0
    reads as h in [-1, 1), c0 as c in [-4, 4)). Per step t and layer l: four gate layers
    i, f, g, o = dense([x_t, h_{t-1}]) 2048 -> 1024 with sigmoid, sigmoid, tanh, sigmoid; the
    weights (and biases) of a layer's gate are the same seed at every step, and so is its
    requant, chosen from the statistics pooled over all steps (a first pass with provisional
    requants, then the final pass). Cell arithmetic, fixed point (quant.h's LUT formats):
        sigmoid gate  s_q: real (s_q + 128) / 256      tanh gate g_q: real g_q / 128
        c: Q2.5 (real c_q / 32, range [-4, 4));        h: real h_q / 128
        fc = mul(f, c_{t-1}) offsets [128, 0], M = 2^-8 -> Q2.5   ((f+128) c / 256)
        ig = mul(i, g)       offsets [128, 0], M = 2^-8 -> real ig_q / 128
        c_t = add(fc, ig)    scales [4, 1], M = 2^-2 -> Q2.5    ((4 fc + ig) / 4)
        tc = activate(c_t, tanh), M = 2^-1 (Q2.5 -> the LUT's Q3.4 input) -> real tc_q / 128
        h_t = mul(o, tc)     offsets [128, 0], M = 2^-8 -> real h_q / 128
    (every M = 2^-k is m = 2^30, s = 30 + k; products are exact, one rounding per layer).
    Layer 2's x_t is layer 1's h_t. Output: h of the last step of layer 2 (64 x 1024, golden).

apps/      the TPU paper's applications (Jouppi et al., ISCA 2017, Table 1;
    ../shared/reference/tpu_v1_paper_apps.csv). The paper gives per app the layer counts by
    type (FC, Conv, Vector, Pool), the weights, the batch and "TPU ops / weight byte"; it does
    not publish widths or structure: everything below is our choice, made to match those
    numbers. Ops per weight byte = useful MACs of one batch / weight bytes (MLP0: 200 = its
    batch, each weight used once per sample). Vector layers = add/mul/activate; samples = the
    TPU batch. Seeded data.
  lstm0/  Table 1: 24 FC, 34 Vector, 58 layers, 52M weights, 64 ops/B, batch 64. One time step
          of a 6-layer stacked LSTM with hidden H = 1024, GNMT's width (the paper: a subset of
          GNMT is one of its LSTMs; Wu et al. 2016) (each layer's input is H wide): 6 x 4 gate
          FCs [x, h] 2048 -> 1024 = 24 FC, 24 x 2048 x 1024 = 50,331,648 weights (52M, -3.2%;
          H = 1040 would match 52M to 0.2% but pads every tile row and column 1040 -> 1280 on the
          256-wide array, 1.5x the weight traffic, which no production model would choose); per cell 5 vector layers (the cell above) = 30, plus GNMT-style residual
          adds x_{l+1} = h_l + x_l on cells 3-6 (Wu et al. 2016 start residuals at layer 3) = 4:
          34 vector. Every weight is used once per sample: 64 ops/B exactly.
  lstm1/  Table 1: 37 FC, 19 Vector, 56 layers, 34M weights, 96 ops/B, batch 96; Sec. 7: LSTM1
          uses 600x600 weight matrices; Table 3: useful MACs 6.3% of peak on 10.5% array-active
          cycles, i.e. 60% of the array's MACs do useful work - what 600-wide operands give on
          the 256-wide array (600 -> 768 both ways: 61.0%); the earlier 600 -> 1736 -> 600
          stand-in used 71% and broke that fact. So every matrix is 600x600 and every operand
          600 wide: one time step of 3 stacked LSTM cells with H = 600 (12 gate FCs [x, h] 1200
          -> 600, two 600x600 matrices each, the sources tiled separately; 15 vector), then 25
          FC 600-wide layers fc1..fc25, each on the concatenation of the last (up to) three
          600-wide outputs (fc1 on one, fc2 on two, fc3..fc25 on three: 72 matrices; ReLU, fc25
          identity) with a residual add y + previous output after fc6, fc12, fc18 and fc24 (4
          vector): 37 FC, 19 vector, 56 layers; 96 x 360,000 = 34,560,000 weights (34M,
          +1.6%); 96 ops/B exactly; useful share 61.0% (check_app).
  cnn0/   Table 1: 16 Conv, 8M weights, 2888 ops/B, batch 8. 2888 / 8 = 361 = 19 x 19: each
          weight is used 361 times per image, i.e. every layer runs at 19x19 with stride 1 and
          'same' padding - a Go board (our inference: the paper does not name CNN0). Table 3:
          0.0% unused MACs (useful = array active = 78.2%), so every layer's input and output
          channels fill whole 256-wide tiles; Table 8: at most 1.5 MiB of Unified Buffer, and
          one 19x19 tensor of 256 channels at batch 8 is 2888 UB rows = 0.7 MiB, so an input
          and an output of 256 channels each (1.4 MiB) is all that fits: every layer is 256 ->
          256 (the earlier 48-plane input and 1-channel output broke both facts). 8M weights =
          122.07 tiles of 65,536; 16 layers of 256 x 256 x k^2 reach sum k^2 = 120 (7.86M,
          -1.7%) or 128 (8.39M, +4.9%), never 122: conv1 5x5, conv2-11 3x3 pad 1, conv12-15
          1x1 (ReLU), conv16 1x1 identity: 25 + 90 + 5 = 120 tiles, 7,864,320 weights; 2888
          ops/B exactly; useful share 100% (check_app). Golden = 8 x 19 x 19 x 256.
  cnn1/   Table 1: 4 FC, 72 Conv, 13 Pool, 89 layers, 100M weights, 1750 ops/B, batch 32, "4
          FC layers run at op. intensity 32", no vector layers (so no residual adds); Table 8:
          at most 13.9 MiB of Unified Buffer. 1750 / 32 = 54.7 MACs per weight per image: the
          convolutions run on small feature maps (a 224x224 image would not even fit the 24 MiB
          UB at batch 32 in this model's one-pixel-per-row layout), so: a VGG-style chain of
          3x3 convs (pad 1, ReLU) on a 32x32x3 input: stem conv 3->192 at 32x32, maxpool 2x2/2;
          33 convs 192->192 at 16x16, maxpool 2x2/2; 24 convs 192/384->384 at 8x8, maxpool
          2x2/2; 14 convs 384/576->576 at 4x4; global average pool; FC 576 -> 2560 -> 2560 ->
          2560 -> 1000 (ReLU, last identity; each FC weight used once per sample = op.
          intensity 32). 9 more pools (the paper does not say what its 13 are): a 3x3/1 pad 1
          maxpool after every 8th conv at 16x16 and 8x8 and every 4th at 4x4 (none right before
          a downsampling pool): 4 + 2 + 3. Widths 192 < 256 fill only part of the 256-row
          array, as Table 3's "unused MACs" for CNN1 suggests. Weights 82.95M conv + 17.14M FC =
          100,090,944 (100M, +0.09%); 5.47 GMAC per image; 1750.2 ops/B (+0.01%). The widths
          (192, 384, 576), the stage depths (33, 24, 14) and the FC width 2560 were searched to
          match both numbers. Largest UB need at batch 32: input + stem output = 2 x 32768 rows
          of 256 B = 16 MiB. The golden output (32 x 1000) needs a 175 GMAC reference pass
          (about a minute); requants are calibrated on the first 2 images to save a second
          pass.

conv_small/, lstm_small/, conv_one/: small test networks for configs/small.yaml (16x16 MXU,
    64 KiB UB = 4096 rows of 16 bytes, 512 accumulator rows): every tensor stays below ~600 UB
    rows (N*H*W*ceil(C/16)) and every layer below 200 output rows (N*P*Q); shipped files from
    default_rng, each runs in milliseconds.
  conv_one:   batch 1, input 9x9x5, conv 3x3 stride 2 pad 1 -> 5x5x7, ReLU.
  conv_small: batch 2, input 10x10x3. c1 conv 3x3 s1 pad [1, 1] 3->17 ReLU (zero point -5);
      c2 conv 5x5 s2 asymmetric pad [2, 1, 1, 2] 17->40 ReLU -> 5x5; c3 conv 3x1 pad [1, 0, 1, 0]
      40->24 identity (zero point 3); c4 conv 1x1 40->24 ReLU (projection); res = add(c3, c4)
      operand_offsets [-3, 0] + ReLU (residual); mp maxpool 3x3/2 pad [1, 1] -> 3x3; ap avgpool
      3x3/1 pad [1, 1] (count_include_pad); sg = activate(ap, sigmoid), th = activate(mp,
      tanh) with operand scale 2 and offset -3; gate = mul(sg, th) operand_offsets [128, 0];
      c5 conv 3x3 s2 pad [1, 1] 24->21 (-> 2x2) ReLU; gap global avgpool of c5; out =
      dense([gate (3x3x24 spatial, flattened), gap]) 216 + 21 -> 10 identity (zero point -2).
  lstm_small: the lstm/ network's structure with hidden 20, input width 13, batch 3, 3 steps,
      2 layers; gate weights and biases shipped (one file per layer and gate, referenced by
      every step), h0/c0 shipped (default_rng; zeros would make step 1's f*c layers constant),
      x_t seeded. Output h of step 3, layer 2.
"""
import argparse
import csv
import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tpu_ref as T  # noqa: E402
import rnn_cells  # noqa: E402
from onnx_to_network import yaml_float as yfloat  # noqa: E402  (floats YAML reads back exactly)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRACES = os.path.join(ROOT, "traces")
REFERENCE = os.path.join(os.path.dirname(ROOT), "shared", "reference")
TARGET_LINEAR, TARGET_SQUASH = 100.0, 64.0
ADD_SCALE_RMS = 4096.0
ONE = 1 << 30  # multiplier of M = 2^-k (with shift 30 + k)


# --------------------------------------------------------------------------------------------
# Requantization choices
# --------------------------------------------------------------------------------------------

def p99_abs(v):
    """The exact order statistic |v|_(k), k = floor(0.99 (n - 1)), of the sorted |v|."""
    a = np.abs(np.asarray(v, dtype=np.int64)).reshape(-1)
    k = (99 * (a.size - 1)) // 100
    return int(np.partition(a, k)[k])


def pick_requant(v, act, zp=0):
    """Requant mapping p99(|v|) to 100 (identity/relu) or 64 = Q3.4 4.0 (sigmoid/tanh)."""
    target = TARGET_SQUASH if act in ("sigmoid", "tanh") else TARGET_LINEAR
    m, s = T.encode_multiplier(target / max(p99_abs(v), 1))
    return T.Requant(m, s, zp)


def pow2_requant(k, zp=0):
    """M = 2^-k exactly."""
    return T.Requant(ONE, 30 + k, zp)


def rms(x):
    """Root mean square of an int8 tensor (exact integer sum of squares)."""
    x = np.asarray(x, dtype=np.int64)
    return math.sqrt(int(np.sum(x * x)) / max(x.size, 1))


def add_scale(x):
    """Operand scale giving the operand rms ~ 4096 (int16)."""
    return int(min(max(T.round_away(ADD_SCALE_RMS / max(rms(x), 1e-9)), 1), 32767))


# --------------------------------------------------------------------------------------------
# YAML emission
# --------------------------------------------------------------------------------------------

def yval(v):
    """A YAML flow value."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return yfloat(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(yval(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {yval(x)}" for k, x in v.items()) + "}"
    s = str(v)
    if s and all(c.isalnum() or c in "_-./" for c in s) and not s[0].isdigit() \
            and s.lower() not in ("true", "false", "yes", "no", "on", "off", "null", "y", "n"):
        return s
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def rq_yaml(rq):
    """A Requant as the manifest's requant mapping {multiplier, shift, zero_point}."""
    return {"multiplier": rq.multiplier, "shift": rq.shift, "zero_point": rq.zero_point}


# --------------------------------------------------------------------------------------------
# The network builder: computes each layer as it is added (on the first `calib` samples),
# picks its requant, and records the manifest.
# --------------------------------------------------------------------------------------------

ARRAY = 256  # TPU v1's MXU is 256 x 256 (TPU paper, Sec. 2)


def tiled(c):
    """c channels as the 256-wide array sees them: rounded up to whole tiles (the lowering pads
    every input source and the output to whole 256-row / 256-column tiles)."""
    return -(-c // ARRAY) * ARRAY


class Builder:
    """Builds one network manifest layer by layer: each layer method computes the layer with
    tpu_ref's op functions on the first `calib` samples (all when None), picks its requant and
    records its manifest entry; write() emits traces/<name>/. Tensors are referred to by name
    and held as int8 NHWC arrays (k, H, W, C)."""

    def __init__(self, name, title, samples, description, comments, calib=None, seed_base=1,
                 ship_rng=None, group_rq=None):
        """name: directory under traces/; title, description, comments: manifest header; samples:
        batch N; seed_base: first data seed; ship_rng: default_rng seed of shipped files;
        group_rq: requants fixed per layer group (dict)."""
        self.name, self.title, self.N = name, title, samples
        self.k = samples if calib is None else min(calib, samples)
        self.description, self.comments = description, comments
        self.inputs, self.layers, self.files = [], [], {}
        self.t, self.shape, self.kind = {}, {}, {}
        self.next_seed = seed_base
        self.rng = np.random.default_rng(ship_rng) if ship_rng is not None else None
        self.prev = None
        self.cache = {}
        self.group_rq = dict(group_rq or {})   # requant shared by a group of layers
        self.group_v = {}                      # group -> list of |v| arrays (pooled statistics)
        self.stats = []                        # (layer, op, distinct, saturated fraction)
        self.array_macs = 0                    # MACs of the array's passes per sample (padding in)

    # ---- data -----------------------------------------------------------------------------
    def seed(self):
        """The next unused data seed of this network."""
        s = self.next_seed
        self.next_seed += 1
        return s

    def ship(self, count, dtype):
        """`count` values for a shipped file from the network's default_rng: int8 weights or
        inputs uniform in [-128, 127], int32 biases in [-20000, 20000]."""
        if dtype == np.int8:
            return self.rng.integers(-128, 128, size=count).astype(np.int8)
        return self.rng.integers(-20000, 20001, size=count).astype(np.int32)

    def _data(self, spec, count, dtype, default_file):
        """spec: None (new seed), int (that seed), 'ship' (default_rng, file default_file),
        or (file name, array) -> (yaml value, array)."""
        if spec is None or isinstance(spec, (int, np.integer)):
            s = self.seed() if spec is None else int(spec)
            key = (s, count, dtype)
            if key not in self.cache:
                self.cache[key] = (T.seeded_int8(s, count) if dtype == np.int8
                                   else T.seeded_int32(s, count))
            return {"random_seed": s}, self.cache[key]
        if isinstance(spec, str) and spec == "ship":
            spec = (default_file, self.ship(count, dtype))
        fname, arr = spec
        arr = np.asarray(arr, dtype=dtype).reshape(-1)
        assert arr.size == count, (fname, arr.size, count)
        if fname in self.files:
            assert np.array_equal(self.files[fname], arr), fname
        self.files[fname] = arr
        return fname, arr

    def input(self, name, shape, spec=None):
        """Adds a network input of shape (H, W, C), data per spec as _data; returns its name."""
        count = self.N * shape[0] * shape[1] * shape[2]
        y, arr = self._data(spec, count, np.int8, f"{name}.i8")
        self.inputs.append({"name": name, "shape": list(shape), "file": y})
        self.t[name] = arr.reshape((self.N,) + tuple(shape))[:self.k]
        self.shape[name] = tuple(shape)
        self.kind[name] = "input"
        if self.prev is None:
            self.prev = name
        return name

    # ---- layers ---------------------------------------------------------------------------
    @staticmethod
    def _window(kernel, stride, pad):
        """The manifest's kernel, stride and pad fields of a conv or pool (defaults left out)."""
        f = {"kernel": list(kernel)}
        if tuple(stride) != (1, 1):
            f["stride"] = list(stride)
        if pad is not None and any(pad):
            f["pad"] = list(pad)
        return f

    def _record(self, name, op, ins, fields, out):
        """Records layer `name` (manifest fields, inputs `ins`) and its int8 output; returns name."""
        y = {"name": name, "op": op}
        default = self.prev if self.layers else self.inputs[0]["name"]
        if not (len(ins) == 1 and ins[0] == default):
            if len(ins) == 1:
                y["input"] = ins[0]
            else:
                y["inputs"] = list(ins)
        y.update(fields)
        self.layers.append(y)
        self.t[name] = out
        self.shape[name] = out.shape[1:]
        self.kind[name] = op
        self.prev = name
        flat = out.reshape(-1)
        sat = float(np.mean((flat == -128) | (flat == 127)))
        self.stats.append((name, op, int(np.unique(flat).size), sat))
        return name

    def _requant(self, v, act, zp, group, requant):
        """The layer's requant: `requant` if given, else the group's, else pick_requant(v)."""
        if requant is not None:
            return requant
        if group is not None:
            self.group_v.setdefault(group, []).append(np.abs(v.astype(np.int64)).reshape(-1))
            if group not in self.group_rq:
                self.group_rq[group] = pick_requant(v, act, zp)
            return self.group_rq[group]
        return pick_requant(v, act, zp)

    def pooled_requants(self, acts):
        """Requant per group from the statistics pooled over every layer of the group."""
        return {g: pick_requant(np.concatenate(vs), acts[g]) for g, vs in self.group_v.items()}

    def conv(self, name, inp, outputs, kernel, stride=(1, 1), pad=None, act="relu", zp=0,
             w=None, b=None, requant=None):
        """conv layer: `outputs` channels, kernel/stride (h, w), pad [ph, pw] or [t, l, b, r],
        activation act with zero point zp; w, b: data specs (see _data). Returns its name."""
        C = self.shape[inp][2]
        kh, kw = kernel
        wy, wa = self._data(w, kh * kw * C * outputs, np.int8, f"{name}.w.i8")
        by, ba = self._data(b, outputs, np.int32, f"{name}.b.i32")
        acc = T.conv_acc(self.t[inp], wa.reshape(kh, kw, C, outputs), stride, pad)
        v = T.saturate_int32(acc + ba.astype(np.int64))
        rq = self._requant(v, act, zp, None, requant)
        out = T.apply_requant(v, rq, act)
        f = {"outputs": outputs, **self._window(kernel, stride, pad)}
        f.update(weights=wy, bias=by, activation=act, requant=rq_yaml(rq))
        P, Q = out.shape[1:3]
        self.array_macs += P * Q * kh * kw * tiled(C) * tiled(outputs)
        return self._record(name, "conv", [inp], f, out)

    def dense(self, name, ins, outputs, act="relu", zp=0, w=None, b=None, group=None,
              requant=None):
        """dense layer on one input name or a list (flattened and concatenated) -> (1, 1,
        outputs); group: requant shared with the group's layers. Returns its name."""
        ins = [ins] if isinstance(ins, str) else list(ins)
        F = sum(int(np.prod(self.shape[x])) for x in ins)
        wy, wa = self._data(w, F * outputs, np.int8, f"{name}.w.i8")
        by, ba = self._data(b, outputs, np.int32, f"{name}.b.i32")
        acc = T.dense_acc([self.t[x] for x in ins], wa.reshape(F, outputs))
        v = T.saturate_int32(acc + ba.astype(np.int64))
        rq = self._requant(v, act, zp, group, requant)
        out = T.apply_requant(v, rq, act)
        f = {"outputs": outputs, "weights": wy, "bias": by, "activation": act,
             "requant": rq_yaml(rq)}
        self.array_macs += sum(self.shape[x][0] * self.shape[x][1] * tiled(self.shape[x][2])
                               for x in ins) * tiled(outputs)
        return self._record(name, "dense", ins, f, out)

    def maxpool(self, name, inp, kernel, stride=(1, 1), pad=None):
        """maxpool layer, kernel/stride (h, w), pad as conv. Returns its name."""
        out = T.maxpool(self.t[inp], kernel, stride, pad)
        return self._record(name, "maxpool", [inp], self._window(kernel, stride, pad), out)

    def avgpool(self, name, inp, kernel=None, stride=(1, 1), pad=None):
        """avgpool layer (global without a kernel); requant from the window sums. Returns its
        name."""
        if kernel is None:
            v = T.global_avgpool_sum(self.t[inp])
            f = {"global": True}
        else:
            v = T.avgpool_sum(self.t[inp], kernel, stride, pad)
            f = self._window(kernel, stride, pad)
        rq = pick_requant(v, "identity")
        f["requant"] = rq_yaml(rq)
        out = T.apply_requant(v, rq, "identity")
        return self._record(name, "avgpool", [inp], f, out)

    def add(self, name, a, b, act="identity", zp=0, scales=None, offsets=(0, 0), requant=None):
        """add layer (a + oa) * sa + (b + ob) * sb; scales default to add_scale of each operand.
        Returns its name."""
        if scales is None:
            scales = (add_scale(self.t[a].astype(np.int64) + offsets[0]),
                      add_scale(self.t[b].astype(np.int64) + offsets[1]))
        v = T.add_value(self.t[a], self.t[b], scales, offsets)
        rq = self._requant(v, act, zp, None, requant)
        f = {"operand_scales": list(scales)}
        if any(offsets):
            f["operand_offsets"] = list(offsets)
        f.update(activation=act, requant=rq_yaml(rq))
        return self._record(name, "add", [a, b], f,
                            T.apply_requant(v, rq, act))

    def mul(self, name, a, b, offsets, act="identity", zp=0, requant=None):
        """mul layer (a + oa) * (b + ob). Returns its name."""
        v = T.mul_value(self.t[a], self.t[b], offsets)
        rq = self._requant(v, act, zp, None, requant)
        f = {"operand_offsets": list(offsets), "activation": act, "requant": rq_yaml(rq)}
        return self._record(name, "mul", [a, b], f,
                            T.apply_requant(v, rq, act))

    def activate(self, name, a, act, scale=1, offset=0, requant=None):
        """activate layer act((a + offset) * scale). Returns its name."""
        v = T.activate_value(self.t[a], scale, offset)
        rq = self._requant(v, act, 0, None, requant)
        f = {}
        if scale != 1:
            f["operand_scale"] = scale
        if offset != 0:
            f["operand_offset"] = offset
        f.update(activation=act, requant=rq_yaml(rq))
        return self._record(name, "activate", [a], f,
                            T.apply_requant(v, rq, act))

    # ---- host operations (Interrupt_Host; host/manifest/host_op.h) ---------------------------
    def host_op(self, name, a, kind, params):
        """host_op layer: the host CPU computes ONNX operator `kind` (Softmax,
        LayerNormalization) with `params` (host_op.h keys; numpy arrays become lists). Returns
        its name."""
        p = {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in params.items()}
        ref = T._host_op_params({"host_op": kind, "params": p}, name, self.shape[a][2])
        out = self._record(name, "host_op", [a], {"host_op": kind, "params": p}, T.host_op(self.t[a], ref))
        if p.get("causal"):     # the masked -128s are no saturation: spread over the visible entries
            y = self.t[name]
            n, h, w, c = y.shape
            g = p.get("groups", 1)
            vis = np.broadcast_to((np.arange(c // g)[None, :] <= np.arange(h * w)[:, None])[None, :, None, :],
                                  (n, h * w, g, c // g))
            flat = y.reshape(n, h * w, g, c // g)[vis]
            self.stats[-1] = (name, "host_op", int(np.unique(flat).size),
                              float(np.mean((flat == -128) | (flat == 127))))
        return out

    def matmul(self, name, a, bs, heads, transpose_b=False, requant=None):
        """matmul layer of two activations (network.h): a times B_g from the b tensors (concatenated
        along pixels), G = heads; requant from the sums. Returns its name."""
        bs = [bs] if isinstance(bs, str) else list(bs)
        acc = T.matmul_acc(self.t[a], [self.t[x] for x in bs], heads, transpose_b)
        rq = self._requant(acc, "identity", 0, None, requant)
        out = T.matmul(self.t[a], [self.t[x] for x in bs], heads, transpose_b, rq)
        f = {"heads": heads}
        if transpose_b:
            f["transpose_b"] = True
        f["requant"] = rq_yaml(rq)
        return self._record(name, "matmul", [a] + bs, f, out)

    # ---- checks and output ----------------------------------------------------------------
    def check_spread(self):
        """Fails when a layer's output is (nearly) constant or mostly saturated."""
        bad = [s for s in self.stats if s[2] < 4 or s[3] > 0.25]
        if bad:
            sys.exit(f"error: {self.name}: poorly spread layer outputs (name, op, distinct, "
                     f"saturated fraction): {bad[:5]}")
        worst = max(self.stats, key=lambda s: s[3])
        print(f"  {self.name}: layer outputs: min distinct values "
              f"{min(s[2] for s in self.stats)}, max saturated fraction {worst[3]:.4f} "
              f"({worst[0]})")

    def write(self, golden=True, output=None):
        """Writes workload.yaml and the data files; with golden, runs tpu_ref on the written
        manifest, checks it against the build pass (when it used every sample) and writes
        golden.i8. Returns the loaded tpu_ref Network."""
        self.check_spread()
        d = os.path.join(TRACES, self.name)
        os.makedirs(d, exist_ok=True)
        for fname, arr in sorted(self.files.items()):
            arr.astype("<i1" if arr.dtype == np.int8 else "<i4").tofile(os.path.join(d, fname))
        gpath = os.path.join(d, "golden.i8")
        y = ["# Generated by scripts/make_networks.py; do not edit by hand (see its docstring)."]
        y += [f"# {c}" if c else "#" for c in self.comments]
        y += ["format: network", f"name: {yval(self.title)}",
              f"description: {yval(self.description)}", f"samples: {self.N}", "inputs:"]
        y += [f"  - {yval(i)}" for i in self.inputs]
        if golden:
            y.append("golden: golden.i8")
        if output is not None:
            y.append(f"output: {output}")
        y.append("layers:")
        y += [f"  - {yval(L)}" for L in self.layers]
        path = os.path.join(d, "workload.yaml")
        with open(path, "w", newline="\n") as f:
            f.write("\n".join(y) + "\n")
        if not golden:
            if os.path.exists(gpath):
                os.remove(gpath)
            return T.load_network(path)
        # golden.i8 must exist for load_network; write the build pass's output first when it
        # covers the whole batch, else a placeholder that run_network's result replaces.
        out_name = output if output is not None else self.layers[-1]["name"]
        built = self.t[out_name]
        (built if self.k == self.N else np.zeros((self.N,) + self.shape[out_name], np.int8)
         ).astype("<i1").tofile(gpath)
        net = T.load_network(path)
        ref = T.run_network(net)
        if not np.array_equal(ref[:self.k], built):
            sys.exit(f"error: {self.name}: tpu_ref on the written manifest differs from the "
                     f"build pass")
        ref.astype("<i1").tofile(gpath)
        net.golden = ref
        return net


# --------------------------------------------------------------------------------------------
# Reference CSVs (cross-checks when ../shared/reference is present)
# --------------------------------------------------------------------------------------------

def read_csv(name):
    """Rows (dicts) of ../shared/reference/<name>, or None (with a note) when it is absent."""
    path = os.path.join(REFERENCE, name)
    if not os.path.exists(path):
        print(f"  (no {path}: cross-check skipped)")
        return None
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def check(cond, msg):
    """Exits with 'cross-check failed: msg' unless cond."""
    if not cond:
        sys.exit(f"error: cross-check failed: {msg}")


def net_layer(net, name):
    """The layer dict named `name` of a tpu_ref Network (exits when there is none)."""
    for L in net.layers:
        if L["name"] == name:
            return L
    sys.exit(f"error: no layer {name}")


# --------------------------------------------------------------------------------------------
# LSTM cell (shared by lstm, lstm_small, apps/lstm0, apps/lstm1)
# --------------------------------------------------------------------------------------------

GATES = rnn_cells.LSTM_GATES

# The cell's fixed-point formats (module docstring): requant and operand offsets per layer role.
CELL_MUL_RQ = 8         # fc, ig, h: M = 2^-8, operands (sigmoid + 128) * x
CELL_ADD = ((4, 1), 2)  # c = (4 fc + ig) / 4: scales [4, 1], M = 2^-2 -> Q2.5
CELL_TANH_RQ = 1        # tc: Q2.5 -> the table's Q3.4 input, M = 2^-1


class CellEmitter:
    """rnn_cells emitter on a Builder: gate dense layers with weights from `wspecs` (gate ->
    (weights spec, bias spec), None: new seeds) and requants shared by `group`, element-wise
    layers with the fixed-point requants above."""

    def __init__(self, B, H, wspecs, group):
        self.B, self.H, self.wspecs, self.group = B, H, wspecs, group

    def gate(self, name, role, act, xs, rec):
        """Dense layer on xs + [rec] with activation act (rec is never None here)."""
        ws, bs = self.wspecs[role] if self.wspecs else (None, None)
        return self.B.dense(name, list(xs) + [rec], self.H, act=act, w=ws, b=bs,
                            group=None if self.group is None else (self.group, role))

    def mul(self, name, role, a, b):
        """(a + 128) * b >> 8: a is the sigmoid gate (real (a + 128) / 256)."""
        return self.B.mul(name, a, b, (128, 0), requant=pow2_requant(CELL_MUL_RQ))

    def add(self, name, role, a, b, act="identity", subtract=False):
        """c = (4 fc + ig) / 4 in Q2.5 (the LSTM cell's only add)."""
        assert act == "identity" and not subtract, "the LSTM cell only adds fc + ig"
        return self.B.add(name, a, b, scales=CELL_ADD[0], requant=pow2_requant(CELL_ADD[1]))

    def tanh(self, name, role, a):
        """tanh(c): Q2.5 -> the activation unit's Q3.4 input (M = 2^-1)."""
        return self.B.activate(name, a, "tanh", requant=pow2_requant(CELL_TANH_RQ))


def lstm_cell(B, prefix, xs, h_prev, c_prev, H, wspecs, group=None):
    """One LSTM cell step (rnn_cells.lstm_cell on a Builder); xs: input tensor names (concatenated
    with h_prev). wspecs: gate -> (weights spec, bias spec). Returns (h, c). Fixed-point formats:
    see the module docstring."""
    return rnn_cells.lstm_cell(CellEmitter(B, H, wspecs, group), prefix, xs, h_prev, c_prev)


def lstm_stack(B, H, cells, residual_from=None):
    """Inputs x, h0_c<k>, c0_c<k> (k = 1..cells, [1, 1, H], seeded) and one time step of `cells`
    stacked LSTM cells (apps/lstm0, apps/lstm1), with a residual add x + h after every cell
    k >= residual_from (when given). Returns the last cell's output name."""
    x = B.input("x", (1, 1, H))
    st = [(B.input(f"h0_c{k}", (1, 1, H)), B.input(f"c0_c{k}", (1, 1, H)))
          for k in range(1, cells + 1)]
    for k, (h0, c0) in enumerate(st, start=1):
        h, _ = lstm_cell(B, f"cell{k}", [x], h0, c0, H, None)
        x = B.add(f"res{k}", h, x) if residual_from is not None and k >= residual_from else h
    return x


def gate_acts(groups):
    """{(group, gate): activation} of the LSTM gates of every group (for pooled_requants)."""
    return {(grp, gate): act for grp in groups for gate, act in GATES}


# --------------------------------------------------------------------------------------------
# Networks
# --------------------------------------------------------------------------------------------

def make_resnet50():
    """Writes traces/resnet50/ (ResNet-50 v1.5, batch 1); returns the Network."""
    B = Builder("resnet50", "resnet50-v1.5", 1,
                "ResNet-50 v1.5, batch 1, 224x224x3 seeded int8 input, seeded weights and biases "
                "(shapes from resnet50_v1_5_layers.csv); 1000 int8 logits",
                ["ResNet-50 v1.5: conv1 7x7/2 + maxpool 3x3/2, 16 bottlenecks (stride on the 3x3),",
                 "projection shortcuts on each stage's first block, add + ReLU, global avgpool,",
                 "fc1000. Requants from the reference pass (p99 of |acc+bias| -> 100); add",
                 "operand scales equalize the two operands' rms."], seed_base=1)
    x = B.input("data", (224, 224, 3))
    x = B.conv("conv1", x, 64, (7, 7), (2, 2), (3, 3))
    x = B.maxpool("pool1", x, (3, 3), (2, 2), (1, 1))
    for stage, (blocks, width) in enumerate(zip((3, 4, 6, 3), (64, 128, 256, 512)), start=2):
        for blk in range(blocks):
            p = f"res{stage}{'abcdef'[blk]}"
            stride = (2, 2) if (blk == 0 and stage > 2) else (1, 1)
            if blk == 0:
                short = B.conv(f"{p}_branch1", x, width * 4, (1, 1), stride, act="identity")
            else:
                short = x
            y = B.conv(f"{p}_branch2a", x, width, (1, 1))
            y = B.conv(f"{p}_branch2b", y, width, (3, 3), stride, (1, 1))
            y = B.conv(f"{p}_branch2c", y, width * 4, (1, 1), act="identity")
            x = B.add(p, short, y, act="relu")
    x = B.avgpool("pool5", x)
    B.dense("fc1000", x, 1000, act="identity")
    net = B.write()
    rows = read_csv("resnet50_v1_5_layers.csv")
    if rows:
        for r in rows:
            L = net_layer(net, r["name"])
            H, W, C = L["in_shape"]
            P, Q, M = L["out_shape"]
            if r["type"] == "conv":
                got = dict(C=C, H=H, W=W, K=M, R=L["kernel"][0], S=L["kernel"][1],
                           stride=L["stride"][0], pad=L["pad"][0], P=P, Q=Q)
            else:
                got = dict(C=L["features"], K=L["outputs"])
            for k, v in got.items():
                check(int(r[k]) == v, f"resnet50 {r['name']} {k}: csv {r[k]}, built {v}")
            check(int(r["weights"]) == L["weights"].size, f"resnet50 {r['name']} weights")
            check(int(r["MACs"]) == net.layer_macs(L), f"resnet50 {r['name']} MACs")
        n_conv = sum(1 for L in net.layers if L["op"] in ("conv", "dense"))
        check(n_conv == len(rows), f"resnet50 has {n_conv} conv/fc layers, csv {len(rows)}")
        print(f"  resnet50: {len(rows)} conv/fc layers match resnet50_v1_5_layers.csv")
    return net


def make_bert():
    """Writes traces/bert_base/ (BERT-base encoder GEMMs, 128 tokens); returns the Network."""
    B = Builder("bert_base", "bert-base-seq128-encoder", 128,
                "BERT-base encoder weight GEMMs, seq 128 = 128 samples of 768; attention stood "
                "in for by add(add(q, k), v); FFN ReLU for GELU; seeded data",
                ["BERT-base (12 layers, hidden 768, FFN 3072) at sequence length 128: the",
                 "tokens are the batch. TPU v1 cannot run the activation x activation attention",
                 "GEMMs; ctx = add(add(q, k), v) stands in. GELU -> ReLU. No LayerNorm."],
                seed_base=1)
    x = B.input("tokens", (1, 1, 768))
    for l in range(1, 13):
        p = f"l{l}"
        q = B.dense(f"{p}_q", x, 768, act="identity")
        k = B.dense(f"{p}_k", x, 768, act="identity")
        v = B.dense(f"{p}_v", x, 768, act="identity")
        qk = B.add(f"{p}_qk", q, k)
        ctx = B.add(f"{p}_ctx", qk, v)
        ao = B.dense(f"{p}_attn_out", ctx, 768, act="identity")
        x1 = B.add(f"{p}_x1", x, ao)
        f1 = B.dense(f"{p}_ffn1", x1, 3072, act="relu")
        f2 = B.dense(f"{p}_ffn2", f1, 768, act="identity")
        x = B.add(f"{p}_out", x1, f2)
    net = B.write()
    rows = read_csv("bert_base_seq128_gemms.csv")
    if rows:
        want = {r["name"]: r for r in rows}
        for suffix, key in (("q", "q_proj"), ("k", "k_proj"), ("v", "v_proj"),
                            ("attn_out", "attn_out_proj"), ("ffn1", "ffn_intermediate"),
                            ("ffn2", "ffn_output")):
            r = want[key]
            for l in range(1, 13):
                L = net_layer(net, f"l{l}_{suffix}")
                check(L["features"] == int(r["K"]) and L["outputs"] == int(r["N"]),
                      f"bert {key} shape")
                check(L["weights"].size == int(r["weights"]), f"bert {key} weights")
                check(int(r["layers"]) * net.samples * net.layer_macs(L) ==
                      int(r["MACs_total_B1"]), f"bert {key} MACs (12 layers)")
            check(net.samples == int(r["M"]), "bert tokens")
        print("  bert_base: 6 weight GEMMs x 12 layers match bert_base_seq128_gemms.csv")
    return net


def build_lstm(name, title, desc, comments, H, X, N, steps, layers, group_rq, ship):
    """The stacked LSTM of lstm/ and lstm_small/ (see the docstring)."""
    B = Builder(name, title, N, desc, comments, seed_base=1, ship_rng=7 if ship else None,
                group_rq=group_rq)
    xs = [B.input(f"x{t}", (1, 1, X)) for t in range(steps)]
    state = []
    for l in range(1, layers + 1):
        spec = "ship" if ship else None
        state.append([B.input(f"h0_l{l}", (1, 1, H), spec), B.input(f"c0_l{l}", (1, 1, H), spec)])
    # gate weights/biases: one seed (or shipped file) per layer and gate, reused at every step
    specs = {}
    for l in range(1, layers + 1):
        F = (X if l == 1 else H) + H
        for gate, _ in GATES:
            if ship:
                specs[(l, gate)] = ((f"l{l}_{gate}.w.i8", B.ship(F * H, np.int8)),
                                    (f"l{l}_{gate}.b.i32", B.ship(H, np.int32)))
            else:
                specs[(l, gate)] = (B.seed(), B.seed())
    h = None
    for t in range(steps):
        inp = xs[t]
        for l in range(1, layers + 1):
            h, c = lstm_cell(B, f"l{l}_t{t}", [inp], state[l - 1][0], state[l - 1][1], H,
                             {g: specs[(l, g)] for g, _ in GATES}, group=f"l{l}")
            state[l - 1] = [h, c]
            inp = h
    return B


def make_lstm_like(name, title, desc, comments, H, X, N, steps, layers, ship):
    """Two passes: provisional gate requants (first step), then pooled over every step."""
    groups = [f"l{l}" for l in range(1, layers + 1)]
    B = build_lstm(name, title, desc, comments, H, X, N, steps, layers, None, ship)
    rq = B.pooled_requants(gate_acts(groups))
    B = build_lstm(name, title, desc, comments, H, X, N, steps, layers, rq, ship)
    return B.write()


LSTM_COMMENTS = [
    "Fixed point: sigmoid gate (s+128)/256, tanh gate g/128 (quant.h LUT formats); c in Q2.5",
    "(c/32, [-4, 4)), h = h_q/128. fc = mul(f, c) offsets [128, 0] M 2^-8 -> Q2.5; ig = mul(i, g)",
    "M 2^-8 -> /128; c = add(fc, ig) scales [4, 1] M 2^-2 -> Q2.5; tc = activate(c, tanh) M 2^-1",
    "(Q2.5 -> Q3.4); h = mul(o, tc) offsets [128, 0] M 2^-8. Gate weights, biases and requants",
    "are shared by every time step (requants from statistics pooled over the steps).",
]


def make_lstm():
    """Writes traces/lstm/ (2 x 1024 LSTM, batch 64, 8 steps); returns the Network."""
    net = make_lstm_like(
        "lstm", "lstm-2x1024-b64-t8",
        "two-layer LSTM, hidden 1024, batch 64, 8 time steps (GNMT-like); seeded x, h0, c0, "
        "weights; output h of step 8, layer 2",
        ["Two-layer LSTM, H = 1024, B = 64, 8 steps (lstm_mlp_examples.csv: GNMT H, LSTM0 B).",
         "Inputs x0..x7, h0_l*, c0_l* seeded."] + LSTM_COMMENTS,
        H=1024, X=1024, N=64, steps=8, layers=2, ship=False)
    rows = read_csv("lstm_mlp_examples.csv")
    if rows:
        want = {r["name"]: r for r in rows}
        for l in (1, 2):
            gates = [net_layer(net, f"l{l}_t0_{g}") for g, _ in GATES]
            csv_w = (int(want[f"lstm{l}_gates_x"]["weights"]) +
                     int(want[f"lstm{l}_gates_h"]["weights"]))
            check(sum(L["weights"].size for L in gates) == csv_w, f"lstm layer {l} gate weights")
            check(net.samples == int(want[f"lstm{l}_gates_x"]["M"]), "lstm batch")
        print("  lstm: gate weights and batch match lstm_mlp_examples.csv")
    return net


def make_lstm_small():
    """Writes traces/lstm_small/ (2 x 20 LSTM, batch 3, 3 steps, shipped files); returns the
    Network."""
    return make_lstm_like(
        "lstm_small", "lstm-small", "two-layer LSTM, hidden 20, input 13, batch 3, 3 steps; "
        "shipped gate weights (shared by the steps) and h0/c0, seeded x",
        ["Small two-layer LSTM for configs/small.yaml: H = 20, X = 13, B = 3, 3 steps."]
        + LSTM_COMMENTS, H=20, X=13, N=3, steps=3, layers=2, ship=True)


def make_conv_one():
    """Writes traces/conv_one/ (a single 3x3/2 conv, shipped files); returns the Network."""
    B = Builder("conv_one", "conv-one", 1, "one conv: 9x9x5 input, 3x3 stride 2 pad 1 -> 5x5x7, "
                "ReLU; shipped files", ["A single convolution for the smallest end-to-end test."],
                ship_rng=11)
    x = B.input("data", (9, 9, 5), "ship")
    B.conv("conv1", x, 7, (3, 3), (2, 2), (1, 1), w="ship", b="ship")
    return B.write()


def make_conv_small():
    """Writes traces/conv_small/ (a small CNN using every op, batch 2); returns the Network."""
    B = Builder("conv_small", "conv-small", 2,
                "small CNN exercising every op: kernels 1, 3, 5, 3x1, strides 1 and 2, symmetric "
                "and asymmetric pads, channels 3/17/40/24/21, pools, residual add, sigmoid/tanh, "
                "mul, global avgpool, dense on a spatial input; shipped files",
                ["Small CNN for configs/small.yaml (16x16 MXU); see make_networks.py for the "
                 "layer list."], ship_rng=5)
    x = B.input("data", (10, 10, 3), "ship")
    c1 = B.conv("c1", x, 17, (3, 3), (1, 1), (1, 1), act="relu", zp=-5, w="ship", b="ship")
    c2 = B.conv("c2", c1, 40, (5, 5), (2, 2), (2, 1, 1, 2), act="relu", w="ship", b="ship")
    c3 = B.conv("c3", c2, 24, (3, 1), (1, 1), (1, 0, 1, 0), act="identity", zp=3, w="ship",
                b="ship")
    c4 = B.conv("c4", c2, 24, (1, 1), act="relu", w="ship", b="ship")
    res = B.add("res", c3, c4, act="relu", offsets=(-3, 0))
    mp = B.maxpool("mp", res, (3, 3), (2, 2), (1, 1))
    ap = B.avgpool("ap", mp, (3, 3), (1, 1), (1, 1))
    sg = B.activate("sg", ap, "sigmoid")
    th = B.activate("th", mp, "tanh", scale=2, offset=-3)
    gate = B.mul("gate", sg, th, (128, 0))
    c5 = B.conv("c5", gate, 21, (3, 3), (2, 2), (1, 1), act="relu", w="ship", b="ship")
    gap = B.avgpool("gap", c5)
    B.dense("out", [gate, gap], 10, act="identity", zp=-2, w="ship", b="ship")
    return B.write()


def make_host_ops_small():
    """Writes traces/host_ops_small/ (host LayerNorm and Softmax between chip layers); returns
    the Network."""
    B = Builder("host_ops_small", "host-ops-small", 2,
                "host fallback: LayerNorm -> conv -> Softmax -> dense -> Softmax, the host ops "
                "computed by the host CPU at Interrupt_Host; channels 37/24/10 (partial tiles on "
                "16x16 and 256x256); shipped files",
                ["Host operations (host/manifest/host_op.h) between MXU layers: each is a",
                 "Write_Host_Memory, an Interrupt_Host, a Read_Host_Memory and a Sync."],
                ship_rng=23)
    x = B.input("data", (4, 4, 37), "ship")
    rng = np.random.default_rng(29)
    gamma = np.round(rng.uniform(0.5, 1.5, 37), 3)
    beta = np.round(rng.uniform(-0.25, 0.25, 37), 3)
    ln = B.host_op("ln", x, "LayerNormalization",
                   {"input_scale": 0.05, "epsilon": 1e-5, "output_scale": 0.03125,
                    "output_zero_point": 0, "gamma": gamma, "beta": beta})
    c = B.conv("c1", ln, 24, (3, 3), (1, 1), (1, 1), act="identity", w="ship", b="ship")
    sm = B.host_op("sm", c, "Softmax", {"input_scale": 0.015625})
    d = B.dense("fc", sm, 10, act="identity", w="ship", b="ship")
    B.host_op("prob", d, "Softmax", {"input_scale": 0.015625})
    return B.write()


def make_attention_small():
    """Writes traces/attention_small/ (self-attention with a KV cache: matmul layers of two
    activations, a causal per-head host Softmax); returns the Network."""
    B = Builder("attention_small", "attention-small", 1,
                "attention: q, k, v 1x1 convs on 20 tokens of 36 features, 3 heads of 12 (heads "
                "straddle the 16-channel tiles of a 16x16 array), Q K^T over a 7-token KV cache plus "
                "the 20 new keys (transpose_b), causal per-head Softmax on the host, P V, output "
                "projection; shipped files",
                ["matmul layers (network.h): the host writes b into the weight memory at an",
                 "Interrupt_Host (WriteWeights), the MXU multiplies a by it as a 1x1 conv of 3 groups."],
                ship_rng=31)
    x = B.input("x", (20, 1, 36), "ship")
    ck = B.input("cache_k", (7, 1, 36), "ship")
    cv = B.input("cache_v", (7, 1, 36), "ship")
    q = B.conv("q", x, 36, (1, 1), act="identity", w="ship", b="ship")
    k = B.conv("k", x, 36, (1, 1), act="identity", w="ship", b="ship")
    v = B.conv("v", x, 36, (1, 1), act="identity", w="ship", b="ship")
    s = B.matmul("scores", q, [ck, k], 3, transpose_b=True)
    p = B.host_op("probs", s, "Softmax", {"input_scale": 0.03, "groups": 3, "causal": True})
    p0 = B.activate("probs_centered", p, "identity", offset=128,
                    requant=T.Requant(1 << 30, 31, 0))
    c = B.matmul("context", p0, [cv, v], 3)
    B.conv("out", c, 24, (1, 1), act="identity", w="ship", b="ship")
    return B.write()


# ---- the paper's applications --------------------------------------------------------------

def table1():
    """Table 1 of the TPU paper (tpu_v1_paper_apps.csv) as {app: row}, or None when absent."""
    rows = read_csv("tpu_v1_paper_apps.csv")
    return {r["app"]: r for r in rows} if rows else None


def check_app(net, app, array_macs, tol_weights=0.05, tol_ops=0.01, tol_useful=5.0):
    """Compares a network with its Table 1 row and Table 3's useful-MAC share; prints the
    comparison. Weights within 5% (LSTM0 keeps GNMT's tile-aligned width 1024: -3.2%), ops per
    weight byte within 1%. array_macs: the MACs per sample of the array's passes, padding to whole
    256 x 256 tiles included (Builder.array_macs); useful MACs / array_macs is the share of the
    array's MACs that do useful work on its active cycles, which Table 3 gives as useful MACs /
    array active (both % of peak, from the same counters): within tol_useful points."""
    counts, wb, macs = T.summary(net)
    ops = macs * net.samples / wb
    useful = 100.0 * macs / array_macs
    rows = table1()
    line = (f"  {app}: FC {counts['FC']} Conv {counts['Conv']} Vector {counts['Vector']} "
            f"Pool {counts['Pool']} (total {len(net.layers)}), weights {wb:,}, batch "
            f"{net.samples}, ops/weight byte {ops:.1f}")
    if rows:
        r = rows[app]
        want_w = float(r["weights"].rstrip("M")) * 1e6
        line += (f"; Table 1: FC {r['FC_layers']} Conv {r['Conv_layers']} Vector "
                 f"{r['Vector_layers']} Pool {r['Pool_layers']}, {r['weights']}, batch "
                 f"{r['tpu_batch']}, {r['tpu_ops_per_weight_byte']} ops/B")
        for k, col in (("FC", "FC_layers"), ("Conv", "Conv_layers"),
                       ("Vector", "Vector_layers"), ("Pool", "Pool_layers")):
            check(counts[k] == int(r[col]), f"{app} {k} layers {counts[k]} vs {r[col]}")
        check(len(net.layers) == int(r["Total_layers"]), f"{app} total layers")
        check(net.samples == int(r["tpu_batch"]), f"{app} batch")
        check(abs(wb / want_w - 1) <= tol_weights, f"{app} weights {wb} vs {r['weights']}")
        check(abs(ops / float(r["tpu_ops_per_weight_byte"]) - 1) <= tol_ops,
              f"{app} ops/weight byte {ops:.1f}")
        paper_useful = 100.0 * float(r["t3_useful_macs_pct_peak"]) / float(r["t3_array_active_pct"])
        line += (f"; useful MACs {useful:.1f}% of the array's MACs on active cycles (Table 3: "
                 f"{r['t3_useful_macs_pct_peak']} of {r['t3_array_active_pct']} = {paper_useful:.1f}%)")
        check(abs(useful - paper_useful) <= tol_useful, f"{app} useful MAC share {useful:.1f}% vs "
              f"Table 3's {paper_useful:.1f}%")
    print(line)


APP_NOTE = ("Widths are not published (Jouppi et al. 2017 Table 1 gives layer counts, weights, "
            "batch, ops/weight byte); ours are chosen to match them, see make_networks.py.")


def make_lstm0():
    """Writes traces/apps/lstm0/ (LSTM0-like, batch 64); returns the Network."""
    H, cells = 1024, 6
    B = Builder("apps/lstm0", "lstm0-like", 64,
                "LSTM0-like (TPU paper Table 1: 24 FC, 34 Vector, 52M weights, batch 64, 64 ops/B):"
                " one step of 6 stacked LSTM cells H=1024 (GNMT's width; [x,h] 2048->1024 gates), "
                "residual adds on cells 3-6; 50.3M weights, 64 ops/B. " + APP_NOTE,
                ["TPU paper LSTM0 (Table 1): 24 FC + 34 Vector = 58 layers, 52M weights,",
                 "batch 64, 64 ops/weight byte. One time step of a 6-layer LSTM, H = 1024 (GNMT):",
                 "24 gate FCs 2048 -> 1024 (50,331,648 weights), 6 x 5 cell vector layers and 4",
                 "GNMT-style residual adds (cells 3-6). Every weight used once per sample.",
                 "Cell fixed point as traces/lstm (c Q2.5, h /128). Seeded data."],
                seed_base=1)
    lstm_stack(B, H, cells, residual_from=3)
    net = B.write()
    check_app(net, "LSTM0", B.array_macs)
    return net


def make_lstm1():
    """Writes traces/apps/lstm1/ (LSTM1-like, batch 96); returns the Network."""
    H = 600
    B = Builder("apps/lstm1", "lstm1-like", 96,
                "LSTM1-like (TPU paper Table 1: 37 FC, 19 Vector, 34M weights, batch 96, 96 ops/B;"
                " Sec. 7: 600x600 matrices; Table 3: 60% of the array's MACs useful): 3 LSTM cells "
                "H=600, 25 FC each on the last three 600-wide outputs, 4 residual adds; every "
                "matrix 600x600; 34.56M weights, 96 ops/B. " + APP_NOTE,
                ["TPU paper LSTM1 (Table 1): 37 FC + 19 Vector = 56 layers, 34M weights,",
                 "batch 96, 96 ops/weight byte; Sec. 7: uses 600x600 matrices; Table 3: useful",
                 "MACs 6.3 of 10.5% active = 60%, what 600x600 matrices on 768x768 of tiles give",
                 "(61%). One time step of 3 LSTM cells H = 600 (gates [x, h] = two 600x600",
                 "matrices each), then 25 FC 600-wide layers, each on the concatenation of the",
                 "last (up to) three 600-wide outputs, a residual add after every 6th: every",
                 "matrix 600x600, 96 of them = 34,560,000 weights. Seeded data."],
                seed_base=1)
    outs = [lstm_stack(B, H, 3)]
    for k in range(1, 26):
        y = B.dense(f"fc{k}", outs[-3:], H, act="relu" if k < 25 else "identity")
        if k % 6 == 0:
            y = B.add(f"res{k // 6}", y, outs[-1])
        outs.append(y)
    net = B.write()
    check_app(net, "LSTM1", B.array_macs)
    return net


def make_cnn0():
    """Writes traces/apps/cnn0/ (CNN0-like Go-board CNN, batch 8); returns the Network."""
    B = Builder("apps/cnn0", "cnn0-like", 8,
                "CNN0-like (TPU paper Table 1: 16 Conv, 8M weights, batch 8, 2888 ops/B = 8 x "
                "19x19; Table 3: no unused MACs; Table 8: 1.5 MiB of UB): Go-board CNN, 19x19x256 "
                "input, every layer 256->256: 5x5, 10 x 3x3, 5 x 1x1; 7.86M weights, 2888 ops/B. "
                + APP_NOTE,
                ["TPU paper CNN0 (Table 1): 16 Conv, 8M weights, batch 8, 2888 ops/weight byte",
                 "= 8 x 361: every layer runs at 19 x 19, stride 1, 'same' padding (a Go board).",
                 "Table 3: 0.0% unused MACs, Table 8: 1.5 MiB of UB: every layer 256 -> 256.",
                 "conv1 5x5, conv2-11 3x3, conv12-15 1x1 (ReLU), conv16 1x1 identity:",
                 "7,864,320 weights. Seeded data."], seed_base=1)
    x = B.input("board", (19, 19, 256))
    x = B.conv("conv1", x, 256, (5, 5), pad=(2, 2))
    for k in range(2, 12):
        x = B.conv(f"conv{k}", x, 256, (3, 3), pad=(1, 1))
    for k in range(12, 16):
        x = B.conv(f"conv{k}", x, 256, (1, 1))
    B.conv("conv16", x, 256, (1, 1), act="identity")
    net = B.write()
    check_app(net, "CNN0", B.array_macs)
    return net


def make_cnn1(golden=True):
    """Writes traces/apps/cnn1/ (CNN1-like VGG-style CNN, batch 32; golden.i8 unless golden is
    False); returns the Network."""
    B = Builder("apps/cnn1", "cnn1-like", 32,
                "CNN1-like (TPU paper Table 1: 72 Conv, 13 Pool, 4 FC, 100M weights, batch 32, "
                "1750 ops/B): VGG-style 3x3 chain on 32x32x3, 1 + 33 convs at 16x16 (192), 24 at "
                "8x8 (384), 14 at 4x4 (576), 13 pools, FC 576->2560->2560->2560->1000; 100.1M "
                "weights, 1750 ops/B. " + APP_NOTE,
                ["TPU paper CNN1 (Table 1): 72 Conv + 13 Pool + 4 FC = 89 layers, 100M weights,",
                 "batch 32, 1750 ops/weight byte, FC layers at op. intensity 32, no vector layers.",
                 "3x3 convs (pad 1, ReLU) on 32x32x3: stem 3->192, maxpool 2x2/2, 33 convs 192 at",
                 "16x16, maxpool, 24 convs 384 at 8x8, maxpool, 14 convs 576 at 4x4, global",
                 "avgpool; 9 maxpools 3x3/1 pad 1 (every 8th conv at 16x16 and 8x8, every 4th at",
                 "4x4); FC 576 -> 2560 -> 2560 -> 2560 -> 1000. 100,090,944 weights, 1750.2 ops/B.",
                 "Requants calibrated on the first 2 images; seeded data."],
                calib=2, seed_base=1)
    x = B.input("data", (32, 32, 3))
    x = B.conv("stem", x, 192, (3, 3), pad=(1, 1))
    x = B.maxpool("pool1", x, (2, 2), (2, 2))
    for level, (n, width, every) in enumerate(((33, 192, 8), (24, 384, 8), (14, 576, 4)),
                                              start=1):
        for k in range(1, n + 1):
            x = B.conv(f"l{level}_conv{k}", x, width, (3, 3), pad=(1, 1))
            if k % every == 0 and k != n:
                x = B.maxpool(f"l{level}_pool{k}", x, (3, 3), pad=(1, 1))
        if level < 3:
            x = B.maxpool(f"pool{level + 1}", x, (2, 2), (2, 2))
    x = B.avgpool("gap", x)
    x = B.dense("fc1", x, 2560)
    x = B.dense("fc2", x, 2560)
    x = B.dense("fc3", x, 2560)
    B.dense("fc4", x, 1000, act="identity")
    net = B.write(golden=golden)
    check_app(net, "CNN1", B.array_macs)
    return net


NETWORKS = {
    "conv_one": make_conv_one,
    "conv_small": make_conv_small,
    "host_ops_small": make_host_ops_small,
    "attention_small": make_attention_small,
    "lstm_small": make_lstm_small,
    "resnet50": make_resnet50,
    "bert_base": make_bert,
    "lstm": make_lstm,
    "lstm0": make_lstm0,
    "lstm1": make_lstm1,
    "cnn0": make_cnn0,
    "cnn1": make_cnn1,
}


def set_output_dir(path):
    """Makes write() put the networks under `path` (default: the repository's traces/)."""
    global TRACES
    TRACES = os.path.abspath(path)


def main():
    """Command line: writes the named networks (default all) or lists them; returns 0."""
    ap = argparse.ArgumentParser(description="Generate the network workloads under traces/.")
    ap.add_argument("names", nargs="*", help=f"networks to make (default all): "
                    f"{', '.join(NETWORKS)}")
    ap.add_argument("--list", action="store_true", help="list the networks and exit")
    ap.add_argument("--out", metavar="DIR", default=TRACES,
                    help="write the networks under DIR instead of traces/ (DIR/<name>/, same "
                         "bytes; the test scripts.regenerate_traces compares them with traces/)")
    args = ap.parse_args()
    set_output_dir(args.out)
    if args.list:
        print("\n".join(NETWORKS))
        return 0
    for n in args.names:
        if n not in NETWORKS:
            sys.exit(f"error: unknown network {n!r} (known: {', '.join(NETWORKS)})")
    total = time.time()
    for n in args.names or list(NETWORKS):
        t0 = time.time()
        print(f"{n}:")
        net = NETWORKS[n]()
        counts, wb, macs = T.summary(net)
        uw = net.unique_weight_bytes()
        print(f"  {net.name}: {len(net.layers)} layers "
              f"({', '.join(f'{k} {v}' for k, v in counts.items())}), {wb:,} weights"
              + (f" ({uw:,} distinct)" if uw != wb else "") +
              f", {macs:,} MACs/sample, {macs * net.samples:,} MACs/batch of {net.samples}, "
              f"{macs * net.samples / uw:.1f} ops/weight byte; golden "
              f"{'yes' if net.golden is not None else 'no'}; {time.time() - t0:.1f} s")
    print(f"total {time.time() - total:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
