#!/usr/bin/python3
"""Generate the operand-format networks (host/manifest/network.h "Element types") under traces/.

Run with Debian's Python (numpy, PyYAML):

    /usr/bin/python3 scripts/make_operand_formats.py [--out DIR]

Writes traces/formats_8x8, formats_8x16, formats_16x16 and formats_uint8, each a workload.yaml
with seeded data ({random_seed: S}, network.h's rule; int16 weights by the int32 rule) and
golden.i8 = the output's bytes computed by scripts/tpu_ref.py (run_network on the manifest as
written). Same bytes on every run. --out DIR writes DIR/formats_* instead of traces/formats_*
(tests/system/regenerate_traces.cmake compares them with the shipped ones).

formats_8x8, _8x16, _16x16: 2 samples of a seeded 6x6x24 int8 input; conv1 3x3 pad 1 24->20 +
ReLU; conv2 3x3 pad 1 20->12; fc dense 432->10 (identity). The three differ only in the element
types: 8x8 all int8; 8x16 conv1 writes int16, so conv2 reads 16-bit activations with int8
weights (the paper's 8 x 16 mode); 16x16 as 8x16 with int16 weights in conv2 and fc, and conv2
writing int16 for fc (16 x 16 mode in conv2 and fc). Weights and biases use the same seeds in
all three (an int16 weight tensor by the int32 rule). tests/system/test_operand_formats.cpp
compares the MXU cycles of the same layer across them.

formats_uint8: 2 samples of a seeded 8x8x20 uint8 input (the seeded int8 rule's bytes read as
uint8); conv1 3x3 pad 1 -> 24 + ReLU writing uint8 (zero point 0); maxpool 2x2/2 (uint8);
conv2 1x1 24->24 identity writing uint8 with zero point 100; add(conv2 - 100, pool) + ReLU
writing uint8; global avgpool writing uint8; fc dense 24->10 int8. Every uint8 path of the
MXU (UNSIGNED_A through MatrixMultiply and Convolve), Pool (max and sum of uint8), Vector
(uint8 operands) and Activate (uint8 output).

Requants: M = T / p99(|v|) (v the value before requantization, p99 the exact order statistic
|v|_(floor(0.99 (n - 1)))), T = 100 for int8 outputs, 2000 for int16 (so that int16 x int16 sums stay within int32), 200
for uint8;
encoded by tpu_ref.encode_multiplier.
"""
import argparse
import os
import sys

import numpy as np

SCRIPTS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, SCRIPTS)
import tpu_ref as T  # noqa: E402

TRACES = [os.path.join(os.path.dirname(SCRIPTS), "traces")]  # [0]: the output directory (--out)
N = 2
TARGET = {"int8": 100, "uint8": 200, "int16": 2000}


def requant(v, out_type, zp=0):
    """Requant mapping p99(|v|) to TARGET[out_type] (see the docstring)."""
    a = np.sort(np.abs(np.asarray(v, dtype=np.int64)).reshape(-1))
    p99 = max(int(a[(a.size - 1) * 99 // 100]), 1)
    m, s = T.encode_multiplier(TARGET[out_type] / p99)
    return T.Requant(m, s, zp)


def rq_yaml(rq):
    """A Requant as the manifest's mapping (one line)."""
    return f"{{multiplier: {rq.multiplier}, shift: {rq.shift}, zero_point: {rq.zero_point}}}"


def weights(seed, count, wtype):
    """Seeded weights of element type wtype (int8 rule, or the int32 rule as int16)."""
    return T.seeded_int8(seed, count) if wtype == "int8" else T.seeded_int32(seed, count).astype(np.int16)


class Builder:
    """A network layer by layer: each method computes the layer with tpu_ref's functions, picks its
    requant and records its manifest line."""

    def __init__(self, name, description):
        self.name, self.description, self.lines, self.t = name, description, [], {}

    def input(self, name, shape, seed, itype):
        data = T.seeded_int8(seed, N * int(np.prod(shape))).view(T.ELEMENT_TYPES[itype]).reshape((N,) + shape)
        self.t[name] = data
        self.inputs = [f"{{name: {name}, shape: {list(shape)}, file: {{random_seed: {seed}}}, type: {itype}}}"]

    def conv(self, name, inp, M, k, pad, act, out_type, wtype, seed, zp=0):
        x = self.t[inp]
        C = x.shape[3]
        w = weights(seed, k * k * C * M, wtype).reshape(k, k, C, M)
        b = T.seeded_int32(seed + 1000, M)
        acc = T.conv_acc(x, w, (1, 1), (pad, pad, pad, pad))
        rq = requant(T.saturate_int32(acc + b), out_type, zp)
        self.t[name] = T.conv(x, w, b, (1, 1), (pad, pad, pad, pad), rq, act, 1, None, out_type)
        self.lines.append(f"{{name: {name}, op: conv, input: {inp}, outputs: {M}, kernel: [{k}, {k}], "
                          f"pad: [{pad}, {pad}], weights: {{random_seed: {seed}}}, bias: {{random_seed: {seed + 1000}}}, "
                          f"activation: {act}, requant: {rq_yaml(rq)}, output_type: {out_type}, weight_type: {wtype}}}")

    def dense(self, name, inp, M, out_type, wtype, seed):
        x = self.t[inp]
        F = int(np.prod(x.shape[1:]))
        w = weights(seed, F * M, wtype).reshape(F, M)
        b = T.seeded_int32(seed + 1000, M)
        rq = requant(T.saturate_int32(T.dense_acc([x], w) + b), out_type)
        self.t[name] = T.dense([x], w, b, rq, "identity", None, out_type)
        self.lines.append(f"{{name: {name}, op: dense, input: {inp}, outputs: {M}, weights: {{random_seed: {seed}}}, "
                          f"bias: {{random_seed: {seed + 1000}}}, requant: {rq_yaml(rq)}, output_type: {out_type}, "
                          f"weight_type: {wtype}}}")

    def maxpool(self, name, inp):
        self.t[name] = T.maxpool(self.t[inp], (2, 2), (2, 2))
        self.lines.append(f"{{name: {name}, op: maxpool, input: {inp}, kernel: [2, 2], stride: [2, 2]}}")

    def add(self, name, a, b, offsets, out_type):
        v = T.add_value(self.t[a], self.t[b], (1, 1), offsets)
        rq = requant(v, out_type)
        self.t[name] = T.add(self.t[a], self.t[b], (1, 1), offsets, rq, "relu", None, out_type)
        self.lines.append(f"{{name: {name}, op: add, inputs: [{a}, {b}], operand_offsets: {list(offsets)}, "
                          f"activation: relu, requant: {rq_yaml(rq)}, output_type: {out_type}}}")

    def global_avgpool(self, name, inp, out_type):
        s = T.global_avgpool_sum(self.t[inp])
        rq = requant(s, out_type)
        self.t[name] = T.apply_requant(s, rq, "identity", None, out_type)
        self.lines.append(f"{{name: {name}, op: avgpool, input: {inp}, global: true, requant: {rq_yaml(rq)}, "
                          f"output_type: {out_type}}}")

    def write(self):
        """workload.yaml and golden.i8 (tpu_ref on the written manifest, checked against the build)."""
        d = os.path.join(TRACES[0], self.name)
        os.makedirs(d, exist_ok=True)
        y = ["# Generated by scripts/make_operand_formats.py; do not edit by hand (see its docstring).",
             "format: network", f"name: {self.name}", f"description: \"{self.description}\"", f"samples: {N}",
             "inputs:"] + [f"  - {i}" for i in self.inputs] + ["golden: golden.i8", "layers:"]
        y += [f"  - {L}" for L in self.lines]
        path = os.path.join(d, "workload.yaml")
        with open(path, "w", newline="\n") as f:
            f.write("\n".join(y) + "\n")
        last = self.t[list(self.t)[-1]]
        last.view(np.int8).tofile(os.path.join(d, "golden.i8"))
        out = T.run_network(T.load_network(path))
        if not np.array_equal(out.view(np.int8), last.view(np.int8)):
            sys.exit(f"error: {self.name}: tpu_ref on the written manifest differs from the build")
        spread = len(np.unique(last))
        print(f"{self.name}: output {list(last.shape)} {last.dtype}, {spread} distinct values")


def mode_network(name, act16, w16):
    """formats_8x8 / _8x16 / _16x16 (see the docstring)."""
    b = Builder(name, f"operand formats {name[8:]}, scripts/make_operand_formats.py")
    b.input("x", (6, 6, 24), 11, "int8")
    b.conv("conv1", "x", 20, 3, 1, "relu", "int16" if act16 else "int8", "int8", 21)
    b.conv("conv2", "conv1", 12, 3, 1, "identity", "int16" if w16 else "int8", "int16" if w16 else "int8", 31)
    b.dense("fc", "conv2", 10, "int8", "int16" if w16 else "int8", 41)
    b.write()


def uint8_network():
    """formats_uint8 (see the docstring)."""
    b = Builder("formats_uint8", "operand formats uint8, scripts/make_operand_formats.py")
    b.input("x", (8, 8, 20), 12, "uint8")
    b.conv("conv1", "x", 24, 3, 1, "relu", "uint8", "int8", 22)
    b.maxpool("pool", "conv1")
    b.conv("conv2", "pool", 24, 1, 0, "identity", "uint8", "int8", 32, zp=100)
    b.add("res", "conv2", "pool", (-100, 0), "uint8")
    b.global_avgpool("gap", "res", "uint8")
    b.dense("fc", "gap", 10, "int8", "int8", 42)
    b.write()


def main(argv=None):
    """Writes the four networks (see the docstring); returns 0."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", help="directory to write the networks into (default: traces/)")
    args = ap.parse_args(argv)
    if args.out:
        TRACES[0] = args.out
    mode_network("formats_8x8", False, False)
    mode_network("formats_8x16", True, False)
    mode_network("formats_16x16", True, True)
    uint8_network()
    return 0


if __name__ == "__main__":
    sys.exit(main())
