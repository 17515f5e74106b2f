"""Which pages and models one check run takes, beyond `--only`: a shard of the full sweep, a sample that runs
every page and template at least once, and the variants changed since a git revision.

- `--shard K/N` splits the page runs into N shards of about equal duration: the longest first, each to the
  shard with the least time so far (LPT). A page's duration is its last recorded one (the latest report)
  where known, else an estimate from the FLOPs of the models it runs. A model's figures are checked in the
  shard that runs its variant page; models no page runs go to shard 1. Every shard of a sweep computes the
  same split, so the N reports together cover everything once (`modelsite merge-reports`).
- `--sample` takes every page that is not a variant page, and the cheapest variant pages (by FLOPs) that
  between them cover every collection and every kind of page (label set, feature maps or none), since
  those change which code blocks the templates render.
- `--changed-since REV` adds the variant pages whose index entry is new or differs from the one at REV.
"""

from __future__ import annotations

import re
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from modelsite.core.blocks import Page
from modelsite.core.errors import ModelsiteError
from modelsite.core.project import DOCS_DIR
from modelsite.index import Model, ModelIndex, load_index

# A page whose duration was never recorded: a fixed cost (interpreter, imports, build of the model) and a
# cost per GFLOP of the models it runs, fitted roughly to the CPU runs of the EfficientNet pages.
_BASE_SECONDS = 18.0
_SECONDS_PER_GFLOP = 2.0
_SHARD = re.compile(r"^([1-9][0-9]*)/([1-9][0-9]*)$")


class SelectionError(ModelsiteError):
    """A shard, sample or revision the check cannot take."""


@dataclass(frozen=True)
class Shard:
    """Shard NUMBER of COUNT (1-based)."""

    number: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        match = _SHARD.match(text)
        if match is None or int(match[1]) > int(match[2]):
            raise SelectionError(f"--shard {text!r}: give K/N with 1 <= K <= N, e.g. --shard 2/4")
        return cls(int(match[1]), int(match[2]))

    def __str__(self) -> str:
        return f"{self.number}/{self.count}"


def variant_pages(index: ModelIndex | None) -> dict[str, Model]:
    """`docs/models/SLUG/KEY.md` -> its variant."""
    if index is None:
        return {}
    return {
        f"{DOCS_DIR}/{collection.variant_page(model)}": model
        for collection in index.collections
        for model in collection.models
    }


def model_flops(index: ModelIndex | None) -> dict[str, float]:
    """Each variant's FLOPs by key."""
    return {model.key: float(model.figures.get("FLOPs", 0)) for model in (index.models if index else ())}


def estimated_seconds(page: Page, flops: dict[str, float]) -> float:
    """A page's duration before any run recorded it, from the FLOPs (by key) of the models it runs."""
    gflops = sum(flops.get(name, 0.0) for name in page.models) / 1e9
    return _BASE_SECONDS + _SECONDS_PER_GFLOP * gflops


def shard_pages(pages: list[Page], shard: Shard, recorded: Mapping[str, float], index: ModelIndex | None) -> list[Page]:
    """The pages of SHARD, in page order: LPT over recorded durations, else estimates."""
    flops = model_flops(index)
    seconds = {page.path: recorded.get(page.path) or estimated_seconds(page, flops) for page in pages}
    loads = [0.0] * shard.count
    owner: dict[str, int] = {}
    # Ties in duration break by path, so every shard of a sweep computes the same split.
    for page in sorted(pages, key=lambda page: (-seconds[page.path], page.path)):
        lightest = min(range(shard.count), key=lambda number: (loads[number], number))
        owner[page.path] = lightest
        loads[lightest] += seconds[page.path]
    return [page for page in pages if owner[page.path] == shard.number - 1]


def shard_models(models: list[Model], all_pages: list[Page], shard: Shard, chosen: list[Page]) -> list[Model]:
    """The models whose figures SHARD checks: those named by a page it runs; the rest in shard 1."""
    named_anywhere = {name for page in all_pages for name in page.models}
    named_here = {name for page in chosen for name in page.models}
    return [
        model for model in models if model.key in named_here or (shard.number == 1 and model.key not in named_anywhere)
    ]


def sample_pages(pages: list[Page], index: ModelIndex | None) -> list[Page]:
    """Every page that is not a variant page, and the cheapest variant pages that between them cover each
    collection and each kind of page; in page order."""
    variants = variant_pages(index)
    seen: set[object] = set()
    chosen: set[str] = set()
    candidates = [page for page in pages if page.path in variants]
    for page in sorted(candidates, key=lambda page: (variants[page.path].figures.get("FLOPs", 0), page.path)):
        model = variants[page.path]
        marks = {("collection", model.collection), ("kind", page_kind(model))}
        if not marks <= seen:
            chosen.add(page.path)
            seen |= marks
    return [page for page in pages if page.path not in variants or page.path in chosen]


def page_kind(model: Model) -> tuple[object, ...]:
    """What changes the code blocks the variant templates render: the label set (named, ImageNet-1k with its
    class promise, or indices) and whether timm builds a feature pyramid. What changes only prose is held by
    the build and its tests, which render every variant page."""
    figures = model.figures
    return (figures.get("Label Set"), figures.get("Feature Strides") is None)


def changed_variants(root: Path, index: ModelIndex, revision: str) -> set[str]:
    """The keys of INDEX's variants that are new since REVISION or whose entry differs from the one there."""
    before = _index_at(root, revision)
    old = {model.key: model for model in before.models} if before else {}
    return {model.key for model in index.models if old.get(model.key) != model}


def changed_pages(pages: Iterable[Page], index: ModelIndex, keys: set[str]) -> list[Page]:
    by_page = variant_pages(index)
    return [page for page in pages if page.path in by_page and by_page[page.path].key in keys]


def _index_at(root: Path, revision: str) -> ModelIndex | None:
    """The index as it was at REVISION, read from git; None when it had no model_index."""
    try:
        archive = subprocess.run(
            ["git", "archive", "--format=tar", revision, "--", "model_index"],
            cwd=root,
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout
    except FileNotFoundError:
        raise SelectionError("--changed-since needs git, and git is not installed") from None
    except subprocess.CalledProcessError as error:
        message = error.stderr.decode(errors="replace").strip()
        if "did not match any file" in message:
            return None
        raise SelectionError(
            f"--changed-since {revision}: git cannot read that revision here ({message}); give a commit, "
            "branch or tag of this repository"
        ) from None
    with tempfile.TemporaryDirectory() as folder:
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
        try:
            return load_index(Path(folder), check_timm=False)
        except ModelsiteError:
            # An index that did not load then: every variant counts as changed.
            return None
