"""What `check --shard`, `--sample`, `--changed-since` and `merge-reports` take, on the real index."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from modelsite.check.costs import GENERATED_KINDS, PROBE, VARIANT_PAGE
from modelsite.check.discover import discover
from modelsite.check.selection import (
    SelectionError,
    changed_pages,
    changed_variants,
    collections_of,
    durations_key,
    expected_seconds,
    overview_pages,
    page_kind,
    page_sizer,
    plan_digest,
    read_durations,
    sample_pages,
    sample_paths,
    shard_models,
    shard_pages,
    shard_plan,
    stratified_sample,
    variant_pages,
    with_deploy,
    write_durations,
)
from modelsite.core.blocks import CodeBlock, Page
from modelsite.core.compatibility import QUICK_PATH_KEYS, is_probe_path
from modelsite.core.project import Project, docs_path
from modelsite.core.report.codec import read_report, write_report
from modelsite.core.report.merging import merge_shards
from modelsite.core.report.results import PageResult, Report, ReportError, new_report
from modelsite.core.shard import Shard
from modelsite.index import load_index
from modelsite.index.model import MODULE_FIGURES
from tests.helpers import ROOT, copy_project

INDEX = load_index(ROOT, check_timm=False)


def _pages(deploy: tuple[str, ...] = QUICK_PATH_KEYS) -> list[Page]:
    """A page per variant and per collection, as discovery finds them, a hand-written page, and the probes."""
    block = (CodeBlock(1, "print(1)\n", 1, None),)
    pages = [Page("docs/getting-started.md", block)]
    for path, model in overview_pages(INDEX).items():
        pages.append(Page(path, block, generated=True, models=(model.key,)))
    for path, model in variant_pages(INDEX).items():
        pages.append(Page(path, block, generated=True, models=(model.name, model.key)))
    return with_deploy(pages, INDEX, deploy)


@pytest.mark.parametrize("count", [1, 2, 3, 4, 7])
def test_the_shards_of_a_sweep_cover_every_page_once(count: int) -> None:
    pages = _pages()
    shards = [shard_pages(pages, Shard(number, count), {}, INDEX)[0] for number in range(1, count + 1)]
    paths = [page.path for shard in shards for page in shard]
    assert sorted(paths) == sorted(page.path for page in pages)
    # Each shard keeps the page order.
    for shard in shards:
        assert shard == [page for page in pages if page in shard]


def test_shards_are_balanced_by_recorded_seconds_first() -> None:
    pages = _pages()
    recorded = {page.path: 10.0 for page in pages}
    heavy = pages[5].path
    recorded[heavy] = 100_000.0
    first, _ = shard_pages(pages, Shard(1, 2), recorded, INDEX)
    second, _ = shard_pages(pages, Shard(2, 2), recorded, INDEX)
    # The one long page has a shard to itself, near enough: the other takes every other page.
    assert [page.path for page in first] == [heavy]
    assert len(second) == len(pages) - 1


def test_without_a_record_bigger_models_count_as_longer() -> None:
    pages = {page.path: page for page in _pages()}
    small = pages["docs/models/tf-efficientnet/tf_efficientnet_b0.aa_in1k.md"]
    large = pages["docs/models/tf-efficientnet/tf_efficientnet_b7.aa_in1k.md"]
    # A probe exports and runs its model several times, and an overview compiles it: both outlast its page.
    expected = expected_seconds(list(pages.values()), {}, INDEX)
    assert expected[large.path] > expected[small.path] > 0
    lite0 = "tf_efficientnet_lite0.in1k"
    page = expected[f"docs/models/tf-efficientnet-lite/{lite0}.md"]
    assert expected[f"deploy/{lite0}"] > page and expected["docs/models/tf-efficientnet-lite/index.md"] > page


def test_each_model_is_checked_in_exactly_one_shard() -> None:
    pages = _pages()
    models = list(INDEX.models)
    checked: list[str] = []
    for number in (1, 2, 3):
        shard = Shard(number, 3)
        checked += [model.key for model in shard_models(models, pages, shard, shard_pages(pages, shard, {}, INDEX)[0])]
    assert sorted(checked) == sorted(model.key for model in models)


def test_the_sample_has_one_variant_page_of_each_kind_and_not_one_per_collection() -> None:
    pages = _pages()
    sample = sample_pages(pages, INDEX)
    variants = variant_pages(INDEX)
    kept = [variants[page.path] for page in sample if page.path in variants]
    kinds = {page_kind(model) for model in INDEX.models}
    assert sorted(map(page_kind, kept), key=repr) == sorted(kinds, key=repr)
    # Each is the cheapest of its kind: the sample's cost follows the kinds, not the zoo's size.
    for model in kept:
        same = [other for other in INDEX.models if page_kind(other) == page_kind(model)]
        assert model.figures["FLOPs"] == min(other.figures["FLOPs"] for other in same)
    # The hand-written pages are always there, and ImageNet-1k's classes, another named label set (21k, 12k,
    # ...: one template branch for all of them) and unnamed outputs each bring their own page.
    assert "docs/getting-started.md" in {page.path for page in sample}
    label_sets = {model.figures["Label Set"] for model in kept}
    assert {"imagenet-1k", "none"} < label_sets and len(label_sets) == 3
    assert len(sample) < len(pages) / 4
    # The deploy code is one template for every collection: the cheapest overview runs it, with its probe.
    overviews = overview_pages(INDEX)
    chosen = [page.path for page in sample if page.path in overviews]
    cheapest = min(INDEX.models, key=lambda model: (model.figures["FLOPs"], model.key))
    assert len(chosen) == 1 and overviews[chosen[0]] == cheapest
    assert [page.path for page in sample if is_probe_path(page.path)] == [f"deploy/{INDEX.probed_as[cheapest.key]}"]


def test_tags_that_build_the_same_module_share_one_probe() -> None:
    probes = [page.path for page in _pages() if is_probe_path(page.path)]
    assert len(probes) == len(set(INDEX.probed_as.values())) < len(INDEX.models)
    shared = next(key for key, probe in INDEX.probed_as.items() if key != probe)
    model, stand_in = INDEX.model(shared), INDEX.model(INDEX.probed_as[shared])
    assert model.name == stand_in.name and all(model.figures[k] == stand_in.figures[k] for k in MODULE_FIGURES)
    assert f"deploy/{shared}" not in probes and f"deploy/{stand_in.key}" in probes
    # A change to the tag reruns the probe that stands for it.
    assert f"deploy/{stand_in.key}" in {page.path for page in changed_pages(_pages(), INDEX, {shared})}
    # Another input size is another module: ViTs' position embeddings, TF "same" padding.
    sizes = next(
        tags
        for tags in map(INDEX.variants_of, dict.fromkeys(m.name for m in INDEX.models))
        if len({str(m.figures["Image Size"]) for m in tags}) > 1
    )
    first = sizes[0]
    other = next(m for m in sizes if m.figures["Image Size"] != first.figures["Image Size"])
    assert INDEX.probed_as[other.key] != INDEX.probed_as[first.key]


def test_the_sample_s_collections_hold_every_generated_page_it_takes() -> None:
    """Discovery of a sample builds these collections alone: a page outside them would go unchecked."""
    paths = sample_paths(INDEX, per_collection=False)
    shown = collections_of(INDEX, paths)
    owners = {docs_path(c.variant_page(m)): c.slug for c in INDEX.collections for m in c.models}
    owners |= {docs_path(c.page): c.slug for c in INDEX.collections}
    assert {owners[path] for path in paths if path in owners} == shown
    assert len(shown) < len(INDEX.collections) / 10
    assert collections_of(INDEX, sample_paths(INDEX, per_collection=True)) == {
        c.slug for c in INDEX.collections if c.models
    }


def test_a_sample_discovered_from_its_collections_alone_is_the_whole_discovery_s_sample(tmp_path: Path) -> None:
    """The same pages, blocks and traced sources, from a build of a few collections instead of all."""
    root = copy_project(tmp_path / "project", slim=True)
    project, index = Project(root), load_index(root, check_timm=False)
    shown = collections_of(index, sample_paths(index))
    assert 0 < len(shown) < len(index.collections)
    whole = sample_pages(discover(project, index, use_cache=False), index)
    alone = discover(project, index, use_cache=False, collections=shown)
    assert sample_pages(alone, index) == whole
    assert len(alone) < len(discover(project, index, use_cache=True))


def test_deploy_adds_a_probe_per_module_and_skip_drops_the_deploy_code() -> None:
    with_probes = _pages()
    probes = [page for page in with_probes if is_probe_path(page.path)]
    assert [page.models for page in probes] == [(key,) for key, probe in INDEX.probed_as.items() if key == probe]
    assert all(f"main({page.models[0]!r}, {QUICK_PATH_KEYS!r})" in page.blocks[0].code for page in probes)
    skipped = {page.path for page in _pages(deploy=())}
    assert not any(is_probe_path(path) for path in skipped)
    assert not skipped & set(overview_pages(INDEX))
    assert set(variant_pages(INDEX)) <= skipped


def test_changed_since_finds_new_and_edited_entries_only(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(ROOT / "model_index", project / "model_index")

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=project, check=True, capture_output=True)

    git("init", "-q")
    git("-c", "user.name=t", "-c", "user.email=t@t", "add", "model_index")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "index")
    assert changed_variants(project, INDEX, "HEAD") == set()

    # The index as a contributor's edit leaves it: one figure of one entry changed.
    edited = INDEX
    lite0 = edited.model("tf_efficientnet_lite0.in1k")
    changed_model = replace(lite0, figures={**lite0.figures, "Crop Pct": 0.5})
    collection = edited.collection(lite0.collection)
    models = tuple(changed_model if m.key == lite0.key else m for m in collection.models)
    edited = replace(
        edited, collections=tuple(replace(c, models=models) if c is collection else c for c in edited.collections)
    )
    keys = changed_variants(project, edited, "HEAD")
    assert keys == {"tf_efficientnet_lite0.in1k"}
    assert [page.path for page in changed_pages(_pages(), edited, keys)] == [
        "docs/models/tf-efficientnet-lite/tf_efficientnet_lite0.in1k.md",
        "deploy/tf_efficientnet_lite0.in1k",
    ]
    with pytest.raises(SelectionError, match="no-such-revision"):
        changed_variants(project, INDEX, "no-such-revision")


def _report(path: str, models: tuple[str, ...], failed: bool = False) -> Report:
    page = PageResult(path, "failed" if failed else "passed", 1.0, (), environment={"device": "cpu", "timm": "1"})
    return new_report([page], [], models, "cpu", False, deploy="quick")


def test_merged_shards_hold_every_page_and_model_and_fail_if_one_failed(tmp_path: Path) -> None:
    first, second = tmp_path / "1.json", tmp_path / "2.json"
    write_report(first, _report("docs/a.md", ("m1",)))
    write_report(second, _report("docs/b.md", ("m2",), failed=True))
    out = tmp_path / "merged.json"
    # A project of its own (merge-reports records the sweep's durations in the project it runs in), not this one.
    project = tmp_path / "project"
    project.mkdir()
    (project / "mkdocs.yml").write_text("site_name: merged\n")
    completed = subprocess.run(
        [sys.executable, "-m", "modelsite", "merge-reports", str(out), str(first), str(second)],
        capture_output=True,
        text=True,
        cwd=project,
    )
    assert completed.returncode == 1, completed.stderr
    assert "2 pages, 2 models, failed" in completed.stdout
    merged = read_report(out)
    assert sorted(page.path for page in merged.pages) == ["docs/a.md", "docs/b.md"]
    assert sorted(merged.models_checked) == ["m1", "m2"]
    assert json.loads(out.read_text())["passed"] is False
    durations = project / ".modelsite-cache" / "sweep-durations.json"
    assert read_durations([durations], durations_key("cpu", "quick")) == {"docs/a.md": 1.0, "docs/b.md": 1.0}
    # Reports of before deploy modes were recorded merge, but cannot say which sweep's durations they hold.
    for path in (first, second):
        write_report(path, replace(read_report(path), deploy=""))
    before = durations.read_text()
    subprocess.run([sys.executable, "-m", "modelsite", "merge-reports", str(out), str(first), str(second)], cwd=project)
    assert read_report(out).deploy == "" and durations.read_text() == before


def test_a_page_in_two_shards_is_refused(tmp_path: Path) -> None:
    report = read_report_of(tmp_path, _report("docs/a.md", ()))
    with pytest.raises(ReportError, match="docs/a.md is in both"):
        merge_shards([(tmp_path / "1.json", report), (tmp_path / "2.json", report)])


def read_report_of(folder: Path, report: Report) -> Report:
    path = folder / "r.json"
    write_report(path, report)
    return read_report(path)


def test_shards_that_split_differently_or_a_missing_shard_are_refused(tmp_path: Path) -> None:
    """What a sweep run shard after shard on one machine used to do: each shard balanced by the durations the
    one before it had just recorded, so 22 pages ran twice and 36 never. Now the split comes from the last
    whole sweep's durations, which no shard writes, and merge-reports holds the shards to one split."""
    pages = _pages()
    plans = {
        durations: shard_plan(pages, 2, recorded, INDEX)
        for durations, recorded in (("none", {}), ("some", {pages[3].path: 10_000.0}))
    }
    assert plan_digest(plans["none"]) != plan_digest(plans["some"])
    # So does a page near the memory bound that one runner judged too large to start and another did not.
    judged_too_large = shard_plan(pages, 2, {}, INDEX, costless=frozenset({pages[3].path}))
    assert plan_digest(judged_too_large) != plan_digest(plans["none"])
    one = replace(_report("docs/a.md", ()), shard="1/2", shard_plan=plan_digest(plans["none"]))
    two = replace(_report("docs/b.md", ()), shard="2/2", shard_plan=plan_digest(plans["some"]))
    with pytest.raises(ReportError, match="split the pages differently.*each with the plan's --memory and --jobs"):
        merge_shards([(tmp_path / "1.json", one), (tmp_path / "2.json", two)])
    with pytest.raises(ReportError, match=r"shard 2/2 is missing"):
        merge_shards([(tmp_path / "1.json", one)])
    with pytest.raises(ReportError, match=r"both shard 1/2"):
        merge_shards([(tmp_path / "1.json", one), (tmp_path / "2.json", replace(one, pages=()))])
    with pytest.raises(ReportError, match=r"2.json is not a report of `modelsite check --shard K/N`"):
        merge_shards([(tmp_path / "1.json", one), (tmp_path / "2.json", _report("docs/b.md", ()))])
    agreeing = replace(two, shard_plan=one.shard_plan)
    merged = merge_shards([(tmp_path / "1.json", one), (tmp_path / "2.json", agreeing)])
    assert merged.shard == merged.shard_plan == "" and len(merged.pages) == 2
    # The digest and the deploy mode survive the report's JSON.
    assert read_report_of(tmp_path, one).shard_plan == one.shard_plan
    assert read_report_of(tmp_path, replace(one, deploy="full")).deploy == "full"
    # Shards of one split that probed differently (a weekly `--deploy full` shard with a quick one) are not a sweep.
    with pytest.raises(ReportError, match=r"2.json ran with deploy full, .*1.json with quick"):
        merge_shards(
            [
                (tmp_path / "1.json", replace(one, deploy="quick")),
                (tmp_path / "2.json", replace(agreeing, deploy="full")),
            ]
        )
    # A shard of before reports said their deploy mode: named as such, not as an empty word.
    with pytest.raises(ReportError, match=r"2.json ran with deploy \(not recorded\), .*1.json with quick"):
        merge_shards([(tmp_path / "1.json", one), (tmp_path / "2.json", replace(agreeing, deploy=""))])


def test_only_a_whole_sweep_records_the_durations_shards_balance_by(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "sweep-durations.json"
    cpu_quick, cuda_full = durations_key("cpu", "quick"), durations_key("cuda", "full")
    assert read_durations([path], cpu_quick) == {}
    write_durations(
        path, cpu_quick, [PageResult("docs/a.md", "passed", 12.5, ()), PageResult("docs/b.md", "passed", 3.0, ())]
    )
    # A result reused from the cache carries the duration of the run that made it.
    cached = PageResult("docs/a.md", "passed", 11.0, (), cached=True)
    write_durations(
        path, cpu_quick, [cached, PageResult("docs/c.md", "failed", 7.0, ()), PageResult("docs/d.md", "passed", 0, ())]
    )
    assert read_durations([path], cpu_quick) == {"docs/a.md": 11.0, "docs/b.md": 3.0, "docs/c.md": 7.0}
    # A GPU's sweep, or one that also compiles, keeps its own durations and leaves the CPU's as they were.
    write_durations(path, cuda_full, [PageResult("docs/a.md", "passed", 2.0, ())])
    assert read_durations([path], cuda_full) == {"docs/a.md": 2.0}
    assert read_durations([path], cpu_quick)["docs/a.md"] == 11.0
    assert read_durations([path], durations_key("cpu", "full")) == {}
    path.write_text('{"docs/a.md": 3.0}')  # The file of before, one mapping for every kind: not used.
    assert read_durations([path], cpu_quick) == {}
    path.write_text("not json")
    assert read_durations([path], cpu_quick) == {}


@pytest.mark.parametrize("budget", [600.0, 3600.0])
def test_the_stratified_sample_fits_its_budget_and_spans_each_kind(budget: float) -> None:
    """bench/check.py's sample: its cost follows the budget, not the zoo's size."""
    pages = _pages()
    seconds = expected_seconds(pages, {}, INDEX)
    kind = page_sizer(INDEX).kind
    sample = stratified_sample(pages, seconds, kind, budget)
    assert sum(seconds[page.path] for page in sample) <= budget
    assert sample == [page for page in pages if page in sample]
    assert "docs/getting-started.md" in {page.path for page in sample}
    for name in GENERATED_KINDS:
        ranked = sorted((page for page in pages if kind(page) == name), key=lambda page: seconds[page.path])
        taken = [page for page in ranked if page in sample]
        assert taken and len(taken) < len(ranked)
        # One page from each of as many equal strata of the kind's pages, by cost.
        for stratum, page in enumerate(taken):
            share = len(ranked) / len(taken)
            assert stratum * share <= ranked.index(page) < (stratum + 1) * share
    # The same share of each kind: a larger budget takes more of every one.
    larger = stratified_sample(pages, seconds, kind, budget * 3)
    assert all(
        sum(kind(page) == name for page in larger) > sum(kind(page) == name for page in sample)
        for name in (VARIANT_PAGE, PROBE)
    )
