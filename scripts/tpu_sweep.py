#!/usr/bin/python3
"""Design-space sweeps of the TPU model on Dask: every point x workload is one `tpu-sim --stats` task.

    tpu-sweep SPEC.yaml [--out DIR] [--scheduler ADDRESS] [--workers N] [--tpu-sim PATH]
                        [--retry-failed] [--no-plots] [--list]

(`build/tpu-sweep` is this script with --tpu-sim set to the build's tpu-sim; see CMakeLists.txt.)

The spec (YAML; relative paths are relative to the spec file):

    name: figure11                       # names the default output directory (sweep-NAME)
    base: ../configs/tpu_v1.yaml         # the config every point starts from
    workloads:                           # name: manifest, in the order of the table's rows
      MLP0: ../traces/mlp0_like/workload.yaml
    mix: {MLP0: 61}                      # optional weights of the weighted mean (default: below)
    plot: {metric: tops, relative: true} # optional; metric is a results.csv column
    studies:                             # each study is a grid over its axes; the sweep is their union
      - name: clock
        axes:
          - {key: clock_mhz, scale: [0.25, 0.5, 1, 2, 4]}       # factors of the base value
          - {key: weight_fifo.depth_tiles, values: [2, 4]}     # a list of values
      - name: clock+
        axes:
          - zip:                                                # advance together
              - {key: clock_mhz, scale: [0.5, 1, 2]}
              - {key: accumulators.rows, scale: [0.5, 1, 2]}

A key is any config key by its dotted path (config/config.h: `mxu.rows`, `dram.data_rate_mts`,
`dram.timing.tRCD`, ...). A scale axis multiplies the base config's value, which is read from the
base file or, for `dram.*` keys it does not state, from its `dram.preset`; the product is an
integer when the base is and the product is integral, else a float. Every value is checked by tpu-sim itself: an impossible one fails its point
with tpu-sim's message (naming the file and key) and the sweep goes on.

Points: the unmodified base config (point `base`) and every combination of every study. A point
is named by a hash of its config, so the same configuration in two studies (or a study's 1x point
and the base) runs once; results.csv gives every swept key's value at every point (the base's
where the point does not set it).

Runs on a Dask LocalCluster with one single-threaded worker per core (--workers N to change; the
workers are threads of this process, as each task waits on a tpu-sim process), or
with --scheduler ADDRESS (tcp://host:8786) on an existing cluster. To start one:

    dask-scheduler --port 8786                       # on one machine
    dask-worker tcp://SCHEDULER:8786 --nthreads 1    # on each machine, once per core

Each worker runs tpu-sim as a subprocess with the paths the client gives it (the tpu-sim binary,
the configs and presets, the workloads), so every machine needs the project checked out and built
at the same absolute path (or a shared file system). The client writes every file.

Output directory (default sweep-NAME in the current directory):
    results.csv            one row per point and workload, in spec order: point, workload, every
                           swept key, status, error, cycles, TOPS, peak TOPS, MXU utilization, the
                           Table 3 split (%), DRAM and PCIe bytes, energy (J), die and DRAM power (W)
    wall.csv               wall seconds of each run and the worker that ran it (apart from
                           results.csv, which is thus identical for the same spec and build)
    points/ID/config.yaml  the point's config; points/ID/WORKLOAD.json its tpu-sim stats;
                           points/ID/WORKLOAD.result.json its results.csv row (written last: a run
                           whose result file exists is finished and is not run again on resume)
    plots/STUDY.png|svg    the plot metric against the study's first axis, a line per workload and
                           the weighted mean; plots/weighted_mean.png|svg every study's weighted mean
    sweep.log              the points and their assignments

A failing run (tpu-sim's exit status not 0, including 3 for golden mismatches) is a row with status
"failed" and tpu-sim's message; failed runs are finished too unless --retry-failed. A progress bar
shows on a terminal. Exit status: 0 when every run succeeded, 1 when some failed, 2 on a bad spec
or command line.

The weighted mean uses the TPU paper's deployment mix (Jouppi et al., ISCA 2017, Table 1: MLPs
61%, LSTMs 29%, CNNs 5% of TPU use in July 2016, split evenly between the two apps of a type, as
scripts/paper_table.py does) when the workloads are named MLP0 .. CNN1; otherwise the spec's mix,
else equal weights.
"""
import argparse
import copy
import csv
import hashlib
import io
import itertools
import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from paper_table import MIX as PAPER_MIX  # noqa: E402  (Table 1's deployment mix)

# results.csv's measured columns, after point, workload, the swept keys, status and error.
T3_KEYS = ["array_active", "weight_stall", "weight_shift", "non_matrix", "raw_stall", "input_stall"]
METRICS = (["cycles", "seconds", "tops", "peak_tops", "mxu_utilization"] + ["t3_" + k for k in T3_KEYS] +
           ["dram_bytes_read", "dram_bytes_written", "pcie_bytes", "energy_j", "die_power_w", "dram_power_w",
            "golden_mismatches"])


class SpecError(Exception):
    """A bad spec: the message names the spec file and the field."""


# ---------------------------------------------------------------------------------------------
# The spec: axes, studies, points


def dotted_get(tree, key):
    """The value at dotted `key` in nested dicts, or KeyError."""
    node = tree
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(key)
        node = node[part]
    return node


def dotted_set(tree, key, value):
    """Sets dotted `key` in nested dicts, creating sections on the way."""
    parts = key.split(".")
    node = tree
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise KeyError(key)
    node[parts[-1]] = value


def load_yaml(path, what):
    """A YAML file's top-level mapping; SpecError naming the file if absent or not a mapping."""
    try:
        with open(path) as f:
            doc = yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        raise SpecError("%s: cannot read the %s: %s" % (path, what, e))
    if not isinstance(doc, dict):
        raise SpecError("%s: the %s is not a YAML mapping" % (path, what))
    return doc


def base_value(base_cfg, base_path, key):
    """The base config's value of dotted `key`: from the file, or for dram.* from its dram.preset
    (as tpu-sim resolves it). SpecError when neither states it (write it in the base config)."""
    try:
        return dotted_get(base_cfg, key)
    except KeyError:
        pass
    section = key.split(".")[0]
    preset = base_cfg.get(section, {}).get("preset") if isinstance(base_cfg.get(section), dict) else None
    if preset:
        ppath = os.path.join(os.path.dirname(base_path), preset)
        try:
            return dotted_get(load_yaml(ppath, "preset"), key)
        except KeyError:
            pass
    raise SpecError("%s: the base config does not state %s, so it cannot be scaled; state it there or "
                    "give values: instead of scale:" % (base_path, key))


def scaled(base, factor, key, where):
    """base x factor: an int when the base is an int and the product integral, else a float (a key
    that must be an integer then fails its point with tpu-sim's message naming the key)."""
    if isinstance(base, bool) or not isinstance(base, (int, float)):
        raise SpecError("%s: %s: the base value %r is not a number and cannot be scaled" % (where, key, base))
    if isinstance(factor, bool) or not isinstance(factor, (int, float)):
        raise SpecError("%s: %s: the scale factor %r is not a number" % (where, key, factor))
    v = base * factor
    if isinstance(base, int) and abs(v - round(v)) <= 1e-9 * max(1.0, abs(v)):
        return int(round(v))
    return float(v)


class Axis:
    """One config key and its values; `factors` are the scale factors when the axis is a scale axis
    (the plots' x), else None."""

    def __init__(self, key, values, factors):
        self.key, self.values, self.factors = key, values, factors


def parse_axis(entry, base_cfg, base_path, where):
    """An Axis from {key, values: [...]} or {key, scale: [...]}."""
    if not isinstance(entry, dict) or "key" not in entry or (("values" in entry) == ("scale" in entry)):
        raise SpecError("%s: an axis needs key: and exactly one of values: or scale:, got %r" % (where, entry))
    unknown = set(entry) - {"key", "values", "scale"}
    if unknown:
        raise SpecError("%s: unknown axis fields %s" % (where, ", ".join(sorted(unknown))))
    key = entry["key"]
    seq = entry.get("values", entry.get("scale"))
    if not isinstance(seq, list) or not seq:
        raise SpecError("%s: %s: values/scale must be a non-empty list" % (where, key))
    if "scale" in entry:
        base = base_value(base_cfg, base_path, key)
        return Axis(key, [scaled(base, f, key, where) for f in seq], list(seq))
    return Axis(key, list(seq), None)


class Study:
    """A grid: the product of its entries, each a single Axis or a zipped group of Axes."""

    def __init__(self, name, entries):
        self.name, self.entries = name, entries

    def axes(self):
        """Every Axis, in spec order."""
        return [a for group in self.entries for a in group]

    def points(self):
        """The study's points: lists of (key, value, factor) in axis order."""
        per_entry = [[[(a.key, a.values[i], a.factors[i] if a.factors else None) for a in group]
                      for i in range(len(group[0].values))] for group in self.entries]
        return [[kv for part in combo for kv in part] for combo in itertools.product(*per_entry)]


def parse_study(s, base_cfg, base_path, spec_path):
    """A Study from its spec entry."""
    if not isinstance(s, dict) or "name" not in s or "axes" not in s:
        raise SpecError("%s: a study needs name: and axes:, got %r" % (spec_path, s))
    where = "%s: study %s" % (spec_path, s["name"])
    entries = []
    for e in s["axes"]:
        if isinstance(e, dict) and "zip" in e:
            group = [parse_axis(a, base_cfg, base_path, where) for a in e["zip"]]
            if len({len(a.values) for a in group}) != 1:
                raise SpecError("%s: zipped axes %s have different lengths" % (where, [a.key for a in group]))
            entries.append(group)
        else:
            entries.append([parse_axis(e, base_cfg, base_path, where)])
    if not entries:
        raise SpecError("%s: no axes" % where)
    return Study(s["name"], entries)


class Spec:
    """A parsed spec: base config, workloads, studies, the deduplicated points and the mix."""

    def __init__(self, path):
        self.path = os.path.abspath(path)
        doc = load_yaml(self.path, "sweep spec")
        unknown = set(doc) - {"name", "base", "workloads", "studies", "mix", "plot", "description"}
        if unknown:
            raise SpecError("%s: unknown fields %s" % (self.path, ", ".join(sorted(unknown))))
        for field in ("base", "workloads", "studies"):
            if field not in doc:
                raise SpecError("%s: missing %s:" % (self.path, field))
        here = os.path.dirname(self.path)
        self.name = str(doc.get("name", os.path.splitext(os.path.basename(path))[0]))
        self.base_path = os.path.normpath(os.path.join(here, doc["base"]))
        self.base_cfg = load_yaml(self.base_path, "base config")
        if not isinstance(doc["workloads"], dict) or not doc["workloads"]:
            raise SpecError("%s: workloads: must map names to manifests" % self.path)
        self.workloads = [(str(n), os.path.normpath(os.path.join(here, p))) for n, p in doc["workloads"].items()]
        for n, p in self.workloads:
            if not n or not all(c.isalnum() or c in "-_." for c in n) or n.startswith("."):
                raise SpecError("%s: workloads: %r: a name is letters, digits, '-', '_' and '.' (it names files)"
                                % (self.path, n))
            if not os.path.isfile(p):
                raise SpecError("%s: workloads: %s: no file %s" % (self.path, n, p))
        self.studies = [parse_study(s, self.base_cfg, self.base_path, self.path) for s in doc["studies"] or []]
        self.mix = self._mix(doc.get("mix"))
        plot = doc.get("plot") or {}
        self.metric = plot.get("metric", "tops")
        self.relative = bool(plot.get("relative", False))
        if self.metric not in METRICS:
            raise SpecError("%s: plot: metric: %s is not one of %s" % (self.path, self.metric, ", ".join(METRICS)))
        self.keys = []  # every swept key, in first-seen order (results.csv's columns)
        self.points = {"base": {}}  # id -> {key: value}, in first-seen order
        for st in self.studies:
            for a in st.axes():
                if a.key not in self.keys:
                    self.keys.append(a.key)
            for pt in st.points():
                assign = {k: v for k, v, _ in pt}
                self.points.setdefault(self.point_id(assign), assign)
        # Every swept key's value at every point (results.csv): assigned, else the base's.
        self.values = {pid: {k: (a[k] if k in a else self._base_or_blank(k)) for k in self.keys}
                       for pid, a in self.points.items()}

    def _base_or_blank(self, key):
        try:
            return base_value(self.base_cfg, self.base_path, key)
        except SpecError:
            return ""  # a key the base leaves at tpu-sim's default

    def point_id(self, assignments):
        """A point's name: a hash of its config, so equal configs (a 1x point and the base, the
        same point in two studies) are one point; 'base' for the base config itself."""
        doc = self._config(assignments)
        canon = json.dumps(doc, sort_keys=True)
        if canon == json.dumps(self._config({}), sort_keys=True):
            return "base"
        return hashlib.sha256(canon.encode()).hexdigest()[:12]

    def _mix(self, mix):
        names = [n for n, _ in self.workloads]
        if mix is not None:
            if not isinstance(mix, dict) or set(mix) != set(names):
                raise SpecError("%s: mix: must give a weight for each workload (%s)" % (self.path, ", ".join(names)))
            return {n: float(w) for n, w in mix.items()}
        if set(names) <= set(PAPER_MIX):
            return {n: PAPER_MIX[n] for n in names}
        return {n: 1.0 for n in names}

    def study_points(self, study):
        """[(point id, [(key, value, factor)])] of a study, in grid order."""
        return [(self.point_id({k: v for k, v, _ in pt}), pt) for pt in study.points()]

    def point_config(self, assignments, pid):
        """The point's config document (the base with presets made absolute and the assignments
        set), named SPEC-ID."""
        cfg = self._config(assignments)
        cfg["name"] = "%s-%s" % (self.name, pid)
        return cfg

    def _config(self, assignments):
        """The base config with presets made absolute and the assignments set, without a name."""
        cfg = copy.deepcopy(self.base_cfg)
        cfg.pop("name", None)
        for section in cfg.values():
            if isinstance(section, dict) and isinstance(section.get("preset"), str):
                section["preset"] = os.path.normpath(os.path.join(os.path.dirname(self.base_path), section["preset"]))
        for k, v in assignments.items():
            if self._base_or_blank(k) == v:
                continue  # the base's value (also when it comes from a preset): the same config
            try:
                dotted_set(cfg, k, v)
            except KeyError:
                raise SpecError("%s: %s: the base config has a non-section on this path" % (self.path, k))
        return cfg


# ---------------------------------------------------------------------------------------------
# One run (a Dask task, executed on a worker)


def run_task(tpu_sim, config_text, workload):
    """Runs `tpu-sim --stats` for one point and workload in a temporary directory on the worker.

    config_text: the point's config YAML (str); its presets are absolute paths. Returns a dict:
    status ("ok" or "failed"), error (tpu-sim's message, "" when ok), stats (the stats JSON as a
    dict, or None), wall_s (seconds), worker (the Dask worker's address, or "")."""
    try:
        from distributed import get_worker
        worker = get_worker().address
    except Exception:  # not on a Dask worker (the plain-call path)
        worker = ""
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tpu-sweep-") as tmp:
        cfg = os.path.join(tmp, "config.yaml")
        stats = os.path.join(tmp, "stats.json")
        with open(cfg, "w") as f:
            f.write(config_text)
        cmd = [tpu_sim, "--quiet", "--config", cfg, "--workload", workload, "--stats", stats]
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, SC_COPYRIGHT_MESSAGE="DISABLE"))
        except OSError as e:
            return {"status": "failed", "error": "cannot run %s: %s" % (tpu_sim, e), "stats": None,
                    "wall_s": time.monotonic() - t0, "worker": worker}
        wall = time.monotonic() - t0
        if p.returncode != 0:
            msg = " ".join((p.stderr.strip() or p.stdout.strip()).split())
            return {"status": "failed", "error": "tpu-sim exit %d: %s" % (p.returncode, msg[-2000:]), "stats": None,
                    "wall_s": wall, "worker": worker}
        with open(stats) as f:
            return {"status": "ok", "error": "", "stats": json.load(f), "wall_s": wall, "worker": worker}


def row_from_stats(stats):
    """The measured columns (METRICS) of one run from its stats JSON."""
    run, tpu, energy = stats["run"], stats["tpu"], stats.get("energy", {})
    t3 = run.get("table3_percent", {})
    dram = tpu.get("dram", {})
    pcie = tpu.get("host_interface", {})
    row = {
        "cycles": run["cycles"], "seconds": run["seconds"], "tops": run["tops"], "peak_tops": run["peak_tops"],
        "mxu_utilization": run["mxu_utilization"],
        "dram_bytes_read": dram.get("bytes_read", ""), "dram_bytes_written": dram.get("bytes_written", ""),
        "pcie_bytes": pcie.get("pcie_to_device", {}).get("bytes", 0) + pcie.get("pcie_to_host", {}).get("bytes", 0),
        "energy_j": energy.get("total_j", ""), "die_power_w": energy.get("die_power_w", ""),
        "dram_power_w": energy.get("dram_power_w", ""),
        "golden_mismatches": stats.get("golden", {}).get("mismatches", ""),
    }
    for k in T3_KEYS:
        row["t3_" + k] = t3.get(k, "")
    return row


# ---------------------------------------------------------------------------------------------
# The sweep: files, resume, Dask


def write_atomic(path, text):
    """Writes `text` to `path` through a temporary file and a rename: the file is complete or absent."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def fmt(v):
    """A CSV cell: floats with 10 significant digits (repr of the stats' doubles is stable too, but
    shorter cells read better), everything else as str."""
    if isinstance(v, float):
        return "%.10g" % v
    return "" if v is None else str(v)


class Sweep:
    """The output directory of one spec: which runs are finished, and writing their results."""

    def __init__(self, spec, out, tpu_sim):
        self.spec, self.out, self.tpu_sim = spec, out, tpu_sim
        os.makedirs(os.path.join(out, "points"), exist_ok=True)

    def point_dir(self, pid):
        return os.path.join(self.out, "points", pid)

    def result_path(self, pid, workload):
        return os.path.join(self.point_dir(pid), workload + ".result.json")

    def finished(self, pid, workload, retry_failed):
        """The recorded result of a run (dict) if it is finished, else None."""
        try:
            with open(self.result_path(pid, workload)) as f:
                r = json.load(f)
        except (OSError, ValueError):
            return None
        return None if (retry_failed and r["row"]["status"] != "ok") else r

    def prepare(self, pid):
        """Writes points/ID/config.yaml; returns its text."""
        os.makedirs(self.point_dir(pid), exist_ok=True)
        text = yaml.safe_dump(self.spec.point_config(self.spec.points[pid], pid), sort_keys=False)
        write_atomic(os.path.join(self.point_dir(pid), "config.yaml"), text)
        return text

    def record(self, pid, workload, result):
        """Writes a finished run: its stats JSON, then its result file (the mark of being finished)."""
        row = {"point": pid, "workload": workload, "status": result["status"], "error": result["error"]}
        row.update(self.spec.values[pid])
        if result["stats"] is not None:
            write_atomic(os.path.join(self.point_dir(pid), workload + ".json"), json.dumps(result["stats"], indent=1))
            row.update(row_from_stats(result["stats"]))
        write_atomic(self.result_path(pid, workload),
                     json.dumps({"row": row, "wall_s": result["wall_s"], "worker": result["worker"]}, sort_keys=True))

    def tables(self):
        """results.csv and wall.csv from the result files, in spec order (points, then workloads)."""
        cols = ["point", "workload"] + self.spec.keys + ["status", "error"] + METRICS
        res, wall = io.StringIO(), io.StringIO()
        rw, ww = csv.writer(res, lineterminator="\n"), csv.writer(wall, lineterminator="\n")
        rw.writerow(cols)
        ww.writerow(["point", "workload", "wall_s", "worker"])
        rows = []
        for pid in self.spec.points:
            for w, _ in self.spec.workloads:
                r = self.finished(pid, w, False)
                if r is None:
                    continue
                rows.append(r["row"])
                rw.writerow([fmt(r["row"].get(c, "")) for c in cols])
                ww.writerow([pid, w, "%.3f" % r["wall_s"], r["worker"]])
        return res.getvalue(), wall.getvalue(), rows


def make_client(args):
    """A dask.distributed Client: on --scheduler's cluster, else on a new LocalCluster."""
    from distributed import Client, LocalCluster
    if args.scheduler:
        return Client(args.scheduler, timeout=30), None
    n = args.workers or os.cpu_count() or 1
    # Workers in this process (threads): each task waits on a tpu-sim subprocess, so the GIL is
    # free and worker processes would only add seconds of start-up.
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=False, dashboard_address=None)
    return Client(cluster), cluster


def run_sweep(sweep, todo, args):
    """Runs `todo` [(point id, workload name, manifest, config text)] as Dask tasks, recording each
    result as it arrives (so an interruption loses only the runs in flight). Returns the count run."""
    if not todo:
        return 0
    import cloudpickle
    from distributed import as_completed, progress
    # Workers need not import this script: its task function travels by value.
    cloudpickle.register_pickle_by_value(sys.modules[run_task.__module__])
    client, cluster = make_client(args)
    try:
        futures = {}
        for pid, w, manifest, text in todo:
            f = client.submit(run_task, sweep.tpu_sim, text, manifest, key="tpu-sim-%s-%s" % (pid, w), pure=False)
            futures[f] = (pid, w)
        bar = None
        if sys.stdout.isatty():
            bar = threading.Thread(target=progress, args=(list(futures),), kwargs={"notebook": False}, daemon=True)
            bar.start()
        for f in as_completed(futures):
            pid, w = futures[f]
            try:
                result = f.result()
            except Exception as e:  # the task itself failed (e.g. its worker died)
                result = {"status": "failed", "error": "task error: %s" % e, "stats": None, "wall_s": 0.0,
                          "worker": ""}
            sweep.record(pid, w, result)
        if bar is not None:
            bar.join(timeout=5)
            print()
    finally:
        # Closing cancels the progress bar's feed on the scheduler, which logs that as an error.
        logging.getLogger("distributed.core").setLevel(logging.CRITICAL)
        client.close()
        if cluster is not None:
            cluster.close()
    return len(todo)


# ---------------------------------------------------------------------------------------------
# Plots


def weighted_mean(values, mix):
    """sum(mix[w] * v) / sum(mix[w]) over the workloads present in `values` {workload: value}."""
    ws = [w for w in values if w in mix]
    return sum(mix[w] * values[w] for w in ws) / sum(mix[w] for w in ws) if ws else float("nan")


def plot(spec, rows, out):
    """plots/STUDY.png|svg: metric against each study's first axis, a line per workload plus the
    weighted mean; plots/weighted_mean.png|svg: every study's weighted mean. With plot.relative the
    metric is divided by the base point's value of the same workload. Only successful runs count:
    a point x workload that failed is a gap in its workload's line, and the weighted mean there is
    the other workloads' (weights renormalized), drawn with a hollow marker."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    os.makedirs(os.path.join(out, "plots"), exist_ok=True)
    val = {(r["point"], r["workload"]): float(r[spec.metric]) for r in rows if r["status"] == "ok"}
    names = [w for w, _ in spec.workloads]
    ylabel = spec.metric + (" relative to the base config" if spec.relative else "")

    def y(pid, w):
        v = val.get((pid, w))
        if v is None or not spec.relative:
            return v
        b = val.get(("base", w))
        return v / b if b else None

    summary = []
    for st in spec.studies:
        first = st.entries[0][0]
        pts = spec.study_points(st)
        xs = [pt[0][2] if first.factors else pt[0][1] for _, pt in pts]
        xlabel = ("%s (x base)" % " + ".join(a.key for a in st.entries[0])) if first.factors else first.key
        fig, ax = plt.subplots(figsize=(7, 4.5))
        for w in names:
            ys = [y(pid, w) for pid, _ in pts]
            ax.plot(xs, [float("nan") if v is None else v for v in ys], marker="o", lw=1, label=w)
        wm, complete = [], []
        for pid, _ in pts:
            vs = {w: y(pid, w) for w in names}
            wm.append(weighted_mean({w: v for w, v in vs.items() if v is not None}, spec.mix))
            complete.append(all(v is not None for v in vs.values()))
        ax.plot(xs, wm, color="black", lw=2.5, label="weighted mean")
        mark_complete(ax, xs, wm, complete, "black", "s")
        summary.append((st.name, xs, wm, complete, bool(first.factors)))
        if first.factors:
            ax.set_xscale("log", base=2)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title("%s: %s" % (spec.name, st.name))
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
        fig.tight_layout()
        for ext in ("png", "svg"):
            fig.savefig(os.path.join(out, "plots", "%s.%s" % (safe_name(st.name), ext)), dpi=110,
                        metadata={"Date": None} if ext == "svg" else None)
        plt.close(fig)
    if summary:
        fig, ax = plt.subplots(figsize=(7, 4.5))
        for name, xs, wm, complete, _ in summary:
            line, = ax.plot(xs, wm, label=name)
            mark_complete(ax, xs, wm, complete, line.get_color(), "o")
        if all(s[4] for s in summary):
            ax.set_xscale("log", base=2)
            ax.set_xlabel("scale of the parameter (x base)")
        ax.set_ylabel("weighted mean " + ylabel)
        ax.set_title("%s: weighted mean\n(mix %s; hollow: some runs failed)" %
                     (spec.name, ", ".join("%s %g" % kv for kv in spec.mix.items())), fontsize=8)
        ax.grid(True, alpha=0.3)
        ax.legend()
        fig.tight_layout()
        for ext in ("png", "svg"):
            fig.savefig(os.path.join(out, "plots", "weighted_mean." + ext), dpi=110,
                        metadata={"Date": None} if ext == "svg" else None)
        plt.close(fig)


def mark_complete(ax, xs, ys, complete, color, marker):
    """Markers on a weighted-mean line: filled where every workload ran, hollow where some failed
    (the mean of the others, their weights renormalized)."""
    for x, y, ok in zip(xs, ys, complete):
        ax.plot([x], [y], marker=marker, color=color, markerfacecolor=color if ok else "white", linestyle="none")


def safe_name(s):
    """A file name for a study name ('clock+' -> 'clock_plus', 'a+b' -> 'a_plus_b')."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in s.replace("+", "_plus_").strip("_"))


# ---------------------------------------------------------------------------------------------


def default_tpu_sim():
    """build/tpu-sim in the repository, the usual build directory."""
    return os.path.join(ROOT, "build", "tpu-sim")


def main(argv=None):
    ap = argparse.ArgumentParser(description="Sweep TPU configs over workloads on Dask (see the module docstring).")
    ap.add_argument("spec", help="the sweep spec (YAML)")
    ap.add_argument("--out", help="output directory (default: sweep-NAME in the current directory)")
    ap.add_argument("--scheduler", help="address of a running Dask scheduler (tcp://HOST:PORT); default: a LocalCluster")
    ap.add_argument("--workers", type=int, help="LocalCluster workers (default: one per core)")
    ap.add_argument("--tpu-sim", default=default_tpu_sim(), help="the tpu-sim binary (default: %(default)s)")
    ap.add_argument("--retry-failed", action="store_true", help="run failed points again on resume")
    ap.add_argument("--no-plots", action="store_true", help="write no plots")
    ap.add_argument("--list", action="store_true", help="print the points and exit")
    args = ap.parse_args(argv)
    try:
        spec = Spec(args.spec)
    except SpecError as e:
        print("tpu-sweep: %s" % e, file=sys.stderr)
        return 2
    log = ["%s %s" % (pid, json.dumps(a, sort_keys=True)) for pid, a in spec.points.items()]
    if args.list:
        print("\n".join(log))
        return 0
    tpu_sim = os.path.abspath(args.tpu_sim)
    if not args.scheduler and not os.access(tpu_sim, os.X_OK):
        print("tpu-sweep: no tpu-sim at %s (build it, or pass --tpu-sim)" % tpu_sim, file=sys.stderr)
        return 2
    out = os.path.abspath(args.out or "sweep-" + spec.name)
    sweep = Sweep(spec, out, tpu_sim)
    write_atomic(os.path.join(out, "sweep.log"), "spec %s\nbase %s\n%s\n" % (spec.path, spec.base_path, "\n".join(log)))
    todo = []
    for pid in spec.points:
        text = sweep.prepare(pid)
        for w, manifest in spec.workloads:
            if sweep.finished(pid, w, args.retry_failed) is None:
                todo.append((pid, w, manifest, text))
    total = len(spec.points) * len(spec.workloads)
    print("tpu-sweep: %d points x %d workloads = %d runs, %d finished before, %d to run; output %s"
          % (len(spec.points), len(spec.workloads), total, total - len(todo), len(todo), out), flush=True)
    t0 = time.monotonic()
    run_sweep(sweep, todo, args)
    results, wall, rows = sweep.tables()
    write_atomic(os.path.join(out, "results.csv"), results)
    write_atomic(os.path.join(out, "wall.csv"), wall)
    failed = [r for r in rows if r["status"] != "ok"]
    if not args.no_plots:
        plot(spec, rows, out)
    print("tpu-sweep: %d runs in %.1f s; %d failed; %s" % (len(todo), time.monotonic() - t0, len(failed),
                                                          os.path.join(out, "results.csv")))
    for r in failed:
        print("  failed: point %s %s: %s" % (r["point"], r["workload"], r["error"]), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
