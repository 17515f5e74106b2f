"""What the last `modelsite check` found, as the build shows it: outputs under blocks, verdicts per variant.

The check writes its newest results to `.modelsite-cache/check-report.json` (or wherever
`MODELSITE_CHECK_REPORT` points, for a report CI downloaded). The build reads that file through
the report's schema (modelsite.core.report): under each Python block it puts the output the check
captured, with a stamp saying what ran it, and it gives `models.json` and the explorer a verdict
per variant.

A block is found by its identity, not by counting: at the Markdown stage the build writes on each
Python fence an attribute naming the block (its position on the page and its text's digest, see
modelsite.core.blocks), and in the HTML the output goes after the element that carries it. An
output never lands under code that changed since the check: such a block, like every block when
there is no report, says "not yet verified".
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from modelsite.core.blocks import BLOCK_ATTRIBUTE, CodeBlock, block_id, code_digest, python_blocks
from modelsite.core.compatibility import Compatibility, is_probe_path, parse_probe_output
from modelsite.core.report.codec import read_report
from modelsite.core.report.results import Report
from modelsite.core.report.wording import failure_messages

NOT_VERIFIED = "not yet verified"
# Longer outputs are cut on the page; the report keeps them whole.
SHOWN_LINES = 40

_PYTHON_DIV = re.compile(r'<div class="language-(?:python|py|python3) highlight"(?P<attributes>[^>]*)>')
_BLOCK_END = "</code></pre></div>"


@dataclass(frozen=True)
class Stamp:
    """What ran a page: where, with which versions, when, and whether the released weights were used."""

    device: str
    torch: str
    timm: str
    ran_at: str
    online: bool

    def text(self) -> str:
        weights = (
            "released weights"
            if self.online
            else "offline: weights synthesized with seed 0, so class names and probabilities are not the released "
            "model's"
        )
        return (
            f"modelsite check, {self.ran_at[:10]} · {self.device} · torch {self.torch} · timm {self.timm} · {weights}"
        )


@dataclass(frozen=True)
class BlockOutcome:
    """One block's result in the report: its status, output, what went wrong, and what ran it."""

    status: str
    stdout: str
    problem: str
    stamp: Stamp
    # It ran after an earlier block of its page failed.
    after_failure: bool = False
    # The same block's output on each other device the check covered (`check --compare-with`), with its stamp.
    others: tuple[tuple[Stamp, str, bool], ...] = ()


@dataclass(frozen=True)
class FoundCompatibility:
    """A variant's deploy paths as a probe of the report found them, and what ran the probe."""

    compatibility: Compatibility
    stamp: Stamp


@dataclass(frozen=True)
class CheckReport:
    """The blocks and models of the newest check report, indexed for the build."""

    path: Path
    # (page path, position on the page, code digest) -> outcome.
    blocks: dict[tuple[str, int, str], BlockOutcome]
    # page path -> (run status, digests of the run's blocks in order).
    runs: dict[str, tuple[str, tuple[str, ...]]]
    models_checked: frozenset[str]
    figure_problems: dict[str, tuple[str, ...]]
    finished_at: str
    # variant key -> its deploy probe's findings (modelsite.check.deploy).
    compatibility: dict[str, FoundCompatibility] = field(default_factory=dict)

    def outcome(self, page_path: str, block: CodeBlock) -> BlockOutcome | None:
        """BLOCK's result; an embedded example's is that of the example run alone."""
        if block.example:
            return self.blocks.get((block.example, 1, code_digest(block.code)))
        return self.blocks.get((page_path, block.number, code_digest(block.code)))

    def figures_verdict(self, model: str) -> str:
        if model in self.figure_problems:
            return "failed"
        return "passed" if model in self.models_checked else NOT_VERIFIED

    def run_verdict(self, page_path: str, blocks: list[CodeBlock]) -> str:
        """The status of the page's run, if the report ran exactly these blocks."""
        run = self.runs.get(page_path)
        if run is None or run[1] != tuple(code_digest(block.code) for block in blocks):
            return NOT_VERIFIED
        return run[0]


def load_report(path: Path) -> CheckReport | None:
    """The report at PATH indexed for the build, or None when no check has written one yet."""
    if not path.is_file():
        return None
    return _indexed(path, read_report(path))


def _indexed(path: Path, report: Report) -> CheckReport:
    blocks: dict[tuple[str, int, str], BlockOutcome] = {}
    runs: dict[str, tuple[str, tuple[str, ...]]] = {}
    compatibility: dict[str, FoundCompatibility] = {}
    for page in report.pages:
        environment = page.environment
        stamp = Stamp(
            device=str(environment.get("device") or report.device),
            torch=str(environment.get("torch") or report.versions.get("torch") or "?"),
            timm=str(environment.get("timm") or report.versions.get("timm") or "?"),
            ran_at=page.ran_at or report.finished_at,
            online=report.online,
        )
        digests = []
        for block in page.blocks:
            if not block.number:
                continue
            digests.append(block.code_sha256)
            blocks.setdefault(
                (page.path, block.position, block.code_sha256),
                BlockOutcome(
                    status=block.status,
                    stdout=block.stdout,
                    problem="\n".join(failure_messages(page, block)) or (block.skip_reason or ""),
                    stamp=stamp,
                    after_failure=block.after_failure,
                    others=tuple(
                        (Stamp(seen.device, seen.torch, seen.timm, seen.ran_at, report.online), seen.stdout, seen.held)
                        for seen in block.other_devices
                    ),
                ),
            )
        runs[page.path] = (page.status, tuple(digests))
        printed = next((block.stdout for block in page.blocks if block.number == 1), "")
        found = parse_probe_output(printed) if is_probe_path(page.path) else None
        if found is not None:
            compatibility[found.model] = FoundCompatibility(found, stamp)
    problems: dict[str, list[str]] = {}
    for problem in report.figures:
        problems.setdefault(problem.model, []).append(str(problem))
    return CheckReport(
        path=path,
        blocks=blocks,
        runs=runs,
        models_checked=frozenset(report.models_checked),
        figure_problems={model: tuple(found) for model, found in problems.items()},
        finished_at=report.finished_at,
        compatibility=compatibility,
    )


def page_verdict(report: CheckReport | None, page_path: str, markdown: str) -> str:
    """The check's verdict on a page's code as it reads now: passed, failed, or not yet verified."""
    if report is None:
        return NOT_VERIFIED
    return report.run_verdict(page_path, python_blocks(markdown))


def with_outputs(page_html: str, blocks: list[CodeBlock], page_path: str, report: CheckReport | None) -> str:
    """PAGE_HTML with, under each of BLOCKS (found by its identity), its output from REPORT or a note.

    A Python block of the HTML without an identity, or a block of BLOCKS the HTML does not show,
    means the Markdown and its rendering disagree on what the page's code is: a ValueError says where.
    """
    by_id = {block_id(block): block for block in blocks}
    shown: set[str] = set()
    pieces, done = [], 0
    for match in _PYTHON_DIV.finditer(page_html):
        identity = re.search(rf'{BLOCK_ATTRIBUTE}="([^"]+)"', match["attributes"])
        block = by_id.get(identity[1]) if identity else None
        if block is None:
            raise ValueError(
                f"{page_path}: a Python block of the HTML has no identity the build wrote; is a fence "
                "written inside raw HTML, where the check cannot see it?"
            )
        shown.add(identity[1])  # type: ignore[index]
        end = _after_annotations(page_html, page_html.index(_BLOCK_END, match.start()) + len(_BLOCK_END))
        unverified = (
            "no check report was found when this page was built"
            if report is None
            else "the last check did not run this block as it reads now"
        )
        pieces += [page_html[done:end], output_html(report.outcome(page_path, block) if report else None, unverified)]
        done = end
    missing = [block for block in blocks if block_id(block) not in shown]
    if missing:
        raise ValueError(
            f"{page_path}: the Python block at line {missing[0].markdown_line} of the page's Markdown is "
            "not rendered as a code block (is it inside raw HTML?)"
        )
    return "".join(pieces) + page_html[done:]


def output_html(outcome: BlockOutcome | None, unverified: str) -> str:
    """The box under a block: its output and stamp, what went wrong, or (UNVERIFIED says why) that it is not
    verified."""
    if outcome is None:
        return _box(
            "unverified",
            f"<strong>Not yet verified</strong>: {unverified}. Run <code>modelsite check</code>, then build again.",
            None,
        )
    stamp = html.escape(outcome.stamp.text())
    # A result that may follow from an earlier failure says so.
    after = " · <em>ran after an earlier block of this page failed</em>" if outcome.after_failure else ""
    if outcome.status == "passed":
        body = _pre(outcome.stdout) if outcome.stdout.strip() else None
        head = f"<strong>{'Output' if body else 'Ran without printing anything'}</strong>{after} · {stamp}"
        # The output of every device the check covered, each under its own stamp: held to one another.
        return _box("passed", head, body) + "".join(
            _box(
                "passed",
                f"<strong>Output on {html.escape(other.device)}</strong>"
                + (", held to the one above" if held else ", shown, not compared (illustrative)")
                + f" · {html.escape(other.text())}",
                _pre(printed) if printed.strip() else None,
            )
            for other, printed, held in outcome.others
        )
    if outcome.status == "failed":
        return _box(
            "failed",
            f"<strong>Failed in the last check</strong>{after} · {stamp}",
            _pre(outcome.problem or outcome.stdout),
        )
    if outcome.status == "skipped":
        return _box("unverified", f"Not run by the check on purpose: {html.escape(outcome.problem)}", None)
    return _box("unverified", f"Not run in the last check, because its page's interpreter had ended · {stamp}", None)


def _box(kind: str, head: str, body: str | None) -> str:
    return (
        f'<div class="verified-output verified-output--{kind}" data-verified="{kind}">'
        f'<div class="verified-output__stamp">{head}</div>{body or ""}</div>'
    )


def _pre(text: str) -> str:
    lines = text.rstrip("\n").splitlines()
    if len(lines) > SHOWN_LINES:
        lines = lines[:SHOWN_LINES] + [f"… {len(lines) - SHOWN_LINES} more lines in the check report"]
    return f"<pre><code>{html.escape(chr(10).join(lines))}</code></pre>"


def _after_annotations(page_html: str, end: int) -> int:
    """Past the code annotations list, which Material needs right after its block."""
    rest = page_html[end:]
    stripped = rest.lstrip()
    if stripped.startswith("<ol>"):
        return end + (len(rest) - len(stripped)) + stripped.index("</ol>") + len("</ol>")
    return end
