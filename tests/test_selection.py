"""What `check --shard`, `--sample`, `--changed-since` and `merge-reports` take, on the real index."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from modelsite.check.selection import (
    SelectionError,
    Shard,
    changed_pages,
    changed_variants,
    estimated_seconds,
    model_flops,
    sample_pages,
    shard_models,
    shard_pages,
    variant_pages,
)
from modelsite.core.blocks import CodeBlock, Page
from modelsite.core.report import PageResult, Report, ReportError, merge_shards, new_report, read_report, write_report
from modelsite.index import load_index
from tests.conftest import ROOT

INDEX = load_index(ROOT, check_timm=False)


def _pages() -> list[Page]:
    """A page per variant, as discovery finds them, and two hand-written pages."""
    block = (CodeBlock(1, "print(1)\n", 1, None),)
    pages = [Page("docs/getting-started.md", block), Page("docs/models/tf-efficientnet/index.md", block)]
    for path, model in variant_pages(INDEX).items():
        pages.append(Page(path, block, generated=True, models=(model.name, model.key)))
    return pages


@pytest.mark.parametrize("count", [1, 2, 3, 4, 7])
def test_the_shards_of_a_sweep_cover_every_page_once(count: int) -> None:
    pages = _pages()
    shards = [shard_pages(pages, Shard(number, count), {}, INDEX) for number in range(1, count + 1)]
    paths = [page.path for shard in shards for page in shard]
    assert sorted(paths) == sorted(page.path for page in pages)
    # Each shard keeps the page order.
    for shard in shards:
        assert shard == [page for page in pages if page in shard]


def test_shards_are_balanced_by_recorded_seconds_first() -> None:
    pages = _pages()
    recorded = {page.path: 10.0 for page in pages}
    heavy = pages[5].path
    recorded[heavy] = 1000.0
    first = shard_pages(pages, Shard(1, 2), recorded, INDEX)
    second = shard_pages(pages, Shard(2, 2), recorded, INDEX)
    # The one long page has a shard to itself, near enough: the other takes every other page.
    assert [page.path for page in first] == [heavy]
    assert len(second) == len(pages) - 1


def test_without_a_record_bigger_models_count_as_longer() -> None:
    pages = {page.path: page for page in _pages()}
    small = pages["docs/models/tf-efficientnet/tf_efficientnet_b0.aa_in1k.md"]
    large = pages["docs/models/tf-efficientnet/tf_efficientnet_b7.aa_in1k.md"]
    flops = model_flops(INDEX)
    assert estimated_seconds(large, flops) > estimated_seconds(small, flops) > 0


def test_each_model_is_checked_in_exactly_one_shard() -> None:
    pages = _pages()
    models = list(INDEX.models)
    checked: list[str] = []
    for number in (1, 2, 3):
        shard = Shard(number, 3)
        checked += [model.key for model in shard_models(models, pages, shard, shard_pages(pages, shard, {}, INDEX))]
    assert sorted(checked) == sorted(model.key for model in models)


@pytest.mark.parametrize("text", ["0/2", "3/2", "2", "a/b", "1/0", "-1/2"])
def test_a_bad_shard_is_refused_with_the_form_to_use(text: str) -> None:
    with pytest.raises(SelectionError, match="K/N"):
        Shard.parse(text)


def test_the_sample_has_every_collection_and_every_kind_of_page() -> None:
    pages = _pages()
    sample = sample_pages(pages, INDEX)
    variants = variant_pages(INDEX)
    kept = [variants[page.path] for page in sample if page.path in variants]
    assert {model.collection for model in kept} == {collection.name for collection in INDEX.collections}
    # The hand-written pages are always there, and a 21k head and a 12k head each bring their own page.
    assert {"docs/getting-started.md", "docs/models/tf-efficientnet/index.md"} <= {page.path for page in sample}
    label_sets = {model.figures["Label Set"] for model in kept}
    assert label_sets == {model.figures["Label Set"] for model in INDEX.models}
    assert len(sample) < len(pages) / 2


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
        "docs/models/tf-efficientnet-lite/tf_efficientnet_lite0.in1k.md"
    ]
    with pytest.raises(SelectionError, match="no-such-revision"):
        changed_variants(project, INDEX, "no-such-revision")


def _report(path: str, models: tuple[str, ...], failed: bool = False) -> Report:
    page = PageResult(path, "failed" if failed else "passed", 1.0, (), environment={"device": "cpu", "timm": "1"})
    return new_report([page], [], models, "cpu", False)


def test_merged_shards_hold_every_page_and_model_and_fail_if_one_failed(tmp_path: Path) -> None:
    first, second = tmp_path / "1.json", tmp_path / "2.json"
    write_report(first, _report("docs/a.md", ("m1",)))
    write_report(second, _report("docs/b.md", ("m2",), failed=True))
    out = tmp_path / "merged.json"
    completed = subprocess.run(
        [sys.executable, "-m", "modelsite", "merge-reports", str(out), str(first), str(second)],
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 1, completed.stderr
    assert "2 pages, 2 models, failed" in completed.stdout
    merged = read_report(out)
    assert sorted(page.path for page in merged.pages) == ["docs/a.md", "docs/b.md"]
    assert sorted(merged.models_checked) == ["m1", "m2"]
    assert json.loads(out.read_text())["passed"] is False


def test_a_page_in_two_shards_is_refused(tmp_path: Path) -> None:
    report = read_report_of(tmp_path, _report("docs/a.md", ()))
    with pytest.raises(ReportError, match="docs/a.md is in both"):
        merge_shards([(tmp_path / "1.json", report), (tmp_path / "2.json", report)])


def read_report_of(folder: Path, report: Report) -> Report:
    path = folder / "r.json"
    write_report(path, report)
    return read_report(path)
