"""Extract features with a timm EfficientNet: the feature map of every stage, and pooled embeddings.

    python features.py [MODEL] [IMAGE ...]

MODEL is any timm model with pretrained weights (default tf_efficientnet_b0.aa_in1k); IMAGE
is a path or an http(s) URL (default: the Grace Hopper portrait Matplotlib ships).
"""

from __future__ import annotations

import argparse
import io
import urllib.request

import timm
import torch
from PIL import Image

GRACE_HOPPER = (
    "https://raw.githubusercontent.com/matplotlib/matplotlib/v3.11.2/"
    "lib/matplotlib/mpl-data/sample_data/grace_hopper.jpg"
)


def load_image(where: str) -> Image.Image:
    if where.startswith(("http://", "https://")):
        with urllib.request.urlopen(where) as response:
            return Image.open(io.BytesIO(response.read())).convert("RGB")
    return Image.open(where).convert("RGB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default="tf_efficientnet_b0.aa_in1k")
    parser.add_argument("images", nargs="*", default=[GRACE_HOPPER])
    args = parser.parse_args()

    # Feature maps: one per stage, at strides 2 to 32.
    # The GPU where there is one, else the CPU: the model and its input must be on the same device.
    device = "cuda" if torch.cuda.is_available() else "cpu"
    extractor = timm.create_model(args.model, pretrained=True, features_only=True).eval().to(device)
    config = timm.data.resolve_model_data_config(extractor)
    transform = timm.data.create_transform(**config)
    batch = torch.stack([transform(load_image(image)) for image in args.images]).to(device)
    with torch.inference_mode():
        feature_maps = extractor(batch)
    print(f"{args.model}, {len(args.images)} image(s) at {tuple(batch.shape[-2:])}:")
    info = extractor.feature_info
    for level, (feature_map, reduction, channels) in enumerate(zip(feature_maps, info.reduction(), info.channels())):
        assert feature_map.shape[1] == channels
        print(
            f"  stage output {level}: stride {reduction:2d}, {channels:4d} channels, shape {tuple(feature_map.shape)}"
        )

    # Embeddings: the classifier's input, one vector per image, from a model without classifier.
    embedder = timm.create_model(args.model, pretrained=True, num_classes=0).eval().to(device)
    with torch.inference_mode():
        embeddings = embedder(batch)
    print(f"  pooled embeddings: shape {tuple(embeddings.shape)} ({embedder.num_features} features per image)")


if __name__ == "__main__":
    main()
