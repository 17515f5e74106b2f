"""modelsite/core/tag_tokens.py: the table that explains each token of timm's pretrained tags."""

from __future__ import annotations

import pytest

from modelsite.core.tag_tokens import (
    KINDS,
    TAG_PATTERNS,
    TAG_TOKENS,
    TagPattern,
    TagToken,
    explain_token,
    tag_tokens,
    unknown_tokens,
)
from modelsite.index import load_index
from tests.helpers import ROOT


def test_every_token_of_every_pretrained_tag_of_timm_is_in_the_table() -> None:
    import timm

    tags = {name.partition(".")[2] for name in timm.list_pretrained() if not name.startswith("test_")}
    missing = sorted({token for tag in tags for token in unknown_tokens(tag)})
    assert missing == [], f"timm {timm.__version__} has tag tokens the table lacks: {missing}"


ENTRIES: list[TagToken | TagPattern] = [*TAG_TOKENS.values(), *TAG_PATTERNS]


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.token if isinstance(e, TagToken) else e.pattern.pattern)
def test_each_entry_has_a_kind_a_source_and_a_meaning_unless_unknown(entry: TagToken | TagPattern) -> None:
    kind, meaning, source = entry.kind, entry.meaning, entry.source
    assert kind in KINDS
    assert source.startswith(("https://github.com/huggingface/pytorch-image-models/blob/", "https://arxiv.org/abs/"))
    assert "#L" in source or source.startswith("https://arxiv.org/")
    assert (meaning == "") == (kind == "unknown")


def test_a_token_with_a_number_is_explained_by_its_pattern() -> None:
    assert explain_token("r224").kind == "resolution" and "224x224" in explain_token("r224").meaning  # type: ignore[union-attr]
    assert "3600 epochs" in explain_token("e3600").meaning  # type: ignore[union-attr]
    assert explain_token("zq") is None
    assert [getattr(token, "token", token) for token in tag_tokens("ra4_e3600_r224_zq")] == [
        "ra4",
        "e3600",
        "r224",
        "zq",
    ]
    assert unknown_tokens("ra4_e3600_r224_zq") == ["zq"]


def test_every_registered_tag_is_explained_token_by_token() -> None:
    for model in load_index(ROOT, check_timm=False).models:
        assert all(not isinstance(token, str) for token in model.tag_tokens), model.key
