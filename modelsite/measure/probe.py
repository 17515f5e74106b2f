"""Figures measured on the real timm model: FLOPs, activations, parameters, checkpoint size,
input config, and the architecture's building blocks.

FLOPs follow the site's convention: `FlopCounterMode`'s total for one image at the
variant's input size, halved, so one multiply-add counts once (timm's GMACs, the
EfficientNet paper's FLOPs). Activations count the elements that convolution and linear
layers produce for that image, as timm's model cards do. The trace runs on the meta device:
no memory is allocated and no weights are needed.
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
    activations: int
    parameters: int
    file_size: int
    image_size: int
    crop_pct: float
    interpolation: str
    mean: tuple[float, ...]
    std: tuple[float, ...]
    architecture: tuple[str, ...]
    code: str
    timm_version: str
    torch_version: str

    def metadata(self) -> dict[str, object]:
        """The figures under the index's Metadata key names."""
        return {"FLOPs": self.flops, "Activations": self.activations, "Parameters": self.parameters,
                "File Size": self.file_size, "Image Size": self.image_size, "Crop Pct": self.crop_pct,
                "Interpolation": self.interpolation, "Mean": list(self.mean), "Std": list(self.std),
                "Architecture": list(self.architecture)}

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def measure(model_id: str, with_file_size: bool = True, device: str = "meta") -> Measurement:
    """Measure MODEL_ID (`name` or `name.tag`); the file size needs real, uninitialised tensors.

    DEVICE "meta" allocates nothing; "cpu" runs the same trace on real tensors (bench/measure.py
    compares the two).
    """
    import timm
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    with torch.device(device):
        model = timm.create_model(model_id, pretrained=False)
    model.eval()
    config = model.pretrained_cfg
    side = int(config["input_size"][-1])
    produced = _count_layer_outputs(model)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(torch.empty(1, 3, side, side, device=device))
    activations = produced.total()
    parameters = sum(p.numel() for p in model.parameters())
    file_size = checkpoint_size(model) if with_file_size else 0
    name = model_id.split(".")[0]
    return Measurement(
        model_id=name, flops=counter.get_total_flops() // 2, activations=activations, parameters=parameters,
        file_size=file_size, image_size=side, crop_pct=float(config["crop_pct"]),
        interpolation=str(config["interpolation"]), mean=tuple(float(v) for v in config["mean"]),
        std=tuple(float(v) for v in config["std"]), architecture=tuple(architecture_tags(model)),
        code=code_link(name), timm_version=timm.__version__, torch_version=torch.__version__.split("+")[0],
    )


class _OutputCounter:
    """Forward hooks that add up the elements each convolution and linear layer produces."""

    def __init__(self) -> None:
        self.elements = 0
        self.handles: list = []

    def __call__(self, module: object, inputs: object, output: object) -> None:
        self.elements += output.numel()  # type: ignore[attr-defined]

    def total(self) -> int:
        for handle in self.handles:
            handle.remove()
        return self.elements


def _count_layer_outputs(model: object) -> _OutputCounter:
    counter = _OutputCounter()
    for module in model.modules():  # type: ignore[attr-defined]
        if _is_conv(module) or _is_linear(module):
            counter.handles.append(module.register_forward_hook(counter))
    return counter


def _is_conv(module: object) -> bool:
    import torch.nn as nn
    from timm.layers import CondConv2d

    return isinstance(module, (nn.Conv2d, CondConv2d))


def _is_linear(module: object) -> bool:
    import torch.nn as nn

    return isinstance(module, nn.Linear)


# The architecture tags modelsite can verify, each with the test that finds it in the module graph.
ARCHITECTURE_TAGS = (
    "1x1 Convolution", "Average Pooling", "Batch Normalization", "CondConv", "Convolution", "Dense Connections",
    "Depthwise Convolution", "Dropout", "Inverted Residual Block", "RELU6", "Squeeze-and-Excitation Block", "Swish",
)


def architecture_tags(model: object) -> list[str]:
    """The tags of ARCHITECTURE_TAGS whose building block occurs in MODEL, in that order."""
    import torch.nn as nn
    from timm.layers import CondConv2d
    from timm.models._efficientnet_blocks import InvertedResidual

    modules = list(model.modules())  # type: ignore[attr-defined]
    convs = [m for m in modules if _is_conv(m)]
    names = {type(m).__name__ for m in modules}
    found = {
        "1x1 Convolution": any(tuple(m.kernel_size) == (1, 1) for m in convs),
        "Average Pooling": any(isinstance(m, (nn.AdaptiveAvgPool2d, nn.AvgPool2d)) for m in modules),
        "Batch Normalization": any(isinstance(m, nn.BatchNorm2d) for m in modules),
        "CondConv": any(isinstance(m, CondConv2d) for m in modules),
        "Convolution": bool(convs),
        "Dense Connections": any(isinstance(m, nn.Linear) for m in modules),
        "Depthwise Convolution": any(m.groups > 1 and m.groups == m.in_channels for m in convs),
        # EfficientNet applies its head dropout functionally, with the rate kept on the model.
        "Dropout": any(isinstance(m, nn.Dropout) and m.p > 0 for m in modules)
                   or getattr(model, "drop_rate", 0) > 0,
        "Inverted Residual Block": any(isinstance(m, InvertedResidual) for m in modules),
        "RELU6": any(isinstance(m, nn.ReLU6) for m in modules),
        "Squeeze-and-Excitation Block": any("SqueezeExcite" in name or name == "SEModule" for name in names),
        "Swish": any(isinstance(m, nn.SiLU) or type(m).__name__ == "Swish" for m in modules),
    }
    return [tag for tag in ARCHITECTURE_TAGS if found[tag]]


def cached_measure(model_id: str, cache_dir: Path | None) -> Measurement:
    """`measure(MODEL_ID)`, reused from CACHE_DIR while timm, torch and this module are unchanged."""
    import hashlib
    import json

    from modelsite.core.files import installed_version, write_text_atomically

    if cache_dir is None:
        return measure(model_id)
    facts = [model_id, installed_version("timm"), installed_version("torch"),
             hashlib.sha256(Path(__file__).read_bytes()).hexdigest()]
    path = cache_dir / "measure" / f"{hashlib.sha256(json.dumps(facts).encode()).hexdigest()}.json"
    if path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return Measurement(**{**data, "mean": tuple(data["mean"]), "std": tuple(data["std"]),
                                  "architecture": tuple(data["architecture"])})
        except (OSError, ValueError, KeyError, TypeError):
            pass  # An unreadable entry is measured again and replaced.
    measured = measure(model_id)
    write_text_atomically(path, json.dumps(measured.as_dict()))
    return measured


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
