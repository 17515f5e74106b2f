"""The EfficientNet story pages' evidence, read from timm's implementation at build time.

Compound scaling: the width and depth multipliers timm passes when it builds each B variant
(recorded by wrapping its generator function), the blocks and channels of the built model, and
the values the paper's formula gives. CondConv: which blocks hold CondConv layers and how many
experts each has. Lite: what differs from the B variant of the same multipliers. Models are built
on PyTorch's meta device: structure without weights, in milliseconds. FLOPs, parameters and
activations come from the model index, where `modelsite check` holds them to the real model.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from modelsite.index import Model, ModelIndex

# The paper's grid-searched constants (Tan & Le, 2019, section 3.3): depth, width and resolution.
ALPHA, BETA, GAMMA = 1.2, 1.1, 1.15
BASE_RESOLUTION = 224
# timm's EfficientNet generators (`_gen_efficientnet`, `_gen_efficientnet_lite`, ...) each receive the
# multipliers a variant is built with; every one of them is recorded, so any family can join the index.
_GENERATOR_PREFIX = "_gen_"
# The EfficientNet paper's family, B0 to B7 (B8 came later, with AdvProp and RandAugment).
_B_VARIANT = re.compile(r"^tf_efficientnet_b([0-7])$")


@dataclass(frozen=True)
class Structure:
    """What timm built: the multipliers it was given, and what the model's modules show."""

    name: str
    generator: str
    width: float
    depth: float
    experts_multiplier: int
    stem_channels: int
    head_channels: int
    blocks_per_stage: tuple[int, ...]
    # Per stage, the number of experts of its CondConv blocks (0: none).
    experts_per_stage: tuple[int, ...]
    condconv_blocks: int
    condconv_layers: int
    squeeze_excitation: int
    activations: tuple[str, ...]

    @property
    def blocks(self) -> int:
        return sum(self.blocks_per_stage)


@contextlib.contextmanager
def _recording_generators(calls: list[tuple[str, dict[str, Any]]]) -> Iterator[None]:
    """Record the arguments of each EfficientNet generator called while the block runs, and skip the
    initialization of weights."""
    from timm.models import efficientnet

    originals = {
        name: function
        for name, function in vars(efficientnet).items()
        if name.startswith(_GENERATOR_PREFIX) and callable(function)
    }

    def recorder(name: str) -> Any:
        def record(variant: str, *args: Any, **kwargs: Any) -> Any:
            calls.append((name, dict(kwargs)))
            return originals[name](variant, *args, **kwargs)

        return record

    # The structure is all these pages read: initializing weights on the meta device computes nothing, slowly.
    init_weights = efficientnet.efficientnet_init_weights
    try:
        for name in originals:
            setattr(efficientnet, name, recorder(name))
        efficientnet.efficientnet_init_weights = lambda *args, **kwargs: None
        yield
    finally:
        for name, function in originals.items():
            setattr(efficientnet, name, function)
        efficientnet.efficientnet_init_weights = init_weights


@cache
def structure(model_name: str) -> Structure:
    """Build MODEL_NAME on the meta device and read its multipliers, blocks, experts and layers.

    MODEL_NAME comes from a page; it must name a model of timm's registry (never `hf-hub:` or
    `local-dir:`, which would make the build fetch or build a contributor's configuration).
    """
    import timm
    import torch

    from modelsite.measure.ids import parse_model_id

    parse_model_id(model_name)
    from timm.layers import CondConv2d
    from timm.models._efficientnet_blocks import SqueezeExcite

    calls: list[tuple[str, dict[str, Any]]] = []
    with _recording_generators(calls), torch.device("meta"):
        model = timm.create_model(model_name, pretrained=False)
    if not calls:
        raise ValueError(f"{model_name} is not built by timm's EfficientNet generators")
    generator, arguments = calls[-1]
    if not all(isinstance(arguments.get(k, 1.0), (int, float)) for k in ("channel_multiplier", "depth_multiplier")):
        # EfficientNetV2's generators take a multiplier per stage: not the compound scaling these pages study.
        raise ValueError(f"{model_name} is not scaled by one width and one depth multiplier")
    experts = []
    for stage in model.blocks:
        found = {m.num_experts for m in stage.modules() if isinstance(m, CondConv2d)}
        experts.append(max(found) if found else 0)
    condconv_blocks = sum(
        any(isinstance(m, CondConv2d) for m in block.modules()) for stage in model.blocks for block in stage
    )
    activation_names = sorted(
        {
            type(m).__name__
            for m in model.modules()
            if isinstance(m, (torch.nn.ReLU, torch.nn.ReLU6, torch.nn.SiLU, torch.nn.Hardswish))
        }
    )
    return Structure(
        name=model_name,
        generator=generator,
        width=float(arguments.get("channel_multiplier", 1.0)),
        depth=float(arguments.get("depth_multiplier", 1.0)),
        experts_multiplier=int(arguments.get("experts_multiplier", 1)),
        stem_channels=model.conv_stem.out_channels,
        head_channels=model.num_features,
        blocks_per_stage=tuple(len(stage) for stage in model.blocks),
        experts_per_stage=tuple(experts),
        condconv_blocks=condconv_blocks,
        condconv_layers=sum(isinstance(m, CondConv2d) for m in model.modules()),
        squeeze_excitation=sum(isinstance(m, SqueezeExcite) for m in model.modules()),
        activations=tuple(activation_names),
    )


def _efficientnet_structure(model_name: str) -> Structure | None:
    """The structure of MODEL_NAME, or None when timm does not build it with an EfficientNet generator."""
    try:
        return structure(model_name)
    except ValueError:
        return None


# Compound scaling ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ScalingRow:
    """One B variant: what timm builds and measures beside what the formula gives for its phi."""

    model: Model
    phi: int
    built: Structure
    resolution: int

    @property
    def formula_depth(self) -> float:
        return ALPHA**self.phi

    @property
    def formula_width(self) -> float:
        return BETA**self.phi

    @property
    def formula_resolution(self) -> float:
        return BASE_RESOLUTION * GAMMA**self.phi

    @property
    def resolution_ratio(self) -> float:
        return self.resolution / BASE_RESOLUTION

    @property
    def raw_stem(self) -> float:
        """32 stem channels times the width multiplier, before timm rounds to a multiple of 8."""
        return 32 * self.built.width

    @property
    def raw_head(self) -> float:
        return 1280 * self.built.width


def story_models(index: ModelIndex) -> list[Model]:
    """One variant per architecture, in index order: the story is about networks, not weights. Where an
    architecture has several tags, the one with the authors' reported figures (the paper's weights) speaks."""
    chosen: dict[str, Model] = {}
    for model in index.models:
        current = chosen.get(model.name)
        if current is None or (current.reported is None and model.reported is not None):
            chosen[model.name] = model
    return list(chosen.values())


def scaling_rows(index: ModelIndex) -> list[ScalingRow]:
    """`tf_efficientnet_b0` to `b7` as the index has them, phi being the number in the name."""
    rows = []
    for model in story_models(index):
        match = _B_VARIANT.match(model.name)
        if match:
            rows.append(
                ScalingRow(
                    model=model,
                    phi=int(match[1]),
                    built=structure(model.name),
                    resolution=int(model.figures["Image Size"]),
                )
            )
    return sorted(rows, key=lambda row: row.phi)


def predicted_cost(rows: list[ScalingRow], row: ScalingRow) -> tuple[float, float]:
    """Parameters and FLOPs the formula predicts from B0's measured figures.

    Parameters grow with depth and the square of width; FLOPs also with the square of resolution:
    d * w^2 and d * w^2 * r^2, each factor taken from the formula at the row's phi.
    """
    base = rows[0].model.figures
    growth = row.formula_depth * row.formula_width**2
    return base["Parameters"] * growth, base["FLOPs"] * growth * (row.formula_resolution / BASE_RESOLUTION) ** 2


def largest_power_of_two_dividing(number: int) -> int:
    return number & -number


def stride32_padding(resolution: int) -> int:
    """Pixels of zero padding the 32x-downsampled feature map implies: ceil(r / 32) * 32 - r."""
    return math.ceil(resolution / 32) * 32 - resolution


# CondConv ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CondConvPair:
    """A CondConv variant beside the plain B variant of the same width, depth and resolution."""

    condconv: Model
    plain: Model
    built: Structure

    @property
    def parameter_ratio(self) -> float:
        return self.condconv.figures["Parameters"] / self.plain.figures["Parameters"]

    @property
    def flops_ratio(self) -> float:
        return self.condconv.figures["FLOPs"] / self.plain.figures["FLOPs"]


def condconv_pairs(index: ModelIndex) -> list[CondConvPair]:
    """Each CondConv variant with the B variant whose multipliers and image size it shares."""
    return [
        CondConvPair(model, twin, built)
        for model, built, twin, _ in _with_b_twins(index, "_gen_efficientnet_condconv", same_image_size=True)
    ]


def _with_b_twins(
    index: ModelIndex, generator: str, same_image_size: bool
) -> list[tuple[Model, Structure, Model, Structure]]:
    """The index's variants built by GENERATOR, each with the B variant built with the same multipliers."""
    plain = [(structure(m.name), m) for m in story_models(index) if _B_VARIANT.match(m.name)]
    found = []
    for model in story_models(index):
        # The story follows the paper's networks, whose weights are the TensorFlow ports (tf_*); timm's own
        # retrainings of the same architectures (efficientnet_lite0 ...) are on their collection pages.
        built = _efficientnet_structure(model.name) if model.name.startswith("tf_") else None
        if built is None or built.generator != generator:
            continue
        twin = next(
            (
                (s, m)
                for s, m in plain
                if (s.width, s.depth) == (built.width, built.depth)
                and (not same_image_size or m.figures["Image Size"] == model.figures["Image Size"])
            ),
            None,
        )
        if twin is None:
            raise ValueError(
                f"no B variant of the index is built with the multipliers"
                f"{' and image size' if same_image_size else ''} of {model.name}"
            )
        found.append((model, built, twin[1], twin[0]))
    return found


# Lite ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LitePair:
    """A Lite variant beside the B variant built with the same multipliers."""

    lite: Model
    plain: Model
    lite_built: Structure
    plain_built: Structure


def lite_pairs(index: ModelIndex) -> list[LitePair]:
    """Each Lite variant with the B variant of the same multipliers (image sizes may differ)."""
    return [
        LitePair(model, twin, built, twin_built)
        for model, built, twin, twin_built in _with_b_twins(index, "_gen_efficientnet_lite", same_image_size=False)
    ]
