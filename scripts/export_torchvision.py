#!/usr/bin/python3
"""Export a torchvision classification model with seeded random weights to ONNX.

Run with Debian's Python (python3-torch, python3-torchvision, python3-onnx):

    /usr/bin/python3 scripts/export_torchvision.py resnet18 OUT.onnx [--input-size 224] [--seed 0]
        [--opset 13] [--num-classes 1000] [--keep-batchnorm]

No pretrained weights are downloaded (weights=None): torch.manual_seed(SEED) is set before the
model is built, so its default initialization (for ResNets: Kaiming-normal convolutions,
BatchNorm weight 1 / bias 0 / running mean 0 / running var 1, uniform Linear) is the same every
run. The model is put in eval mode and exported for a [1, 3, S, S] float input (S =
--input-size; 224 is the ImageNet size, smaller sizes such as 64 keep tests fast: the ResNets'
adaptive average pool makes any S >= 32 valid). The exported graph has a fixed batch of 1;
scripts/onnx_to_network.py takes the batch separately.

By default PyTorch's exporter folds each BatchNormalization into the preceding Conv (eval mode);
--keep-batchnorm exports with TrainingMode.PRESERVE so the BatchNormalization nodes stay in the
graph (onnx_to_network.py then folds them itself). The ONNX file is written with the exporter's
default node names (e.g. /layer1/layer1.0/conv1/Conv) and no doc string, so the same arguments
give the same bytes.

Models: any name in torchvision.models that builds with weights=None and num_classes (resnet18,
resnet34, resnet50, vgg11, alexnet, mobilenet_v2, googlenet, densenet121, ...);
onnx_to_network.py lists what it cannot map. googlenet and inception_v3 are built with
aux_logits=False and init_weights=True (their eval-mode graph has no auxiliary heads).

Vision transformers (vit_b_16, vit_b_32, vit_l_16, ...): built with image_size = --input-size (their
position embedding has one entry per patch of that size). torchvision initializes their class token
and their head (heads.head) to zeros, which would make the logits the same for every input; with
seeded weights standing in for trained ones, both are drawn here instead, from the same seeded
generator after the model is built: the class token normal with std 0.02 (as torchvision draws the
position embedding), the head by nn.Linear's own reset_parameters (Kaiming-uniform weight, uniform
bias). Their nn.MultiheadAttention is exported with grad enabled (export(): the fused fast path
has no ONNX form).

Small inputs of VGG and AlexNet: their AdaptiveAvgPool2d((7, 7)) / ((6, 6)) cannot be exported
when the feature map is not a multiple of the pool's output (e.g. 2x2 at --input-size 64). The
pool is then folded into the classifier's first Linear, which is the same function: each pool
output (i, j) is the mean of its bin of input pixels [floor(i s / o), ceil((i + 1) s / o)) (PyTorch's
adaptive pooling), a linear map A, so Linear(W) after the pool is Linear(W A) on the feature map
itself, and the model is exported with nn.Identity as its avgpool. At 224 nothing changes (the
feature map already has the pool's size, 7x7 or 6x6).
"""
import argparse
import sys


def adaptive_bins(s, o):
    """[o][s] matrix of PyTorch's adaptive average pooling of s pixels to o: row i averages the
    pixels floor(i s / o) .. ceil((i + 1) s / o) - 1."""
    import torch
    a = torch.zeros(o, s, dtype=torch.float64)
    for i in range(o):
        lo, hi = (i * s) // o, -((-(i + 1) * s) // o)
        a[i, lo:hi] = 1.0 / (hi - lo)
    return a


def fold_adaptive_pool(model, x):
    """VGG/AlexNet (features, avgpool = AdaptiveAvgPool2d, classifier[Linear first]): when the
    feature map of input x is not a multiple of the pool's output size, folds the pool into the
    first Linear (see the module docstring) and replaces it with nn.Identity. Other models: unchanged."""
    import torch
    pool = getattr(model, "avgpool", None)
    if not isinstance(pool, torch.nn.AdaptiveAvgPool2d) or not hasattr(model, "features") \
            or not hasattr(model, "classifier"):
        return
    with torch.no_grad():
        f = model.features(x)
    _, c, h, w = f.shape
    oh, ow = (pool.output_size, pool.output_size) if isinstance(pool.output_size, int) else pool.output_size
    if h % oh == 0 and w % ow == 0:
        return
    lin = next(m for m in model.classifier if isinstance(m, torch.nn.Linear))
    wt = lin.weight.detach().double().reshape(lin.out_features, c, oh, ow)
    folded = torch.einsum("ocij,ia,jb->ocab", wt, adaptive_bins(h, oh), adaptive_bins(w, ow))
    new = torch.nn.Linear(c * h * w, lin.out_features)
    with torch.no_grad():
        new.weight.copy_(folded.reshape(lin.out_features, c * h * w).float())
        new.bias.copy_(lin.bias)
    idx = next(i for i, m in enumerate(model.classifier) if m is lin)
    model.classifier[idx] = new
    model.avgpool = torch.nn.Identity()


def export(model, x, out, opset, mode):
    """torch.onnx.export of model on x (input "input", output "logits", constants folded). Under
    torch.no_grad(), except for a model with nn.MultiheadAttention (the vision transformers): with
    grad disabled its eval-mode forward takes PyTorch's fused fast path, aten::_native_multi_head_attention,
    which the ONNX exporter cannot export; with grad enabled it runs (and exports) the same function
    as MatMul/Softmax nodes (torch 1.13's nn.MultiheadAttention.forward, its why_not_fast_path)."""
    import contextlib
    import torch
    mha = any(isinstance(m, torch.nn.MultiheadAttention) for m in model.modules())
    with contextlib.nullcontext() if mha else torch.no_grad():
        torch.onnx.export(model, x, out, opset_version=opset, training=mode,
                          input_names=["input"], output_names=["logits"], do_constant_folding=True)


def draw_zero_inits(model):
    """A torchvision VisionTransformer's class token (normal, std 0.02) and head (nn.Linear's
    reset_parameters) drawn from torch's seeded generator instead of torchvision's zeros (see the
    module docstring); other models: unchanged."""
    import torch
    import torchvision
    if not isinstance(model, torchvision.models.VisionTransformer):
        return
    with torch.no_grad():
        torch.nn.init.normal_(model.class_token, std=0.02)
        for m in model.heads.modules():
            if isinstance(m, torch.nn.Linear):
                m.reset_parameters()


def main(argv=None):
    """Command line: exports the torchvision model (seeded random weights) to ONNX with input
    [1, 3, size, size]; returns 0, or 1 on a bad model name, size or constructor argument."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model", help="torchvision model name, e.g. resnet18")
    ap.add_argument("out", help="ONNX file to write")
    ap.add_argument("--input-size", type=int, default=224, help="input height = width (default 224)")
    ap.add_argument("--seed", type=int, default=0, help="torch.manual_seed for the random weights (default 0)")
    ap.add_argument("--opset", type=int, default=13, help="ONNX opset (default 13)")
    ap.add_argument("--num-classes", type=int, default=1000, help="classifier outputs (default 1000)")
    ap.add_argument("--keep-batchnorm", action="store_true",
                    help="keep BatchNormalization nodes (TrainingMode.PRESERVE) instead of letting torch fold them")
    args = ap.parse_args(argv)

    import torch
    import torchvision

    builder = getattr(torchvision.models, args.model, None)
    if builder is None or not callable(builder) or args.model.startswith("_"):
        print(f"error: torchvision.models has no model '{args.model}'", file=sys.stderr)
        return 1
    if args.input_size < 1:
        print("error: --input-size must be >= 1", file=sys.stderr)
        return 1
    torch.manual_seed(args.seed)
    kwargs = {"aux_logits": False, "init_weights": True} if args.model in ("googlenet", "inception_v3") else {}
    if args.model.startswith("vit_"):
        kwargs["image_size"] = args.input_size
    try:
        model = builder(weights=None, num_classes=args.num_classes, **kwargs)
    except TypeError as e:
        print(f"error: cannot build {args.model}(weights=None, num_classes={args.num_classes}): {e}", file=sys.stderr)
        return 1
    draw_zero_inits(model)
    model.eval()
    x = torch.zeros(1, 3, args.input_size, args.input_size)
    fold_adaptive_pool(model, x)
    mode = torch.onnx.TrainingMode.PRESERVE if args.keep_batchnorm else torch.onnx.TrainingMode.EVAL
    export(model, x, args.out, args.opset, mode)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"{args.out}: {args.model} (seed {args.seed}, {n_params} parameters), input [1, 3, {args.input_size}, "
          f"{args.input_size}], opset {args.opset}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
