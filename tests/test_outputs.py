"""Outputs under blocks and verdicts per page (modelsite.site.outputs, modelsite.site.catalog), from check reports.

Reports here are written through `modelsite.core.report` from page results built in the test, so each
state (passed, failed, excluded, not run, changed since, no report) is reached on purpose. The
real check's report is used by the browser tests. No marker: runs in a second on the CPU.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import markdown
import pytest

from modelsite.core.blocks import code_digest, python_blocks, with_block_ids
from modelsite.core.report.codec import read_report, write_report
from modelsite.core.report.merging import merged
from modelsite.core.report.results import BlockError, BlockResult, PageResult, ReportError, new_report
from modelsite.site.catalog import Verdict
from modelsite.site.outputs import NOT_VERIFIED, load_report, page_verdict, with_outputs

PAGE = "docs/page.md"
MARKDOWN = """# A page

```python
print(1 + 1)  # prints: 2
```

```python
print("small")
```

```python
print("large")
```
"""
OTHER_PAGE = "docs/other.md"


def html_of(text: str) -> str:
    return markdown.markdown(
        text,
        extensions=["attr_list", "pymdownx.superfences", "pymdownx.highlight"],
        extension_configs={"pymdownx.highlight": {"pygments_lang_class": True}},
    )


def page_with_outputs(text: str, report: object) -> str:
    """TEXT built as the site builds it: blocks given their identity, rendered, outputs placed by identity."""
    identified, blocks = with_block_ids(text)
    return with_outputs(html_of(identified), blocks, PAGE, report)  # type: ignore[arg-type]


def result(statuses: dict[int, tuple[str, str]], markdown_text: str = MARKDOWN, path: str = PAGE) -> PageResult:
    """A run of PATH; STATUSES maps a block's position to (status, stdout); a block without one did not run."""
    blocks = [b for b in python_blocks(markdown_text) if b.number in statuses]
    results = tuple(
        BlockResult(
            number=n,
            status=statuses[b.number][0],
            stdout=statuses[b.number][1],
            position=b.number,
            code_sha256=code_digest(b.code),
            error=BlockError("exception", 1, "boom") if statuses[b.number][0] == "failed" else None,
        )
        for n, b in enumerate(blocks, 1)
    )
    status = "failed" if any(r.status == "failed" for r in results) else "passed"
    return PageResult(
        path=path,
        status=status,
        seconds=1.0,
        blocks=results,
        environment={"device": "cpu", "torch": "9.9", "timm": "8.8"},
        ran_at="2026-01-02T03:04:05+00:00",
    )


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("MODELSITE_CHECK_REPORT", raising=False)
    return tmp_path


def report_path(root: Path) -> Path:
    return root / ".modelsite-cache" / "check-report.json"


def write_report_of(root: Path, pages: list[PageResult]) -> None:
    path = report_path(root)
    previous = read_report(path) if path.is_file() else None
    write_report(path, merged(previous, new_report(pages, [], ["small"], "cpu", online=False)))


def boxes(page_html: str) -> list[str]:
    return [part.split('"', 1)[0] for part in page_html.split('data-verified="')[1:]]


def test_without_a_report_every_block_says_not_yet_verified(project: Path) -> None:
    page_html = page_with_outputs(MARKDOWN, load_report(report_path(project)))
    assert boxes(page_html) == ["unverified"] * 3
    assert page_html.count("no check report was found") == 3


def test_outputs_and_stamps_appear_under_their_blocks(project: Path) -> None:
    write_report_of(project, [result({1: ("passed", "2\n"), 2: ("passed", "small\n"), 3: ("failed", "")})])
    page_html = page_with_outputs(MARKDOWN, load_report(report_path(project)))
    assert boxes(page_html) == ["passed", "passed", "failed"]
    first, second, third = page_html.split('data-verified="')[1:]
    assert "<code>2</code>" in first and "torch 9.9" in first and "timm 8.8" in first and "2026-01-02" in first
    assert "small" in second and "offline" in second
    # A failed block shows why, and is never styled as passing.
    assert "Failed in the last check" in third and "boom" in third and "verified-output--passed" not in third


def test_a_block_changed_since_the_check_is_not_yet_verified(project: Path) -> None:
    write_report_of(project, [result({1: ("passed", "2\n"), 2: ("passed", "small\n"), 3: ("passed", "large\n")})])
    edited = MARKDOWN.replace('print("small")', 'print("SMALL")')
    page_html = page_with_outputs(edited, load_report(report_path(project)))
    assert boxes(page_html) == ["passed", "unverified", "passed"]
    assert "did not run this block as it reads now" in page_html


def test_an_only_run_replaces_its_runs_and_keeps_the_others(project: Path) -> None:
    other = "```python\nprint(3)  # prints: 3\n```\n"
    write_report_of(
        project,
        [
            result({1: ("passed", "2\n"), 2: ("passed", "small\n"), 3: ("failed", "")}),
            result({1: ("passed", "3\n")}, other, OTHER_PAGE),
        ],
    )
    write_report_of(project, [result({1: ("passed", "2\n"), 2: ("passed", "small\n"), 3: ("passed", "large\n")})])
    report = load_report(report_path(project))
    assert page_verdict(report, PAGE, MARKDOWN) == "passed"
    assert page_verdict(report, OTHER_PAGE, other) == "passed"
    # The page as it reads now, not as it was checked: a changed block leaves the page not yet verified.
    assert page_verdict(report, PAGE, MARKDOWN.replace("1 + 1", "2 + 0")) == NOT_VERIFIED
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
    with pytest.raises(
        ReportError, match=r"check-report.json is not a check report this build can read \(it is not JSON"
    ):
        load_report(report_path(project))
    path.write_text(json.dumps({"format": "modelsite-check/1"}), encoding="utf-8")
    with pytest.raises(
        ReportError, match="its format is 'modelsite-check/1'.*run `modelsite check`, which sets such a file aside"
    ):
        load_report(report_path(project))
    # Well-formed JSON of the right format whose pages are not what a report holds.
    path.write_text(
        json.dumps(
            {
                "format": "modelsite-check/3",
                "passed": True,
                "online": False,
                "pages": [1],
                "figures": [],
                "models_checked": [],
                "versions": {},
                "finished_at": "",
                "device": "cpu",
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(ReportError, match="a page run is not a JSON object"):
        load_report(report_path(project))


def test_a_fence_the_html_does_not_render_is_reported() -> None:
    # Indented four spaces outside a list, a fence is an indented code block to Markdown: the check would run it,
    # the reader sees no Python block. The output cannot be placed, and the build says so.
    text = "```python\nx = 1\n```\n\nSee:\n\n    ```python\n    y = 2\n    ```\n"
    identified, blocks = with_block_ids(text)
    with pytest.raises(ValueError, match="the Python block at line 8 of the page's Markdown is not rendered as a code"):
        with_outputs(html_of(identified), blocks, PAGE, None)


def test_outputs_go_by_identity_not_by_order() -> None:
    # Two blocks whose rendered order is swapped: each output still lands under its own block.
    text = "```python\nprint('a')\n```\n\n```python\nprint('b')\n```\n"
    identified, blocks = with_block_ids(text)
    first, second = re.findall(
        r'<div class="language-python highlight".*?</code></pre></div>', html_of(identified), re.S
    )
    page_html = with_outputs(f"{second}\n{first}", blocks, PAGE, None)
    assert page_html.index('data-modelsite-block="2-') < page_html.index('data-modelsite-block="1-')
    assert page_html.count('data-verified="unverified"') == 2
