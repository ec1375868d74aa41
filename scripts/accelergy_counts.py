#!/usr/bin/python3
"""Exports a tpu-sim run's action counts as an Accelergy action-counts file.

    /usr/bin/python3 scripts/accelergy_counts.py STATS.json [-o COUNTS.yaml]

STATS.json is written by `tpu-sim --stats FILE`. The output is Accelergy's action-counts format
(version 0.4: `action_counts: {version, local: [{name, action_counts: [{name, counts}]}]}`), one
component per block of the chip under `tpu.` and one action per action the energy model charges
(model/energy/energy.h), with the counts tpu-sim kept, so an Accelergy user can price them with
their own energy tables (ERTs) instead of this model's. Units of the counts (the component's
action in Accelergy terms):

  tpu.mxu:              mac (array MACs, padding included), weight_shift (tiles shifted in)
  tpu.unified_buffer:   read, write (rows of mxu.rows bytes)
  tpu.accumulators:     read, write (rows of mxu.cols int32)
  tpu.weight_fifo:      write, read (64 KiB tiles)
  tpu.activation_unit:  element (int32 elements through Activate, Pool, Vector)
  tpu.sequencer:        instruction (12-byte instructions fetched and decoded)
  tpu.host_interface:   pcie (bytes either way)
  tpu.dram:             ACT, PRE (commands), RD, WR (bursts), REF, REFPB (commands),
                        background_active / background_precharged (rank x tCK cycles) for the IDD
                        model, or read_bits / write_bits for a pJ/bit preset
  tpu.static:           idle (seconds of the run: static power is time, not an action)

Counts are numbers as tpu-sim reports them (non-integers only where a byte count is not a whole
number of rows). The file is YAML; it is written without PyYAML (plain text) so it needs nothing
beyond Python.
"""
import argparse
import json
import sys


def counts(stats):
    """[(component, [(action, count)])] from the stats' energy.blocks."""
    out = []
    for block, b in stats["energy"]["blocks"].items():
        actions = []
        for action, a in b["actions"].items():
            name = "idle" if block == "static" else action
            actions.append((name, a["count"]))
        out.append(("tpu." + block, actions))
    return out


def fmt(v):
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def to_yaml(comps, source):
    lines = [f"# Action counts of tpu-sim run {source} (scripts/accelergy_counts.py)",
             "action_counts:", "  version: '0.4'", "  local:"]
    for comp, actions in comps:
        lines.append(f"  - name: {comp}")
        lines.append("    action_counts:")
        for name, c in actions:
            lines.append(f"    - name: {name}")
            lines.append(f"      counts: {fmt(c)}")
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("stats")
    ap.add_argument("-o", "--out", help="output file (default: stdout)")
    args = ap.parse_args(argv)
    try:
        with open(args.stats) as f:
            stats = json.load(f)
        text = to_yaml(counts(stats), stats.get("workload", {}).get("name", args.stats))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        print(f"accelergy_counts.py: {args.stats}: cannot read the run's energy counts ({err!r})", file=sys.stderr)
        return 1
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
