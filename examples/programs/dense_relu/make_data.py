#!/usr/bin/env python3
"""Writes dense_relu's images and its expected output, computed here independently of the model.

    make_data.py OUT_DIR  ->  OUT_DIR/host.bin (192 bytes: bias, inputs, zeroed output area),
                              OUT_DIR/weights.bin (256 bytes: one 16 x 16 int8 tile),
                              OUT_DIR/expected.bin (64 bytes: 4 x 16 int8 outputs)

The data is fixed (a linear congruential generator with a fixed seed), so the files are the same
on every machine. The arithmetic is the activation unit's (docs/isa.md, Activate): v = acc + b,
r = (v * 2^30 + 2^37) >> 38 (arithmetic shift), y = max(clamp(r, -128, 127), 0).
"""
import struct
import sys
from pathlib import Path

N, K, M = 4, 16, 16          # samples, inputs (array rows), outputs (array columns)
MULTIPLIER, SHIFT = 1 << 30, 38


def lcg(seed):
    """Deterministic pseudo-random integers (Numerical Recipes' LCG)."""
    state = seed
    while True:
        state = (1664525 * state + 1013904223) % (1 << 32)
        yield state >> 16


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    rnd = lcg(19)
    x = [[next(rnd) % 256 - 128 for _ in range(K)] for _ in range(N)]
    w = [[next(rnd) % 256 - 128 for _ in range(M)] for _ in range(K)]
    b = [next(rnd) % 20001 - 10000 for _ in range(M)]

    y = []
    for n in range(N):
        for j in range(M):
            acc = sum(x[n][i] * w[i][j] for i in range(K))
            r = ((acc + b[j]) * MULTIPLIER + (1 << (SHIFT - 1))) >> SHIFT
            y.append(max(min(r, 127), -128, 0))

    host = struct.pack("<16i", *b) + bytes(v & 0xFF for row in x for v in row) + bytes(N * M)
    weights = bytes(v & 0xFF for row in w for v in row)
    (out / "host.bin").write_bytes(host)
    (out / "weights.bin").write_bytes(weights)
    (out / "expected.bin").write_bytes(bytes(v & 0xFF for v in y))


if __name__ == "__main__":
    main()
