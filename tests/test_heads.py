"""What a model's outputs are (the Head figure): measured as timm states it, refined only where timm states
nothing, and told truly on each variant page: classes with a softmax and a top-5 for a classifier, a
comparison of two images for an embedding, the pooled features for no classifier, and a sequence of tokens for
a language model's vision encoder.

Measurements run on the meta device and pages render from the templates: no marker, seconds on the CPU.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from modelsite.check.figures import figure_problems
from modelsite.index import Model, ModelIndex, load_index
from modelsite.measure import measure
from modelsite.site.pages import PageRenderer
from tests.helpers import ROOT

CLASSIFIER = "tf_efficientnet_lite0.in1k"
NO_CLASSIFIER = "convnextv2_atto.fcmae"
EMBEDDING = "vit_xsmall_patch16_clip_224.tinyclip_yfcc15m"
TOKENS = "qwen3_vit_88m_enc.qwen3_5_0_8b"


@pytest.fixture(scope="module")
def index() -> ModelIndex:
    return load_index(ROOT)


@pytest.fixture(scope="module")
def pages(index: ModelIndex) -> PageRenderer:
    """The pages these tests read, each rendered as the build renders it (not the whole zoo)."""
    return PageRenderer(ROOT, index)


def page_of(index: ModelIndex, pages: PageRenderer, key: str) -> str:
    model = index.model(key)
    return str(pages.variant(index.collection(model.collection), model).markdown)


@pytest.mark.parametrize(
    ("key", "head", "classes"),
    [(CLASSIFIER, "classifier", 1000), (NO_CLASSIFIER, "none", 0), (EMBEDDING, "unknown", 512), (TOKENS, "tokens", 0)],
)
def test_the_head_is_what_timm_states(key: str, head: str, classes: int) -> None:
    measured = measure(key, with_file_size=False)
    assert (measured["Head"], measured["Classes"]) == (head, classes)


def head_problems(model: Model, written: str) -> list[str]:
    edited = dataclasses.replace(model, figures={**model.figures, "Head": written})
    measured = measure(model.key, with_file_size=False)
    return [problem.message for problem in figure_problems(edited, measured) if problem.field == "Metadata.Head"]


def test_an_entry_may_say_more_than_unknown_but_never_contradict_timm(index: ModelIndex) -> None:
    tower = index.model(EMBEDDING)
    assert tower.figures["Head"] == "embedding"
    assert head_problems(tower, "embedding") == [] and head_problems(tower, "classifier") == []
    (none_on_a_tower,) = head_problems(tower, "none")
    assert "timm states 'unknown'" in none_on_a_tower and "may refine" in none_on_a_tower
    backbone = index.model(NO_CLASSIFIER)
    (classifier_on_a_backbone,) = head_problems(backbone, "classifier")
    assert "timm states 'none'" in classifier_on_a_backbone
    (embedding_on_a_classifier,) = head_problems(index.model(CLASSIFIER), "embedding")
    assert "timm states 'classifier'" in embedding_on_a_classifier


def test_a_classifier_page_shows_classes_and_their_probabilities(index: ModelIndex, pages: PageRenderer) -> None:
    page = page_of(index, pages, CLASSIFIER)
    assert "1,000 outputs, one per class" in page and "softmax" in page and "topk(5)" in page


def test_an_embedding_page_compares_images_and_never_speaks_of_classes(index: ModelIndex, pages: PageRenderer) -> None:
    page = page_of(index, pages, EMBEDDING)
    usage = page[page.index("## Use it") : page.index("### Extract features")]
    assert "one per class" not in usage and "softmax" not in usage and "topk" not in usage
    assert "cosine similarity" in usage and "torch.Size([2, 512])" in usage


def test_a_page_without_classifier_shows_features_and_no_probabilities(index: ModelIndex, pages: PageRenderer) -> None:
    page = page_of(index, pages, NO_CLASSIFIER)
    usage = page[page.index("## Use it") : page.index("### Fine-tune")]
    assert not re.search(r"\.softmax\(|topk|one per class", usage)
    assert "torch.Size([1, 320])" in usage and "features_only=True" in usage
    assert "Image Classification" not in page


def test_a_tokens_page_shows_tokens_and_points_to_the_classifier_form(index: ModelIndex, pages: PageRenderer) -> None:
    page = page_of(index, pages, TOKENS)
    usage = page[page.index("## Use it") : page.index("## Deploy")]
    assert not re.search(r"\.softmax\(|topk|one per class|forward_head\(unpooled|train\.py /path", usage)
    assert "print(tokens.shape[-1])  # prints: 1024" in usage and "features_only=True" in usage
    # timm drops num_classes on the encoder: fine-tuning goes through the tag's classifier form, with its page.
    assert 'timm.create_model("qwen3_vit_88m.qwen3_5_0_8b", pretrained=True, num_classes=10)' in usage
    twin = index.model("qwen3_vit_88m.qwen3_5_0_8b")
    assert index.collection(twin.collection).variant_page(twin).rsplit("/", 1)[-1] in usage
    assert index.model(TOKENS).tasks == ("Vision Encoding for a Language Model",)


def test_a_refined_head_must_name_its_source(index: ModelIndex) -> None:
    tower = index.model(EMBEDDING)
    measured = measure(tower.key, with_file_size=False)
    unsourced = dataclasses.replace(tower, sources={**tower.sources, "Head": "measured, 512 outputs"})
    (problem,) = [p for p in figure_problems(unsourced, measured) if p.field == "Metadata.Head"]
    assert "does not say where 'embedding' comes from" in problem.message
