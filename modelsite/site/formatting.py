"""How figures are written on the site; the same filters serve generated and hand-written pages.

The number formats themselves live with the figure table (modelsite.core.figures); here they
become template filters whose output, digits and units only, is Markup, never escaped again.
"""

from __future__ import annotations

import math
from typing import Any, Callable

from markupsafe import Markup

from modelsite.core import figures
from modelsite.core.figures import FIGURES, Figure
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


def feature_sides(image_size: int, levels: int = 5) -> list[int]:
    """Sides of the feature maps at strides 2, 4, ... 32 for a square input (TF 'same' padding rounds up)."""
    sides, side = [], image_size
    for _ in range(levels):
        side = math.ceil(side / 2)
        sides.append(side)
    return sides


def reported_cell(figure: Figure, model: Any) -> object:
    """What the authors printed for FIGURE, with its unit, or a dash."""
    if figure.reported is None or model.reported is None or figure.reported not in model.reported.figures:
        return Markup("—")
    return f"{model.reported.figures[figure.reported]}{figure.reported_unit}"


def given(value: object, shown: str = "not given") -> object:
    """VALUE (a list joined with commas), or SHOWN while it is still a `TODO` placeholder of `modelsite new`.

    SHOWN is the template's own Markdown; VALUE stays data, escaped where it is printed.
    """
    from modelsite.measure.scaffold import is_placeholder

    if is_placeholder(value):
        return Markup(shown)
    return ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else value


def placeholder(value: object) -> bool:
    """Jinja test: VALUE is still a `TODO` placeholder of `modelsite new`."""
    from modelsite.measure.scaffold import is_placeholder

    return is_placeholder(value)


FILTERS: dict[str, Callable[..., object]] = {
    "given": given,
    "url": escape.url,
    "prose": escape.prose,
    "literal_block": escape.literal_block,
    "json_attribute": escape.json_attribute,
    "thousands": thousands,
    "giga": giga,
    "mega": mega,
    "megabytes": megabytes,
    "feature_sides": feature_sides,
    "reported_cell": reported_cell,
}
# Names every template may read.
GLOBALS: dict[str, object] = {"figures": FIGURES}
