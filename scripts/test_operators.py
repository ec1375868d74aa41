#!/usr/bin/python3
"""Tests of the operators issue 15 brought onto the chip, end to end: a tiny PyTorch model with
every one of them is exported to ONNX, imported by scripts/onnx_to_network.py and run by tpu-sim.

Run with Debian's Python (python3-torch, python3-onnx, numpy, PyYAML):

    TPU_SIM=build/tpu-sim /usr/bin/python3 scripts/test_operators.py [--zoo]

The model (OpsNet) has, in one graph: HardSwish, ReLU6, SiLU (x * sigmoid(x)), HardSigmoid, GELU
(erf form), LeakyReLU, ELU and a scalar after a lookup (each a 256-entry table in the activation
unit, fused into the producing conv or standalone); a depthwise and a grouped convolution;
squeeze-excitation (global mean, convs, a per-channel [N, C, 1, 1] x [N, C, H, W] Mul); Concat,
chunk (Split), a channel shuffle (Reshape, Transpose, Reshape); a zero Pad folded into a conv; a
BatchNormalization after a Concat (a depthwise 1x1 conv); ReduceMean over H, W. What is checked:
  * the importer's float interpreter reproduces PyTorch (1e-5 relative): the float semantics of
    every operator as imported;
  * the manifest uses what the chip offers: lookup tables (256 bytes each), groups, the copies of
    Concat/Split/shuffle as 1x1 convs of 0/1 weights, no Pad layer;
  * the int8 pipeline (scripts/tpu_ref.py, the independent reference) agrees with the float model
    within a relative L2 error of 0.1 (a wrong table or a wrong channel order would not);
  * tpu-sim on a 16x16 array (configs/small.yaml) and on TPU v1 reproduces the reference's golden
    output exactly (0 mismatches);
  * the activation unit counts (and the energy model charges) exactly one table lookup per element
    an Activate or Vector with a table writes, per layer (expected_lookups: from the layer's shape
    and the Unified Buffer packing the lowering documents);
  * the MXU reads only the nonzero weight tiles of the grouped layers: a depthwise 3x3 layer of C
    channels reads 9 ceil(C / R) R x R tiles per accumulator stripe, the 4-group conv 9 ceil(C / R)
    as well (its groups never straddle an R-channel tile here), the Concat, shuffle and Split copies
    that convs read none (read in place), the Split half that an Add reads one tile per (source
    tile, output tile) pair that it moves channels between (from --stats' per-layer DRAM bytes,
    against counts derived here).
With --zoo (as ctest does): torchvision's mobilenet_v3_small (random weights, 32x32 input: HardSwish,
HardSigmoid, depthwise convs, squeeze-excitation) exported, imported and run on TPU v1 with 0
mismatches. (scripts/run_zoo.py runs the whole zoo.)
"""
import json
import math
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

SCRIPTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(SCRIPTS)
sys.path.insert(0, SCRIPTS)
import onnx_to_network as o2n  # noqa: E402

ZOO = "--zoo" in sys.argv
if ZOO:
    sys.argv.remove("--zoo")
PY = "/usr/bin/python3"
TPU_SIM = os.environ.get("TPU_SIM")

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


class OpsNet(nn.Module):
    """Every new operator once (see the module docstring); 16x16x3 input, 10 outputs."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(3)
        self.conv0, self.bn0 = nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32)
        self.dw = nn.Conv2d(32, 32, 3, stride=2, padding=1, groups=32)
        self.se1, self.se2 = nn.Conv2d(32, 8, 1), nn.Conv2d(8, 32, 1)
        self.gconv = nn.Conv2d(32, 32, 3, padding=1, groups=4)
        self.branch = nn.Conv2d(24, 24, 1)
        self.padconv = nn.Conv2d(64, 24, 3)
        self.bn_cat = nn.BatchNorm2d(48)
        self.fc = nn.Linear(48, 10)
        g = torch.Generator().manual_seed(4)
        for bn in (self.bn0, self.bn_cat):
            n = bn.num_features
            bn.running_mean.copy_(torch.rand(n, generator=g) - 0.5)
            bn.running_var.copy_(torch.rand(n, generator=g) + 0.5)
            bn.weight.data.copy_(torch.rand(n, generator=g) + 0.5)
            bn.bias.data.copy_(torch.rand(n, generator=g) * 0.4 - 0.2)

    def forward(self, x):
        a = F.hardswish(self.bn0(self.conv0(x)))                  # fused lookup (HardSwish)
        d = F.relu6(self.dw(a))                                    # depthwise, ReLU6 by table
        s = d.mean([2, 3], keepdim=True)                          # ReduceMean -> global avgpool
        s = F.hardsigmoid(self.se2(F.silu(self.se1(s))))           # SiLU = x * sigmoid(x)
        d = d * s                                                  # per-channel broadcast Mul
        gc = F.gelu(self.gconv(d))                                 # grouped conv, GELU (erf)
        c = torch.cat([gc, d], 1)                                  # Concat: 64 channels
        n, ch, h, w = c.shape                                      # channel shuffle, 2 groups
        c = c.reshape(n, 2, ch // 2, h, w).transpose(1, 2).reshape(n, ch, h, w)
        c1, c2 = c.chunk(2, dim=1)                                 # Split
        c2 = F.leaky_relu(c2 + F.elu(c2), 0.1)                     # ELU standalone, LeakyReLU
        c = torch.cat([c1, c2], 1)
        p = self.padconv(F.pad(c, (1, 1, 1, 1)))                   # Pad folded into the conv
        y = F.relu(self.bn_cat(torch.cat([p, p * 0.5], 1)))       # BN after a Concat
        y = torch.exp(y * 0.25) - 1.0                              # Exp and a scalar by table
        return self.fc(y.mean([2, 3]))


def export(model, shape, path):
    """Exports `model` (eval, opset 13, BatchNormalization kept) for a zero input of `shape`."""
    import warnings
    model.eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, torch.zeros(*shape), path, opset_version=13,
                          training=torch.onnx.TrainingMode.PRESERVE)
    return path


def run_sim(config, outdir, stats=None):
    """tpu-sim on outdir/workload.yaml with configs/<config>.yaml; the CompletedProcess."""
    args = [TPU_SIM, "--config", os.path.join(ROOT, "configs", config + ".yaml"),
            "--workload", os.path.join(outdir, "workload.yaml"), "--quiet"]
    if stats:
        args += ["--stats", stats]
    return subprocess.run(args, capture_output=True, text=True,
                          env=dict(os.environ, SC_COPYRIGHT_MESSAGE="DISABLE"))


class OperatorsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = cls.tmp.name
        cls.onnx = export(OpsNet(), (1, 3, 16, 16), os.path.join(cls.dir, "ops.onnx"))
        cls.out = os.path.join(cls.dir, "ops")
        cls.res = o2n.convert(cls.onnx, cls.out, batch=2, calibration=16, verbose=False)
        import yaml
        with open(os.path.join(cls.out, "workload.yaml")) as f:
            cls.manifest = yaml.safe_load(f)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def layer(self, name_part):
        hits = [L for L in self.manifest["layers"] if name_part in L["name"]]
        self.assertTrue(hits, f"no layer named like {name_part}")
        return hits[0]

    def test_float_interpreter_matches_torch(self):
        import onnx
        x = np.random.default_rng(7).standard_normal((3, 3, 16, 16))
        with torch.no_grad():
            ref = OpsNet().eval()(torch.tensor(x, dtype=torch.float32)).numpy().astype(np.float64)
        g = o2n.Graph(onnx.load(self.onnx))
        got = o2n.nhwc_to_onnx(o2n.run_float(g, x), g.output)
        self.assertLess(np.linalg.norm(got - ref) / np.linalg.norm(ref), 1e-5)

    def test_manifest_uses_tables_groups_and_copies(self):
        layers = self.manifest["layers"]
        tables = [L for L in layers if L.get("activation") == "lookup"]
        # HardSwish, ReLU6, SiLU, HardSigmoid, GELU, ELU, LeakyReLU, Exp: eight functions; some are
        # standalone `activate` layers (the ELU's input is read twice), the rest fused.
        self.assertGreaterEqual(len(tables), 8)
        for L in tables:
            self.assertEqual(os.path.getsize(os.path.join(self.out, L["table"])), 256, L["name"])
        self.assertTrue(any(L["op"] == "activate" and L.get("activation") == "lookup" for L in layers))
        self.assertEqual(self.layer("dw")["groups"], 32)
        self.assertEqual(self.layer("gconv")["groups"], 4)
        copies = [L for L in layers if L["op"] == "conv" and L["kernel"] == [1, 1] and "inputs" in L]
        self.assertGreaterEqual(len(copies), 2)               # the Concats read several inputs
        self.assertEqual(self.layer("padconv")["pad"], [1, 1, 1, 1])   # the Pad, folded
        muls = [L for L in layers if L["op"] == "mul"]
        self.assertTrue(muls)                                  # the squeeze-excitation scale

    def test_int8_agrees_with_float(self):
        self.assertLess(self.res["agreement"]["relative_error"], 0.1, self.res["agreement"])

    @unittest.skipUnless(TPU_SIM, "TPU_SIM not set")
    def test_simulator_matches_reference_on_both_configs(self):
        for config in ("small", "tpu_v1"):
            p = run_sim(config, self.out)
            self.assertEqual(p.returncode, 0, config + ":\n" + p.stdout + p.stderr)

    @unittest.skipUnless(TPU_SIM, "TPU_SIM not set")
    def test_only_nonzero_weight_tiles_are_read(self):
        for config, R, acc_rows in (("small", 16, 512), ("tpu_v1", 256, 4096)):
            stats = os.path.join(self.dir, f"stats_{config}.json")
            p = run_sim(config, self.out, stats)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            with open(stats) as f:
                rec = {L["name"]: L for L in json.load(f)["layers"]}
            n = self.manifest["samples"]

            def tiles(name, per_stripe):
                L = self.layer(name)
                P, Q = 8, 8                    # after the stride-2 depthwise layer: 8x8
                stripes = math.ceil(n * P / ((acc_rows // 2) // Q))
                self.assertEqual(rec[L["name"]]["dram_bytes"], stripes * per_stripe * R * R, (config, name))

            t = math.ceil(32 / R)
            tiles("dw", 9 * t)                 # block diagonal: tile k feeds only tile k
            tiles("gconv", 9 * t)              # 4 groups of 8: within one tile of 16 or 256
            # the first Concat [gconv 32, d 32], the shuffle after it and the Split's first half
            # are read in place by the convs reading them (host/lowering/select.cpp): no weights
            # read. The Split's second half, read by an Add, is copied, straight from the Concat's
            # inputs: output channel k of it is shuffled channel 32 + k, i.e. Concat channel
            # (k % 2) * 32 + 16 + k // 2; one tile per (source, source tile, output tile) pair.
            layers = self.manifest["layers"]
            cat = next(L for L in layers if len(L.get("inputs", [])) == 2 and L["op"] == "conv")
            shuffle = next(L for L in layers if L.get("inputs") == [cat["name"]])
            halves = [L for L in layers if L.get("inputs") == [shuffle["name"]]]
            self.assertEqual(len(halves), 2)
            readers = {h["name"]: [L["op"] for L in layers if h["name"] in L.get("inputs", [L.get("input")])]
                       for h in halves}
            copied = [h for h in halves if "add" in readers[h["name"]]]
            self.assertEqual(len(copied), 1, readers)
            for L in [cat, shuffle] + [h for h in halves if h is not copied[0]]:
                self.assertEqual(rec[L["name"]]["dram_bytes"], 0, (config, L["name"]))
            pairs = set()
            for k in range(32):
                c = (k % 2) * 32 + 16 + k // 2
                pairs.add((cat["inputs"][c // 32], (c % 32) // R, k // R))
            self.assertEqual(rec[copied[0]["name"]]["dram_bytes"], len(pairs) * R * R, config)

    @unittest.skipUnless(TPU_SIM, "TPU_SIM not set")
    def test_lookups_are_counted_and_charged(self):
        import yaml
        import tpu_ref
        stats = os.path.join(self.dir, "stats_energy.json")
        p = run_sim("tpu_v1", self.out, stats)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        with open(stats) as f:
            st = json.load(f)
        with open(os.path.join(ROOT, "configs", "energy", "horowitz_28nm.yaml")) as f:
            pj = yaml.safe_load(f)["energy"]["activation_lookup_pj"]
        # every element an Activate or Vector with a table writes passes the table once: exactly
        # expected_lookups() per layer (its shape and packing), in --stats' per-layer records
        net = tpu_ref.load_network(os.path.join(self.out, "workload.yaml"))
        want = expected_lookups(net, 256)
        self.assertGreaterEqual(len(want), 8)  # the eight functions of OpsNet
        got = {r["name"]: r["lookups"] for r in st["layers"]}
        for name, n in want.items():
            self.assertEqual(got[name], n, name)
        lookups = st["tpu"]["activation_unit"]["lookups"]
        self.assertEqual(lookups, sum(want.values()))
        self.assertGreaterEqual(st["tpu"]["activation_unit"]["table_loads"], len(want))
        a = st["energy"]["blocks"]["activation_unit"]["actions"]["lookup"]
        self.assertEqual(a["count"], lookups)
        self.assertAlmostEqual(a["j"], lookups * pj * 1e-12, delta=1e-9 * a["j"])


def packed_groups(net, R):
    """{tensor ref: G} of the tensors the Unified Buffer holds packed on an R x R array, by the rule
    of docs/architecture.md "Packed tensors" and host/lowering/steps.h (choose_layouts): a tensor
    of C <= R/2 channels and more than one pixel a batch packs with G = the smallest divisor of R
    >= C, except a broadcast Vector's operands and output; a Vector's inputs and output share one
    layout (all packed with one G, or none)."""
    N = net.samples
    refs = [-k - 1 for k in range(len(net.inputs))] + list(range(len(net.layers)))
    parent = {r: r for r in refs}

    def find(r):
        while parent[r] != r:
            r = parent[r]
        return r

    barred = set()
    for i, L in enumerate(net.layers):
        if L["op"] not in ("add", "mul", "activate"):
            continue
        H, W, C = L["in_shape"]
        if len(L["inputs"]) > 1 and net.shape_of(L["inputs"][1]) != L["in_shape"] and H * W != 1:
            barred.update(L["inputs"] + [i])
            continue
        for t in L["inputs"]:
            parent[find(t)] = find(i)

    def group(r):
        H, W, C = net.shape_of(r)
        g = next((g for g in range(C, R) if R % g == 0), R)
        ok = r not in barred and net.type_of(r) != "int16" and 2 * C <= R and g < R and N * H * W >= 2
        return g if ok else None

    classes = {}
    for r in refs:
        classes.setdefault(find(r), []).append(group(r))
    return {r: classes[find(r)][0] for r in refs
            if None not in classes[find(r)] and len(set(classes[find(r)])) == 1}


def placed_channels(net):
    """{layer: channels} of conv/dense layers whose Activates write straight into a Concat's tensor
    (host/lowering/steps.h, placed_concat): the Concat is an exact channel copy (1x1 conv of several
    inputs, identity weights, zero bias, identity requantization) and each input is a conv or dense
    layer read by it alone, not the network's output."""
    import tpu_ref
    out = {}
    for i, L in enumerate(net.layers):
        ins = L["inputs"]
        if L["op"] != "conv" or len(ins) < 2 or tuple(L["kernel"]) != (1, 1) or L.get("groups", 1) != 1:
            continue
        C = L["in_shape"][2]
        w = L["weights"].reshape(C, -1)
        if tuple(L.get("stride", (1, 1))) != (1, 1) or any(L.get("pad") or ()) or L["activation"] != "identity":
            continue
        if w.shape != (C, C) or not np.array_equal(w, np.eye(C, dtype=w.dtype)) or np.any(L["bias"]):
            continue
        v = np.arange(-128, 128).reshape(1, 1, 1, -1)
        if not np.array_equal(tpu_ref.apply_requant(v, L["requant"], "identity"), v):
            continue
        readers = lambda t: sum(M["inputs"].count(t) for M in net.layers)
        if all(t >= 0 and t != net.output and net.layers[t]["op"] in ("conv", "dense") and readers(t) == 1
               for t in ins):
            for t in ins:
                out[t] = net.shape_of(t)[2]
    return out


def expected_lookups(net, R):
    """{layer name: table lookups} of every layer with activation: lookup on an R x R array, from its
    output shape (N H W pixels, C channels) and packing (packed_groups, placed_channels): an
    Activate writes, per pixel, its lane group's G lanes when packed, only the layer's own C lanes
    when placed in a Concat, else whole rows (R lanes per channel tile); a Vector maps whole rows
    of R lanes: ceil(pixels / P) rows packed (P = R / G pixels a row), else pixels per channel tile."""
    groups, placed = packed_groups(net, R), placed_channels(net)
    out = {}
    for i, L in enumerate(net.layers):
        if L["activation"] != "lookup":
            continue
        H, W, C = L["out_shape"]
        pixels, tiles, G = net.samples * H * W, -(-C // R), groups.get(i)
        if L["op"] in ("conv", "dense"):
            lanes = placed[i] if i in placed else G if G else R * tiles
            out[L["name"]] = pixels * lanes
        else:
            rows = -(-pixels // (R // G)) if G else pixels * tiles
            out[L["name"]] = rows * R
    return out


@unittest.skipUnless(ZOO and TPU_SIM, "--zoo and TPU_SIM")
class ZooTest(unittest.TestCase):
    def test_small_zoo_models_run_with_zero_mismatches(self):
        with tempfile.TemporaryDirectory() as d:
            for name in ("mobilenet_v3_small",):
                path = os.path.join(d, name + ".onnx")
                p = subprocess.run([PY, os.path.join(SCRIPTS, "export_torchvision.py"), name, path,
                                    "--input-size", "32"], capture_output=True, text=True)
                self.assertEqual(p.returncode, 0, p.stderr)
                out = os.path.join(d, name)
                o2n.convert(path, out, batch=1, calibration=4, verbose=False)
                p = run_sim("tpu_v1", out)
                self.assertEqual(p.returncode, 0, name + ":\n" + p.stdout + p.stderr)


if __name__ == "__main__":
    unittest.main()
