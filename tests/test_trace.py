"""modelsite.check.trace: a block of a generated page traces back to the template line and the index entry a
contributor edits. No marker: renders pages, no interpreter started; seconds.
"""

from __future__ import annotations

import pytest

from modelsite.check.trace import SourceTracer
from modelsite.core.blocks import python_blocks
from modelsite.index import load_index
from modelsite.site.pages import variant_page
from tests.helpers import ROOT


@pytest.mark.parametrize("key", ["tf_efficientnet_lite0.in1k", "tf_efficientnetv2_s.in21k", "efficientnet_b5.sw_in12k"])
def test_blocks_of_a_variant_page_trace_to_their_template_line_and_index_entry(key: str) -> None:
    # The label set changes which branch of the templates' `{%- if %}` renders; each traces all the same.
    index = load_index(ROOT, check_timm=False)
    model = index.model(key)
    page = variant_page(ROOT, index, model)
    source = page.src_uri
    tracer = SourceTracer(ROOT, index)
    blocks = python_blocks(page.markdown)
    first = tracer.trace(blocks[0].code, f"docs/{source}")
    assert first is not None and first.path == "templates/partials/predict.md.j2"
    template_lines = (ROOT / first.path).read_text(encoding="utf-8").splitlines()
    assert template_lines[first.line - 1] == blocks[0].code.splitlines()[0]
    assert first.entry == f"{model.file}:{model.where('Name')[0]}"
    traced = [tracer.trace(block.code, f"docs/{source}") for block in blocks]
    assert all(traced) and {t.path for t in traced if t} >= {"templates/partials/predict.md.j2"}


def test_a_block_names_the_variants_it_quotes_by_key_and_by_name_in_index_order() -> None:
    index = load_index(ROOT, check_timm=False)
    tracer = SourceTracer(ROOT, index)
    b0, b1 = index.variants_of("tf_efficientnet_b0")[0], index.model("tf_efficientnet_b1.aa_in1k")
    code = f'a = timm.create_model("{b1.key}")\nb = timm.create_model("{b0.name}")\nprint("tf_efficientnet_b1")\n'
    # What a reader's eye finds: every variant whose key the block quotes, else its architecture's name.
    expected: list[str] = []
    for model in index.models:
        if f'"{model.key}"' in code:
            expected += [model.name, model.key]
        elif f'"{model.name}"' in code:
            expected.append(model.name)
    assert tracer.models_in(code) == list(dict.fromkeys(expected)) and b1.key in expected and b0.name in expected
    # The entry behind the block: the variant it quotes by key, before any it quotes by name only.
    assert tracer.entry_for(code) == f"{b1.file}:{b1.where('Name')[0]}"
    assert tracer.entry_for('print("not_a_model")') is None and tracer.models_in("x = 1") == []
    # Text that merely contains a key, unquoted or inside a longer string, names nothing.
    assert tracer.models_in(f'print("{b1.key}_copy", {b1.key!r}x)') == []
