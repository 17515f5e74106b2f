"""Rendering of the generated pages: every variant, figure, snippet and citation of each collection.

Renders the Jinja templates directly (no MkDocs), parametrized over the collections of the
real index. No marker: runs in seconds on the CPU.
"""

from __future__ import annotations

import re

import jinja2
import markdown
import pytest

from modelsite.core.blocks import python_blocks as check_blocks
from modelsite.core.blocks import variant_runs
from modelsite.core.figures import giga, mega, megabytes, thousands
from modelsite.index import load_index
from modelsite.site.escape import literal_block, text
from modelsite.site.pages import generated_pages, template_environment
from modelsite.site.recipe import train_flags
from tests.conftest import ROOT

INDEX = load_index(ROOT)
PAGES = {page.src_uri: page for page in generated_pages(ROOT, INDEX)}


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


@pytest.mark.parametrize("collection", INDEX.collections, ids=lambda c: c.slug)
def test_collection_page_shows_every_variant_and_figure(collection) -> None:
    page = PAGES[f"models/{collection.slug}.md"].markdown
    assert page.count(f"# {collection.name}\n") == 1
    for model in collection.models:
        meta = model.figures
        assert f"### {model.name} {{ #{model.anchor} }}" in page
        for figure in (
            thousands(meta["FLOPs"]),
            thousands(meta["Parameters"]),
            thousands(meta["File Size"]),
            giga(meta["FLOPs"]),
            mega(meta["Parameters"]),
            megabytes(meta["File Size"]),
        ):
            assert figure in page, f"{figure} of {model.name} is missing"
        assert f"| {meta['Image Size']} | {meta['Crop Pct']} | {meta['Interpolation']} |" in page
        assert model.code in page and model.weights.url in page
        for source in model.sources.values():
            assert text(source) in page  # index text enters the page escaped


@pytest.mark.parametrize("collection", INDEX.collections, ids=lambda c: c.slug)
def test_each_variant_gets_its_own_snippets_in_its_switcher_region(collection) -> None:
    page = PAGES[f"models/{collection.slug}.md"].markdown
    runs = dict(variant_runs(check_blocks(page)))
    assert list(runs) == [model.name for model in collection.models]
    for model in collection.models:
        code = "\n".join(block.code for block in runs[model.name])
        assert len(runs[model.name]) >= 8
        assert set(re.findall(r'timm\.create_model\(\s*"([^"]+)"', code)) == {model.pretrained_name}
        side = model.figures["Image Size"]
        assert f"# prints: torch.Size([1, 3, {side}, {side}])" in code


@pytest.mark.parametrize("collection", INDEX.collections, ids=lambda c: c.slug)
def test_only_the_first_variant_is_shown_and_searchable_without_javascript(collection) -> None:
    page = PAGES[f"models/{collection.slug}.md"].markdown
    openings = re.findall(
        r'<div class="variant-region" data-variant="([^"]+)" markdown( hidden data-search-exclude)?>', page
    )
    first, *others = collection.models
    assert {name for name, hidden in openings if not hidden} == {first.name}
    assert {name for name, hidden in openings if hidden} == {model.name for model in others}
    options = re.findall(r'<option value="([^"]+)"( selected)?>', page)
    assert options == [(model.name, " selected" if model is first else "") for model in collection.models]


def test_the_explorer_has_a_row_and_a_chart_point_per_variant() -> None:
    page = PAGES["models/index.md"].markdown
    rows = re.findall(r'<tr data-id="([^"]+)" data-collection="([^"]+)"', page)
    assert rows == [(model.name, model.collection) for model in INDEX.models]
    for model in INDEX.models:
        slug = INDEX.collection(model.collection).slug
        assert f'href="../models/{slug}/?variant={model.name}#{model.anchor}"' in page
        row = page[page.index(f'<tr data-id="{model.name}"') :]
        row = row[: row.index("</tr>")]
        assert f'data-value="{model.figures["FLOPs"]}"' in row and f'data-value="{model.figures["Parameters"]}"' in row
    cost_chart = page[page.index("## FLOPs against parameters") : page.index("## Accuracy against FLOPs")]
    assert sorted(re.findall(r'class="chart-point[^"]*" href="[^"]+" data-id="([^"]+)"', cost_chart)) == sorted(
        model.name for model in INDEX.models
    )
    accuracy_chart = page[page.index("## Accuracy against FLOPs") :]
    with_results = [m.name for m in INDEX.models if m.results]
    assert sorted(re.findall(r'data-id="([^"]+)"', accuracy_chart)) == sorted(with_results)
    for model in INDEX.models:
        for result in model.results:
            assert text(result.source) in accuracy_chart


@pytest.mark.parametrize("collection", INDEX.collections, ids=lambda c: c.slug)
def test_snippets_use_the_right_api(collection) -> None:
    code = "\n".join(python_blocks(PAGES[f"models/{collection.slug}.md"].markdown))
    assert "import urllib.request" in code and "import urllib\n" not in code
    assert "num_classes=10" in code
    assert not re.search(r"=\s*[\w.()\"',= ]*reset_classifier", code), "reset_classifier returns None"
    for block in python_blocks(PAGES[f"models/{collection.slug}.md"].markdown):
        compile(block, collection.slug, "exec")


@pytest.mark.parametrize("collection", INDEX.collections, ids=lambda c: c.slug)
def test_citation_and_training_recipe_are_rendered(collection) -> None:
    page = PAGES[f"models/{collection.slug}.md"].markdown
    assert literal_block(collection.citation, "bibtex") in page
    for flag in train_flags(collection.models[0]):
        assert f"{flag.flag} {flag.value}" in page


def test_training_flags_come_from_the_index() -> None:
    flags = {f.flag: f.value for f in train_flags(INDEX.model("tf_efficientnet_cc_b0_4e"))}
    assert flags == {
        "--model": "tf_efficientnet_cc_b0_4e",
        "--epochs": "350",
        "--opt": "rmsproptf",
        "--lr": "0.256",
        "--momentum": "0.9",
        "--weight-decay": "1e-05",
        "--smoothing": "0.1",
        "--aa": "original",
        "--bn-momentum": "0.01",
    }
    # The Lite weights come with no recorded recipe: nothing is invented for them.
    assert [f.flag for f in train_flags(INDEX.model("tf_efficientnet_lite0"))] == ["--model"]


def test_the_explorer_lists_every_collection() -> None:
    page = PAGES["models/index.md"].markdown
    for collection in INDEX.collections:
        assert f"[{collection.name}]({collection.slug}.md) | {len(collection.models)} |" in page


def test_generated_pages_are_not_rendered_again_by_macros() -> None:
    from mkdocs.utils.meta import get_data

    for page in PAGES.values():
        assert get_data(page.markdown)[1]["render_macros"] is False


def test_undefined_names_fail_the_render() -> None:
    environment = template_environment(ROOT)
    with pytest.raises(jinja2.UndefinedError):
        environment.from_string("{{ model.nonexistent_figure }}").render(model=INDEX.models[0])


def test_math_becomes_mathml_and_code_keeps_its_dollars() -> None:
    html = markdown.markdown(
        "Depth grows as $\\alpha^\\phi$, not `$HOME` or $5 and $6.\n\n$$\nx^2\n$$",
        extensions=["modelsite.site.markdown_math"],
    )
    assert html.count("<math") == 2 and "<msup>" in html
    assert "<code>$HOME</code>" in html and "$5 and $6" in html
