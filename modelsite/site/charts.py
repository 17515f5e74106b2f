"""Scatter charts as inline SVG, drawn at build time: no chart library, nothing fetched by the reader.

Each point is a link to its variant with its name as a tooltip; colours follow the series (a
collection): six from extra.css, which both colour schemes read well, and for more series as many hues
spread around the colour wheel, written on the points. A Pareto front marks the points no other beats on
both axes.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

from markupsafe import Markup

WIDTH, HEIGHT = 720, 420
_LEFT, _RIGHT, _TOP, _BOTTOM = 64, 72, 16, 52  # the right margin leaves room for labels
# Below this many points each point also gets a label beside it.
LABEL_LIMIT = 40
# Series beyond the stylesheet's six colours get a hue each, spread by the golden angle.
STYLED_SERIES = 6
GOLDEN_ANGLE = 137.508


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str
    href: str
    series: int
    # What the tooltip adds to the label (figures, the source of a reported accuracy).
    detail: str = ""
    key: str = ""


@dataclass(frozen=True)
class Axis:
    title: str
    log: bool
    unit_format: str = "{:g}"


@dataclass(frozen=True)
class Line:
    """A series drawn as a polyline through its points, solid or dashed, in the colour of SERIES."""

    name: str
    points: tuple[tuple[float, float], ...]
    series: int
    dashed: bool = False
    # A Pareto front: drawn in the text's colour, above every series.
    front: bool = False


def scatter_svg(
    points: list[Point],
    x_axis: Axis,
    y_axis: Axis,
    title: str,
    series_names: list[str],
    lines: list[Line] | None = None,
    labels: bool | None = None,
) -> Markup:
    """An accessible SVG scatter chart of POINTS, with LINES under them; no points gives an empty string.

    LABELS says whether each point gets its name beside it; by default, when there are few points.
    """
    if not points:
        return Markup("")
    lines = lines or []
    every_x = [p.x for p in points] + [x for line in lines for x, _ in line.points]
    every_y = [p.y for p in points] + [y for line in lines for _, y in line.points]
    x_scale = _Scale(every_x, x_axis.log, _LEFT, WIDTH - _RIGHT)
    y_scale = _Scale(every_y, y_axis.log, HEIGHT - _BOTTOM, _TOP)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{html.escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{html.escape(title)}</title>',
        *_axes(x_scale, y_scale, x_axis, y_axis),
    ]
    styled = len(series_names) <= STYLED_SERIES
    labelled = len(points) <= LABEL_LIMIT if labels is None else labels
    parts += [_point(point, x_scale, y_scale, labelled, styled) for point in points]
    for line in lines:  # Above the points: a front through a cloud of a thousand points must stay visible.
        coordinates = " ".join(f"{x_scale(x):.1f},{y_scale(y):.1f}" for x, y in sorted(line.points))
        kind = "chart-line--front" if line.front else f"chart-series-{line.series % 6}"
        parts.append(
            f'<polyline class="chart-line {kind}{" chart-line--dashed" * line.dashed}" '
            f'points="{coordinates}"><title>{html.escape(line.name)}</title></polyline>'
        )
    parts.append("</svg>")
    legend = "".join(
        f'<span class="chart-legend-item chart-series-{number % 6}">{html.escape(name)}</span>'
        if styled
        else f'<span class="chart-legend-item"><svg class="chart-swatch" viewBox="0 0 10 10" aria-hidden="true">'
        f'<circle cx="5" cy="5" r="5" fill="{series_colour(number)}"/></svg>{html.escape(name)}</span>'
        for number, name in enumerate(series_names)
    )
    # Every label, title and link above went through html.escape: the chart is safe to print as it is.
    return Markup("".join(parts) + f'<div class="chart-legend">{legend}</div>')


def _axes(x_scale: _Scale, y_scale: _Scale, x_axis: Axis, y_axis: Axis) -> list[str]:
    """The grid lines with their ticks, and the two axes' titles."""
    parts = []
    for tick in x_scale.ticks():
        x = x_scale(tick)
        parts.append(
            f'<line class="chart-grid" x1="{x:.1f}" x2="{x:.1f}" y1="{_TOP}" y2="{HEIGHT - _BOTTOM}"/>'
            f'<text class="chart-tick" x="{x:.1f}" y="{HEIGHT - _BOTTOM + 16}" text-anchor="middle">'
            f"{x_axis.unit_format.format(tick)}</text>"
        )
    for tick in y_scale.ticks():
        y = y_scale(tick)
        parts.append(
            f'<line class="chart-grid" x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="chart-tick" x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{y_axis.unit_format.format(tick)}</text>"
        )
    parts.append(
        f'<text class="chart-axis" x="{(WIDTH + _LEFT) / 2:.0f}" y="{HEIGHT - 12}" text-anchor="middle">'
        f"{html.escape(x_axis.title)}</text>"
        f'<text class="chart-axis" transform="translate(14 {(HEIGHT - _BOTTOM) / 2:.0f}) rotate(-90)" '
        f'text-anchor="middle">{html.escape(y_axis.title)}</text>'
    )
    return parts


def series_colour(number: int) -> str:
    """The colour of series NUMBER when there are more than the stylesheet's six: a hue of its own, at a
    saturation and lightness that read on the light and the dark scheme."""
    import colorsys

    red, green, blue = colorsys.hls_to_rgb((number * GOLDEN_ANGLE % 360) / 360, 0.55, 0.7)
    return f"#{round(red * 255):02x}{round(green * 255):02x}{round(blue * 255):02x}"


def pareto_front(points: list[Point], higher_x_is_better: bool = False) -> tuple[tuple[float, float], ...]:
    """The points of POINTS that no other beats on both axes (higher y, and lower x or, with HIGHER_X_IS_BETTER,
    higher x), from the best x on: the variants worth choosing at their cost or speed."""
    front: list[tuple[float, float]] = []
    for point in sorted(points, key=lambda p: (-p.x if higher_x_is_better else p.x, -p.y)):
        if not front or point.y > front[-1][1]:
            front.append((point.x, point.y))
    return tuple(front)


def _point(point: Point, x_scale: _Scale, y_scale: _Scale, labelled: bool, styled: bool = True) -> str:
    """One point as a link to its page, with its tooltip and, where LABELLED, its name beside it; its colour
    from the stylesheet where STYLED, else written on it."""
    x, y = x_scale(point.x), y_scale(point.y)
    tooltip = html.escape(f"{point.label}: {point.detail}" if point.detail else point.label)
    label = (
        f'<text class="chart-label" x="{x + 7:.1f}" y="{y + 4:.1f}">{html.escape(_short(point.label))}</text>'
        if labelled
        else ""
    )
    series, fill = (
        (f" chart-series-{point.series % 6}", "") if styled else ("", f' fill="{series_colour(point.series)}"')
    )
    return (
        f'<a class="chart-point{series}" href="{html.escape(point.href)}" '
        f'data-id="{html.escape(point.key or point.label)}"><title>{tooltip}</title>'
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{5 if styled else 3.5}"{fill}/>{label}</a>'
    )


def _short(label: str) -> str:
    """Labels drop the prefix every EfficientNet variant shares, to keep the chart legible."""
    return label.removeprefix("tf_efficientnet_")


class _Scale:
    """Maps data values to pixels, linearly or by their logarithm, with padding at both ends."""

    def __init__(self, values: list[float], log: bool, start: float, end: float) -> None:
        self.log = log
        low, high = min(values), max(values)
        if log:
            low, high = math.log10(low), math.log10(high)
        span = (high - low) or 1.0
        self.low, self.high = low - span * 0.08, high + span * 0.08
        self.start, self.end = start, end

    def __call__(self, value: float) -> float:
        v = math.log10(value) if self.log else value
        return self.start + (v - self.low) / (self.high - self.low) * (self.end - self.start)

    def ticks(self) -> list[float]:
        if self.log:
            found = []
            for exponent in range(math.floor(self.low), math.ceil(self.high) + 1):
                for mantissa in (1, 2, 5):
                    value = mantissa * 10.0**exponent
                    if self.low <= math.log10(value) <= self.high:
                        found.append(value)
            return found
        step = _nice_step((self.high - self.low) / 6)
        first = math.ceil(self.low / step) * step
        return [round(first + step * n, 10) for n in range(int((self.high - first) / step) + 1)]


def _nice_step(raw: float) -> float:
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
