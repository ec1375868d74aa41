#!/usr/bin/python3
"""Tests of scripts/tpu_sweep.py (ctest label "sweep"): one case per run, named by argv[1].

    test_tpu_sweep.py CASE TPU_SIM WORKDIR      CASE: local | resume | failing | cluster

local    a tiny sweep on a LocalCluster of two workers: scale factors applied to the base value
         (read back from tpu-sim's own stats), a point's row equal to tpu-sim run by hand on a config
         written here, plots written, and the same spec twice giving byte-identical results.csv;
         plus the spec errors (a factor that is not a number, scaling a key the base config does
         not state, an unknown field) and the
         weighted mean with the paper's Table 1 mix.
resume   a finished sweep with two runs' result files removed (and a half-written one left) reruns
         exactly those two, leaves every other file untouched and gives the same results.csv.
failing  an impossible value (clock_mhz: -5) fails its point with tpu-sim's message naming the
         key; the other points finish; exit status 1; the failed point is not rerun on resume
         unless --retry-failed.
cluster  dask-scheduler and two dask-worker processes on free ports (a scheduler file), the sweep
         sent with --scheduler: every run succeeds, rows match tpu-sim run by hand, and both workers
         ran tasks; the processes are torn down.
"""
import csv
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SWEEP = os.path.join(HERE, "tpu_sweep.py")
SMALL = os.path.join(ROOT, "configs", "small.yaml")
# Two quick workloads on the 16x16 chip (golden outputs checked by tpu-sim in every run).
WORKLOADS = {"lstm_small": os.path.join(ROOT, "traces", "lstm_small", "workload.yaml"),
             "conv_one": os.path.join(ROOT, "traces", "conv_one", "workload.yaml")}


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def check(ok, msg):
    if not ok:
        fail(msg)


def write_spec(path, studies, extra=""):
    """A spec over configs/small.yaml with its clock stated (the base of scale axes), in path's folder."""
    base = os.path.join(os.path.dirname(path), "base.yaml")
    with open(base, "w") as f:
        f.write(small_with("clock_mhz: 700"))
    lines = ["name: t", "base: %s" % base, "workloads:"]
    lines += ["  %s: %s" % kv for kv in WORKLOADS.items()]
    lines.append("studies:")
    lines += ["  " + s for s in studies]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n" + extra)


def sweep(spec, out, tpu_sim, *extra, expect=0):
    """Runs tpu_sweep.py; returns its stdout. Fails unless its exit status is `expect`."""
    cmd = [sys.executable, SWEEP, spec, "--out", out, "--tpu-sim", tpu_sim] + list(extra)
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != expect:
        fail("%s: exit %d, expected %d\n%s\n%s" % (" ".join(cmd), p.returncode, expect, p.stdout, p.stderr))
    return p.stdout + p.stderr


def rows(out):
    with open(os.path.join(out, "results.csv")) as f:
        return list(csv.DictReader(f))


def read(path):
    with open(path, "rb") as f:
        return f.read()


def stats(out, point, workload):
    with open(os.path.join(out, "points", point, workload + ".json")) as f:
        return json.load(f)


def by_hand(tpu_sim, workdir, workload, config_text):
    """tpu-sim run directly on a config written here: its stats JSON."""
    cfg, st = os.path.join(workdir, "hand.yaml"), os.path.join(workdir, "hand.json")
    with open(cfg, "w") as f:
        f.write(config_text)
    subprocess.run([tpu_sim, "--quiet", "-c", cfg, "-w", WORKLOADS[workload], "--stats", st], check=True)
    with open(st) as f:
        return json.load(f)


def small_with(key_lines):
    """configs/small.yaml's text with extra top-level lines (the DRAM and energy keep defaults)."""
    with open(SMALL) as f:
        return f.read() + "\n" + key_lines + "\n"


CLOCK_STUDY = ["- name: clock", "  axes:", "    - {key: clock_mhz, scale: [0.5, 2]}"]
FIFO_STUDY = ["- name: fifo+acc", "  axes:", "    - zip:",
              "        - {key: weight_fifo.depth_tiles, values: [1, 2]}",
              "        - {key: accumulators.rows, scale: [0.5, 2]}"]


def case_local(tpu_sim, workdir):
    spec = os.path.join(workdir, "spec.yaml")
    write_spec(spec, CLOCK_STUDY + FIFO_STUDY)
    a, b = os.path.join(workdir, "a"), os.path.join(workdir, "b")
    sweep(spec, a, tpu_sim, "--workers", "2")
    r = rows(a)
    # base + 2 clock points + 2 zipped points, x 2 workloads, in spec order.
    check(len(r) == 10, "expected 10 rows, got %d" % len(r))
    check([x["workload"] for x in r[:2]] == list(WORKLOADS), "rows not in workload order: %r" % r[:2])
    check(all(x["status"] == "ok" for x in r), "a run failed: %r" % [x for x in r if x["status"] != "ok"])
    # The scaled values as tpu-sim itself read them (stats "config"): 700 MHz x 0.5 and x 2,
    # accumulator rows 512 x 0.5 and x 2 (configs/small.yaml), FIFO depth from the list.
    clocks = sorted(stats(a, x["point"], x["workload"])["config"]["clock_mhz"] for x in r)
    check(clocks == [350.0] * 2 + [700.0] * 6 + [1400.0] * 2, "clock points: %r" % clocks)
    # Keys the point does not set show the base's value (configs/small.yaml: 4-tile FIFO).
    check(all(x["weight_fifo.depth_tiles"] == "4" for x in r if x["clock_mhz"] != "700"), "base values in the rows")
    zipped = sorted((int(x["weight_fifo.depth_tiles"]), stats(a, x["point"], x["workload"])["config"]["accumulator_rows"])
                    for x in r if x["weight_fifo.depth_tiles"] in ("1", "2"))
    check(zipped == [(1, 256), (1, 256), (2, 1024), (2, 1024)], "zipped points: %r" % zipped)
    # A row equals tpu-sim run by hand on a config written independently.
    row = next(x for x in r if x["clock_mhz"] == "1400" and x["workload"] == "lstm_small")
    hand = by_hand(tpu_sim, workdir, "lstm_small", small_with("clock_mhz: 1400"))
    check(int(row["cycles"]) == hand["run"]["cycles"], "cycles %s != by hand %d" % (row["cycles"], hand["run"]["cycles"]))
    check(abs(float(row["tops"]) - hand["run"]["tops"]) <= 1e-9 * hand["run"]["tops"], "tops differ from by hand")
    check(abs(float(row["energy_j"]) - hand["energy"]["total_j"]) <= 1e-9 * hand["energy"]["total_j"],
          "energy differs from by hand")
    check(int(row["golden_mismatches"]) == 0, "golden mismatches in %r" % row)
    t3 = sum(float(row["t3_" + k]) for k in ("array_active", "weight_stall", "weight_shift", "non_matrix",
                                              "raw_stall", "input_stall"))
    check(t3 <= 100.0 + 1e-6, "Table 3 split sums to %g%%" % t3)
    for name in ("clock", "fifo_acc", "weighted_mean"):
        for ext in ("png", "svg"):
            p = os.path.join(a, "plots", "%s.%s" % (name.replace("fifo_acc", "fifo_plus_acc"), ext))
            check(os.path.getsize(p) > 1000, "plot %s missing or empty" % p)
    # The same spec again: identical results.csv (wall seconds are in wall.csv).
    sweep(spec, b, tpu_sim, "--workers", "2", "--no-plots")
    check(read(os.path.join(a, "results.csv")) == read(os.path.join(b, "results.csv")), "results.csv differs between runs")
    check(len(read(os.path.join(b, "wall.csv")).splitlines()) == 11, "wall.csv rows")

    # Spec errors: exit 2, naming the spec and the key.
    bad = os.path.join(workdir, "bad.yaml")
    write_spec(bad, ["- name: x", "  axes:", "    - {key: mxu.rows, scale: [x]}"])
    out = sweep(bad, os.path.join(workdir, "bad"), tpu_sim, expect=2)
    check("mxu.rows" in out and "not a number" in out, "bad scale message: %s" % out)
    write_spec(bad, ["- name: x", "  axes:", "    - {key: pcie.latency_ns, scale: [2]}"])
    out = sweep(bad, os.path.join(workdir, "bad"), tpu_sim, expect=2)
    check("pcie.latency_ns" in out and "cannot be scaled" in out, "unstated base message: %s" % out)
    write_spec(bad, CLOCK_STUDY, extra="colour: red\n")
    out = sweep(bad, os.path.join(workdir, "bad"), tpu_sim, expect=2)
    check("colour" in out and bad in out, "unknown field message: %s" % out)

    # The weighted mean with Table 1's mix: MLPs 61%, LSTMs 29%, CNNs 5%, split evenly per type.
    spec_mod = importlib.util.spec_from_file_location("tpu_sweep", SWEEP)
    mod = importlib.util.module_from_spec(spec_mod)
    spec_mod.loader.exec_module(mod)
    wm = mod.weighted_mean({"MLP0": 1.0, "LSTM1": 2.0, "CNN0": 4.0}, mod.PAPER_MIX)
    check(abs(wm - (30.5 * 1 + 14.5 * 2 + 2.5 * 4) / (30.5 + 14.5 + 2.5)) < 1e-12, "weighted mean %g" % wm)


def case_resume(tpu_sim, workdir):
    spec, out = os.path.join(workdir, "spec.yaml"), os.path.join(workdir, "out")
    write_spec(spec, CLOCK_STUDY)
    sweep(spec, out, tpu_sim, "--workers", "2", "--no-plots")
    first = read(os.path.join(out, "results.csv"))
    r = rows(out)
    victim = r[2]["point"]  # the first clock point: both workloads
    pdir = os.path.join(out, "points", victim)
    for w in WORKLOADS:
        os.remove(os.path.join(pdir, w + ".result.json"))
    # A run killed while writing leaves only a temporary file: not finished.
    with open(os.path.join(pdir, "lstm_small.result.json.tmp"), "w") as f:
        f.write("{")
    before = {}
    for dirpath, _, files in os.walk(os.path.join(out, "points")):
        for name in files:
            if name.endswith(".result.json"):
                before[os.path.join(dirpath, name)] = os.stat(os.path.join(dirpath, name)).st_mtime_ns
    time.sleep(0.05)
    log = sweep(spec, out, tpu_sim, "--workers", "2", "--no-plots")
    check("4 finished before, 2 to run" in log, "resume did not plan 2 runs: %s" % log)
    for path, mtime in before.items():
        check(os.stat(path).st_mtime_ns == mtime, "%s was run again" % path)
    for w in WORKLOADS:
        check(os.path.exists(os.path.join(pdir, w + ".result.json")), "the removed run %s was not redone" % w)
    check(read(os.path.join(out, "results.csv")) == first, "results.csv differs after resume")
    log = sweep(spec, out, tpu_sim, "--workers", "2", "--no-plots")
    check("6 finished before, 0 to run" in log, "a finished sweep ran again: %s" % log)


def case_failing(tpu_sim, workdir):
    spec, out = os.path.join(workdir, "spec.yaml"), os.path.join(workdir, "out")
    write_spec(spec, ["- name: clock", "  axes:", "    - {key: clock_mhz, values: [350, -5]}"])
    log = sweep(spec, out, tpu_sim, "--workers", "2", "--no-plots", expect=1)
    r = rows(out)
    check(len(r) == 6, "expected 6 rows, got %d" % len(r))
    bad = [x for x in r if x["clock_mhz"] == "-5"]
    good = [x for x in r if x["clock_mhz"] != "-5"]
    check(len(bad) == 2 and all(x["status"] == "failed" for x in bad), "the bad point did not fail: %r" % bad)
    check(all("clock_mhz" in x["error"] and "must be > 0" in x["error"] for x in bad), "error text: %r" % bad)
    check(all(x["status"] == "ok" and int(x["cycles"]) > 0 for x in good), "the good points: %r" % good)
    check(not os.path.exists(os.path.join(out, "points", bad[0]["point"], "lstm_small.json")), "a failed run left stats")
    check("failed: point %s" % bad[0]["point"] in log, "failure not reported: %s" % log)
    res = os.path.join(out, "points", bad[0]["point"], "lstm_small.result.json")
    mtime = os.stat(res).st_mtime_ns
    log = sweep(spec, out, tpu_sim, "--workers", "1", "--no-plots", expect=1)
    check("6 finished before, 0 to run" in log and os.stat(res).st_mtime_ns == mtime, "a failed point ran again")
    log = sweep(spec, out, tpu_sim, "--workers", "1", "--no-plots", "--retry-failed", expect=1)
    check("4 finished before, 2 to run" in log, "--retry-failed did not rerun the failed point: %s" % log)


def wait_for(pred, what, timeout=60):
    t0 = time.monotonic()
    while not pred():
        if time.monotonic() - t0 > timeout:
            fail("timed out waiting for " + what)
        time.sleep(0.2)


def case_cluster(tpu_sim, workdir):
    sched_file = os.path.join(workdir, "scheduler.json")
    env = dict(os.environ, DASK_DISTRIBUTED__WORKER__DAEMON="False")
    procs = []
    try:
        procs.append(subprocess.Popen(["dask-scheduler", "--port", "0", "--no-dashboard", "--host", "127.0.0.1",
                                       "--scheduler-file", sched_file], env=env, stdout=subprocess.DEVNULL,
                                      stderr=open(os.path.join(workdir, "scheduler.log"), "w"), start_new_session=True))
        wait_for(lambda: os.path.exists(sched_file) and os.path.getsize(sched_file) > 0, "the scheduler file")
        for i in range(2):
            procs.append(subprocess.Popen(["dask-worker", "--scheduler-file", sched_file, "--nthreads", "1",
                                           "--no-dashboard", "--host", "127.0.0.1", "--name", "w%d" % i], env=env,
                                          stdout=subprocess.DEVNULL,
                                          stderr=open(os.path.join(workdir, "worker%d.log" % i), "w"),
                                          start_new_session=True))
        with open(sched_file) as f:
            address = json.load(f)["address"]
        from distributed import Client
        with Client(address, timeout=30) as c:
            c.wait_for_workers(2, timeout=60)
            workers = set(c.scheduler_info()["workers"])
        spec, out = os.path.join(workdir, "spec.yaml"), os.path.join(workdir, "out")
        write_spec(spec, CLOCK_STUDY)
        sweep(spec, out, tpu_sim, "--scheduler", address, "--no-plots")
        r = rows(out)
        check(len(r) == 6 and all(x["status"] == "ok" for x in r), "cluster sweep rows: %r" % r)
        row = next(x for x in r if x["clock_mhz"] == "350" and x["workload"] == "conv_one")
        hand = by_hand(tpu_sim, workdir, "conv_one", small_with("clock_mhz: 350"))
        check(int(row["cycles"]) == hand["run"]["cycles"], "cycles differ from by hand")
        with open(os.path.join(out, "wall.csv")) as f:
            used = {x["worker"] for x in csv.DictReader(f)}
        check(used <= workers, "tasks ran on %r, not the workers %r" % (used, workers))
        check(len(used) == 2, "only %r of the two workers ran tasks" % used)
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in reversed(procs):
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


def main():
    case, tpu_sim, workdir = sys.argv[1], os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3])
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
    {"local": case_local, "resume": case_resume, "failing": case_failing, "cluster": case_cluster}[case](tpu_sim, workdir)
    print("PASS: tpu-sweep %s" % case)


if __name__ == "__main__":
    main()
