#!/usr/bin/python3
"""Energy breakdown per block from tpu-sim stats files.

Run with Debian's Python (matplotlib):

    /usr/bin/python3 scripts/plot_energy.py STATS.json [STATS.json ...] --out PREFIX [--label NAME ...]

Each STATS.json is written by `tpu-sim --stats FILE`; its `energy` object (model/energy/energy.h)
holds the run's joules by block. Writes PREFIX_energy.png and PREFIX_energy.svg: one stacked bar
per run of the average power over the run (W) by block (die blocks, static, then the DRAM
devices), the TPU paper's measured die power (Jouppi et al., ISCA 2017, Table 2: 40 W busy, 28 W
idle) as dashed lines for comparison, and each bar's die power and TOPS/W above it. Fields read:
workload.name, energy.{seconds, blocks.<block>.j, die_power_w, tops_per_w_die}.

Output is deterministic: matplotlib's Agg backend, svg.hashsalt fixed, no date in the SVG metadata
and no Software tag in the PNG.
"""
import argparse
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

BLOCKS = ["mxu", "unified_buffer", "accumulators", "weight_fifo", "activation_unit", "sequencer",
          "host_interface", "static", "dram"]
LABELS = ["MXU (MACs, weight shift)", "Unified Buffer", "Accumulators", "Weight FIFO", "Activation unit",
          "Instructions", "PCIe", "Static", "DRAM devices (off die)"]
COLORS = ["#2ca02c", "#1f77b4", "#17becf", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#d62728"]


def load(path):
    try:
        with open(path) as f:
            s = json.load(f)
        e = s["energy"]
        return {"name": s["workload"]["name"], "seconds": e["seconds"],
                "watts": {b: e["blocks"].get(b, {}).get("j", 0.0) / e["seconds"] for b in BLOCKS},
                "die_w": e["die_power_w"], "tops_per_w": e["tops_per_w_die"]}
    except (OSError, ValueError, KeyError, TypeError, ZeroDivisionError) as err:
        raise SystemExit(f"plot_energy.py: {path}: cannot read the energy of the run ({err!r})")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("stats", nargs="+")
    ap.add_argument("--out", required=True, help="output prefix")
    ap.add_argument("--label", action="append", default=[], help="bar label per file, in order")
    args = ap.parse_args()
    runs = [load(p) for p in args.stats]
    for i, lab in enumerate(args.label[:len(runs)]):
        runs[i]["name"] = lab
    plt.rcParams["svg.hashsalt"] = "tpu-tlm"
    fig, ax = plt.subplots(figsize=(max(6, 1.2 * len(runs) + 3), 5))
    x = range(len(runs))
    bottom = [0.0] * len(runs)
    for b, lab, col in zip(BLOCKS, LABELS, COLORS):
        h = [r["watts"][b] for r in runs]
        ax.bar(x, h, bottom=bottom, color=col, label=lab, width=0.6)
        bottom = [u + v for u, v in zip(bottom, h)]
    for i, r in enumerate(runs):
        tpw = r["tops_per_w"]
        ax.text(i, bottom[i] + 0.5, f"die {r['die_w']:.1f} W\n{tpw:.2f} TOPS/W" if tpw is not None else
                f"die {r['die_w']:.1f} W", ha="center", va="bottom", fontsize=7)
    ax.axhline(40, color="k", ls="--", lw=0.8)
    ax.axhline(28, color="k", ls=":", lw=0.8)
    ax.text(len(runs) - 0.5, 40, "paper, busy die 40 W", fontsize=7, va="bottom", ha="right")
    ax.text(len(runs) - 0.5, 28, "paper, idle die 28 W", fontsize=7, va="bottom", ha="right")
    ax.set_xticks(list(x))
    ax.set_xticklabels([r["name"] for r in runs], rotation=20, ha="right")
    ax.set_ylabel("average power over the run (W)")
    ax.set_title("Energy per block (W = J / run time); Horowitz 45 nm scaled to 28 nm, DDR3 IDD")
    ax.set_ylim(0, max(max(bottom) * 1.25, 45))
    ax.legend(fontsize=7, loc="upper left", ncol=2)
    fig.tight_layout()
    written = []
    png, svg = args.out + "_energy.png", args.out + "_energy.svg"
    fig.savefig(png, dpi=150, metadata={"Software": None})
    fig.savefig(svg, metadata={"Date": None, "Creator": None})
    written += [png, svg]
    print("\n".join(written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
