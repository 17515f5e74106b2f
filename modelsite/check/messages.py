"""What the check says on the terminal and to CI: failure messages, progress and summary lines, JUnit XML.

A failure names the page, the block, the line and where that line was written (the wording is
the report's, modelsite.core.report):

    docs/getting-started.md, block 3, line 2 (from templates/partials/predict.md.j2:21): expected ..., got ...
"""

from __future__ import annotations

import platform
import sys
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Mapping
from pathlib import Path

from modelsite.core.files import write_text_atomically
from modelsite.core.problems import FigureProblem
from modelsite.core.report.results import NOT_RUN, PageResult
from modelsite.core.report.wording import failure_messages, place


def _version(environment: Mapping[str, str], package: str) -> str:
    """PACKAGE's version as the pages saw it; with no page run (figures only), the one this process measured with."""
    return environment.get(package) or str(getattr(sys.modules.get(package), "__version__", "?"))


def failures(pages: Iterable[PageResult]) -> list[str]:
    return [message for page in pages for block in page.blocks for message in failure_messages(page, block)]


def progress_line(position: int, total: int, page: PageResult) -> str:
    ran = [b for b in page.blocks if b.status in ("passed", "failed")]
    state = "cached" if page.cached else page.status
    count = f"{len(ran)} block{'s' * (len(ran) != 1)}"
    return f"[{position}/{total}] {page.path:<64} {state:<7} {count:>9} {page.seconds:7.1f} s"


def summary_lines(pages: list[PageResult], figures_problems: int, device: str, online: bool) -> list[str]:
    blocks = [b for page in pages for b in page.blocks if b.number]
    counts = {
        status: sum(b.status == status for b in blocks)
        for status in ("passed", "failed", "skipped", "not-run", "example")
    }
    held = [c for b in blocks for c in b.checks]
    offline = [c for c in held if c.status == "offline"]
    failed_pages = sum(p.failed for p in pages)
    environment = next((p.environment for p in pages if p.environment), {})
    after = sum(b.after_failure for b in blocks)
    lines = [
        f"{len(pages)} page runs, {len(blocks)} blocks: {counts['passed']} passed, {counts['failed']} failed, "
        f"{counts['skipped']} excluded, {counts['not-run']} not run, {counts['example']} embedded examples run alone; "
        f"{after} ran after an earlier failure on their page; "
        f"{sum(p.cached for p in pages)} runs reused from the cache",
        f"`# prints` comments: {sum(c.status == 'passed' for c in held)} held, "
        f"{sum(c.status == 'failed' for c in held)} differ, "
        f"{sum(c.status == 'illustrative' for c in held)} illustrative, {len(offline)} need the released weights"
        + (" (not held offline; run with --online)" if offline and not online else ""),
        f"device {environment.get('device', device)} ({environment.get('device_name', platform.machine())}), "
        f"Python {environment.get('python', platform.python_version())}, torch {_version(environment, 'torch')}, "
        f"timm {_version(environment, 'timm')}, {'online' if online else 'offline'}; isolation: "
        f"{environment.get('isolation', 'none')}",
    ]
    too_large = [p for p in pages if p.status == NOT_RUN]
    if too_large:
        reason = next((b.skip_reason for b in too_large[0].blocks if b.skip_reason), "")
        lines.append(
            f"{len(too_large)} page{'s' * (len(too_large) != 1)} not run, too large for this runner "
            f"({too_large[0].path}: {reason})"
        )
    verdict = "FAILED" if failed_pages or figures_problems else "passed"
    lines.append(
        f"check {verdict}: {failed_pages} of {len(pages)} page runs failed, "
        f"{figures_problems} figure{'s' * (figures_problems != 1)} differ"
    )
    return lines


def excluded_lines(pages: list[PageResult]) -> list[str]:
    """Every block excluded on purpose, with its reason, and every page not started, so that none hides."""
    lines = []
    for page in pages:
        if page.status == NOT_RUN:
            lines.append(f"{page.path}: not run: {next((b.skip_reason for b in page.blocks if b.skip_reason), '')}")
            continue
        lines += [f"{place(page, b, None)}: excluded: {b.skip_reason}" for b in page.blocks if b.status == "skipped"]
    return lines


def write_junit(path: Path, pages: list[PageResult], figures: list[FigureProblem]) -> None:
    """One test case per block (and per figure problem), grouped by page, as CI tools read them."""
    suites = ElementTree.Element("testsuites", name="modelsite check")
    for page in pages:
        cases = page.blocks
        suite = ElementTree.SubElement(
            suites,
            "testsuite",
            name=page.path,
            tests=str(len(cases)),
            failures=str(sum(b.status == "failed" for b in cases)),
            skipped=str(sum(b.status in ("skipped", "not-run") for b in cases)),
            time=f"{page.seconds:.3f}",
        )
        for block in cases:
            case = ElementTree.SubElement(
                suite,
                "testcase",
                classname=page.path,
                name=f"block {block.number}" if block.number else "interpreter",
                time=f"{block.seconds:.3f}",
            )
            if block.status == "failed":
                message = "\n".join(failure_messages(page, block))
                ElementTree.SubElement(case, "failure", message=message.splitlines()[0]).text = message
            elif block.status == "example":
                ElementTree.SubElement(case, "skipped", message=f"runs alone as {block.example}")
            elif block.status in ("skipped", "not-run"):
                ElementTree.SubElement(case, "skipped", message=block.skip_reason or "an earlier block failed")
            if block.stdout:
                ElementTree.SubElement(case, "system-out").text = block.stdout
    if figures:
        suite = ElementTree.SubElement(
            suites, "testsuite", name="figures", tests=str(len(figures)), failures=str(len(figures))
        )
        for problem in figures:
            case = ElementTree.SubElement(suite, "testcase", classname="figures", name=problem.model)
            ElementTree.SubElement(case, "failure", message=str(problem)).text = str(problem)
    ElementTree.indent(suites)
    write_text_atomically(path, ElementTree.tostring(suites, encoding="unicode", xml_declaration=True) + "\n")
