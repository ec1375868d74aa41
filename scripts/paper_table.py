#!/usr/bin/python3
"""Run the TPU paper's six applications on the model and print them beside the paper's numbers.

    scripts/paper_table.py [--tpu-sim build/tpu-sim] [--config configs/tpu_v1.yaml ...]
                           [--stats-dir DIR] [--tolerance 15]

For each config given (default: configs/tpu_v1.yaml and configs/tpu_v1_hbm.yaml, the paper's
TPU' study with more memory bandwidth), runs MLP0, MLP1, LSTM0, LSTM1, CNN0 and CNN1 with
`tpu-sim --stats`. For the first config it prints achieved TOPS and the Table 3 split of MXU
cycles next to the paper's measured values (traces/apps/paper_measured.csv: Jouppi et al., ISCA
2017, Tables 1 and 3); for the others, each app's speedup over the first config and the
geometric and weighted means (Table 1's deployment mix), as the paper's Sec. 7 reports TPU'. The paper's non-matrix column includes its RAW and input stalls; the model's are
exclusive categories, so "non-matrix" here is the model's non_matrix + raw_stall + input_stall.
The workloads' layer widths are this project's choices (the paper publishes layer counts,
weights, batch and ops per weight byte only); see each manifest's description.

After the first config's table it prints a Table 7 of this model (the paper's Table 7 gives its
own performance model's error per app and the mean): per app the relative error of TOPS (%) and
the error of each Table 3 column (model minus paper, in percentage points), then the mean of the
absolute errors of each column; the same rows are written to <stats-dir>/table7.csv. Then the
published facts the stand-ins and the model must honour beside the model's values: the share of
the array's MACs that are useful on active cycles (Table 3), Unified Buffer use (Table 8), cycles
per instruction (Sec. 2: 10 to 20 typical), and the TOPS Table 3's counters imply beside the
measured TOPS (the paper's two sources of its numbers; where they differ, no model can match
both).

Keeps the stats JSON of every run in --stats-dir (default: a temporary directory) for
scripts/plot_roofline.py. Exit status: 0 when every app on the first config is within the
tolerance of the paper's TOPS, 1 otherwise (the table is printed either way), 2 on errors.
"""
import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The six applications (TPU paper, Table 1) and the workloads standing in for them.
APPS = [
    ("MLP0", "traces/mlp0_like/workload.yaml"),
    ("MLP1", "traces/mlp1_like/workload.yaml"),
    ("LSTM0", "traces/apps/lstm0/workload.yaml"),
    ("LSTM1", "traces/apps/lstm1/workload.yaml"),
    ("CNN0", "traces/apps/cnn0/workload.yaml"),
    ("CNN1", "traces/apps/cnn1/workload.yaml"),
]
T3 = ["array_active", "weight_stall", "weight_shift"]


def paper_values():
    """The paper's measured values per app, from traces/apps/paper_measured.csv."""
    path = os.path.join(ROOT, "traces/apps/paper_measured.csv")
    with open(path) as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        return {r["app"]: r for r in rows}


def run(tpu_sim, config, workload, stats):
    """Runs one app; returns its stats JSON. Raises RuntimeError with tpu-sim's message."""
    cmd = [tpu_sim, "--quiet", "--config", config, "--workload", workload, "--stats", stats]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:  # 3 = the outputs differ from the golden data: an error here too
        raise RuntimeError("%s failed (exit %d): %s" % (" ".join(cmd), p.returncode, p.stderr.strip()))
    with open(stats) as f:
        return json.load(f)


# Deployment mix of TPU v1 in July 2016 (TPU paper, Table 1: MLPs 61%, LSTMs 29%, CNNs 5%),
# split evenly between the two apps of a type: the paper's weighted mean.
MIX = {"MLP0": 30.5, "MLP1": 30.5, "LSTM0": 14.5, "LSTM1": 14.5, "CNN0": 2.5, "CNN1": 2.5}


def speedups(config, results, base):
    """The speedup of every app on `config` over the first config, with the geometric and weighted
    (MIX) means, as printable text (str, no trailing newline). results: [(app, stats JSON dict)] on
    `config`, in APPS order; base: (the first config's path as printed, its results in the same
    form and order)."""
    lines = ["config %s: speedup over %s (the paper's TPU' with ~5x bandwidth: ~3x weighted mean, Sec. 7)"
             % (config, base[0]), "%-6s %9s %9s %8s" % ("app", "TOPS", "base", "speedup")]
    ratios = {}
    for (app, stats), (_, b) in zip(results, base[1]):
        ratios[app] = stats["run"]["tops"] / b["run"]["tops"]
        lines.append("%-6s %9.2f %9.2f %7.2fx" % (app, stats["run"]["tops"], b["run"]["tops"], ratios[app]))
    gm = statistics.geometric_mean(ratios.values())
    wm = sum(MIX[a] * r for a, r in ratios.items()) / sum(MIX[a] for a in ratios)
    lines.append("geometric mean %.2fx, weighted mean (Table 1 deployment mix) %.2fx" % (gm, wm))
    return "\n".join(lines)


def table(config, results, paper):
    """The printed table for one config; returns (text, worst relative TOPS error)."""
    lines = ["config %s" % config,
             "%-6s %9s %9s %7s   %-23s %-23s %-23s %-23s" % (
                 "app", "TOPS", "paper", "error", "array active % (paper)", "weight stall % (paper)",
                 "weight shift % (paper)", "non-matrix % (paper)")]
    worst = 0.0
    for app, stats in results:
        p = paper[app]
        tops, ptops = stats["run"]["tops"], float(p["tops"])
        err = (tops - ptops) / ptops
        worst = max(worst, abs(err))
        t3 = stats["run"]["table3_percent"]
        nm = t3["non_matrix"] + t3["raw_stall"] + t3["input_stall"]
        cells = ["%6.1f (%5.1f)" % (t3[k], float(p[k])) for k in T3]
        cells.append("%6.1f (%5.1f)" % (nm, float(p["non_matrix"])))
        lines.append("%-6s %9.2f %9.2f %+6.1f%%   %s" % (app, tops, ptops, 100 * err,
                                                         " ".join("%-23s" % c for c in cells)))
    return "\n".join(lines), worst


T7_COLUMNS = ["tops_error_percent", "array_active_pp", "weight_stall_pp", "weight_shift_pp", "non_matrix_pp"]


def table7_rows(results, paper):
    """Table 7 of this model: per app {column: error} for T7_COLUMNS (TOPS relative error in %,
    Table 3 columns as model minus paper in percentage points; the model's non-matrix is
    non_matrix + raw_stall + input_stall), then a "mean |error|" row of each column's mean
    absolute error. results: [(app, stats JSON dict)]; paper: paper_values()."""
    rows = []
    for app, stats in results:
        p, t3 = paper[app], stats["run"]["table3_percent"]
        nm = t3["non_matrix"] + t3["raw_stall"] + t3["input_stall"]
        errors = [100.0 * (stats["run"]["tops"] - float(p["tops"])) / float(p["tops"])]
        errors += [t3[k] - float(p[k]) for k in T3] + [nm - float(p["non_matrix"])]
        rows.append((app, dict(zip(T7_COLUMNS, errors))))
    means = {c: statistics.mean(abs(r[c]) for _, r in rows) for c in T7_COLUMNS}
    rows.append(("mean |error|", means))
    return rows


def table7_text(rows):
    """Table 7 rows (table7_rows) as printable text (str, no trailing newline)."""
    lines = ["Table 7 of this model: error against the paper's measurements (TOPS in %, Table 3 columns in points)",
             "%-13s %9s %13s %13s %13s %13s" % ("app", "TOPS %", "array active", "weight stall",
                                                 "weight shift", "non-matrix")]
    for app, r in rows:
        fmt = "%-13s %9.1f %13.1f %13.1f %13.1f %13.1f" if app == "mean |error|" else \
              "%-13s %+9.1f %+13.1f %+13.1f %+13.1f %+13.1f"
        lines.append(fmt % ((app,) + tuple(r[c] for c in T7_COLUMNS)))
    return "\n".join(lines)


def write_table7_csv(path, rows):
    """Writes Table 7 rows (table7_rows) to `path` as CSV: app, then T7_COLUMNS (4 decimals)."""
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["app"] + T7_COLUMNS)
        for app, r in rows:
            w.writerow([app] + ["%.4f" % r[c] for c in T7_COLUMNS])


FACT_COLUMNS = ["useful_share", "paper_useful_share", "ub_mib", "paper_ub_mib", "cpi", "counter_tops",
                "paper_tops"]


def facts_rows(results, paper):
    """Published facts beside the model, per app {column: value} for FACT_COLUMNS:
    useful_share: the model's useful MACs per array MAC on active cycles (%; the layers' shapes
    and the padding to whole tiles decide it), paper_useful_share: Table 3's useful MACs / array
    active (%); ub_mib: the model's Unified Buffer use (MiB, rows used x row bytes),
    paper_ub_mib: Table 8's; cpi: the model's cycles per instruction (run cycles / instructions
    issued; Sec. 2 calls 10 to 20 typical); counter_tops: the TOPS that Table 3's counters imply
    (useful MACs % of the run's peak TOPS), paper_tops: Table 3's measured TOPS (production
    code: the caption warns the two are not perfectly consistent). results: [(app, stats JSON
    dict)]; paper: paper_values()."""
    rows = []
    for app, st in results:
        p, tpu = paper[app], st["tpu"]
        row_bytes = st["config"]["mxu"][0]
        rows.append((app, {
            "useful_share": 100.0 * st["workload"]["useful_macs"] / tpu["mxu"]["array_macs"],
            "paper_useful_share": 100.0 * float(p["useful_macs"]) / float(p["array_active"]),
            "ub_mib": st["workload"]["ub_rows_used"] * row_bytes / 2.0**20,
            "paper_ub_mib": float(p["max_ub_mib"]),
            "cpi": st["run"]["cycles"] / tpu["sequencer"]["retired"],
            "counter_tops": float(p["useful_macs"]) / 100.0 * st["run"]["peak_tops"],
            "paper_tops": float(p["tops"])}))
    return rows


def facts_text(rows):
    """Fact rows (facts_rows) as printable text (str, no trailing newline)."""
    lines = ["Published facts beside the model (useful share: useful MACs per array MAC on active cycles, "
             "Table 3; UB: Table 8; CPI: Sec. 2 gives 10-20 as typical; TOPS that Table 3's counters imply "
             "vs the measured TOPS)",
             "%-6s %19s %19s %7s %23s" % ("app", "useful % (paper)", "UB MiB (paper)", "CPI",
                                         "TOPS counters / meas.")]
    for app, r in rows:
        lines.append("%-6s %10.1f (%5.1f) %10.2f (%5.1f) %7.1f %12.2f / %6.2f" % (
            app, r["useful_share"], r["paper_useful_share"], r["ub_mib"], r["paper_ub_mib"], r["cpi"],
            r["counter_tops"], r["paper_tops"]))
    return "\n".join(lines)


def main():
    """Command line: runs the paper's applications on each config and prints the Table 3 comparison
    (first config) and the speedups (others); returns 0 when the worst TOPS error (%) is within
    --tolerance, 1 otherwise, 2 when a run fails."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tpu-sim", default=os.path.join(ROOT, "build/tpu-sim"))
    ap.add_argument("--config", action="append", help="config YAML (repeatable)")
    ap.add_argument("--stats-dir", help="keep the stats JSON files here")
    ap.add_argument("--tolerance", type=float, default=15.0, help="allowed TOPS error in %% (default 15)")
    args = ap.parse_args()
    configs = args.config or [os.path.join(ROOT, "configs/tpu_v1.yaml"), os.path.join(ROOT, "configs/tpu_v1_hbm.yaml")]
    stats_dir = args.stats_dir or tempfile.mkdtemp(prefix="paper_table_")
    os.makedirs(stats_dir, exist_ok=True)
    paper = paper_values()
    worst_first = None
    try:
        for i, config in enumerate(configs):
            results = []
            for app, workload in APPS:
                name = "%s_%s.json" % (os.path.splitext(os.path.basename(config))[0], app)
                results.append((app, run(args.tpu_sim, config, os.path.join(ROOT, workload),
                                         os.path.join(stats_dir, name))))
            if i == 0:
                text, worst_first = table(os.path.relpath(config, ROOT), results, paper)
                base = (os.path.relpath(config, ROOT), results)
                rows = table7_rows(results, paper)
                text += "\n\n" + table7_text(rows) + "\n\n" + facts_text(facts_rows(results, paper))
                write_table7_csv(os.path.join(stats_dir, "table7.csv"), rows)
            else:
                text = speedups(os.path.relpath(config, ROOT), results, base)
            print(text + "\n")
    except (RuntimeError, OSError) as e:
        print("paper_table: %s" % e, file=sys.stderr)
        return 2
    print("stats in %s; worst TOPS error on %s: %.1f%% (tolerance %.0f%%)" % (
        stats_dir, os.path.relpath(configs[0], ROOT), 100 * worst_first, args.tolerance))
    return 0 if 100 * worst_first <= args.tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
