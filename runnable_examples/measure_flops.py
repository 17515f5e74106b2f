"""Count a timm model's FLOPs, parameters and activations the way modelsite does.

    python measure_flops.py [MODEL] [--size PIXELS]

FLOPs here are multiply-accumulates (one per multiply-add), as the EfficientNet paper, timm's
GMACs and torchvision's GFLOPS count them: half of what `FlopCounterMode` reports. The model is
built on PyTorch's meta device, so nothing is downloaded and no memory is spent on weights.
"""

from __future__ import annotations

import argparse

import timm
import torch
from timm.layers import CondConv2d
from torch.utils.flop_counter import FlopCounterMode


def measure(model_name: str, size: int | None = None) -> dict[str, int]:
    with torch.device("meta"):
        model = timm.create_model(model_name, pretrained=False).eval()
        # The variant's own evaluation size unless one is given.
        size = size or timm.data.resolve_model_data_config(model)["input_size"][-1]
        image = torch.empty(1, 3, size, size)
    outputs = []

    def count_outputs(module: torch.nn.Module, inputs: object, output: torch.Tensor) -> None:
        outputs.append(output.numel())

    # CondConv2d (CondConv EfficientNets) is a convolution that is not a torch.nn.Conv2d.
    layers = [m for m in model.modules() if isinstance(m, (torch.nn.Conv2d, CondConv2d, torch.nn.Linear))]
    hooks = [layer.register_forward_hook(count_outputs) for layer in layers]
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model(image)
    for hook in hooks:
        hook.remove()
    return {
        "image_size": size,
        "flops": counter.get_total_flops() // 2,
        "parameters": sum(p.numel() for p in model.parameters()),
        "activations": sum(outputs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default="tf_efficientnet_b0")
    parser.add_argument("--size", type=int, help="input side in pixels (default: the variant's own)")
    args = parser.parse_args()
    figures = measure(args.model, args.size)
    print(f"{args.model} at {figures['image_size']}x{figures['image_size']}:")
    print(f"  FLOPs (multiply-accumulates): {figures['flops']:,}")
    print(f"  parameters:                   {figures['parameters']:,}")
    print(f"  activations:                  {figures['activations']:,}")


if __name__ == "__main__":
    main()
