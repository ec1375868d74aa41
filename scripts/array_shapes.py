#!/usr/bin/python3
"""Run every shipped network on several array shapes and tabulate which run (docs/array_shapes.md).

    /usr/bin/python3 scripts/array_shapes.py [--tpu-sim build/tpu-sim] [--configs a.yaml,b.yaml,...]
        [--workloads traces/x/workload.yaml,...] [--timeout 1200] [--markdown FILE] [--json FILE]

Defaults: the shipped workloads (traces/*/workload.yaml and traces/apps/*/workload.yaml: networks and
dense MLPs) on configs/tpu_v1_128x128.yaml, tpu_v1.yaml (256 x 256), tpu_v1_512x512.yaml,
tpu_v1_1024x1024.yaml and the non-square tpu_v1_512x128.yaml. Per pair it records whether tpu-sim
ran and matched the golden outputs (its "golden 0 mismatches" line), else tpu-sim's error line, and
the simulated time and TOPS of tpu-sim's summary (a workload without golden data counts as ran
when tpu-sim exits 0). Wall seconds are not recorded (they say more about
the machine's load than about the model). Exit status 0 when every pair ran with 0 mismatches.
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = ["tpu_v1_128x128", "tpu_v1", "tpu_v1_512x512", "tpu_v1_1024x1024", "tpu_v1_512x128"]


def shipped_networks():
    """The shipped workloads (networks and dense MLPs), sorted."""
    return sorted(glob.glob(os.path.join(ROOT, "traces", "*", "workload.yaml")) +
                  glob.glob(os.path.join(ROOT, "traces", "apps", "*", "workload.yaml")))


def run(sim, config, workload, timeout):
    """One tpu-sim run; a result dict (status 'ran', 'mismatch', 'error' or 'timeout')."""
    r = {"config": os.path.basename(config)[:-5], "workload": os.path.relpath(os.path.dirname(workload), ROOT)}
    try:
        p = subprocess.run([sim, "--config", config, "--workload", workload], capture_output=True, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        r["status"] = f"timeout after {timeout} s"
        return r
    out = p.stdout + p.stderr
    m = re.search(r"^golden\s+(\d+) mismatches", out, re.M)
    if p.returncode == 0 and m and m.group(1) == "0":
        r["status"] = "ran"
    elif p.returncode == 0 and re.search(r"^golden\s+none", out, re.M):
        r["status"] = "ran"  # a workload without golden data (mlp0_like, mlp1_like): ran, nothing to compare
        r["golden"] = "none"
    elif m:
        r["status"] = f"mismatch: {m.group(1)}"
    else:
        err = [ln for ln in out.splitlines() if "error" in ln]
        r["status"] = "error: " + (err[0] if err else f"exit {p.returncode}")
    t = re.search(r"^time\s+([0-9.]+) us simulated", out, re.M)
    c = re.search(r"^compute\s+([0-9.]+) TOPS", out, re.M)
    r["simulated_us"] = float(t.group(1)) if t else None
    r["tops"] = float(c.group(1)) if c else None
    return r


def markdown(results, configs):
    """A workload x config table: 'ran (us, TOPS)' or the failure."""
    names = [os.path.basename(c)[:-5] for c in configs]
    rows = {}
    for r in results:
        cell = (f"ran{' (no golden)' if r.get('golden') else ''}: {r['simulated_us']:.1f} us, {r['tops']:.3f} TOPS"
                if r["status"] == "ran" else r["status"])
        rows.setdefault(r["workload"], {})[r["config"]] = cell
    lines = ["| network | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for w, cells in rows.items():
        lines.append(f"| {w} | " + " | ".join(cells.get(n, "-") for n in names) + " |")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tpu-sim", default=os.path.join(ROOT, "build", "tpu-sim"))
    ap.add_argument("--configs", default=",".join(os.path.join(ROOT, "configs", c + ".yaml") for c in CONFIGS))
    ap.add_argument("--workloads", help="comma-separated manifests (default: every shipped network)")
    ap.add_argument("--timeout", type=float, default=1200, help="seconds per run (default 1200)")
    ap.add_argument("--markdown", help="also write the table to this file")
    ap.add_argument("--json", help="also write the results to this file")
    a = ap.parse_args()
    if not os.access(a.tpu_sim, os.X_OK):
        sys.exit(f"error: no simulator at {a.tpu_sim}")
    configs = a.configs.split(",")
    workloads = a.workloads.split(",") if a.workloads else shipped_networks()
    results = []
    for w in workloads:
        for c in configs:
            results.append(run(a.tpu_sim, c, w, a.timeout))
            print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    table = markdown(results, configs)
    sys.stdout.write(table)
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(table)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0 if all(r["status"] == "ran" for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
