#!/usr/bin/python3
"""Independent numpy integer reference of the TPU model's network workloads.

Run with Debian's Python (numpy, PyYAML), from anywhere:

    /usr/bin/python3 scripts/tpu_ref.py run   MANIFEST [--out FILE] [--all-layers DIR]
    /usr/bin/python3 scripts/tpu_ref.py check MANIFEST
    /usr/bin/python3 scripts/tpu_ref.py info  MANIFEST

  run    computes the output layer's int8 output (N x P x Q x M, NHWC), prints its shape and a
         checksum (sha256 of the raw bytes and the sum of the values), and writes the raw bytes
         to --out (np.tofile: no header). --all-layers DIR also writes every layer's output as
         DIR/<layer>.i8 (debugging).
  check  recomputes the output and compares it with the manifest's golden file: exit 0 when
         every value matches, 1 when some differ (the mismatch count and the first mismatches
         are printed).
  info   prints the layers (op, shapes, weights, MACs) and the totals per op type.
  Errors in the manifest or its data files (the message names the file and the key) exit 2.

As a module: load_network(path) -> Network; run_network(net, return_all=False) -> int8 array
(N, P, Q, M) of the output layer (and, with return_all, the list of every layer's output); the
op functions conv, dense, maxpool, avgpool, add, mul, activate_op on NHWC int8 arrays; the
seeded-data rule seeded_int8 / seeded_int32; activate(), the activation unit (apply_requant: the
same with bias 0 and a Requant); and the requant encoding shared by the workload generators and
the ONNX converter: round_away (half away from zero) and encode_multiplier (real M -> multiplier
m in [2^30, 2^31-1] and shift s).

The manifest format and the exact integer semantics are those of host/manifest/network.h; the
activation unit's are those of model/activation/quant.h. Both are repeated here, as implemented:

Seeded data ({random_seed: S}): value i (0-based, file order) comes from
    z = splitmix64(S * 0x9E3779B97F4A7C15 + (i + 1) * 0xBF58476D1CE4E5B9)   (mod 2^64)
    splitmix64(z): z ^= z >> 30; z *= 0xBF58476D1CE4E5B9; z ^= z >> 27;
                   z *= 0x94D049BB133111EB; z ^= z >> 31                     (mod 2^64)
    int8:  int(z % 255) - 127 (in [-127, 127]);   int32 (bias): int(z % 65536) - 32768.
  Computed with numpy uint64 arrays, whose arithmetic wraps mod 2^64 as intended.

activate(acc, bias, requant, fn)   (quant.h; every operation exact in int64):
    v = saturate_int32(acc + bias);  p = v * multiplier  (|p| < 2^62)
    r = (p + 2^(shift-1)) >> shift  (arithmetic shift: ties toward +inf); r = p for shift 0
    requant rounding half_even: r = round(p / 2^shift) with ties to the even integer instead
    (computed here from the floor quotient and the remainder)
    identity: saturate_int8(r + zero_point)
    relu:     max(saturate_int8(r + zero_point), zero_point)
    sigmoid:  LUT[saturate_int8(r) + 128], LUT[i] = clamp(floor(256*sigmoid((i-128)/16) + 0.5)
              - 128, -128, 127)  (input Q3.4, output scale 1/256, zero point -128)
    tanh:     LUT[saturate_int8(r) + 128], LUT[i] = clamp(floor(128*tanh((i-128)/16) + 0.5),
              -128, 127)         (input Q3.4, output scale 1/128, zero point 0)
  The 256-entry tables are built once with Python's math.exp / math.tanh (the C library's, as
  quant.cpp uses std::exp / std::tanh); every entry is at least 1e-4 away from a rounding tie,
  so last-bit differences between libraries cannot change them (test_tpu_ref.py checks).

Ops (N = samples; tensors NHWC int8; a layer's output is its int8 activation):
    conv:    P = (H + top + bottom - kh) // sh + 1, Q likewise;
             acc[n,p,q,m] = sum_{i,j,c} x[n, p*sh+i-top, q*sw+j-left, c] * w[i,j,c,m]  (x = 0
             outside the image), wrapped to int32 (two's complement, as the accumulators);
             y = activate(acc, bias[m], requant, fn)
    dense:   the inputs, each flattened in H, W, C order, concatenated in the order given ->
             x[n, features]; acc = x @ w (w [features][M]), wrapped to int32; y as conv, with
             shape (N, 1, 1, M)
    maxpool: max over the window positions inside the image (padding ignored); -128 when the
             window holds none (the same as padding with -128, the int8 minimum)
    avgpool: s = sum over the window positions inside the image (padding counts as 0);
             y = activate(s, 0, requant, identity); global: kernel = H x W, stride 1, no pad
    conv with several inputs: they are concatenated along C first; groups G: output m sums only
             channels (m // (M/G)) * C/G .. + C/G - 1, w of shape (kh, kw, C/G, M)
    add:     v = (a + oa) * sa + (b + ob) * sb   mul: v = (a + oa) * (b + ob)
             (b of shape (1, 1, C) is broadcast over a's H, W: squeeze-excitation)
    lookup:  any layer with activation: lookup: y = table[identity result + 128] (256 int8
             entries from the manifest's table file; the importer computes them)
    activate: v = (a + oa) * sa;  then y = activate(saturate_int32(v), 0, requant, fn)
    wide add (operand_multipliers [ma, mb], requant multiplier 1): v = (a + oa) * ma + (b + ob) * mb
             exactly; r = saturate_int32(round(v / 2^shift)) with the requant's rounding; then
             y = activate(r, 0, (1, 0, zero_point), fn)
Element types (network.h): a tensor is int8, uint8 or int16 (an input's `type`, a layer's
`output_type`, a maxpool's input's); the formulas above take its values, and identity/relu clamp to
the output type's range instead of int8's (uint8 0..255, int16 -32768..32767; zero_point in that
range); maxpool's "none" value is the type's minimum. int16 weights (weight_type) are a file of
int16, or seeded by the int32 rule. The golden file holds the output's bytes (int8 or uint8).
Dense layers run in float64 with BLAS on the int8 values: every product is <= 2^14 and every
partial sum < 2^53 for any summation order (features < 2^39), so the float64 result is the exact
integer sum. Convolutions run in torch's float32 conv2d (oneDNN's direct convolution, fast on the
2-core machine where numpy's reference BLAS is not) on slices of the kernel of at most 2^24 /
(max |x| max |w|) products per output (1024 for int8), whose partial sums are all integers below
2^24 and thus exact float32 numbers in any order; the slices' sums are added in int64. With int16 operands (products up to 2^30) the
slices are summed in float64 instead (exact below 2^53). Both are wrapped to int32 at the end.
"""
import argparse
import hashlib
import math
import os
import sys
from collections import namedtuple

import numpy as np

try:
    import yaml
except ImportError:  # pragma: no cover - reported when a manifest is read
    yaml = None

# PyYAML's safe loader, with libyaml's parser when PyYAML has it (the same documents, read ~10x faster)
SAFE_LOADER = getattr(yaml, "CSafeLoader", None) or getattr(yaml, "SafeLoader", None)

INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1
SPLITMIX_GAMMA = 0x9E3779B97F4A7C15
SPLITMIX_M1 = 0xBF58476D1CE4E5B9
SPLITMIX_M2 = 0x94D049BB133111EB
ACTIVATIONS = ("identity", "relu", "sigmoid", "tanh")   # the fixed functions
FUNCTIONS = ACTIVATIONS + ("lookup",)                   # a manifest's: also the table of a layer
OPS = ("conv", "dense", "maxpool", "avgpool", "add", "mul", "activate", "host_op", "matmul", "pixel_concat",
       "pixel_slice")
# Elements of float64 GEMM operands per chunk (2^22 = 32 MiB): bounds the memory use of dense layers.
CHUNK_ELEMENTS = 1 << 22
# Every integer of magnitude <= 2^24 is a float32 (24-bit significand): the bound of conv_acc's exact
# float32 sums.
FP32_EXACT = 1 << 24
FP64_EXACT = 1 << 53
# Seeded values generated per numpy call (bounds the uint64 temporaries).
SEED_CHUNK = 1 << 22

Requant = namedtuple("Requant", "multiplier shift zero_point rounding")
Requant.__new__.__defaults__ = (0, "half_up")
ROUNDINGS = ("half_up", "half_even")   # a requant's ties: toward +inf, or to even


class ManifestError(Exception):
    """A malformed manifest or data file; the message names the file and the key."""


# --------------------------------------------------------------------------------------------
# Seeded data
# --------------------------------------------------------------------------------------------

def splitmix64(z):
    """splitmix64's output function on a uint64 array (wraps mod 2^64)."""
    z = np.asarray(z, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = z ^ (z >> np.uint64(30))
        z = z * np.uint64(SPLITMIX_M1)
        z = z ^ (z >> np.uint64(27))
        z = z * np.uint64(SPLITMIX_M2)
        z = z ^ (z >> np.uint64(31))
    return z


def _seeded_z(seed, first, count):
    """z of values first .. first+count-1 of seed `seed` (uint64 array)."""
    if not 0 <= int(seed) < (1 << 64):
        raise ValueError(f"random_seed {seed} is not a uint64")
    base = np.uint64((int(seed) * SPLITMIX_GAMMA) & ((1 << 64) - 1))
    i1 = np.arange(first + 1, first + count + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = base + i1 * np.uint64(SPLITMIX_M1)
    return splitmix64(z)


def _seeded(seed, count, dtype, modulus):
    """`count` values int(z % modulus) - modulus // 2 of seed `seed` as `dtype`, computed
    SEED_CHUNK values at a time."""
    out = np.empty(int(count), dtype=dtype)
    for first in range(0, int(count), SEED_CHUNK):
        n = min(SEED_CHUNK, int(count) - first)
        z = _seeded_z(seed, first, n) % np.uint64(modulus)
        out[first:first + n] = z.astype(np.int64) - modulus // 2
    return out


def seeded_int8(seed, count):
    """`count` int8 values of seed `seed`: int(z % 255) - 127, in [-127, 127]."""
    return _seeded(seed, count, np.int8, 255)


def seeded_int32(seed, count):
    """`count` int32 (bias) values of seed `seed`: int(z % 65536) - 32768."""
    return _seeded(seed, count, np.int32, 65536)


# --------------------------------------------------------------------------------------------
# The activation unit (quant.h)
# --------------------------------------------------------------------------------------------

def _build_table(f):
    """256 int8 entries: entry i holds f((i - 128) / 16), already rounded and clamped."""
    return np.array([f((i - 128) / 16.0) for i in range(256)], dtype=np.int8)


def _sigmoid_entry(x):
    """The sigmoid LUT entry of Q3.4 input x: clamp(floor(256 sigmoid(x) + 0.5) - 128)."""
    s = 1.0 / (1.0 + math.exp(-x))
    return min(max(math.floor(256.0 * s + 0.5) - 128, -128), 127)


def _tanh_entry(x):
    """The tanh LUT entry of Q3.4 input x: clamp(floor(128 tanh(x) + 0.5))."""
    return min(max(math.floor(128.0 * math.tanh(x) + 0.5), -128), 127)


SIGMOID_LUT = _build_table(_sigmoid_entry)
TANH_LUT = _build_table(_tanh_entry)


def saturate_int32(v):
    """Clamps an int64 array to [-2^31, 2^31-1] (int64 result)."""
    return np.clip(np.asarray(v, dtype=np.int64), INT32_MIN, INT32_MAX)


def wrap_int32(v):
    """Two's-complement wrap of an int64 array to int32 values (int64 result)."""
    v = np.asarray(v, dtype=np.int64)
    return ((v + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


def round_shift(p, s, rounding="half_up"):
    """round(p / 2^s) on an int64 array: (p + 2^(s-1)) >> s with an arithmetic shift (ties toward
    +inf); with rounding "half_even" ties go to the even neighbour (floor quotient q, remainder
    r = p - q 2^s: q + 1 when r > 2^(s-1), or r == 2^(s-1) and q odd). p for s == 0."""
    p = np.asarray(p, dtype=np.int64)
    if s == 0:
        return p
    if rounding == "half_even":
        q = p >> np.int64(s)
        r = p - (q << np.int64(s))
        half = np.int64(1 << (s - 1))
        return q + ((r > half) | ((r == half) & (q % 2 == 1))).astype(np.int64)
    return (p + np.int64(1 << (s - 1))) >> np.int64(s)


# Element types of tensors (network.h "Element types"): numpy dtype and value range.
ELEMENT_TYPES = {"int8": np.int8, "uint8": np.uint8, "int16": np.int16}


def activate(acc, bias, multiplier, shift, zero_point=0, fn="identity", table=None, out_type="int8",
             rounding="half_up"):
    """The activation unit on an integer array: bias, requantization and `fn` (quant.h).

    acc: integer array (int32 values; int64 is fine); bias: int array broadcast against acc
    (per output channel on the last axis) or a scalar. fn "lookup": the identity's int8 result y
    selects table[y + 128] (table: 256 int8). Returns an array of acc's shape and of element type
    out_type ("int8"; "uint8" or "int16" with fn identity or relu only: the clamps are the type's
    range instead of int8's). rounding: the requant's ties, "half_up" or "half_even".
    """
    if out_type != "int8":
        dtype = ELEMENT_TYPES[out_type]
        lo, hi = int(np.iinfo(dtype).min), int(np.iinfo(dtype).max)
        if fn not in ("identity", "relu") or not lo <= zero_point <= hi:
            raise ValueError(f"{out_type} output: fn {fn!r}, zero_point {zero_point}")
        v = saturate_int32(np.asarray(acc, dtype=np.int64) + np.asarray(bias, dtype=np.int64))
        y = np.clip(round_shift(v * np.int64(multiplier), int(shift), rounding) + zero_point, lo, hi)
        return (np.maximum(y, zero_point) if fn == "relu" else y).astype(dtype)
    if fn == "lookup":
        if table is None or len(table) != 256:
            raise ValueError("activation lookup needs a 256-entry table")
        y = activate(acc, bias, multiplier, shift, zero_point, "identity", rounding=rounding)
        return np.asarray(table, dtype=np.int8)[y.astype(np.intp) + 128]
    if fn not in ACTIVATIONS:
        raise ValueError(f"unknown activation {fn!r}")
    if not 0 <= multiplier <= INT32_MAX or not 0 <= shift <= 62 or not -128 <= zero_point <= 127:
        raise ValueError(f"requant out of range: multiplier {multiplier}, shift {shift}, "
                         f"zero_point {zero_point}")
    v = saturate_int32(np.asarray(acc, dtype=np.int64) + np.asarray(bias, dtype=np.int64))
    r = round_shift(v * np.int64(multiplier), int(shift), rounding)
    if fn == "identity":
        return np.clip(r + zero_point, -128, 127).astype(np.int8)
    if fn == "relu":
        return np.maximum(np.clip(r + zero_point, -128, 127), zero_point).astype(np.int8)
    idx = (np.clip(r, -128, 127) + 128).astype(np.intp)
    return (SIGMOID_LUT if fn == "sigmoid" else TANH_LUT)[idx]


def round_away(x):
    """Rounds half away from zero: a float or float array in, float64 (array) out.

    trunc(x + copysign(0.5, x)): for x >= 0 floor(x + 0.5), for x < 0 its mirror image (IEEE
    addition rounds symmetrically), i.e. sign(x) floor(|x| + 0.5) to the bit, in two passes.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.copysign(0.5, x)
    if y.ndim == 0:
        return np.trunc(x + y)
    y += x
    return np.trunc(y, out=y)


def encode_multiplier(M, min_shift=1, max_shift=62):
    """Encodes a real requantization multiplier M > 0 as (m, s), M ~= m / 2^s (Python ints).

    e = floor(log2 M) (exact, via frexp); s = 30 - e; m = round_away(M * 2^s), so m is in
    [2^30, 2^31-1]; when m rounds up to 2^31, m = 2^30 and s -= 1. ValueError when M is not
    positive and finite, or when s falls outside [min_shift, max_shift] (the generators use
    1..62; activate() accepts 0..62, and M in [2^-32, 2^31) needs exactly that range).
    """
    if not M > 0:
        raise ValueError(f"requantization multiplier must be positive, got {M!r}")
    if not math.isfinite(M):
        raise ValueError(f"requantization multiplier must be finite, got {M!r}")
    e = math.frexp(M)[1] - 1  # exact floor(log2(M))
    s = 30 - e
    m = int(round_away(math.ldexp(M, s)))
    if m == 1 << 31:
        m //= 2
        s -= 1
    if not min_shift <= s <= max_shift:
        raise ValueError(f"multiplier {M!r} needs shift {s}, outside {min_shift}..{max_shift}")
    return m, s


def apply_requant(v, requant, fn, table=None, out_type="int8"):
    """activate() with bias 0 and a Requant tuple."""
    return activate(v, 0, requant.multiplier, requant.shift, requant.zero_point, fn, table, out_type,
                    requant.rounding)


# --------------------------------------------------------------------------------------------
# GEMM, conv and dense
# --------------------------------------------------------------------------------------------

def gemm_acc(a, w):
    """int32 accumulators of a @ w (a: int8 [R][K], w: int8 [K][M]) -> int64 [R][M].

    float64 BLAS on int8 values is exact (partial sums < 2^53); the result is wrapped to int32.
    """
    a = np.asarray(a)
    R, K = a.shape
    wf = np.asarray(w, dtype=np.float64)
    out = np.empty((R, wf.shape[1]), dtype=np.int64)
    step = max(1, CHUNK_ELEMENTS // max(K, 1))
    for r0 in range(0, R, step):
        r1 = min(R, r0 + step)
        out[r0:r1] = np.matmul(a[r0:r1].astype(np.float64), wf).astype(np.int64)
    return wrap_int32(out)


def matmul_acc(a, bs, heads, transpose_b):
    """The int32 sums of a matmul layer (network.h): int8 a (1, H, W, G*K) times B_g from the b
    tensors (each (1, h, w, Cb), concatenated along their pixels into b [P_b][Cb]): B_g = b[:,
    g*N:(g+1)*N] (K = P_b), or with transpose_b B_g = b[:, g*K:(g+1)*K] transposed (N = P_b).
    Output int64 (1, H, W, G*N), wrapped to int32."""
    b = np.concatenate([x.reshape(-1, x.shape[-1]) for x in bs], axis=0)
    _, H, W_, A = a.shape
    G = heads
    K = A // G
    a2 = a.reshape(H * W_, A)
    parts = []
    for g in range(G):
        if transpose_b:
            Bg = b[:, g * K:(g + 1) * K].T
        else:
            n = b.shape[1] // G
            Bg = b[:, g * n:(g + 1) * n]
        parts.append(gemm_acc(a2[:, g * K:(g + 1) * K], Bg))
    acc = np.concatenate(parts, axis=1)
    return acc.reshape(1, H, W_, acc.shape[1])


def matmul(a, bs, heads, transpose_b, requant, fn="identity", table=None):
    """A matmul layer (network.h): matmul_acc requantized, (1, H, W, G*N)."""
    return apply_requant(matmul_acc(a, bs, heads, transpose_b), requant, fn, table)


def matmul_samples(a, bs, heads, transpose_b, requant, fn="identity", table=None):
    """A matmul layer over a batch (network.h): sample n's a (a[n]) times the B_g of its own b
    tensors (b[n] of each): matmul per sample, (N, H, W, G*N_out)."""
    return np.concatenate([matmul(a[n:n + 1], [b[n:n + 1] for b in bs], heads, transpose_b, requant, fn, table)
                           for n in range(a.shape[0])], axis=0)


def normalize_pad(pad):
    """pad [t, l, b, r] or [ph, pw] or None -> (top, left, bottom, right)."""
    if pad is None:
        return (0, 0, 0, 0)
    pad = tuple(int(p) for p in pad)
    if len(pad) == 2:
        return (pad[0], pad[1], pad[0], pad[1])
    if len(pad) == 4:
        return pad
    raise ValueError(f"pad must have 2 or 4 values, got {list(pad)}")


def out_size(h, k, s, before, after):
    """floor((h + before + after - k) / s) + 1 (< 1 means the window does not fit)."""
    return (h + before + after - k) // s + 1


def conv_acc(x, w, stride=(1, 1), pad=None, groups=1):
    """int32 accumulators of a convolution: x int8 (N,H,W,C), w int8 (kh,kw,C/G,M), G = groups ->
    int64 (N,P,Q,M), wrapped to int32; output m sums the input channels of its group,
    (m // (M/G)) * C/G .. + C/G - 1.

    Computed with torch's float32 conv2d (oneDNN's direct convolution) on slices of the kernel
    small enough that the float32 sums are exact integers (see _exact_slices; float64 and 2^53
    for int16 operands), the slices' sums added in int64. ValueError on mismatched shapes or an output smaller than 1 x 1.
    """
    x, w = np.asarray(x), np.asarray(w)
    N, H, W, C = x.shape
    kh, kw, cg, M = w.shape
    if cg * groups != C or M % groups:
        raise ValueError(f"conv weights have {cg} input channels x {groups} groups and {M} outputs, "
                         f"the input {C} channels")
    t, l, b, r = normalize_pad(pad)
    P, Q = out_size(H, kh, stride[0], t, b), out_size(W, kw, stride[1], l, r)
    if P < 1 or Q < 1:
        raise ValueError(f"conv output {P}x{Q} < 1")
    import torch
    bound = _magnitude(x) * _magnitude(w)
    # int8/uint8 operands: float32 slices; int16 ones (products up to 2^30): float64 slices
    dtype, limit = (torch.float32, FP32_EXACT) if kw * max(bound, 1) <= FP32_EXACT else (torch.float64, FP64_EXACT)
    xt = torch.from_numpy(np.ascontiguousarray(x)).permute(0, 3, 1, 2).to(dtype)
    xt = torch.nn.functional.pad(xt, (l, r, t, b))                       # zeros outside the image
    wt = torch.from_numpy(np.ascontiguousarray(w)).permute(3, 2, 0, 1).to(dtype)  # (M, C/G, kh, kw)
    out = torch.zeros((N, M, P, Q), dtype=torch.int64)
    for (i0, i1), (c0, c1) in _exact_slices(kh, kw, cg, bound, limit):
        chans = (np.arange(groups)[:, None] * cg + np.arange(c0, c1)).reshape(-1)
        rows = slice(i0, i0 + (P - 1) * stride[0] + i1 - i0)
        with torch.no_grad():
            out += torch.nn.functional.conv2d(xt[:, torch.from_numpy(chans), rows], wt[:, c0:c1, i0:i1],
                                              stride=tuple(stride), groups=groups).to(torch.int64)
    return wrap_int32(out.permute(0, 2, 3, 1).numpy())


def _magnitude(a):
    """max |a| of an integer array (Python int; 0 when empty)."""
    return max(-int(a.min()), int(a.max())) if a.size else 0


def _exact_slices(kh, kw, cg, bound, limit=None):
    """The kernel's slices ((row i0, i1), (channel c0, c1)) for exact float32 sums.

    Each output of a slice sums (i1 - i0) kw (c1 - c0) integer products of magnitude <= bound (max
    |x| max |w|); the slices are as large as possible with that count times bound <= limit
    (FP32_EXACT = 2^24, below which every integer is a float32; FP64_EXACT = 2^53 for float64), so
    every partial sum, in any order, is exact.
    (int8 operands: bound <= 2^14, 1024 products per slice: 113 channels of a 3x3 kernel or 1024 of
    a 1x1 at a time; kernels of more than 1024 positions in groups of rows, one channel at a time.)
    ValueError when one kernel row of one channel exceeds it (operands wider than int8 with
    kernels wider than 1024).
    """
    limit = FP32_EXACT if limit is None else limit
    per_row = kw * max(bound, 1)
    if per_row > limit:
        raise ValueError(f"conv operands up to {bound} in magnitude with {kw}-wide kernels: float32 sums "
                         "would not be exact")
    n = limit // per_row                               # kernel rows x channels per slice
    if n >= kh:
        rows, chans = [(0, kh)], min(cg, n // kh)
    else:
        rows, chans = [(i, min(kh, i + n)) for i in range(0, kh, n)], 1
    return [(rr, (c0, min(cg, c0 + chans))) for rr in rows for c0 in range(0, cg, chans)]


def grouped_conv_acc(x, w, groups, stride=(1, 1), pad=None):
    """conv_acc of a grouped convolution (kept for callers that name it)."""
    return conv_acc(x, w, stride, pad, groups)


def conv(x, w, bias, stride, pad, requant, fn="identity", groups=1, table=None, out_type="int8"):
    """conv layer: activate(conv_acc(x, w), bias[m], requant, fn) -> int8 (N,P,Q,M); bias is
    an int32 array (M,) (load_network supplies zeros when the manifest has none); x may be a list
    of inputs, concatenated along C; groups > 1: a grouped conv (conv_acc)."""
    if isinstance(x, (list, tuple)):
        x = np.concatenate([np.asarray(v) for v in x], axis=3)
    acc = conv_acc(x, w, stride, pad, groups)
    return activate(acc, bias, requant.multiplier, requant.shift, requant.zero_point, fn, table, out_type)


def flatten_concat(xs):
    """Flattens each (N,H,W,C) input in H, W, C order and concatenates -> int8 (N, features)."""
    xs = [np.asarray(x) for x in xs]
    n = xs[0].shape[0]
    return np.concatenate([x.reshape(n, -1) for x in xs], axis=1)


def dense_acc(xs, w):
    """int32 accumulators of a dense layer: inputs xs (list of (N,H,W,C) int8), w (F, M)."""
    a = flatten_concat(xs)
    if a.shape[1] != w.shape[0]:
        raise ValueError(f"dense weights have {w.shape[0]} features, the inputs {a.shape[1]}")
    return gemm_acc(a, w).reshape(a.shape[0], 1, 1, w.shape[1])


def dense(xs, w, bias, requant, fn="identity", table=None, out_type="int8"):
    """dense layer: activate(dense_acc(xs, w), bias[m], requant, fn) -> int8 (N, 1, 1, M); bias
    is an int32 array (M,) as for conv."""
    acc = dense_acc(xs, w)
    return activate(acc, bias, requant.multiplier, requant.shift, requant.zero_point, fn, table, out_type)


# --------------------------------------------------------------------------------------------
# Pools and element-wise ops
# --------------------------------------------------------------------------------------------

def _windows(x, kernel, stride, pad, fill, dtype):
    """Yields the kh*kw strided views of x padded with `fill` (one per window position)."""
    N, H, W, C = x.shape
    kh, kw = kernel
    sh, sw = stride
    t, l, b, r = normalize_pad(pad)
    P, Q = out_size(H, kh, sh, t, b), out_size(W, kw, sw, l, r)
    if P < 1 or Q < 1:
        raise ValueError(f"pool output {P}x{Q} < 1")
    xp = np.full((N, H + t + b, W + l + r, C), fill, dtype=dtype)
    xp[:, t:t + H, l:l + W, :] = x
    for i in range(kh):
        for j in range(kw):
            yield xp[:, i:i + (P - 1) * sh + 1:sh, j:j + (Q - 1) * sw + 1:sw, :]


def maxpool(x, kernel, stride=(1, 1), pad=None):
    """Max over the window positions inside the image; the type's minimum if none (padding = the
    minimum: -128 for int8, 0 for uint8); the output keeps x's element type."""
    x = np.asarray(x)
    out = None
    for v in _windows(x, kernel, stride, pad, np.iinfo(x.dtype).min, x.dtype):
        out = v.copy() if out is None else np.maximum(out, v)
    return out


def avgpool_sum(x, kernel, stride=(1, 1), pad=None):
    """Window sums (padding counts as 0) -> int64 (N,P,Q,C)."""
    out = None
    for v in _windows(np.asarray(x), kernel, stride, pad, 0, np.int64):
        out = v.copy() if out is None else out + v
    return out


def avgpool(x, kernel, stride, pad, requant, out_type="int8"):
    """avgpool: activate(window sum, 0, requant, identity) (requant carries 1/(kh*kw))."""
    return apply_requant(avgpool_sum(x, kernel, stride, pad), requant, "identity", None, out_type)


def global_avgpool_sum(x):
    """Sums over H and W -> int64 (N, 1, 1, C)."""
    return np.asarray(x, dtype=np.int64).sum(axis=(1, 2), keepdims=True)


def add_value(a, b, scales=(1, 1), offsets=(0, 0)):
    """saturate_int32((a + oa) * sa + (b + ob) * sb), computed exactly in int64."""
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    return saturate_int32((a + offsets[0]) * scales[0] + (b + offsets[1]) * scales[1])


def add_wide_value(a, b, multipliers, offsets, shift, rounding="half_up"):
    """The wide add's sum: saturate_int32(round((a + oa) * ma + (b + ob) * mb) / 2^shift) with the
    given rounding; the products (< 2^47) and their sum are exact in int64."""
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    v = (a + offsets[0]) * np.int64(multipliers[0]) + (b + offsets[1]) * np.int64(multipliers[1])
    return saturate_int32(round_shift(v, int(shift), rounding))


def add_wide(a, b, multipliers, offsets, requant, fn="identity", table=None, out_type="int8"):
    """add layer with operand_multipliers -> out_type: add_wide_value with the requant's shift and
    rounding, then the function with multiplier 1, shift 0 and the requant's zero point."""
    r = add_wide_value(a, b, multipliers, offsets, requant.shift, requant.rounding)
    return activate(r, 0, 1, 0, requant.zero_point, fn, table, out_type)


def mul_value(a, b, offsets=(0, 0)):
    """saturate_int32((a + oa) * (b + ob)) (exact in int64)."""
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    return saturate_int32((a + offsets[0]) * (b + offsets[1]))


def activate_value(a, scale=1, offset=0):
    """saturate_int32((a + oa) * sa) (exact in int64)."""
    return saturate_int32((np.asarray(a, dtype=np.int64) + offset) * scale)


def add(a, b, scales, offsets, requant, fn="identity", table=None, out_type="int8"):
    """add layer -> out_type; b of shape (N, 1, 1, C) broadcasts over a's H and W."""
    return apply_requant(add_value(a, b, scales, offsets), requant, fn, table, out_type)


def mul(a, b, offsets, requant, fn="identity", table=None, out_type="int8"):
    """mul layer -> out_type; b may broadcast as for add."""
    return apply_requant(mul_value(a, b, offsets), requant, fn, table, out_type)


def activate_op(a, scale, offset, requant, fn, table=None, out_type="int8"):
    """activate layer -> out_type."""
    return apply_requant(activate_value(a, scale, offset), requant, fn, table, out_type)


# --------------------------------------------------------------------------------------------
# Manifests
# --------------------------------------------------------------------------------------------

class Network:
    """A loaded network manifest.

    inputs: list of dicts {name, shape (H, W, C), data int8 (N, H, W, C)}
    layers: list of dicts {name, op, inputs (list of refs: i >= 0 layer i, i < 0 input -i-1),
            in_shape, out_shape, and per op: outputs, kernel, stride, pad (t, l, b, r), weights
            (int8 (kh,kw,C,M) or (F,M)), bias (int32 (M,)), activation, requant (Requant),
            scales, offsets, global, features}
    """

    def __init__(self):
        self.name = ""
        self.samples = 0
        self.inputs, self.layers = [], []
        self.output = -1
        self.golden = None

    def shape_of(self, ref):
        """(H, W, C) of tensor `ref` (layer index, or -k-1 for input k)."""
        return self.layers[ref]["out_shape"] if ref >= 0 else self.inputs[-ref - 1]["shape"]

    def type_of(self, ref):
        """Element type ("int8", "uint8", "int16") of tensor `ref`."""
        return self.layers[ref]["out_type"] if ref >= 0 else self.inputs[-ref - 1]["type"]

    def layer_macs(self, L):
        """Useful MACs per sample of one layer (conv P*Q*M*kh*kw*C, dense F*M, else 0)."""
        if L["op"] == "conv":
            P, Q, M = L["out_shape"]
            return P * Q * M * L["kernel"][0] * L["kernel"][1] * L["in_shape"][2] // L.get("groups", 1)
        if L["op"] == "dense":
            return L["features"] * L["outputs"]
        if L["op"] == "matmul":
            H, W_, M = L["out_shape"]
            return H * W_ * M * L["in_shape"][2] // L["heads"]
        return 0

    def macs_per_sample(self):
        """Useful MACs per sample of the whole network (the sum of layer_macs)."""
        return sum(self.layer_macs(L) for L in self.layers)

    def weight_bytes(self):
        """Sum of every conv/dense layer's weight bytes (as NetworkLayer::weight_bytes)."""
        return sum(L["weights"].nbytes for L in self.layers if L["op"] in ("conv", "dense"))

    def unique_weight_bytes(self):
        """Weight bytes counting weights shared by several layers (same seed or file) once."""
        seen = {}
        for L in self.layers:
            if L["op"] in ("conv", "dense"):
                seen[id(L["weights"].base if L["weights"].base is not None else L["weights"])] = \
                    L["weights"].nbytes
        return sum(seen.values())


LAYER_KEYS = {
    "conv": {"outputs", "kernel", "stride", "pad", "groups", "weights", "bias", "activation", "table", "requant",
             "output_type", "weight_type"},
    "dense": {"outputs", "weights", "bias", "activation", "table", "requant", "output_type", "weight_type"},
    "maxpool": {"kernel", "stride", "pad"},
    "avgpool": {"kernel", "stride", "pad", "requant", "global", "output_type"},
    "add": {"operand_scales", "operand_offsets", "activation", "table", "requant", "output_type",
            "operand_multipliers"},
    "mul": {"operand_offsets", "activation", "table", "requant", "output_type"},
    "activate": {"operand_scale", "operand_offset", "activation", "table", "requant", "output_type"},
    "host_op": {"host_op", "params"},
    "matmul": {"heads", "transpose_b", "activation", "table", "requant"},
    "pixel_concat": set(),
    "pixel_slice": {"pixels"},
}
COMMON_KEYS = {"name", "op", "input", "inputs"}
TOP_KEYS = {"format", "name", "description", "samples", "inputs", "golden", "output", "layers"}


def _int(v, where, lo=None, hi=None):
    """An integer (not bool) in [lo, hi], else ManifestError naming `where`."""
    if isinstance(v, bool) or not isinstance(v, int):
        raise ManifestError(f"{where}: expected an integer, got {v!r}")
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise ManifestError(f"{where}: {v} outside [{lo}, {hi}]")
    return v


def _int_list(v, n, where, lo=None, hi=None):
    """A list of integers of a length in `n` (int or tuple of allowed lengths)."""
    lens = (n,) if isinstance(n, int) else n
    if not isinstance(v, list) or len(v) not in lens:
        raise ManifestError(f"{where}: expected a list of {' or '.join(map(str, lens))} "
                            f"integers, got {v!r}")
    return [_int(x, f"{where}[{i}]", lo, hi) for i, x in enumerate(v)]


def _read_weights(base_dir, spec, count, weight_type, where, cache):
    """Weights: int8 (_read_data), or int16: a file of int16 little endian, or {random_seed: S}
    by the int32 rule (values in [-32768, 32767]) -> int16 array."""
    if weight_type == "int8":
        return _read_data(base_dir, spec, count, np.int8, where, cache)
    if isinstance(spec, dict):
        return _read_data(base_dir, spec, count, np.int32, where, cache).astype(np.int16)
    return _read_data(base_dir, spec, count, np.int16, where, cache)


def _element_types(net, d, op, refs, fn, where):
    """(output type, weight type) of a layer (network.h "Element types"), checking what its
    inputs and outputs may be; ManifestError naming `where`."""
    weighted = op in ("conv", "dense")
    for r in refs:
        t = net.type_of(r)
        if t == "int16" and not weighted:
            raise ManifestError(f"{where}: {op} reads an int16 tensor; only conv and dense take 16-bit activations")
        if t != "int8" and op == "host_op":
            raise ManifestError(f"{where}: host_op reads int8 tensors only, got {t}")
    out = net.type_of(refs[0]) if op in ("maxpool", "pixel_concat", "pixel_slice") else \
        str(d.get("output_type", "int8"))
    if out not in (("int8", "uint8", "int16") if weighted else ("int8", "uint8")):
        raise ManifestError(f"{where}.output_type: {out!r} is not an output type of {op}")
    if out != "int8" and op != "maxpool" and fn not in ("identity", "relu"):
        raise ManifestError(f"{where}.output_type: {out} outputs take activation identity or relu")
    wt = str(d.get("weight_type", "int8"))
    if wt not in ("int8", "int16"):
        raise ManifestError(f"{where}.weight_type: expected int8 or int16, got {wt!r}")
    return out, wt


def _read_data(base_dir, spec, count, dtype, where, cache=None):
    """`count` values of `dtype` from a file (relative to base_dir) or {random_seed: S}.

    With a cache dict, the same (seed or file, count, dtype) returns the same array object, so
    weights shared by several layers (an LSTM's steps) are generated or read once."""
    if isinstance(spec, dict):
        if set(spec) != {"random_seed"}:
            raise ManifestError(f"{where}: a seeded tensor is {{random_seed: S}}, got {spec!r}")
        seed = _int(spec["random_seed"], f"{where}.random_seed", 0, (1 << 64) - 1)
        key = ("seed", seed, count, np.dtype(dtype).str)
        if cache is not None and key in cache:
            return cache[key]
        data = seeded_int8(seed, count) if dtype == np.int8 else seeded_int32(seed, count)
        if cache is not None:
            cache[key] = data
        return data
    if not isinstance(spec, str) or not spec:
        raise ManifestError(f"{where}: expected a file name or {{random_seed: S}}, got {spec!r}")
    path = os.path.join(base_dir, spec)
    key = ("file", os.path.abspath(path), count, np.dtype(dtype).str)
    if cache is not None and key in cache:
        return cache[key]
    try:
        data = np.fromfile(path, dtype=np.dtype(dtype).newbyteorder("<"))
    except OSError as e:
        raise ManifestError(f"{where}: cannot read {path}: {e.strerror}") from None
    if data.size != count:
        raise ManifestError(f"{where}: {path} holds {data.size} values, expected {count}")
    data = data.astype(dtype)
    if cache is not None:
        cache[key] = data
    return data


def _requant(v, where, out_type="int8"):
    """A manifest requant mapping {multiplier, shift, zero_point} as a Requant (ManifestError
    naming `where` when malformed)."""
    if not isinstance(v, dict):
        raise ManifestError(f"{where}: expected {{multiplier, shift, zero_point}}, got {v!r}")
    unknown = set(v) - {"multiplier", "shift", "zero_point", "rounding"}
    if unknown:
        raise ManifestError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    for k in ("multiplier", "shift"):
        if k not in v:
            raise ManifestError(f"{where}: missing {k!r}")
    rounding = v.get("rounding", "half_up")
    if rounding not in ROUNDINGS:
        raise ManifestError(f"{where}.rounding: must be half_up or half_even, got {rounding!r}")
    return Requant(_int(v["multiplier"], f"{where}.multiplier", 0, INT32_MAX),
                   _int(v["shift"], f"{where}.shift", 0, 62),
                   _int(v.get("zero_point", 0), f"{where}.zero_point",
                        int(np.iinfo(ELEMENT_TYPES[out_type]).min), int(np.iinfo(ELEMENT_TYPES[out_type]).max)),
                   rounding)


def _outputs(d, where):
    """The `outputs` of conv/dense layer mapping d, which must also have `weights`."""
    if "outputs" not in d or "weights" not in d:
        raise ManifestError(f"{where}: missing key "
                            f"{'outputs' if 'outputs' not in d else 'weights'!r}")
    return _int(d["outputs"], f"{where}.outputs", 1)


# --------------------------------------------------------------------------------------------
# Host operations (host/manifest/host_op.h): computed by the host CPU at an Interrupt_Host
# --------------------------------------------------------------------------------------------

HOST_OPS = ("Softmax", "LayerNormalization")
HOST_OP_PARAMS = ("input_scale", "epsilon", "output_scale", "output_zero_point", "gamma", "beta",
                  "groups", "causal")


def _number(v, where):
    """A finite int or float (not bool), else ManifestError."""
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ManifestError(f"{where}: expected a finite number, got {v!r}")
    return float(v)


def _host_op_params(d, w, channels):
    """The host_op and params keys of a host_op layer, checked (defaults as host_op.h)."""
    kind = d.get("host_op")
    if kind not in HOST_OPS:
        raise ManifestError(f"{w}.host_op: must be Softmax or LayerNormalization, got {kind!r}")
    prm = d.get("params", {}) or {}
    if not isinstance(prm, dict):
        raise ManifestError(f"{w}.params: expected a mapping")
    unknown = set(prm) - set(HOST_OP_PARAMS)
    if unknown:
        raise ManifestError(f"{w}.params: unknown key {sorted(unknown)[0]!r}")
    if kind == "Softmax" and set(prm) - {"input_scale", "groups", "causal"}:
        raise ManifestError(f"{w}.params: Softmax takes only input_scale, groups and causal")
    if kind != "Softmax" and set(prm) & {"groups", "causal"}:
        raise ManifestError(f"{w}.params: LayerNormalization takes neither groups nor causal")
    p = dict(kind=kind, input_scale=1.0, epsilon=1e-5, output_scale=1.0 / 32, output_zero_point=0,
             gamma=None, beta=None, groups=1, causal=False)
    if "groups" in prm:
        p["groups"] = _int(prm["groups"], f"{w}.params.groups", 1)
        if channels % p["groups"]:
            raise ManifestError(f"{w}.params.groups: {p['groups']} does not divide {channels} channels")
    if "causal" in prm:
        if not isinstance(prm["causal"], bool):
            raise ManifestError(f"{w}.params.causal: expected true or false")
        p["causal"] = prm["causal"]
    for k in ("input_scale", "output_scale", "epsilon"):
        if k in prm:
            p[k] = _number(prm[k], f"{w}.params.{k}")
    if p["input_scale"] <= 0 or p["output_scale"] <= 0 or p["epsilon"] < 0:
        raise ManifestError(f"{w}.params: scales must be > 0 and epsilon >= 0")
    if "output_zero_point" in prm:
        p["output_zero_point"] = _int(prm["output_zero_point"], f"{w}.params.output_zero_point",
                                      -128, 127)
    for k in ("gamma", "beta"):
        if k in prm:
            v = prm[k]
            if not isinstance(v, list) or len(v) != channels:
                raise ManifestError(f"{w}.params.{k}: expected a list of {channels} numbers")
            p[k] = np.array([_number(x, f"{w}.params.{k}") for x in v], dtype=np.float64)
    return p


def host_softmax(x, input_scale, groups=1, causal=False):
    """Softmax over the last axis of int8 NHWC x: output scale 1/256, zero point -128 (host_op.h),
    per block of C / groups channels; causal: channel j of a block is masked (E = 0) when j is
    greater than the pixel's index p = h W + w in its image.
    E(d) = floor(2^20 exp(-(s d)) + 0.5) for d = max over visible - x (a table built with
    math.exp), then y = floor((512 E + S) / (2 S)) - 128 in exact integers."""
    table = np.array([math.floor(1048576.0 * math.exp(-(input_scale * float(d))) + 0.5)
                      for d in range(256)], dtype=np.int64)
    shape = x.shape
    c = shape[-1]
    image = shape[1] * shape[2] if x.ndim == 4 else (shape[-2] if x.ndim >= 2 else 1)   # pixels of an image
    xi = x.astype(np.int64).reshape(-1, image, groups, c // groups)
    if causal:
        visible = np.arange(c // groups)[None, :] <= np.arange(image)[:, None]     # [p, j]
    else:
        visible = np.ones((image, c // groups), dtype=bool)
    visible = visible[None, :, None, :]
    mx = np.where(visible, xi, -129).max(axis=-1, keepdims=True)
    e = np.where(visible, table[np.clip(mx - xi, 0, 255)], 0)
    s = e.sum(axis=-1, keepdims=True)
    y = (512 * e + s) // (2 * s) - 128
    return np.clip(y, -128, 127).astype(np.int8).reshape(shape)


def host_layernorm(x, p):
    """LayerNormalization over the last axis of int8 x (host_op.h): exact integer sums, then
    float64 in the order written there."""
    C = x.shape[-1]
    xi = x.astype(np.int64)
    s1 = xi.sum(axis=-1, keepdims=True)
    v = C * (xi * xi).sum(axis=-1, keepdims=True) - s1 * s1
    eps_x = (p["epsilon"] * float(C * C)) / (p["input_scale"] * p["input_scale"])
    den = np.sqrt(v.astype(np.float64) + eps_x)
    num = (C * xi - s1).astype(np.float64)
    safe = np.where(den > 0, den, 1.0)
    z = np.where(den > 0, num / safe, 0.0)
    g = p["gamma"] if p["gamma"] is not None else np.ones(C)
    b = p["beta"] if p["beta"] is not None else np.zeros(C)
    r = np.floor((z * g + b) / p["output_scale"] + 0.5) + p["output_zero_point"]
    return np.clip(r, -128, 127).astype(np.int8)


def host_op(x, p):
    """A host_op layer on int8 NHWC x."""
    if p["kind"] == "Softmax":
        return host_softmax(x, p["input_scale"], p.get("groups", 1), p.get("causal", False))
    return host_layernorm(x, p)


def load_network(path):
    """Reads and checks a network manifest and its data files; returns a Network."""
    if yaml is None:
        raise ManifestError("PyYAML is not installed (Debian: python3-yaml)")
    try:
        with open(path, encoding="utf-8") as f:
            doc = yaml.load(f, Loader=SAFE_LOADER)
    except OSError as e:
        raise ManifestError(f"{path}: cannot read: {e.strerror}") from None
    except yaml.YAMLError as e:
        raise ManifestError(f"{path}: invalid YAML: {e}") from None
    if not isinstance(doc, dict):
        raise ManifestError(f"{path}: expected a mapping at the top level")
    unknown = set(doc) - TOP_KEYS
    if unknown:
        raise ManifestError(f"{path}: unknown key {sorted(unknown)[0]!r}")
    if doc.get("format") != "network":
        raise ManifestError(f"{path}: format: expected 'network', got {doc.get('format')!r}")
    for k in ("name", "samples", "inputs", "layers"):
        if k not in doc:
            raise ManifestError(f"{path}: missing key {k!r}")
    base = os.path.dirname(os.path.abspath(path))
    net = Network()
    net.name = str(doc["name"])
    N = net.samples = _int(doc["samples"], f"{path}: samples", 1)
    names = {}
    cache = {}

    if not isinstance(doc["inputs"], list) or not doc["inputs"]:
        raise ManifestError(f"{path}: inputs: expected a non-empty list")
    for k, d in enumerate(doc["inputs"]):
        w = f"{path}: inputs[{k}]"
        if not isinstance(d, dict):
            raise ManifestError(f"{w}: expected a mapping")
        unknown = set(d) - {"name", "shape", "file", "type"}
        if unknown:
            raise ManifestError(f"{w}: unknown key {sorted(unknown)[0]!r}")
        for key in ("name", "shape", "file"):
            if key not in d:
                raise ManifestError(f"{w}: missing key {key!r}")
        name = str(d["name"])
        if name in names:
            raise ManifestError(f"{w}.name: duplicate name {name!r}")
        shape = tuple(_int_list(d["shape"], 3, f"{w}.shape", 1))
        data = _read_data(base, d["file"], N * shape[0] * shape[1] * shape[2], np.int8,
                          f"{w}.file")
        in_type = str(d.get("type", "int8"))
        if in_type not in ("int8", "uint8"):
            raise ManifestError(f"{w}.type: expected int8 or uint8, got {in_type!r}")
        names[name] = -k - 1
        net.inputs.append(dict(name=name, shape=shape, type=in_type,
                               data=data.view(ELEMENT_TYPES[in_type]).reshape((N,) + shape)))

    if not isinstance(doc["layers"], list) or not doc["layers"]:
        raise ManifestError(f"{path}: layers: expected a non-empty list")
    for li, d in enumerate(doc["layers"]):
        w = f"{path}: layers[{li}]"
        if not isinstance(d, dict):
            raise ManifestError(f"{w}: expected a mapping")
        if "name" not in d or "op" not in d:
            raise ManifestError(f"{w}: missing key {'name' if 'name' not in d else 'op'!r}")
        name, op = str(d["name"]), d["op"]
        w = f"{path}: layers[{li}] ({name})"
        if op not in OPS:
            raise ManifestError(f"{w}.op: unknown op {op!r}")
        unknown = set(d) - COMMON_KEYS - LAYER_KEYS[op]
        if unknown:
            raise ManifestError(f"{w}: unknown key {sorted(unknown)[0]!r} for op {op}")
        if name in names:
            raise ManifestError(f"{w}.name: duplicate name {name!r}")
        if "input" in d and "inputs" in d:
            raise ManifestError(f"{w}: give either 'input' or 'inputs'")
        if "inputs" in d:
            if not isinstance(d["inputs"], list) or not d["inputs"]:
                raise ManifestError(f"{w}.inputs: expected a non-empty list of names")
            in_names = [str(x) for x in d["inputs"]]
        elif "input" in d:
            in_names = [str(d["input"])]
        else:
            in_names = None
        if in_names is None:
            refs = [li - 1] if li > 0 else [-1]
        else:
            refs = []
            for x in in_names:
                if x not in names:
                    raise ManifestError(f"{w}.inputs: unknown tensor {x!r} (not an input or an "
                                        f"earlier layer)")
                refs.append(names[x])
        want = {"add": 2, "mul": 2}.get(op)
        if want is not None and len(refs) != 2:
            raise ManifestError(f"{w}.inputs: {op} takes 2 inputs, got {len(refs)}")
        if op == "matmul" and len(refs) < 2:
            raise ManifestError(f"{w}.inputs: matmul takes [a, b, ...], got {len(refs)} input")
        if op == "pixel_concat" and len(refs) < 2:
            raise ManifestError(f"{w}.inputs: pixel_concat takes [x_0, x_1, ...], got {len(refs)} input")
        if op not in ("dense", "add", "mul", "conv", "matmul", "pixel_concat") and len(refs) != 1:
            raise ManifestError(f"{w}.inputs: {op} takes 1 input, got {len(refs)}")
        in_shape = net.shape_of(refs[0])
        if op == "conv":        # several inputs: concatenated along C
            for r in refs[1:]:
                if net.shape_of(r)[:2] != in_shape[:2]:
                    raise ManifestError(f"{w}.inputs: conv inputs {list(in_shape)} and "
                                        f"{list(net.shape_of(r))} differ in H, W")
            in_shape = in_shape[:2] + (sum(net.shape_of(r)[2] for r in refs),)
        L = dict(name=name, op=op, inputs=refs, in_shape=in_shape, activation="identity")
        if "activation" in d:
            if d["activation"] not in FUNCTIONS:
                raise ManifestError(f"{w}.activation: unknown activation {d['activation']!r}")
            L["activation"] = d["activation"]
        elif op == "activate":
            raise ManifestError(f"{w}: missing key 'activation'")
        if L["activation"] == "lookup":
            if "table" not in d:
                raise ManifestError(f"{w}: missing key 'table' (activation: lookup)")
            L["table"] = _read_data(base, d["table"], 256, np.int8, f"{w}.table")
        elif "table" in d:
            raise ManifestError(f"{w}.table: only with activation: lookup")
        L["out_type"], L["weight_type"] = _element_types(net, d, op, refs, L["activation"], w)
        if op not in ("maxpool", "host_op", "pixel_concat", "pixel_slice"):
            if "requant" not in d:
                raise ManifestError(f"{w}: missing key 'requant'")
            L["requant"] = _requant(d["requant"], f"{w}.requant", L["out_type"])
        H, W_, C = in_shape
        if op in ("conv", "maxpool", "avgpool"):
            glob = False
            if op == "avgpool" and "global" in d:
                if not isinstance(d["global"], bool):
                    raise ManifestError(f"{w}.global: expected true or false")
                glob = d["global"]
            if glob:
                for k in ("kernel", "stride", "pad"):
                    if k in d:
                        raise ManifestError(f"{w}.{k}: not allowed with global: true")
                kernel, stride, pad = (H, W_), (1, 1), (0, 0, 0, 0)
                if H > 255 or W_ > 255:
                    raise ManifestError(f"{w}: global window {H}x{W_} exceeds 255")
            else:
                if "kernel" not in d:
                    raise ManifestError(f"{w}: missing key 'kernel'")
                kernel = tuple(_int_list(d["kernel"], 2, f"{w}.kernel", 1, 255))
                stride = tuple(_int_list(d.get("stride", [1, 1]), 2, f"{w}.stride", 1, 255))
                pad = normalize_pad(_int_list(d.get("pad", [0, 0]), (2, 4), f"{w}.pad", 0, 255))
                if pad[0] >= kernel[0] or pad[2] >= kernel[0] or pad[1] >= kernel[1] \
                        or pad[3] >= kernel[1]:
                    raise ManifestError(f"{w}.pad: {list(pad)} not smaller than the kernel "
                                        f"{list(kernel)}")
            P = out_size(H, kernel[0], stride[0], pad[0], pad[2])
            Q = out_size(W_, kernel[1], stride[1], pad[1], pad[3])
            if P < 1 or Q < 1:
                raise ManifestError(f"{w}: output {P}x{Q} < 1 for input {H}x{W_}")
            L.update(kernel=kernel, stride=stride, pad=pad, glob=glob)
            M = C
            if op == "conv":
                M = L["outputs"] = _outputs(d, w)
                G = L["groups"] = _int(d.get("groups", 1), f"{w}.groups", 1)
                if C % G or M % G:
                    raise ManifestError(f"{w}.groups: {G} does not divide C {C} and M {M}")
                L["weights"] = _read_weights(base, d["weights"], kernel[0] * kernel[1] * (C // G) * M,
                                             L["weight_type"], f"{w}.weights", cache).reshape(kernel + (C // G, M))
            L["out_shape"] = (P, Q, M)
        elif op == "dense":
            M = _outputs(d, w)
            F = 0
            for r in refs:
                h, ww, c = net.shape_of(r)
                F += h * ww * c
            L.update(outputs=M, features=F, out_shape=(1, 1, M))
            L["weights"] = _read_weights(base, d["weights"], F * M, L["weight_type"],
                                         f"{w}.weights", cache).reshape(F, M)
        elif op == "host_op":
            L["out_shape"] = in_shape
            L["host_op"] = _host_op_params(d, w, in_shape[2])
        elif op == "matmul":
            G = L["heads"] = _int(d.get("heads", 1), f"{w}.heads", 1)
            tb = d.get("transpose_b", False)
            if not isinstance(tb, bool):
                raise ManifestError(f"{w}.transpose_b: expected true or false")
            L["transpose_b"] = tb
            cb = net.shape_of(refs[1])[2]
            if any(net.shape_of(r)[2] != cb for r in refs[1:]):
                raise ManifestError(f"{w}.inputs: matmul b inputs differ in channels")
            pb = sum(net.shape_of(r)[0] * net.shape_of(r)[1] for r in refs[1:])
            K, Nh = (cb // G, pb) if tb else (pb, cb // G)
            if cb % G or C != G * K:
                raise ManifestError(f"{w}: heads {G}, a's {C} channels and b {cb} x {pb} do not agree")
            L["out_shape"] = (H, W_, G * Nh)
        elif op in ("pixel_concat", "pixel_slice"):
            L["out_shape"], L["pixels"] = _pixel_copy_shape(net, d, op, refs, w)
        else:  # add, mul, activate
            for r in refs[1:]:
                sb = net.shape_of(r)
                if sb != in_shape and sb != (1, 1, in_shape[2]):
                    raise ManifestError(f"{w}.inputs: shapes {list(in_shape)} and "
                                        f"{list(net.shape_of(r))} differ")
            L["out_shape"] = in_shape
            if op == "add":
                L["scales"] = tuple(_int_list(d.get("operand_scales", [1, 1]), 2,
                                              f"{w}.operand_scales", -32768, 32767))
                L["offsets"] = tuple(_int_list(d.get("operand_offsets", [0, 0]), 2,
                                               f"{w}.operand_offsets", -32768, 32767))
                if "operand_multipliers" in d:
                    if "operand_scales" in d:
                        raise ManifestError(f"{w}: operand_scales and operand_multipliers together")
                    if L["requant"].multiplier != 1:
                        raise ManifestError(f"{w}.requant.multiplier: must be 1 with operand_multipliers, "
                                            f"got {L['requant'].multiplier}")
                    L["multipliers"] = tuple(_int_list(d["operand_multipliers"], 2, f"{w}.operand_multipliers",
                                                       -INT32_MAX, INT32_MAX))
            elif op == "mul":
                L["offsets"] = tuple(_int_list(d.get("operand_offsets", [0, 0]), 2,
                                               f"{w}.operand_offsets", -32768, 32767))
            else:
                L["scales"] = (_int(d.get("operand_scale", 1), f"{w}.operand_scale",
                                    -32768, 32767),)
                L["offsets"] = (_int(d.get("operand_offset", 0), f"{w}.operand_offset",
                                     -32768, 32767),)
        if op in ("conv", "dense"):
            M = L["outputs"]
            L["bias"] = (_read_data(base, d["bias"], M, np.int32, f"{w}.bias", cache)
                         if "bias" in d else np.zeros(M, dtype=np.int32))
        if max(L["out_shape"][:2]) > 65535:
            raise ManifestError(f"{w}: output {L['out_shape']} exceeds 65535 in H or W")
        names[name] = li
        net.layers.append(L)

    out = doc.get("output")
    if out is None:
        net.output = len(net.layers) - 1
    else:
        if str(out) not in names or names[str(out)] < 0:
            raise ManifestError(f"{path}: output: unknown layer {out!r}")
        net.output = names[str(out)]
    if net.layers[net.output]["out_type"] == "int16":
        raise ManifestError(f"{path}: output: the output layer writes int16; the output must be 8-bit")
    if "golden" in doc and doc["golden"] is not None:
        P, Q, M = net.layers[net.output]["out_shape"]
        g = doc["golden"]
        if not isinstance(g, str):
            raise ManifestError(f"{path}: golden: expected a file name, got {g!r}")
        net.golden = _read_data(base, g, N * P * Q * M, np.int8,
                                f"{path}: golden").reshape(N, P, Q, M)
    return net


def _pixel_copy_shape(net, d, op, refs, w):
    """(output shape, (first, count)) of a pixel_concat or pixel_slice layer (network.h), checked:
    concat inputs of one channel count and element type; a slice inside its input's pixels."""
    H, W_, C = net.shape_of(refs[0])
    if op == "pixel_slice":
        if "pixels" not in d:
            raise ManifestError(f"{w}: missing key 'pixels'")
        first, count = _int_list(d["pixels"], 2, f"{w}.pixels", 0, 65535)
        if count < 1 or first + count > H * W_:
            raise ManifestError(f"{w}.pixels: [{first}, {count}] outside the input's {H * W_} pixels")
        return (count, 1, C), (first, count)
    for r in refs:
        if net.shape_of(r)[2] != C or net.type_of(r) != net.type_of(refs[0]):
            raise ManifestError(f"{w}.inputs: pixel_concat inputs differ in channels or element type")
    P = sum(net.shape_of(r)[0] * net.shape_of(r)[1] for r in refs)
    return (P, 1, C), (0, P)


def pixel_concat(xs):
    """pixel_concat (network.h): the inputs' pixels of each sample in order, (N, P, 1, C), bytes unchanged."""
    n = xs[0].shape[0]
    return np.concatenate([x.reshape(n, -1, 1, x.shape[-1]) for x in xs], axis=1)


def pixel_slice(x, first, count):
    """pixel_slice (network.h): pixels first .. first + count - 1 of each sample (h-major), (N, count, 1, C)."""
    n = x.shape[0]
    return x.reshape(n, -1, 1, x.shape[-1])[:, first:first + count].copy()


def run_layer(L, xs):
    """Computes one layer on its input tensors xs (list of NHWC arrays of their element types)."""
    op, rq, fn, tb, ot = L["op"], L.get("requant"), L["activation"], L.get("table"), L.get("out_type", "int8")
    if op == "conv":
        return conv(xs, L["weights"], L["bias"], L["stride"], L["pad"], rq, fn, L.get("groups", 1), tb, ot)
    if op == "dense":
        return dense(xs, L["weights"], L["bias"], rq, fn, tb, ot)
    if op == "maxpool":
        return maxpool(xs[0], L["kernel"], L["stride"], L["pad"])
    if op == "avgpool":
        if L["glob"]:
            return apply_requant(global_avgpool_sum(xs[0]), rq, "identity", None, ot)
        return avgpool(xs[0], L["kernel"], L["stride"], L["pad"], rq, ot)
    if op == "add" and "multipliers" in L:
        return add_wide(xs[0], xs[1], L["multipliers"], L["offsets"], rq, fn, tb, ot)
    if op == "add":
        return add(xs[0], xs[1], L["scales"], L["offsets"], rq, fn, tb, ot)
    if op == "mul":
        return mul(xs[0], xs[1], L["offsets"], rq, fn, tb, ot)
    if op == "activate":
        return activate_op(xs[0], L["scales"][0], L["offsets"][0], rq, fn, tb, ot)
    if op == "host_op":
        return host_op(xs[0], L["host_op"])
    if op == "matmul":
        return matmul_samples(xs[0], xs[1:], L["heads"], L["transpose_b"], rq, fn, tb)
    if op == "pixel_concat":
        return pixel_concat(xs)
    if op == "pixel_slice":
        return pixel_slice(xs[0], *L["pixels"])
    raise ValueError(f"unknown op {op!r}")


def run_network(net, return_all=False):
    """Runs the network; returns the output layer's int8 (N, P, Q, M) array, and with
    return_all=True the pair (output, [every layer's output]). Without return_all, tensors are
    freed after their last use."""
    last_use = {}
    for i, L in enumerate(net.layers):
        for r in L["inputs"]:
            last_use[r] = i
    last_use[net.output] = len(net.layers)
    tensors = {-k - 1: inp["data"] for k, inp in enumerate(net.inputs)}
    for i, L in enumerate(net.layers):
        tensors[i] = run_layer(L, [tensors[r] for r in L["inputs"]])
        if not return_all:
            for r in set(L["inputs"]):
                if r >= 0 and last_use.get(r) == i:
                    del tensors[r]
    out = tensors[net.output]
    if return_all:
        return out, [tensors[i] for i in range(len(net.layers))]
    return out


def checksum(a):
    """'sha256 <hex>  sum <int>' of an 8-bit array's raw bytes (as int8)."""
    a = np.ascontiguousarray(a).view(np.int8)
    return f"sha256 {hashlib.sha256(a.tobytes()).hexdigest()}  sum {int(a.sum(dtype=np.int64))}"


def layer_type(op):
    """Table 1 layer type of an op: FC, Conv, Pool or Vector."""
    return {"conv": "Conv", "dense": "FC", "maxpool": "Pool", "avgpool": "Pool", "matmul": "FC"}.get(op, "Vector")


def summary(net):
    """Counts by Table 1 type, total weights and MACs per sample."""
    counts = {"FC": 0, "Conv": 0, "Vector": 0, "Pool": 0}
    for L in net.layers:
        counts[layer_type(L["op"])] += 1
    return counts, net.weight_bytes(), net.macs_per_sample()


def _cmd_info(net):
    """The `info` command: prints the inputs, every layer and the totals of net."""
    print(f"{net.name}: {net.samples} samples, {len(net.inputs)} inputs, {len(net.layers)} layers")
    for inp in net.inputs:
        print(f"  input {inp['name']:24s} {list(inp['shape'])}")
    for L in net.layers:
        w = L["weights"].size if "weights" in L else 0
        print(f"  {L['name']:24s} {L['op']:8s} {str(list(L['in_shape'])):18s} -> "
              f"{str(list(L['out_shape'])):16s} weights {w:>10d}  MACs {net.layer_macs(L):>12d}")
    counts, wb, macs = summary(net)
    print(f"layers    {', '.join(f'{k} {v}' for k, v in counts.items())}, total {len(net.layers)}")
    uw = net.unique_weight_bytes()
    print(f"weights   {wb} bytes" + (f" ({uw} distinct: layers share weights)" if uw != wb else ""))
    print(f"MACs      {macs} per sample, {macs * net.samples} per batch of {net.samples}")
    if wb:
        print(f"ops/weight byte  {macs * net.samples / uw:.2f} (useful MACs per batch / distinct "
              f"weight bytes)")


def main(argv=None):
    """The command line (run, check, info; see the module docstring); argv defaults to
    sys.argv[1:]. Returns the exit status: 0 done / golden matches, 1 mismatches, 2 bad manifest."""
    ap = argparse.ArgumentParser(description="Integer numpy reference of network workloads "
                                 "(host/manifest/network.h).")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("run", help="compute the output layer's int8 output")
    p.add_argument("manifest")
    p.add_argument("--out", help="write the raw int8 output (NHWC) here")
    p.add_argument("--all-layers", metavar="DIR", help="also write every layer's output")
    p = sub.add_parser("check", help="compare with the manifest's golden file")
    p.add_argument("manifest")
    p = sub.add_parser("info", help="print layers, weights and MACs")
    p.add_argument("manifest")
    args = ap.parse_args(argv)
    try:
        net = load_network(args.manifest)
    except ManifestError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.cmd == "info":
        _cmd_info(net)
        return 0
    if args.cmd == "check" and net.golden is None:
        print(f"error: {args.manifest}: golden: the manifest has no golden file", file=sys.stderr)
        return 2
    if args.cmd == "run" and args.all_layers:
        out, every = run_network(net, return_all=True)
        os.makedirs(args.all_layers, exist_ok=True)
        for L, y in zip(net.layers, every):
            np.ascontiguousarray(y, dtype=y.dtype.newbyteorder("<")).tofile(  # int16: little endian
                os.path.join(args.all_layers, f"{L['name']}.i8"))
    else:
        out = run_network(net)
    print(f"{net.name}: output {net.layers[net.output]['name']} shape {list(out.shape)}  "
          f"{checksum(out)}")
    if args.cmd == "run":
        if args.out:
            out.view(np.int8).tofile(args.out)
        return 0
    out = out.view(np.int8)  # the output's bytes (a uint8 output: golden holds the same bytes)
    diff = np.flatnonzero(out.reshape(-1) != net.golden.reshape(-1))
    if diff.size == 0:
        print(f"golden    0 mismatches in {out.size} int8 outputs")
        return 0
    print(f"golden    {diff.size} mismatches in {out.size} int8 outputs")
    for k in diff[:10]:
        idx = np.unravel_index(k, out.shape)
        print(f"  [n,p,q,m] = {list(map(int, idx))}: reference {int(out.reshape(-1)[k])}, golden "
              f"{int(net.golden.reshape(-1)[k])}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
