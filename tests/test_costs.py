"""The cost model of a page run: its fit to recorded durations, and the priors it keeps until a sweep has some."""

from __future__ import annotations

import random

import pytest

from modelsite.check.costs import (
    KINDS,
    MIN_PAGE_SECONDS,
    MIN_SAMPLES,
    OVERVIEW,
    PRIORS,
    PROBE,
    VARIANT_PAGE,
    PageSize,
    PageSizer,
    expected_seconds,
    fit,
)
from modelsite.core.blocks import Page


def _size(kind: str, gflops: float, mparams: float = 0.0, mactivations: float = 0.0) -> PageSize:
    return PageSize(kind, gflops, mparams, mactivations)


def test_the_fit_recovers_the_costs_the_durations_were_made_with() -> None:
    generator = random.Random(0)
    samples = []
    for _ in range(60):
        size = _size(PROBE, generator.uniform(0.1, 40), generator.uniform(1, 300), generator.uniform(1, 200))
        seconds = 30 + 1.5 * size.gflops + 0.2 * size.mparams + 0.05 * size.mactivations
        samples.append((size, seconds * generator.uniform(0.98, 1.02)))
    model = fit(samples)
    base, flop, param, activation = model.coefficients[PROBE]
    assert base == pytest.approx(30, abs=3) and flop == pytest.approx(1.5, rel=0.1)
    assert param == pytest.approx(0.2, rel=0.15) and activation == pytest.approx(0.05, abs=0.02)
    assert model.fitted_on == {PROBE: 60}
    # The kinds no sweep recorded keep their priors, and say so.
    assert model.coefficients[OVERVIEW] == PRIORS[OVERVIEW]
    assert any(line.startswith("collection overview:") and "prior" in line for line in model.describe())


def test_no_coefficient_is_negative_even_where_least_squares_would_make_one() -> None:
    # Longer pages of smaller models: plain least squares gives a negative cost per GFLOP.
    samples = [(_size(VARIANT_PAGE, gflops), 100.0 - 2 * gflops) for gflops in range(1, 21)]
    coefficients = fit(samples).coefficients[VARIANT_PAGE]
    assert all(value >= 0 for value in coefficients)
    assert coefficients[0] == pytest.approx(sum(s for _, s in samples) / len(samples))


def test_too_few_recorded_pages_keep_the_prior_and_nothing_costs_less_than_an_interpreter() -> None:
    model = fit([(_size(VARIANT_PAGE, 1.0), 5.0)] * (MIN_SAMPLES - 1))
    assert model.coefficients[VARIANT_PAGE] == PRIORS[VARIANT_PAGE] and not model.fitted_on
    assert fit([(_size(VARIANT_PAGE, 0.0), 0.5)] * MIN_SAMPLES).seconds(_size(VARIANT_PAGE, 0.0)) == MIN_PAGE_SECONDS
    assert set(PRIORS) == set(KINDS)


def test_a_recorded_duration_is_used_as_it_is_and_the_rest_are_predicted_from_it() -> None:
    block = ()
    sizer = PageSizer(
        {f"docs/models/m/{n}.md": VARIANT_PAGE for n in range(20)},
        {f"m{n}.tag": {"FLOPs": n * 10**9, "Parameters": 10**6, "Activations": 10**6} for n in range(20)},
    )
    pages = [Page(f"docs/models/m/{n}.md", block, generated=True, models=(f"m{n}.tag",)) for n in range(20)]
    recorded = {page.path: 10.0 + 3.0 * n for n, page in enumerate(pages[:12])}
    expected = expected_seconds(pages, sizer, recorded)
    assert expected["docs/models/m/3.md"] == recorded["docs/models/m/3.md"]
    assert expected["docs/models/m/19.md"] == pytest.approx(10.0 + 3.0 * 19, rel=0.01)
    # A hand-written page names no generated path: its own kind, and its models' size counts.
    assert sizer(Page("docs/guide.md", block, models=("m5.tag", "unknown"))).gflops == 5.0
