"""Classify one image with a pretrained EfficientNet and print the five most likely ImageNet classes.

    python classify.py [MODEL] [IMAGE]

MODEL is any timm model with pretrained weights (default tf_efficientnet_b0.aa_in1k);
IMAGE is a path or an http(s) URL (default: the Grace Hopper portrait Matplotlib ships).
"""

from __future__ import annotations

import argparse
import io
import urllib.request

import timm
import torch
from PIL import Image
from timm.data import ImageNetInfo

GRACE_HOPPER = (
    "https://raw.githubusercontent.com/matplotlib/matplotlib/v3.11.2/"
    "lib/matplotlib/mpl-data/sample_data/grace_hopper.jpg"
)


def load_image(where: str) -> Image.Image:
    if where.startswith(("http://", "https://")):
        with urllib.request.urlopen(where) as response:
            return Image.open(io.BytesIO(response.read())).convert("RGB")
    return Image.open(where).convert("RGB")


def top5(model_name: str, image: Image.Image) -> list[tuple[str, float]]:
    """The five most likely classes and their probabilities."""
    # The GPU where there is one, else the CPU: the model and its input must be on the same device.
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = timm.create_model(model_name, pretrained=True).eval().to(device)
    # Resize, crop and normalize exactly as these weights were evaluated.
    config = timm.data.resolve_model_data_config(model)
    batch = timm.data.create_transform(**config)(image).unsqueeze(0).to(device)
    with torch.inference_mode():
        probabilities = model(batch).softmax(dim=-1)[0]
    best = probabilities.topk(5)
    imagenet = ImageNetInfo()
    return [
        (imagenet.index_to_description(index.item()), probability.item())
        for probability, index in zip(best.values, best.indices)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default="tf_efficientnet_b0.aa_in1k")
    parser.add_argument("image", nargs="?", default=GRACE_HOPPER)
    args = parser.parse_args()
    image = load_image(args.image)
    print(f"{args.model} on a {image.width}x{image.height} image:")
    for name, probability in top5(args.model, image):
        print(f"  {probability:6.1%}  {name}")


if __name__ == "__main__":
    main()
