#!/usr/bin/python3
"""Tests of Split, Slice, channel shuffle and Concat as Unified Buffer placement (issue 15): small
PyTorch models exported to ONNX, imported by scripts/onnx_to_network.py and run by tpu-sim.

Run with Debian's Python (python3-torch, python3-onnx, numpy, PyYAML):

    TPU_SIM=build/tpu-sim /usr/bin/python3 scripts/test_channel_select.py

The importer writes each of these operators as a 1x1 conv of 0/1 weights (a "copy" layer); the
lowering (host/lowering/select.cpp) leaves such a layer out when every layer reading it is a conv
that can read the copy's input in place (its weight rows permuted, zero outside the selection) at
no more MXU passes, and host/lowering/concat.cpp places a Concat of convs read by it alone. What
is checked, on configs/small.yaml (16 x 16) and configs/tpu_v1.yaml (256 x 256):
  * 0 golden mismatches: tpu-sim against scripts/tpu_ref.py, the independent reference, which
    executes every copy layer as written;
  * which copy layers run: a copy layer is found in the manifest from its weights (numpy: every
    column one 1, every row at most one, zero bias), and tpu-sim's per-layer records (--stats)
    show whether it ran: a layer left out has no MACs, no weight-memory bytes and no
    activation-unit cycles; one that runs reads its weight tiles. Each model states which of
    its copies are left out (those read only by convs) and which run (one read by an Add, where
    placement cannot serve).
"""
import json
import os
import subprocess
import tempfile
import unittest

import numpy as np

SCRIPTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(SCRIPTS)
TPU_SIM = os.environ.get("TPU_SIM")

import sys  # noqa: E402
sys.path.insert(0, SCRIPTS)
import onnx_to_network as o2n  # noqa: E402

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


def shuffle(x, g):
    """ShuffleNet's channel shuffle (Reshape, Transpose, Reshape in ONNX)."""
    n, c, h, w = x.shape
    return x.reshape(n, g, c // g, h, w).transpose(1, 2).reshape(n, c, h, w)


class SplitNet(nn.Module):
    """chunk(2) of a conv's 16 channels, each half read by a conv (1x1 and 3x3); a Slice of 4..12
    read by a 1x1 conv; the three convs concatenated (placed) into the output conv."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(11)
        self.c0 = nn.Conv2d(3, 16, 3, padding=1)
        self.a, self.b = nn.Conv2d(8, 8, 1), nn.Conv2d(8, 4, 3, padding=1)
        self.s = nn.Conv2d(8, 4, 1)
        self.out = nn.Conv2d(16, 10, 1)

    def forward(self, x):
        y = F.relu(self.c0(x))
        y1, y2 = y.chunk(2, dim=1)                                    # Split
        z = y[:, 4:12]                                                # Slice
        return self.out(torch.cat([F.relu(self.a(y1)), F.relu(self.b(y2)), self.s(z)], 1))


class ShuffleUnit(nn.Module):
    """ShuffleNet v2's stride-1 unit twice: chunk, a branch on one half, Concat with the other half,
    channel shuffle; then a 1x1 conv reading the shuffled tensor."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(12)
        self.c0 = nn.Conv2d(3, 16, 3, padding=1)
        self.br = nn.ModuleList([nn.Sequential(nn.Conv2d(8, 8, 1), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1, groups=8),
                                               nn.Conv2d(8, 8, 1), nn.ReLU()) for _ in range(2)])
        self.out = nn.Conv2d(16, 10, 1)

    def forward(self, x):
        y = F.relu(self.c0(x))
        for br in self.br:
            y1, y2 = y.chunk(2, dim=1)
            y = shuffle(torch.cat([y1, br(y2)], 1), 2)
        return self.out(y)


class ConcatNet(nn.Module):
    """A Concat of an average pool, a max pool, an Add and a conv output read elsewhere too
    (multi-consumer), read by a 1x1 conv; and a Split whose halves are read by an Add (copies that
    must run)."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(13)
        self.c0, self.c1 = nn.Conv2d(3, 8, 3, padding=1), nn.Conv2d(8, 8, 3, padding=1)
        self.c2 = nn.Conv2d(3, 8, 1)
        self.mix = nn.Conv2d(32, 12, 1)
        self.out = nn.Conv2d(6, 10, 1)

    def forward(self, x):
        a = F.relu(self.c0(x))
        b = self.c1(a)
        p = F.avg_pool2d(a, 3, 1, 1)
        q = F.max_pool2d(F.relu(self.c2(x)), 3, 1, 1)                # the pool reads c2 alone
        m = F.relu(self.mix(torch.cat([p, q, a + b, b], 1)))         # b read twice
        m1, m2 = m.chunk(2, dim=1)
        return self.out(m1 + m2)                                      # the halves read by an Add


def export(model, path, size=8):
    """Exports `model` (eval, opset 13) for a [1, 3, size, size] input."""
    import warnings
    model.eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, torch.zeros(1, 3, size, size), path, opset_version=13)
    return path


def copy_layers(outdir, manifest):
    """Names of the manifest's copy layers: 1x1 convs whose weights select one input channel per
    output channel (each column a single 1, each row at most one) with zero bias."""
    names = []
    for L in manifest["layers"]:
        if L["op"] != "conv" or L.get("kernel") != [1, 1] or L.get("groups", 1) != 1:
            continue
        w = np.fromfile(os.path.join(outdir, L["weights"]), np.int8).reshape(-1, L["outputs"])
        b = np.fromfile(os.path.join(outdir, L["bias"]), "<i4")
        if set(np.unique(w)) <= {0, 1} and (w.sum(axis=0) == 1).all() and (w.sum(axis=1) <= 1).all() and \
                not b.any():
            names.append(L["name"])
    return names


class ChannelSelectTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def run_model(self, model, name):
        """Exports and imports `model`, runs it on both configs; returns (manifest, copy layer
        names, {config: {layer name: stats record}})."""
        import yaml
        d = self.tmp.name
        out = os.path.join(d, name)
        o2n.convert(export(model, os.path.join(d, name + ".onnx")), out, batch=2, calibration=8, verbose=False)
        with open(os.path.join(out, "workload.yaml")) as f:
            manifest = yaml.safe_load(f)
        records = {}
        for config in ("small", "tpu_v1"):
            stats = os.path.join(d, f"{name}_{config}.json")
            p = subprocess.run([TPU_SIM, "--config", os.path.join(ROOT, "configs", config + ".yaml"),
                                "--workload", os.path.join(out, "workload.yaml"), "--stats", stats],
                               capture_output=True, text=True, env=dict(os.environ, SC_COPYRIGHT_MESSAGE="DISABLE"))
            self.assertEqual(p.returncode, 0, config + ":\n" + p.stdout + p.stderr)
            self.assertIn("golden    0 mismatches", p.stdout, config)
            with open(stats) as f:
                records[config] = {r["name"]: r for r in json.load(f)["layers"]}
        return manifest, copy_layers(out, manifest), records

    def assert_left_out(self, records, name, left_out):
        for config, rec in records.items():
            r = rec[name]
            ran = r["macs"] > 0 or r["dram_bytes"] > 0 or r["activation_unit_cycles"] > 0
            self.assertEqual(not ran, left_out, f"{config}: copy layer {name}: {r}")

    @unittest.skipUnless(TPU_SIM, "TPU_SIM not set")
    def test_split_and_slice_read_by_convs_are_left_out(self):
        manifest, copies, records = self.run_model(SplitNet(), "split")
        self.assertEqual(len(copies), 4, copies)      # the Split's two halves, the Slice, the Concat
        for name in copies:                            # all left out: read by convs, or placed
            self.assert_left_out(records, name, True)

    @unittest.skipUnless(TPU_SIM, "TPU_SIM not set")
    def test_shuffle_units_keep_only_the_placed_halves(self):
        manifest, copies, records = self.run_model(ShuffleUnit(), "shuffle")
        # per unit: Split (2 copies), Concat, shuffle, all exact (one scale: the importer's
        # share_placement_scales). The Concat of [first half, branch] is placed (no instructions);
        # the shuffle and the second half are read in place by the convs reading them; the first
        # half, a copy whose Activates write straight into the Concat's rows, runs.
        self.assertEqual(len(copies), 8, copies)
        cats = [L["name"] for L in manifest["layers"] if len(L.get("inputs", [])) == 2]
        ran = [L["name"] for L in manifest["layers"] if L["name"] in copies and
               any(L["name"] in c.get("inputs", []) for c in manifest["layers"] if c["name"] in cats)]
        self.assertEqual(len(ran), 2, ran)
        for name in copies:
            self.assert_left_out(records, name, name not in ran)

    @unittest.skipUnless(TPU_SIM, "TPU_SIM not set")
    def test_concat_of_pool_add_and_shared_conv_read_by_a_conv(self):
        manifest, copies, records = self.run_model(ConcatNet(), "concat")
        by_inputs = {L["name"]: L.get("inputs", [L.get("input")]) for L in manifest["layers"]}
        cat = [n for n in copies if len(by_inputs[n]) == 4]
        halves = [n for n in copies if len(by_inputs[n]) == 1]
        self.assertEqual((len(cat), len(halves)), (1, 2), copies)
        self.assert_left_out(records, cat[0], True)    # read by the conv `mix` alone
        for name in halves:                            # read by an Add: copied
            self.assert_left_out(records, name, False)


if __name__ == "__main__":
    unittest.main()
