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
resnet34, resnet50, vgg11, alexnet, ...); only some convert to the network format (no grouped
convolutions, no Concat, ...): onnx_to_network.py lists what it cannot map.
"""
import argparse
import sys


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
    try:
        model = builder(weights=None, num_classes=args.num_classes)
    except TypeError as e:
        print(f"error: cannot build {args.model}(weights=None, num_classes={args.num_classes}): {e}", file=sys.stderr)
        return 1
    model.eval()
    x = torch.zeros(1, 3, args.input_size, args.input_size)
    mode = torch.onnx.TrainingMode.PRESERVE if args.keep_batchnorm else torch.onnx.TrainingMode.EVAL
    with torch.no_grad():
        torch.onnx.export(model, x, args.out, opset_version=args.opset, training=mode,
                          input_names=["input"], output_names=["logits"], do_constant_folding=True)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"{args.out}: {args.model} (seed {args.seed}, {n_params} parameters), input [1, 3, {args.input_size}, "
          f"{args.input_size}], opset {args.opset}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
