#!/usr/bin/python3
"""Recurrent networks from PyTorch through ONNX onto the simulated TPU: build, export, import, run.

Run with Debian's Python (python3-torch, python3-onnx, numpy, PyYAML), after building tpu-sim:

    /usr/bin/python3 scripts/rnn_models.py [--size small|paper] [--models lstm_lm,gru]
        [--tpu-sim build/tpu-sim] [--config configs/tpu_v1.yaml] [--workdir DIR] [--json FILE]

Per model: torch.manual_seed(MODEL_SEED) and PyTorch's default initialization (nothing is
downloaded or trained), torch.onnx.export (opset 14), the float ONNX interpretation of
scripts/onnx_to_network.py checked against PyTorch (max |difference| printed), then the importer
(--input-file and --calibration-file below) and tpu-sim on the manifest (scripts/run_zoo.py's
simulate: simulated us, TOPS, MXU utilization, golden mismatches). Prints one Markdown table
row per model with the importer's int8-vs-float relative L2 error on the batch; exit status 0
when every model runs with 0 mismatches.

Models (the token embedding is done on the host: the ONNX input is the embedded sequence, as
the TPU v1 paper's host does the work the chip cannot, Sec. 2; token ids from numpy
default_rng([MODEL_SEED, 2]) for the batch and default_rng([MODEL_SEED, 1]) for 32 calibration
sequences, uniform over the vocabulary):
  lstm_lm  a language-model-like stack: embedding E -> 2-layer nn.LSTM(E, H) -> nn.Linear(H, V)
           on every step; output the logits of every step [T, N, V] (time-major, PyTorch's
           default layout).
  gru      a sequence classifier: embedding E -> bidirectional nn.GRU(E, H, batch_first=True)
           (exported with linear_before_reset=1) -> nn.Linear(2H, C) on both directions' final
           hidden states (h_n, ONNX's Y_h) side by side.
Sizes (--size):
  small    lstm_lm E 32, H 48, V 64, T 6, batch 8; gru E 32, H 40, C 10, T 5, batch 8.
  paper    H 600 as LSTM1's 600x600 weight matrices (the TPU paper, Sec. 7), batch 96 as LSTM1's
           (Table 1), T 8: lstm_lm E 600, H 600, V 512 (T x V = 4096 gathered outputs);
           gru E 600, H 600, C 512.
"""
import argparse
import json
import os
import sys
import tempfile
import time
import warnings

import numpy as np

SCRIPTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(SCRIPTS)
sys.path.insert(0, SCRIPTS)
import onnx_to_network as o2n  # noqa: E402
import run_zoo  # noqa: E402

MODEL_SEED = 15
CALIBRATION_SEQUENCES = 32
SIZES = {
    "small": {"lstm_lm": dict(E=32, H=48, V=64, T=6, N=8), "gru": dict(E=32, H=40, C=10, T=5, N=8)},
    "paper": {"lstm_lm": dict(E=600, H=600, V=512, T=8, N=96), "gru": dict(E=600, H=600, C=512, T=8, N=96)},
}


def build(name, p):
    """(torch module, embedding [V, E] as numpy, vocabulary size, batch_first) of model `name`
    with sizes p, seeded."""
    import torch
    import torch.nn as nn
    torch.manual_seed(MODEL_SEED)

    class LstmLm(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(p["E"], p["H"], num_layers=2)
            self.head = nn.Linear(p["H"], p["V"])

        def forward(self, x):
            y, _ = self.lstm(x)
            return self.head(y)

    class GruClassifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.gru = nn.GRU(p["E"], p["H"], batch_first=True, bidirectional=True)
            self.head = nn.Linear(2 * p["H"], p["C"])

        def forward(self, x):
            _, h = self.gru(x)                               # [2, N, H]: both directions' last state
            return self.head(h.transpose(0, 1).reshape(-1, 2 * p["H"]))

    if name == "lstm_lm":
        vocab, model, batch_first = p["V"], LstmLm(), False
    else:
        vocab, model, batch_first = 1000, GruClassifier(), True
    embedding = nn.Embedding(vocab, p["E"]).weight.detach().numpy().astype(np.float64)
    return model.eval(), embedding, vocab, batch_first


def sequences(embedding, vocab, count, T, rng_key):
    """count embedded token sequences [count, T, E] (batch-first: the importer's sequence input
    convention) from default_rng(rng_key)."""
    ids = np.random.default_rng(rng_key).integers(0, vocab, size=(count, T))
    return embedding[ids]


def run(name, size, args, work):
    """One model through export, import and simulation; a result dict."""
    import torch
    p = SIZES[size][name]
    r = {"model": f"{name} ({size})", "params": p}
    model, emb, vocab, batch_first = build(name, p)
    x = sequences(emb, vocab, p["N"], p["T"], [MODEL_SEED, 2])
    calib = sequences(emb, vocab, CALIBRATION_SEQUENCES, p["T"], [MODEL_SEED, 1])
    d = os.path.join(work, name)
    os.makedirs(d, exist_ok=True)
    xfile, cfile, path = (os.path.join(d, f) for f in ("input.npy", "calibration.npy", f"{name}.onnx"))
    np.save(xfile, x)
    np.save(cfile, calib)
    t = time.perf_counter()
    example = torch.zeros((p["N"], p["T"], p["E"]) if batch_first else (p["T"], p["N"], p["E"]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, example, path, opset_version=14, input_names=["tokens"], output_names=["logits"])
    r["export_s"] = time.perf_counter() - t
    with torch.no_grad():
        xt = torch.tensor(x if batch_first else x.transpose(1, 0, 2), dtype=torch.float32)
        ref = model(xt).numpy().astype(np.float64)
    t = time.perf_counter()
    res = o2n.convert(path, os.path.join(d, "net"), batch=p["N"], calibration_file=cfile, input_file=xfile,
                      name=f"{name}-{size}", verbose=False)
    r["import_s"] = time.perf_counter() - t
    # the importer's float interpretation against PyTorch (output gathered per sample in ONNX order)
    f = res["float_output"].reshape(p["N"], -1)
    ref = ref.reshape(p["N"], -1) if batch_first or ref.ndim == 2 else ref.transpose(1, 0, 2).reshape(p["N"], -1)
    r["float_vs_torch_max_abs"] = float(np.abs(f - ref).max())
    r["float_max_abs"] = float(np.abs(ref).max())
    r["int8_vs_float_rel_error"] = res["agreement"]["relative_error"]
    r["layers"] = len(res["lowering"].layers)
    r["weight_bytes"] = sum(len(b) for k, b in res["lowering"].files.items() if k.endswith(".w.i8"))
    run_zoo.simulate(r, args, os.path.join(d, "net"))
    return r


def row(r):
    """One Markdown table row of a result."""
    def f(k, fmt):
        return fmt.format(r[k]) if r.get(k) is not None else "-"
    return (f"| {r['model']} | {r['layers']} | {f('mismatches', '{}')} | {f('simulated_us', '{:.1f}')} | "
            f"{f('tops', '{:.3f}')} | {f('mxu_utilization_pct', '{:.2f}')} | {f('int8_vs_float_rel_error', '{:.4f}')} "
            f"| {r['float_vs_torch_max_abs']:.2g} |")


def main(argv=None):
    """Command line (see the module docstring); returns the exit status."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", choices=sorted(SIZES), default="small")
    ap.add_argument("--models", default="lstm_lm,gru")
    ap.add_argument("--tpu-sim", default=os.path.join(ROOT, "build", "tpu-sim"))
    ap.add_argument("--config", default=os.path.join(ROOT, "configs", "tpu_v1.yaml"))
    ap.add_argument("--workdir", help="keep the files here (default: a temporary directory)")
    ap.add_argument("--json", help="write the results here")
    args = ap.parse_args(argv)
    names = args.models.split(",")
    bad = [n for n in names if n not in SIZES[args.size]]
    if bad:
        ap.error(f"unknown models {bad}; known: {sorted(SIZES[args.size])}")
    tmp = None if args.workdir else tempfile.TemporaryDirectory(prefix="rnn_models_")
    work = args.workdir or tmp.name
    print("| model | layers | golden mismatches | simulated us | TOPS | MXU util % | int8 vs float rel. error | "
          "float interp. vs PyTorch max abs |")
    print("|---|---|---|---|---|---|---|---|")
    results = []
    for n in names:
        r = run(n, args.size, args, work)
        results.append(r)
        print(row(r), flush=True)
        if r["status"] != "ok":
            print(f"  {r['model']}: {r['status']}", file=sys.stderr)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1, sort_keys=True)
    if tmp:
        tmp.cleanup()
    return 0 if all(r["status"] == "ok" for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
