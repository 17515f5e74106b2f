"""Outputs under blocks and verdicts per variant (modelsite.site.outputs, modelsite.site.catalog), from check reports.

Reports here are written by `modelsite.check.report` from page results built in the test, so each
state (passed, failed, excluded, not run, changed since, no report) is reached on purpose. The
real check's report is used by the browser tests. No marker: runs in a second on the CPU.
"""

from __future__ import annotations

import json
from pathlib import Path

import markdown
import pytest

from modelsite.site.catalog import Verdict
from modelsite.core.blocks import python_blocks
from modelsite.check.parent import BlockResult, PageResult, code_digest
from modelsite.check.report import merged_with_latest, report_data, write_json
from modelsite.site.outputs import NOT_VERIFIED, ReportError, load_report, variant_verdicts, with_outputs

PAGE = "docs/page.md"
MARKDOWN = """# A page

```python
print(1 + 1)  # prints: 2
```

<!-- modelsite: variant small -->

```python
print("small")
```

<!-- modelsite: end variant -->
<!-- modelsite: variant large -->

```python
print("large")
```

<!-- modelsite: end variant -->
"""


def html_of(text: str) -> str:
    return markdown.markdown(text, extensions=["pymdownx.superfences", "pymdownx.highlight"],
                             extension_configs={"pymdownx.highlight": {"pygments_lang_class": True}})


def result(variant: str, statuses: dict[int, tuple[str, str]], markdown_text: str = MARKDOWN) -> PageResult:
    """A run of PAGE for VARIANT; STATUSES maps a block's position to (status, stdout)."""
    blocks = [b for b in python_blocks(markdown_text) if b.variant in (None, variant)]
    results = tuple(BlockResult(number=n, status=statuses[b.position][0], stdout=statuses[b.position][1],
                                position=b.position, code_sha256=code_digest(b.code),
                                error={"message": "boom", "line": 1} if statuses[b.position][0] == "failed" else None)
                    for n, b in enumerate(blocks, 1))
    status = "failed" if any(r.status == "failed" for r in results) else "passed"
    return PageResult(path=PAGE, status=status, seconds=1.0, blocks=results, variant=variant,
                      environment={"device": "cpu", "torch": "9.9", "timm": "8.8"}, ran_at="2026-01-02T03:04:05+00:00")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("MODELSITE_CHECK_REPORT", raising=False)
    return tmp_path


def write_report(root: Path, pages: list[PageResult]) -> None:
    path = root / ".modelsite-cache" / "check-report.json"
    write_json(path, merged_with_latest(path, report_data(pages, [], ["small"], "cpu", online=False)))


def boxes(page_html: str) -> list[str]:
    return [part.split('"', 1)[0] for part in page_html.split('data-verified="')[1:]]


def test_without_a_report_every_block_says_not_yet_verified(project: Path) -> None:
    page_html = with_outputs(html_of(MARKDOWN), MARKDOWN, PAGE, load_report(project))
    assert boxes(page_html) == ["unverified"] * 3
    assert page_html.count("no check report was found") == 3


def test_outputs_and_stamps_appear_under_their_blocks(project: Path) -> None:
    write_report(project, [result("small", {1: ("passed", "2\n"), 2: ("passed", "small\n")}),
                           result("large", {1: ("passed", "2\n"), 3: ("failed", "")})])
    page_html = with_outputs(html_of(MARKDOWN), MARKDOWN, PAGE, load_report(project))
    assert boxes(page_html) == ["passed", "passed", "failed"]
    first, second, third = page_html.split('data-verified="')[1:]
    assert "<code>2</code>" in first and "torch 9.9" in first and "timm 8.8" in first and "2026-01-02" in first
    assert "small" in second and "offline" in second
    # A failed block shows why, and is never styled as passing.
    assert "Failed in the last check" in third and "boom" in third and "verified-output--passed" not in third


def test_a_block_changed_since_the_check_is_not_yet_verified(project: Path) -> None:
    write_report(project, [result("small", {1: ("passed", "2\n"), 2: ("passed", "small\n")})])
    edited = MARKDOWN.replace('print("small")', 'print("SMALL")')
    page_html = with_outputs(html_of(edited), edited, PAGE, load_report(project))
    assert boxes(page_html) == ["passed", "unverified", "unverified"]
    assert "did not run this block as it reads now" in page_html


def test_an_only_run_replaces_its_runs_and_keeps_the_others(project: Path) -> None:
    write_report(project, [result("small", {1: ("passed", "2\n"), 2: ("passed", "small\n")}),
                           result("large", {1: ("passed", "2\n"), 3: ("failed", "")})])
    write_report(project, [result("large", {1: ("passed", "2\n"), 3: ("passed", "large\n")})])
    report = load_report(project)
    verdicts = variant_verdicts(report, PAGE, MARKDOWN)
    assert verdicts == {"small": "passed", "large": "passed"}
    data = json.loads((project / ".modelsite-cache" / "check-report.json").read_text())
    assert data["passed"] is True and len(data["pages"]) == 2


def test_verdicts_combine_figures_and_code() -> None:
    assert Verdict("passed", "passed").overall == "passed"
    assert Verdict("passed", "failed").overall == "failed"
    assert Verdict("failed", NOT_VERIFIED).overall == "failed"
    assert Verdict("passed", NOT_VERIFIED).overall == NOT_VERIFIED


def test_an_unreadable_report_is_an_error_naming_the_file(project: Path) -> None:
    path = project / ".modelsite-cache" / "check-report.json"
    path.parent.mkdir()
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ReportError, match=r"check-report.json is not a check report this build can read \(JSONDecodeError"):
        load_report(project)
    path.write_text(json.dumps({"format": "modelsite-check/1"}), encoding="utf-8")
    with pytest.raises(ReportError, match="its format is 'modelsite-check/1'.*run `modelsite check`, which sets such a "
                                          "file aside"):
        load_report(project)
    # Well-formed JSON of the right format whose pages are not what a report holds.
    path.write_text(json.dumps({"format": "modelsite-check/2", "pages": [1], "figures": [], "models_checked": [],
                                "versions": {}, "finished_at": "", "device": "cpu"}), encoding="utf-8")
    with pytest.raises(ReportError, match="a page run lacks its path, status or blocks"):
        load_report(project)


def test_a_fence_the_html_does_not_render_is_reported() -> None:
    with pytest.raises(ValueError, match="2 Python blocks in the Markdown but 1 in the HTML"):
        with_outputs(html_of("```python\nx = 1\n```\n"), "```python\nx = 1\n```\n\n```python\ny = 2\n```\n", PAGE, None)
