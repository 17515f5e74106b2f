"""How figures are written on the site; the same filters serve generated and hand-written pages."""

from __future__ import annotations

import math
from typing import Callable

from markupsafe import Markup

from modelsite.site import escape


# Each filter writes digits and units only: its output is Markup, never escaped again.


def thousands(value: int) -> Markup:
    """13314116 -> '13,314,116': exact figures stay exact but readable."""
    return Markup(f"{int(value):,}")


def giga(value: int) -> Markup:
    """396513888 -> '0.397' (G): three significant figures."""
    return Markup(_significant(value / 1e9))


def mega(value: int) -> Markup:
    """13314116 -> '13.3' (M)."""
    return Markup(_significant(value / 1e6))


def megabytes(value: int) -> Markup:
    """53490940 -> '53.5 MB' (decimal megabytes, as file browsers show them)."""
    return Markup(f"{_significant(value / 1e6)} MB")


def feature_sides(image_size: int, levels: int = 5) -> list[int]:
    """Sides of the feature maps at strides 2, 4, ... 32 for a square input (TF 'same' padding rounds up)."""
    sides, side = [], image_size
    for _ in range(levels):
        side = math.ceil(side / 2)
        sides.append(side)
    return sides


def _significant(value: float, digits: int = 3) -> str:
    if value == 0:
        return "0"
    decimals = max(digits - 1 - math.floor(math.log10(abs(value))), 0)
    return f"{value:.{decimals}f}"


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


def technique_list(metadata: dict) -> list[str]:
    """A variant's training techniques; an empty list when the index gives none."""
    return list(metadata.get("Training Techniques", []))


FILTERS: dict[str, Callable[..., object]] = {
    "given": given,
    "url": escape.url,
    "prose": escape.prose,
    "literal_block": escape.literal_block,
    "thousands": thousands,
    "giga": giga,
    "mega": mega,
    "megabytes": megabytes,
    "feature_sides": feature_sides,
    "technique_list": technique_list,
}
