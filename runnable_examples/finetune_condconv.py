"""Fine-tune a CondConv EfficientNet on scikit-learn's handwritten digits, in two phases.

    python finetune_condconv.py [MODEL]

The data set is the 1,797 8x8 digit images that scikit-learn ships: real handwriting, nothing to
download. The recipe is the usual one for a pretrained network and a small data set:

1. Replace the ImageNet classifier with a new 10-class head and train only the head, with the
   pretrained body frozen. Since nothing before the head learns, the body's pooled features are
   computed once and the head trains on them: each epoch costs a matrix product, not a network.
2. Unfreeze the top block (the last stage, the head convolution) and train it too, at a lower
   learning rate, with every batch norm layer kept in evaluation mode: its statistics stay those
   of the pretrained network, which a small data set would only blur.

On a GPU it trains in mixed precision. One fixed split keeps a fifth of the digits for testing.
"""

from __future__ import annotations

import argparse
import time

import timm
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from tqdm import tqdm

SIZE = 48  # The 8x8 digits, upsampled: enough for the network's five halvings.
BATCH = 64
HEAD_EPOCHS, HEAD_LR = 5, 3e-3  # Epochs on the pooled features cost next to nothing.
TOP_EPOCHS, TOP_LR = 2, 3e-4
TOP_STAGES = 1  # The last stage: a CondConv block with 2.9 M of the 13 M parameters.


def digits(mean: tuple[float, ...], std: tuple[float, ...]) -> tuple[torch.Tensor, ...]:
    """Train and test images as normalized 3-channel tensors, and their labels."""
    data = load_digits()
    images = torch.tensor(data.images, dtype=torch.float32).unsqueeze(1) / 16.0  # ink from 0 to 16
    images = F.interpolate(images, size=(SIZE, SIZE), mode="bilinear", align_corners=False).repeat(1, 3, 1, 1)
    images = (images - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1)
    labels = torch.tensor(data.target)
    train, test = train_test_split(range(len(labels)), test_size=0.2, stratify=data.target, random_state=0)
    return images[train], labels[train], images[test], labels[test]


def freeze_all_but_head(model: torch.nn.Module) -> None:
    for parameter in model.parameters():
        parameter.requires_grad = False
    for parameter in model.get_classifier().parameters():
        parameter.requires_grad = True


def unfreeze_top(model: torch.nn.Module) -> None:
    """The last TOP_STAGES stages and the head convolution learn too; batch norm layers stay frozen."""
    for part in (*model.blocks[-TOP_STAGES:], model.conv_head):
        for parameter in part.parameters():
            parameter.requires_grad = True
    for module in model.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            for parameter in module.parameters():
                parameter.requires_grad = False


def keep_batch_norm_in_eval(model: torch.nn.Module) -> None:
    """`model.train()` puts batch norm in training mode; put it back, so its statistics stay fixed."""
    for module in model.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            module.eval()


def train(
    model: torch.nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    epochs: int,
    lr: float,
    device: torch.device,
    phase: str,
) -> list[float]:
    """Train the parameters that require grad; the mean loss of each epoch."""
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr)
    scaler = torch.amp.GradScaler("cuda", enabled=device.type == "cuda")
    generator = torch.Generator().manual_seed(0)
    losses = []
    for epoch in range(1, epochs + 1):
        model.train()
        keep_batch_norm_in_eval(model)
        order = torch.randperm(len(labels), generator=generator)
        total, seen = 0.0, 0
        batches = tqdm(order.split(BATCH), desc=f"{phase} epoch {epoch}/{epochs}", leave=False)
        for batch in batches:
            x, y = images[batch].to(device), labels[batch].to(device)
            with torch.autocast(device.type, dtype=torch.float16, enabled=device.type == "cuda"):
                loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            total += loss.item() * len(batch)
            seen += len(batch)
            batches.set_postfix(loss=f"{total / seen:.3f}")
        losses.append(total / seen)
        print(f"{phase}, epoch {epoch}: training loss {losses[-1]:.3f}")
    return losses


@torch.inference_mode()
def pooled_features(model: torch.nn.Module, images: torch.Tensor, device: torch.device) -> torch.Tensor:
    """What the frozen body hands the head for each image: the input of the classifier."""
    model.eval()
    batches = []
    for start in range(0, len(images), 256):
        x = images[start : start + 256].to(device)
        with torch.autocast(device.type, dtype=torch.float16, enabled=device.type == "cuda"):
            batches.append(model.forward_head(model.forward_features(x), pre_logits=True).float())
    return torch.cat(batches)


@torch.inference_mode()
def accuracy(model: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor, device: torch.device) -> float:
    model.eval()
    correct = 0
    for start in range(0, len(labels), 256):
        x = images[start : start + 256].to(device)
        with torch.autocast(device.type, dtype=torch.float16, enabled=device.type == "cuda"):
            correct += (model(x).argmax(dim=1).cpu() == labels[start : start + 256]).sum().item()
    return correct / len(labels)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default="tf_efficientnet_cc_b0_4e.in1k")
    args = parser.parse_args()
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    started = time.perf_counter()
    model = timm.create_model(args.model, pretrained=True, num_classes=10).to(device)
    config = timm.data.resolve_model_data_config(model)
    train_images, train_labels, test_images, test_labels = digits(config["mean"], config["std"])
    print(
        f"{args.model} on {len(train_labels)} training and {len(test_labels)} test digits, "
        f"{SIZE}x{SIZE} px, {device.type}{' with mixed precision' if device.type == 'cuda' else ''}"
    )
    print(f"chance: {1 / 10:.0%}")

    freeze_all_but_head(model)
    features = pooled_features(model, train_images, device)
    head_losses = train(model.get_classifier(), features, train_labels, HEAD_EPOCHS, HEAD_LR, device, "head only")
    head_accuracy = accuracy(model, test_images, test_labels, device)
    print(f"held-out accuracy after the head: {head_accuracy:.1%}")

    unfreeze_top(model)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    stages = "the last stage" if TOP_STAGES == 1 else f"the last {TOP_STAGES} stages"
    print(f"unfrozen: {stages} and the head, {trainable:,} parameters; batch norm stays frozen")
    top_losses = train(model, train_images, train_labels, TOP_EPOCHS, TOP_LR, device, "top block")
    final_accuracy = accuracy(model, test_images, test_labels, device)
    print(f"held-out accuracy after the top block: {final_accuracy:.1%}")
    losses = head_losses + top_losses
    print(f"training loss from {losses[0]:.3f} to {losses[-1]:.3f} in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
