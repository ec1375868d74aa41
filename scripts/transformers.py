#!/usr/bin/python3
"""BERT-base and GPT-2-small on the TPU v1 model: build in torch with seeded weights (nothing is
downloaded), export to ONNX, import with scripts/onnx_to_network.py, run tpu-sim, report.

Run with Debian's Python (python3-torch, python3-onnx, numpy, PyYAML):

    /usr/bin/python3 scripts/transformers.py OUTDIR [--models bert,gpt2,gpt2_decode]
        [--layers 12] [--hidden 768] [--heads 12] [--ffn 3072] [--seq 128] [--seed 0]
        [--tpu-sim build/tpu-sim] [--config configs/tpu_v1.yaml] [--calibration 4]
        [--batch 1] [--markdown table.md]

Models (shapes from the papers; weights seeded with torch.manual_seed, float32, eval mode):
  bert         BERT-base encoder (Devlin et al. 2019: L = 12, H = 768, A = 12, FFN 4H = 3072,
               post-LN, GELU (erf), LayerNorm eps 1e-12) on a sequence of `--seq` tokens, from the
               embedding LayerNorm to the last encoder layer's output. No attention mask (every
               token is real).
  gpt2         GPT-2-small decoder (Radford et al. 2019: 12 layers, 768, 12 heads, FFN 3072, pre-LN
               written as GPT-2's own LayerNorm (mean, variance, (x - u) / sqrt(s + eps) * g + b,
               eps 1e-5), fused QKV projection split in three, GELU tanh form, causal mask
               -10000 above the diagonal as GPT-2's code adds it) on a `--seq`-token prompt, to
               the final LayerNorm.
  gpt2_decode  one decode step of the same decoder: the next token's embedding plus, per layer,
               the prompt's keys and values (the KV cache, [1, heads, seq, head dim], computed by
               the torch prompt run) as graph inputs; each layer concatenates the cache with the
               new token's key and value. One query sees every key: no mask.
The token and position embeddings (Gather of the embedding tables) are done on the host before
the chip input, as TPU v1's host would: the graph input is the embedded sequence, [1, seq, H].
The language-model head (H x 50257 logits) is not part of the graphs.
--batch N (bert, gpt2) runs N sequences (the first as above, the others seeded like the
calibration samples) as one batch: each sample's attention multiplies by its own K and V (the host
writes each sample's b into the weight memory, network.h "matmul"). gpt2_decode's KV cache is one
sample's, so it runs at batch 1 only.

Each model: torch -> ONNX (opset 17) -> onnx_to_network.py (int8, golden from the independent
reference scripts/tpu_ref.py) -> tpu-sim --stats; reported: golden mismatches, simulated time,
TOPS (2 x useful MACs / simulated time), MXU utilization, the host share (Table 5 style: the
Interrupt_Host waits and host DMA over the run) and the int8-vs-float agreement.
Exit status 0 when every model ran with 0 mismatches, 1 otherwise.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time

SCRIPTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(SCRIPTS)


def torch_models():
    """The torch modules (defined here so that torch is imported only when used)."""
    import torch
    from torch import nn

    class Gpt2LayerNorm(nn.Module):
        """GPT-2's LayerNorm as its code writes it (exported as ReduceMean/Sub/Pow/ReduceMean/Add/
        Sqrt/Div/Mul/Add)."""

        def __init__(self, h, eps=1e-5):
            super().__init__()
            self.g, self.b, self.eps = nn.Parameter(torch.ones(h)), nn.Parameter(torch.zeros(h)), eps

        def forward(self, x):
            u = x.mean(-1, keepdim=True)
            s = (x - u).pow(2).mean(-1, keepdim=True)
            return (x - u) / torch.sqrt(s + self.eps) * self.g + self.b

    def split_heads(x, heads):
        n, s, d = x.shape
        return x.reshape(n, s, heads, d // heads).transpose(1, 2)       # [N, heads, S, dh]

    def merge_heads(x):
        n, g, s, dh = x.shape
        return x.transpose(1, 2).reshape(n, s, g * dh)

    class BertLayer(nn.Module):
        """One BERT encoder layer (post-LN)."""

        def __init__(self, h, heads, ffn):
            super().__init__()
            self.heads = heads
            self.q, self.k, self.v, self.o = (nn.Linear(h, h) for _ in range(4))
            self.ln1, self.ln2 = nn.LayerNorm(h, eps=1e-12), nn.LayerNorm(h, eps=1e-12)
            self.fc1, self.fc2 = nn.Linear(h, ffn), nn.Linear(ffn, h)
            self.act = nn.GELU()

        def forward(self, x):
            q, k, v = (split_heads(f(x), self.heads) for f in (self.q, self.k, self.v))
            p = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1]), dim=-1)
            x = self.ln1(x + self.o(merge_heads(p @ v)))
            return self.ln2(x + self.fc2(self.act(self.fc1(x))))

    class Bert(nn.Module):
        """BERT encoder from the embedding LayerNorm."""

        def __init__(self, layers, h, heads, ffn):
            super().__init__()
            self.ln = nn.LayerNorm(h, eps=1e-12)
            self.layers = nn.ModuleList(BertLayer(h, heads, ffn) for _ in range(layers))

        def forward(self, x):
            x = self.ln(x)
            for layer in self.layers:
                x = layer(x)
            return x

    class Gpt2Block(nn.Module):
        """One GPT-2 block (pre-LN); forward returns the output and this block's keys and values."""

        def __init__(self, h, heads, ffn):
            super().__init__()
            self.heads, self.h = heads, h
            self.ln1, self.ln2 = Gpt2LayerNorm(h), Gpt2LayerNorm(h)
            self.qkv, self.proj = nn.Linear(h, 3 * h), nn.Linear(h, h)
            self.fc, self.fc_proj = nn.Linear(h, ffn), nn.Linear(ffn, h)

        def forward(self, x, past=None):
            q, k, v = self.qkv(self.ln1(x)).split(self.h, dim=2)
            q, k, v = (split_heads(t, self.heads) for t in (q, k, v))
            if past is not None:
                k, v = torch.cat([past[0], k], dim=2), torch.cat([past[1], v], dim=2)
            w = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
            if past is None:     # causal: GPT-2's w * b - 1e4 * (1 - b), written as one constant
                s = w.shape[-1]
                w = w + torch.triu(torch.full((s, s), -1e4), diagonal=1)
            x = x + self.proj(merge_heads(torch.softmax(w, dim=-1) @ v))
            m = self.fc(self.ln2(x))
            x = x + self.fc_proj(nn.functional.gelu(m, approximate="tanh"))
            return x, (k, v)

    class Gpt2(nn.Module):
        """GPT-2 decoder from the embedded tokens to the final LayerNorm; decode: forward(x, *cache)."""

        def __init__(self, layers, h, heads, ffn):
            super().__init__()
            self.blocks = nn.ModuleList(Gpt2Block(h, heads, ffn) for _ in range(layers))
            self.ln_f = Gpt2LayerNorm(h)

        def forward(self, x, *cache):
            kv = []
            for i, b in enumerate(self.blocks):
                x, c = b(x, (cache[2 * i], cache[2 * i + 1]) if cache else None)
                kv += list(c)
            return (self.ln_f(x),) + tuple(kv)

    return Bert, Gpt2


def build(kind, a):
    """The seeded torch model of `kind` ("bert" or "gpt2"), in eval mode."""
    import torch
    Bert, Gpt2 = torch_models()
    torch.manual_seed(a.seed)
    cls = Bert if kind == "bert" else Gpt2
    m = cls(a.layers, a.hidden, a.heads, a.ffn).eval()
    with torch.no_grad():    # LayerNorm gains and biases are 1 and 0 at init: seed them too
        for name, p in m.named_parameters():
            if name.endswith(("ln.weight", "ln1.weight", "ln2.weight", ".g")) or name.endswith("ln_f.g"):
                p.copy_(1 + 0.1 * torch.randn_like(p))
            elif name.endswith(("ln.bias", "ln1.bias", "ln2.bias", ".b")) or name.endswith("ln_f.b"):
                p.copy_(0.1 * torch.randn_like(p))
            elif p.dim() == 2:      # Linear weights: BERT's initializer, N(0, 0.02)
                p.normal_(0.0, 0.02)
            else:
                p.normal_(0.0, 0.02)
    return m


def embedded(a, seq, offset=0, seed_extra=0):
    """The host's embedding lookup: seeded token ids, word + position embeddings (N(0, 0.02)
    tables as BERT's/GPT-2's initializer), [1, seq, H] float32."""
    import torch
    g = torch.Generator().manual_seed(1000 + a.seed + seed_extra)
    vocab, positions = 30522, 1024
    wte = torch.randn(vocab, a.hidden, generator=g) * 0.02
    wpe = torch.randn(positions, a.hidden, generator=g) * 0.02
    ids = torch.randint(0, vocab, (seq,), generator=g)
    return (wte[ids] + wpe[offset:offset + seq]).unsqueeze(0)


def export(kind, a, outdir):
    """Exports model `kind` (bert, gpt2, gpt2_decode) to OUTDIR/<kind>.onnx; returns (path,
    {input name: float array}, seconds)."""
    import numpy as np
    import torch
    t0 = time.time()
    m = build("bert" if kind == "bert" else "gpt2", a)
    x = embedded(a, a.seq)
    path = os.path.join(outdir, f"{kind}.onnx")
    names = ["x"]
    args = (x,)
    if kind == "gpt2_decode":
        with torch.no_grad():
            cache = m(x)[1:]
        args = (embedded(a, 1, offset=a.seq, seed_extra=1),) + tuple(cache)
        names += [f"past_{'kv'[i % 2]}{i // 2}" for i in range(len(cache))]
    outputs = ["y"] + ([f"present{i}" for i in range(2 * a.layers)] if kind != "bert" else [])
    torch.onnx.export(m, args, path, input_names=names, output_names=outputs, opset_version=17,
                      do_constant_folding=True)
    inputs = {n: t.detach().numpy().astype(np.float32) for n, t in zip(names, args)}
    return path, inputs, time.time() - t0


def torch_output(kind, a, first, inputs):
    """The torch model's float output for the graph's inputs."""
    import torch
    m = build("bert" if kind == "bert" else "gpt2", a)
    with torch.no_grad():
        y = m(torch.tensor(first), *[torch.tensor(inputs[k]) for k in inputs])
    return (y[0] if isinstance(y, tuple) else y).numpy()


def summarize(kind, stats):
    """The report's numbers from tpu-sim's --stats JSON."""
    run, host = stats["run"], stats["host"]
    ops = host["operations"]
    by = {}
    for o in ops:
        by.setdefault(o["op"], [0, 0.0])
        by[o["op"]][0] += 1
        by[o["op"]][1] += o["wait_ns"]
    mm = [l for l in stats.get("layers", []) if l["op"] == "matmul"]
    macs = stats["workload"]["useful_macs"]
    # The chip alone: the run minus the time the sequencer waits for the host at Interrupt_Host.
    chip_s = run["seconds"] * (run["cycles"] - host["wait_cycles"]) / max(run["cycles"], 1)
    return {"model": kind, "simulated_us": run["seconds"] * 1e6, "tops": run["tops"],
            "chip_us": chip_s * 1e6, "chip_tops": 2.0 * macs / chip_s / 1e12 if chip_s > 0 else 0.0,
            "mxu_utilization": run["mxu_utilization"], "host_share": host["share"],
            "host_wait_share": host["wait_share"], "host_ops": {k: (v[0], v[1] / 1e3) for k, v in by.items()},
            "matmul_layers": len(mm), "matmul_macs": sum(l["macs"] for l in mm),
            # MXU utilization of the matmuls' passes: their MACs over their array_active cycles x R x C
            "matmul_pass_util": (sum(l["macs"] for l in mm) / max(1, sum(l["table3_cycles"]["array_active"] for l in mm))
                                 / (stats["config"]["mxu"][0] * stats["config"]["mxu"][1])) if mm else 0.0,
            "useful_macs": macs}


def batch_of(a, first):
    """The chip input of --batch N sequences: `first` ([1, seq, H]) and N - 1 more embedded
    sequences (seeded apart from the calibration samples), [N, seq, H] float32."""
    import numpy as np
    more = [embedded(a, first.shape[1], seed_extra=100 + k).numpy() for k in range(a.batch - 1)]
    return np.concatenate([first] + more).astype(np.float32)


def run_model(kind, a):
    """Export, import, simulate one model; returns its report row (dict)."""
    import numpy as np
    sys.path.insert(0, SCRIPTS)
    import onnx_to_network as O
    path, inputs, t_export = export(kind, a, a.outdir)
    first = batch_of(a, inputs.pop("x"))
    wdir = os.path.join(a.outdir, kind)
    t0 = time.time()
    calib = [first] + [embedded(a, first.shape[1], offset=a.seq if kind == "gpt2_decode" else 0,
                                seed_extra=10 + k).numpy() for k in range(a.calibration - 1)]
    res = O.convert(path, wdir, batch=len(first), name=f"{kind}-l{a.layers}-h{a.hidden}-s{a.seq}", seed=a.seed,
                    input_data=first, calibration_data=np.concatenate(calib), extra_inputs=inputs,
                    verbose=False)
    t_import = time.time() - t0
    ref = torch_output(kind, a, first, inputs)
    interp_err = float(np.abs(res["float_output"] - ref).max() / max(np.abs(ref).max(), 1e-30))
    stats = os.path.join(a.outdir, f"{kind}.stats.json")
    if os.path.exists(stats):
        os.remove(stats)
    t0 = time.time()
    r = subprocess.run([a.tpu_sim, "--config", a.config, "--workload", os.path.join(wdir, "workload.yaml"),
                        "--stats", stats], capture_output=True, text=True)
    t_sim = time.time() - t0
    out = r.stdout + r.stderr
    mism = None
    for line in out.splitlines():
        if line.startswith("golden") and "mismatches" in line:
            mism = int(line.split("mismatches")[0].split()[-1])
    row = {"model": kind, "batch": len(first), "status": r.returncode, "mismatches": mism,
           "layers": len(res["lowering"].layers),
           "interp_vs_torch": interp_err, "int8_rel_error": res["agreement"]["relative_error"],
           "export_s": t_export, "import_s": t_import, "sim_s": t_sim}
    if r.returncode == 0 and os.path.exists(stats):
        with open(stats, encoding="utf-8") as f:
            row.update(summarize(kind, json.load(f)))
    else:
        row["error"] = out.strip().splitlines()[-1] if out.strip() else f"exit {r.returncode}"
    return row


def markdown(rows):
    """The report table (docs/model_zoo.md, section Transformers)."""
    head = ("| model | 0 mismatches | layers | GMACs | simulated us | TOPS | MXU util % | host share % | host waits "
            "(count, us) | chip alone us | chip alone TOPS | matmul pass util % | int8 vs float rel. error |")
    lines = [head, "|" + "---|" * 13]
    for r in rows:
        if "tops" not in r:
            lines.append(f"| {r['model']} | no | {r['layers']} | - | - | - | - | - | {r.get('error', '')} | - | - | - | "
                         f"{r['int8_rel_error']:.4f} |")
            continue
        waits = "; ".join(f"{k} {n}, {us:.1f}" for k, (n, us) in sorted(r["host_ops"].items()))
        lines.append(f"| {r['model']} | {'yes' if r['mismatches'] == 0 else 'no'} | {r['layers']} | "
                     f"{r['useful_macs'] / 1e9:.3f} | {r['simulated_us']:.1f} | {r['tops']:.3f} | "
                     f"{100 * r['mxu_utilization']:.2f} | {100 * r['host_share']:.1f} | {waits} | {r['chip_us']:.1f} | "
                     f"{r['chip_tops']:.3f} | {100 * r['matmul_pass_util']:.1f} | {r['int8_rel_error']:.4f} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--models", default="bert,gpt2,gpt2_decode")
    ap.add_argument("--layers", type=int, default=12)
    ap.add_argument("--hidden", type=int, default=768)
    ap.add_argument("--heads", type=int, default=12)
    ap.add_argument("--ffn", type=int, default=3072)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--calibration", type=int, default=4)
    ap.add_argument("--batch", type=int, default=1, help="sequences per run (bert, gpt2)")
    ap.add_argument("--tpu-sim", default=os.path.join(ROOT, "build", "tpu-sim"))
    ap.add_argument("--config", default=os.path.join(ROOT, "configs", "tpu_v1.yaml"))
    ap.add_argument("--markdown", help="write the report table here")
    a = ap.parse_args(argv)
    os.makedirs(a.outdir, exist_ok=True)
    rows, ok = [], True
    for kind in a.models.split(","):
        if kind not in ("bert", "gpt2", "gpt2_decode"):
            print(f"error: unknown model {kind!r} (bert, gpt2, gpt2_decode)", file=sys.stderr)
            return 1
        if a.batch < 1 or (a.batch > 1 and kind == "gpt2_decode"):
            print(f"error: --batch {a.batch}: at least 1, and 1 for gpt2_decode (one sample's KV cache)",
                  file=sys.stderr)
            return 1
        row = run_model(kind, a)
        rows.append(row)
        print(json.dumps(row, sort_keys=True), flush=True)
        # the float interpreter must be the torch model (the quantization is checked elsewhere)
        ok = ok and row["status"] == 0 and row["mismatches"] == 0 and row["interp_vs_torch"] < 1e-4
    table = markdown(rows)
    print(table)
    if a.markdown:
        with open(a.markdown, "w", encoding="utf-8") as f:
            f.write(table)
    print("all models: 0 golden mismatches" if ok else "FAILED: see the rows above")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
