"""What a page run costs, and the plan of a sweep from it: shards that each fit a CI job.

A page's cost is predicted from its kind (KINDS) and the measured size of the models it runs (their FLOPs,
parameters and activations in the index): one linear model per kind, seconds = base + a GFLOPs + b M parameters
+ c M activations, fitted with non-negative coefficients (exactly, over every subset of the four terms) to the
page durations that sweeps recorded. A kind with fewer than MIN_SAMPLES recorded pages keeps its PRIORS. So
every sweep, which records its durations, refits the model that plans the next one. A page's own recorded
duration, where there is one, is used as it is: nothing in the index predicts what a hand-written page or an
example does.

A shard's expected time is what a job spends on it: discovery (building the site to find the pages' blocks),
the figures of its models, and its pages' seconds spread over the jobs that run side by side.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from modelsite.core.blocks import Page
from modelsite.core.compatibility import is_probe_path

VARIANT_PAGE = "variant page"
OVERVIEW = "collection overview"
PROBE = "deploy probe"
EXAMPLE = "runnable example"
HAND_WRITTEN = "hand-written page"
KINDS = (VARIANT_PAGE, OVERVIEW, PROBE, EXAMPLE, HAND_WRITTEN)
# The kinds whose pages one template makes, one per variant or collection: a sample of them stands for the rest.
GENERATED_KINDS = (VARIANT_PAGE, OVERVIEW, PROBE)
TERMS = ("seconds", "per GFLOP", "per M parameters", "per M activations")

# Before a sweep has recorded enough pages of a kind, measured on two cores, a thread per page: an
# EfficientNet-B0 variant page about 20 s, the probe of a 0.4 GFLOP variant 45 s (quick paths), and an
# overview's deploy code, whose torch.compile starts from an empty cache, about 150 s.
PRIORS: dict[str, tuple[float, ...]] = {
    VARIANT_PAGE: (18.0, 2.0, 0.0, 0.0),
    OVERVIEW: (150.0, 2.0, 0.0, 0.0),
    PROBE: (45.0, 1.0, 0.0, 0.0),
    EXAMPLE: (18.0, 2.0, 0.0, 0.0),
    HAND_WRITTEN: (8.0, 1.0, 0.0, 0.0),
}
MIN_SAMPLES = 8
# A page never costs less than its interpreter's start.
MIN_PAGE_SECONDS = 3.0
# Per shard: loading the index and the discovery build of every page's Markdown, measured at the zoo's size
# (1,972 pages: 38 s), with room for a slower runner; and per model of the shard, its figures (1,794 models in
# 66 min over two processes).
DISCOVERY_SECONDS = 60.0
FIGURES_SECONDS_PER_MODEL = 2.2


@dataclass(frozen=True)
class PageSize:
    """What predicts a page's seconds: its kind and the summed size of the index models it runs."""

    kind: str
    gflops: float
    mparams: float
    mactivations: float

    def terms(self) -> tuple[float, ...]:
        return (1.0, self.gflops, self.mparams, self.mactivations)


@dataclass(frozen=True)
class CostModel:
    """Coefficients per kind (TERMS), and how many recorded pages each kind's were fitted to (0: the prior)."""

    coefficients: Mapping[str, tuple[float, ...]]
    fitted_on: Mapping[str, int]

    def seconds(self, size: PageSize) -> float:
        coefficients = self.coefficients.get(size.kind, PRIORS[size.kind])
        return max(MIN_PAGE_SECONDS, sum(c * t for c, t in zip(coefficients, size.terms(), strict=True)))

    def describe(self) -> list[str]:
        """One line per kind: its formula and what it was fitted to."""
        lines = []
        for kind in KINDS:
            base, flop, param, activation = self.coefficients.get(kind, PRIORS[kind])
            fitted = self.fitted_on.get(kind, 0)
            source = f"fitted to {fitted} recorded pages" if fitted else "prior, too few recorded pages"
            lines.append(
                f"{kind}: {base:.1f} s + {flop:.2f} s/GFLOP + {param:.3f} s/M parameters "
                f"+ {activation:.3f} s/M activations ({source})"
            )
        return lines


@dataclass(frozen=True)
class PageSizer:
    """The size of any page of one index: KINDS of its generated pages by path, FIGURES of its models by key."""

    kinds: Mapping[str, str]
    figures: Mapping[str, Mapping[str, Any]]

    def kind(self, page: Page) -> str:
        if is_probe_path(page.path):
            return PROBE
        if page.script:
            return EXAMPLE
        return self.kinds.get(page.path, HAND_WRITTEN)

    def __call__(self, page: Page) -> PageSize:
        figures = [self.figures[name] for name in page.models if name in self.figures]
        return PageSize(
            self.kind(page),
            sum(float(f.get("FLOPs", 0)) for f in figures) / 1e9,
            sum(float(f.get("Parameters", 0)) for f in figures) / 1e6,
            sum(float(f.get("Activations", 0)) for f in figures) / 1e6,
        )


def fit(samples: Iterable[tuple[PageSize, float]]) -> CostModel:
    """The cost model fitted to SAMPLES (a page's size, its recorded seconds); kinds with too few keep PRIORS."""
    by_kind: dict[str, list[tuple[PageSize, float]]] = {}
    for size, seconds in samples:
        if seconds > 0 and math.isfinite(seconds):
            by_kind.setdefault(size.kind, []).append((size, seconds))
    coefficients = dict(PRIORS)
    fitted_on: dict[str, int] = {}
    for kind, rows in by_kind.items():
        if len(rows) >= MIN_SAMPLES:
            coefficients[kind] = _non_negative_least_squares([size.terms() for size, _ in rows], [s for _, s in rows])
            fitted_on[kind] = len(rows)
    return CostModel(coefficients, fitted_on)


def fitted(pages: Sequence[Page], size: PageSizer, recorded: Mapping[str, float]) -> CostModel:
    """The cost model fitted to the RECORDED durations (page path -> seconds) of PAGES."""
    return fit((size(page), recorded[page.path]) for page in pages if page.path in recorded)


def expected_seconds(pages: Sequence[Page], size: PageSizer, recorded: Mapping[str, float]) -> dict[str, float]:
    """Each page's recorded duration where there is one, else what the cost model fitted to them predicts."""
    model = fitted(pages, size, recorded)
    return {page.path: recorded.get(page.path) or model.seconds(size(page)) for page in pages}


def shard_seconds(page_seconds: Iterable[float], models: int, jobs: int, longest: float | None = None) -> float:
    """What a job spends on a shard: discovery, the figures of MODELS models, and the pages over JOBS (never
    less than its LONGEST page, which runs on one job: by default the largest of PAGE_SECONDS, which may count
    a page that runs alone twice over)."""
    seconds = list(page_seconds)
    pages = max(sum(seconds) / max(1, jobs), max(seconds, default=0.0) if longest is None else longest)
    return DISCOVERY_SECONDS + FIGURES_SECONDS_PER_MODEL * models + pages


def _non_negative_least_squares(rows: Sequence[Sequence[float]], targets: Sequence[float]) -> tuple[float, ...]:
    """The coefficients (each >= 0) that minimize the squared error: ordinary least squares on every subset of
    the terms, the best one whose coefficients are all non-negative (exact for four terms: 15 subsets)."""
    width = len(rows[0])
    best: tuple[float, tuple[float, ...]] | None = None
    for size in range(1, width + 1):
        for subset in itertools.combinations(range(width), size):
            solution = _least_squares([[row[i] for i in subset] for row in rows], targets)
            if solution is None or any(value < 0 for value in solution):
                continue
            full = [0.0] * width
            for i, value in zip(subset, solution, strict=True):
                full[i] = value
            error = sum((sum(c * x for c, x in zip(full, row, strict=True)) - y) ** 2 for row, y in zip(rows, targets))
            if best is None or error < best[0]:
                best = (error, tuple(full))
    return best[1] if best is not None else (sum(targets) / len(targets), 0.0, 0.0, 0.0)[:width]


def _least_squares(rows: Sequence[Sequence[float]], targets: Sequence[float]) -> list[float] | None:
    """The normal equations solved by Gaussian elimination; None when they are singular."""
    n = len(rows[0])
    matrix = [[sum(row[i] * row[j] for row in rows) for j in range(n)] for i in range(n)]
    vector = [sum(row[i] * y for row, y in zip(rows, targets)) for i in range(n)]
    for column in range(n):
        pivot = max(range(column, n), key=lambda r: abs(matrix[r][column]))
        if abs(matrix[pivot][column]) < 1e-9 * max(1.0, abs(matrix[column][column])):
            return None
        matrix[column], matrix[pivot] = matrix[pivot], matrix[column]
        vector[column], vector[pivot] = vector[pivot], vector[column]
        for r in range(n):
            if r != column:
                factor = matrix[r][column] / matrix[column][column]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[column], strict=True)]
                vector[r] -= factor * vector[column]
    return [vector[i] / matrix[i][i] for i in range(n)]
