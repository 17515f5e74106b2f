"""The figures half of the check: every figure of the index against the real timm model.

Each figure is compared as the figure table says (modelsite.core.figures): exactly, within a
tolerance (the file size, against a local checkpoint of the same tensors), or both ways for the
architecture tags (each tag must name a building block the module graph has, and every block it
has must be named). The Code link must point at the line that defines the variant in the
installed timm. Each mismatch is one `PATH:LINE:COL:` message.
"""

from __future__ import annotations

from modelsite.core.figures import BOTH_WAYS, FIGURES, REFINEMENTS, REFINES_UNKNOWN, RELATIVE, UNKNOWN_HEAD, Figure
from modelsite.core.problems import FigureProblem
from modelsite.index import Model
from modelsite.measure import Measurement


def figure_problems(model: Model, measured: Measurement) -> list[FigureProblem]:
    """Every figure of MODEL that MEASURED contradicts."""
    problems = []
    for figure in FIGURES:
        written = model.figures.get(figure.key)
        if written is None:
            continue
        if figure.comparison == BOTH_WAYS:
            problems.extend(_tag_problems(model, figure, list(written), list(measured[figure.key]), measured))
            continue
        problem = _differs(figure, written, measured[figure.key], measured) or _unsourced(
            model, figure, written, measured
        )
        if problem:
            problems.append(
                _problem(
                    model,
                    ("Metadata", figure.key),
                    f"Metadata.{figure.key} of {model.key} is {written}, but {problem}",
                )
            )
    if model.code and model.code != measured.code:
        problems.append(
            _problem(
                model,
                ("Code",),
                f"Code of {model.key} is {model.code}, but timm "
                f"{measured.timm_version} defines the variant at {measured.code}; write that link, "
                "see modelsite measure",
            )
        )
    return problems


def _differs(figure: Figure, written: object, value: object, measured: Measurement) -> str | None:
    """What the measured VALUE says against WRITTEN, followed by the figure's advice; None when they agree."""
    versions = f"timm {measured.timm_version}"
    shown = list(value) if isinstance(value, (list, tuple)) else value
    if figure.comparison == RELATIVE:
        if not value:
            # 0 is how a measurement without real tensors writes the file size: nothing to hold the index to.
            return (
                f"it was not measured ({versions} wrote {shown!r}), so it cannot be held to the model; {figure.advice}"
            )
        off = (float(written) - float(value)) / float(value)  # type: ignore[arg-type]
        if abs(off) <= figure.tolerance:
            return None
        truth = figure.truth.format(
            value=shown, off=off, tolerance=figure.tolerance, versions=versions, size=measured.size_text
        )
    else:
        if (list(written) if isinstance(written, (list, tuple)) else written) == shown:
            return None
        if figure.comparison == REFINES_UNKNOWN and value == UNKNOWN_HEAD and written in REFINEMENTS:
            return None
        truth = figure.truth.format(
            value=shown, versions=versions, size=measured.size_text, classes=measured["Classes"]
        )
        if figure.comparison == REFINES_UNKNOWN and value == UNKNOWN_HEAD:
            truth += f", which an entry may refine to {' or '.join(map(repr, REFINEMENTS))} with its source"
    return f"{truth}; {figure.advice}"


def _unsourced(model: Model, figure: Figure, written: object, measured: Measurement) -> str | None:
    """Why a value that says more than timm states (REFINES_UNKNOWN) cannot stand: its Sources line must say
    where it comes from, not that it was measured."""
    if figure.comparison != REFINES_UNKNOWN or written == measured[figure.key]:
        return None
    source = str(model.sources.get(figure.key, "")).strip()
    if source and not source.lower().startswith("measured"):
        return None
    return (
        f"timm states {measured[figure.key]!r} of its outputs ({'timm ' + measured.timm_version}), and Sources."
        f"{figure.key} does not say where {written!r} comes from; name the paper or model card that says so there"
    )


def _tag_problems(
    model: Model, figure: Figure, claimed: list[str], found: list[str], measured: Measurement
) -> list[FigureProblem]:
    """A tag the module graph does not show, or a block the graph shows that no tag names."""
    problems = []
    for number, tag in enumerate(claimed):
        if tag not in found:
            problems.append(
                _problem(
                    model,
                    ("Metadata", figure.key, number),
                    f"Metadata.{figure.key} of {model.key} lists {tag!r}, but timm "
                    f"{measured.timm_version} builds {model.name} without it; write the measured "
                    "tags, see modelsite measure",
                )
            )
    missing = [tag for tag in found if tag not in claimed]
    if missing:
        problems.append(
            _problem(
                model,
                ("Metadata", figure.key),
                f"Metadata.{figure.key} of {model.key} does not name {', '.join(map(repr, missing))}, "
                f"which the module graph shows (timm {measured.timm_version}); add "
                f"{'them' if len(missing) > 1 else 'it'}, see modelsite measure",
            )
        )
    return problems


def _problem(model: Model, path: tuple[str | int, ...], message: str) -> FigureProblem:
    line, col = model.where(*path)
    return FigureProblem(model.file, line, col, message, model=model.key, field=".".join(map(str, path)))
