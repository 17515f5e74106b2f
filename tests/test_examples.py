"""What each runnable example printed in the session's real check (tests/conftest.py), held to its promise.

The check runs every file of runnable_examples/ alone, offline, on the CPU: pretrained weights are
synthesized, so these tests hold shapes, figures and the course of training, never ImageNet
labels. Marker: `check` (they share the session's one real `modelsite check`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from modelsite.index import load_index
from tests.conftest import ROOT, found

pytestmark = pytest.mark.check

INDEX = load_index(ROOT, check_timm=False)


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
    final = float(found(r"held-out accuracy after the top blocks: ([\d.]+)%", text)[1])
    # Twice chance at least, even from the synthesized weights the check starts from offline.
    assert "chance: 10%" in text and head > 20 and final > 20
    assert re.search(r"batch norm stays frozen", text)
