"""`modelsite measure MODEL_ID`: the figures measured on the real timm model, as a YAML `Metadata:` mapping."""

from __future__ import annotations

import argparse

from modelsite.measure.ids import parse_model_id

NAME = "measure"
HELP = "print the figures measured on the real timm model"
DESCRIPTION = "Print a model's figures as a YAML `Metadata:` mapping."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model_id", metavar="MODEL_ID", help="timm model ID, optionally with its tag (name.tag)")


def run(args: argparse.Namespace) -> int:
    from modelsite.measure import measure
    from modelsite.measure.scaffold import index_yaml

    name, tag = parse_model_id(args.model_id)
    result = measure(f"{name}.{tag}" if tag else name)
    print(f"# {args.model_id}, measured with timm {result.timm_version} and torch {result.torch_version}")
    print(f"# FLOPs: multiply-accumulates for one {result.size_text} image (FlopCounterMode total, halved)")
    print("# Activations: elements produced by convolution and linear layers for that image")
    print(index_yaml({"Metadata": result.metadata(), "Code": result.code}), end="")
    return 0
