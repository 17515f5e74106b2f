"""The figures: one table that says, for each figure a variant has, everything every part needs to know.

The schema builds the index's `Metadata` fields from it, `modelsite measure` measures each figure
with the property it names, the check compares each as it says, `modelsite new` writes them in its
order, models.json publishes them under their keys, and the page's Figures tab shows each row.
Adding a figure is one entry here and one property on `modelsite.measure.measurement.MeasuredModel`.

FLOPs count multiply-accumulates: `torch.utils.flop_counter.FlopCounterMode`'s total for one image
at the variant's image size, halved (one multiply-add counts once, as timm's GMACs and the
EfficientNet paper count them).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

# The building blocks the check can find in a module graph; an Architecture tag is one of these.
ARCHITECTURE_TAGS = (
    "1x1 Convolution",
    "Average Pooling",
    "Batch Normalization",
    "CondConv",
    "Convolution",
    "Dense Connections",
    "Depthwise Convolution",
    "Dropout",
    "GELU",
    "Hard Swish",
    "Inverted Residual Block",
    "Layer Normalization",
    "Multi-Head Attention",
    "ReLU",
    "RELU6",
    "Squeeze-and-Excitation Block",
    "Swish",
)
INTERPOLATIONS = ("bilinear", "bicubic", "nearest", "lanczos", "box", "hamming", "random")


# What a figure's value is, for the schema (see modelsite.index.schema).


@dataclass(frozen=True)
class Count:
    """A whole number of at least MINIMUM."""

    minimum: int = 1


@dataclass(frozen=True)
class Fraction:
    """A positive number up to MAXIMUM."""

    maximum: float = 1


@dataclass(frozen=True)
class OneOf:
    """One of a fixed set of words."""

    values: tuple[str, ...]


@dataclass(frozen=True)
class Numbers:
    """A list of numbers within bounds (per channel)."""

    minimum: float
    maximum: float
    exclusive_minimum: bool = False


@dataclass(frozen=True)
class Tags:
    """A list of distinct words out of a closed vocabulary."""

    values: tuple[str, ...]


@dataclass(frozen=True)
class Counts:
    """A list of whole numbers, or the word `none` where the model has no such thing (no feature maps)."""


Kind = Count | Fraction | OneOf | Numbers | Tags | Counts

# The label sets timm knows, by the name `timm.data.infer_imagenet_subset` gives them, and how pages name
# them; "none": classes that are indices only (timm ships no names for them).
LABEL_SETS = {
    "imagenet-1k": "ImageNet-1k",
    "imagenet-12k": "ImageNet-12k (timm's 11,821-class subset of ImageNet-22k)",
    "imagenet-21k-goog": "ImageNet-21k (the 21,843 classes of Google's release)",
    "imagenet-21k-miil": "ImageNet-21k-P (the 11,221 classes of Alibaba MIIL's release)",
    "imagenet-22k": "ImageNet-22k (21,841 classes)",
    "imagenet-22k-ms": "ImageNet-22k (the 21,842 classes of Microsoft's release)",
    "none": "no named label set (for a classifier: its classes are indices)",
}
# What a model's outputs are, and how pages name them. timm states the first three itself (no classifier: zero
# outputs, pooled into one vector or left a sequence of tokens; a classifier over a label set it names); for any
# other count it does not say what the outputs mean,
# and the entry may then say, with its source, whether they are classes or an embedding (REFINES_UNKNOWN).
HEADS = {
    "classifier": "a classifier: one output per class",
    "none": "no classifier: the model returns its pooled features",
    "tokens": "a language model's vision encoder, with no classifier: the model returns a sequence of tokens, one "
    "vector per patch group, for the language model to read",
    "embedding": "an embedding (projection) head: the outputs are a vector that describes the image, not classes",
    "unknown": "outputs whose meaning timm does not state",
}
UNKNOWN_HEAD = "unknown"
# What an entry may write where timm states UNKNOWN_HEAD.
REFINEMENTS = ("classifier", "embedding")


@dataclass(frozen=True)
class Licence:
    """A licence of weights: its name, where its terms are (None: timm names none), and whether it allows
    commercial use (None: custom terms that a reader must read)."""

    name: str
    url: str | None
    commercial: bool | None

    @property
    def use(self) -> str:
        """What it allows, as one word: commercial, noncommercial, or custom (terms to read)."""
        if self.commercial is None:
            return "custom"
        return "commercial" if self.commercial else "noncommercial"


# Every licence timm's pretrained configurations name, by timm's identifier. timm gives no address for the
# custom ones: their terms are on each weights' model card.
LICENCES = {
    "apache-2.0": Licence("Apache License 2.0", "https://www.apache.org/licenses/LICENSE-2.0", True),
    "mit": Licence("MIT License", "https://opensource.org/license/mit", True),
    "bsd-3-clause": Licence("BSD 3-Clause License", "https://opensource.org/license/bsd-3-clause", True),
    "cc-by-4.0": Licence("Creative Commons Attribution 4.0", "https://creativecommons.org/licenses/by/4.0/", True),
    "cc-by-nc-4.0": Licence(
        "Creative Commons Attribution-NonCommercial 4.0", "https://creativecommons.org/licenses/by-nc/4.0/", False
    ),
    "fair-noncommercial-research-license": Licence("FAIR Noncommercial Research License", None, False),
    "apple-ascl": Licence("Apple Sample Code License", None, None),
    "apple-amlr": Licence("Apple Machine Learning Research Model License", None, None),
    "cvnets-license": Licence("CVNets license (Apple)", None, None),
    "dinov3-license": Licence("DINOv3 License (Meta)", None, None),
    "fastvit-license": Licence("FastViT license (Apple)", None, None),
    "gemma": Licence("Gemma Terms of Use", None, None),
    "mobileone-license": Licence("MobileOne license (Apple)", None, None),
    "nvidia-open-model-license": Licence("NVIDIA Open Model License", None, None),
    "qwen-community-1.0": Licence("Qwen Community License 1.0", None, None),
    "sapiens2-license": Licence("Sapiens2 license (Meta)", None, None),
    "seer-license": Licence("SEER license (Meta)", None, None),
    "unknown": Licence("unknown to timm", None, None),
    "none-stated": Licence("none stated by timm", None, None),
}
NO_LICENCE = "none-stated"


def licence_text(identifier: str) -> str:
    """How a page names the licence, with what it allows."""
    licence = LICENCES[identifier]
    return {
        "commercial": f"{licence.name} (commercial use allowed)",
        "noncommercial": f"{licence.name}: no commercial use",
        "custom": f"{licence.name}: custom or unstated terms, read them before use",
    }[licence.use]


# How the evaluation transform fits the image to the crop (timm's crop_mode).
CROP_MODES = ("center", "squash", "border")


# How the check compares the index's value with the measured one. REFINES_UNKNOWN: the same value, or any
# value where the measured one is UNKNOWN_HEAD (the entry knows more than timm states; its source says how).
EXACT, RELATIVE, BOTH_WAYS, REFINES_UNKNOWN = "exact", "relative", "both ways", "refines unknown"


@dataclass(frozen=True)
class Figure:
    """One figure of a variant."""

    # The key under Metadata (and under Sources), as contributors write it.
    key: str
    kind: Kind
    # What it means, for the schema's documentation.
    doc: str
    # The property of `modelsite.measure.measurement.MeasuredModel` that measures it.
    measured_by: str
    # EXACT, RELATIVE (within TOLERANCE, a fraction of the measured value) or BOTH_WAYS (sets of tags).
    comparison: str = EXACT
    tolerance: float = 0.0
    required: bool = True
    # What the measured value means, for the check's message: "the model does {value} ..." ({size}: the input's
    # height x width).
    truth: str = "its pretrained config gives {value} ({versions})"
    advice: str = "write the measured figure, see modelsite measure"
    # Where models.json publishes it.
    json_path: tuple[str, ...] = ()
    # Its row in the Figures tab of a variant: label and cell (from the variant's metadata); None: no row of its own,
    # and then SHOWN_IN names the figure whose row shows it (and its source).
    row: str | None = None
    cell: Callable[[Mapping[str, Any]], str] | None = None
    shown_in: str | None = None
    # The key of the authors' figure under Reported, and its unit, for the row's last column.
    reported: str | None = None
    reported_unit: str = ""
    # Whether Sources names where it came from, and what `modelsite new` writes there.
    sourced: bool = True
    source: str = "pretrained_cfg of {pretrained} in timm {timm}"


def thousands(value: int) -> str:
    """13314116 -> '13,314,116': exact figures stay exact but readable."""
    return f"{int(value):,}"


def giga(value: float) -> str:
    """396513888 -> '0.397' (G): three significant figures."""
    return significant(value / 1e9)


def mega(value: float) -> str:
    """13314116 -> '13.3' (M)."""
    return significant(value / 1e6)


def megabytes(value: float) -> str:
    """53490940 -> '53.5 MB' (decimal megabytes, as file browsers show them)."""
    return f"{significant(value / 1e6)} MB"


def significant(value: float, digits: int = 3) -> str:
    if value == 0:
        return "0"
    decimals = max(digits - 1 - math.floor(math.log10(abs(value))), 0)
    return f"{value:.{decimals}f}"


def _given(metadata: Mapping[str, Any], key: str, shown: Callable[[Any], str], absent: str = "not given") -> str:
    return shown(metadata[key]) if key in metadata else absent


def _listed(values: Any) -> str:
    return ", ".join(str(value) for value in values)


def input_size(m: Mapping[str, Any]) -> str:
    """'224×224', or '1024×768' (height × width) for an input that is not square."""
    return f"{m.get('Image Height') or m['Image Size']}×{m['Image Size']}"


def _maps(m: Mapping[str, Any]) -> str:
    strides = m.get("Feature Strides")
    if strides is None:
        return "none: the model has no feature maps to return"
    return "; ".join(
        f"stride {s}: {c} channels, {side}×{side}"
        for s, c, side in zip(strides, m["Feature Channels"], m["Feature Sides"])
    )


FIGURES: tuple[Figure, ...] = (
    Figure(
        "FLOPs",
        Count(),
        "Multiply-accumulates for one image at `Image Size`: "
        "`torch.utils.flop_counter.FlopCounterMode`'s total, halved.",
        measured_by="flops",
        source="measured by modelsite measure ({versions}), FlopCounterMode total / 2 at {size}",
        truth="the model does {value} multiply-accumulates at {size} ({versions})",
        json_path=("figures", "flops"),
        row="FLOPs",
        cell=lambda m: f"{thousands(m['FLOPs'])} multiply-accumulates at {input_size(m)}",
        reported="FLOPs (billions)",
        reported_unit=" B",
    ),
    Figure(
        "Activations",
        Count(),
        "Ours. Elements produced by the convolution and linear layers for one image at "
        "`Image Size`, as timm's model cards count them.",
        measured_by="activations",
        required=False,
        source="measured by modelsite measure ({versions}), elements produced by convolution and linear layers "
        "for one {size} image",
        truth="its convolution and linear layers produce {value} elements at {size} ({versions})",
        json_path=("figures", "activations"),
        row="Activations",
        cell=lambda m: _given(m, "Activations", thousands),
    ),
    Figure(
        "Parameters",
        Count(),
        "Exact number of parameters.",
        measured_by="parameters",
        source="measured, exact count of model.parameters() ({versions})",
        truth="the model has {value} parameters ({versions})",
        json_path=("figures", "parameters"),
        row="Parameters",
        cell=lambda m: thousands(m["Parameters"]),
        reported="Parameters (millions)",
        reported_unit=" M",
    ),
    Figure(
        "File Size",
        Count(),
        "Size in bytes of the released weights file.",
        measured_by="file_size",
        source="bytes of a local torch.save of the same tensors ({versions}); write the released file's size "
        "when it is known",
        comparison=RELATIVE,
        tolerance=0.01,
        truth="a checkpoint of its tensors saves to {value} bytes ({off:+.1%}, more than {tolerance:.0%} off; "
        "{versions})",
        advice="write the released file's size, see modelsite measure",
        json_path=("figures", "file_size"),
        row="File size",
        cell=lambda m: f"{thousands(m['File Size'])} bytes",
    ),
    Figure(
        "Image Size",
        Count(),
        "Side of the square input the weights were evaluated at, in pixels; its width where `Image Height` is given.",
        measured_by="image_size",
        json_path=("figures", "image_size"),
        row="Image size",
        cell=lambda m: f"{input_size(m)} px" + (" (height × width)" if "Image Height" in m else ""),
    ),
    Figure(
        "Image Height",
        Count(),
        "Ours. Height of the input in pixels where it is not square (timm's `input_size` is then height × width, "
        "and `Image Size` is the width); absent for a square input.",
        measured_by="image_height",
        required=False,
        json_path=("figures", "image_height"),
        shown_in="Image Size",
    ),
    Figure(
        "Crop Pct",
        # timm's VOLO at 448 and 512 px evaluate at 1.15: the image is resized to less than the crop, then padded.
        Fraction(maximum=2),
        "Fraction of the resized image kept by the center crop at evaluation, in (0, 2]: above 1, the resized "
        "image is smaller than the crop and padded to it.",
        measured_by="crop_pct",
        json_path=("figures", "crop_pct"),
        row="Crop pct",
        cell=lambda m: str(m["Crop Pct"]),
    ),
    Figure(
        "Interpolation",
        OneOf(INTERPOLATIONS),
        "Resampling used when resizing for evaluation.",
        measured_by="interpolation",
        truth="its pretrained config gives {value!r} ({versions})",
        json_path=("figures", "interpolation"),
        row="Interpolation",
        cell=lambda m: str(m["Interpolation"]),
    ),
    Figure(
        "Crop Mode",
        OneOf(CROP_MODES),
        "Ours. How the evaluation transform fits the resized image to the crop: center crop, squash, or border.",
        measured_by="crop_mode",
        json_path=("figures", "crop_mode"),
        row="Crop mode",
        cell=lambda m: str(m["Crop Mode"]),
    ),
    Figure(
        "Test Image Size",
        Count(),
        "Ours. The larger side timm's `validate.py` evaluates the weights at, where their configuration gives one "
        "(`test_input_size`).",
        measured_by="test_image_size",
        required=False,
        truth="its pretrained config gives {value} ({versions})",
        json_path=("figures", "test_image_size"),
        row="Test image size",
        cell=lambda m: _given(m, "Test Image Size", lambda v: f"{v} px", absent="none: tested at the image size"),
    ),
    Figure(
        "Test Crop Pct",
        Fraction(maximum=2),
        "Ours. The crop pct at the test image size, where the configuration gives one (`test_crop_pct`).",
        measured_by="test_crop_pct",
        required=False,
        json_path=("figures", "test_crop_pct"),
        row="Test crop pct",
        cell=lambda m: _given(m, "Test Crop Pct", str, absent="none: tested at the crop pct"),
    ),
    Figure(
        "Mean",
        Numbers(0, 1),
        "Ours. Per-channel mean subtracted when normalizing the input (RGB, 0 to 1 scale).",
        measured_by="mean",
        required=False,
        json_path=("figures", "mean"),
        row="Mean, std",
        cell=lambda m: f"{_given(m, 'Mean', _listed)}; {_given(m, 'Std', _listed)}",
    ),
    Figure(
        "Std",
        Numbers(0, 1, exclusive_minimum=True),
        "Ours. Per-channel standard deviation the input is divided by.",
        measured_by="std",
        required=False,
        shown_in="Mean",
        json_path=("figures", "std"),
    ),
    Figure(
        "Classes",
        Count(minimum=0),
        "Ours. Outputs of the model's head: for a classifier, the number of classes the weights were trained on; 0 "
        "without a classifier (`Head: none`).",
        measured_by="classes",
        source="measured, the model's num_classes ({versions})",
        truth="the model has {value} outputs ({versions})",
        json_path=("figures", "classes"),
        row="Outputs",
        cell=lambda m: thousands(m["Classes"]) + ("" if m["Classes"] else " (no classifier)"),
    ),
    Figure(
        "Label Set",
        OneOf(tuple(LABEL_SETS)),
        "Ours. The named classes its outputs are, as timm infers them from their number: "
        + ", ".join(f"`{name}`" for name in LABEL_SETS)
        + ".",
        measured_by="label_set",
        source="timm.data.infer_imagenet_subset of the model ({versions})",
        truth="timm infers {value!r} from its {classes} outputs ({versions})",
        json_path=("figures", "label_set"),
        row="Label set",
        cell=lambda m: LABEL_SETS.get(str(m["Label Set"]), str(m["Label Set"])),
    ),
    Figure(
        "Head",
        OneOf(tuple(HEADS)),
        "Ours. What the outputs are: "
        + "; ".join(f"`{name}`, {meaning}" for name, meaning in HEADS.items())
        + ". `modelsite new` writes what timm states (`none` or `tokens` for 0 outputs, as the model returns one "
        "vector or a sequence, `classifier` for a named label set, `unknown` otherwise); an entry may replace "
        "`unknown` by `classifier` or `embedding`, naming its source.",
        measured_by="head",
        comparison=REFINES_UNKNOWN,
        source="measured, {classes} outputs and label set {label_set} ({versions})",
        truth="timm states {value!r} of its outputs ({versions})",
        json_path=("figures", "head"),
        row="Head",
        cell=lambda m: HEADS.get(str(m["Head"]), str(m["Head"])),
    ),
    Figure(
        "License",
        OneOf(tuple(LICENCES)),
        "Ours. The licence of the weights, as timm's pretrained configuration names it (`none-stated` where it "
        "names none): " + ", ".join(f"`{name}`" for name in LICENCES) + ".",
        measured_by="licence",
        json_path=("licence",),
        row="Licence",
        cell=lambda m: licence_text(str(m["License"])),
    ),
    Figure(
        "Embedding Size",
        Count(),
        "Ours. Length of the vector the model gives before its classifier (`forward_head(..., pre_logits=True)`, "
        "or a model made with `num_classes=0`); for `Head: tokens`, the length of each output token.",
        measured_by="embedding_size",
        source="measured, length of forward_head(..., pre_logits=True), or of each token the model returns, at "
        "{size} ({versions})",
        truth="its pooled features before the classifier, or each token it returns, have {value} elements ({versions})",
        json_path=("figures", "embedding_size"),
        row="Embedding size",
        cell=lambda m: thousands(m["Embedding Size"]),
    ),
    Figure(
        "Feature Strides",
        Counts(),
        "Ours. The reduction of each feature map `features_only=True` returns, or `none`.",
        measured_by="feature_strides",
        source="measured, feature_info of the features_only model ({versions})",
        truth="its features_only model returns maps at strides {value} ({versions})",
        json_path=("figures", "feature_strides"),
        row="Feature maps",
        cell=_maps,
    ),
    Figure(
        "Feature Channels",
        Counts(),
        "Ours. The channels of each of those maps, or `none`.",
        measured_by="feature_channels",
        shown_in="Feature Strides",
        source="measured, feature_info of the features_only model ({versions})",
        truth="its features_only maps have {value} channels ({versions})",
        json_path=("figures", "feature_channels"),
    ),
    Figure(
        "Feature Sides",
        Counts(),
        "Ours. The side of each of those maps for an input at `Image Size` (their height, where `Image Height` is "
        "given), or `none`.",
        measured_by="feature_sides",
        shown_in="Feature Strides",
        source="measured, the features_only model's outputs at {size} ({versions})",
        truth="its features_only maps are {value} pixels high at {size} ({versions})",
        json_path=("figures", "feature_sides"),
    ),
    Figure(
        "Architecture",
        Tags(ARCHITECTURE_TAGS),
        "Building blocks of the network, each one the check finds in the "
        "module graph: " + ", ".join(ARCHITECTURE_TAGS) + ".",
        measured_by="architecture",
        comparison=BOTH_WAYS,
        json_path=("architecture",),
        sourced=False,
    ),
)
FIGURE_KEYS = tuple(figure.key for figure in FIGURES)
# Every figure but Architecture has a row of its own or is shown in another's.
assert all(figure.row or figure.shown_in or not figure.sourced for figure in FIGURES)
SOURCED_KEYS = tuple(figure.key for figure in FIGURES if figure.sourced)


def figure(key: str) -> Figure:
    """The figure KEY of the table."""
    for candidate in FIGURES:
        if candidate.key == key:
            return candidate
    raise KeyError(f"no figure {key!r}; the figures are {', '.join(FIGURE_KEYS)}")
