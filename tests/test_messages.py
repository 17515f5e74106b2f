"""The check's summary: what a run without pages (`--figures-only`) says it ran with."""

from __future__ import annotations

import timm
import torch

from modelsite.check.messages import summary_lines


def test_a_run_without_pages_names_the_versions_it_measured_with() -> None:
    lines = summary_lines([], 0, "cpu", online=False)
    assert f"torch {torch.__version__}, timm {timm.__version__}, offline" in lines[2]
    assert lines[-1] == "check passed: 0 of 0 page runs failed, 0 figures differ"
