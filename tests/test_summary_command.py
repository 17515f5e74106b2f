"""`modelsite summary`: the pages a pull request touched, with the check's verdict for each, for its job summary.

Each case commits a copy of the project to a git repository of its own, edits it as a contributor would and
runs the command line on a report that gives some of the touched pages a verdict. No marker: seconds on the CPU.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from modelsite.core.problems import FigureProblem
from modelsite.core.report.codec import write_report
from modelsite.core.report.results import PageResult, new_report
from tests.helpers import copy_project

LITE0_PAGE = "docs/models/tf-efficientnet-lite/tf_efficientnet_lite0.in1k.md"


def git(project: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=project, check=True, capture_output=True
    )


@pytest.fixture
def committed(tmp_path: Path) -> Path:
    project = copy_project(tmp_path / "project", slim=True)
    git(project, "init", "-q")
    git(project, "add", ".")
    git(project, "commit", "-q", "-m", "base")
    return project


def summary(
    project: Path, pages: list[PageResult], figures: list[FigureProblem] | None = None
) -> subprocess.CompletedProcess[str]:
    report = project / "check.json"
    write_report(report, new_report(pages, figures or [], [], device="cpu", online=False))
    return subprocess.run(
        [sys.executable, "-m", "modelsite", "summary", str(report), "--changed-since", "HEAD"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )


def page(path: str, status: str, generated: bool = True) -> PageResult:
    return PageResult(path=path, status=status, seconds=1.0, blocks=(), generated=generated)


def test_an_edited_entry_and_page_are_listed_with_their_verdicts(committed: Path) -> None:
    index_file = committed / "model_index" / "tf-efficientnet-lite.yaml"
    text = index_file.read_text(encoding="utf-8")
    assert "Crop Pct: 0.875" in text
    index_file.write_text(text.replace("Crop Pct: 0.875", "Crop Pct: 0.5", 1), encoding="utf-8")
    getting_started = committed / "docs" / "getting-started.md"
    getting_started.write_text(getting_started.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    result = summary(committed, [page(LITE0_PAGE, "failed"), page("docs/getting-started.md", "passed", False)])
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("| `")]
    assert f"| `{LITE0_PAGE}` | its index entry is new or changed | failed |" in rows
    assert (
        "| `deploy/tf_efficientnet_lite0.in1k` | its index entry is new or changed | not checked by this run |" in rows
    )
    assert "| `docs/getting-started.md` | its file changed | passed |" in rows
    assert (
        "| `docs/models/tf-efficientnet-lite/index.md` | `model_index/tf-efficientnet-lite.yaml` changed |"
        in "\n".join(rows)
    )
    # No other variant of the collection was touched.
    assert len(rows) == 4


def test_a_variant_whose_figures_differ_fails_whatever_its_code_did(committed: Path) -> None:
    index_file = committed / "model_index" / "tf-efficientnet-lite.yaml"
    text = index_file.read_text(encoding="utf-8")
    index_file.write_text(text.replace("Crop Pct: 0.875", "Crop Pct: 0.5", 1), encoding="utf-8")
    differs = FigureProblem(
        "model_index/tf-efficientnet-lite.yaml", 12, 15, "Crop Pct differs", model="tf_efficientnet_lite0.in1k"
    )
    result = summary(committed, [page(LITE0_PAGE, "passed")], [differs])
    assert f"| `{LITE0_PAGE}` | its index entry is new or changed | failed: its figures differ from the model |" in (
        result.stdout
    )


def test_a_template_change_counts_every_generated_page(committed: Path) -> None:
    template = committed / "templates" / "variant.md.j2"
    template.write_text(template.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    result = summary(committed, [page(LITE0_PAGE, "passed"), page("docs/models/x/y.md", "failed")])
    assert result.returncode == 0, result.stderr
    assert "No page's own source changed." in result.stdout
    assert "reach every generated page (1 failed, 1 passed)" in result.stdout
    assert "- `templates/variant.md.j2`" in result.stdout


def test_an_unknown_revision_is_one_line_without_a_traceback(committed: Path) -> None:
    report = committed / "check.json"
    write_report(report, new_report([], [], [], device="cpu", online=False))
    result = subprocess.run(
        [sys.executable, "-m", "modelsite", "summary", str(report), "--changed-since", "no-such-revision"],
        cwd=committed,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("modelsite summary: --changed-since no-such-revision:")
