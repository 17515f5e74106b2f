"""How figures are written on the site; the same filters serve generated and hand-written pages.

The number formats themselves live with the figure table (modelsite.core.figures); here they
become template filters whose output, digits and units only, is Markup, never escaped again.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from markupsafe import Markup

from modelsite.core import figures
from modelsite.core.compatibility import DEPLOY_PATHS, FAILS, NOT_RUN, WORKAROUND, WORKS
from modelsite.core.figures import FIGURES, Figure
from modelsite.index.placeholders import is_placeholder
from modelsite.site import escape


def thousands(value: int) -> Markup:
    """13314116 -> '13,314,116'."""
    return Markup(figures.thousands(value))


def giga(value: float) -> Markup:
    """396513888 -> '0.397' (G)."""
    return Markup(figures.giga(value))


def mega(value: float) -> Markup:
    """13314116 -> '13.3' (M)."""
    return Markup(figures.mega(value))


def megabytes(value: float) -> Markup:
    """53490940 -> '53.5 MB'."""
    return Markup(figures.megabytes(value))


def crop_sentence(metadata: Mapping[str, Any]) -> str:
    """How timm's evaluation transform fits an image to the variant's input, from its figures (see
    `timm.data.transforms_imagenet_eval`): the resize to the input over the crop pct, then the crop."""
    width, crop, interpolation = metadata["Image Size"], metadata["Crop Pct"], metadata["Interpolation"]
    height = metadata.get("Image Height") or width
    scale_height, scale_width = math.floor(height / crop), math.floor(width / crop)
    resize = f"resized with {interpolation} interpolation"
    scaled = f"{scale_height}×{scale_width} pixels"
    if height == width:
        fit = {
            "squash": f"{resize} to {scaled}, ignoring its aspect ratio, then center-cropped",
            "border": f"{resize} so that its longer side is {scale_width} pixels, padded to a square with the mean "
            "color, then center-cropped",
        }.get(metadata["Crop Mode"], f"{resize} so that its shorter side is {scale_width} pixels, then center-cropped")
    else:
        fit = {
            "squash": f"{resize} to {scaled} (height × width), ignoring its aspect ratio, then center-cropped",
            "border": f"{resize} to fit within {scaled} (height × width) keeping its aspect ratio, padded with the "
            "mean color, then center-cropped",
        }.get(
            metadata["Crop Mode"],
            f"{resize} to cover {scaled} (height × width) keeping its aspect ratio, then center-cropped",
        )
    return f"{fit} to {figures.input_size(metadata)} (crop pct {crop})"


def feature_maps_sentence(metadata: Mapping[str, Any]) -> str:
    """'strides 2, 4 and 8 (16, 24 and 40 channels, 112, 56 and 28 pixels wide)' from the measured maps."""
    strides, channels, sides = (metadata[key] for key in ("Feature Strides", "Feature Channels", "Feature Sides"))
    return (
        f"stride{'s' if len(strides) > 1 else ''} {_and(strides)} ({_and(channels)} channels, "
        f"{_and(sides)} pixels {'high' if metadata.get('Image Height') else 'wide'})"
    )


def _and(values: Sequence[object]) -> str:
    words = [str(value) for value in values]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def licence(identifier: str) -> figures.Licence:
    """The licence timm names IDENTIFIER: its name, its terms' address and what it allows."""
    return figures.LICENCES[identifier]


def label_set_name(label_set: str) -> str:
    """How pages name a label set of the figure table."""
    return figures.LABEL_SETS.get(label_set, label_set)


def reported_cell(figure: Figure, model: Any) -> object:
    """What the authors printed for FIGURE, with its unit, or a dash."""
    if figure.reported is None or model.reported is None or figure.reported not in model.reported.figures:
        return Markup("—")
    return f"{model.reported.figures[figure.reported]}{figure.reported_unit}"


def sources_cell(figure: Figure, model: Any) -> str:
    """Where FIGURE came from, and the figures its row also shows: each distinct source once."""
    keys = [figure.key, *(other.key for other in FIGURES if other.shown_in == figure.key)]
    sources = list(dict.fromkeys(model.sources[key] for key in keys if key in model.sources))
    if sources:
        return "; ".join(sources)
    return "not given" if figure.key in model.figures else "—"


def given(value: object, shown: str = "not given") -> object:
    """VALUE (a list joined with commas), or SHOWN while it is still a `TODO` placeholder of `modelsite new`.

    SHOWN is the template's own Markdown; VALUE stays data, escaped where it is printed.
    """
    if is_placeholder(value):
        return Markup(shown)
    return ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else value


def placeholder(value: object) -> bool:
    """Jinja test: VALUE is still a `TODO` placeholder of `modelsite new`."""
    return is_placeholder(value)


FILTERS: dict[str, Callable[..., object]] = {
    "given": given,
    "url": escape.url,
    "page_path": escape.page_path,
    "prose": escape.prose,
    "literal_block": escape.literal_block,
    "json_attribute": escape.json_attribute,
    "thousands": thousands,
    "giga": giga,
    "mega": mega,
    "megabytes": megabytes,
    "crop_sentence": crop_sentence,
    "input_size": figures.input_size,
    "feature_maps_sentence": feature_maps_sentence,
    "label_set_name": label_set_name,
    "licence": licence,
    "licence_text": figures.licence_text,
    "reported_cell": reported_cell,
    "sources_cell": sources_cell,
}
# How a deploy path's status shows, as (icon, words), in a variant's table and in its collection's.
DEPLOY_STATUSES = {
    WORKS: (Markup(":material-check:"), Markup("works")),
    WORKAROUND: (Markup(":material-wrench:"), Markup("works with a change")),
    FAILS: (Markup(":material-close:"), Markup("fails")),
    NOT_RUN: (Markup("–"), Markup("not run")),
}
# Names every template may read.
GLOBALS: dict[str, object] = {"figures": FIGURES, "deploy_paths": DEPLOY_PATHS, "deploy_statuses": DEPLOY_STATUSES}
