#!/usr/bin/python3
"""Generate the int8 MLP workloads (weights, inputs, golden outputs) for the TPU v1 model.

Run from the repository root with Debian's Python (it has numpy and scikit-learn):

    /usr/bin/python3 scripts/make_workloads.py

It writes, deterministically (fixed seeds, hand-written YAML, same bytes every run):

  traces/digits/      scikit-learn's 8x8 digits (1797 samples), an MLP 64-128-64-10 with ReLU
                      trained with MLPClassifier on a fixed stratified 70/30 split
                      (train_test_split(test_size=0.3, random_state=0)), quantized to int8.
  traces/random_mlp/  seeded random int8 data (default_rng(12345)), 150 samples, layers
                      100->300 relu (zero point -5), 300->37 sigmoid, 37->19 tanh,
                      19->5 identity (zero point 3); no training, no labels.

Quantization of the digits MLP (per tensor, symmetric, zero points 0). round() below is
round-half-away-from-zero everywhere in this script (tpu_ref.round_away).
  input:   s_in = 16/127; x_q = clip(round(x / s_in), -128, 127)           (0..127 here)
  weights: s_w = max|W| / 127; W_q = clip(round(W / s_w), -127, 127), [inputs][outputs]
  outputs: s_out calibrated on the training samples with the float network: hidden layers
           max(post-ReLU activation) / 127, last layer max|logit| / 127
  bias:    b_q = round(b / (s_in_l * s_w)) as int32 (s_in_l = scale of the layer's input)
  requant: M = s_in_l * s_w / s_out ~= m / 2^s with m in [2^30, 2^31-1], s in 1..62:
           e = floor(log2(M)); s = 30 - e; m = round(M * 2^s); if m == 2^31: m //= 2, s -= 1
           (tpu_ref.encode_multiplier)
The random workload picks M so the 99th percentile of |acc + bias| maps to ~100
(identity, relu) or ~64 = Q3.4 4.0 (sigmoid, tanh), then encodes m, s the same way.

Golden reference (bit exact, int64 numpy; identical to model/activation/quant.h), per layer:
  acc = x_q @ W_q;  v = clip(acc + b_q, -2^31, 2^31-1);  r = (v * m + 2^(s-1)) >> s
  (arithmetic shift: ties round toward +inf)
  identity: clip(r + zp, -128, 127)        relu: max(clip(r + zp, -128, 127), zp)
  sigmoid:  x = clip(r, -128, 127) as Q3.4; clip(floor(256*sigmoid(x/16) + 0.5) - 128, -128, 127)
  tanh:     x as for sigmoid;               clip(floor(128*tanh(x/16) + 0.5), -128, 127)
The int8 output of one layer is the next layer's input. Classification is the argmax over the
int8 outputs (first index on ties).

Files (raw little-endian, no headers, written with numpy tofile):
  inputs.i8  int8 [samples][features]      labels.u8  uint8 [samples]   (digits only)
  golden.i8  int8 [samples][outputs of last layer]
  fcN.w.i8   int8 [inputs][outputs] row-major      fcN.b.i32  int32 [outputs]
  workload.yaml  manifest: sizes, file names, activation, requant {multiplier, shift,
                 zero_point} per layer, and (digits) scales and accuracies.
"""
import argparse
import os
import sys
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tpu_ref as T  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRACES = os.path.join(ROOT, "traces")  # where the workloads go (--out)


def encode_multiplier(M):
    """tpu_ref.encode_multiplier (M > 0 -> (m, s), M ~= m / 2^s, m in [2^30, 2^31-1], s in
    1..62); exits with an error message when M cannot be encoded."""
    try:
        return T.encode_multiplier(M)
    except ValueError as e:
        sys.exit(f"error: {e}")


def requant_layer(x_q, w_q, b_q, m, s, zp, act):
    """The bit-exact integer reference of one layer; returns int8 [samples][outputs]."""
    acc = x_q.astype(np.int64) @ w_q.astype(np.int64)
    v = np.clip(acc + b_q.astype(np.int64), T.INT32_MIN, T.INT32_MAX)
    r = (v * np.int64(m) + (np.int64(1) << np.int64(s - 1))) >> np.int64(s)
    if act == "identity":
        out = np.clip(r + zp, -128, 127)
    elif act == "relu":
        out = np.maximum(np.clip(r + zp, -128, 127), zp)
    elif act == "sigmoid":
        x = np.clip(r, -128, 127).astype(np.float64) / 16.0
        out = np.clip(np.floor(256.0 / (1.0 + np.exp(-x)) + 0.5) - 128, -128, 127)
    elif act == "tanh":
        x = np.clip(r, -128, 127).astype(np.float64) / 16.0
        out = np.clip(np.floor(128.0 * np.tanh(x) + 0.5), -128, 127)
    else:
        raise ValueError(f"unknown activation {act}")
    return out.astype(np.int8)


def run_golden(x_q, layers):
    """Runs all layers of the integer reference; returns the final int8 outputs."""
    for L in layers:
        x_q = requant_layer(x_q, L["w"], L["b"], L["m"], L["s"], L["zp"], L["act"])
    return x_q


def fmt(x):
    """Formats a float with round-trip precision."""
    return repr(float(x))


def write_workload(outdir, name, description, comments, batch, inputs, in_scale, layers,
                   golden, labels=None, float_acc=None, int8_acc=None):
    """Writes the binary files and workload.yaml of one workload into outdir."""
    os.makedirs(outdir, exist_ok=True)
    inputs.astype("<i1").tofile(os.path.join(outdir, "inputs.i8"))
    golden.astype("<i1").tofile(os.path.join(outdir, "golden.i8"))
    if labels is not None:
        labels.astype("<u1").tofile(os.path.join(outdir, "labels.u8"))
    y = ["# Generated by scripts/make_workloads.py; do not edit by hand."]
    y += [f"# {c}" for c in comments]
    y += [f"name: {name}", f'description: "{description}"', f"batch: {batch}", "input:",
          "  file: inputs.i8", f"  samples: {inputs.shape[0]}", f"  features: {inputs.shape[1]}"]
    if in_scale is not None:
        y.append(f"  scale: {fmt(in_scale)}")
    if labels is not None:
        y.append("labels: labels.u8")
    y.append("golden: golden.i8")
    if float_acc is not None:
        y += [f"float_accuracy: {float_acc:.6f}", f"reference_int8_accuracy: {int8_acc:.6f}"]
    y.append("layers:")
    for L in layers:
        L["w"].astype("<i1").tofile(os.path.join(outdir, f"{L['name']}.w.i8"))
        L["b"].astype("<i4").tofile(os.path.join(outdir, f"{L['name']}.b.i32"))
        y += [f"  - name: {L['name']}", f"    inputs: {L['w'].shape[0]}",
              f"    outputs: {L['w'].shape[1]}", f"    weights: {L['name']}.w.i8",
              f"    bias: {L['name']}.b.i32", f"    activation: {L['act']}",
              f"    requant: {{multiplier: {L['m']}, shift: {L['s']}, zero_point: {L['zp']}}}"]
        if "scales" in L:
            si, sw, so = L["scales"]
            y.append(f"    scales: {{input: {fmt(si)}, weight: {fmt(sw)}, output: {fmt(so)}}}")
    with open(os.path.join(outdir, "workload.yaml"), "w", newline="\n") as f:
        f.write("\n".join(y) + "\n")


def make_digits():
    """Trains, quantizes and writes the digits MLP workload; exits 1 if int8 accuracy drops."""
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier

    X, y = load_digits(return_X_y=True)
    X_tr, X_te, y_tr, y_te, _, idx_te = train_test_split(
        X, y, np.arange(len(y)), test_size=0.3, random_state=0, stratify=y)
    clf = MLPClassifier(hidden_layer_sizes=(128, 64), activation="relu", random_state=0,
                        max_iter=1000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_tr, y_tr)
    float_all = float(np.mean(clf.predict(X) == y))
    float_te = float(np.mean(clf.predict(X_te) == y_te))

    s_in = 16.0 / 127.0
    x_q = np.clip(T.round_away(X / s_in), -128, 127).astype(np.int8)
    layers, h, s_prev = [], X_tr.astype(np.float64), s_in
    n = len(clf.coefs_)
    for i, (W, b) in enumerate(zip(clf.coefs_, clf.intercepts_)):
        last = i == n - 1
        h = h @ W + b
        if not last:
            h = np.maximum(h, 0.0)
        s_out = float(np.max(np.abs(h))) / 127.0
        s_w = float(np.max(np.abs(W))) / 127.0
        w_q = np.clip(T.round_away(W / s_w), -127, 127).astype(np.int8)
        b_q = T.round_away(b / (s_prev * s_w))
        if np.any(b_q < T.INT32_MIN) or np.any(b_q > T.INT32_MAX):
            sys.exit(f"error: fc{i + 1} bias does not fit int32")
        m, s = encode_multiplier(s_prev * s_w / s_out)
        layers.append(dict(name=f"fc{i + 1}", w=w_q, b=b_q.astype(np.int32), m=m, s=s, zp=0,
                           act="identity" if last else "relu", scales=(s_prev, s_w, s_out)))
        s_prev = s_out

    golden = run_golden(x_q, layers)
    pred = np.argmax(golden, axis=1)  # argmax returns the first index on ties
    int8_all = float(np.mean(pred == y))
    int8_te = float(np.mean(pred[idx_te] == y_te))
    print(f"digits: float accuracy   all {float_all:.6f}  held-out {float_te:.6f}")
    print(f"digits: int8  accuracy   all {int8_all:.6f}  held-out {int8_te:.6f}")
    for L in layers:
        print(f"digits: {L['name']} {L['act']:8s} multiplier {L['m']} shift {L['s']} "
              f"zero_point {L['zp']}")
    if abs(int8_all - float_all) > 0.01:
        sys.exit(f"error: int8 accuracy {int8_all:.6f} is more than 1 point from the float "
                 f"accuracy {float_all:.6f}")
    write_workload(
        os.path.join(TRACES, "digits"), "digits-mlp",
        "scikit-learn digits (8x8), MLP 64-128-64-10 ReLU, int8 per-tensor symmetric",
        ["scikit-learn load_digits, MLPClassifier(128, 64) trained on a stratified 70/30 split "
         "(random_state=0);",
         "int8 per-tensor symmetric, scales calibrated on the training split, "
         "int32 bias, requant m/2^s."],
        256, x_q, s_in, layers, golden, labels=y.astype(np.uint8),
        float_acc=float_all, int8_acc=int8_all)


def make_random_mlp():
    """Builds and writes the seeded random MLP workload that exercises every activation."""
    rng = np.random.default_rng(12345)
    samples = 150
    spec = [("fc1", 100, 300, "relu", -5), ("fc2", 300, 37, "sigmoid", 0),
            ("fc3", 37, 19, "tanh", 0), ("fc4", 19, 5, "identity", 3)]
    x_q = rng.integers(-128, 128, size=(samples, spec[0][1]), dtype=np.int64).astype(np.int8)
    layers, x = [], x_q
    for name, n_in, n_out, act, zp in spec:
        w = rng.integers(-127, 128, size=(n_in, n_out), dtype=np.int64).astype(np.int8)
        b = rng.integers(-5000, 5001, size=n_out, dtype=np.int64).astype(np.int32)
        v = x.astype(np.int64) @ w.astype(np.int64) + b.astype(np.int64)
        p99 = float(np.percentile(np.abs(v), 99))
        target = 64.0 if act in ("sigmoid", "tanh") else 100.0
        m, s = encode_multiplier(target / max(p99, 1.0))
        L = dict(name=name, w=w, b=b, m=m, s=s, zp=zp, act=act)
        layers.append(L)
        x = requant_layer(x, w, b, m, s, zp, act)
    golden = run_golden(x_q, layers)
    for L in layers:
        print(f"random_mlp: {L['name']} {L['act']:8s} multiplier {L['m']} shift {L['s']} "
              f"zero_point {L['zp']}")
    write_workload(
        os.path.join(TRACES, "random_mlp"), "random-mlp",
        "seeded random int8 MLP 100-300-37-19-5 (relu, sigmoid, tanh, identity), no training",
        ["numpy default_rng(12345): uniform int8 inputs/weights, int32 biases in [-5000, 5000];",
         "requant chosen so the 99th percentile of |acc+bias| maps to ~100 (relu, identity) "
         "or ~64 = Q3.4 4.0 (sigmoid, tanh)."],
        64, x_q, None, layers, golden)


def main():
    """Command line: generates both workloads under traces/ (or --out DIR)."""
    global TRACES
    ap = argparse.ArgumentParser(description="Generate the int8 MLP workloads under traces/.")
    ap.add_argument("--out", metavar="DIR", default=TRACES,
                    help="write DIR/digits/ and DIR/random_mlp/ instead of traces/ (same bytes; "
                         "the test scripts.regenerate_traces compares them with traces/)")
    TRACES = os.path.abspath(ap.parse_args().out)
    make_digits()
    make_random_mlp()


if __name__ == "__main__":
    main()
