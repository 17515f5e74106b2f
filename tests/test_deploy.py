"""The deploy probe and its tables: a broken export reported with its error, too tight a tolerance failing,
and a variant's table derived again independently: CondConv's here, the cheapest variant's (from the session's
sample check) in test_sample_check.py."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import timm
import torch

from modelsite.check.deploy import _held, export_onnx, first_line, probe
from modelsite.core.compatibility import (
    FAILS,
    NOT_RUN,
    QUICK_PATH_KEYS,
    WORKAROUND,
    WORKS,
    Compatibility,
    PathOutcome,
    probe_line,
)
from modelsite.core.report.results import Tolerance
from modelsite.index import load_index
from modelsite.site.outputs import CheckReport, FoundCompatibility, Stamp
from modelsite.site.pages import PageRenderer
from tests.helpers import ROOT

INDEX = load_index(ROOT, check_timm=False)


class _Eigenvalues(torch.nn.Module):
    """A classifier whose head takes eigenvalues: an op that no ONNX exporter translates."""

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        values = torch.linalg.eigvals(images[:, 0, :4, :4]).real
        return values.sum(-1, keepdim=True).expand(-1, 10)


def test_an_unsupported_op_fails_the_export_with_the_first_line_of_its_cause(tmp_path: Path) -> None:
    model = _Eigenvalues().eval()
    batch = torch.randn(2, 3, 8, 8)

    def create(key: str, pretrained: bool = False, **options: Any) -> torch.nn.Module:
        return _Eigenvalues()

    outcome = export_onnx("eigenvalues.test", model, batch, tmp_path / "model.onnx", create, dynamo=True)
    assert outcome.status == FAILS
    # The exporter's wrapper names only its step; the table shows the cause, without terminal colours.
    assert outcome.detail.startswith("ConversionError, caused by ")
    assert "step 3/3" not in outcome.detail and "\x1b" not in outcome.detail
    assert "eig" in outcome.detail.lower()
    assert not (tmp_path / "model.onnx").exists()


def test_too_tight_a_tolerance_fails_and_says_by_how_much() -> None:
    eager = torch.tensor([[3.0, 2.0, 1.0, 0.5, 0.25, 0.1]])
    nudged = eager + 1e-6
    assert _held("onnxruntime", nudged, eager, 0.0).status == WORKS
    tight = _held("onnxruntime", nudged, eager, 0.0, tolerance=Tolerance(0.0, 0.0))
    assert tight.status == FAILS
    assert tight.detail == "max abs difference 1e-06, top-5 agreement 100%: beyond the allowed 0"
    # The same top-5 in another order still agrees; another class in the top-5 does not.
    swapped = eager.clone()
    swapped[0, 4], swapped[0, 5] = 0.1, 0.25
    differs = _held("onnxruntime", swapped, eager, 0.0, tolerance=Tolerance(1.0, 0.0))
    assert differs.status == FAILS and differs.detail.endswith("top-5 agreement 80%: the top-5 classes differ")


def test_first_line_of_an_error_without_cause_keeps_its_type() -> None:
    assert first_line(ValueError("\n  bad shape\nmore")) == "ValueError: bad shape"
    assert first_line(RuntimeError()) == "RuntimeError"
    assert len(first_line(RuntimeError("x" * 1000))) == 240


def _random_weights(key: str, pretrained: bool = False, **options: Any) -> torch.nn.Module:
    """The variant with timm's random initialization: what works does not depend on the weights."""
    return timm.create_model(key, pretrained=False, **options)


def test_a_condconv_table_says_what_fails_and_the_fixed_batch_workaround() -> None:
    """CondConv mixes its kernels per image: its ONNX export needs a fixed batch, and the TorchScript-based
    exporter fails on it. The probe, run here in-process, says so; plain torch fails the same way. (The whole
    table against plain torch calls is test_sample_check's, on the cheapest variant, whose paths all work.)"""
    condconv = "tf_efficientnet_cc_b0_4e.in1k"
    found = probe(condconv, QUICK_PATH_KEYS, create=_random_weights)
    onnx = found.outcome("onnx")
    assert onnx is not None and onnx.status == WORKAROUND and onnx.workaround is not None
    assert onnx.workaround.startswith("a fixed batch size") and onnx.detail.endswith("fixed batch")
    runtime = found.outcome("onnxruntime")
    assert runtime is not None and runtime.status == WORKS and "top-5 agreement 100%" in runtime.detail
    legacy = found.outcome("onnx_legacy")
    # The table names the exporter's error by its class, on one line; the wording is torch's and is not held.
    assert legacy is not None and legacy.status == FAILS
    assert legacy.detail.startswith("SymbolicValueError: ") and "\n" not in legacy.detail
    model, batch = _random_weights(condconv).eval(), torch.randn(2, 3, 224, 224)
    with pytest.raises(torch.onnx.errors.SymbolicValueError):
        torch.onnx.export(model, (batch,), os.devnull, dynamo=False, dynamic_axes={"x": {0: "b"}}, input_names=["x"])


def test_the_probe_in_process_fills_every_path_it_is_given() -> None:
    """The probe's own order and marking, on the cheapest variant with random weights (no checkpoint)."""
    cheapest = min(INDEX.models, key=lambda model: (model.figures["FLOPs"], model.key)).key

    found = probe(cheapest, ("torchscript",), create=_random_weights)
    assert [outcome.path for outcome in found.outcomes] == [
        "onnx",
        "onnx_legacy",
        "onnxruntime",
        "torchscript",
        "compile",
        "autocast",
    ]
    assert [outcome.status for outcome in found.outcomes] == [NOT_RUN] * 3 + [WORKS] + [NOT_RUN] * 2
    assert json.loads(probe_line(found).split(" ", 1)[1])["model"] == cheapest


def test_the_tables_show_what_the_probe_found_escaped_with_what_ran_it() -> None:
    # The first collection with two variants of their own probes: the overview's table has a row for each.
    model, other = next(
        (c.models[0], m) for c in INDEX.collections for m in c.models if INDEX.probed_as[m.key] != c.models[0].key
    )
    collection = INDEX.collection(model.collection)
    hostile = "<script>alert(1)</script> | [x](javascript:alert(1))"
    outcomes = [
        PathOutcome(
            "onnx", WORKAROUND, "opset 20, fixed batch", 1.0, "a fixed batch size; as is, it fails with: " + hostile
        ),
        PathOutcome("onnx_legacy", FAILS, hostile, 1.0),
        PathOutcome("onnxruntime", WORKS, "max abs difference 1e-06, top-5 agreement 100%", 0.1),
    ]
    outcomes += [PathOutcome(path, NOT_RUN, "", 0.0) for path in ("torchscript", "compile", "autocast")]
    report = _probed_report(Compatibility(model.key, tuple(outcomes)))
    pages = PageRenderer(ROOT, INDEX, report)
    variant = str(pages.variant(collection, model).markdown)
    table = variant[variant.index("## Deploy") : variant.index("## Citation")]
    assert "<script>" not in table and "](javascript:" not in table and "&#60;script&#62;" in table
    rows = [line for line in table.splitlines() if line.startswith("| ")]
    assert len(rows) == 2 + 6 and all(row.count(" | ") == 2 for row in rows[2:])  # No cell split by a `|`.
    assert ":material-wrench: works with a change | opset 20, fixed batch; needs a fixed batch size" in table
    assert "| TorchScript | – not run | only under `--deploy full`" in table
    assert "2026-11-23, on cpu with torch\n2.14.1 and timm 1.0.31" in table
    assert "*Not yet verified: no check has probed" in str(pages.variant(collection, other).markdown)
    overview = str(pages.overview(collection).markdown)
    assert (
        "Changes the check found necessary" in overview and f"- `{model.key}`, ONNX export: a fixed batch" in overview
    )
    assert "<script>" not in overview


def test_a_tag_that_builds_the_same_module_shows_the_probe_of_the_tag_that_stands_for_it() -> None:
    shared = next(key for key, probe in INDEX.probed_as.items() if key != probe)
    model, probe = INDEX.model(shared), INDEX.model(INDEX.probed_as[shared])
    collection = INDEX.collection(model.collection)
    outcomes = tuple(PathOutcome(path, WORKS, "as is", 1.0) for path in ("onnx", "onnx_legacy", "onnxruntime"))
    report = _probed_report(Compatibility(probe.key, outcomes))
    pages = PageRenderer(ROOT, INDEX, report)
    variant = str(pages.variant(collection, model).markdown)
    table = variant[variant.index("## Deploy") : variant.index("## Citation")]
    assert "| ONNX export | :material-check: works | as is |" in table
    home = INDEX.collection(probe.collection).slug
    assert f"of [`{probe.key}`](../{home}/{probe.key}.md): that tag builds the same module" in table
    own = str(pages.variant(collection, probe).markdown)
    assert "that tag builds the same module" not in own and "| ONNX export | :material-check: works |" in own


def test_an_export_too_big_for_the_free_memory_is_not_tried_and_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    """tf_efficientnet_l2's export took 20 GB of a 24 GB machine before the kernel stopped it: the probe now
    says what it would take instead, and onnxruntime has nothing to run."""
    import modelsite.check.deploy as deploy

    monkeypatch.setattr(deploy, "memory_bytes", lambda: 1000)  # 1 kB free, for 4 kB of weights.
    model = _Eigenvalues().eval()
    torch.nn.Module.register_parameter(model, "weight", torch.nn.Parameter(torch.zeros(1024)))
    outcome = export_onnx(
        "eigenvalues.test", model, torch.randn(2, 3, 8, 8), Path("unused.onnx"), _random_weights, True
    )
    assert outcome.status == NOT_RUN
    assert "takes about 0 GiB of memory, and 0 GiB were free" in outcome.detail
    assert deploy.onnxruntime_outcome([(Path("unused.onnx"), outcome, "")], None, None).status == NOT_RUN


STAMP = Stamp("cpu", "2.14.1", "1.0.31", "2026-11-23T01:02:03+00:00", online=False)


def _probed_report(found: Compatibility) -> CheckReport:
    """A check's report that holds FOUND, one probe's outcome, stamped STAMP, and nothing else."""
    return CheckReport(
        path=Path("report.json"),
        blocks={},
        runs={},
        models_checked=frozenset(),
        figure_problems={},
        finished_at=STAMP.ran_at,
        compatibility={found.model: FoundCompatibility(found, STAMP)},
    )
