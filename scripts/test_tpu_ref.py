#!/usr/bin/python3
"""Self-check of scripts/tpu_ref.py against naive pure-Python implementations.

Run from anywhere with Debian's Python:   /usr/bin/python3 scripts/test_tpu_ref.py
(exit 0 and 'N passed, 0 failed' when every check holds; unittest's -v works too.)

  - seeded_int8 / seeded_int32 against a pure-Python (int, mod 2^64) loop of network.h's
    splitmix64 rule, for several seeds (including 0 and 2^64-1) and the first values;
  - activate against hand-computed values (rounding ties toward +inf, int32 saturation of
    acc + bias, relu with a zero point, int8 saturation, shift 0) and the LUTs against the
    formula (and their distance from rounding ties);
  - conv against a naive 7-deep loop (strides, symmetric / asymmetric padding, 1x1 fast path,
    int32 wrap-around of large accumulators); dense with several (spatial) inputs;
  - maxpool / avgpool against loops (padding, windows with no position inside the image);
  - add / mul / activate_op against scalar formulas (and int32 saturation of add's value);
  - round_away and encode_multiplier (the requant encoding the generators share);
  - requant rounding half_even and the wide add (operand_multipliers) against exact rationals,
    in a manifest too, and their manifest errors;
  - a tiny manifest written to a temporary directory: load_network + run_network against the
    op functions, and the CLI's check.
"""
import math
import os
import sys
import tempfile
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tpu_ref as T  # noqa: E402

MASK = (1 << 64) - 1


def py_splitmix(z):
    """splitmix64's output function on a Python int (mod 2^64), written from network.h."""
    z ^= z >> 30
    z = (z * 0xBF58476D1CE4E5B9) & MASK
    z ^= z >> 27
    z = (z * 0x94D049BB133111EB) & MASK
    z ^= z >> 31
    return z


def py_seeded(seed, count, kind):
    """The first `count` seeded values of `seed` as Python ints: int8 in [-127, 127]
    (kind "int8") or int32 biases in [-32768, 32767] (any other kind)."""
    out = []
    for i in range(count):
        z = py_splitmix((seed * 0x9E3779B97F4A7C15 + (i + 1) * 0xBF58476D1CE4E5B9) & MASK)
        out.append(z % 255 - 127 if kind == "int8" else z % 65536 - 32768)
    return out


def py_activate(acc, bias, m, s, zp, fn):
    """The activation unit (quant.h) on one Python int accumulator -> int in [-128, 127]:
    saturate acc + bias to int32, requantize by m / 2^s (ties toward +inf), then fn."""
    v = max(min(acc + bias, 2**31 - 1), -2**31)
    p = v * m
    r = (p + (1 << (s - 1))) >> s if s > 0 else p  # Python's >> is floor (arithmetic)
    if fn == "identity":
        return max(min(r + zp, 127), -128)
    if fn == "relu":
        return max(max(min(r + zp, 127), -128), zp)
    x = max(min(r, 127), -128) / 16.0
    if fn == "sigmoid":
        return max(min(math.floor(256.0 / (1.0 + math.exp(-x)) + 0.5) - 128, 127), -128)
    return max(min(math.floor(128.0 * math.tanh(x) + 0.5), 127), -128)


def unpack_pad(pad):
    """(top, left, bottom, right) of a pad given as None, [ph, pw] or [t, l, b, r] (decoded
    here, not with tpu_ref.normalize_pad, so the oracles do not share code under test)."""
    if pad is None:
        return 0, 0, 0, 0
    if len(pad) == 2:
        ph, pw = pad
        return ph, pw, ph, pw
    t, l, b, r = pad
    return t, l, b, r


def naive_conv_acc(x, w, stride, pad):
    """int32 accumulators of a convolution by a 7-deep Python loop: x int8 (N,H,W,C), w int8
    (kh,kw,C,M), stride (sh, sw), pad as unpack_pad -> int64 (N,P,Q,M), wrapped to int32."""
    N, H, W, C = x.shape
    kh, kw, _, M = w.shape
    t, l, b, r = unpack_pad(pad)
    P, Q = (H + t + b - kh) // stride[0] + 1, (W + l + r - kw) // stride[1] + 1
    out = np.zeros((N, P, Q, M), dtype=np.int64)
    xi, wi = x.astype(int).tolist(), w.astype(int).tolist()
    for n in range(N):
        for p in range(P):
            for q in range(Q):
                for m in range(M):
                    s = 0
                    for i in range(kh):
                        for j in range(kw):
                            y, z = p * stride[0] + i - t, q * stride[1] + j - l
                            if 0 <= y < H and 0 <= z < W:
                                for c in range(C):
                                    s += xi[n][y][z][c] * wi[i][j][c][m]
                    out[n, p, q, m] = (s + 2**31) % 2**32 - 2**31
    return out


def naive_pool(x, kernel, stride, pad, kind):
    """Pooling by Python loops over the window positions inside the image: x (N,H,W,C),
    kernel/stride (h, w), pad as unpack_pad; kind "max" (-128 for an empty window) or "sum"
    (padding counts as 0) -> int64 (N,P,Q,C)."""
    N, H, W, C = x.shape
    t, l, b, r = unpack_pad(pad)
    P, Q = (H + t + b - kernel[0]) // stride[0] + 1, (W + l + r - kernel[1]) // stride[1] + 1
    out = np.zeros((N, P, Q, C), dtype=np.int64)
    for n in range(N):
        for p in range(P):
            for q in range(Q):
                for c in range(C):
                    vals = [int(x[n, y, z, c])
                            for y in range(p * stride[0] - t, p * stride[0] - t + kernel[0])
                            for z in range(q * stride[1] - l, q * stride[1] - l + kernel[1])
                            if 0 <= y < H and 0 <= z < W]
                    out[n, p, q, c] = (max(vals) if vals else -128) if kind == "max" else sum(vals)
    return out


class Seeded(unittest.TestCase):
    def test_against_python_loop(self):
        for seed in (0, 1, 7, 12345, 2**63 + 5, 2**64 - 1):
            self.assertEqual(T.seeded_int8(seed, 50).tolist(), py_seeded(seed, 50, "int8"))
            self.assertEqual(T.seeded_int32(seed, 50).tolist(), py_seeded(seed, 50, "int32"))

    def test_ranges_and_chunks(self):
        a = T.seeded_int8(3, T.SEED_CHUNK + 1000)
        self.assertEqual(a[T.SEED_CHUNK:].tolist(), [
            int(v) for v in (np.array([py_splitmix((3 * 0x9E3779B97F4A7C15 + (i + 1) *
                                                    0xBF58476D1CE4E5B9) & MASK) % 255 - 127
                                       for i in range(T.SEED_CHUNK, T.SEED_CHUNK + 1000)]))])
        self.assertGreaterEqual(int(a.min()), -127)
        self.assertLessEqual(int(a.max()), 127)
        b = T.seeded_int32(3, 100000)
        self.assertGreaterEqual(int(b.min()), -32768)
        self.assertLessEqual(int(b.max()), 32767)


class Activate(unittest.TestCase):
    def one(self, acc, bias, m, s, zp, fn):
        """T.activate on a single accumulator -> Python int."""
        return int(T.activate(np.array([acc]), bias, m, s, zp, fn)[0])

    def test_hand_values(self):
        half = 1 << 30  # multiplier 2^30 with shift 31 = 0.5
        self.assertEqual(self.one(5, 0, half, 31, 0, "identity"), 3)     # 2.5 -> 3
        self.assertEqual(self.one(-5, 0, half, 31, 0, "identity"), -2)   # -2.5 -> -2
        self.assertEqual(self.one(-7, 0, half, 31, 0, "identity"), -3)   # -3.5 -> -3
        self.assertEqual(self.one(7, 0, half, 31, 0, "identity"), 4)     # 3.5 -> 4
        self.assertEqual(self.one(100, 20, half, 30, 0, "identity"), 120)
        self.assertEqual(self.one(1000, 0, half, 30, 0, "identity"), 127)
        self.assertEqual(self.one(-1000, 0, half, 30, 0, "identity"), -128)
        self.assertEqual(self.one(-10, 0, half, 30, -5, "relu"), -5)     # relu floor = zp
        self.assertEqual(self.one(10, 0, half, 30, -5, "relu"), 5)
        self.assertEqual(self.one(3, 4, 2, 0, 1, "identity"), 15)         # shift 0: 7*2 + 1
        # acc + bias saturates to int32 before the multiply: (2^31-1) * 2^30 >> 61 = 1 (0.999..)
        self.assertEqual(self.one(2**31 - 1, 2**31 - 1, half, 61, 0, "identity"), 1)
        self.assertEqual(self.one(-2**31, -5, half, 61, 0, "identity"), -1)
        self.assertEqual(self.one(0, 0, half, 30, 0, "sigmoid"), 0)      # sigmoid(0) = 0.5
        self.assertEqual(self.one(16, 0, half, 30, 0, "sigmoid"), 59)    # 256*0.731 - 128
        self.assertEqual(self.one(16, 0, half, 30, 0, "tanh"), 97)       # 128*tanh(1) = 97.48
        self.assertEqual(self.one(-16, 0, half, 30, 0, "tanh"), -97)
        self.assertEqual(self.one(10**6, 0, half, 30, 0, "tanh"), 127)
        self.assertEqual(self.one(-10**6, 0, half, 30, 0, "sigmoid"), -128)

    def test_random_against_python(self):
        rng = np.random.default_rng(1)
        for fn in T.ACTIVATIONS:
            acc = rng.integers(-2**31, 2**31, size=300)
            acc[:100] //= 2**20
            bias = int(rng.integers(-2**31, 2**31))
            m, s, zp = int(rng.integers(2**30, 2**31)), int(rng.integers(20, 45)), -3
            got = T.activate(acc, bias, m, s, zp, fn).tolist()
            self.assertEqual(got, [py_activate(int(a), bias, m, s, zp, fn) for a in acc])

    def test_luts(self):
        for i in range(256):
            x = (i - 128) / 16.0
            sv = 256.0 / (1.0 + math.exp(-x)) + 0.5
            tv = 128.0 * math.tanh(x) + 0.5
            self.assertEqual(int(T.SIGMOID_LUT[i]), max(min(math.floor(sv) - 128, 127), -128))
            self.assertEqual(int(T.TANH_LUT[i]), max(min(math.floor(tv), 127), -128))
            # no entry is near a rounding tie, so libm differences cannot change the tables
            self.assertGreater(abs(sv - round(sv)), 1e-4)
            self.assertGreater(abs(tv - round(tv)), 1e-4)


class Requant(unittest.TestCase):
    def test_round_away(self):
        self.assertEqual(T.round_away([-2.5, -1.5, -0.5, -0.4, 0.0, 0.4, 0.5, 1.5, 2.5]).tolist(),
                         [-3, -2, -1, 0, 0, 0, 1, 2, 3])
        self.assertEqual(float(T.round_away(2.5)), 3.0)

    def test_encode_multiplier_hand_values(self):
        self.assertEqual(T.encode_multiplier(1.0), (1 << 30, 30))
        self.assertEqual(T.encode_multiplier(0.5), (1 << 30, 31))
        self.assertEqual(T.encode_multiplier(0.75), (3 << 29, 31))
        # M * 2^31 = 2^31 - 1/4 rounds to 2^31: halved, one shift less
        self.assertEqual(T.encode_multiplier(1 - 2.0 ** -33), (1 << 30, 30))
        self.assertEqual(T.encode_multiplier(2.0 ** -32), (1 << 30, 62))
        self.assertEqual(T.encode_multiplier(1.5), (3 << 29, 30))
        self.assertEqual(T.encode_multiplier(2.0 ** 30, min_shift=0), (1 << 30, 0))
        for bad in (0.0, -1.0, float("nan"), float("inf"), 2.0 ** -33, 2.0 ** 30):
            with self.assertRaises(ValueError, msg=bad):
                T.encode_multiplier(bad)   # shifts 1..62 by default
        with self.assertRaises(ValueError):
            T.encode_multiplier(2.0 ** 31 - 0.25, min_shift=0)   # rounds to 2^31 at shift 0

    def test_encode_multiplier_random(self):
        rng = np.random.default_rng(12)
        for M in np.exp(rng.uniform(math.log(2.0 ** -31), math.log(2.0 ** 29), 2000)):
            m, s = T.encode_multiplier(float(M))
            self.assertTrue(1 << 30 <= m <= (1 << 31) - 1 and 1 <= s <= 62, (M, m, s))
            self.assertLessEqual(abs(m - math.ldexp(float(M), s)), 0.5, (M, m, s))


class Conv(unittest.TestCase):
    CASES = [  # (N, H, W, C, kh, kw, M, stride, pad)
        (1, 5, 5, 3, 3, 3, 4, (1, 1), [1, 1]),
        (2, 7, 6, 5, 3, 3, 3, (2, 2), [1, 1]),
        (1, 8, 9, 2, 5, 5, 2, (2, 3), [2, 1, 0, 2]),
        (2, 6, 5, 4, 3, 1, 3, (1, 1), [1, 0, 1, 0]),
        (1, 6, 6, 4, 1, 1, 5, (2, 2), None),
        (1, 4, 4, 3, 2, 2, 2, (1, 1), [0, 0, 1, 1]),
        (3, 9, 9, 5, 3, 3, 7, (2, 2), [1, 1]),
    ]

    def test_against_loops(self):
        rng = np.random.default_rng(2)
        for N, H, W, C, kh, kw, M, stride, pad in self.CASES:
            x = rng.integers(-128, 128, size=(N, H, W, C)).astype(np.int8)
            w = rng.integers(-128, 128, size=(kh, kw, C, M)).astype(np.int8)
            with self.subTest(case=(N, H, W, C, kh, kw, M, stride, pad)):
                np.testing.assert_array_equal(T.conv_acc(x, w, stride, pad),
                                              naive_conv_acc(x, w, stride, pad))

    def test_normalize_pad(self):
        for pad in (None, [1, 2], [0, 3], [1, 2, 3, 4], (4, 0, 2, 1)):
            self.assertEqual(T.normalize_pad(pad), unpack_pad(pad))
        with self.assertRaises(ValueError):
            T.normalize_pad([1, 2, 3])

    def test_exact_slices(self):
        # conv_acc sums in float32 over kernel slices of at most FP32_EXACT / (max|x| max|w|)
        # products; lowering the bound forces channel slices (16 * 3 * 3 * 6 = 864 > 500) and,
        # below one kernel row (16 * 3 = 48), row slices: the result must not change
        rng = np.random.default_rng(3)
        x = rng.integers(-4, 5, size=(2, 9, 8, 6)).astype(np.int8)
        w = rng.integers(-4, 5, size=(3, 3, 6, 5)).astype(np.int8)
        want = naive_conv_acc(x, w, (1, 2), [1, 2, 0, 1])
        wg = w[:, :, :3, :4]            # 2 groups of 3 channels -> 2 outputs
        want_g = np.concatenate([naive_conv_acc(x[..., 3 * g:3 * g + 3], wg[..., 2 * g:2 * g + 2], (1, 2), [1, 2, 0, 1])
                                 for g in range(2)], axis=3)
        old, old64 = T.FP32_EXACT, T.FP64_EXACT
        try:
            for bound in (48, 100, 500, 1 << 24):
                T.FP32_EXACT = bound
                np.testing.assert_array_equal(T.conv_acc(x, w, (1, 2), [1, 2, 0, 1]), want)
                np.testing.assert_array_equal(T.conv_acc(x, wg, (1, 2), [1, 2, 0, 1], groups=2), want_g)
            T.FP32_EXACT = 47       # a kernel row exceeds it: float64 slices (int16 operands' path)
            np.testing.assert_array_equal(T.conv_acc(x, w, (1, 2), [1, 2, 0, 1]), want)
            T.FP64_EXACT = 47       # and that too: no exact slicing exists
            with self.assertRaises(ValueError):
                T.conv_acc(x, w)
        finally:
            T.FP32_EXACT, T.FP64_EXACT = old, old64

    def test_sums_beyond_float32(self):
        # 3 x 3 x 600 odd products 127 * 127: partial sums pass 2^24 and are odd, not float32
        # numbers; exact only with the slices (one float32 conv2d gives a wrong sum)
        x = np.full((1, 3, 3, 600), 127, dtype=np.int8)
        w = np.full((3, 3, 600, 2), 127, dtype=np.int8)
        w[0, 0, 0, 1] = 126
        self.assertEqual(T.conv_acc(x, w)[0, 0, 0].tolist(), [5400 * 16129, 5400 * 16129 - 127])

    def test_int32_wrap(self):
        # 2^18 features of 127*127 = 4.2e9 > 2^31: the int32 accumulator wraps
        x = np.full((1, 1, 1, 1 << 18), 127, dtype=np.int8)
        w = np.full((1, 1, 1 << 18, 1), 127, dtype=np.int8)
        s = 127 * 127 * (1 << 18)
        self.assertEqual(int(T.conv_acc(x, w)[0, 0, 0, 0]), (s + 2**31) % 2**32 - 2**31)
        self.assertEqual(int(T.dense_acc([x], w[0, 0])[0, 0, 0, 0]),
                         (s + 2**31) % 2**32 - 2**31)

    def test_dense_concat(self):
        rng = np.random.default_rng(4)
        a = rng.integers(-128, 128, size=(3, 2, 2, 3)).astype(np.int8)
        b = rng.integers(-128, 128, size=(3, 1, 1, 5)).astype(np.int8)
        w = rng.integers(-128, 128, size=(17, 4)).astype(np.int8)
        got = T.dense_acc([a, b], w)
        for n in range(3):
            feats = [int(v) for v in a[n].reshape(-1)] + [int(v) for v in b[n].reshape(-1)]
            for m in range(4):
                self.assertEqual(int(got[n, 0, 0, m]),
                                 sum(f * int(w[k, m]) for k, f in enumerate(feats)))


class GroupedAndLookup(unittest.TestCase):
    def test_grouped_conv_against_loops(self):
        # output m sums only the C/G channels of its group: the naive conv of each group's slices
        rng = np.random.default_rng(11)
        for N, H, W, C, M, G, k, stride, pad in ((1, 6, 5, 4, 6, 2, 3, (1, 1), [1, 1]),
                                                  (2, 7, 7, 12, 12, 12, 3, (2, 2), [1, 1]),   # depthwise
                                                  (1, 5, 6, 10, 20, 10, 3, (1, 2), [1, 0, 2, 1])):
            x = rng.integers(-128, 128, size=(N, H, W, C)).astype(np.int8)
            w = rng.integers(-128, 128, size=(k, k, C // G, M)).astype(np.int8)
            cg, mg = C // G, M // G
            want = np.concatenate([naive_conv_acc(x[..., g * cg:(g + 1) * cg], w[..., g * mg:(g + 1) * mg],
                                                  stride, pad) for g in range(G)], axis=3)
            with self.subTest(case=(C, M, G)):
                np.testing.assert_array_equal(T.grouped_conv_acc(x, w, G, stride, pad), want)

    def test_lookup_indexes_the_table_with_the_identity_result(self):
        rng = np.random.default_rng(12)
        table = rng.integers(-128, 128, 256).astype(np.int8)
        acc = rng.integers(-5000, 5000, 200)
        got = T.activate(acc, 7, 1 << 30, 34, -3, "lookup", table)
        for a, g in zip(acc, got):
            i = py_activate(int(a), 7, 1 << 30, 34, -3, "identity")
            self.assertEqual(int(g), int(table[i + 128]))

    def test_broadcast_operand(self):
        a = np.arange(-12, 12, dtype=np.int8).reshape(1, 2, 3, 4)
        b = np.array([1, -2, 3, -4], dtype=np.int8).reshape(1, 1, 1, 4)
        v = T.mul_value(a, b, (1, 2))
        for h in range(2):
            for w in range(3):
                for c in range(4):
                    self.assertEqual(int(v[0, h, w, c]), (int(a[0, h, w, c]) + 1) * (int(b[0, 0, 0, c]) + 2))


class Pools(unittest.TestCase):
    CASES = [((3, 3), (2, 2), [1, 1]), ((2, 2), (2, 2), None), ((3, 2), (1, 2), [2, 0, 0, 1]),
             ((3, 3), (1, 1), [2, 2]), ((5, 5), (3, 3), [0, 0, 4, 4])]

    def test_against_loops(self):
        rng = np.random.default_rng(5)
        x = rng.integers(-128, 128, size=(2, 7, 6, 3)).astype(np.int8)
        for kernel, stride, pad in self.CASES:
            with self.subTest(case=(kernel, stride, pad)):
                np.testing.assert_array_equal(T.maxpool(x, kernel, stride, pad),
                                              naive_pool(x, kernel, stride, pad, "max"))
                np.testing.assert_array_equal(T.avgpool_sum(x, kernel, stride, pad),
                                              naive_pool(x, kernel, stride, pad, "sum"))

    def test_global(self):
        x = np.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5).astype(np.int8)
        np.testing.assert_array_equal(T.global_avgpool_sum(x)[:, 0, 0, :],
                                      x.astype(int).sum(axis=(1, 2)))


class Elementwise(unittest.TestCase):
    def test_values(self):
        a = np.array([-128, -1, 0, 127], dtype=np.int8)
        b = np.array([127, 5, -128, 127], dtype=np.int8)
        self.assertEqual(T.add_value(a, b, (3, -2), (1, 0)).tolist(),
                         [(-127) * 3 - 254, 0 - 10, 3 + 256, 128 * 3 - 254])
        self.assertEqual(T.mul_value(a, b, (128, 0)).tolist(), [0, 127 * 5, 128 * -128, 255 * 127])
        self.assertEqual(T.activate_value(a, -32768, 32767).tolist(),
                         [(v + 32767) * -32768 for v in (-128, -1, 0, 127)])
        # the largest activate value, (127 + 32767) * 32767 < 2^31, does not saturate
        big = T.activate_value(np.array([127], dtype=np.int8), 32767, 32767)
        self.assertEqual(int(big[0]), (127 + 32767) * 32767)
        # int32 saturation of the element-wise value before the requant: the sum of the two
        # largest (smallest) products, 2 (127 + 32767) 32767 ~ 2.16e9 (-2.16e9), is outside int32
        hi = T.add_value([127], [127], (32767, 32767), (32767, 32767))
        self.assertEqual(hi.tolist(), [2**31 - 1])
        lo = T.add_value([-128], [-128], (32767, 32767), (-32768, -32768))
        self.assertEqual(lo.tolist(), [-2**31])
        rq = T.Requant(1 << 30, 30, 0)
        self.assertEqual(T.mul(a, b, (128, 0), T.Requant(1 << 30, 38), "identity").tolist(),
                         [0, 2, -64, 127])  # 635/256 = 2.48 -> 2; 32385/256 = 126.5 -> 127
        self.assertEqual(T.add(a, b, (1, 1), (0, 0), rq, "relu").tolist(), [0, 4, 0, 127])


class Manifest(unittest.TestCase):
    def test_load_and_run(self):
        rng = np.random.default_rng(6)
        with tempfile.TemporaryDirectory() as d:
            x = rng.integers(-128, 128, size=(2, 6, 5, 3)).astype(np.int8)
            w = rng.integers(-128, 128, size=(3, 3, 3, 4)).astype(np.int8)
            x.tofile(os.path.join(d, "in.i8"))
            w.tofile(os.path.join(d, "w.i8"))
            doc = """format: network
name: t
samples: 2
inputs:
  - {name: data, shape: [6, 5, 3], file: in.i8}
layers:
  - {name: c1, op: conv, outputs: 4, kernel: [3, 3], stride: [2, 1], pad: [1, 0, 1, 2], weights: w.i8, bias: {random_seed: 9}, activation: relu, requant: {multiplier: 1500000000, shift: 40, zero_point: 2}}
  - {name: mp, op: maxpool, kernel: [2, 2], pad: [1, 1, 0, 0]}
  - {name: ap, op: avgpool, input: c1, kernel: [3, 3], stride: [1, 1], pad: [1, 1], requant: {multiplier: 1193046471, shift: 33}}
  - {name: s, op: add, inputs: [ap, c1], operand_scales: [3, -1], operand_offsets: [0, -2], requant: {multiplier: 1073741824, shift: 31}}
  - {name: g, op: avgpool, global: true, requant: {multiplier: 1073741824, shift: 33}}
  - {name: fc, op: dense, inputs: [g, mp], outputs: 3, weights: {random_seed: 4}, activation: tanh, requant: {multiplier: 1073741824, shift: 40}}
golden: gold.i8
"""
            with open(os.path.join(d, "net.yaml"), "w") as f:
                f.write(doc)
            np.zeros(6, dtype=np.int8).tofile(os.path.join(d, "gold.i8"))
            net = T.load_network(os.path.join(d, "net.yaml"))
            out, every = T.run_network(net, return_all=True)
            b = T.seeded_int32(9, 4)
            c1 = T.activate(naive_conv_acc(x, w, (2, 1), [1, 0, 1, 2]), b, 1500000000, 40, 2,
                            "relu")
            np.testing.assert_array_equal(every[0], c1)
            self.assertEqual(c1.shape, (2, 3, 5, 4))
            mp = naive_pool(c1, (2, 2), (1, 1), [1, 1, 0, 0], "max").astype(np.int8)
            np.testing.assert_array_equal(every[1], mp)
            ap = T.activate(naive_pool(c1, (3, 3), (1, 1), [1, 1], "sum"), 0, 1193046471, 33)
            np.testing.assert_array_equal(every[2], ap)
            s = T.activate(3 * ap.astype(int) - (c1.astype(int) - 2), 0, 1 << 30, 31)
            np.testing.assert_array_equal(every[3], s)
            g = T.activate(s.astype(int).sum(axis=(1, 2), keepdims=True), 0, 1 << 30, 33)
            np.testing.assert_array_equal(every[4], g)
            feats = np.concatenate([g.reshape(2, -1), mp.reshape(2, -1)], axis=1).astype(int)
            wf = T.seeded_int8(4, feats.shape[1] * 3).reshape(-1, 3).astype(int)
            fc = T.activate(feats @ wf, 0, 1 << 30, 40, 0, "tanh").reshape(2, 1, 1, 3)
            np.testing.assert_array_equal(out, fc)
            # the CLI: check fails against the zero golden file, then passes with the real one
            self.assertTrue(out.any())
            self.assertEqual(T.main(["check", os.path.join(d, "net.yaml")]), 1)
            out.tofile(os.path.join(d, "gold.i8"))
            self.assertEqual(T.main(["check", os.path.join(d, "net.yaml")]), 0)
            with open(os.path.join(d, "bad.yaml"), "w") as f:
                f.write(doc.replace("stride: [2, 1]", "strides: [2, 1]"))
            with self.assertRaisesRegex(T.ManifestError, "bad.yaml.*c1.*'strides'"):
                T.load_network(os.path.join(d, "bad.yaml"))


class ElementTypes(unittest.TestCase):
    """network.h's element types: uint8 and int16 outputs clamp to their ranges, maxpool keeps the
    type, int16 weights are the int32 rule's values, and what a layer cannot take is rejected."""

    def test_activate_output_types(self):
        acc = np.array([-70000, -300, -1, 0, 1, 140, 300, 70000])
        # M = 1/2 (2^30 / 2^31): r = round half up (acc / 2)
        r = np.array([-35000, -150, 0, 0, 1, 70, 150, 35000])
        np.testing.assert_array_equal(T.activate(acc, 0, 1 << 30, 31, 5, "identity", None, "uint8"),
                                      np.clip(r + 5, 0, 255))
        np.testing.assert_array_equal(T.activate(acc, 0, 1 << 30, 31, 5, "relu", None, "uint8"),
                                      np.maximum(np.clip(r + 5, 0, 255), 5))
        np.testing.assert_array_equal(T.activate(acc, 0, 1 << 30, 31, -7, "identity", None, "int16"),
                                      np.clip(r - 7, -32768, 32767))
        self.assertEqual(T.activate(acc, 0, 1 << 30, 31, 0, "identity", None, "int16").dtype, np.int16)
        with self.assertRaises(ValueError):
            T.activate(acc, 0, 1 << 30, 31, 0, "sigmoid", None, "uint8")
        with self.assertRaises(ValueError):
            T.activate(acc, 0, 1 << 30, 31, -1, "identity", None, "uint8")

    def test_uint8_maxpool_and_int16_conv(self):
        x = np.array([[[[200], [10]], [[129], [0]]]], dtype=np.uint8)     # as int8: -56, 10, -127, 0
        self.assertEqual(int(T.maxpool(x, (2, 2), (1, 1))[0, 0, 0, 0]), 200)
        self.assertEqual(T.maxpool(x, (2, 2), (1, 1)).dtype, np.uint8)
        rng = np.random.default_rng(3)
        xs = rng.integers(-32768, 32768, size=(1, 3, 3, 5)).astype(np.int16)
        ws = rng.integers(-32768, 32768, size=(3, 3, 5, 2)).astype(np.int16)
        got = T.conv_acc(xs, ws, (1, 1), (1, 1, 1, 1))
        want = naive_conv_acc(xs.astype(np.int64), ws.astype(np.int64), (1, 1), [1, 1, 1, 1])
        np.testing.assert_array_equal(got, want)   # naive_conv_acc wraps to int32 as well

    def test_manifest_types_and_errors(self):
        with tempfile.TemporaryDirectory() as d:
            doc = """format: network
name: t
samples: 1
inputs:
  - {name: x, shape: [4, 4, 3], file: {random_seed: 1}, type: uint8}
layers:
  - {name: c1, op: conv, outputs: 4, kernel: [3, 3], pad: [1, 1], weights: {random_seed: 2}, weight_type: int16, requant: {multiplier: 1073741824, shift: 40, zero_point: 0}, output_type: int16}
  - {name: c2, op: conv, outputs: 2, kernel: [1, 1], weights: {random_seed: 3}, weight_type: int16, activation: relu, requant: {multiplier: 1073741824, shift: 45, zero_point: 3}, output_type: uint8}
  - {name: mp, op: maxpool, kernel: [2, 2], stride: [2, 2]}
"""
            path = os.path.join(d, "net.yaml")
            with open(path, "w") as f:
                f.write(doc)
            net = T.load_network(path)
            self.assertEqual([L["out_type"] for L in net.layers], ["int16", "uint8", "uint8"])
            np.testing.assert_array_equal(net.layers[0]["weights"].reshape(-1),
                                          T.seeded_int32(2, 3 * 3 * 3 * 4).astype(np.int16))
            x = T.seeded_int8(1, 48).view(np.uint8).reshape(1, 4, 4, 3)
            c1 = T.activate(naive_conv_acc(x.astype(np.int64), net.layers[0]["weights"].astype(np.int64), (1, 1),
                                           [1, 1, 1, 1]), 0, 1 << 30, 40, 0, "identity", None, "int16")
            _, every = T.run_network(net, return_all=True)
            np.testing.assert_array_equal(every[0], c1)
            bad = {"maxpool reads an int16": doc.replace("output_type: uint8}", "output_type: int16}"),
                   "not an output type of maxpool|does not take|unknown key": doc.replace(
                       "stride: [2, 2]}", "stride: [2, 2], output_type: int8}"),
                   "identity or relu": doc.replace("activation: relu", "activation: tanh"),
                   "zero_point": doc.replace("zero_point: 3}", "zero_point: -3}"),
                   "int8 or uint8": doc.replace("type: uint8}", "type: int16}")}
            for why, text in bad.items():
                with open(path, "w") as f:
                    f.write(text)
                with self.assertRaisesRegex(T.ManifestError, why, msg=why):
                    T.load_network(path)


class HostOps(unittest.TestCase):
    """host_op layers (host/manifest/host_op.h) on cases worked out by hand from its rules."""

    def test_softmax_even_and_half(self):
        x = np.array([[7, 7, 7, 7]], dtype=np.int8)
        self.assertEqual(T.host_softmax(x, 1.0).tolist(), [[-64, -64, -64, -64]])
        # d = 10 at scale ln2/10: E = 2^19, S = 1.5 * 2^20 -> 171 - 128, 85 - 128.
        x = np.array([[20, 10]], dtype=np.int8)
        self.assertEqual(T.host_softmax(x, math.log(2.0) / 10).tolist(), [[43, -43]])
        self.assertEqual(T.host_softmax(np.array([[127, -128]], np.int8), 1.0).tolist(),
                         [[127, -128]])

    def test_softmax_groups_and_causal(self):
        # NHWC (1, 3, 1, 6): two heads of 3 keys; causal: pixel p sees keys j <= p of each head.
        # Equal scores: 1 key -> 127 (saturated), 2 -> 0, 3 -> floor(515 / 6) - 128 = -43; masked -128.
        x = np.full((1, 3, 1, 6), 9, np.int8)
        y = T.host_softmax(x, 1.0, groups=2, causal=True).reshape(3, 6).tolist()
        self.assertEqual(y, [[127, -128, -128] * 2, [0, 0, -128] * 2, [-43, -43, -43] * 2])
        # Without the mask the heads still normalize separately: [5, 5, 5 | -3, -3, -3] all -43.
        x = np.array([5, 5, 5, -3, -3, -3], np.int8).reshape(1, 1, 1, 6)
        self.assertEqual(T.host_softmax(x, 1.0, groups=2).reshape(-1).tolist(), [-43] * 6)

    def test_matmul_heads_against_einsum(self):
        rng = np.random.default_rng(5)
        a = rng.integers(-128, 128, (1, 4, 1, 6)).astype(np.int8)      # 2 heads of K = 3
        k1 = rng.integers(-128, 128, (1, 3, 1, 6)).astype(np.int8)     # keys: 3 + 2 pixels
        k2 = rng.integers(-128, 128, (1, 2, 1, 6)).astype(np.int8)
        ident = T.Requant(1 << 30, 30, 0)        # x * 2^30 / 2^30: the sums, clamped to int8
        kk = np.concatenate([k1.reshape(3, 6), k2.reshape(2, 6)]).astype(np.int64)
        want = np.einsum("shk,nhk->shn", a.reshape(4, 2, 3).astype(np.int64), kk.reshape(5, 2, 3))
        got = T.matmul(a, [k1, k2], 2, True, ident).reshape(4, 2, 5)
        self.assertEqual(got.tolist(), np.clip(want, -128, 127).tolist())
        v = rng.integers(-128, 128, (1, 3, 1, 4)).astype(np.int8)      # P V: K = 3 pixels, N = 2
        want = np.einsum("shk,khn->shn", a.reshape(4, 2, 3).astype(np.int64),
                         v.reshape(3, 2, 2).astype(np.int64))
        got = T.matmul(a, [v], 2, False, ident).reshape(4, 2, 2)
        self.assertEqual(got.tolist(), np.clip(want, -128, 127).tolist())

    def test_layernorm(self):
        p = dict(kind="LayerNormalization", input_scale=1.0, epsilon=0.0, output_scale=1 / 32,
                 output_zero_point=3, gamma=np.array([2.0, 1.0]), beta=np.array([0.0, 0.5]))
        self.assertEqual(T.host_layernorm(np.array([[1, -1]], np.int8), p).tolist(), [[67, -13]])
        p.update(epsilon=1.0, gamma=None, beta=None, output_zero_point=0)
        self.assertEqual(T.host_layernorm(np.array([[1, -1]], np.int8), p).tolist(), [[23, -23]])
        p.update(epsilon=0.0, beta=np.array([0.25, -0.25, 0.0]))
        self.assertEqual(T.host_layernorm(np.array([[9, 9, 9]], np.int8), p).tolist(),
                         [[8, -8, 0]])


class WideAddAndRounding(unittest.TestCase):
    """requant rounding half_even and the wide add (network.h, quant.h) against Python's exact
    rationals (fractions.Fraction, round(): ties to even) and hand values."""

    def test_round_shift_half_even_hand_values(self):
        p = np.array([5, 7, -5, -7, 6, -6, 4, 3, -3, 1, -1], np.int64)   # / 2: 2.5 3.5 -2.5 -3.5 3 -3 2 1.5 ...
        self.assertEqual(T.round_shift(p, 1, "half_even").tolist(), [2, 4, -2, -4, 3, -3, 2, 2, -2, 0, 0])
        self.assertEqual(T.round_shift(p, 1).tolist(), [3, 4, -2, -3, 3, -3, 2, 2, -1, 1, 0])
        self.assertEqual(T.round_shift(p, 0, "half_even").tolist(), p.tolist())   # shift 0: no ties

    def test_round_shift_half_even_against_fractions(self):
        from fractions import Fraction
        rng = np.random.default_rng(21)
        for s in (1, 2, 5, 17, 40, 62):
            p = rng.integers(-2**61, 2**61, size=200)
            p[:50] = (rng.integers(-2**20, 2**20, size=50) * 2 + 1) << (s - 1)   # exact ties
            want = [round(Fraction(int(v), 1 << s)) for v in p]
            self.assertEqual(T.round_shift(p, s, "half_even").tolist(), want, s)

    def test_wide_add_against_fractions(self):
        from fractions import Fraction
        rng = np.random.default_rng(22)
        for _ in range(20):
            ma, mb = (int(v) for v in rng.integers(-2**31 + 1, 2**31, size=2))
            shift, zp = int(rng.integers(20, 40)), int(rng.integers(-20, 20))
            oa, ob = (int(v) for v in rng.integers(-300, 300, size=2))
            a = rng.integers(-128, 128, size=(1, 3, 4, 5)).astype(np.int8)
            b = rng.integers(-128, 128, size=(1, 3, 4, 5)).astype(np.int8)
            for rounding in T.ROUNDINGS:
                rq = T.Requant(1, shift, zp, rounding)
                got = T.add_wide(a, b, (ma, mb), (oa, ob), rq, "relu").ravel().tolist()
                want = []
                for x, y in zip(a.ravel().tolist(), b.ravel().tolist()):
                    v = Fraction((x + oa) * ma + (y + ob) * mb, 1 << shift)
                    r = round(v) if rounding == "half_even" else math.floor(v + Fraction(1, 2))
                    r = max(min(r, T.INT32_MAX), T.INT32_MIN)
                    want.append(max(min(max(r + zp, -128), 127), zp))
                self.assertEqual(got, want, (ma, mb, shift, rounding))

    def test_wide_add_saturates_the_rounded_sum_to_int32(self):
        big = (1 << 31) - 1
        r = T.add_wide_value(np.array([127]), np.array([127]), (big, big), (0, 0), 0)
        self.assertEqual(r.tolist(), [T.INT32_MAX])
        self.assertEqual(T.add_wide_value(np.array([-128]), np.array([127]), (big, -big), (0, 0), 2).tolist(),
                         [T.INT32_MIN])
        # -5 (2^31 - 1) / 2^8 = -41943039.996...: inside int32, rounded once
        r = T.add_wide_value(np.array([-3]), np.array([2]), (big, -big), (0, 0), 8, "half_even")
        self.assertEqual(r.tolist(), [-41943040])
        # 3 * 2^30 / 2^31 = 1.5 and 5 * 2^30 / 2^31 = 2.5: exact ties, to even and toward +inf
        self.assertEqual(T.add_wide_value(np.array([3, 5]), np.array([0, 0]), (1 << 30, 7), (0, 0), 31,
                                          "half_even").tolist(), [2, 2])
        self.assertEqual(T.add_wide_value(np.array([3, 5]), np.array([0, 0]), (1 << 30, 7), (0, 0), 31).tolist(),
                         [2, 3])

    def test_manifest_wide_add_and_errors(self):
        rng = np.random.default_rng(23)
        with tempfile.TemporaryDirectory() as d:
            x = rng.integers(-128, 128, size=(1, 2, 3, 4)).astype(np.int8)
            x.tofile(os.path.join(d, "in.i8"))
            doc = """format: network
name: t
samples: 1
inputs:
  - {name: a, shape: [2, 3, 4], file: in.i8}
layers:
  - {name: p, op: avgpool, kernel: [1, 2], requant: {multiplier: 1073741824, shift: 31, rounding: half_even}}
  - {name: s, op: add, inputs: [a, a], operand_multipliers: [1500000001, -700000003], operand_offsets: [3, -5], requant: {multiplier: 1, shift: 33, zero_point: 4, rounding: half_even}}
"""
            with open(os.path.join(d, "net.yaml"), "w") as f:
                f.write(doc)
            net = T.load_network(os.path.join(d, "net.yaml"))
            _, every = T.run_network(net, return_all=True)
            xi = x.astype(np.int64)
            pair = xi[:, :, :2, :] + xi[:, :, 1:, :]                     # windows of 1 x 2, stride 1
            want_p = np.where(pair % 2 == 0, pair // 2, 2 * np.round(pair / 4)).astype(np.int8)  # halves to even
            np.testing.assert_array_equal(every[0], want_p)
            v = (xi + 3) * 1500000001 + (xi - 5) * -700000003
            want_s = np.clip(T.round_shift(v, 33, "half_even") + 4, -128, 127)
            np.testing.assert_array_equal(every[1], want_s)
            for old, new, msg in (
                    ("multiplier: 1, shift: 33", "multiplier: 2, shift: 33", "multiplier: must be 1"),
                    ("operand_multipliers: [1500000001", "operand_scales: [1, 1], operand_multipliers: [1500000001",
                     "together"),
                    ("rounding: half_even}}\n  - {name: s", "rounding: even}}\n  - {name: s", "half_up or half_even"),
                    ("-700000003]", "-2147483648]", "operand_multipliers")):
                with open(os.path.join(d, "bad.yaml"), "w") as f:
                    f.write(doc.replace(old, new))
                with self.assertRaisesRegex(T.ManifestError, msg, msg=new):
                    T.load_network(os.path.join(d, "bad.yaml"))
class PixelCopies(unittest.TestCase):
    """pixel_concat and pixel_slice (network.h): ViT's class token before the patches, and x[:, 0]."""
    DOC = """format: network
name: t
samples: 2
inputs:
  - {name: img, shape: [2, 3, 5], file: {random_seed: 1}}
  - {name: tok, shape: [1, 1, 5], file: {random_seed: 2}}
layers:
  - {name: cat, op: pixel_concat, inputs: [tok, img]}
  - {name: sl, op: pixel_slice, input: cat, pixels: [2, 3]}
"""

    def write(self, d, text):
        path = os.path.join(d, "net.yaml")
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_against_hand_indexing(self):
        with tempfile.TemporaryDirectory() as d:
            net = T.load_network(self.write(d, self.DOC))
            img = T.seeded_int8(1, 2 * 2 * 3 * 5).reshape(2, 2, 3, 5)
            tok = T.seeded_int8(2, 2 * 5).reshape(2, 1, 1, 5)
            out, every = T.run_network(net, return_all=True)
            self.assertEqual([L["out_shape"] for L in net.layers], [(7, 1, 5), (3, 1, 5)])
            for n in range(2):      # pixel 0: the token; pixel 1 + h*3 + w: img[n, h, w]
                self.assertEqual(every[0][n, 0, 0].tolist(), tok[n, 0, 0].tolist())
                for h in range(2):
                    for w in range(3):
                        self.assertEqual(every[0][n, 1 + h * 3 + w, 0].tolist(), img[n, h, w].tolist())
                # pixels 2, 3, 4 of the concat: img pixels 1, 2, 3 (h-major: (0, 1), (0, 2), (1, 0))
                self.assertEqual(out[n, :, 0].tolist(), [img[n, 0, 1].tolist(), img[n, 0, 2].tolist(),
                                                         img[n, 1, 0].tolist()])

    def test_errors(self):
        bad = {"outside": self.DOC.replace("pixels: [2, 3]", "pixels: [5, 3]"),
               "outside the input": self.DOC.replace("pixels: [2, 3]", "pixels: [0, 0]"),
               "differ in channels": self.DOC.replace("shape: [1, 1, 5]", "shape: [1, 1, 4]"),
               "pixel_concat takes": self.DOC.replace("inputs: [tok, img]", "inputs: [tok]"),
               "unknown key": self.DOC.replace("inputs: [tok, img]}", "inputs: [tok, img], requant: {}}"),
               "missing key 'pixels'": self.DOC.replace(", pixels: [2, 3]", "")}
        with tempfile.TemporaryDirectory() as d:
            for why, text in bad.items():
                with self.assertRaisesRegex(T.ManifestError, why, msg=why):
                    T.load_network(self.write(d, text))


if __name__ == "__main__":
    result = unittest.main(exit=False, buffer=True).result
    failed = len(result.failures) + len(result.errors)
    print(f"{result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
