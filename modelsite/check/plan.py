"""`modelsite check --plan`: how many shards a sweep needs so that each fits one CI job, and what each costs.

The count is the smallest N whose LPT split (modelsite.check.selection.shard_plan, the one `--shard K/N`
runs) expects no shard above the budget (`--shard-minutes`, 60 by default), each shard's time as
modelsite.check.costs.shard_seconds counts it. A page expected to take longer than the budget alone cannot
fit any split: the plan names it instead of growing without end. The workflow's sweep matrix is this plan's
(`--plan-json`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from modelsite.check import costs, selection
from modelsite.core.blocks import Page
from modelsite.core.files import write_text_atomically
from modelsite.core.shard import Shard
from modelsite.index import Model, ModelIndex

DEFAULT_SHARD_MINUTES = 60.0


@dataclass(frozen=True)
class PlannedShard:
    """One shard of the plan: its pages and models, and the time a job is expected to spend on it."""

    shard: str
    pages: int
    models: int
    seconds: float


@dataclass(frozen=True)
class Plan:
    """The shards of one sweep, planned for JOBS pages side by side and at most BUDGET_SECONDS a shard."""

    shards: tuple[PlannedShard, ...]
    jobs: int
    budget_seconds: float
    recorded_pages: int
    cost_model: tuple[str, ...]
    too_long: tuple[str, ...] = ()
    # Pages left out: each needs more memory than MEMORY bytes, this machine's (modelsite.check.resources).
    too_large: tuple[str, ...] = ()
    memory: int = 0
    # Pages that passed unchanged: reused from the cache, they cost nothing.
    reused: int = 0

    @property
    def total_seconds(self) -> float:
        return sum(shard.seconds for shard in self.shards)

    @property
    def matrix(self) -> list[str]:
        """What the workflow's sweep matrix runs: one `--shard K/N` each."""
        return [shard.shard for shard in self.shards]

    def lines(self) -> list[str]:
        count = len(self.shards)
        pages = sum(shard.pages for shard in self.shards)
        lines = [
            f"plan: {count} shard{'s' * (count != 1)} of at most {self.budget_seconds / 60:.0f} min each, "
            f"{pages} pages at {self.jobs} at once; expected {_duration(self.total_seconds)} in all, "
            f"{_duration(max((s.seconds for s in self.shards), default=0))} for the longest shard",
            f"costs: {self.recorded_pages} of {pages} pages by their recorded duration, the rest by the cost model:",
            *(f"  {line}" for line in self.cost_model),
        ]
        lines += [
            f"  shard {shard.shard}: {shard.pages} pages, {shard.models} models, expected {_duration(shard.seconds)}"
            for shard in self.shards
        ]
        lines += [f"  {path}: expected alone to take longer than a shard's budget" for path in self.too_long]
        if self.reused:
            lines.append(f"reused: {self.reused} pages passed unchanged before (the cache) and cost nothing")
        if self.too_large:
            lines.append(
                f"not planned: {len(self.too_large)} pages need more memory than this machine's "
                f"{self.memory / 1024**3:.1f} GiB (the GPU runner checks them): {', '.join(self.too_large[:5])}"
                + (", ..." if len(self.too_large) > 5 else "")
            )
        return lines

    def write_json(self, path: Path) -> None:
        data = {
            "matrix": self.matrix,
            "shards": [asdict(shard) for shard in self.shards],
            "jobs": self.jobs,
            "budget_seconds": self.budget_seconds,
            "total_seconds": round(self.total_seconds, 1),
            "too_long": list(self.too_long),
            "too_large": list(self.too_large),
            "reused": self.reused,
            # What decided which pages are too large to start or to run beside another (with jobs): every shard
            # must take the same, or a page near a bound falls on its other side and the shards split differently.
            "memory": self.memory,
        }
        write_text_atomically(path, json.dumps(data, indent=1) + "\n")


def make_plan(
    pages: list[Page],
    models: list[Model],
    recorded: Mapping[str, float],
    index: ModelIndex | None,
    jobs: int,
    budget_seconds: float = DEFAULT_SHARD_MINUTES * 60,
    costless: frozenset[str] = frozenset(),
    shares: Mapping[str, int] | None = None,
) -> Plan:
    """The fewest shards of PAGES (and the figures of MODELS) whose expected times each fit BUDGET_SECONDS; the
    COSTLESS pages (reused, or too large to start) cost none, and a page counts the SHARES of the machine it
    holds, as `--shard` counts them."""
    model = costs.fitted(pages, selection.page_sizer(index), recorded)
    alone = selection.expected_seconds(pages, recorded, index, costless)
    seconds = selection.held_seconds(alone, shares)
    room = budget_seconds - costs.DISCOVERY_SECONDS
    too_long = tuple(sorted(path for path, s in alone.items() if s > room))
    total = sum(seconds.values()) / max(1, jobs) + costs.FIGURES_SECONDS_PER_MODEL * len(models)
    most = max(1, len(pages))

    def split(count: int) -> list[PlannedShard] | None:
        """The COUNT shards, if each fits the budget (or holds one page alone: no split can shorten it)."""
        shards = _shards(pages, models, seconds, alone, count, jobs)
        fits = all(s.seconds <= budget_seconds or s.pages <= 1 for s in shards)
        return shards if fits or count >= most else None

    # The fewest that fit, searched from the count the total time needs: doubling, then halving the gap.
    low = min(most, max(1, math.ceil(total / max(room, 1.0))))
    shards = split(low)
    if shards is None:
        high = low
        while (found := split(high := min(most, high * 2))) is None:
            low = high
        shards = found
        while high - low > 1:
            middle = (low + high) // 2
            if (candidate := split(middle)) is not None:
                high, shards = middle, candidate
            else:
                low = middle
    recorded_pages = sum(1 for page in pages if page.path in recorded)
    return Plan(tuple(shards), jobs, budget_seconds, recorded_pages, tuple(model.describe()), too_long)


def _shards(
    pages: list[Page],
    models: list[Model],
    seconds: Mapping[str, float],
    alone: Mapping[str, float],
    count: int,
    jobs: int,
) -> list[PlannedShard]:
    """The COUNT shards of PAGES, split by SECONDS (what each costs a shard's places), each no shorter than its
    longest page's own seconds (ALONE)."""
    owner = selection.lpt_split(pages, count, seconds)  # What selection.shard_pages splits by.
    planned = []
    for number in range(1, count + 1):
        shard = Shard(number, count)
        chosen = [page for page in pages if owner[page.path] == number]
        shard_models = selection.shard_models(models, pages, shard, chosen)
        longest = max((alone[page.path] for page in chosen), default=0.0)
        expected = costs.shard_seconds((seconds[page.path] for page in chosen), len(shard_models), jobs, longest)
        planned.append(PlannedShard(str(shard), len(chosen), len(shard_models), round(expected, 1)))
    return planned


def _duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"
