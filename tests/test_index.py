"""The real model index: what it registers, and that its figures are the real models' figures.

Parametrized over the registered models, as timm's tests are, the cheapest tag of each collection (`make
check` takes every tag): the figures half of `modelsite check` finds no figure, tag or Code link that the real
model contradicts. CPU only.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import pytest

from modelsite.check.figures import figure_problems
from modelsite.check.selection import cheapest_of_each_kind
from modelsite.core.figures import FIGURES
from modelsite.core.machine import available_cores
from modelsite.index import index_files, load_index
from modelsite.measure import Measurement, measure
from tests.helpers import ROOT

INDEX = load_index(ROOT)
SEED_MODELS = (
    ["tf_efficientnet_cc_b0_4e", "tf_efficientnet_cc_b0_8e", "tf_efficientnet_cc_b1_8e"]
    + [f"tf_efficientnet_lite{i}" for i in range(5)]
    + [f"tf_efficientnet_b{i}" for i in range(8)]
)


def test_each_collection_page_takes_its_file_s_name_and_the_seed_family_stays() -> None:
    # Counts come from the index itself: a contributor's new entry never breaks this test.
    files = index_files(ROOT)
    assert {c.slug for c in INDEX.collections} <= {path.stem for path in files}
    assert all(model.collection in {c.name for c in INDEX.collections} for model in INDEX.models)
    assert len({model.key for model in INDEX.models}) == len(INDEX.models)
    # The family the site grew from is registered, whatever else joins it.
    assert set(SEED_MODELS) <= {m.name for m in INDEX.models}


def test_each_collection_has_its_citation_and_summary() -> None:
    for collection in INDEX.collections:
        assert collection.citation.lstrip().startswith("@") and collection.citation.rstrip().endswith("}")
        # arXiv for most; EfficientNet-EdgeTPU was published as a Google blog post, TinyCLIP at ICCV's open access,
        # and the families timm's author designed cite timm's repository.
        assert collection.paper.url.startswith("https://"), collection.name
        assert len(collection.summary.split()) > 40, collection.name


def test_positions_point_at_the_figures() -> None:
    model = INDEX.model("tf_efficientnet_lite3.in1k")
    line, col = model.where("Metadata", "FLOPs")
    text = (ROOT / model.file).read_text(encoding="utf-8").splitlines()[line - 1]
    assert text[col - 1 :] == str(model.figures["FLOPs"])
    assert text.strip().startswith("FLOPs:")


# The cheapest tag of each kind of page (head, label set, feature maps): `make check` (and CI's sweep) compares
# the figures of every tag, `modelsite check --figures-only` those of the whole zoo without its pages, and a pull
# request's check those of each entry it changes; one per collection would take ten minutes at the zoo's size.
ONE_PER_KIND = sorted(cheapest_of_each_kind({m.key: m for m in INDEX.models}).values(), key=lambda m: m.key)


@pytest.fixture(scope="module")
def measured() -> dict[str, Measurement]:
    """Each kind's cheapest tag measured, on every core: a measurement runs in one thread (meta tensors)."""
    keys = [model.key for model in ONE_PER_KIND]
    context = multiprocessing.get_context("spawn")  # Not fork: torch's threads do not survive it.
    with ProcessPoolExecutor(max_workers=available_cores(), mp_context=context) as pool:
        return dict(zip(keys, pool.map(measure, keys)))


@pytest.mark.parametrize("model", ONE_PER_KIND, ids=lambda m: m.key)
def test_figures_match_the_real_model(model, measured: dict[str, Measurement]) -> None:
    assert [str(p) for p in figure_problems(model, measured[model.key])] == []


def test_every_figure_names_its_source() -> None:
    # Every figure the table says has a source, and the entry gives, names where it came from.
    sourced = {figure.key for figure in FIGURES if figure.sourced}
    for model in INDEX.models:
        assert set(model.sources) == sourced & set(model.figures), model.key


def _shared_probe_pairs() -> list[tuple[str, str]]:
    """Per collection, its cheapest tag whose deploy probe is another tag's, with that tag."""
    pairs: dict[str, tuple[float, str, str]] = {}
    for key, probe in INDEX.probed_as.items():
        model = INDEX.model(key)
        seen = pairs.get(model.collection)
        if key != probe and (seen is None or model.figures["Parameters"] < seen[0]):
            pairs[model.collection] = (model.figures["Parameters"], key, probe)
    return [(key, probe) for _, key, probe in pairs.values()]


@pytest.mark.parametrize(("key", "probe"), _shared_probe_pairs())
def test_tags_that_share_a_probe_build_the_same_module(key: str, probe: str) -> None:
    """ModelIndex.probed_as lets one probe stand for tags that timm builds alike: hold that to timm itself."""
    import timm
    import torch

    def structure(name: str) -> tuple[str, list[tuple[str, tuple[int, ...]]]]:
        with torch.device("meta"):  # The module without its memory: shapes and layers, no weights.
            model = timm.create_model(name, pretrained=False)
        return repr(model), [(k, tuple(v.shape)) for k, v in model.state_dict().items()]

    assert structure(key) == structure(probe)
