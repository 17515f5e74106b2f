"""The explorer's and the story pages' charts (modelsite.site.charts): the Pareto front and the colours of
many series."""

from __future__ import annotations

import re

from modelsite.site.charts import Axis, Line, Point, pareto_front, scatter_svg, series_colour


def points(*xy: tuple[float, float]) -> list[Point]:
    return [Point(x=x, y=y, label=f"p{n}", href=f"p{n}/", series=n) for n, (x, y) in enumerate(xy)]


def test_the_front_holds_the_points_no_other_beats_on_both_axes() -> None:
    cloud = points((1, 70), (2, 75), (2, 72), (3, 74), (4, 80), (5, 79), (0.5, 60))
    # Cheaper is better: (2, 72) loses to (2, 75), (3, 74) to (2, 75), (5, 79) to (4, 80).
    assert pareto_front(cloud) == ((0.5, 60), (1, 70), (2, 75), (4, 80))
    # Faster is better: from the fastest on, each point of the front is more accurate than the faster ones.
    assert pareto_front(cloud, higher_x_is_better=True) == ((5, 79), (4, 80))


def test_more_series_than_the_stylesheet_has_get_a_colour_each_written_on_the_points() -> None:
    names = [f"family {n}" for n in range(40)]
    cloud = points(*((n + 1, 50 + n % 7) for n in range(40)))
    svg = str(scatter_svg(cloud, Axis("x", log=True), Axis("y", log=False), "chart", names))
    chart, legend = svg.split('<div class="chart-legend">')
    fills = re.findall(r'<circle cx="[^"]+" cy="[^"]+" r="[^"]+" fill="(#[0-9a-f]{6})"', chart)
    assert len(fills) == 40 and len(set(fills)) == 40
    # The legend shows each family's colour beside its name.
    assert re.findall(r'fill="(#[0-9a-f]{6})"/></svg>family \d+', legend) == fills
    assert "chart-series-" not in svg  # The stylesheet's six would override the written colours.
    assert len({series_colour(n) for n in range(144)}) == 144


def test_the_front_is_drawn_above_the_points() -> None:
    cloud = points((1, 70), (2, 75))
    svg = str(
        scatter_svg(
            cloud,
            Axis("x", log=True),
            Axis("y", log=False),
            "c",
            ["a", "b"],
            [Line("front", pareto_front(cloud), 0, front=True)],
        )
    )
    assert svg.index("chart-line--front") > svg.rindex("chart-point")
