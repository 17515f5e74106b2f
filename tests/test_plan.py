"""`modelsite check --plan`: the fewest shards that each fit the budget, on the real index's pages."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from modelsite.check.costs import DISCOVERY_SECONDS, FIGURES_SECONDS_PER_MODEL, shard_seconds
from modelsite.check.plan import make_plan
from modelsite.check.selection import (
    expected_seconds,
    lpt_split,
    shard_models,
    shard_pages,
    variant_pages,
    with_deploy,
)
from modelsite.core.blocks import CodeBlock, Page
from modelsite.core.compatibility import QUICK_PATH_KEYS
from modelsite.core.shard import Shard
from modelsite.index import load_index
from tests.helpers import ROOT

INDEX = load_index(ROOT, check_timm=False)
BLOCK = (CodeBlock(1, "print(1)\n", 1, None),)
# The EfficientNet family's variant pages and probes: 176 pages, none longer than a shard.
PAGES = [
    page
    for page in with_deploy(
        [Page(path, BLOCK, generated=True, models=(model.key,)) for path, model in variant_pages(INDEX).items()],
        INDEX,
        QUICK_PATH_KEYS,
    )
    if page.models[0].startswith("tf_efficientnet")
]


def test_every_shard_fits_the_budget_and_one_shard_fewer_would_not() -> None:
    models = [model for model in INDEX.models if model.key.startswith("tf_efficientnet")]
    plan = make_plan(PAGES, models, {}, INDEX, jobs=2, budget_seconds=1800)
    count = len(plan.shards)
    assert count > 1 and all(shard.seconds <= 1800 for shard in plan.shards)
    assert sum(shard.pages for shard in plan.shards) == len(PAGES)
    assert sum(shard.models for shard in plan.shards) == len(models)
    # The same split `--shard K/N` runs: each planned shard holds the pages that shard takes.
    for number, planned in enumerate(plan.shards, 1):
        assert planned.shard == f"{number}/{count}"
        assert planned.pages == len(shard_pages(PAGES, Shard(number, count), {}, INDEX)[0])
    # One shard fewer would not fit: the same split into COUNT - 1 has a shard over the budget.
    seconds_of = expected_seconds(PAGES, {}, INDEX)
    owner = lpt_split(PAGES, count - 1, seconds_of)
    fewer = []
    for number in range(1, count):
        chosen = [page for page in PAGES if owner[page.path] == number]
        checked = shard_models(models, PAGES, Shard(number, count - 1), chosen)
        fewer.append(shard_seconds([seconds_of[page.path] for page in chosen], len(checked), 2))
    assert max(fewer) > 1800
    seconds = sum(seconds_of.values()) / 2 + FIGURES_SECONDS_PER_MODEL * len(models)
    assert seconds + count * DISCOVERY_SECONDS == pytest.approx(plan.total_seconds, rel=0.05)


def test_a_longer_budget_takes_fewer_shards_and_the_json_is_the_workflow_matrix(tmp_path: Path) -> None:
    short = make_plan(PAGES, [], {}, INDEX, jobs=2, budget_seconds=1200)
    long = make_plan(PAGES, [], {}, INDEX, jobs=2, budget_seconds=3600)
    assert len(long.shards) < len(short.shards)
    replace(short, memory=7 * 2**30).write_json(tmp_path / "plan.json")
    data = json.loads((tmp_path / "plan.json").read_text())
    assert data["matrix"] == [f"{n}/{len(short.shards)}" for n in range(1, len(short.shards) + 1)]
    assert data["total_seconds"] == round(short.total_seconds, 1)
    assert data["memory"] == 7 * 2**30  # What the workflow hands every shard as --memory.
    assert short.lines()[0].startswith(f"plan: {len(short.shards)} shards of at most 20 min each")


def test_a_page_longer_than_the_budget_is_named_not_split_without_end() -> None:
    recorded = {PAGES[0].path: 5000.0}
    plan = make_plan(PAGES[:10], [], recorded, INDEX, jobs=2, budget_seconds=3600)
    assert plan.too_long == (PAGES[0].path,)
    assert len(plan.shards) <= 10
    assert any("longer than a shard's budget" in line for line in plan.lines())


def test_pages_reused_or_too_large_cost_nothing_so_a_small_change_plans_one_shard() -> None:
    everything = make_plan(PAGES, [], {}, INDEX, jobs=2, budget_seconds=1200)
    costless = frozenset(page.path for page in PAGES[2:])
    small = make_plan(PAGES, [], {}, INDEX, jobs=2, budget_seconds=1200, costless=costless)
    assert len(everything.shards) > 1 and len(small.shards) == 1
    assert small.shards[0].pages == len(PAGES)  # Listed still: a shard reports the reused pages too.
    assert small.total_seconds < everything.total_seconds / len(everything.shards)


def test_a_page_that_runs_alone_costs_its_shard_both_places_and_the_split_spreads_such_pages() -> None:
    """Shard 1/31 of the zoo's first plan held six pages that each need more than half of a 22 GiB runner:
    they ran alone, and the plan, counting each at half, expected 27 min where the shard took longer."""
    seconds = expected_seconds(PAGES, {}, INDEX)
    big = sorted(PAGES, key=lambda page: -seconds[page.path])[:4]
    shares = {page.path: 2 for page in big}
    plain = make_plan(PAGES, [], {}, INDEX, jobs=2, budget_seconds=1800)
    alone = make_plan(PAGES, [], {}, INDEX, jobs=2, budget_seconds=1800, shares=shares)
    added = sum(seconds[page.path] for page in big) / 2
    more_shards = len(alone.shards) - len(plain.shards)
    assert alone.total_seconds - plain.total_seconds == pytest.approx(added + more_shards * DISCOVERY_SECONDS, rel=0.02)
    count = len(alone.shards)
    owners = [shard_pages(PAGES, Shard(n, count), {}, INDEX, shares=shares)[0] for n in range(1, count + 1)]
    holding = [sum(page in shard for page in big) for shard in owners]
    assert max(holding) - min(holding) <= 1  # LPT deals the heaviest pages out first, one to each shard
    assert alone.too_long == ()  # alone, each still fits a shard: it is the shard that grows
