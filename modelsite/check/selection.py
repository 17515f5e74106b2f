"""Which pages and models one check run takes, beyond `--only`: a shard of the full sweep, a sample that runs
every page and template at least once, and the variants changed since a git revision.

- `--shard K/N` splits the page runs into N shards of about equal duration: the longest first, each to the
  shard with the least time so far (LPT). A page's duration is the one recorded by the last whole sweep
  (Project.sweep_durations, which shards never write) where known, else the cost model's prediction from its
  kind and the size of the models it runs (modelsite.check.costs), fitted to those recorded durations. Each
  shard's report carries a digest of the whole split, and `merge-reports` refuses shards that split
  differently or a sweep with a shard missing. A model's figures are checked
  in the shard of the first page that names it; models no page names go to shard 1. So the N reports
  together cover everything once (`modelsite merge-reports`).
- `--sample` takes every hand-written page and example, and the cheapest variant pages (by FLOPs) that
  between them cover every kind of page (head, label set, feature maps or none), since those change which
  code blocks the templates render; not one per collection, which at the zoo's size would be a sweep. Of the
  collection overviews, whose deploy code is one template for every collection, it takes the cheapest, with
  its variant's deploy probe.
- `--changed-since REV` adds the variant pages and deploy probes whose index entry is new or differs from
  the one at REV.
- `--deploy skip` leaves out the probes and the overviews (their code is the deploy code); otherwise each module
  the variants build has one probe (ModelIndex.probed_as), which the tags that differ only in weights share.
- bench/check.py times a stratified sample (stratified_sample): the same share of each generated kind, spread
  over its range of costs, sized to a budget.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from io import BytesIO
from pathlib import Path

from modelsite.check import costs
from modelsite.check.deploy import probe_page
from modelsite.core.blocks import Page
from modelsite.core.compatibility import is_probe_path, probe_page_path
from modelsite.core.errors import ModelsiteError
from modelsite.core.files import write_text_atomically
from modelsite.core.project import INDEX_DIR, docs_path
from modelsite.core.report.results import PageResult
from modelsite.core.shard import Shard
from modelsite.index import Collection, Model, ModelIndex, load_index


class SelectionError(ModelsiteError):
    """A shard, sample or revision the check cannot take."""


def variant_pages(index: ModelIndex | None) -> dict[str, Model]:
    """`docs/models/SLUG/KEY.md` -> its variant."""
    if index is None:
        return {}
    return {
        docs_path(collection.variant_page(model)): model
        for collection in index.collections
        for model in collection.models
    }


def page_sizer(index: ModelIndex | None) -> costs.PageSizer:
    """What the cost model needs to size any page of INDEX: its generated pages' kinds, its models' figures."""
    kinds = dict.fromkeys(variant_pages(index), costs.VARIANT_PAGE)
    kinds |= dict.fromkeys(overview_pages(index), costs.OVERVIEW)
    return costs.PageSizer(kinds, {model.key: model.figures for model in (index.models if index else ())})


def expected_seconds(
    pages: list[Page],
    recorded: Mapping[str, float],
    index: ModelIndex | None,
    costless: frozenset[str] = frozenset(),
    shares: Mapping[str, int] | None = None,
) -> dict[str, float]:
    """Each page's recorded duration where there is one, else the cost model's prediction (modelsite.check.costs),
    times the SHARES of the machine it holds (resources.machine_share: a page too large to run beside another
    costs its shard the time of both); none for the COSTLESS pages (reused from the cache, or too large to start
    here)."""
    seconds = costs.expected_seconds(pages, page_sizer(index), recorded)
    return held_seconds({path: 0.0 if path in costless else value for path, value in seconds.items()}, shares)


def held_seconds(seconds: Mapping[str, float], shares: Mapping[str, int] | None) -> dict[str, float]:
    """SECONDS, each times the SHARES of the machine its page holds (one where SHARES says nothing)."""
    held = shares or {}
    return {path: value * held.get(path, 1) for path, value in seconds.items()}


def shard_plan(
    pages: list[Page],
    count: int,
    recorded: Mapping[str, float],
    index: ModelIndex | None,
    costless: frozenset[str] = frozenset(),
    shares: Mapping[str, int] | None = None,
) -> dict[str, int]:
    """Page path -> its shard (1-based) of COUNT: LPT over recorded durations, else the cost model's (each
    times the SHARES of the machine its page holds)."""
    return lpt_split(pages, count, expected_seconds(pages, recorded, index, costless, shares))


def lpt_split(pages: list[Page], count: int, seconds: Mapping[str, float]) -> dict[str, int]:
    """Page path -> its shard (1-based) of COUNT: the longest page first (by SECONDS), each to the lightest shard."""
    loads = [0.0] * count
    owner: dict[str, int] = {}
    # Ties in duration break by path, so every shard of a sweep computes the same split.
    for page in sorted(pages, key=lambda page: (-seconds[page.path], page.path)):
        lightest = min(range(count), key=lambda number: (loads[number], number))
        owner[page.path] = lightest + 1
        loads[lightest] += seconds[page.path]
    return owner


def plan_digest(plan: Mapping[str, int]) -> str:
    """The same for every shard of one sweep, and different when two shards split the pages differently."""
    return hashlib.sha256(json.dumps(sorted(plan.items())).encode()).hexdigest()[:16]


def shard_pages(
    pages: list[Page],
    shard: Shard,
    recorded: Mapping[str, float],
    index: ModelIndex | None,
    costless: frozenset[str] = frozenset(),
    shares: Mapping[str, int] | None = None,
) -> tuple[list[Page], str]:
    """The pages of SHARD, in page order (see shard_plan), and the digest of the whole split (plan_digest)."""
    plan = shard_plan(pages, shard.count, recorded, index, costless, shares)
    return [page for page in pages if plan[page.path] == shard.number], plan_digest(plan)


def durations_key(device: str, deploy_mode: str) -> str:
    """Which sweeps' durations a sweep balances by: those of its device and deploy mode, since a page on a GPU,
    or a probe that also compiles, takes another time."""
    return f"{device}, --deploy {deploy_mode}"


def _all_durations(path: Path) -> dict[str, dict[str, float]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        str(key): {str(k): float(v) for k, v in section.items() if isinstance(v, (int, float)) and v > 0}
        for key, section in data.items()
        if isinstance(section, dict)
    }


def read_durations(paths: Iterable[Path], key: str) -> dict[str, float]:
    """The page durations of the sweeps of KEY (durations_key) recorded in PATHS, a later file's over an earlier
    one's (Project.committed_durations, then Project.sweep_durations); none when no file has such a sweep."""
    durations: dict[str, float] = {}
    for path in paths:
        durations.update(_all_durations(path).get(key, {}))
    return durations


def write_durations(path: Path, key: str, pages: Iterable[PageResult]) -> None:
    """Record the durations of PAGES under KEY over those recorded before; a result reused from the cache keeps
    the duration of the run that made it. Other keys' durations stay as they were."""
    durations = _all_durations(path)
    section = durations.setdefault(key, {})
    section.update({page.path: round(page.seconds, 2) for page in pages if page.seconds > 0})
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomically(path, json.dumps(durations, indent=1, sort_keys=True) + "\n")


def shard_models(models: list[Model], all_pages: list[Page], shard: Shard, chosen: list[Page]) -> list[Model]:
    """The models whose figures SHARD checks: each in the shard of the first page naming it (its overview, its
    variant page or its probe); the models no page names in shard 1."""
    first_page: dict[str, str] = {}
    for page in all_pages:
        for name in page.models:
            first_page.setdefault(name, page.path)
    here = {page.path for page in chosen}
    return [
        model
        for model in models
        if first_page.get(model.key) in here or (shard.number == 1 and model.key not in first_page)
    ]


def overview_pages(index: ModelIndex | None) -> dict[str, Model]:
    """`docs/models/SLUG/index.md` -> the variant its deploy code runs."""
    if index is None:
        return {}
    return {
        docs_path(collection.page): collection.deploy_model
        for collection in index.collections
        if collection.deploy_model is not None
    }


def with_deploy(pages: list[Page], index: ModelIndex | None, paths: tuple[str, ...]) -> list[Page]:
    """PAGES with, after them, a deploy probe of PATHS for each module the variants build (ModelIndex.probed_as:
    one for the tags that differ only in weights); without the overviews when PATHS is empty."""
    if not paths:
        overviews = overview_pages(index)
        return [page for page in pages if page.path not in overviews]
    probed = index.probed_as if index else {}
    return pages + [probe_page(key, paths) for key, probe in probed.items() if key == probe]


def sample_paths(index: ModelIndex | None, per_collection: bool = False) -> set[str]:
    """The generated pages the sample takes: the cheapest variant page of each kind of page (and with
    PER_COLLECTION, of each collection), and the cheapest overview with its variant's probe."""
    variants = variant_pages(index)
    chosen = set(cheapest_of_each_kind(variants))
    if per_collection:
        chosen |= set(cheapest_of_each_collection(variants))
    overviews = overview_pages(index)
    if overviews and index is not None:
        cheapest = min(overviews, key=lambda path: (_flops(overviews[path]), path))
        chosen |= {cheapest, probe_page_path(index.probed_as[overviews[cheapest].key])}
    return chosen


def sample_pages(pages: list[Page], index: ModelIndex | None, per_collection: bool = False) -> list[Page]:
    """Every hand-written page and example, and the generated pages of sample_paths; in page order."""
    chosen = sample_paths(index, per_collection)
    generated = set(variant_pages(index)) | set(overview_pages(index))
    return [
        page for page in pages if page.path in chosen or (page.path not in generated and not is_probe_path(page.path))
    ]


def stratified_sample(
    pages: Sequence[Page], seconds: Mapping[str, float], kind: Callable[[Page], str], budget: float
) -> list[Page]:
    """Of PAGES, every page of a kind with one page per source (a hand-written page, an example), and of the
    generated kinds the same share of each, stratified by expected SECONDS: a kind's pages ranked by them and cut
    into as many equal strata as it gives pages, the middle page of each. The largest share whose pages' seconds
    fit BUDGET, at least one page of each kind. In page order, so that a sample's cost follows the budget, not the
    zoo's size."""
    by_kind: dict[str, list[Page]] = {}
    for page in pages:
        by_kind.setdefault(kind(page), []).append(page)
    fixed = [page for name, group in by_kind.items() if name not in costs.GENERATED_KINDS for page in group]
    ranked = [
        sorted(group, key=lambda page: (seconds.get(page.path, 0.0), page.path))
        for name, group in by_kind.items()
        if name in costs.GENERATED_KINDS
    ]

    def chosen(share: float) -> list[Page]:
        return fixed + [page for group in ranked for page in _spread(group, max(1, round(share * len(group))))]

    def cost(share: float) -> float:
        return sum(seconds.get(page.path, 0.0) for page in chosen(share))

    low, high = 0.0, 1.0
    if cost(high) > budget:
        for _ in range(30):
            middle = (low + high) / 2
            low, high = (middle, high) if cost(middle) <= budget else (low, middle)
    else:
        low = high
    keep = {page.path for page in chosen(low)}
    return [page for page in pages if page.path in keep]


def _spread(ranked: Sequence[Page], count: int) -> list[Page]:
    """COUNT of RANKED: RANKED cut into COUNT equal strata, the middle page of each."""
    if count >= len(ranked):
        return list(ranked)
    return [ranked[int((stratum + 0.5) * len(ranked) / count)] for stratum in range(count)]


def collections_of(index: ModelIndex, paths: Iterable[str]) -> frozenset[str]:
    """The collections (file stems) whose overview, variant pages or probes are among PATHS."""
    owners = {path: collection.slug for collection in index.collections for path in _paths_of(collection, index)}
    return frozenset(owners[path] for path in paths if path in owners)


def _paths_of(collection: Collection, index: ModelIndex) -> list[str]:
    return [
        docs_path(collection.page),
        *(docs_path(collection.variant_page(model)) for model in collection.models),
        *(probe_page_path(index.probed_as[model.key]) for model in collection.models),
    ]


def cheapest_of_each_kind(variants: Mapping[str, Model]) -> dict[str, Model]:
    """Of VARIANTS (page path -> variant), the cheapest page (by FLOPs, then path) of each kind of page."""
    chosen: dict[tuple[object, ...], tuple[str, Model]] = {}
    for path, model in sorted(variants.items(), key=lambda item: (_flops(item[1]), item[0])):
        chosen.setdefault(page_kind(model), (path, model))
    return dict(chosen.values())


def cheapest_of_each_collection(variants: Mapping[str, Model]) -> dict[str, Model]:
    """Of VARIANTS (page path -> variant), the cheapest page (by FLOPs, then path) of each collection."""
    chosen: dict[str, tuple[str, Model]] = {}
    for path, model in sorted(variants.items(), key=lambda item: (_flops(item[1]), item[0])):
        chosen.setdefault(model.collection, (path, model))
    return dict(chosen.values())


def _flops(model: Model) -> float:
    return float(model.figures.get("FLOPs", 0))


def page_kind(model: Model) -> tuple[object, ...]:
    """What changes the code blocks the variant templates render: what the outputs are (Head), the label set of
    a classifier (named, ImageNet-1k with its class promise, or indices) and whether timm builds a feature
    pyramid. What changes only prose is held by the build and its tests, which render every variant page."""
    figures = model.figures
    label_set = figures.get("Label Set")
    named = label_set if label_set in ("imagenet-1k", "none") else "named"  # Other named sets share one branch.
    return (figures.get("Head"), named, figures.get("Feature Strides") is None)


def changed_variants(root: Path, index: ModelIndex, revision: str) -> set[str]:
    """The keys of INDEX's variants that are new since REVISION or whose entry differs from the one there."""
    before = _index_at(root, revision)
    old = {model.key: model for model in before.models} if before else {}
    return {model.key for model in index.models if old.get(model.key) != model}


def changed_page_paths(index: ModelIndex, keys: set[str]) -> set[str]:
    """The paths of the variant pages of the variants KEYS, and of the deploy probes that stand for them."""
    variants = {path for path, model in variant_pages(index).items() if model.key in keys}
    return variants | {probe_page_path(index.probed_as.get(key, key)) for key in keys}


def changed_pages(pages: Iterable[Page], index: ModelIndex, keys: set[str]) -> list[Page]:
    """The variant pages of the variants KEYS and the deploy probes that stand for them."""
    paths = changed_page_paths(index, keys)
    return [page for page in pages if page.path in paths]


def _index_at(root: Path, revision: str) -> ModelIndex | None:
    """The index as it was at REVISION, read from git; None when it had no model_index."""
    try:
        archive = subprocess.run(
            ["git", "archive", "--format=tar", revision, "--", INDEX_DIR],
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
