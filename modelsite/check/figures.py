"""The figures half of the check: every figure of the index against the real timm model.

FLOPs, Activations, Parameters, Image Size, Crop Pct, Interpolation, Mean and Std must be
exact; File Size within 1% of a local checkpoint of the same tensors; each Architecture tag
must name a building block the module graph has, and every block it has must be named; the
Code link must point at the line that defines the variant in the installed timm. Each
mismatch is one `PATH:LINE:COL:` message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from modelsite.index import Model
from modelsite.measure import ARCHITECTURE_TAGS, Measurement
from modelsite.core.problems import Problem

FILE_SIZE_TOLERANCE = 0.01


@dataclass(frozen=True, order=True)
class FigureProblem(Problem):
    """A `PATH:LINE:COL: message` problem of the index, for one figure of one model."""

    model: str = ""
    field: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"model": self.model, "field": self.field, "file": self.path, "line": self.line,
                "col": self.col, "message": str(self)}


def figure_problems(model: Model, measured: Measurement) -> list[FigureProblem]:
    """Every figure of MODEL that MEASURED contradicts."""
    problems = []
    at = f"{measured.image_size}x{measured.image_size}"
    versions = f"timm {measured.timm_version}"
    exact = (
        ("FLOPs", measured.flops, f"the model does {measured.flops} multiply-accumulates at {at} ({versions})"),
        ("Activations", measured.activations, f"its convolution and linear layers produce {measured.activations} "
                                              f"elements at {at} ({versions})"),
        ("Parameters", measured.parameters, f"the model has {measured.parameters} parameters ({versions})"),
        ("Image Size", measured.image_size, f"its pretrained config gives {measured.image_size} ({versions})"),
        ("Crop Pct", measured.crop_pct, f"its pretrained config gives {measured.crop_pct} ({versions})"),
        ("Interpolation", measured.interpolation, f"its pretrained config gives {measured.interpolation!r} ({versions})"),
        ("Mean", list(measured.mean), f"its pretrained config gives {list(measured.mean)} ({versions})"),
        ("Std", list(measured.std), f"its pretrained config gives {list(measured.std)} ({versions})"),
    )
    for key, value, truth in exact:
        written = model.metadata.get(key)
        if written is None or written == value:
            continue
        problems.append(_problem(model, ("Metadata", key), f"Metadata.{key} of {model.name} is {written}, but {truth}; "
                                 "write the measured figure, see modelsite measure"))
    written_size = model.metadata.get("File Size")
    if written_size is not None and measured.file_size and \
            abs(written_size - measured.file_size) > FILE_SIZE_TOLERANCE * measured.file_size:
        off = (written_size - measured.file_size) / measured.file_size
        problems.append(_problem(model, ("Metadata", "File Size"),
                                 f"Metadata.File Size of {model.name} is {written_size}, but a checkpoint of its tensors "
                                 f"saves to {measured.file_size} bytes ({off:+.1%}, more than 1% off; {versions}); "
                                 "write the released file's size, see modelsite measure"))
    problems.extend(_architecture_problems(model, measured))
    if model.code and model.code != measured.code:
        problems.append(_problem(model, ("Code",), f"Code of {model.name} is {model.code}, but {versions} defines the "
                                 f"variant at {measured.code}; write that link, see modelsite measure"))
    return problems


def _architecture_problems(model: Model, measured: Measurement) -> list[FigureProblem]:
    """A tag the module graph does not show, an unknown tag, or a block the graph shows that no tag names."""
    claimed = list(model.metadata.get("Architecture") or [])
    problems = []
    for number, tag in enumerate(claimed):
        if tag not in ARCHITECTURE_TAGS:
            why = f"modelsite cannot find {tag!r} in a module graph; the tags it verifies are: {', '.join(ARCHITECTURE_TAGS)}"
        elif tag not in measured.architecture:
            why = f"timm {measured.timm_version} builds {model.name} without it"
        else:
            continue
        problems.append(_problem(model, ("Metadata", "Architecture", number),
                                 f"Metadata.Architecture of {model.name} lists {tag!r}, but {why}; "
                                 "write the measured tags, see modelsite measure"))
    missing = [tag for tag in measured.architecture if tag not in claimed]
    if missing:
        problems.append(_problem(model, ("Metadata", "Architecture"),
                                 f"Metadata.Architecture of {model.name} does not name {', '.join(map(repr, missing))}, "
                                 f"which the module graph shows (timm {measured.timm_version}); add "
                                 f"{'them' if len(missing) > 1 else 'it'}, see modelsite measure"))
    return problems


def _problem(model: Model, path: tuple[str, ...], message: str) -> FigureProblem:
    line, col = model.where(*path)
    return FigureProblem(model.file, line, col, message, model=model.name, field=".".join(map(str, path)))
