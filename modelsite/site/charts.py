"""Scatter charts as inline SVG, drawn at build time: no chart library, nothing fetched by the reader.

Each point is a link to its variant with its name as a tooltip; colours follow the series (a
collection), and the styles live in extra.css so that both colour schemes read well.
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
    for line in lines:
        coordinates = " ".join(f"{x_scale(x):.1f},{y_scale(y):.1f}" for x, y in sorted(line.points))
        parts.append(
            f'<polyline class="chart-line chart-series-{line.series % 6}{" chart-line--dashed" * line.dashed}" '
            f'points="{coordinates}"><title>{html.escape(line.name)}</title></polyline>'
        )
    labelled = len(points) <= LABEL_LIMIT if labels is None else labels
    parts += [_point(point, x_scale, y_scale, labelled) for point in points]
    parts.append("</svg>")
    legend = "".join(
        f'<span class="chart-legend-item chart-series-{number % 6}">{html.escape(name)}</span>'
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


def _point(point: Point, x_scale: _Scale, y_scale: _Scale, labelled: bool) -> str:
    """One point as a link to its page, with its tooltip and, where LABELLED, its name beside it."""
    x, y = x_scale(point.x), y_scale(point.y)
    tooltip = html.escape(f"{point.label}: {point.detail}" if point.detail else point.label)
    label = (
        f'<text class="chart-label" x="{x + 7:.1f}" y="{y + 4:.1f}">{html.escape(_short(point.label))}</text>'
        if labelled
        else ""
    )
    return (
        f'<a class="chart-point chart-series-{point.series % 6}" href="{html.escape(point.href)}" '
        f'data-id="{html.escape(point.key or point.label)}"><title>{tooltip}</title>'
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5"/>{label}</a>'
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
