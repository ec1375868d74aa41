#!/usr/bin/python3
"""Train a small CNN on scikit-learn's digits with torch, export it to ONNX, import it, run it on
the simulator, and compare its int8 (simulated) accuracy with the float model's.

Run with Debian's Python (python3-torch, python3-sklearn, python3-onnx, numpy, PyYAML):

    /usr/bin/python3 scripts/digits_cnn.py --tpu-sim build/tpu-sim --out DIR [--config CFG]
        [--epochs 30] [--seed 0] [--json REPORT.json]

Data: the 1,797 8x8 digits of sklearn.datasets.load_digits (pixel values 0..16, scaled to
0..1), split 80/20 with train_test_split(random_state=0, stratify=labels): 1,437 training
images, 360 held-out test images. Nothing is downloaded.

Model (NCHW): Conv 1->16 3x3 pad 1, ReLU; Conv 16->32 3x3 pad 1, ReLU; MaxPool 2;
Conv 32->64 3x3 pad 1, ReLU; MaxPool 2; Flatten; Linear 256->10. Trained with Adam (lr 3e-3)
on cross-entropy, batch 64, --epochs epochs, in float32 on one CPU thread with
torch.manual_seed(seed) and torch.use_deterministic_algorithms(True): the same machine gives the
same weights every run. (Another machine's BLAS may sum in another order: the weights, and so the
int8 data, can then differ in the last bits. The accuracies are what this script reports and
what its test checks, with a margin, not the bytes.)

Then, in DIR: digits_cnn.onnx (opset 13, input [1, 1, 8, 8]), train.npy (the calibration set:
all training images), test.npy, test_labels.u8, and OUT/network/: the network manifest written
by scripts/onnx_to_network.py for the 360 test images as one batch (its golden.i8 is
scripts/tpu_ref.py's integer reference). `tpu-sim --workload OUT/network/workload.yaml` must
then report 0 golden mismatches (exit 0); with that, the simulated int8 outputs *are* golden.i8,
and the int8 accuracy is top-1 of golden.i8 against the test labels. The float accuracy is the
torch model's on the same 360 images.

Prints one line per figure and, with --json, writes {"float_accuracy", "int8_accuracy",
"agreement" (top-1 of int8 equal to float's), "test_images", "epochs", "seed", "tpu_sim_summary"}.
Exit status: 0 done; 1 an error (a failed import or simulation, golden mismatches: the message
says which).
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np

SCRIPTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(SCRIPTS)


def load_split():
    """The digits as float32 NCHW [n, 1, 8, 8] in 0..1 and uint8 labels: (train_x, train_y,
    test_x, test_y), the 80/20 stratified split of random_state 0."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    d = load_digits()
    x = (d.images / 16.0).astype(np.float32)[:, None, :, :]
    y = d.target.astype(np.uint8)
    return train_test_split(x, y, test_size=0.2, random_state=0, stratify=y)


def build_model(torch):
    """The CNN of the module docstring (untrained)."""
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 2 * 2, 10))


def train(train_x, train_y, epochs, seed):
    """Trains the CNN deterministically (see the module docstring); returns the model in eval
    mode."""
    import torch
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    model = build_model(torch)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    x = torch.from_numpy(train_x)
    y = torch.from_numpy(train_y.astype(np.int64))
    gen = torch.Generator().manual_seed(seed + 1)
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), 64):
            idx = order[i:i + 64]
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
    return model.eval()


def export(model, path):
    """Exports `model` to ONNX (opset 13) for a [1, 1, 8, 8] float input."""
    import torch
    with torch.no_grad():
        torch.onnx.export(model, torch.zeros(1, 1, 8, 8), path, opset_version=13,
                          input_names=["image"], output_names=["logits"])


def run(cmd, what):
    """Runs `cmd`; returns its stdout; raises RuntimeError naming `what` and the output on a
    non-zero exit."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{what} failed (exit {p.returncode}):\n{p.stdout}")
    return p.stdout


def main(argv=None):
    """Command line (see the module docstring); returns the exit status."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tpu-sim", required=True, help="the tpu-sim binary")
    ap.add_argument("--out", required=True, help="directory for the model, data and manifest")
    ap.add_argument("--config", default=os.path.join(ROOT, "configs", "tpu_v1.yaml"))
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", help="write the figures as JSON to this file")
    a = ap.parse_args(argv)
    try:
        import torch
        os.makedirs(a.out, exist_ok=True)
        train_x, test_x, train_y, test_y = load_split()
        model = train(train_x, train_y, a.epochs, a.seed)
        with torch.no_grad():
            float_pred = model(torch.from_numpy(test_x)).argmax(1).numpy()
        onnx_path = os.path.join(a.out, "digits_cnn.onnx")
        export(model, onnx_path)
        np.save(os.path.join(a.out, "train.npy"), train_x)
        np.save(os.path.join(a.out, "test.npy"), test_x)
        test_y.tofile(os.path.join(a.out, "test_labels.u8"))
        net_dir = os.path.join(a.out, "network")
        run([sys.executable, os.path.join(SCRIPTS, "onnx_to_network.py"), onnx_path, net_dir,
             "--batch", str(len(test_x)), "--calibration-file", os.path.join(a.out, "train.npy"),
             "--input-file", os.path.join(a.out, "test.npy"), "--name", "digits-cnn"], "onnx_to_network.py")
        out = run([a.tpu_sim, "--config", a.config, "--workload", os.path.join(net_dir, "workload.yaml")],
                  "tpu-sim (exit 3 is golden mismatches)")
        golden = np.fromfile(os.path.join(net_dir, "golden.i8"), dtype=np.int8).reshape(len(test_x), -1)
        int8_pred = golden[:, :10].argmax(1)
        report = {
            "float_accuracy": float((float_pred == test_y).mean()),
            "int8_accuracy": float((int8_pred == test_y).mean()),
            "agreement": float((int8_pred == float_pred).mean()),
            "test_images": int(len(test_x)),
            "epochs": a.epochs,
            "seed": a.seed,
            "tpu_sim_summary": out.strip().splitlines(),
        }
    except (RuntimeError, OSError, ValueError) as e:
        print(f"digits_cnn.py: error: {e}", file=sys.stderr)
        return 1
    print(out.strip())
    print(f"float accuracy {100 * report['float_accuracy']:.2f}%, int8 (simulated, 0 golden mismatches) "
          f"{100 * report['int8_accuracy']:.2f}%, top-1 agreement {100 * report['agreement']:.2f}% "
          f"on {report['test_images']} held-out digits")
    if a.json:
        with open(a.json + ".partial", "w") as f:
            json.dump(report, f, indent=1)
        os.replace(a.json + ".partial", a.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
