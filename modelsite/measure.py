"""Figures measured on the real timm model: FLOPs, parameters, checkpoint size, input config.

FLOPs follow the site's convention: `FlopCounterMode`'s total for one image at the
variant's input size, halved, so one multiply-add counts once (timm's GMACs, the
EfficientNet paper's FLOPs). The trace runs on the meta device: no memory is allocated
and no weights are needed.
"""

from __future__ import annotations

import inspect
import io
from dataclasses import asdict, dataclass
from pathlib import Path

TIMM_REPO = "https://github.com/huggingface/pytorch-image-models"


@dataclass(frozen=True)
class Measurement:
    """What the real model says about itself."""

    model_id: str
    flops: int
    parameters: int
    file_size: int
    image_size: int
    crop_pct: float
    interpolation: str
    mean: tuple[float, ...]
    std: tuple[float, ...]
    code: str
    timm_version: str
    torch_version: str

    def metadata(self) -> dict[str, object]:
        """The figures under the index's Metadata key names."""
        return {"FLOPs": self.flops, "Parameters": self.parameters, "File Size": self.file_size,
                "Image Size": self.image_size, "Crop Pct": self.crop_pct, "Interpolation": self.interpolation}

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def measure(model_id: str, with_file_size: bool = True) -> Measurement:
    """Measure MODEL_ID (`name` or `name.tag`); the file size needs real, uninitialised tensors."""
    import timm
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    with torch.device("meta"):
        model = timm.create_model(model_id, pretrained=False)
    model.eval()
    config = model.pretrained_cfg
    side = int(config["input_size"][-1])
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(torch.empty(1, 3, side, side, device="meta"))
    parameters = sum(p.numel() for p in model.parameters())
    file_size = checkpoint_size(model) if with_file_size else 0
    return Measurement(
        model_id=model_id.split(".")[0], flops=counter.get_total_flops() // 2, parameters=parameters,
        file_size=file_size, image_size=side, crop_pct=float(config["crop_pct"]),
        interpolation=str(config["interpolation"]), mean=tuple(config["mean"]), std=tuple(config["std"]),
        code=code_link(model_id.split(".")[0]), timm_version=timm.__version__,
        torch_version=torch.__version__.split("+")[0],
    )


def checkpoint_size(meta_model: object) -> int:
    """Bytes of `torch.save(state_dict)` for the model's tensors, materialised without initialising them."""
    import torch

    model = meta_model.to_empty(device="cpu")  # type: ignore[attr-defined]
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.tell()


def code_link(model_name: str) -> str:
    """Link to the `def` line of the variant's entry point, at the installed timm's release tag."""
    import timm

    function = inspect.unwrap(timm.models.model_entrypoint(model_name))
    source_file = Path(inspect.getsourcefile(function) or "")
    lines, first = inspect.getsourcelines(function)
    offset = next((i for i, line in enumerate(lines) if line.lstrip().startswith(f"def {model_name}(")), 0)
    package_root = Path(timm.__file__).resolve().parent.parent
    relative = source_file.resolve().relative_to(package_root).as_posix()
    return f"{TIMM_REPO}/blob/v{timm.__version__}/{relative}#L{first + offset}"
