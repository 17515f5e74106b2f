"""How a result is named and explained for a person: its place, its failure messages, outputs side by side."""

from __future__ import annotations

from modelsite.core.blocks import block_label
from modelsite.core.report.results import BlockResult, PageResult

# Tagged onto the message of a block that ran after an earlier one of its run had failed.
AFTER_FAILURE = " [after an earlier failure on this page]"
_SIDE_WIDTH = 48


def place(page: PageResult, block: BlockResult, line: int | None) -> str:
    """`PAGE, block N, line L (from SOURCE:LINE; entry INDEX:LINE)`: where a failure is, for a person."""
    if block.number == 0:
        return page.path
    where = block_label(page.path, block.number, page.script)
    if line:
        where += f", line {line}"
    origins = []
    if block.source and not (page.script and block.source.path == page.path):
        origins.append(f"from {block.source.at(line or 1)}")
    if block.source and block.source.entry:
        origins.append(f"entry {block.source.entry}")
    return f"{where} ({'; '.join(origins)})" if origins else where


def failure_messages(page: PageResult, block: BlockResult) -> list[str]:
    """One message per thing wrong with BLOCK: each output that differs, then the error that stopped it.

    A block that ran after an earlier one had failed says so: its problem may follow from that one.
    """
    messages = []
    marker = AFTER_FAILURE if block.after_failure else ""
    for check in block.checks:
        if check.status != "failed":
            continue
        head = place(page, block, check.line) + marker
        if "\n" not in check.expected and "\n" not in check.actual and len(check.expected) + len(check.actual) < 100:
            messages.append(f"{head}: expected {check.expected!r}, got {check.actual!r}")
        else:
            messages.append(f"{head}: printed output differs\n{side_by_side(check.expected, check.actual)}")
    error = block.error
    if error is not None:
        message = f"{place(page, block, error.line or None)}{marker}: {error.message}"
        if error.blocked:
            message += "\n    network access refused: " + ", ".join(error.blocked)
        trace = error.traceback.strip()
        if trace:
            message += "\n" + "\n".join(f"    {line}" for line in trace.splitlines()[-16:])
        messages.append(message)
    return messages


def side_by_side(expected: str, actual: str, labels: tuple[str, str] = ("expected", "got")) -> str:
    """Expected and actual output in two columns headed LABELS; `!` marks the lines that differ."""
    left, right = expected.splitlines() or [""], actual.splitlines() or [""]
    width = min(max(len(line) for line in left + [labels[0]]), _SIDE_WIDTH)
    rows = [f"      {labels[0]:<{width}} | {labels[1]}"]
    for number in range(max(len(left), len(right))):
        want = left[number] if number < len(left) else ""
        got = right[number] if number < len(right) else ""
        mark = " " if want == got else "!"
        rows.append(f"    {mark} {want:<{width}} | {got}")
    return "\n".join(rows)
