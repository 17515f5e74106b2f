"""The training recipe of a variant, written as flags of timm's `train.py`."""

from __future__ import annotations

from dataclasses import dataclass

from modelsite.index.model import Model


@dataclass(frozen=True)
class TrainFlag:
    """One command-line flag and the index field it comes from."""

    flag: str
    value: str
    source: str
    # Whether the flag carries the weights' training recipe (else it names the model and its classes).
    recipe: bool = True


def train_flags(model: Model) -> list[TrainFlag]:
    """Flags for the fields the index gives; nothing is invented for fields it lacks."""
    meta = model.training.hyperparameters
    techniques = set(model.training.techniques)
    flags = [
        TrainFlag("--model", model.name, "Name", recipe=False),
        TrainFlag("--num-classes", str(model.figures["Classes"]), "Classes", recipe=False),
    ]
    if "Epochs" in meta:
        flags.append(TrainFlag("--epochs", str(meta["Epochs"]), "Epochs"))
    if "RMSProp" in techniques:
        # timm's TensorFlow-style RMSProp; its alpha is RMSProp Decay.
        flags.append(TrainFlag("--opt", "rmsproptf", "Training Techniques: RMSProp"))
    if "LR" in meta:
        flags.append(TrainFlag("--lr", f"{meta['LR']:g}", "LR"))
    if "Momentum" in meta:
        flags.append(TrainFlag("--momentum", f"{meta['Momentum']:g}", "Momentum"))
    if "Weight Decay" in meta:
        flags.append(TrainFlag("--weight-decay", f"{meta['Weight Decay']:g}", "Weight Decay"))
    if "Label Smoothing" in meta:
        flags.append(TrainFlag("--smoothing", f"{meta['Label Smoothing']:g}", "Label Smoothing"))
    if "AutoAugment" in techniques:
        flags.append(TrainFlag("--aa", "original", "Training Techniques: AutoAugment"))
    if "BatchNorm Momentum" in meta:
        # TensorFlow's momentum is the running mean's decay; PyTorch's is its complement.
        flags.append(TrainFlag("--bn-momentum", f"{1 - meta['BatchNorm Momentum']:.2g}", "BatchNorm Momentum"))
    return flags
