"""Figures measured on the real timm model, one property of `MeasuredModel` per figure of the table.

`modelsite.core.figures.FIGURES` names, for each figure, the `MeasuredModel` property that measures it.
FLOPs follow the site's convention: `FlopCounterMode`'s total for one image at the variant's
input size, halved, so one multiply-add counts once (timm's GMACs, the EfficientNet paper's
FLOPs). Activations count the elements that convolution and linear layers produce for that image,
as timm's model cards do. The trace runs on the meta device: no memory is allocated and no weights
are needed.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from modelsite.core.cache import Store, store
from modelsite.core.errors import ModelsiteError
from modelsite.core.figures import ARCHITECTURE_TAGS, FIGURES, NO_LICENCE, UNKNOWN_HEAD, Counts
from modelsite.core.imports import closure

TIMM_REPO = "https://github.com/huggingface/pytorch-image-models"


@dataclass(frozen=True)
class Measurement:
    """What the real model says about itself: a value per figure of the table, and where it is defined."""

    model_id: str
    values: Mapping[str, Any]
    code: str
    timm_version: str
    torch_version: str

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    @property
    def image_size(self) -> int:
        return int(self.values["Image Size"])

    @property
    def size_text(self) -> str:
        """The input as height x width, for sources and messages: '224x224', '1024x768'."""
        return f"{self.values.get('Image Height') or self.image_size}x{self.image_size}"

    def metadata(self) -> dict[str, Any]:
        """The figures as the index writes them under Metadata, in the table's order: an optional figure the
        model lacks is left out, and a list the model lacks (no feature maps) is the word `none`."""
        written = {}
        for figure in FIGURES:
            value = self.values[figure.key]
            if value is None and isinstance(figure.kind, Counts):
                written[figure.key] = "none"
            elif value is not None or figure.required:
                written[figure.key] = value
        return written

    def as_json(self) -> dict[str, Any]:
        return {
            "model_id": self.model_id,
            "values": dict(self.values),
            "code": self.code,
            "timm_version": self.timm_version,
            "torch_version": self.torch_version,
        }

    @classmethod
    def from_json(cls, data: Any) -> Measurement:
        """A cached measurement, checked to hold every figure of the table (else a KeyError or TypeError)."""
        values = {figure.key: data["values"][figure.key] for figure in FIGURES}
        return cls(
            model_id=str(data["model_id"]),
            values=values,
            code=str(data["code"]),
            timm_version=str(data["timm_version"]),
            torch_version=str(data["torch_version"]),
        )


class FeatureMapsError(ModelsiteError):
    """A model whose declared feature maps cannot be measured."""


@dataclass
class MeasuredModel:
    """A model built once (on the meta device by default) and traced once, with a property per figure."""

    model_id: str
    device: str = "meta"
    # Skipping the checkpoint's size saves materializing the weights; the figure is then 0.
    with_file_size: bool = True
    _trace: tuple[int, int, tuple[int, ...]] | None = field(default=None, repr=False)

    @cached_property
    def model(self) -> Any:
        import timm
        import torch

        with torch.device(self.device):
            model = timm.create_model(self.model_id, pretrained=False)
        return model.eval()

    @property
    def config(self) -> Mapping[str, Any]:
        return self.model.pretrained_cfg

    def _traced(self) -> tuple[int, int, tuple[int, ...]]:
        """Multiply-accumulates, produced elements and the output's shape of one forward pass at the image size."""
        if self._trace is None:
            import torch
            from torch.utils.flop_counter import FlopCounterMode

            produced = _count_layer_outputs(self.model)
            # Not under no_grad: FlopCounterMode's module tracker fails there on some attention-pool heads (CaiT,
            # PiT, SigLIP). The meta device allocates nothing, gradients or not.
            with FlopCounterMode(display=False) as counter:
                output = self.model(torch.empty(1, 3, *self.input_shape, device=self.device))
            self._trace = (counter.get_total_flops() // 2, produced.total(), tuple(output.shape))
        return self._trace

    @property
    def flops(self) -> int:
        return self._traced()[0]

    @property
    def activations(self) -> int:
        return self._traced()[1]

    @property
    def parameters(self) -> int:
        return sum(p.numel() for p in self.model.parameters())

    @property
    def file_size(self) -> int:
        return checkpoint_size(self.model) if self.with_file_size else 0

    @property
    def image_size(self) -> int:
        return int(self.config["input_size"][-1])

    @property
    def image_height(self) -> int | None:
        """The input's height where it is not square (input_size is channels, height, width), else None."""
        height = int(self.config["input_size"][-2])
        return height if height != self.image_size else None

    @property
    def input_shape(self) -> tuple[int, int]:
        return (self.image_height or self.image_size, self.image_size)

    @property
    def crop_pct(self) -> float:
        return float(self.config["crop_pct"])

    @property
    def interpolation(self) -> str:
        return str(self.config["interpolation"])

    @property
    def mean(self) -> list[float]:
        return [float(v) for v in self.config["mean"]]

    @property
    def std(self) -> list[float]:
        return [float(v) for v in self.config["std"]]

    @property
    def crop_mode(self) -> str:
        return str(self.config.get("crop_mode") or "center")

    @property
    def test_image_size(self) -> int | None:
        size = self.config.get("test_input_size")
        return int(size[-1]) if size else None

    @property
    def test_crop_pct(self) -> float | None:
        crop = self.config.get("test_crop_pct")
        return float(crop) if crop else None

    @property
    def architecture(self) -> list[str]:
        return architecture_tags(self.model)

    @property
    def classes(self) -> int:
        return int(self.model.num_classes)

    @property
    def label_set(self) -> str:
        from timm.data import infer_imagenet_subset

        return infer_imagenet_subset(self.model) or "none"

    @property
    def _output_shape(self) -> tuple[int, ...]:
        """The shape of `model(image)` for one image at the image size, from the trace's forward pass."""
        return self._traced()[2]

    @property
    def head(self) -> str:
        """What timm states of the outputs (core.figures.HEADS): with no classifier, one pooled vector (none) or a
        sequence of tokens (a language model's vision encoder); a classifier over a named label set; or unknown."""
        if self.classes == 0:
            return "tokens" if len(self._output_shape) == 3 else "none"
        return "classifier" if self.label_set != "none" else UNKNOWN_HEAD

    @property
    def licence(self) -> str:
        """The weights' licence as timm's pretrained configuration names it."""
        return str(self.config.get("license") or NO_LICENCE)

    @property
    def embedding_size(self) -> int:
        """The pooled features' length before the classifier, or each output token's length (an encoder of tokens
        has no classifier to stop before and no pooling), read from a forward pass (meta: no arithmetic)."""
        import torch

        if self.head == "tokens":
            return self._output_shape[-1]
        with torch.no_grad():
            features = self.model.forward_features(self._image())
            return int(self.model.forward_head(features, pre_logits=True).shape[-1])

    @property
    def feature_strides(self) -> list[int] | None:
        return [m[0] for m in self._maps] if self._maps is not None else None

    @property
    def feature_channels(self) -> list[int] | None:
        return [m[1] for m in self._maps] if self._maps is not None else None

    @property
    def feature_sides(self) -> list[int] | None:
        return [m[2] for m in self._maps] if self._maps is not None else None

    def _image(self) -> Any:
        import torch

        return torch.empty(1, 3, *self.input_shape, device=self.model_device)

    @property
    def model_device(self) -> str:
        return "meta" if self.device == "meta" else str(next(self.model.parameters()).device)

    @cached_property
    def _maps(self) -> list[tuple[int, int, int]] | None:
        """(stride, channels, side) of each map the model's features_only form returns, or None without one."""
        # timm declares the maps a model has in feature_info; a model without it has no feature pyramid. One
        # that declares them and fails to build or run its features_only form is an error, never "none".
        if not getattr(self.model, "feature_info", None):
            return None
        try:
            extractor, maps = _features_only_maps(self.model_id, self.input_shape, self.device)
        except Exception as error:
            if self.device != "meta":
                raise self._maps_error(error) from error
            # Some features_only forms read a tensor's value (Gemma 4's grid of position ids), which the meta device
            # cannot give: those run once on the CPU, with random weights.
            try:
                extractor, maps = _features_only_maps(self.model_id, self.input_shape, "cpu")
            except Exception as cpu_error:
                raise self._maps_error(cpu_error) from cpu_error
        # The height: the side of a square map, and what the page prints of one that is not.
        channels_last = getattr(extractor, "output_fmt", "NCHW") == "NHWC"
        info = extractor.feature_info
        return [
            (int(stride), int(count), int(m.shape[1] if channels_last else m.shape[2]))
            for stride, count, m in zip(info.reduction(), info.channels(), maps)
        ]

    def _maps_error(self, error: Exception) -> FeatureMapsError:
        import timm

        return FeatureMapsError(
            f"{self.model_id} declares feature maps (feature_info), but timm {timm.__version__} could not build or "
            f"run its features_only form ({type(error).__name__}: {error}); its feature figures cannot be measured: "
            "report it to timm, or leave Feature Strides, Channels and Sides out of the entry"
        )

    def measurement(self) -> Measurement:
        import timm
        import torch

        name = self.model_id.split(".")[0]
        # The trace first: a file size materializes the weights, after which the model is no longer on meta.
        values = {figure.key: getattr(self, figure.measured_by) for figure in FIGURES if figure.key != "File Size"}
        values["File Size"] = self.file_size
        return Measurement(
            model_id=name,
            values={figure.key: values[figure.key] for figure in FIGURES},
            code=code_link(name),
            timm_version=timm.__version__,
            torch_version=torch.__version__.split("+")[0],
        )


def _features_only_maps(model_id: str, shape: tuple[int, int], device: str) -> tuple[Any, list[Any]]:
    """MODEL_ID's features_only form on DEVICE and the maps it returns for one image of SHAPE (height, width)."""
    import timm
    import torch

    with torch.device(device):
        extractor = timm.create_model(model_id, pretrained=False, features_only=True).eval()
    with torch.no_grad():
        return extractor, extractor(torch.empty(1, 3, *shape, device=device))


def measure(model_id: str, with_file_size: bool = True, device: str = "meta") -> Measurement:
    """Measure MODEL_ID (`name` or `name.tag`); the file size needs real, uninitialised tensors.

    DEVICE "meta" allocates nothing; "cpu" runs the same trace on real tensors (bench/measure.py
    compares the two).
    """
    return MeasuredModel(model_id, device=device, with_file_size=with_file_size).measurement()


class _OutputCounter:
    """Forward hooks that add up the elements each convolution and linear layer produces."""

    def __init__(self) -> None:
        self.elements = 0
        self.handles: list[Any] = []

    def __call__(self, module: object, inputs: object, output: Any) -> None:
        self.elements += output.numel()

    def total(self) -> int:
        for handle in self.handles:
            handle.remove()
        return self.elements


def _count_layer_outputs(model: Any) -> _OutputCounter:
    counter = _OutputCounter()
    for module in model.modules():
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


def architecture_tags(model: Any) -> list[str]:
    """The tags of ARCHITECTURE_TAGS whose building block occurs in MODEL, in that order."""
    import torch.nn as nn
    from timm.layers import CondConv2d
    from timm.models._efficientnet_blocks import InvertedResidual

    modules = list(model.modules())
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
        "Dropout": any(isinstance(m, nn.Dropout) and m.p > 0 for m in modules) or getattr(model, "drop_rate", 0) > 0,
        "GELU": any(isinstance(m, nn.GELU) or "GELU" in type(m).__name__ for m in modules),
        "Hard Swish": any(isinstance(m, nn.Hardswish) or type(m).__name__.startswith("HardSwish") for m in modules),
        "Inverted Residual Block": any(isinstance(m, InvertedResidual) for m in modules),
        "Layer Normalization": any(isinstance(m, nn.LayerNorm) for m in modules),
        # timm's attention modules are its own classes (Attention, WindowAttention, ...), each with its heads.
        "Multi-Head Attention": any(
            isinstance(m, nn.MultiheadAttention) or (type(m).__name__.endswith("Attention") and hasattr(m, "num_heads"))
            for m in modules
        ),
        "ReLU": any(type(m) is nn.ReLU for m in modules),
        "RELU6": any(isinstance(m, nn.ReLU6) for m in modules),
        "Squeeze-and-Excitation Block": any("SqueezeExcite" in name or name == "SEModule" for name in names),
        "Swish": any(isinstance(m, nn.SiLU) or type(m).__name__ == "Swish" for m in modules),
    }
    return [tag for tag in ARCHITECTURE_TAGS if found[tag]]


def measurements(cache_root: Path | None) -> Store | None:
    """The cache of measurements: one per model ID, timm and torch version, and the code that measured."""
    return store(cache_root, "measure") if cache_root else None


def cached_measure(model_id: str, cache_root: Path | None) -> Measurement:
    """`measure(MODEL_ID)`, reused from the cache while timm, torch and the measuring code are unchanged."""
    from modelsite.core.files import installed_version

    store = measurements(cache_root)
    if store is None:
        return measure(model_id)
    # The measuring code and everything it imports from the package, read from the import graph.
    code = [hashlib.sha256(path.read_bytes()).hexdigest() for path in closure(__name__)]
    key = store.key(model_id, installed_version("timm"), installed_version("torch"), code)
    cached = store.read(key, Measurement.from_json)
    if cached is not None:
        return cached
    measured = measure(model_id)
    store.write(key, measured.as_json())
    return measured


class _ByteCounter:
    """A write-only file that keeps no bytes, only their count: what `torch.save` would write, measured in no
    memory, so that a model of billions of parameters is measured on a machine that could not hold its file."""

    def __init__(self) -> None:
        self.written = 0

    def write(self, data: Any) -> int:
        size = memoryview(data).nbytes
        self.written += size
        return size

    def flush(self) -> None:
        pass


def checkpoint_size(meta_model: Any) -> int:
    """Bytes of `torch.save(state_dict)` for the model's tensors, materialised without initialising them.

    `to_empty` reserves the tensors without touching their pages, and the counter keeps none of what is written,
    so the measurement needs little more memory than the model's structure.
    """
    import torch

    model = meta_model.to_empty(device="cpu")
    sink = _ByteCounter()
    torch.save(model.state_dict(), sink)
    return sink.written


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


__all__ = [
    "ARCHITECTURE_TAGS",
    "Measurement",
    "MeasuredModel",
    "architecture_tags",
    "cached_measure",
    "checkpoint_size",
    "code_link",
    "measure",
]
