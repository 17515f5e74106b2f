"""The licence of each set of weights (the License figure): read from timm's pretrained configuration, held by
the check, and shown on each variant page, with weights that forbid commercial use or whose terms timm does not
give standing out. No marker: the measurement runs on the meta device, the pages render from the templates."""

from __future__ import annotations

import dataclasses

import pytest

from modelsite.check.figures import figure_problems
from modelsite.core.figures import LICENCES
from modelsite.index import ModelIndex, load_index
from modelsite.measure import measure
from modelsite.site.pages import PageRenderer
from tests.helpers import ROOT

NON_COMMERCIAL = "convnextv2_atto.fcmae"
OPEN = "tf_efficientnet_lite0.in1k"


@pytest.fixture(scope="module")
def index() -> ModelIndex:
    return load_index(ROOT)


@pytest.fixture(scope="module")
def pages(index: ModelIndex) -> PageRenderer:
    """The pages these tests read, each rendered as the build renders it (not the whole zoo)."""
    return PageRenderer(ROOT, index)


def variant_page(index: ModelIndex, pages: PageRenderer, key: str) -> str:
    model = index.model(key)
    return str(pages.variant(index.collection(model.collection), model).markdown)


def test_every_licence_timm_names_is_in_the_table() -> None:
    import timm

    named = {
        timm.models.get_pretrained_cfg(tag).to_dict().get("license") or "none-stated" for tag in timm.list_pretrained()
    }
    assert named - set(LICENCES) == set()


@pytest.mark.parametrize(("key", "licence"), [(NON_COMMERCIAL, "cc-by-nc-4.0"), (OPEN, "apache-2.0")])
def test_the_licence_is_the_pretrained_configuration_s_and_the_check_holds_it(
    index: ModelIndex, key: str, licence: str
) -> None:
    measured = measure(key, with_file_size=False)
    assert measured["License"] == licence
    model = index.model(key)
    assert model.figures["License"] == licence
    relabelled = dataclasses.replace(model, figures={**model.figures, "License": "mit"})
    (problem,) = [p for p in figure_problems(relabelled, measured) if p.field == "Metadata.License"]
    assert f"but its pretrained config gives {licence}" in problem.message


def test_weights_for_no_commercial_use_stand_out_and_open_ones_say_what_they_allow(
    index: ModelIndex, pages: PageRenderer
) -> None:
    restricted = variant_page(index, pages, NON_COMMERCIAL)
    assert '!!! warning "Not for commercial use"' in restricted
    assert "https://creativecommons.org/licenses/by-nc/4.0/" in restricted
    assert "<dt>Licence</dt><dd>cc-by-nc-4.0 (restricted)</dd>" in restricted
    open_page = variant_page(index, pages, OPEN)
    assert "!!! warning" not in open_page.split("## Figures")[0]
    assert "[Apache License 2.0](https://www.apache.org/licenses/LICENSE-2.0), which allows commercial use" in open_page
