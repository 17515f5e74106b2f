"""Rendering of the generated pages: a page per variant with its figures, snippets, weights and citation,
an overview per collection, and the explorer.

Renders the Jinja templates directly (no MkDocs), parametrized over the collections and variants of
the real index. No marker: runs in seconds on the CPU.
"""

from __future__ import annotations

import dataclasses
import functools
import re

import jinja2
import pytest

from modelsite.core.figures import LABEL_SETS, giga, mega, megabytes, thousands
from modelsite.index import Model, load_index
from modelsite.site.escape import literal_block, text
from modelsite.site.pages import GeneratedPage, generated_pages, page_context, template_environment
from modelsite.site.recipe import train_flags
from tests.helpers import ROOT

INDEX = load_index(ROOT)
# The first classifier: the cases that vary one figure of an entry start from one.
CLASSIFIER = next(model for model in INDEX.models if model.figures["Head"] == "classifier")


@functools.cache
def pages() -> dict[str, GeneratedPage]:
    """Every generated page by its source path: rendered once, by the first test that reads one, not when
    the tests are collected."""
    return {page.src_uri: page for page in generated_pages(ROOT, INDEX)}


def page_of(model: Model) -> str:
    return pages()[INDEX.collection(model.collection).variant_page(model)].markdown


def python_blocks(markdown_text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", markdown_text, flags=re.DOTALL)


def render_variant(model: Model) -> str:
    """The variant page of MODEL, which may be a changed copy of an index entry."""
    collection = INDEX.collection(model.collection)
    return (
        template_environment(ROOT)
        .get_template("variant.md.j2")
        .render(model=model, collection=collection, **page_context(ROOT, INDEX))
    )


def with_figures(model: Model, **figures: object) -> Model:
    return dataclasses.replace(model, figures={**model.figures, **{k.replace("_", " "): v for k, v in figures.items()}})


@pytest.mark.parametrize("collection", [c for c in INDEX.collections if c.models], ids=lambda c: c.slug)
def test_collection_page_links_every_variant_with_its_figures(collection) -> None:
    page = pages()[collection.page].markdown
    assert page.count(f"# {text(collection.name)}\n") == 1
    for model in collection.models:
        row = next(line for line in page.splitlines() if f"]({model.key}.md)" in line)
        for figure in (mega(model.figures["Parameters"]), giga(model.figures["FLOPs"])):
            assert f"{figure} " in row, f"{figure} of {model.key} is missing from its row"
        assert f"`{model.tag}`" in row and megabytes(model.figures["File Size"]) in row
        assert f'data-variant="{model.key}"' in row
    # The overview's only code is its Deploy section's, for the collection's cheapest variant.
    assert python_blocks(page) == python_blocks(page[page.index("## Deploy") :]) and len(python_blocks(page)) == 5
    assert f'timm.create_model("{collection.deploy_model.key}", pretrained=True)' in python_blocks(page)[0]


@pytest.mark.parametrize("model", INDEX.models, ids=lambda m: m.key)
def test_variant_page_shows_every_figure_and_source(model) -> None:
    page = page_of(model)
    meta = model.figures
    assert page.count(f"# {model.key}\n") == 1
    for figure in (thousands(meta["FLOPs"]), thousands(meta["Parameters"]), thousands(meta["File Size"])):
        assert figure in page, f"{figure} of {model.key} is missing"
    assert thousands(meta["Classes"]) in page and thousands(meta["Embedding Size"]) in page
    assert text(LABEL_SETS[meta["Label Set"]]) in page
    assert text(model.code) in page or model.code in page
    assert model.weights.url in page
    for source in model.sources.values():
        assert text(source) in page  # index text enters the page escaped
    for result in model.results:
        assert f"| {result.dataset} | {result.top1_text} % |" in page


@pytest.mark.parametrize("model", INDEX.models, ids=lambda m: m.key)
def test_variant_snippets_are_that_variants_and_say_what_it_does(model) -> None:
    code = "\n".join(python_blocks(page_of(model)))
    meta = model.figures
    # A language model's encoder fine-tunes through its tag's classifier form, which has a page of its own.
    twin = f"{model.name.removesuffix('_enc')}.{model.tag}"
    classifier_form = {twin} if meta["Head"] == "tokens" and twin in {m.key for m in INDEX.models} else set()
    assert set(re.findall(r'timm\.create_model\(\s*"([^"]+)"', code)) == {model.key} | classifier_form
    width = meta["Image Size"]
    assert f"# prints: torch.Size([1, 3, {meta.get('Image Height', width)}, {width}])" in code
    if meta["Head"] == "classifier":
        assert f"print(probabilities.shape)  # prints: torch.Size([1, {meta['Classes']}])" in code
    else:  # What the other heads print: test_heads.py.
        assert "probabilities" not in code
    if meta["Head"] == "tokens":
        assert f"print(tokens.shape[-1])  # prints: {meta['Embedding Size']}" in code
    else:
        assert f"print(embedding.shape)  # prints: torch.Size([1, {meta['Embedding Size']}])" in code
    if meta["Feature Strides"] is None:
        assert "features_only" not in code
    else:
        assert f"reduction())  # prints: {meta['Feature Strides']}" in code
        assert f"channels())  # prints: {meta['Feature Channels']}" in code
        assert f"# prints: {meta['Feature Sides']}" in code
    assert ("military uniform" in code) == (meta["Label Set"] == "imagenet-1k")
    for block in python_blocks(page_of(model)):
        compile(block, model.key, "exec")
    assert "import urllib.request" in code and "import urllib\n" not in code
    assert not re.search(r"=\s*[\w.()\"',= ]*reset_classifier", code), "reset_classifier returns None"


def test_a_model_without_feature_maps_gets_the_embedding_only() -> None:
    page = render_variant(with_figures(CLASSIFIER, Feature_Strides=None, Feature_Channels=None, Feature_Sides=None))
    code = "\n".join(python_blocks(page))
    assert "features_only" not in code and "forward_head(unpooled, pre_logits=True)" in code
    assert "builds no `features_only` model" in page


def test_a_head_with_no_named_label_set_prints_indices() -> None:
    page = render_variant(with_figures(CLASSIFIER, Classes=37, Label_Set="none"))
    code = "\n".join(python_blocks(page))
    assert "ImageNetInfo" not in code and "military uniform" not in page
    assert "torch.Size([1, 37])" in code and 'print(f"class {index.item():6d}' in code


def test_a_21k_head_names_its_label_set_and_promises_no_imagenet_class() -> None:
    model = INDEX.model("tf_efficientnetv2_s.in21k")
    page, code = page_of(model), "\n".join(python_blocks(page_of(model)))
    assert "print(label_set)  # prints: imagenet-21k-goog" in code
    assert "torch.Size([1, 21843])" in code and "military uniform" not in page
    assert "--num-classes 21843" in page


def test_four_maps_and_other_strides_come_from_the_figures() -> None:
    model = with_figures(
        CLASSIFIER,
        Feature_Strides=[4, 8, 16, 32],
        Feature_Channels=[96, 192, 384, 768],
        Feature_Sides=[56, 28, 14, 7],
    )
    page = render_variant(model)
    assert "4 of them here, at strides 4, 8, 16 and 32" in page
    assert "# prints: [4, 8, 16, 32]" in page and "# prints: [56, 28, 14, 7]" in page


@pytest.mark.parametrize("collection", INDEX.collections, ids=lambda c: c.slug)
def test_without_javascript_the_switcher_is_a_list_of_links(collection) -> None:
    for model in collection.models:
        page = page_of(model)
        options = re.findall(r'<option value="([^"]+)"( selected)?>', page)
        assert options == [(m.key, " selected" if m is model else "") for m in collection.models]
        assert '<select id="variant-choice" data-variant-choice hidden>' in page
        # Sibling pages by their address, beside this one's: models/SLUG/KEY/.
        links = re.findall(r'<a href="\.\./([^"]+)/" data-variant-link="([^"]+)">', page)
        assert links == [(m.key, m.key) for m in collection.models if m is not model]


def test_pages_say_which_tag_a_bare_name_loads_and_list_the_other_tags() -> None:
    import timm

    aa = INDEX.model("tf_efficientnet_b0.aa_in1k")
    default = f"tf_efficientnet_b0.{timm.models.get_pretrained_cfg('tf_efficientnet_b0').tag}"
    page = page_of(aa)
    assert f"with no tag, loads [`{default}`]" in page and "not these weights" in page
    assert "with no tag, loads these weights" in page_of(INDEX.model(default))
    others = [m for m in INDEX.models if m.name == aa.name]
    assert len(others) > 1 and f"documents {len(others)} sets of weights for `tf_efficientnet_b0`" in page
    for other in others:
        assert f"`{other.tag}`" in page
    overview = pages()[INDEX.collection(aa.collection).page].markdown
    assert "| `tf_efficientnet_b0` | [`aa_in1k`](tf_efficientnet_b0.aa_in1k.md)" in overview
    assert f"[`{default}`](../" in overview


def test_the_explorer_has_a_row_and_a_chart_point_per_variant() -> None:
    page = pages()["models/index.md"].markdown
    rows = re.findall(r'<tr data-id="([^"]+)" data-collection="([^"]+)"', page)
    assert rows == [(model.key, text(model.collection)) for model in INDEX.models]
    for model in INDEX.models:
        assert f'href="../{INDEX.collection(model.collection).variant_url(model)}"' in page
        row = page[page.index(f'<tr data-id="{model.key}"') :]
        row = row[: row.index("</tr>")]
        assert f'data-value="{model.figures["FLOPs"]}"' in row and f'data-value="{model.figures["Parameters"]}"' in row
    cost_chart = page[page.index("## FLOPs against parameters") : page.index("## Accuracy against FLOPs")]
    assert sorted(re.findall(r'class="chart-point[^"]*" href="[^"]+" data-id="([^"]+)"', cost_chart)) == sorted(
        model.key for model in INDEX.models
    )
    gpu_heading = "## Accuracy against timm's published GPU throughput"
    accuracy_chart = page[page.index("## Accuracy against FLOPs") : page.index(gpu_heading)]
    with_top1 = [m.key for m in INDEX.models if m.top1]
    # timm's published GPU throughput: a point per variant with an accuracy whose architecture and size it has.
    gpu = page_context(ROOT, INDEX)["gpu"]
    gpu_chart = page[page.index(gpu_heading) : page.index("## Accuracy against speed")]
    published = [m.key for m in INDEX.models if m.top1 and gpu.of(m) is not None]
    assert len(published) > len(with_top1) / 2
    assert sorted(re.findall(r'class="chart-point[^"]*" href="[^"]+" data-id="([^"]+)"', gpu_chart)) == sorted(
        published
    )
    # Each result file's chart has a point per variant it measured that has an accuracy.
    speed_chart = page[page.index("## Accuracy against speed on cpu, fp32") :]
    (speeds,) = page_context(ROOT, INDEX)["speeds"]
    measured = [key for key in with_top1 if speeds.row(key) is not None]
    assert measured and sorted(re.findall(r'data-id="([^"]+)"', speed_chart)) == sorted(measured)
    assert sorted(re.findall(r'data-id="([^"]+)"', accuracy_chart)) == sorted(with_top1)


@pytest.mark.parametrize("model", INDEX.models, ids=lambda m: m.key)
def test_citation_and_training_recipe_are_rendered(model) -> None:
    page = page_of(model)
    assert literal_block(INDEX.collection(model.collection).citation, "bibtex") in page
    if model.figures["Head"] == "tokens":  # train.py trains classifiers: the page says so instead of a command.
        assert "trains image classifiers" in page and "python train.py" not in page
        return
    for flag in train_flags(model):
        assert f"{flag.flag} {flag.value}" in page


def test_training_flags_come_from_the_index() -> None:
    flags = {f.flag: f.value for f in train_flags(INDEX.model("tf_efficientnet_cc_b0_4e.in1k"))}
    assert flags == {
        "--model": "tf_efficientnet_cc_b0_4e",
        "--num-classes": "1000",
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
    lite = INDEX.model("tf_efficientnet_lite0.in1k")
    assert [f.flag for f in train_flags(lite)] == ["--model", "--num-classes"]
    assert "the index gives no recipe for these\nweights" in page_of(lite)


def test_the_explorer_lists_every_collection() -> None:
    page = pages()["models/index.md"].markdown
    for collection in INDEX.collections:
        assert f"[{text(collection.name)}]({collection.slug}/index.md) | {len(collection.models)} |" in page


def test_generated_pages_are_not_rendered_again_by_macros() -> None:
    from mkdocs.utils.meta import get_data

    for page in pages().values():
        assert get_data(page.markdown)[1]["render_macros"] is False


def test_only_the_explorer_of_the_generated_pages_is_in_the_navigation() -> None:
    # Every page carries the whole navigation: at the zoo's size a list of every family would outweigh a
    # variant page's own text. The explorer's table of collections leads to them.
    listed = {page.src_uri for page in pages().values() if page.in_navigation}
    assert listed == {"models/index.md"}


def test_undefined_names_fail_the_render() -> None:
    environment = template_environment(ROOT)
    with pytest.raises(jinja2.UndefinedError):
        environment.from_string("{{ model.nonexistent_figure }}").render(model=CLASSIFIER)


def test_a_variant_page_explains_its_tag_token_by_token_and_says_which_no_source_explains() -> None:
    model = INDEX.model("efficientnet_b0.ra4_e3600_r224_in1k")
    page = render_variant(model)
    assert "What the tag `ra4_e3600_r224_in1k` says, token by token:" in page
    assert "- `ra4` (recipe): timm&#39;s fourth RandAugment recipe" in page
    assert "- `e3600` (recipe): trained for 3600 epochs" in page and "- `r224` (resolution)" in page
    assert page.count("([source](https://") >= 4
    # Without a description the tag's account stands alone; a token no source explains says so.
    unexplained = dataclasses.replace(
        model, weights=dataclasses.replace(model.weights, tag="ra4_lt_in1k", description=None)
    )
    page = render_variant(unexplained)
    assert "a description of them is not given yet" in page
    assert "- `lt`: no source modelsite knows states what it means ([where timm uses it](https://" in page


def test_a_preview_renders_the_named_collections_alone_and_their_explorer() -> None:
    from modelsite.site.pages import generated_site

    shown = INDEX.collections[-1]
    site = generated_site(ROOT, INDEX, None, None, frozenset({shown.slug}))
    assert {page.src_uri for page in site.pages} == {
        "models/index.md",
        shown.page,
        *(shown.variant_page(model) for model in shown.models),
    }
    explorer = next(page.markdown for page in site.pages if page.src_uri == "models/index.md")
    others = [c for c in INDEX.collections if c is not shown]
    assert f"]({shown.slug}/index.md)" in explorer
    assert [c.slug for c in others if f"]({c.slug}/index.md)" in explorer] == []


def test_a_preview_of_a_collection_the_index_lacks_names_the_files() -> None:
    from mkdocs.exceptions import PluginError

    from modelsite.site.build import preview_collections

    assert preview_collections(INDEX, "tinyclip, convnext-v2") == {"tinyclip", "convnext-v2"}
    with pytest.raises(PluginError, match="MODELSITE_FAMILIES names no-such-family, which no file of model_index/"):
        preview_collections(INDEX, "tinyclip no-such-family")
