"""The session's sample check of this checkout (tests/conftest.py): that it passed and covered every kind of page,
page and example, and what its runs found, each held to its promise: every runnable example's output, and the
cheapest variant's deploy table, derived again here with plain torch calls.

The check runs offline on the CPU: pretrained weights are synthesized, so these tests hold shapes, figures and
the course of training, never ImageNet labels. Marker: `check` (they share the session's one real check).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from modelsite.check.selection import page_kind
from modelsite.core.compatibility import is_probe_path
from modelsite.index import load_index
from modelsite.site.outputs import load_report
from tests.helpers import ROOT, SiteCheck, agree_with_plain_torch, found

pytestmark = pytest.mark.check

INDEX = load_index(ROOT, check_timm=False)


def test_the_real_site_passes_the_check_on_the_cpu(real_site_check: SiteCheck) -> None:
    # The session's one real check (tests/conftest.py): the sample, every page of it run afresh on the CPU.
    assert real_site_check.returncode == 0, real_site_check.output
    report = real_site_check.report
    data = json.loads(report.read_text())
    assert data["passed"] and data["device"] == "cpu" and data["figures"] == []
    pages = {page["path"]: page for page in data["pages"]}
    # Every kind of variant page is in the sample, and every hand-written page and example is there.
    index = load_index(ROOT)
    sampled = [m for c in index.collections for m in c.models if f"docs/{c.variant_page(m)}" in pages]
    assert {page_kind(model) for model in sampled} == {page_kind(model) for model in index.models}
    assert "docs/getting-started.md" in pages and "runnable_examples/classify.py" in pages
    assert "docs/efficientnet/compound-scaling.md" in pages
    # Every variant page whose models' figures the check compared.
    checked = set(data["models_checked"])
    for collection in index.collections:
        for model in collection.models:
            if f"docs/{collection.variant_page(model)}" in pages:
                assert model.key in checked
    for page in pages.values():
        assert page["status"] == "passed" and not page["cached"]
        for block in page["blocks"]:
            assert block["status"] in ("passed", "example", "skipped"), block["messages"]
            assert block["status"] != "skipped" or block["skip_reason"]
            # Every block traces to the file a contributor would edit; a deploy probe's, to the probe.
            edited = (
                ("modelsite/check/deploy.py",)
                if is_probe_path(page["path"])
                else ("templates/", "docs/", "runnable_examples/")
            )
            assert block["source"] and block["source"]["path"].startswith(edited), page["path"]
    held = [check["status"] for page in pages.values() for block in page["blocks"] for check in block["checks"]]
    assert held.count("passed") >= 20 and "failed" not in held


def test_the_check_s_table_of_the_cheapest_variant_is_what_plain_torch_finds(
    check_report: Path, tmp_path: Path
) -> None:
    """The probe `make test`'s sample ran through the check: offline weights, its own interpreter, the report."""
    cheapest = min(INDEX.models, key=lambda model: (model.figures["FLOPs"], model.key)).key
    indexed = load_report(check_report)
    assert indexed is not None and cheapest in indexed.compatibility, f"no probe of {cheapest} in the sample"
    agree_with_plain_torch(indexed.compatibility[cheapest].compatibility, tmp_path)
    assert [path for path, _ in indexed.compatibility[cheapest].compatibility.workarounds] == []


def printed(report: Path, example: str) -> str:
    (page,) = [p for p in json.loads(report.read_text())["pages"] if p["path"] == f"runnable_examples/{example}"]
    (block,) = page["blocks"]
    assert block["status"] == "passed", block["messages"]
    return block["stdout"]


def test_every_example_is_embedded_in_a_page_and_run_alone(check_report: Path) -> None:
    pages = json.loads(check_report.read_text())["pages"]
    embedded = {b["example"] for p in pages for b in p["blocks"] if b["status"] == "example"}
    examples = {f"runnable_examples/{p.name}" for p in (ROOT / "runnable_examples").glob("*.py")}
    assert embedded == examples
    assert examples <= {p["path"] for p in pages}


def test_classify_prints_five_classes_with_probabilities(check_report: Path) -> None:
    lines = printed(check_report, "classify.py").splitlines()
    assert lines[0] == "tf_efficientnet_b0.aa_in1k on a 512x600 image:"
    probabilities = [float(found(r"^\s+([\d.]+)%\s+\S", line)[1]) for line in lines[1:]]
    assert len(probabilities) == 5 and probabilities == sorted(probabilities, reverse=True)


def test_features_prints_each_stage_and_the_embedding_shape(check_report: Path) -> None:
    text = printed(check_report, "features.py")
    stages = re.findall(r"stride\s+(\d+),\s+(\d+) channels, shape \((\d+), (\d+), (\d+), (\d+)\)", text)
    assert [int(s[0]) for s in stages] == [2, 4, 8, 16, 32]
    for stride, channels, batch, shape_channels, height, width in stages:
        assert channels == shape_channels and batch == "1"
        assert int(height) == int(width) == -(-224 // int(stride))
    assert "pooled embeddings: shape (1, 1280) (1280 features per image)" in text


def test_measure_flops_reproduces_the_index_figures(check_report: Path) -> None:
    text = printed(check_report, "measure_flops.py")
    meta = INDEX.model("tf_efficientnet_b0.aa_in1k").figures
    assert f"FLOPs (multiply-accumulates): {meta['FLOPs']:,}" in text
    assert f"parameters:                   {meta['Parameters']:,}" in text
    assert f"activations:                  {meta['Activations']:,}" in text


def test_finetuning_lowers_the_loss_and_beats_chance(check_report: Path) -> None:
    text = printed(check_report, "finetune_condconv.py")
    losses = [float(loss) for loss in re.findall(r"epoch \d+: training loss ([\d.]+)", text)]
    assert len(losses) >= 4 and losses[-1] < losses[0]
    head = float(found(r"held-out accuracy after the head: ([\d.]+)%", text)[1])
    final = float(found(r"held-out accuracy after the top block: ([\d.]+)%", text)[1])
    # Twice chance at least, even from the synthesized weights the check starts from offline.
    assert "chance: 10%" in text and head > 20 and final > 20
    assert re.search(r"batch norm stays frozen", text)
