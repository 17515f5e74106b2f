"""modelsite.check.trace: a block of a generated page traces back to the template line and the index entry a
contributor edits. No marker: renders pages, no interpreter started; seconds.
"""

from __future__ import annotations

import pytest

from modelsite.check.trace import SourceTracer
from modelsite.core.blocks import python_blocks
from modelsite.index import load_index
from modelsite.site.pages import generated_pages
from tests.helpers import ROOT


@pytest.mark.parametrize("key", ["tf_efficientnet_lite0.in1k", "tf_efficientnetv2_s.in21k", "efficientnet_b5.sw_in12k"])
def test_blocks_of_a_variant_page_trace_to_their_template_line_and_index_entry(key: str) -> None:
    # The label set changes which branch of the templates' `{%- if %}` renders; each traces all the same.
    index = load_index(ROOT, check_timm=False)
    model = index.model(key)
    source = index.collection(model.collection).variant_page(model)
    page = next(p for p in generated_pages(ROOT, index) if p.src_uri == source)
    tracer = SourceTracer(ROOT, index)
    blocks = python_blocks(page.markdown)
    first = tracer.trace(blocks[0].code, f"docs/{source}")
    assert first is not None and first.path == "templates/partials/predict.md.j2"
    template_lines = (ROOT / first.path).read_text(encoding="utf-8").splitlines()
    assert template_lines[first.line - 1] == blocks[0].code.splitlines()[0]
    assert first.entry == f"{model.file}:{model.where('Name')[0]}"
    traced = [tracer.trace(block.code, f"docs/{source}") for block in blocks]
    assert all(traced) and {t.path for t in traced if t} >= {"templates/partials/predict.md.j2"}
