#!/usr/bin/python3
"""Tests of the ONNX LSTM/GRU import (scripts/onnx_to_network.py's RecurrentOps, scripts/rnn_cells.py).

Run with Debian's Python (python3-torch, python3-onnx, numpy, PyYAML):

    /usr/bin/python3 scripts/test_onnx_rnn.py
    TPU_SIM=build/tpu-sim /usr/bin/python3 scripts/test_onnx_rnn.py   # also the simulator's golden check

What is checked:
  * the importer's float interpretation of the unrolled cells against PyTorch (nn.LSTM 2 layers
    time-major, nn.LSTM batch_first, bidirectional nn.GRU, which exports linear_before_reset=1) and
    against this file's own numpy rendering of ONNX's LSTM/GRU equations (onnx.helper models: GRU
    linear_before_reset=0 in reverse, LSTM layout=1 with constant initial states and the Y_c output,
    bidirectional LSTM feeding a MatMul, an encoder LSTM's Y_h/Y_c starting a decoder whose last
    step (Squeeze, Gather) feeds a MatMul) to 1e-6 relative;
  * the manifest: one input per time step (and per constant initial state) with its file, the gate
    layers' count from the cell's structure, gate weight files shared by the time steps after the
    first, golden.i8 = tpu_ref's output and, with TPU_SIM, tpu-sim's golden check (0 mismatches);
  * the int8 output against the float model: relative L2 error below 5%;
  * unsupported attributes (activations, clip, input_forget, direction) are all listed by node name
    with exit 2 and nothing written; peepholes, sequence_lens shorter than the sequence and initial
    states differing between samples are refused with exit 2;
  * the same conversion twice writes the same bytes.
"""
import os
import subprocess
import sys
import tempfile
import unittest
import warnings

import numpy as np

SCRIPTS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, SCRIPTS)
import onnx_to_network as o2n  # noqa: E402
import tpu_ref  # noqa: E402

import onnx  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import yaml  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

PY = "/usr/bin/python3"
CONVERTER = os.path.join(SCRIPTS, "onnx_to_network.py")


# ----------------------------------------------------------------------------------------------
# An independent float rendering of ONNX's LSTM and GRU (onnx/docs/Operators.md), whole matrices

def sigmoid(t):
    return 1.0 / (1.0 + np.exp(-t))


def onnx_rnn(kind, X, W, R, B, h0=None, c0=None, direction="forward", lbr=0):
    """ONNX LSTM/GRU on X [T, N, I] (layout 0); W, R, B per direction; h0/c0 [D, N, H] or None.
    Returns (Y [T, D, N, H], Y_h [D, N, H], Y_c [D, N, H] or None)."""
    T, N, _ = X.shape
    D, H = W.shape[0], R.shape[2]
    Y = np.zeros((T, D, N, H))
    Yh, Yc = np.zeros((D, N, H)), np.zeros((D, N, H))
    for d in range(D):
        back = direction == "reverse" or (direction == "bidirectional" and d == 1)
        h = np.zeros((N, H)) if h0 is None else h0[d].copy()
        c = np.zeros((N, H)) if c0 is None else c0[d].copy()
        wb, rb = np.split(B[d], 2)
        for t in (range(T - 1, -1, -1) if back else range(T)):
            if kind == "LSTM":
                gates = X[t] @ W[d].T + h @ R[d].T + wb + rb
                i, o, f, g = np.split(gates, 4, axis=1)
                c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
                h = sigmoid(o) * np.tanh(c)
            else:
                Wz, Wr, Wh = np.split(W[d], 3)
                Rz, Rr, Rh = np.split(R[d], 3)
                bz, br, bh = np.split(wb, 3)
                rz, rr, rh = np.split(rb, 3)
                z = sigmoid(X[t] @ Wz.T + h @ Rz.T + bz + rz)
                r = sigmoid(X[t] @ Wr.T + h @ Rr.T + br + rr)
                if lbr:
                    n = np.tanh(X[t] @ Wh.T + bh + r * (h @ Rh.T + rh))
                else:
                    n = np.tanh(X[t] @ Wh.T + bh + (r * h) @ Rh.T + rh)
                h = (1 - z) * n + z * h
            Y[t, d] = h
        Yh[d], Yc[d] = h, c
    return Y, Yh, (Yc if kind == "LSTM" else None)


def init(name, arr):
    return numpy_helper.from_array(np.asarray(arr, np.float32), name)


def rnn_model(kind, T, N, I, H, direction="forward", layout=0, lbr=0, h0=None, c0=None, outputs=("Y",),
              attrs=None, seed=3, head=None):
    """(ONNX model, weights dict) of one LSTM/GRU node on input 'x' ([T, N, I], or [N, T, I] with
    layout 1); outputs: which of Y, Y_h, Y_c are graph outputs (the first is the network's);
    head: a MatMul of Y (Transposed/Reshaped to [T, N, D H]) by a constant [D H, head]."""
    rng = np.random.default_rng(seed)
    D = 2 if direction == "bidirectional" else 1
    ng = 4 if kind == "LSTM" else 3
    w = {"W": rng.uniform(-0.6, 0.6, (D, ng * H, I)), "R": rng.uniform(-0.6, 0.6, (D, ng * H, H)),
         "B": rng.uniform(-0.3, 0.3, (D, 2 * ng * H))}
    w = {k: v.astype(np.float32).astype(np.float64) for k, v in w.items()}     # as stored
    inits = [init(k, v) for k, v in w.items()]
    ins = ["x", "W", "R", "B", ""]
    for name, v in (("h0", h0), ("c0", c0)):
        if v is not None:
            inits.append(init(name, v))
        ins.append(name if v is not None else "")
    while ins and not ins[-1]:
        ins.pop()
    a = dict(hidden_size=H, direction=direction, **(attrs or {}))
    if layout:
        a["layout"] = 1
    if kind == "GRU":
        a["linear_before_reset"] = lbr
    outs = ["Y", "Y_h", "Y_c"][:ng - 1]
    nodes = [helper.make_node(kind, ins, outs, name=f"my_{kind.lower()}", **a)]
    seq = [N, T, I] if layout else [T, N, I]
    graph_outs = list(outputs)
    if head:
        nodes += [helper.make_node("Transpose", ["Y"], ["yt"], perm=[0, 2, 1, 3], name="yt"),
                  helper.make_node("Reshape", ["yt", "shape"], ["yr"], name="yr"),
                  helper.make_node("MatMul", ["yr", "Wout"], ["logits"], name="head")]
        w["Wout"] = rng.uniform(-0.5, 0.5, (D * H, head)).astype(np.float32).astype(np.float64)
        inits += [init("Wout", w["Wout"]), numpy_helper.from_array(np.array([T, N, D * H], np.int64), "shape")]
        graph_outs = ["logits"]
    vi = [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in graph_outs]
    g = helper.make_graph(nodes, "rnn", [helper.make_tensor_value_info("x", TensorProto.FLOAT, seq)], vi, inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 14)])
    return m, w


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="onnx_rnn_")
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def save(self, model, name):
        path = os.path.join(self.dir, name)
        onnx.save(model, path)
        return path

    def convert(self, path, batch, sub="net", **kw):
        out = os.path.join(self.dir, sub)
        return out, o2n.convert(path, out, batch=batch, verbose=False, **kw)

    def float_of(self, path, x):
        """The importer's float interpretation of the model on x [n, T, I] (batch-first), [n, ...]."""
        g = o2n.Graph(onnx.load(path))
        return o2n.nhwc_to_onnx(o2n.run_float(g, x), g.output).reshape(len(x), -1)

    def check_manifest(self, out, batch, r):
        """Inputs and their files, golden = tpu_ref, tpu-sim's golden check (TPU_SIM), int8 vs float
        error < 5%. Returns the manifest."""
        with open(os.path.join(out, "workload.yaml")) as f:
            m = yaml.safe_load(f)
        self.assertEqual(m["samples"], batch)
        for i in m["inputs"]:
            self.assertEqual(os.path.getsize(os.path.join(out, i["file"])), batch * int(np.prod(i["shape"])))
        net = tpu_ref.load_network(os.path.join(out, "workload.yaml"))
        golden = np.fromfile(os.path.join(out, "golden.i8"), np.int8)
        np.testing.assert_array_equal(np.asarray(tpu_ref.run_network(net), np.int8).reshape(-1), golden)
        sim = os.environ.get("TPU_SIM")
        if sim:
            p = subprocess.run([sim, "--workload", os.path.join(out, "workload.yaml")], capture_output=True, text=True,
                               env=dict(os.environ, SC_COPYRIGHT_MESSAGE="DISABLE"))
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertIn("golden    0 mismatches", p.stdout)
        self.assertLess(r["agreement"]["relative_error"], 0.05, r["agreement"])
        return m

    def gate_layers(self, m):
        return [L for L in m["layers"] if L["op"] == "dense"]


def export(model, example, path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model.eval(), example, path, opset_version=14)
    return path


class LstmLm(nn.Module):
    def __init__(self, batch_first=False):
        super().__init__()
        torch.manual_seed(1)
        self.lstm = nn.LSTM(6, 10, num_layers=2, batch_first=batch_first)
        self.head = nn.Linear(10, 7)

    def forward(self, x):
        return self.head(self.lstm(x)[0])


class BiGru(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(2)
        self.gru = nn.GRU(5, 8, batch_first=True, bidirectional=True)
        self.head = nn.Linear(16, 4)

    def forward(self, x):
        _, h = self.gru(x)
        return self.head(h.transpose(0, 1).reshape(-1, 16))


class TestTorchModels(Base):
    def test_lstm_language_model(self):
        """2-layer LSTM + Linear on every step, time-major: float = PyTorch; steps fed one input each;
        t = 0 has no f gate (zero c0) and no recurrent input; later steps share one weight file per
        gate; golden and simulator agree."""
        T, N = 4, 3
        path = export(LstmLm(), torch.zeros(T, 2, 6), os.path.join(self.dir, "lm.onnx"))
        x = np.random.default_rng(5).standard_normal((N, T, 6))
        with torch.no_grad():
            ref = LstmLm()(torch.tensor(x.transpose(1, 0, 2), dtype=torch.float32)).numpy()
        f = self.float_of(path, x)
        np.testing.assert_allclose(f, ref.transpose(1, 0, 2).reshape(N, -1), rtol=0, atol=1e-6 * np.abs(ref).max())
        out, r = self.convert(path, N)
        m = self.check_manifest(out, N, r)
        self.assertEqual([i["name"] for i in m["inputs"]], [f"input_t{t}" for t in range(T)])
        for i in m["inputs"]:
            self.assertEqual(i["shape"], [1, 1, 6])
        dense = self.gate_layers(m)
        # per layer: 3 gates at t = 0, 4 gates at each later step; the head on each step
        self.assertEqual(len(dense), 2 * (3 + 4 * (T - 1)) + T)
        for gate in "ifgo":
            files = {L["weights"] for L in dense if L["name"].startswith("lstm_t") and L["name"].endswith("_" + gate)
                     and not L["name"].startswith("lstm_t0")}
            self.assertEqual(len(files), 1, (gate, files))
        later = [L for L in dense if L["name"] == "lstm_t1_i"][0]
        self.assertEqual(len(later["inputs"]), 2)       # [x_t, h_t-1]
        self.assertEqual(m["layers"][-1]["op"], "conv")  # the steps' logits gathered (1x1 conv, 0/1 weights)
        self.assertEqual(np.fromfile(os.path.join(out, "golden.i8"), np.int8).size, N * T * 7)

    def test_lstm_batch_first(self):
        """batch_first=True: PyTorch's Transposes around the LSTM; the input file is per step of [N, T, I]."""
        T, N = 3, 2
        model = LstmLm(batch_first=True)
        path = export(model, torch.zeros(2, T, 6), os.path.join(self.dir, "bf.onnx"))
        x = np.random.default_rng(6).standard_normal((N, T, 6))
        with torch.no_grad():
            ref = model(torch.tensor(x, dtype=torch.float32)).numpy()
        np.testing.assert_allclose(self.float_of(path, x), ref.reshape(N, -1), rtol=0, atol=1e-6 * np.abs(ref).max())
        out, r = self.convert(path, N)
        self.check_manifest(out, N, r)

    def test_bidirectional_gru(self):
        """Bidirectional GRU (linear_before_reset=1) -> both directions' Y_h side by side -> Linear."""
        T, N = 4, 3
        model = BiGru()
        path = export(model, torch.zeros(2, T, 5), os.path.join(self.dir, "gru.onnx"))
        x = np.random.default_rng(7).standard_normal((N, T, 5))
        with torch.no_grad():
            ref = model(torch.tensor(x, dtype=torch.float32)).numpy()
        np.testing.assert_allclose(self.float_of(path, x), ref, rtol=0, atol=1e-6 * np.abs(ref).max())
        out, r = self.convert(path, N)
        m = self.check_manifest(out, N, r)
        names = [L["name"] for L in m["layers"]]
        # lbr=1: the reverse direction runs t = T-1 .. 0; the zero initial state needs a fed zero h
        # where Rb_n != 0 (r * Rb_n), so every step has z, r, xn, hn, rhn, n, d, zd, h
        self.assertIn("gru_rev_t0_h", names)
        self.assertIn("gru_t0_rhn", names)
        self.assertEqual([i["name"] for i in m["inputs"]][T:], ["gru_initial_h", "gru_initial_h_rev"])


class TestHelperModels(Base):
    def check_against_numpy(self, model, w, kind, x, ref_of, **kw):
        """float interpretation = onnx_rnn (ref_of maps onnx_rnn's outputs to [n, ...]); convert."""
        path = self.save(model, f"{kind}.onnx")
        np.testing.assert_allclose(self.float_of(path, x), ref_of(x), rtol=1e-6, atol=1e-9)
        out, r = self.convert(path, len(x), **kw)
        return out, r, self.check_manifest(out, len(x), r)

    def test_gru_reverse_linear_before_reset_0(self):
        T, N, I, H = 5, 4, 3, 6
        model, w = rnn_model("GRU", T, N, I, H, direction="reverse", lbr=0, outputs=("Y",))

        def ref(x):
            Y, _, _ = onnx_rnn("GRU", x.transpose(1, 0, 2), w["W"], w["R"], w["B"], direction="reverse")
            return Y[:, 0].transpose(1, 0, 2).reshape(len(x), -1)
        x = np.random.default_rng(8).standard_normal((N, T, I))
        out, r, m = self.check_against_numpy(model, w, "GRU", x, ref)
        names = [L["name"] for L in m["layers"]]
        # zero state at the first processed step (t = T-1): no r, h = n - z n; later steps r * h
        self.assertIn(f"my_gru_rev_t{T - 1}_zn", names)
        self.assertNotIn(f"my_gru_rev_t{T - 1}_r", names)
        self.assertIn("my_gru_rev_t0_rh", names)

    def test_lstm_layout1_initial_states_and_y_c(self):
        """layout=1 ([N, T, I]) with constant nonzero h0, c0 (the same for every sample): fed as
        inputs; the network output is Y_c."""
        T, N, I, H = 3, 2, 4, 5
        rng = np.random.default_rng(9)
        h0, c0 = (np.broadcast_to(rng.uniform(-0.5, 0.5, (1, 1, H)).astype(np.float32), (N, 1, H)).astype(np.float64)
                  for _ in range(2))    # [N, D, H]
        model, w = rnn_model("LSTM", T, N, I, H, layout=1, h0=h0, c0=c0, outputs=("Y_c",))

        def ref(x):
            _, _, Yc = onnx_rnn("LSTM", x.transpose(1, 0, 2), w["W"], w["R"], w["B"],
                                h0[:1].transpose(1, 0, 2).repeat(len(x), 1), c0[:1].transpose(1, 0, 2).repeat(len(x), 1))
            return Yc[0]
        x = rng.standard_normal((N, T, I))
        out, r, m = self.check_against_numpy(model, w, "LSTM", x, ref)
        self.assertEqual([i["name"] for i in m["inputs"]][T:], ["my_lstm_initial_h", "my_lstm_initial_c"])
        self.assertIn("my_lstm_t0_fc", [L["name"] for L in m["layers"]])
        self.assertEqual(m["output"], "my_lstm_t2_c")

    def test_bidirectional_lstm_into_matmul(self):
        """Y [T, 2, N, H] -> Transpose [0, 2, 1, 3] -> Reshape [T, N, 2H] -> MatMul: a dense layer per
        step on the two directions' h; the steps' outputs gathered as the network output."""
        T, N, I, H = 3, 3, 4, 5
        model, w = rnn_model("LSTM", T, N, I, H, direction="bidirectional", head=6)

        def ref(x):
            Y, _, _ = onnx_rnn("LSTM", x.transpose(1, 0, 2), w["W"], w["R"], w["B"], direction="bidirectional")
            y = Y.transpose(0, 2, 1, 3).reshape(T, len(x), 2 * H) @ w["Wout"]
            return y.transpose(1, 0, 2).reshape(len(x), -1)
        x = np.random.default_rng(10).standard_normal((N, T, I))
        out, r, m = self.check_against_numpy(model, w, "LSTM", x, ref)
        head = [L for L in m["layers"] if L["name"].startswith("head")]
        self.assertEqual(len(head), T)
        self.assertEqual(head[0]["inputs"], ["my_lstm_t0_h", "my_lstm_rev_t0_h"])

    def test_last_step_and_encoder_decoder_states(self):
        """An encoder LSTM's Y_h, Y_c start a decoder LSTM on the same input; the decoder's Y is
        Squeezed, its last step Gathered and fed to a MatMul: the network output [N, 3]."""
        T, N, I, H = 4, 3, 3, 5
        enc, we = rnn_model("LSTM", T, N, I, H, seed=11)
        dec, wd = rnn_model("LSTM", T, N, I, H, seed=12)
        wout = np.random.default_rng(13).uniform(-0.5, 0.5, (H, 3)).astype(np.float32).astype(np.float64)
        e = helper.make_node("LSTM", ["x", "eW", "eR", "eB"], ["eY", "eh", "ec"], name="encoder", hidden_size=H)
        d = helper.make_node("LSTM", ["x", "dW", "dR", "dB", "", "eh", "ec"], ["dY"], name="decoder", hidden_size=H)
        nodes = [e, d, helper.make_node("Squeeze", ["dY", "one"], ["ys"], name="squeeze"),
                 helper.make_node("Gather", ["ys", "last"], ["yl"], name="last_step", axis=0),
                 helper.make_node("MatMul", ["yl", "Wout"], ["out"], name="head")]
        inits = [init("e" + k, v) for k, v in we.items()] + [init("d" + k, v) for k, v in wd.items()] + \
            [init("Wout", wout), numpy_helper.from_array(np.array([1], np.int64), "one"),
             numpy_helper.from_array(np.array(-1, np.int64), "last")]
        g = helper.make_graph(nodes, "ed", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [T, N, I])],
                              [helper.make_tensor_value_info("out", TensorProto.FLOAT, None)], inits)
        model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 14)])

        def ref(x):
            xt = x.transpose(1, 0, 2)
            _, h, c = onnx_rnn("LSTM", xt, we["W"], we["R"], we["B"])
            Y, _, _ = onnx_rnn("LSTM", xt, wd["W"], wd["R"], wd["B"], h, c)
            return Y[-1, 0] @ wout
        x = np.random.default_rng(14).standard_normal((N, T, I))
        out, r, m = self.check_against_numpy(model, None, "ed", x, ref)
        self.assertEqual(m["output"], "head")
        first = [L for L in m["layers"] if L["name"] == "decoder_t0_i"][0]
        self.assertEqual(first["inputs"], ["x_t0", "encoder_t3_h"])

    def test_same_bytes(self):
        model, _ = rnn_model("GRU", 3, 2, 3, 4, lbr=1)
        path = self.save(model, "g.onnx")
        self.convert(path, 2, "a")
        self.convert(path, 2, "b")
        a, b = (os.path.join(self.dir, s) for s in "ab")
        self.assertEqual(sorted(os.listdir(a)), sorted(os.listdir(b)))
        for f in os.listdir(a):
            with open(os.path.join(a, f), "rb") as fa, open(os.path.join(b, f), "rb") as fb:
                self.assertEqual(fa.read(), fb.read(), f)


class TestUnsupported(Base):
    def run_cli(self, path):
        out = os.path.join(self.dir, "out")
        p = subprocess.run([PY, CONVERTER, path, out], capture_output=True, text=True)
        return p, out

    def test_attributes_listed_by_node(self):
        """Every unsupported attribute of every LSTM/GRU node is listed, exit 2, nothing written."""
        m1, _ = rnn_model("LSTM", 3, 2, 3, 4, attrs=dict(clip=2.0, input_forget=1))
        nodes = list(m1.graph.node)
        gru = helper.make_node("GRU", ["x", "gW", "gR"], ["gy"], name="odd_gru", hidden_size=4,
                               activations=["Sigmoid", "Relu"])
        rev = helper.make_node("LSTM", ["x", "W", "R"], ["ly"], name="sideways_lstm", hidden_size=4,
                               direction="sideways")
        inits = list(m1.graph.initializer) + [init("gW", np.zeros((1, 12, 3))), init("gR", np.zeros((1, 12, 4)))]
        g = helper.make_graph(nodes + [gru, rev], "bad", list(m1.graph.input), list(m1.graph.output), inits)
        path = self.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 14)]), "bad.onnx")
        p, out = self.run_cli(path)
        self.assertEqual(p.returncode, 2, p.stderr)
        for s in ("LSTM node 'my_lstm': clip=2.0", "LSTM node 'my_lstm': input_forget=1",
                  "GRU node 'odd_gru': activations=['Sigmoid', 'Relu']", "LSTM node 'sideways_lstm': direction=sideways"):
            self.assertIn(s, p.stderr)
        self.assertFalse(os.path.exists(out))

    def check_refused(self, model, why):
        p, out = self.run_cli(self.save(model, "m.onnx"))
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn(why, p.stderr)
        self.assertFalse(os.path.exists(out))

    def test_peepholes(self):
        m, _ = rnn_model("LSTM", 3, 2, 3, 4)
        node = m.graph.node[0]
        while len(node.input) < 8:
            node.input.append("")
        node.input[7] = "P"
        m.graph.initializer.append(init("P", np.ones((1, 12))))
        self.check_refused(m, "LSTM node 'my_lstm': peepholes (input P)")

    def test_sequence_lens(self):
        m, _ = rnn_model("GRU", 3, 2, 3, 4)
        node = m.graph.node[0]
        while len(node.input) < 5:
            node.input.append("")
        node.input[4] = "lens"
        m.graph.initializer.append(numpy_helper.from_array(np.array([3, 2], np.int32), "lens"))
        self.check_refused(m, "GRU node 'my_gru': sequence_lens other than every sequence at its full length")

    def test_initial_state_per_sample(self):
        h0 = np.arange(2 * 4, dtype=np.float64).reshape(1, 2, 4) / 10
        m, _ = rnn_model("GRU", 3, 2, 3, 4, h0=h0)
        self.check_refused(m, "GRU node 'my_gru': initial_h differs between batch elements")

    def test_rank3_input_of_unknown_length_without_recurrence(self):
        # (a rank-3 input of known sizes not read by an LSTM/GRU is a transformer's sequence [N, S, D])
        x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, None, 4])
        y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
        g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "r", [x], [y])
        p, out = self.run_cli(self.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 14)]), "r.onnx"))
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("[N, S, D] or [N, F] with known C, H, W / S, D / F, or a sequence [T, N, F] / [N, T, F] read "
                      "by an LSTM/GRU", p.stderr)
        self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
    unittest.main()
