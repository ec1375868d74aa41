#!/usr/bin/env python3
"""Bad input through the programs (ctest -L badinput, tests/tools/badinput/badinput.cmake).

Every input here is invalid by construction: a seed of the fuzz corpora (fuzz/corpus/<target>/,
the repository's own configs, manifests, programs and traces) with one deterministic mutation
that breaks a rule the file format states (a YAML syntax error, a second document, an unknown
key, a wrong type, a missing or short data file, an unknown mnemonic or operand, an opcode no
instruction has, a trace line that is not a request), plus hand-made cases (empty file, binary
junk, a directory, a YAML list, a missing file). Each goes through the program a user runs:

  config    tpu-sim --config BAD --workload traces/digits (small.yaml's batch)
  workload  tpu-sim --config configs/small.yaml --workload BAD  (dense-MLP manifests)
  network   tpu-sim --config configs/small.yaml --workload BAD  (network manifests)
  program   tpu-sim --config configs/small.yaml --program BAD.s | BAD.bin --read-back ...
  trace     dram-bench --config configs/dram/ddr3_1600.yaml --trace BAD

and must end the model's way (issue 19): exit status 1 (bad file) or 2 (bad command line), a
message on stderr that names the file and the line, key or instruction the mutation broke, and
no output file: tpu-sim is also given --stats, --vcd, --power-csv, --power-vcd, --dump-program
(and --read-back for programs), and none of them may exist afterwards; dram-bench, whose report
goes to stdout, must print none. Mutations are chosen by position in the file (the first
instruction, the first integer-valued keys), never at random, so the set is the same on every run.

Usage: bad_inputs.py KIND --tool PROGRAM --source-dir REPO --work DIR
Prints one line per case and exits 1 if any case fails.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

# Integer-valued keys (block or flow style), outside comments: "rows: 16", "{..., outputs: 17,".
INT_KEY = re.compile(r"(?<![\w.])([a-z_][a-z0-9_]*): (-?\d+)(?=\s*(?:[,}#]|$))")
DATA_FILE = re.compile(r"(?<=: )([\w.]+\.(?:bin|i8|i32|u8))\b")


def strip_comment(line):
    """The line without a '#' comment (manifests put no '#' inside quoted strings)."""
    return line.split("#", 1)[0]


class Case:
    """One bad input: file `name` with `content` (bytes), the regexes stderr must match, and
    extra files (name -> bytes) or links (name -> path) to put next to it."""

    def __init__(self, name, filename, content, expect, files=None, links=None):
        self.name, self.filename, self.content, self.expect = name, filename, content, expect
        self.files, self.links = files or {}, links or {}


def trace_dir(repo, seed_name):
    """The traces/ folder a corpus seed was copied from (apps_cnn0 -> traces/apps/cnn0)."""
    for cand in (repo / "traces" / seed_name, repo / "traces" / seed_name.replace("_", "/", 1)):
        if (cand / "workload.yaml").is_file():
            return cand
    return None


def data_links(folder):
    return {p.name: p for p in sorted(folder.iterdir()) if p.is_file() and p.suffix != ".yaml"} if folder else {}


def yaml_cases(repo, kind, seeds, links_of):
    """The YAML mutations of every seed (config, workload and network manifests)."""
    cases = []
    for seed in seeds:
        text = seed.read_text()
        stem, fname = seed.stem, seed.stem + ".yaml"
        links = links_of(seed)
        esc = re.escape(fname)

        def add(tag, content, *expect, files=None):
            cases.append(Case(f"{stem}.{tag}", fname, content.encode(), [esc] + list(expect), files, links))

        add("lead_comma", "," + text, r"line 1, column 1: YAML error")
        add("two_documents", text + "\n---\nname: second\n", r"contains 2 YAML documents, expected one")
        add("unknown_key", text.rstrip("\n") + "\nbogus_key: 1\n", r"bogus_key: unknown key")
        # Cut inside the first flow collection or quoted string: an unterminated node.
        lines = text.splitlines(keepends=True)
        for i, line in enumerate(lines):
            code = strip_comment(line)
            cut = min((code.find(c) for c in "{[\"" if c in code), default=-1)
            if cut >= 0:
                add("cut_open_node", "".join(lines[:i]) + line[: cut + 1] + "\n", r"line \d+, column \d+: YAML error")
                break
        # The first three integer-valued keys, each given a list of a word.
        done = 0
        for i, line in enumerate(lines):
            code = strip_comment(line)
            m = INT_KEY.search(code)
            if m and done < 3:
                bad = line[: m.start(2)] + "[twelve]" + line[m.end(2) :]
                add(f"wrong_type_{m.group(1)}", "".join(lines[:i]) + bad + "".join(lines[i + 1 :]), re.escape(m.group(1)))
                done += 1
        # The first data file named: missing, then one byte short.
        for i, line in enumerate(lines):
            m = DATA_FILE.search(strip_comment(line))
            if m and m.group(1) in links:
                data = Path(links[m.group(1)]).read_bytes()
                for tag, new, files, why in (
                    ("missing_data", "no_such_data.bin", None, r"no_such_data\.bin is missing"),
                    ("short_data", "short_" + m.group(1), {"short_" + m.group(1): data[:-1]},
                     re.escape("short_" + m.group(1)) + rf" has {len(data) - 1} bytes, expected {len(data)}"),
                ):
                    bad = line[: m.start(1)] + new + line[m.end(1) :]
                    add(tag, "".join(lines[:i]) + bad + "".join(lines[i + 1 :]), why, files=files)
                break
    # Hand-made: empty, only a comment, binary junk, a YAML list, not a map at the top.
    for tag, content, expect in (
        ("empty", b"", r"empty"),
        ("only_comment", b"# nothing here\n", r"empty"),
        ("binary_junk", bytes(range(256)) * 4, r"YAML error|must be a map"),
        ("top_level_list", b"- 1\n- 2\n", r"must be a map"),
        ("tab_indent", b"name: x\nmxu:\n\trows: 16\n", r"line 3, column \d+: YAML error"),
    ):
        cases.append(Case(f"hand.{tag}", f"hand_{tag}.yaml", content, [re.escape(f"hand_{tag}.yaml"), expect]))
    return cases


def strip_asm_comment(line):
    """An assembly line without its comment ('#' or ';', model/isa/isa.h)."""
    return re.split(r"[#;]", line, maxsplit=1)[0]


def instruction_lines(lines, strip=strip_comment):
    """Indices of the lines of an assembly text or a trace that hold an instruction or a request."""
    return [i for i, l in enumerate(lines) if strip(l).strip()]


def program_cases(repo):
    cases = []
    for seed in sorted((repo / "fuzz/corpus/isa_assemble").glob("*.s")):
        lines = seed.read_text().splitlines()
        fname = seed.name
        esc = re.escape(fname)
        idx = instruction_lines(lines, strip_asm_comment)
        code = [strip_asm_comment(l).rstrip() for l in lines]

        def add(tag, new_lines, *expect):
            cases.append(Case(f"{seed.stem}.{tag}", fname, ("\n".join(new_lines) + "\n").encode(), [esc] + list(expect)))

        def replaced(i, new):
            return lines[:i] + [new] + lines[i + 1 :]

        first = idx[0]
        add("unknown_mnemonic", replaced(first, "multiply_add " + " ".join(code[first].split()[1:])),
            rf"{esc}:{first + 1}: unknown mnemonic 'multiply_add'")
        add("unknown_operand", replaced(first, code[first] + " bogus=1"), rf"{esc}:{first + 1}:.*unknown operand 'bogus'")
        # The first numeric operand (operand names are case-insensitive; messages use lower case).
        ops = [i for i in idx if re.search(r"\b\w+=\d", code[i])]
        if ops:
            i = ops[0]
            m = re.search(r"\b(\w+)=(\d\w*)", code[i])
            key = m.group(1).lower()
            add("not_a_number", replaced(i, code[i][: m.start(2)] + "0xZZ" + code[i][m.end(2) :]),
                rf"{esc}:{i + 1}:.*operand '{key}' = '0xZZ' is not a number")
            add("duplicate_operand", replaced(i, code[i] + " " + m.group(0)), rf"{esc}:{i + 1}:.*duplicate operand '{key}'")
        no_halt = [l for l in code if l.lower().split()[:1] != ["halt"]]
        add("no_halt", no_halt, r"the program has no halt")
    for seed in sorted((repo / "fuzz/corpus/isa_decode").glob("*.bin")):
        data = seed.read_bytes()
        if len(data) < 24:
            continue
        esc = re.escape(seed.name)
        cases.append(Case(f"{seed.stem}.truncated", seed.name, data[:-5],
                          [esc + rf": binary program of {len(data) - 5} bytes is not a whole number of 12-byte"]))
        cases.append(Case(f"{seed.stem}.bad_opcode", seed.name, data[:12] + b"\xee" + data[13:],
                          [esc + r": instruction 1 \(byte offset 12\): unknown opcode 0xee"]))
    for tag, content, expect in (
        ("empty", b"", r"the program has no instructions"),
        ("binary_junk", bytes(range(1, 256)), r":1: unknown mnemonic"),
    ):
        cases.append(Case(f"hand.{tag}", f"hand_{tag}.s", content, [re.escape(f"hand_{tag}.s"), expect]))
    return cases


def trace_cases(repo):
    cases = []
    for seed in sorted((repo / "fuzz/corpus/dram_trace").glob("*.trace")):
        lines = seed.read_text().splitlines()
        idx = instruction_lines(lines)
        if not idx:
            continue
        esc = re.escape(seed.name)
        i = idx[0]  # the first request line: no line before it is an error
        words = strip_comment(lines[i]).split()

        def add(tag, new_line, why):
            new = lines[:i] + [new_line] + lines[i + 1 :]
            cases.append(Case(f"{seed.stem}.{tag}", seed.name, ("\n".join(new) + "\n").encode(), [rf"{esc}:{i + 1}: {why}"]))

        add("bad_command", " ".join([words[0], "FETCH"] + words[2:]), r".*FETCH")
        add("bad_address", " ".join(["0xZZ"] + words[1:]), r".*0xZZ")
        add("address_too_wide", " ".join(["0x12345678901234567"] + words[1:]), r".*0x12345678901234567")
        add("extra_words", " ".join(words[:2] + ["1", "2", "3"]), r".*")
    for tag, content, expect in (
        ("empty", b"", r"no requests"),
        ("only_comments", b"# a\n\n# b\n", r"no requests"),
        ("binary_junk", bytes(range(1, 256)), r":1: "),
    ):
        cases.append(Case(f"hand.{tag}", f"hand_{tag}.trace", content, [re.escape(f"hand_{tag}.trace"), expect]))
    return cases


def tpu_sim_outputs(d):
    return {"--stats": d / "out.json", "--vcd": d / "out.vcd", "--power-csv": d / "power.csv",
            "--power-vcd": d / "power.vcd", "--dump-program": d / "out.s"}


def command(kind, tool, repo, d, path):
    """The command line for one case, and the output files it must not leave."""
    if kind == "trace":
        return [tool, "--config", str(repo / "configs/dram/ddr3_1600.yaml"), "--trace", str(path)], []
    outs = tpu_sim_outputs(d)
    cmd = [tool]
    if kind == "config":
        cmd += ["--config", str(path), "--workload", str(repo / "traces/digits/workload.yaml"), "--batch", "64"]
    elif kind in ("workload", "network"):
        cmd += ["--config", str(repo / "configs/small.yaml"), "--workload", str(path)]
    else:
        cmd += ["--config", str(repo / "configs/small.yaml"), "--program", str(path)]
        cmd += ["--read-back", f"0:16:{d / 'read_back.bin'}"]
        outs = dict(outs, **{"--read-back": d / "read_back.bin"})
    for opt, p in outs.items():
        if opt != "--read-back":
            cmd += [opt, str(p)]
    return cmd, list(outs.values())


def run_case(kind, tool, repo, work, case):
    """Runs one case; returns a list of what went wrong (empty: passed)."""
    d = work / case.name
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    for name, target in case.links.items():
        os.symlink(target, d / name)
    for name, data in case.files.items():
        (d / name).write_bytes(data)
    path = d / case.filename
    path.write_bytes(case.content)
    cmd, outputs = command(kind, tool, repo, d, path)
    env = dict(os.environ, SC_COPYRIGHT_MESSAGE="DISABLE")
    try:
        p = subprocess.run(cmd, capture_output=True, env=env, timeout=120)
    except subprocess.TimeoutExpired:
        return ["no answer in 120 s (a hang)"]
    err = p.stderr.decode(errors="replace")
    problems = []
    if p.returncode not in (1, 2):
        problems.append(f"exit status {p.returncode}, expected 1 or 2")
    for rx in case.expect:
        if not re.search(rx, err):
            problems.append(f"stderr does not match /{rx}/")
    if not re.search(r"error", err):
        problems.append("stderr names no error")
    for o in outputs:
        if o.exists():
            problems.append(f"output file {o.name} was left")
    if kind == "trace" and p.stdout.strip():
        problems.append("dram-bench printed a report")
    if problems:
        problems.append("stderr: " + err.strip()[:400])
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("kind", choices=["config", "workload", "network", "program", "trace"])
    ap.add_argument("--tool", required=True)
    ap.add_argument("--source-dir", required=True, type=Path)
    ap.add_argument("--work", required=True, type=Path)
    a = ap.parse_args()
    repo = a.source_dir.resolve()
    if a.kind == "config":
        seeds = [p for p in sorted((repo / "fuzz/corpus/config").glob("*.yaml")) if (repo / "configs" / p.name).is_file()]
        cfg_links = {"dram": repo / "configs/dram", "energy": repo / "configs/energy"}
        cases = yaml_cases(repo, a.kind, seeds, lambda s: cfg_links)
    elif a.kind in ("workload", "network"):
        seeds = sorted((repo / "fuzz/corpus" / a.kind).glob("*.yaml"))
        cases = yaml_cases(repo, a.kind, seeds, lambda s: data_links(trace_dir(repo, s.stem)))
    elif a.kind == "program":
        cases = program_cases(repo)
    else:
        cases = trace_cases(repo)
    if not cases:
        print("no cases: the fuzz corpus is missing")
        return 1
    work = a.work / a.kind
    failed = 0
    for case in cases:
        problems = run_case(a.kind, a.tool, repo, work, case)
        print(("FAIL " if problems else "ok   ") + case.name)
        for p in problems:
            print("     " + p)
        failed += bool(problems)
    print(f"{len(cases) - failed} of {len(cases)} bad inputs rejected as they must be")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
