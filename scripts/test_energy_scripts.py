#!/usr/bin/python3
"""Tests of scripts/accelergy_counts.py and scripts/plot_energy.py on a real tpu-sim run.

    /usr/bin/python3 scripts/test_energy_scripts.py TPU_SIM OUT_DIR

Runs tpu-sim (the digits MLP on configs/tpu_v1.yaml) with --stats, checks that the Accelergy
export parses as YAML and that its counts are the run's counters (tpu.mxu.array_macs, the UB's
bytes / row bytes, the DRAM's commands, ...), and that the plot script writes its PNG and SVG.
Exit status 0 when every check passes.
"""
import json
import os
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main(tpu_sim, out):
    os.makedirs(out, exist_ok=True)
    stats_path = os.path.join(out, "digits_small.json")
    subprocess.run([tpu_sim, "-c", os.path.join(ROOT, "configs/tpu_v1.yaml"), "-w",
                    os.path.join(ROOT, "traces/digits/workload.yaml"), "-s", stats_path, "-q"], check=True)
    stats = json.load(open(stats_path))
    text = subprocess.run([sys.executable, os.path.join(ROOT, "scripts/accelergy_counts.py"), stats_path],
                          check=True, capture_output=True, text=True).stdout
    doc = yaml.safe_load(text)
    assert doc["action_counts"]["version"] == "0.4", doc["action_counts"]["version"]
    counts = {(c["name"], a["name"]): a["counts"] for c in doc["action_counts"]["local"] for a in c["action_counts"]}
    t = stats["tpu"]
    rows = stats["config"]["mxu"][0]
    cols = stats["config"]["mxu"][1]
    want = {
        ("tpu.mxu", "mac"): t["mxu"]["array_macs"],
        ("tpu.mxu", "weight_shift"): t["mxu"]["tiles_switched"],
        ("tpu.unified_buffer", "read"): t["unified_buffer"]["bytes_read"] / rows,
        ("tpu.accumulators", "write"): t["accumulators"]["bytes_written"] / (cols * 4),
        ("tpu.weight_fifo", "write"): t["weight_fifo"]["tiles_fetched"],
        ("tpu.sequencer", "instruction"): sum(t["sequencer"]["instructions"].values()),
        ("tpu.dram", "ACT"): sum(c["commands"]["ACT"] for c in t["dram"]["channels"]),
        ("tpu.static", "idle"): stats["run"]["seconds"],
    }
    for key, value in want.items():
        assert key in counts, f"{key} missing from the export"
        assert abs(counts[key] - value) <= 1e-9 * max(1.0, abs(value)), f"{key}: {counts[key]} != {value}"
        assert value > 0, f"{key}: the run did none"
    prefix = os.path.join(out, "digits")
    subprocess.run([sys.executable, os.path.join(ROOT, "scripts/plot_energy.py"), stats_path, "--out", prefix],
                   check=True, capture_output=True)
    for suffix in ("_energy.png", "_energy.svg"):
        assert os.path.getsize(prefix + suffix) > 1000, prefix + suffix
    print(f"accelergy export: {len(counts)} actions match the counters; plot written")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
