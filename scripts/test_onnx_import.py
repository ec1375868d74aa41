#!/usr/bin/python3
"""Tests of scripts/onnx_to_network.py and scripts/export_torchvision.py.

Run with Debian's Python (python3-torch, python3-onnx, numpy, PyYAML):

    /usr/bin/python3 scripts/test_onnx_import.py            # unit tests + resnet18 at 64x64
    /usr/bin/python3 scripts/test_onnx_import.py --full     # also resnet18 at 224x224
    TPU_SIM=build/cli/tpu-sim /usr/bin/python3 scripts/test_onnx_import.py   # also runs the simulator
                                                             # on the small manifests (golden check)

What is checked:
  * the converter's float interpreter reproduces PyTorch (Conv+BN+ReLU+MaxPool+residual Add+
    GlobalAveragePool+Flatten+Gemm; Sigmoid/Tanh/Mul/Sub/scalar Mul; Flatten of a spatial tensor
    into a Linear, which needs the C,H,W -> H,W,C row permutation; resnet18) to 1e-5 relative;
  * the manifest: format, layer ops and order, fused activations, BatchNormalization folded,
    weight/bias file sizes, requant fields in range, golden.i8 = scripts/tpu_ref.py's output;
  * the int8 pipeline (tpu_ref on the written manifest) against the float model: mean |error| within
    a few output quantization steps, top-1 agreement where the model's outputs depend on the input;
  * asymmetric Conv padding, MaxPool ceil_mode, AveragePool count_include_pad=1 (onnx.helper models)
    against a PyTorch rendering of the same graph;
  * QDQ and QLinearConv/QLinearMatMul models: the model's own scales, zero points and int8 weights
    are used; the int8 output matches ONNX's integer QLinearConv semantics (within 1 on ties);
    a PyTorch eager-mode quantized model (fbgemm) exported to ONNX: int8 output within 1 step of
    PyTorch's own quantized execution;
  * unsupported operators and attributes (LSTM's clip, dilated Conv, ...) exit 2, all listed, nothing written;
    AveragePool count_include_pad=0 with padding needs --approximate-avgpool;
  * the same command writes the same bytes.
"""
import os
import subprocess
import sys
import tempfile
import time
import unittest

import numpy as np

SCRIPTS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, SCRIPTS)
import onnx_to_network as o2n  # noqa: E402
import tpu_ref  # noqa: E402

PY = "/usr/bin/python3"
CONVERTER = os.path.join(SCRIPTS, "onnx_to_network.py")
EXPORTER = os.path.join(SCRIPTS, "export_torchvision.py")
FULL = "--full" in sys.argv
if FULL:
    sys.argv.remove("--full")

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import onnx  # noqa: E402
from onnx import helper, numpy_helper, TensorProto  # noqa: E402


def export(model, shape, path, keep_bn=True, opset=13):
    """Exports a PyTorch model to ONNX (opset 13, or `opset`) at `path` with a zero input of `shape`
    (NCHW or [N, F]); keep_bn keeps BatchNormalization nodes (training PRESERVE), else EVAL.
    Returns path."""
    model.eval()
    mode = torch.onnx.TrainingMode.PRESERVE if keep_bn else torch.onnx.TrainingMode.EVAL
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, torch.zeros(*shape), path, opset_version=opset, training=mode)
    return path


def torch_out(model, x):
    """PyTorch's float32 output of `model` on the numpy input x, as float64."""
    with torch.no_grad():
        return model(torch.tensor(x, dtype=torch.float32)).numpy().astype(np.float64)


def float_out(path, x):
    """The converter's float64 interpreter on the ONNX model at `path` for input x (ONNX layout),
    output in ONNX layout (NCHW or [N, F])."""
    g = o2n.Graph(onnx.load(path))
    return o2n.nhwc_to_onnx(o2n.run_float(g, x), g.output)


def run_cli(*args):
    """Runs onnx_to_network.py with `args` (str()-ed); returns the CompletedProcess (text output)."""
    return subprocess.run([PY, CONVERTER] + [str(a) for a in args], capture_output=True, text=True)


def read_manifest(outdir):
    """outdir/workload.yaml parsed with PyYAML (a dict)."""
    import yaml
    with open(os.path.join(outdir, "workload.yaml")) as f:
        return yaml.safe_load(f)


def seeded_bn(bn, gen):
    """Sets a BatchNorm2d's running statistics and affine parameters from the torch generator
    `gen` (so folding it into the Conv is not the identity)."""
    n = bn.num_features
    bn.running_mean.copy_(torch.rand(n, generator=gen) - 0.5)
    bn.running_var.copy_(torch.rand(n, generator=gen) * 1.5 + 0.5)
    bn.weight.data.copy_(torch.rand(n, generator=gen) + 0.5)
    bn.bias.data.copy_(torch.rand(n, generator=gen) * 0.4 - 0.2)


class ResNetish(nn.Module):
    """Conv+BN+ReLU, MaxPool, residual block (Add + ReLU), GlobalAveragePool, Flatten, Gemm."""

    def __init__(self):
        super().__init__()
        g = torch.Generator().manual_seed(1)
        self.conv1, self.bn1 = nn.Conv2d(3, 16, 3, stride=1, padding=1), nn.BatchNorm2d(16)
        self.pool = nn.MaxPool2d(3, stride=2, padding=1)
        self.conv2, self.bn2 = nn.Conv2d(16, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16)
        self.conv3, self.bn3 = nn.Conv2d(16, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 10)
        for bn in (self.bn1, self.bn2, self.bn3):
            seeded_bn(bn, g)

    def forward(self, x):
        y = self.pool(torch.relu(self.bn1(self.conv1(x))))
        z = torch.relu(self.bn2(self.conv2(y)))
        z = self.bn3(self.conv3(z))
        y = torch.relu(y + z)
        return self.fc(torch.flatten(self.gap(y), 1))


class Gates(nn.Module):
    """Sigmoid, Tanh, Mul of two activations, Sub, Mul by a scalar, Flatten of a spatial tensor."""

    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(4, 6, 3, stride=2)
        self.b = nn.Conv2d(4, 6, 3, stride=2)
        self.c = nn.Conv2d(4, 6, 3, stride=2)
        self.fc = nn.Linear(6 * 5 * 4, 7)

    def forward(self, x):
        s = torch.sigmoid(self.a(x))
        t = torch.tanh(self.b(x))
        g = s * t                      # mul (sigmoid output has zero point -128)
        d = (g - self.c(x) * 0.5)      # scalar Mul -> activate, Sub -> add with a negative scale
        return torch.tanh(self.fc(torch.flatten(torch.relu(d), 1)))


class ZeroPoints(nn.Module):
    """Tensors with zero point -128 (sigmoid outputs) read by a padded conv (re-centering layer), an
    unpadded conv (zero point folded into the bias), a global average pool and a Mul; a standalone
    Sigmoid on a MaxPool output (an `activate` layer)."""

    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(3, 8, 3, padding=1)
        self.b = nn.Conv2d(8, 8, 3, padding=1)
        self.c = nn.Conv2d(8, 8, 1)
        self.pool = nn.MaxPool2d(2)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 6)

    def forward(self, x):
        s = torch.sigmoid(self.a(x))
        y = torch.relu(self.b(s) + self.c(s))
        z = torch.sigmoid(self.pool(y))
        g = self.gap(z) * self.gap(s)
        return self.fc(torch.flatten(g, 1))


class Dense(nn.Module):
    """MLP on a [N, F] input: MatMul + bias Add (x @ W + b), Relu, Gemm."""

    def __init__(self):
        super().__init__()
        g = torch.Generator().manual_seed(3)
        self.w = nn.Parameter(torch.randn(20, 32, generator=g) * 0.3)
        self.b = nn.Parameter(torch.randn(32, generator=g) * 0.1)
        self.fc = nn.Linear(32, 5)

    def forward(self, x):
        return self.fc(torch.relu(x @ self.w + self.b))


class Encoderish(nn.Module):
    """Host operations: Linear, LayerNorm (Scale, B), Linear, Softmax over the features."""

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(16, 24)
        self.ln = nn.LayerNorm(24)
        with torch.no_grad():
            g = torch.Generator().manual_seed(5)
            self.ln.weight.copy_(1 + 0.3 * torch.randn(24, generator=g))
            self.ln.bias.copy_(0.1 * torch.randn(24, generator=g))
        self.b = nn.Linear(24, 10)

    def forward(self, x):
        return torch.softmax(self.b(self.ln(self.a(x))), dim=-1)


class ChannelSoftmax(nn.Module):
    """Softmax over the channels of a conv's NCHW output (ONNX axis 1)."""

    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(3, 12, 3, padding=1)

    def forward(self, x):
        return torch.softmax(self.c(x), dim=1)


class TestNumberHelpers(unittest.TestCase):
    """The converter's requant encoding: tpu_ref.encode_multiplier with shift 0 allowed and shifts
    above 62 clamped (warning)."""

    def test_encode_multiplier(self):
        import contextlib
        import io
        self.assertEqual(o2n.encode_multiplier(1.0, "w"), (1 << 30, 30))
        self.assertEqual(o2n.encode_multiplier(2.0 ** 30 + 0.3, "w"), (1 << 30, 0))   # shift 0
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            self.assertEqual(o2n.encode_multiplier(2.0 ** -32, "w"), (1 << 30, 62))
        self.assertEqual(err.getvalue(), "")
        with contextlib.redirect_stderr(err):
            self.assertEqual(o2n.encode_multiplier(3 * 2.0 ** -42, "w"), (3 << 20, 62))
        self.assertIn("w: requantization multiplier", err.getvalue())
        self.assertIn("< 2^-32; using shift 62, multiplier 3145728", err.getvalue())
        for bad, msg in ((2.0 ** 31, ">= 2^31 cannot"), (2.0 ** 31 - 0.25, "rounds to 2^31"),
                         (0.0, "positive and finite"), (float("inf"), "positive and finite")):
            with self.assertRaisesRegex(o2n.ConvertError, "^w: .*" + msg.replace("^", "\\^")):
                o2n.encode_multiplier(bad, "w")
        self.assertEqual(o2n.round_away([-2.5, 0.5, 1.4]).tolist(), [-3.0, 1.0, 1.0])


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="onnx_import_")
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def convert(self, onnx_path, batch=32, **kw):
        """o2n.convert of onnx_path into DIR/net with `batch` samples (kw: convert's options);
        returns (output directory, convert's result dict)."""
        out = os.path.join(self.dir, "net")
        r = o2n.convert(onnx_path, out, batch=batch, verbose=False, **kw)
        return out, r

    def export_and_convert(self, model, shape, name, x, batch, atol=None, opset=13, **kw):
        """Exports `model` (input `shape`) to DIR/name, checks the converter's float interpreter
        against PyTorch on the input x (absolute tolerance atol, default 1e-5 of max |output|),
        converts with `batch` samples (kw: convert's options) and checks the manifest.
        Returns (ONNX path, output directory, convert's result, manifest dict)."""
        path = export(model, shape, os.path.join(self.dir, name), opset=opset)
        f = float_out(path, x)
        t = torch_out(model, x)
        np.testing.assert_allclose(f, t, rtol=0, atol=1e-5 * np.abs(t).max() if atol is None else atol)
        out, r = self.convert(path, batch=batch, **kw)
        m = self.check_manifest(out, batch)
        return path, out, r, m

    def check_agreement(self, r, mean_steps, relative=None, top1=None):
        """Asserts convert's int8-vs-float agreement: mean |error| < mean_steps output quantization
        steps, relative error < relative and top-1 agreement >= top1 (each when given).
        Returns the agreement dict."""
        a = r["agreement"]
        self.assertLess(a["mean_abs_error_steps"], mean_steps, a)
        if relative is not None:
            self.assertLess(a["relative_error"], relative, a)
        if top1 is not None:
            self.assertGreaterEqual(a["top1_agreement"], top1, a)
        return a

    def check_manifest(self, outdir, batch, simulate=True):
        """Checks outdir's manifest and files: format, samples, unique layer names, output = last
        layer, input/weight/bias file sizes, requant ranges, golden.i8 = tpu_ref's output (and,
        with TPU_SIM set and simulate, the simulator's golden check). Returns the manifest dict."""
        m = read_manifest(outdir)
        self.assertEqual(m["format"], "network")
        self.assertEqual(m["samples"], batch)
        self.assertEqual(m["golden"], "golden.i8")
        names = [layer["name"] for layer in m["layers"]]
        self.assertEqual(len(names), len(set(names)))
        self.assertEqual(m["output"], names[-1])
        shapes = {m["inputs"][0]["name"]: tuple(m["inputs"][0]["shape"])}
        h, w, c = m["inputs"][0]["shape"]
        self.assertEqual(os.path.getsize(os.path.join(outdir, "input.i8")), batch * h * w * c)
        for L in m["layers"]:
            if "requant" in L:
                rq = L["requant"]
                self.assertTrue(0 <= rq["multiplier"] < 2 ** 31 and 0 <= rq["shift"] <= 62, L["name"])
                lo, hi = {"uint8": (0, 255), "int16": (-32768, 32767)}.get(L.get("output_type"), (-128, 127))
                self.assertTrue(lo <= rq["zero_point"] <= hi, L["name"])
            if L["op"] in ("conv", "dense"):
                src = shapes[L["input"]]
                k = L.get("kernel", [1, 1]) if L["op"] == "conv" else [1, 1]
                cin = src[2] // L.get("groups", 1) if L["op"] == "conv" else src[0] * src[1] * src[2]
                self.assertEqual(os.path.getsize(os.path.join(outdir, L["weights"])), k[0] * k[1] * cin * L["outputs"])
                self.assertEqual(os.path.getsize(os.path.join(outdir, L["bias"])), 4 * L["outputs"])
            shapes[L["name"]] = self.layer_shape(L, shapes)
        # golden.i8 against tpu_ref is a plumbing check (the converter wrote golden.i8 with tpu_ref
        # itself): it shows the manifest reloads and the file is complete. The independent check
        # of the integer semantics is the TPU_SIM branch below (the C++ simulator against it).
        net = tpu_ref.load_network(os.path.join(outdir, "workload.yaml"))
        out = tpu_ref.run_network(net)
        golden = np.fromfile(os.path.join(outdir, "golden.i8"), np.int8)
        np.testing.assert_array_equal(np.asarray(out, np.int8).reshape(-1), golden)
        self.assertEqual(golden.size, batch * int(np.prod(shapes[names[-1]])))
        sim = os.environ.get("TPU_SIM")
        if sim and simulate:
            p = subprocess.run([sim, "--workload", os.path.join(outdir, "workload.yaml")], capture_output=True,
                               text=True)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertIn("golden    0 mismatches", p.stdout)
        return m

    @staticmethod
    def layer_shape(L, shapes):
        """(H, W, C) of manifest layer L, given the shapes of the tensors before it (a dict)."""
        src = shapes[L["input"] if "input" in L else L["inputs"][0]]
        if L["op"] == "dense":
            return (1, 1, L["outputs"])
        if L["op"] in ("conv", "maxpool", "avgpool"):
            if L.get("global"):
                return (1, 1, src[2])
            kh, kw = L["kernel"]
            sh, sw = L.get("stride", [1, 1])
            t, l, b, r = L.get("pad", [0, 0, 0, 0])
            return ((src[0] + t + b - kh) // sh + 1, (src[1] + l + r - kw) // sw + 1,
                    L["outputs"] if L["op"] == "conv" else src[2])
        return src


class TestFloatModels(Base):
    def test_resnet_like(self):
        model = ResNetish()
        x = np.random.default_rng(7).standard_normal((4, 3, 16, 12))
        path, out, r, m = self.export_and_convert(model, (1, 3, 16, 12), "r.onnx", x, 32)
        ops = [n.op_type for n in onnx.load(path).graph.node]
        self.assertEqual(ops.count("BatchNormalization"), 3, ops)   # folding is done by the converter
        self.assertEqual([L["op"] for L in m["layers"]], ["conv", "maxpool", "conv", "conv", "add", "avgpool", "dense"])
        acts = {L["name"]: L.get("activation") for L in m["layers"]}
        self.assertEqual([acts[L["name"]] for L in m["layers"] if L["op"] in ("conv", "add", "dense")],
                         ["relu", "relu", "identity", "relu", "identity"])
        self.assertEqual(m["layers"][0]["pad"], [1, 1, 1, 1])
        self.assertEqual(m["layers"][1]["pad"], [1, 1, 1, 1])
        self.assertTrue(m["layers"][5]["global"])
        self.check_agreement(r, 1.5, relative=0.05, top1=0.9)

    def test_gates_sigmoid_tanh_mul(self):
        torch.manual_seed(2)
        model = Gates()
        x = np.random.default_rng(8).standard_normal((4, 4, 11, 9))
        _, out, r, m = self.export_and_convert(model, (1, 4, 11, 9), "g.onnx", x, 64)
        by = {L["name"]: L for L in m["layers"]}
        ops = [(L["op"], L.get("activation")) for L in m["layers"]]
        self.assertIn(("conv", "sigmoid"), ops)
        self.assertIn(("conv", "tanh"), ops)
        self.assertIn(("mul", "identity"), ops)
        self.assertIn(("activate", "identity"), ops)       # the * 0.5
        self.assertIn(("add", "relu"), ops)                # Sub + Relu
        self.assertEqual(ops[-1], ("dense", "tanh"))
        mul = [L for L in m["layers"] if L["op"] == "mul"][0]
        self.assertEqual(mul["operand_offsets"], [128, 0])  # sigmoid output: zero point -128
        sub = [L for L in m["layers"] if L["op"] == "add"][0]
        self.assertLess(sub["operand_multipliers"][1], 0)   # the wide add: b's multiplier negated for Sub
        self.assertEqual(sub["requant"]["multiplier"], 1)
        dense = by[m["output"]]
        self.assertEqual(os.path.getsize(os.path.join(out, dense["weights"])), 5 * 4 * 6 * 7)
        a = self.check_agreement(r, 2.0)
        # the output goes through tanh's LUT: Q3.4 input (steps of 1/16) and 1/128 output steps, so
        # close logits tie or swap; the int8 top-1 stays within the float top-5
        self.assertGreaterEqual(a["top1_agreement"], 0.7, a)
        self.assertEqual(a["top1_in_float_top5"], 1.0, a)
        self.assertGreater(a["float_top1_classes"], 1, a)

    def test_zero_points(self):
        torch.manual_seed(5)
        model = ZeroPoints()
        x = np.random.default_rng(10).standard_normal((4, 3, 10, 10))
        _, out, r, m = self.export_and_convert(model, (1, 3, 10, 10), "z.onnx", x, 64, calibration=128)
        ops = [(L["op"], L.get("activation")) for L in m["layers"]]
        self.assertEqual(ops, [("conv", "sigmoid"), ("activate", "identity"), ("conv", "identity"),
                               ("conv", "identity"), ("add", "relu"), ("maxpool", None), ("activate", "sigmoid"),
                               ("avgpool", None), ("avgpool", None), ("mul", "identity"), ("dense", "identity")])
        L = m["layers"]
        self.assertTrue(L[1]["name"].endswith("_recenter"))
        self.assertEqual(L[1]["operand_offset"], 128)
        self.assertEqual(L[2]["input"], L[1]["name"])              # the padded conv reads the re-centered copy
        self.assertEqual(L[3]["input"], L[0]["name"])              # the 1x1 conv reads the sigmoid output
        w = np.fromfile(os.path.join(out, L[3]["weights"]), np.int8).reshape(8, 8).astype(np.int64)
        b = np.fromfile(os.path.join(out, L[3]["bias"]), "<i4").astype(np.int64)
        b0 = b - 128 * w.sum(axis=0)                                # minus the folded zero point
        self.assertLess(np.abs(b0).max(), np.abs(b).max())
        self.assertEqual(L[7]["requant"]["zero_point"], 0)          # avgpool of zp -128 keeps it
        self.assertEqual(L[9]["operand_offsets"], [128, 128])
        self.check_agreement(r, 2.0, relative=0.05)

    def test_dense_matmul_bias(self):
        torch.manual_seed(4)
        model = Dense()
        x = np.random.default_rng(9).standard_normal((6, 20))
        # small model: calibration is cheap, more samples give fewer saturations
        path, out, r, m = self.export_and_convert(model, (1, 20), "d.onnx", x, 64, atol=1e-6,
                                                  calibration=256)
        ops = [n.op_type for n in onnx.load(path).graph.node]
        self.assertIn("MatMul", ops)
        self.assertIn("Add", ops)
        self.assertEqual([(L["op"], L["activation"]) for L in m["layers"]], [("dense", "relu"), ("dense", "identity")])
        self.assertEqual(m["inputs"][0]["shape"], [1, 1, 20])
        self.check_agreement(r, 1.5, top1=0.9)

    def test_deterministic(self):
        path = export(ResNetish(), (1, 3, 8, 8), os.path.join(self.dir, "r.onnx"))
        dirs = []
        for i in range(2):
            d = os.path.join(self.dir, f"o{i}")
            p = run_cli(path, d, "--batch", 3, "--calibration", 5, "--name", "det")
            self.assertEqual(p.returncode, 0, p.stderr)
            dirs.append(d)
        files = sorted(os.listdir(dirs[0]))
        self.assertEqual(files, sorted(os.listdir(dirs[1])))
        for fn in files:
            with open(os.path.join(dirs[0], fn), "rb") as a, open(os.path.join(dirs[1], fn), "rb") as b:
                self.assertEqual(a.read(), b.read(), fn)
        self.assertEqual(read_manifest(dirs[0])["name"], "det")


# ---- onnx.helper models

def make_model(nodes, inputs, outputs, inits, opset=13):
    """An onnx.helper ModelProto of `nodes` with graph inputs/outputs (value infos) and the
    initializers `inits` (name -> numpy array), default domain at `opset`, IR version 7."""
    graph = helper.make_graph(nodes, "g", inputs, outputs, [numpy_helper.from_array(v, k) for k, v in inits.items()])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 7
    return m


def vinfo(name, shape, t=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, t, shape)


class TestHostOps(Base):
    """Softmax and LayerNormalization become host_op layers (host/manifest/host_op.h) that the
    simulator runs through Interrupt_Host with 0 golden mismatches (TPU_SIM)."""

    def test_layernorm_softmax_dense(self):
        torch.manual_seed(6)
        x = np.random.default_rng(11).standard_normal((6, 16))
        # opset 17: PyTorch exports nn.LayerNorm as one LayerNormalization node
        path, out, r, m = self.export_and_convert(Encoderish(), (1, 16), "e.onnx", x, 16, calibration=64, opset=17)
        ops = [n.op_type for n in onnx.load(path).graph.node]
        self.assertIn("LayerNormalization", ops)
        self.assertIn("Softmax", ops)
        self.assertEqual([(L["op"], L.get("host_op")) for L in m["layers"]],
                         [("dense", None), ("host_op", "LayerNormalization"), ("dense", None), ("host_op", "Softmax")])
        ln = m["layers"][1]["params"]
        self.assertEqual(len(ln["gamma"]), 24)
        self.assertEqual(m["layers"][3]["params"].keys(), {"input_scale"})
        self.check_agreement(r, 1.5)

    def test_softmax_over_channels(self):
        torch.manual_seed(7)
        x = np.random.default_rng(12).standard_normal((4, 3, 6, 5))
        path, out, r, m = self.export_and_convert(ChannelSoftmax(), (1, 3, 6, 5), "c.onnx", x, 8, calibration=32)
        self.assertEqual([L["op"] for L in m["layers"]], ["conv", "host_op"])
        self.check_agreement(r, 1.5)

    def test_softmax_over_width_is_unsupported(self):
        nodes = [helper.make_node("Softmax", ["x"], ["y"], name="sm_w", axis=-1)]
        path = os.path.join(self.dir, "w.onnx")
        onnx.save(make_model(nodes, [vinfo("x", [1, 2, 4, 4])], [vinfo("y", None)], {}), path)
        p = run_cli(path, os.path.join(self.dir, "o"))
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn("Softmax node 'sm_w': axis -1", p.stderr)


class TestHelperModels(Base):
    def save(self, m, name):
        """Saves ONNX model m as DIR/name; returns the path."""
        path = os.path.join(self.dir, name)
        onnx.save(m, path)
        return path

    def test_asymmetric_pads_and_pools(self):
        rng = np.random.default_rng(11)
        w1 = (rng.standard_normal((6, 3, 3, 2)) * 0.3).astype(np.float32)
        b1 = (rng.standard_normal(6) * 0.1).astype(np.float32)
        w2 = (rng.standard_normal((5, 6, 2, 2)) * 0.3).astype(np.float32)
        nodes = [
            helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv_asym", pads=[0, 1, 2, 1], strides=[2, 1]),
            helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
            helper.make_node("MaxPool", ["r1"], ["p1"], name="pool_ceil", kernel_shape=[2, 2], strides=[2, 2],
                             ceil_mode=1),
            helper.make_node("Conv", ["p1", "w2"], ["c2"], name="conv_same", auto_pad="SAME_UPPER"),
            helper.make_node("AveragePool", ["c2"], ["y"], name="avg_incl", kernel_shape=[2, 2], pads=[1, 0, 0, 1],
                             count_include_pad=1),
        ]
        m = make_model(nodes, [vinfo("x", [1, 3, 13, 10])], [vinfo("y", None)], {"w1": w1, "b1": b1, "w2": w2})
        path = self.save(m, "asym.onnx")
        x = rng.standard_normal((3, 3, 13, 10))
        f = float_out(path, x)
        # PyTorch rendering of the same graph
        import torch.nn.functional as F
        tx = torch.tensor(x)
        y = F.conv2d(F.pad(tx, (1, 1, 0, 2)), torch.tensor(w1, dtype=torch.float64),
                     torch.tensor(b1, dtype=torch.float64), stride=(2, 1))
        y = F.max_pool2d(torch.relu(y), 2, 2, ceil_mode=True)
        y = F.conv2d(F.pad(y, (0, 1, 0, 1)), torch.tensor(w2, dtype=torch.float64))    # SAME_UPPER, k=2
        y = F.avg_pool2d(F.pad(y, (0, 1, 1, 0)), 2, stride=1)                            # count_include_pad
        np.testing.assert_allclose(f, y.numpy(), rtol=0, atol=1e-9)
        out, r = self.convert(path, batch=16)
        mf = self.check_manifest(out, 16)
        L = {l["name"]: l for l in mf["layers"]}
        self.assertEqual(L["conv_asym"]["pad"], [0, 1, 2, 1])
        self.assertEqual(L["conv_asym"]["stride"], [2, 1])
        self.assertEqual(L["conv_asym"]["activation"], "relu")
        self.assertEqual(L["pool_ceil"]["pad"], [0, 0, 1, 1])   # ceil_mode: 7x11 -> 4x6, not 3x5
        self.assertEqual(L["conv_same"]["pad"], [0, 0, 1, 1])
        self.assertEqual(L["avg_incl"]["pad"], [1, 0, 0, 1])
        self.check_agreement(r, 1.0)

    def avgpool_model(self, include):
        """Saves a 3x3 AveragePool (pads 1, count_include_pad=include) + Relu model on a
        [1, 2, 6, 6] input; returns its path."""
        nodes = [helper.make_node("AveragePool", ["x"], ["a"], name="avg", kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                                  count_include_pad=include),
                 helper.make_node("Relu", ["a"], ["y"], name="relu")]
        return self.save(make_model(nodes, [vinfo("x", [1, 2, 6, 6])], [vinfo("y", None)], {}), f"avg{include}.onnx")

    def test_avgpool_count_include_pad_0(self):
        path = self.avgpool_model(0)
        out = os.path.join(self.dir, "o")
        p = run_cli(path, out)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("AveragePool node 'avg'", p.stderr)
        self.assertIn("--approximate-avgpool", p.stderr)
        self.assertFalse(os.path.exists(out))
        p = run_cli(path, out, "--approximate-avgpool")
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(out, "workload.yaml")) as f:
            self.assertIn("approximation: AveragePool 'avg'", f.read())

    def test_unsupported_ops_listed(self):
        rng = np.random.default_rng(1)
        w = rng.standard_normal((4, 2, 3, 3)).astype(np.float32)
        wg = rng.standard_normal((4, 4, 3, 3)).astype(np.float32)
        nodes = [
            helper.make_node("Conv", ["x", "w"], ["c"], name="conv_ok", pads=[1, 1, 1, 1]),
            helper.make_node("Conv", ["c", "wg"], ["cg"], name="conv_dilated", dilations=[2, 2]),
            helper.make_node("Flatten", ["cg"], ["f"], name="flat"),
            helper.make_node("Softmax", ["f"], ["s"], name="the_softmax"),
            helper.make_node("Unsqueeze", ["s", "ax"], ["u"], name="unsq"),
            helper.make_node("LSTM", ["u", "lw", "lr"], ["y"], name="my_lstm", hidden_size=3, clip=1.0),
        ]
        inits = {"w": w, "wg": wg, "ax": np.array([0], np.int64),
                 "lw": np.zeros((1, 12, 64), np.float32), "lr": np.zeros((1, 12, 3), np.float32)}
        path = self.save(make_model(nodes, [vinfo("x", [1, 2, 4, 4])], [vinfo("y", None)], inits), "bad.onnx")
        out = os.path.join(self.dir, "o")
        p = run_cli(path, out)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        # (Unsqueeze is folded on constants; on an activation it is reported once shapes are known;
        # Softmax over the channels runs on the host)
        for s in ("LSTM node 'my_lstm': clip=1.0", "Conv node 'conv_dilated': dilations=[2, 2]"):
            self.assertIn(s, p.stderr)
        self.assertNotIn("conv_ok", p.stderr)
        self.assertFalse(os.path.exists(out))

    def test_unsupported_broadcast_and_reshape(self):
        nodes = [helper.make_node("Relu", ["x"], ["r"], name="relu"),
                 helper.make_node("Reshape", ["r", "shp"], ["y"], name="bad_reshape")]
        path = self.save(make_model(nodes, [vinfo("x", [1, 2, 4, 4])], [vinfo("y", None)],
                                    {"shp": np.array([1, 8, 4], np.int64)}), "rs.onnx")
        p = run_cli(path, os.path.join(self.dir, "o"))
        self.assertEqual(p.returncode, 2)
        self.assertIn("Reshape node 'bad_reshape'", p.stderr)

    # -- quantized models
    def test_qdq_model_uses_model_scales(self):
        rng = np.random.default_rng(5)
        wq = rng.integers(-127, 128, (4, 3, 3, 3)).astype(np.int8)
        fq = rng.integers(-127, 128, (10, 4 * 4 * 4)).astype(np.int8)
        s_x, s_w, s_r, s_f = 0.03, 0.004, 0.05, 0.002
        nodes = [
            helper.make_node("QuantizeLinear", ["x", "sx", "zx"], ["xq"], name="q_in"),
            helper.make_node("DequantizeLinear", ["xq", "sx", "zx"], ["xd"], name="dq_in"),
            helper.make_node("DequantizeLinear", ["wq", "sw"], ["wd"], name="dq_w"),
            helper.make_node("Conv", ["xd", "wd"], ["c"], name="conv", pads=[1, 1, 1, 1], strides=[2, 2]),
            helper.make_node("Relu", ["c"], ["r"], name="relu"),
            helper.make_node("QuantizeLinear", ["r", "sr", "zr"], ["rq"], name="q_r"),
            helper.make_node("DequantizeLinear", ["rq", "sr", "zr"], ["rd"], name="dq_r"),
            helper.make_node("Flatten", ["rd"], ["fl"], name="flat"),
            helper.make_node("DequantizeLinear", ["fq", "sf"], ["fd"], name="dq_f"),
            helper.make_node("Gemm", ["fl", "fd"], ["y"], name="fc", transB=1),
        ]
        inits = {"sx": np.array(s_x, np.float32), "zx": np.array(0, np.int8), "wq": wq,
                 "sw": np.array(s_w, np.float32), "sr": np.array(s_r, np.float32), "zr": np.array(0, np.uint8),
                 "fq": fq, "sf": np.array(s_f, np.float32)}
        path = self.save(make_model(nodes, [vinfo("x", [1, 3, 8, 8])], [vinfo("y", None)], inits), "qdq.onnx")
        out, r = self.convert(path, batch=32)
        m = self.check_manifest(out, 32)
        with open(os.path.join(out, "workload.yaml")) as f:
            text = f.read()
        self.assertIn(f"scale {np.float32(s_x):.9g}, zero point 0", text)
        conv = m["layers"][0]
        # the model's int8 weights, kept exactly: [kh][kw][C][M]
        w_file = np.fromfile(os.path.join(out, conv["weights"]), np.int8).reshape(3, 3, 3, 4)
        np.testing.assert_array_equal(w_file, wq.transpose(2, 3, 1, 0))
        # relu output quantized to uint8 zero point 0: the conv writes uint8 (network.h element types)
        self.assertEqual(conv["requant"]["zero_point"], 0)
        self.assertEqual(conv["output_type"], "uint8")
        self.assertEqual(conv["activation"], "relu")
        fc = m["layers"][-1]
        self.assertEqual(fc["op"], "dense")
        # the dense input is uint8 with zero point 0 (the MXU reads it unsigned): nothing folded into the
        # bias (the Gemm has none)
        b = np.fromfile(os.path.join(out, fc["bias"]), "<i4")
        wf = np.fromfile(os.path.join(out, fc["weights"]), np.int8).reshape(-1, 10)
        np.testing.assert_array_equal(b, np.zeros(10))
        # the dense weights are the model's, rows permuted from C,H,W to H,W,C order
        hh, ww, cc = np.meshgrid(np.arange(4), np.arange(4), np.arange(4), indexing="ij")
        np.testing.assert_array_equal(wf, fq.T[(cc * 16 + hh * 4 + ww).reshape(-1)])
        self.check_agreement(r, 1.0)

    def test_qlinear_conv_matmul(self):
        rng = np.random.default_rng(6)
        w1 = rng.integers(-100, 101, (5, 2, 3, 3)).astype(np.int8)
        B1 = rng.integers(-500, 500, 5).astype(np.int32)
        w2 = rng.integers(-100, 101, (4, 5, 2, 2)).astype(np.int8)
        B2 = rng.integers(-500, 500, 4).astype(np.int32)
        w3 = rng.integers(-100, 101, (4 * 2 * 2, 6)).astype(np.int8)
        sc = {"sx": 0.02, "s1": 0.005, "sy1": 0.04, "s2": 0.006, "sy2": 0.05, "s3": 0.004, "sy3": 0.03}
        inits = {k: np.array(v, np.float32) for k, v in sc.items()}
        inits.update({"zx": np.array(0, np.int8), "zw": np.array(0, np.int8), "zy1": np.array(7, np.int8),
                      "zy2": np.array(140, np.uint8), "zy3": np.array(-3, np.int8), "w1": w1, "B1": B1, "w2": w2,
                      "B2": B2, "w3": w3, "shape": np.array([1, -1], np.int64)})
        nodes = [
            helper.make_node("QuantizeLinear", ["x", "sx", "zx"], ["xq"], name="q_in"),
            helper.make_node("QLinearConv", ["xq", "sx", "zx", "w1", "s1", "zw", "sy1", "zy1", "B1"], ["y1"],
                             name="qconv1", pads=[1, 1, 1, 1], strides=[2, 2]),
            # input zero point 7, no padding: folded into the bias exactly
            helper.make_node("QLinearConv", ["y1", "sy1", "zy1", "w2", "s2", "zw", "sy2", "zy2", "B2"], ["y2"],
                             name="qconv2", strides=[2, 2]),
            helper.make_node("Reshape", ["y2", "shape"], ["y2f"], name="flatten"),
            helper.make_node("QLinearMatMul", ["y2f", "sy2", "zy2", "w3", "s3", "zw", "sy3", "zy3"], ["y3"],
                             name="qmatmul"),
            helper.make_node("DequantizeLinear", ["y3", "sy3", "zy3"], ["y"], name="dq_out"),
        ]
        path = self.save(make_model(nodes, [vinfo("x", [1, 2, 9, 9])], [vinfo("y", None)], inits), "ql.onnx")
        out, r = self.convert(path, batch=32)
        m = self.check_manifest(out, 32)
        self.assertEqual([L["op"] for L in m["layers"]], ["conv", "conv", "dense"])
        self.assertEqual(m["layers"][1]["output_type"], "uint8")     # y2: uint8, zero point 140, kept
        self.assertEqual(m["layers"][1]["requant"]["zero_point"], 140)
        # ONNX integer semantics, computed here directly (uint8 zero point 140 as int8 12: the same values)
        x = np.fromfile(os.path.join(out, "input.i8"), np.int8).reshape(32, 9, 9, 2).astype(np.int64)

        def qconv(x, w, B, s_in, s_w, s_out, zin, zout, stride, pad):
            xt = torch.tensor((x - zin).transpose(0, 3, 1, 2), dtype=torch.float64)
            acc = torch.nn.functional.conv2d(xt, torch.tensor(w, dtype=torch.float64), stride=stride, padding=pad)
            acc = acc.numpy().transpose(0, 2, 3, 1) + B
            return np.clip(np.rint(acc * (np.float32(s_in) * np.float32(s_w) / np.float32(s_out))) + zout, -128, 127)

        y1 = qconv(x, w1, B1, sc["sx"], sc["s1"], sc["sy1"], 0, 7, 2, 1)
        y2 = qconv(y1, w2, B2, sc["sy1"], sc["s2"], sc["sy2"], 7, 12, 2, 0)
        f = (y2 - 12).transpose(0, 3, 1, 2).reshape(32, -1)       # ONNX flatten order
        y3 = np.clip(np.rint(f @ w3.astype(np.int64) * (np.float32(sc["sy2"]) * np.float32(sc["s3"]) /
                                                        np.float32(sc["sy3"]))) - 3, -128, 127)
        got = np.fromfile(os.path.join(out, "golden.i8"), np.int8).reshape(32, 6)
        diff = np.abs(got.astype(np.int64) - y3)
        self.assertLessEqual(diff.max(), 1)
        self.assertGreater(np.mean(diff == 0), 0.97)
        self.assertEqual(m["layers"][0]["requant"]["zero_point"], 7)
        self.assertEqual(m["layers"][2]["requant"]["zero_point"], -3)


class TorchQuantized(nn.Module):
    """PyTorch eager-mode static quantization (fbgemm, uint8 activations, per-tensor symmetric int8
    weights); its ONNX export is QuantizeLinear / Cast / DequantizeLinear around float Conv/Gemm."""

    def __init__(self):
        super().__init__()
        self.q = torch.ao.quantization.QuantStub()
        self.c, self.r = nn.Conv2d(3, 8, 3, padding=1), nn.ReLU()
        self.c2 = nn.Conv2d(8, 8, 3)
        self.fc = nn.Linear(8 * 8 * 8, 5)
        self.dq = torch.ao.quantization.DeQuantStub()

    def forward(self, x):
        x = self.r(self.c(self.q(x)))
        return self.dq(self.fc(torch.flatten(self.c2(x), 1)))


class TestTorchQuantized(Base):
    def test_torch_quantized_export(self):
        import warnings
        q = torch.ao.quantization
        torch.manual_seed(0)
        m = TorchQuantized().eval()
        m.qconfig = q.QConfig(activation=q.MinMaxObserver.with_args(dtype=torch.quint8),
                              weight=q.MinMaxObserver.with_args(dtype=torch.qint8, qscheme=torch.per_tensor_symmetric))
        q.fuse_modules(m, [["c", "r"]], inplace=True)
        q.prepare(m, inplace=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(8):
                m(torch.randn(4, 3, 10, 10))
            q.convert(m, inplace=True)
        path = export(m, (1, 3, 10, 10), os.path.join(self.dir, "tq.onnx"), keep_bn=False)
        ops = set(n.op_type for n in onnx.load(path).graph.node)
        self.assertTrue({"QuantizeLinear", "DequantizeLinear", "Cast", "ConstantOfShape"} <= ops, ops)
        x = torch.randn(16, 3, 10, 10).numpy()
        xfile = os.path.join(self.dir, "x.npy")
        np.save(xfile, x)
        out, r = self.convert(path, batch=16, input_file=xfile)
        mf = self.check_manifest(out, 16)
        # The uint8 input (zero point != 0) reaches the padded conv through an exact 1x1 identity conv
        # writing int16 q - zp (the conv then reads 16-bit activations); the rest stays uint8.
        self.assertEqual([L["op"] for L in mf["layers"]], ["conv", "conv", "conv", "dense"])
        self.assertEqual(mf["inputs"][0]["type"], "uint8")
        self.assertEqual(mf["layers"][0]["requant"], {"multiplier": 1 << 30, "shift": 30, "zero_point": 0})
        self.assertEqual(mf["layers"][0]["output_type"], "int16")
        self.assertEqual([L.get("output_type") for L in mf["layers"][1:]], ["uint8", "uint8", "uint8"])
        # the model's int8 weights, unchanged
        w = np.fromfile(os.path.join(out, mf["layers"][1]["weights"]), np.int8).reshape(3, 3, 3, 8)
        np.testing.assert_array_equal(w, m.c.weight().int_repr().numpy().transpose(2, 3, 1, 0))
        # the int8 output against PyTorch's own quantized execution (fbgemm rounds differently)
        with torch.no_grad():
            t = m(torch.tensor(x)).numpy()
        s, zp = m.fc.scale, m.fc.zero_point
        got = (np.fromfile(os.path.join(out, "golden.i8"), np.uint8).reshape(16, 5).astype(np.int64) - zp) * s
        steps = np.abs(got - t) / s
        self.assertLessEqual(steps.max(), 1.0 + 1e-4)
        self.assertGreater(np.mean(steps < 1e-3), 0.8)
        self.assertEqual(r["agreement"]["max_abs_error_steps"], 0.0)   # = the fake-quantized float graph


class TestPlotRoofline(Base):
    """scripts/plot_roofline.py on fake stats files (with and without `layers`): four files, same bytes
    on a second run."""

    def fake_stats(self, name, layers):
        """Writes DIR/name.json, a minimal tpu-sim stats file (config, run, workload; with `layers`
        also two per-layer entries, one without MACs); returns its path."""
        t3 = {"array_active": 60.0, "weight_stall": 20.0, "weight_shift": 5.0, "non_matrix": 1.0, "raw_stall": 9.0,
              "input_stall": 5.0}
        j = {"config": {"name": "tpu_v1", "clock_mhz": 700.0, "dram_peak_bytes_per_s": 34.128e9, "mxu": [256, 256]},
             "run": {"tops": 2.3, "peak_tops": 91.75, "cycles": 1000, "table3_percent": t3,
                     "macs_per_weight_byte": 155.3},
             "workload": {"name": name, "useful_macs": 1814073344}}
        if layers:
            j["layers"] = [
                {"name": "conv1", "op": "conv", "macs": 118013952, "weight_bytes": 9408, "dram_bytes": 9408,
                 "cycles": 665200, "table3_cycles": {k: 1 for k in t3}, "tops": 0.25, "mxu_utilization": 0.003,
                 "macs_per_weight_byte": 12544.0},
                {"name": "pool", "op": "maxpool", "macs": 0, "weight_bytes": 0, "dram_bytes": 0, "cycles": 0,
                 "table3_cycles": {k: 0 for k in t3}, "tops": 0.0, "mxu_utilization": 0.0,
                 "macs_per_weight_byte": None}]
        path = os.path.join(self.dir, name + ".json")
        with open(path, "w") as f:
            import json
            json.dump(j, f)
        return path

    def test_plots_deterministic(self):
        a, b = self.fake_stats("with-layers", True), self.fake_stats("runs-only", False)
        script = os.path.join(SCRIPTS, "plot_roofline.py")
        outs = []
        for k in range(2):
            prefix = os.path.join(self.dir, f"p{k}", "plot")
            p = subprocess.run([PY, script, a, b, "--out", prefix], capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)
            outs.append(prefix)
        for suffix in ("_roofline.png", "_roofline.svg", "_table3.png", "_table3.svg"):
            with open(outs[0] + suffix, "rb") as f0, open(outs[1] + suffix, "rb") as f1:
                d0 = f0.read()
                self.assertGreater(len(d0), 1000)
                self.assertEqual(d0, f1.read(), suffix)


class ConvNeXtish(nn.Module):
    """ConvNeXt's structure at small dims, from torchvision's own blocks: a 4x4-stride-4 stem conv
    with LayerNorm2d, one CNBlock (depthwise 7x7 conv, NHWC Permute, LayerNorm, Linear 16 -> 64,
    GELU, Linear 64 -> 16, Permute back, layer_scale, residual add), a LayerNorm2d + 2x2-stride-2
    downsampling conv, a second CNBlock, then a per-channel scale of the block's output (a Mul by a
    [C, 1, 1] constant that no Linear precedes), the pool, LayerNorm2d head and Linear. Weights
    seeded normal (torchvision's trunc_normal_ init is replaced: it can put a +-2.0 outlier into a
    tensor, see docs/model_zoo.md) and layer_scale / LayerNorm parameters away from their 1e-6 / 1 /
    0 initial values, so that each reaches the output."""

    def __init__(self):
        super().__init__()
        from torchvision.models.convnext import CNBlock, LayerNorm2d
        g = torch.Generator().manual_seed(15)
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 4, stride=4), LayerNorm2d(16, eps=1e-6))
        self.block1 = CNBlock(16, layer_scale=1.0, stochastic_depth_prob=0.1)
        self.down = nn.Sequential(LayerNorm2d(16, eps=1e-6), nn.Conv2d(16, 32, 2, stride=2))
        self.block2 = CNBlock(32, layer_scale=1.0, stochastic_depth_prob=0.2)
        self.scale = nn.Parameter(torch.ones(32, 1, 1))
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), LayerNorm2d(32, eps=1e-6), nn.Flatten(1), nn.Linear(32, 10))
        with torch.no_grad():
            for name, prm in self.named_parameters():
                if name.endswith("layer_scale") or name == "scale":
                    prm.copy_(0.5 + torch.rand(prm.shape, generator=g))
                elif prm.dim() > 1:
                    fan_in = prm[0].numel()
                    prm.copy_(torch.randn(prm.shape, generator=g) / fan_in ** 0.5)
                else:
                    prm.copy_(0.1 * torch.randn(prm.shape, generator=g) + (1.0 if "norm" in name or
                                                                          name.startswith(("stem.1", "down.0",
                                                                                           "head.1")) else 0.0))

    def forward(self, x):
        y = self.block2(self.down(self.block1(self.stem(x))))
        return self.head(y * self.scale)


class TestConvNeXt(Base):
    """ConvNeXt's operators (issue 15): the NCHW <-> NHWC Transposes as no layer (same bytes in the
    pixel-major Unified Buffer), LayerNorm over each pixel's channels on the host, Linear per pixel
    as a 1x1 conv with its GELU lookup table, layer_scale folded into the second Linear, a per-channel
    constant Mul elsewhere as a depthwise 1x1 conv; simulated with 0 golden mismatches (TPU_SIM)."""

    def test_convnext_blocks(self):
        torch.manual_seed(15)
        model = ConvNeXtish()
        x = np.random.default_rng(15).standard_normal((4, 3, 32, 32))
        path, out, r, m = self.export_and_convert(model, (1, 3, 32, 32), "cnx.onnx", x, 2, calibration=16)
        ops = [n.op_type for n in onnx.load(path).graph.node]
        self.assertEqual(ops.count("Transpose"), 10, ops)     # 3 LayerNorm2d, 2 blocks: 2 each
        self.assertEqual(ops.count("MatMul"), 4, ops)
        L = m["layers"]
        got = [(x["op"], x.get("host_op") or x.get("activation"), x.get("groups", 1), x.get("kernel")) for x in L]
        block = lambda c: [("conv", "identity", c, [7, 7]), ("host_op", "LayerNormalization", 1, None),  # noqa: E731
                           ("conv", "lookup", 1, [1, 1]), ("conv", "identity", 1, [1, 1]), ("add", "identity", 1, None)]
        self.assertEqual(got, [("conv", "identity", 1, [4, 4]), ("host_op", "LayerNormalization", 1, None)] +
                         block(16) + [("host_op", "LayerNormalization", 1, None), ("conv", "identity", 1, [2, 2])] +
                         block(32) + [("conv", "identity", 32, [1, 1]), ("avgpool", None, 1, None),
                                      ("host_op", "LayerNormalization", 1, None), ("dense", "identity", 1, None)])
        self.assertEqual(np.float32(L[1]["params"]["epsilon"]), np.float32(1e-6))     # ONNX holds it as float32
        self.assertEqual([x["stride"] for x in L if x.get("kernel") in ([4, 4], [2, 2])], [[4, 4], [2, 2]])
        # layer_scale folded into the second Linear: its int8 weights are round(W k / s_w) of the float
        # model (column j times layer_scale j), not those of W itself
        blk = model.block1
        w = (blk.block[5].weight.detach().double().numpy().T * blk.layer_scale.detach().double().numpy().reshape(1, -1))
        wq = np.fromfile(os.path.join(out, L[5]["weights"]), np.int8).reshape(64, 16)
        np.testing.assert_array_equal(wq, o2n.round_away(w / (np.abs(w).max() / 127)))
        self.check_agreement(r, 2.0, relative=0.08)

    def test_layernorm_on_chip(self):
        """--layernorm-on-chip: each LayerNorm becomes the chip's layers (mean and variance by MXU
        channel sums, the square and 1/sqrt tables, a Vector mul, a depthwise conv for gamma/beta): its
        float model is torch's LayerNorm, no host operation is left, the simulator agrees bit for bit."""
        torch.manual_seed(15)
        model = ConvNeXtish()
        path = export(model, (1, 3, 32, 32), os.path.join(self.dir, "cnx.onnx"))
        x = np.random.default_rng(16).standard_normal((3, 3, 32, 32))
        g = o2n.Graph(onnx.load(path), layernorm_on_chip=True)
        t = torch_out(model, x)
        np.testing.assert_allclose(o2n.nhwc_to_onnx(o2n.run_float(g, x), g.output), t, rtol=0,
                                   atol=1e-5 * np.abs(t).max())
        out, r = self.convert(path, batch=2, calibration=16, layernorm_on_chip=True)
        m = self.check_manifest(out, 2)
        L = m["layers"]
        self.assertNotIn("host_op", [x["op"] for x in L])
        parts = [(x["name"].rsplit(".", 1)[1], x["op"], x.get("activation"), x.get("groups", 1)) for x in L
                 if x["name"].startswith("stem.1.")]
        self.assertEqual(parts, [("mean", "conv", "identity", 1), ("centered", "add", "identity", 1),
                                 ("square", "activate", "lookup", 1), ("variance", "conv", "lookup", 1),
                                 ("normalized", "mul", "identity", 1), ("affine", "conv", "identity", 16)])
        mean_w = np.fromfile(os.path.join(out, L[1]["weights"]), np.int8)
        self.assertTrue(np.all(mean_w == 127), mean_w[:8])       # ones / C at the per-tensor scale
        self.check_agreement(r, 2.0, relative=0.08)

    def test_nhwc_view_of_the_input_and_channel_scales(self):
        """onnx.helper graphs: a Transpose of the graph input itself is a view (the input stays NCHW),
        MatMul on it a 1x1 conv; a per-channel Mul after a Relu is a depthwise 1x1 conv; a Div by a
        per-channel constant with a zero is an error naming the node."""
        rng = np.random.default_rng(3)
        w = rng.standard_normal((4, 6)).astype(np.float32)
        k = np.array([1, -2, 0.5, 3], np.float32).reshape(4, 1, 1)
        x = rng.standard_normal((2, 4, 3, 5))
        m = make_model([helper.make_node("Transpose", ["x"], ["t"], perm=[0, 2, 3, 1]),
                        helper.make_node("MatMul", ["t", "w"], ["mm"]),
                        helper.make_node("Transpose", ["mm"], ["y"], perm=[0, 3, 1, 2])],
                       [vinfo("x", [1, 4, 3, 5])], [vinfo("y", None)], {"w": w})
        g = o2n.Graph(m)
        self.assertEqual((g.input.rank, [op.kind for op in g.ops]), (4, ["conv"]))
        np.testing.assert_allclose(o2n.nhwc_to_onnx(o2n.run_float(g, x), g.output),
                                   np.einsum("nchw,cm->nmhw", x, w), rtol=1e-12, atol=1e-12)
        m = make_model([helper.make_node("Relu", ["x"], ["r"]), helper.make_node("Mul", ["r", "k"], ["y"])],
                       [vinfo("x", [1, 4, 3, 5])], [vinfo("y", None)], {"k": k})
        g = o2n.Graph(m)
        self.assertEqual([(op.kind, getattr(op, "groups", None)) for op in g.ops], [("activate", None), ("conv", 4)])
        np.testing.assert_allclose(o2n.nhwc_to_onnx(o2n.run_float(g, x), g.output), np.maximum(x, 0) * k,
                                   rtol=1e-12, atol=1e-12)
        k0 = k * np.array([1, 0, 1, 1], np.float32).reshape(4, 1, 1)
        m = make_model([helper.make_node("Relu", ["x"], ["r"]), helper.make_node("Div", ["r", "k"], ["y"], name="div0")],
                       [vinfo("x", [1, 4, 3, 5])], [vinfo("y", None)], {"k": k0})
        with self.assertRaisesRegex(o2n.ConvertError, "Div node 'div0': division by a per-channel constant"):
            o2n.Graph(m)

    def test_other_transposes_unsupported(self):
        nodes = [helper.make_node("Relu", ["x"], ["r"], name="relu"),
                 helper.make_node("Transpose", ["r"], ["t"], name="hw_swap", perm=[0, 1, 3, 2]),
                 helper.make_node("Transpose", ["t"], ["y"], name="to_nhwc", perm=[0, 2, 3, 1])]
        path = os.path.join(self.dir, "tr.onnx")
        onnx.save(make_model(nodes, [vinfo("x", [1, 2, 4, 3])], [vinfo("y", None)], {}), path)
        p = run_cli(path, os.path.join(self.dir, "o"))
        self.assertEqual(p.returncode, 2)
        self.assertIn("Transpose node 'hw_swap'", p.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "o")))


class TestTorchvision(Base):
    def run_resnet(self, size, batch, simulate=True):
        """Exports torchvision's resnet18 at size x size with export_torchvision.py, converts it
        with `batch` samples, checks the manifest (the simulator only with simulate), the float
        interpreter against PyTorch and the int8 agreement; prints timings and sizes."""
        path = os.path.join(self.dir, f"resnet18_{size}.onnx")
        t0 = time.time()
        p = subprocess.run([PY, EXPORTER, "resnet18", path, "--input-size", str(size)], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        t1 = time.time()
        out = os.path.join(self.dir, f"r{size}")
        r = o2n.convert(path, out, batch=batch, verbose=False)
        t2 = time.time()
        m = self.check_manifest(out, batch, simulate)
        self.assertEqual(sum(1 for L in m["layers"] if L["op"] == "conv"), 20)
        self.assertEqual(sum(1 for L in m["layers"] if L["op"] == "add"), 8)
        # the float interpreter against PyTorch
        import torchvision
        torch.manual_seed(0)
        model = torchvision.models.resnet18(weights=None).eval()
        x = np.random.default_rng([0, 2]).standard_normal((2, 3, size, size))
        t = torch_out(model, x)
        f = r["float_output"][:2]
        np.testing.assert_allclose(f, t, rtol=0, atol=1e-4 * np.abs(t).max())
        a = r["agreement"]
        size_mb = sum(os.path.getsize(os.path.join(out, fn)) for fn in os.listdir(out)) / 1e6
        print(f"\n  resnet18 {size}x{size}, batch {batch}: export {t1 - t0:.1f}s, import {t2 - t1:.1f}s "
              f"(calibration {r['times']['calibration']:.1f}s, tpu_ref {r['times']['tpu_ref']:.1f}s), "
              f"{size_mb:.1f} MB\n  {o2n.format_agreement(a)}", file=sys.stderr)
        self.check_agreement(r, 2.0, relative=0.06)
        self.assertEqual(a["top1_agreement"], 1.0, a)

    def test_resnet18_64(self):
        self.run_resnet(64, 16)

    @unittest.skipUnless(FULL, "--full runs resnet18 at 224x224")
    def test_resnet18_224(self):
        # 8 images of 224x224x3 do not fit tpu_v1's Unified Buffer: tpu_ref only (the simulator runs
        # batch 1: onnx_to_network.py resnet18.onnx DIR; tpu-sim -w DIR/workload.yaml)
        self.run_resnet(224, 8, simulate=False)


if __name__ == "__main__":
    unittest.main(verbosity=2)
