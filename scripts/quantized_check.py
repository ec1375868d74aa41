#!/usr/bin/python3
"""Compare tpu-sim's int8 output of a PyTorch-quantized torchvision ResNet-18 with PyTorch's own
quantized CPU kernels.

Run with Debian's Python (python3-torch, python3-torchvision, python3-onnx, numpy, PyYAML), after
building tpu-sim:

    /usr/bin/python3 scripts/quantized_check.py [--size 64] [--batch 4] [--calibration 16]
        [--seed 0] [--engine onednn] [--weights per-channel|per-tensor] [--tpu-sim build/tpu-sim]
        [--config configs/tpu_v1.yaml] [--workdir DIR] [--json FILE] [--per-layer]
        [--min-within-1 FRACTION]

Steps: torchvision.models.quantization.resnet18(weights=None, quantize=False) built after
torch.manual_seed(seed) (nothing is downloaded), eval, fuse_model(), the engine's default static
quantization config (torch.ao.quantization.get_default_qconfig(engine): uint8 activations from a
histogram observer, int8 weights per output channel), or with --weights per-tensor the same
activation observer and per-tensor symmetric int8 weights (MinMaxObserver); prepare, calibrate on
--calibration seeded standard-normal images (torch.Generator seeded with [seed + 1]), convert.
The quantized model is exported to QDQ ONNX (opset 13), imported by scripts/onnx_to_network.py
with --batch seeded test images (generator seed + 2, written as .npy), and run by tpu-sim, which
checks its output bit for bit against the importer's golden data (tpu_ref.py): the script stops
with status 1 if tpu-sim reports a mismatch. Then tpu-sim's output (= the golden data) is compared
with PyTorch's quantized output on the same images: per logit |q_tpu - q_torch| in quantization
steps after each side's zero point is taken off (both sides use the model's output scale).

The quantized engine: PyTorch's x86 engines are fbgemm and onednn ("x86" picks one of them);
Debian's python3-torch is built without fbgemm, so the default is onednn (the script exits 1
naming the engines built in if the requested one is missing).

Prints the histogram {steps: count} and the fractions exactly equal / within 1 step; --json
writes them with the settings; --per-layer also compares every conv, residual block, the average
pool and fc with PyTorch's. Exit status 0 when the comparison ran (whatever the agreement, unless
--min-within-1 F: then 1 when fewer than F of the logits are within 1 step), 1 on a failed step
(export, import, simulation mismatch).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

SCRIPTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(SCRIPTS)
PY = "/usr/bin/python3"


def quantized_resnet18(engine, weights, seed, calib, size):
    """The converted (quantized) torchvision ResNet-18: seeded weights, fused, calibrated on
    `calib` seeded N(0, 1) images of size x size."""
    import torch
    import torchvision
    q = torch.ao.quantization
    torch.backends.quantized.engine = engine
    torch.manual_seed(seed)
    model = torchvision.models.quantization.resnet18(weights=None, quantize=False).eval()
    model.fuse_model()
    qc = q.get_default_qconfig(engine)
    if weights == "per-tensor":
        qc = q.QConfig(activation=qc.activation,
                       weight=q.MinMaxObserver.with_args(dtype=torch.qint8, qscheme=torch.per_tensor_symmetric))
    model.qconfig = qc
    q.prepare(model, inplace=True)
    g = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for i in range(0, calib, 4):
            model(torch.randn(min(4, calib - i), 3, size, size, generator=g))
    q.convert(model, inplace=True)
    return model


def step_histogram(tpu_q, tpu_zp, torch_q, torch_zp):
    """{|difference| in steps: count} of two integer outputs with their zero points."""
    d = np.abs((tpu_q.astype(np.int64) - tpu_zp) - (torch_q.astype(np.int64) - torch_zp))
    values, counts = np.unique(d, return_counts=True)
    return {int(v): int(c) for v, c in zip(values, counts)}


def torch_layer_outputs(model, x):
    """{manifest layer name: (int values NHWC, zero point)} of the quantized model's convolutions,
    residual blocks (their add + ReLU), average pool and fc on x, by forward hooks."""
    import torch
    out = {}

    def hook(name):
        def f(_m, _i, y):
            v = y.int_repr().numpy().astype(np.int64)
            out[name] = (v.transpose(0, 2, 3, 1) if v.ndim == 4 else v, int(y.q_zero_point()))
        return f

    for name, m in model.named_modules():
        if name in ("conv1", "avgpool", "fc") or name.endswith((".conv1", ".conv2", ".downsample.0")) or \
                (name.count(".") == 1 and name.startswith("layer")):
            m.register_forward_hook(hook(name))
    dequant, model.dequant = model.dequant, torch.nn.Identity()
    with torch.no_grad():
        model(x)
    model.dequant = dequant
    return out


def per_layer(model, x, manifest_path):
    """Prints, per layer PyTorch and the reference both have, the fraction of equal values and the
    largest |difference| in quantization steps (tpu_ref.py's all-layers output against the hooks)."""
    sys.path.insert(0, SCRIPTS)
    import tpu_ref
    net = tpu_ref.load_network(manifest_path)
    _, every = tpu_ref.run_network(net, return_all=True)
    ref = {L["name"]: (y, L.get("requant").zero_point if L.get("requant") else None)
           for L, y in zip(net.layers, every)}
    for name, (t, tzp) in torch_layer_outputs(model, x).items():
        if name not in ref or ref[name][1] is None:
            continue
        y, zp = ref[name]
        d = np.abs((y.astype(np.int64).reshape(t.shape) - zp) - (t - tzp))
        print(f"  {name:24s} equal {100 * np.mean(d == 0):6.2f}%  within 1 {100 * np.mean(d <= 1):6.2f}%  "
              f"max {int(d.max())}")


def run(cmd, what):
    """Runs cmd (a list); its stdout, or exits 1 naming `what` with its stderr."""
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"error: {what} failed (exit {p.returncode}):\n{p.stdout}{p.stderr}")
    return p.stdout


def main(argv=None):
    """Command line (see the module docstring); returns the exit status."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, default=64, help="input height = width (default 64; ImageNet: 224)")
    ap.add_argument("--batch", type=int, default=4,
                    help="test images (default 4: at 64 x 64 the int16 copy of the input fills 2 x 4 x 4096 UB rows)")
    ap.add_argument("--calibration", type=int, default=16, help="calibration images (default 16)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--engine", default="onednn", help="torch.backends.quantized.engine (default onednn)")
    ap.add_argument("--weights", choices=["per-channel", "per-tensor"], default="per-channel",
                    help="weight quantization (default per-channel: the engine's default qconfig)")
    ap.add_argument("--tpu-sim", default=os.path.join(ROOT, "build", "tpu-sim"))
    ap.add_argument("--config", default=os.path.join(ROOT, "configs", "tpu_v1.yaml"))
    ap.add_argument("--workdir", help="keep the files here (default: a temporary directory)")
    ap.add_argument("--json", help="write the results to this file")
    ap.add_argument("--per-layer", action="store_true",
                    help="also compare every conv, residual block, the average pool and fc with PyTorch's (where the "
                         "differences start)")
    ap.add_argument("--min-within-1", type=float,
                    help="exit 1 when fewer than this fraction of the logits are within 1 step (a test's bound)")
    args = ap.parse_args(argv)

    import torch
    if args.engine not in torch.backends.quantized.supported_engines:
        sys.exit(f"error: quantized engine '{args.engine}' is not built into this torch "
                 f"(it has {torch.backends.quantized.supported_engines})")
    work = args.workdir or tempfile.mkdtemp(prefix="quantized_check_")
    os.makedirs(work, exist_ok=True)
    model = quantized_resnet18(args.engine, args.weights, args.seed, args.calibration, args.size)
    x = torch.randn(args.batch, 3, args.size, args.size, generator=torch.Generator().manual_seed(args.seed + 2))
    dequant, model.dequant = model.dequant, torch.nn.Identity()  # the quantized logits themselves
    with torch.no_grad():
        y = model(x)
    model.dequant = dequant
    onnx_path = os.path.join(work, "resnet18_q.onnx")
    with torch.no_grad():
        torch.onnx.export(model, x[:1], onnx_path, opset_version=13, input_names=["input"], output_names=["logits"])
    xfile = os.path.join(work, "input.npy")
    np.save(xfile, x.numpy())
    net = os.path.join(work, "net")
    run([PY, os.path.join(SCRIPTS, "onnx_to_network.py"), onnx_path, net, "--batch", str(args.batch),
         "--input-file", xfile, "--calibration-file", xfile, "--seed", str(args.seed)], "onnx_to_network.py")
    sim = run(["nice", args.tpu_sim, "--config", args.config, "--workload", os.path.join(net, "workload.yaml")],
              "tpu-sim")
    golden_line = next((ln for ln in sim.splitlines() if ln.startswith("golden")), "")
    if " 0 mismatches" not in golden_line:
        sys.exit(f"error: tpu-sim does not match the reference: {golden_line or sim}")
    import yaml
    with open(os.path.join(net, "workload.yaml")) as f:
        mf = yaml.safe_load(f)
    out_layer = next(L for L in mf["layers"] if L["name"] == mf.get("output", mf["layers"][-1]["name"]))
    dtype = np.uint8 if out_layer.get("output_type") == "uint8" else np.int8
    tpu_q = np.fromfile(os.path.join(net, mf["golden"]), dtype).reshape(y.shape)
    tpu_zp = out_layer["requant"].get("zero_point", 0)
    hist = step_histogram(tpu_q, tpu_zp, y.int_repr().numpy(), y.q_zero_point())
    total = sum(hist.values())
    exact, within1 = hist.get(0, 0) / total, (hist.get(0, 0) + hist.get(1, 0)) / total
    res = {"model": "resnet18 (torchvision.models.quantization)", "engine": args.engine, "weights": args.weights,
           "size": args.size, "batch": args.batch, "calibration": args.calibration, "seed": args.seed,
           "outputs": total, "histogram_steps": hist, "exact": exact, "within_1_step": within1}
    print(f"resnet18 {args.weights} weights, engine {args.engine}, {args.size}x{args.size}, {args.batch} images: "
          f"{total} logits")
    print("|difference| in steps: " + ", ".join(f"{k}: {v}" for k, v in hist.items()))
    print(f"exact {100 * exact:.1f}%, within 1 step {100 * within1:.1f}%")
    if args.per_layer:
        per_layer(model, x, os.path.join(net, "workload.yaml"))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=1)
    if args.min_within_1 is not None and within1 < args.min_within_1:
        print(f"error: {100 * within1:.2f}% within 1 step, below --min-within-1 {args.min_within_1}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
