#!/usr/bin/python3
"""Run torchvision's classification models through the whole flow and tabulate the results.

Run with Debian's Python (python3-torch, python3-torchvision, python3-onnx, numpy, PyYAML), after
building tpu-sim:

    /usr/bin/python3 scripts/run_zoo.py [--size 64] [--models m1,m2,...] [--tpu-sim build/tpu-sim]
        [--config configs/tpu_v1.yaml] [--calibration 8] [--workdir DIR] [--reuse-onnx] [--markdown FILE]
        [--json FILE]

For each model: scripts/export_torchvision.py (seeded random weights, input [1, 3, S, S]), then
scripts/onnx_to_network.py (batch 1, --calibration seeded samples), then tpu-sim on the manifest.
Per model it records whether the import converts (else the unsupported operators it listed),
whether the simulation matches the reference's golden output (0 mismatches), tpu-sim's `time` and
`compute` summary lines, the int8-vs-float relative L2 error the importer reports, the wall
seconds of export, import and simulation (time.perf_counter around each subprocess; on a shared
machine these vary with its load) and the CPU seconds (user + system) of import and simulation,
which do not. --reuse-onnx takes the ONNX files an earlier run left in --workdir (no export). The table goes to stdout (Markdown) and, with --markdown /
--json, to files. Exit status 0 when every model that converts runs with 0 mismatches, else 1.

The default list (DEFAULT_MODELS) is issue 15's: the models named there and further torchvision
families. Sizes: the ImageNet size is 224; 64 is fast (inception_v3 needs at least 75: it runs at
max(S, 96)).
"""
import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time

SCRIPTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(SCRIPTS)
PY = "/usr/bin/python3"
DEFAULT_MODELS = ["resnet18", "resnet50", "wide_resnet50_2", "resnext50_32x4d", "vgg11", "alexnet", "squeezenet1_1",
                  "googlenet", "inception_v3", "densenet121", "mobilenet_v2", "mobilenet_v3_small",
                  "mobilenet_v3_large", "efficientnet_b0", "mnasnet0_5", "shufflenet_v2_x1_0", "regnet_x_400mf",
                  "regnet_y_400mf", "vit_b_16", "convnext_tiny"]
MIN_SIZE = {"inception_v3": 96}


def children_cpu_seconds():
    """User + system CPU seconds of this process's reaped children (and theirs) so far."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def timed(args, env=None):
    """Runs args; (CompletedProcess with text output, wall seconds, CPU seconds: the child's user +
    system time, which unlike the wall time does not grow with the machine's load)."""
    t, c = time.perf_counter(), children_cpu_seconds()
    p = subprocess.run(args, capture_output=True, text=True, env=env)
    return p, time.perf_counter() - t, children_cpu_seconds() - c


def line(text, prefix):
    """The first line of text starting with prefix (stripped), or ''."""
    for ln in text.splitlines():
        if ln.startswith(prefix):
            return ln.strip()
    return ""


def run_model(name, size, args, work):
    """One model through export, import and simulation; a result dict."""
    size = max(size, MIN_SIZE.get(name, 0))
    r = {"model": name, "size": size}
    onnx_path = os.path.join(work, f"{name}-{size}.onnx")
    out = os.path.join(work, f"{name}-{size}")
    old = args.resumed.get((name, size))
    if old and old.get("import_s") is not None and os.path.exists(os.path.join(out, "workload.yaml")):
        # --resume: the export and import of an earlier run (their times kept), simulated again
        for k in ("export_s", "import_s", "int8_vs_float_rel_error", "layers"):
            r[k] = old.get(k)
        return simulate(r, args, out)
    if not (getattr(args, "reuse_onnx", False) and os.path.exists(onnx_path)):   # else an earlier export's
        p, r["export_s"], _ = timed([PY, os.path.join(SCRIPTS, "export_torchvision.py"), name, onnx_path,
                                     "--input-size", str(size)])
        if p.returncode != 0:
            r["status"] = "export fails: " + (p.stderr.strip().splitlines() or ["?"])[-1]
            return r
    p, r["import_s"], r["import_cpu_s"] = timed([PY, os.path.join(SCRIPTS, "onnx_to_network.py"), onnx_path, out,
                                                 "--batch", "1", "--calibration", str(args.calibration)])
    if p.returncode != 0:
        r["status"] = "does not convert: " + " ".join(p.stderr.strip().split())[:300]
        return r
    m = re.search(r"relative L2 error ([0-9.]+)", p.stdout)
    r["int8_vs_float_rel_error"] = float(m.group(1)) if m else None
    m = re.search(r"-> (\d+) layers", p.stdout)
    r["layers"] = int(m.group(1)) if m else None
    return simulate(r, args, out)


def simulate(r, args, out):
    """tpu-sim on out/workload.yaml; fills r's simulation fields and status; returns r."""
    p, r["sim_s"], r["sim_cpu_s"] = timed([args.tpu_sim, "--config", args.config, "--workload", os.path.join(out, "workload.yaml")],
                          env=dict(os.environ, SC_COPYRIGHT_MESSAGE="DISABLE"))
    r["time"], r["compute"], r["golden"] = line(p.stdout, "time"), line(p.stdout, "compute"), line(p.stdout, "golden")
    m = re.search(r"golden\s+(\d+) mismatches", p.stdout)
    r["mismatches"] = int(m.group(1)) if m else None
    if p.returncode not in (0, 3) or m is None:
        r["status"] = "simulation fails: " + " ".join(p.stderr.strip().split())[:300]
    else:
        r["status"] = "ok" if r["mismatches"] == 0 else f"{r['mismatches']} mismatches"
    m = re.search(r"([0-9.]+) us simulated", r["time"])
    r["simulated_us"] = float(m.group(1)) if m else None
    m = re.search(r"host interaction ([0-9.]+)% of the run", line(p.stdout, "host"))
    r["host_share_pct"] = float(m.group(1)) if m else None   # TPU paper, Table 5's measure
    m = re.search(r"([0-9.]+) TOPS achieved.*utilization ([0-9.]+)%", r["compute"])
    if m:
        r["tops"], r["mxu_utilization_pct"] = float(m.group(1)), float(m.group(2))
    return r


def markdown(results):
    """The results as a Markdown table."""
    rows = ["| model | input | converts | 0 mismatches | layers | simulated us | TOPS | MXU util % | host share % | "
            "int8 vs float rel. error | export s | import s | simulation s | import CPU s | simulation CPU s |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        conv = "yes" if "import_s" in r and not r["status"].startswith("does not") else "no"
        ok = "yes" if r["status"] == "ok" else ("-" if conv == "no" else "no")

        def f(k, fmt):
            return fmt.format(r[k]) if r.get(k) is not None else "-"
        rows.append(f"| {r['model']} | {r['size']} | {conv} | {ok} | {f('layers', '{}')} | {f('simulated_us', '{:.1f}')} "
                    f"| {f('tops', '{:.3f}')} | {f('mxu_utilization_pct', '{:.2f}')} | {f('host_share_pct', '{:.1f}')} | "
                    f"{f('int8_vs_float_rel_error', '{:.4f}')} | {f('export_s', '{:.1f}')} | {f('import_s', '{:.1f}')} "
                    f"| {f('sim_s', '{:.2f}')} | {f('import_cpu_s', '{:.1f}')} | {f('sim_cpu_s', '{:.2f}')} |")
    notes = [f"- {r['model']}: {r['status']}" for r in results if r["status"] != "ok"]
    return "\n".join(rows + ([""] + notes if notes else [])) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, default=64, help="input height = width (default 64; ImageNet: 224)")
    ap.add_argument("--models", default=",".join(DEFAULT_MODELS), help="comma-separated torchvision model names")
    ap.add_argument("--tpu-sim", default=os.path.join(ROOT, "build", "tpu-sim"), help="the simulator")
    ap.add_argument("--config", default=os.path.join(ROOT, "configs", "tpu_v1.yaml"))
    ap.add_argument("--calibration", type=int, default=8, help="seeded calibration samples (default 8)")
    ap.add_argument("--workdir", help="keep the ONNX files and manifests here (default: a temporary directory)")
    ap.add_argument("--markdown", help="also write the table to this file")
    ap.add_argument("--json", help="also write the results to this file")
    ap.add_argument("--reuse-onnx", action="store_true",
                    help="use the ONNX files already in --workdir (export not run, its time '-')")
    ap.add_argument("--resume", help="results JSON of an earlier run with the same --workdir: models it imported "
                                     "are only simulated again (export and import times kept)")
    args = ap.parse_args(argv)
    args.resumed = {}
    if args.resume and os.path.exists(args.resume):
        with open(args.resume) as f:
            args.resumed = {(r["model"], r["size"]): r for r in json.load(f)}
    if not os.path.exists(args.tpu_sim):
        print(f"error: no simulator at {args.tpu_sim} (build it: cmake --build build --target tpu-sim)",
              file=sys.stderr)
        return 1
    tmp = None if args.workdir else tempfile.TemporaryDirectory()
    work = args.workdir or tmp.name
    os.makedirs(work, exist_ok=True)
    results = []
    for name in [m for m in args.models.split(",") if m]:
        r = run_model(name, args.size, args, work)
        results.append(r)
        print(f"{name}: {r['status']}; import {r.get('import_s', 0):.1f} s, simulation {r.get('sim_s', 0):.2f} s; "
              f"{r.get('compute', '')}", flush=True)
        table = markdown(results)       # the files so far after every model (complete, rewritten)
        if args.markdown:
            with open(args.markdown, "w") as f:
                f.write(table)
        if args.json:
            with open(args.json, "w") as f:
                json.dump(results, f, indent=1)
    print(table)
    if tmp:
        tmp.cleanup()
    return 0 if all(r["status"] == "ok" or r["status"].startswith(("does not", "export")) for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
