#!/usr/bin/python3
"""Roofline and Table 3 plots from tpu-sim stats files.

Run with Debian's Python (numpy, matplotlib):

    /usr/bin/python3 scripts/plot_roofline.py STATS.json [STATS.json ...] --out PREFIX
        [--label NAME ...] [--title TEXT] [--no-layers]

Each STATS.json is written by `tpu-sim --stats FILE`. Writes four files:

  PREFIX_roofline.png / .svg   the roofline of the configured chip, as in the TPU paper (Jouppi et
        al., ISCA 2017, Figure 5): x = operational intensity in MACs per weight byte (log), y = TOPS
        (log). Roof = min(peak_tops, 2 * I * dram_peak_bytes_per_s / 1e12) (2 operations per MAC;
        the weights are what streams from DRAM); the ridge point I = peak_tops * 1e12 /
        (2 * dram_peak_bytes_per_s) is marked. Each run is a large labelled marker at
        (run.macs_per_weight_byte, run.tops); each of its layers with weights a small marker of the
        same colour at (layers[i].macs_per_weight_byte, layers[i].tops). Runs on different
        configurations get one roof each (dashed for the second, ...).
  PREFIX_table3.png / .svg     the paper's Table 3 split of the run's cycles, one stacked bar per run:
        array_active, weight_stall, weight_shift, non_matrix, raw_stall, input_stall (run.table3_percent,
        % of the cycles from START to Halt).

Fields read: config.{name, clock_mhz, dram_peak_bytes_per_s, mxu ([rows, cols] or {rows, cols})},
run.{tops, peak_tops, table3_percent, macs_per_weight_byte}, workload.{name, useful_macs} and the
optional top-level `layers` list ({name, op, macs, weight_bytes, tops, macs_per_weight_byte (null
without weights)}). Files without `layers` give runs only. A run without run.macs_per_weight_byte
uses workload.useful_macs / sum(layers[].weight_bytes) when it has layers, else workload.useful_macs
/ tpu.weight_fifo.bytes_fetched (the weight bytes as streamed from DRAM, tiles padded to the MXU
size, once per batch; a note says so), else it is left off the roofline (a warning says so).
peak_tops falls back to 2 * rows * cols * clock_mhz * 1e6 / 1e12.

Output is deterministic: matplotlib's Agg backend, svg.hashsalt fixed, no date in the SVG metadata
and no Software tag in the PNG.
"""
import argparse
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

TABLE3 = ["array_active", "weight_stall", "weight_shift", "non_matrix", "raw_stall", "input_stall"]
TABLE3_LABELS = ["Array active", "Weight stall", "Weight shift", "Non-matrix", "RAW stall", "Input stall"]
TABLE3_COLORS = ["#2ca02c", "#d62728", "#ff7f0e", "#7f7f7f", "#9467bd", "#1f77b4"]
RUN_COLORS = plt.get_cmap("tab10").colors
MARKERS = ["o", "s", "D", "^", "v", "P", "X", "*", "h", "<", ">"]


class StatsError(Exception):
    """An unreadable stats file or a missing key; the message names the file and the key."""


def get(d, path, where, default=KeyError):
    """d's value at the dotted key `path` ('run.tops'); `default` when missing, or StatsError naming
    `where` when no default is given."""
    cur = d
    for k in path.split("."):
        if not isinstance(cur, dict) or k not in cur:
            if default is KeyError:
                raise StatsError(f"{where}: missing '{path}'")
            return default
        cur = cur[k]
    return cur


def load_run(path, label=None):
    """Reads one tpu-sim stats JSON file: returns a dict with the config (name, peak TOPS, DRAM
    bytes/s, MXU rows, cols, clock MHz), the run's TOPS, intensity (MACs per weight byte, or None),
    Table 3 percentages and the layers' (intensity, TOPS, name); label overrides the workload name."""
    try:
        with open(path) as f:
            j = json.load(f)
    except (OSError, ValueError) as e:
        raise StatsError(f"{path}: cannot read JSON: {e}")
    cfg = get(j, "config", path)
    mxu = get(cfg, "mxu", path + ": config")
    rows, cols = (mxu[0], mxu[1]) if isinstance(mxu, (list, tuple)) else (mxu["rows"], mxu["cols"])
    clock = float(get(cfg, "clock_mhz", path + ": config"))
    peak = get(j, "run.peak_tops", path, None)
    peak = float(peak) if peak is not None else 2.0 * rows * cols * clock * 1e6 / 1e12
    bw = float(get(cfg, "dram_peak_bytes_per_s", path + ": config"))
    run = {
        "file": path,
        "config": (str(cfg.get("name", "?")), peak, bw, rows, cols, clock),
        "name": label or str(get(j, "workload.name", path, os.path.basename(path))),
        "tops": float(get(j, "run.tops", path)),
        "table3": {k: float(get(j, "run.table3_percent", path).get(k, 0.0)) for k in TABLE3},
        "layers": [],
    }
    layers = j.get("layers")
    if isinstance(layers, list):
        for L in layers:
            i = L.get("macs_per_weight_byte")
            t = L.get("tops")
            if i is not None and t is not None and i > 0 and t > 0:
                run["layers"].append((float(i), float(t), str(L.get("name", "?"))))
    intensity = get(j, "run.macs_per_weight_byte", path, None)
    if intensity is None and isinstance(layers, list):
        wb = sum(float(L.get("weight_bytes") or 0) for L in layers)
        macs = get(j, "workload.useful_macs", path, None)
        intensity = float(macs) / wb if wb > 0 and macs else None
    if intensity is None:
        macs = get(j, "workload.useful_macs", path, None)
        fetched = get(j, "tpu.weight_fifo.bytes_fetched", path, None)
        if macs and fetched:
            intensity = float(macs) / float(fetched)
            print(f"note: {path}: no run.macs_per_weight_byte; using workload.useful_macs / "
                  f"tpu.weight_fifo.bytes_fetched = {intensity:.1f} (weight bytes as fetched, tiles padded)",
                  file=sys.stderr)
    if intensity is None:
        print(f"warning: {path}: no run.macs_per_weight_byte (and no layers or weight FIFO counters to derive "
              "it); the run is left off the roofline", file=sys.stderr)
    run["intensity"] = float(intensity) if intensity else None
    return run


def deterministic_savefig(fig, prefix, suffix):
    """Saves fig as PREFIX_SUFFIX.png (150 dpi) and .svg without dates or software metadata (same
    bytes on every run), closes it; returns the two paths."""
    png, svg = f"{prefix}_{suffix}.png", f"{prefix}_{suffix}.svg"
    fig.savefig(png, dpi=150, metadata={"Software": None})
    fig.savefig(svg, metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return png, svg


def plot_roofline(runs, title, show_layers):
    """The roofline figure (log-log TOPS over MACs per weight byte): one roof per configuration,
    a large marker per run and, with show_layers, small markers for its layers."""
    fig, ax = plt.subplots(figsize=(8, 5.5))
    configs = []
    for r in runs:
        if r["config"] not in configs:
            configs.append(r["config"])
    xs = [r["intensity"] for r in runs if r["intensity"]] + [i for r in runs for i, _, _ in r["layers"]]
    ys = [r["tops"] for r in runs if r["intensity"] and r["tops"] > 0] + [t for r in runs for _, t, _ in r["layers"]]
    ridges = [c[1] * 1e12 / (2 * c[2]) for c in configs]
    xmin = min(xs + ridges) / 4
    xmax = max(xs + ridges) * 4
    ymin = min(ys + [c[1] for c in configs]) / 4 if ys else min(c[1] for c in configs) / 1000
    ymax = max(c[1] for c in configs) * 3
    x = np.logspace(np.log10(xmin), np.log10(xmax), 400)
    styles = ["-", "--", ":", "-."]
    for k, (name, peak, bw, rows, cols, clock) in enumerate(configs):
        roof = np.minimum(peak, 2 * x * bw / 1e12)
        ridge = peak * 1e12 / (2 * bw)
        ax.plot(x, roof, color="black", linestyle=styles[k % len(styles)], linewidth=1.6,
                label=f"roof {name}: {peak:.1f} TOPS peak ({rows}x{cols} MXU, {clock:.0f} MHz), "
                      f"{bw / 1e9:.1f} GB/s DRAM")
        ax.plot([ridge], [peak], marker="|", markersize=18, color="black", linestyle="none")
        ax.annotate(f"ridge {ridge:.0f} MAC/B", (ridge, peak), textcoords="offset points", xytext=(6, 6),
                    fontsize=8)
    for n, r in enumerate(runs):
        color = RUN_COLORS[n % len(RUN_COLORS)]
        marker = MARKERS[n % len(MARKERS)]
        if show_layers and r["layers"]:
            li, lt = zip(*[(i, t) for i, t, _ in r["layers"]])
            ax.scatter(li, lt, s=14, color=color, marker=marker, alpha=0.55, linewidths=0, zorder=3)
        if r["intensity"] and r["tops"] > 0:
            ax.scatter([r["intensity"]], [r["tops"]], s=110, color=color, marker=marker, edgecolors="black",
                       linewidths=0.8, zorder=4, label=f"{r['name']}: {r['tops']:.2f} TOPS at "
                                                       f"{r['intensity']:.0f} MAC/B")
            ax.annotate(r["name"], (r["intensity"], r["tops"]), textcoords="offset points",
                        xytext=(8, -13) if n % 2 == 0 else (8, 7),
                        fontsize=9, color=color, fontweight="bold")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_xlabel("Operational intensity: MACs per weight byte (log)")
    ax.set_ylabel("TeraOps/s (log)")
    ax.set_title(title or "TPU roofline (large markers: runs, small markers: their layers)")
    ax.grid(True, which="major", linewidth=0.5, alpha=0.5)
    ax.grid(True, which="minor", linewidth=0.3, alpha=0.2)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def plot_table3(runs, title):
    """A stacked bar per run of the Table 3 cycle breakdown (% of cycles)."""
    fig, ax = plt.subplots(figsize=(max(5.0, 1.2 * len(runs) + 3.5), 5))
    idx = np.arange(len(runs))
    bottom = np.zeros(len(runs))
    for key, label, color in zip(TABLE3, TABLE3_LABELS, TABLE3_COLORS):
        v = np.array([r["table3"][key] for r in runs])
        ax.bar(idx, v, 0.6, bottom=bottom, color=color, label=label, edgecolor="white", linewidth=0.5)
        for i in range(len(runs)):
            if v[i] >= 4:
                ax.text(idx[i], bottom[i] + v[i] / 2, f"{v[i]:.1f}", ha="center", va="center", fontsize=7,
                        color="white")
        bottom += v
    ax.set_xticks(idx)
    ax.set_xticklabels([r["name"] for r in runs], rotation=20 if len(runs) > 3 else 0, ha="right" if len(runs) > 3
                       else "center", fontsize=8)
    ax.set_ylabel("% of cycles (START to Halt)")
    ax.set_ylim(0, max(100.0, float(bottom.max()) if len(runs) else 100.0) * 1.02)
    ax.set_title(title or "Table 3: where the MXU's cycles go")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    return fig


def main(argv=None):
    """Command line (see the module docstring): writes the four plot files; returns the exit status
    (0, 1 bad stats file, 2 usage)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("stats", nargs="+", help="stats JSON files written by tpu-sim --stats")
    ap.add_argument("--out", required=True, help="output prefix: PREFIX_roofline.{png,svg}, PREFIX_table3.{png,svg}")
    ap.add_argument("--label", action="append", default=[], help="label of each run, in order (default: workload name)")
    ap.add_argument("--title", help="title of the roofline plot")
    ap.add_argument("--no-layers", action="store_true", help="runs only, no per-layer markers")
    args = ap.parse_args(argv)
    if len(args.label) > len(args.stats):
        print("error: more --label than stats files", file=sys.stderr)
        return 2
    plt.rcParams["svg.hashsalt"] = "tpu-tlm"
    plt.rcParams["path.simplify"] = True
    try:
        runs = [load_run(p, args.label[i] if i < len(args.label) else None) for i, p in enumerate(args.stats)]
    except StatsError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    names = [r["name"] for r in runs]
    for i, r in enumerate(runs):     # same workload on several configurations: add the config name
        if names.count(r["name"]) > 1:
            r["name"] = f"{r['name']} ({r['config'][0]})"
    d = os.path.dirname(args.out)
    if d:
        os.makedirs(d, exist_ok=True)
    written = deterministic_savefig(plot_roofline(runs, args.title, not args.no_layers), args.out, "roofline")
    written += deterministic_savefig(plot_table3(runs, None), args.out, "table3")
    for r in runs:
        i = f"{r['intensity']:.1f} MAC/B" if r["intensity"] else "no intensity"
        print(f"{r['name']}: {r['tops']:.3f} TOPS, {i}, {len(r['layers'])} layers with weights ({r['file']})")
    print("wrote " + ", ".join(written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
