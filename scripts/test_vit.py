#!/usr/bin/python3
"""Tests of the vision-transformer import (scripts/onnx_to_network.py, VisionSeqOps) on a small
torchvision VisionTransformer, the same class as vit_b_16 (docs/model_zoo.md, "Vision transformers").

Run with Debian's Python (python3-torch, python3-torchvision, python3-onnx, numpy, PyYAML), after
building tpu-sim:

    /usr/bin/python3 scripts/test_vit.py [--tpu-sim build/tpu-sim]

The model: image 32 x 32, patch 8 (16 patches + the class token = 17 tokens), 2 encoder layers,
hidden 64, 4 heads, MLP 128, 10 classes, torch.manual_seed(0) weights; torchvision initializes the
class token and the head to zeros, so both are drawn again here (normal, seeded) or the output
would not depend on the input and the class token row would be all zeros. Exported with
export_torchvision.export (nn.MultiheadAttention as MatMul/Softmax nodes, opset 13).

What is checked:
  * the importer's float interpreter reproduces PyTorch's logits (1e-5 relative);
  * the manifest maps ViT as docs/model_zoo.md says: the class token and the position embedding are
    inputs the host loads, one pixel_concat (class token, patches), the position embedding an add,
    q/k/v three 1x1 convs per layer (the packed in_proj split, no copy layer), 2 matmuls, a Softmax
    and 2 LayerNorms on the host per layer, and the class token's pixel_slice before the final
    LayerNorm (which then normalizes one token);
  * the int8 pipeline agrees with the float model (top-1, relative L2 error below 0.25);
  * tpu-sim runs the manifest with 0 golden mismatches (every output value compared).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import unittest

import numpy as np

SCRIPTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(SCRIPTS)
sys.path.insert(0, SCRIPTS)
import export_torchvision  # noqa: E402
import onnx_to_network as o2n  # noqa: E402

TPU_SIM = os.environ.get("TPU_SIM", os.path.join(ROOT, "build", "tpu-sim"))
LAYERS, HIDDEN, HEADS, MLP, IMAGE, PATCH, CLASSES = 2, 64, 4, 128, 32, 8, 10


def small_vit():
    """The small VisionTransformer (module docstring), eval mode."""
    import torch
    import torchvision
    torch.manual_seed(0)
    m = torchvision.models.VisionTransformer(image_size=IMAGE, patch_size=PATCH, num_layers=LAYERS, num_heads=HEADS,
                                             hidden_dim=HIDDEN, mlp_dim=MLP, num_classes=CLASSES).eval()
    with torch.no_grad():
        m.class_token.normal_(0.0, 0.5)
        m.heads.head.weight.normal_(0.0, 0.1)
        m.heads.head.bias.normal_(0.0, 0.1)
    return m


class VitSmall(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        import torch
        cls.tmp = tempfile.TemporaryDirectory()
        cls.model = small_vit()
        cls.onnx = os.path.join(cls.tmp.name, "vit_small.onnx")
        export_torchvision.export(cls.model, torch.zeros(1, 3, IMAGE, IMAGE), cls.onnx, 13,
                                  torch.onnx.TrainingMode.EVAL)
        cls.out = os.path.join(cls.tmp.name, "vit_small")
        cls.res = o2n.convert(cls.onnx, cls.out, batch=1, calibration=4, verbose=False)
        import yaml
        with open(os.path.join(cls.out, "workload.yaml")) as f:
            cls.doc = yaml.safe_load(f)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_float_interpreter_matches_torch(self):
        import torch
        import onnx
        x = np.random.default_rng(7).standard_normal((3, 3, IMAGE, IMAGE))
        g = o2n.Graph(onnx.load(self.onnx))     # (convert's graph has the lowering's forced scales)
        ours = o2n.nhwc_to_onnx(o2n.run_float(g, x), g.output)
        with torch.no_grad():
            want = self.model(torch.tensor(x, dtype=torch.float32)).double().numpy()
        self.assertEqual(ours.shape, want.shape)
        self.assertLess(np.abs(ours - want).max() / np.abs(want).max(), 1e-5)

    def test_manifest_maps_vit(self):
        layers = self.doc["layers"]
        ops = [L["op"] for L in layers]
        tokens = (IMAGE // PATCH) ** 2 + 1
        names = [i["name"] for i in self.doc["inputs"]]
        self.assertEqual(len(names), 3)     # the image, the class token, the position embedding
        self.assertEqual([i["shape"] for i in self.doc["inputs"]], [[IMAGE, IMAGE, 3], [1, 1, HIDDEN],
                                                                    [tokens, 1, HIDDEN]])
        cat = [L for L in layers if L["op"] == "pixel_concat"]
        self.assertEqual(len(cat), 1)
        self.assertEqual(cat[0]["inputs"], [names[1], "conv_proj"])     # no rescaling: one shared scale
        pos = layers[ops.index("pixel_concat") + 1]
        self.assertEqual((pos["op"], pos["inputs"]), ("add", [cat[0]["name"], names[2]]))
        self.assertEqual(ops.count("matmul"), 2 * LAYERS)
        hosts = [L["host_op"] for L in layers if L["op"] == "host_op"]
        self.assertEqual(hosts.count("Softmax"), LAYERS)
        self.assertEqual(hosts.count("LayerNormalization"), 2 * LAYERS + 1)
        qkv = [L for L in layers if re.search(r"self_attention\.\d+_\d+$", L["name"])]
        self.assertEqual(len(qkv), 3 * LAYERS)
        self.assertTrue(all(L["op"] == "conv" and L["outputs"] == HIDDEN for L in qkv))
        # convs: patch embedding; per layer q, k, v, out_proj, 2 MLP; the head is a dense layer
        self.assertEqual(ops.count("conv"), 1 + 6 * LAYERS)
        self.assertEqual(ops[-3:], ["pixel_slice", "host_op", "dense"])
        self.assertEqual(layers[-3]["pixels"], [0, 1])
        self.assertEqual(layers[-2]["host_op"], "LayerNormalization")

    def test_int8_agrees_with_float(self):
        a = self.res["agreement"]
        self.assertLess(a["relative_error"], 0.25)

    def test_simulator_zero_mismatches(self):
        self.assertTrue(os.path.exists(TPU_SIM), f"no simulator at {TPU_SIM} (--tpu-sim or TPU_SIM)")
        p = subprocess.run([TPU_SIM, "--config", os.path.join(ROOT, "configs", "tpu_v1.yaml"), "--workload",
                            os.path.join(self.out, "workload.yaml")], capture_output=True, text=True,
                           env=dict(os.environ, SC_COPYRIGHT_MESSAGE="DISABLE"))
        m = re.search(r"golden\s+(\d+) mismatches(?: of (\d+))?", p.stdout)
        self.assertIsNotNone(m, p.stdout + p.stderr)
        self.assertEqual(int(m.group(1)), 0, p.stdout)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(add_help=False)
    ap.add_argument("--tpu-sim")
    known, rest = ap.parse_known_args()
    if known.tpu_sim:
        TPU_SIM = known.tpu_sim
    result = unittest.main(argv=[sys.argv[0]] + rest, exit=False).result
    failed = len(result.failures) + len(result.errors)
    print(f"{result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
