"""What the check says: compiler-style failure messages, progress and summary lines, JSON, JUnit XML.

A failure names the page, the block, the line and where that line was written:

    docs/getting-started.md, block 3, line 2 (from templates/partials/predict.md.j2:21): expected ..., got ...
"""

from __future__ import annotations

import json
import platform
import xml.etree.ElementTree as ElementTree
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from modelsite.core.blocks import run_name
from modelsite.check.parent import BlockResult, PageResult
from modelsite.core.files import write_text_atomically

REPORT_FORMAT = "modelsite-check/2"
_SIDE_WIDTH = 48


def place(page: PageResult, block: BlockResult, line: int | None) -> str:
    """`PAGE, block N, line L (from SOURCE:LINE; entry INDEX:LINE)`."""
    if block.number == 0:
        return page.name
    where = page.path if page.script else f"{page.name}, block {block.number}"
    if line:
        where += f", line {line}"
    origins = []
    if block.source and not (page.script and block.source.path == page.path):
        origins.append(f"from {block.source.at(line or 1)}")
    if block.source and block.source.entry:
        origins.append(f"entry {block.source.entry}")
    return f"{where} ({'; '.join(origins)})" if origins else where


AFTER_FAILURE = " [after an earlier failure on this page]"


def failure_messages(page: PageResult, block: BlockResult) -> list[str]:
    """One message per thing wrong with BLOCK: each output that differs, then the error that stopped it.

    A block that ran after an earlier one had failed says so: its problem may follow from that one.
    """
    messages = []
    marker = AFTER_FAILURE if block.after_failure else ""
    for check in block.checks:
        if check["status"] != "failed":
            continue
        head = place(page, block, check["line"]) + marker
        expected, actual = check["expected"], check["actual"]
        if "\n" not in expected and "\n" not in actual and len(expected) + len(actual) < 100:
            messages.append(f"{head}: expected {expected!r}, got {actual!r}")
        else:
            messages.append(f"{head}: printed output differs\n{side_by_side(expected, actual)}")
    error = block.error
    if error is not None:
        message = f"{place(page, block, error.get('line') or None)}{marker}: {error['message']}"
        if error.get("blocked"):
            message += "\n    network access refused: " + ", ".join(error["blocked"])
        trace = error.get("traceback", "").strip()
        if trace:
            message += "\n" + "\n".join(f"    {line}" for line in trace.splitlines()[-16:])
        messages.append(message)
    return messages


def side_by_side(expected: str, actual: str) -> str:
    """Expected and actual output in two columns; `!` marks the lines that differ."""
    left, right = expected.splitlines() or [""], actual.splitlines() or [""]
    width = min(max(len(line) for line in left + ["expected"]), _SIDE_WIDTH)
    rows = [f"      {'expected':<{width}} | got"]
    for number in range(max(len(left), len(right))):
        want = left[number] if number < len(left) else ""
        got = right[number] if number < len(right) else ""
        mark = " " if want == got else "!"
        rows.append(f"    {mark} {want:<{width}} | {got}")
    return "\n".join(rows)


def failures(pages: Iterable[PageResult]) -> list[str]:
    return [message for page in pages for block in page.blocks for message in failure_messages(page, block)]


def progress_line(position: int, total: int, page: PageResult) -> str:
    ran = [b for b in page.blocks if b.status in ("passed", "failed")]
    state = "cached" if page.cached else page.status
    count = f"{len(ran)} block{'s' * (len(ran) != 1)}"
    return f"[{position}/{total}] {page.name:<64} {state:<7} {count:>9} {page.seconds:7.1f} s"


def summary_lines(pages: list[PageResult], figures_problems: int, device: str, online: bool) -> list[str]:
    blocks = [b for page in pages for b in page.blocks if b.number]
    counts = {status: sum(b.status == status for b in blocks)
              for status in ("passed", "failed", "skipped", "not-run", "example")}
    held = [c for b in blocks for c in b.checks]
    offline = [c for c in held if c["status"] == "offline"]
    failed_pages = sum(p.failed for p in pages)
    environment = next((p.environment for p in pages if p.environment), {})
    after = sum(b.after_failure for b in blocks)
    lines = [
        f"{len(pages)} page runs, {len(blocks)} blocks: {counts['passed']} passed, {counts['failed']} failed, "
        f"{counts['skipped']} excluded, {counts['not-run']} not run, {counts['example']} embedded examples run alone; "
        f"{after} ran after an earlier failure on their page; {sum(p.cached for p in pages)} runs reused from the cache",
        f"`# prints` comments: {sum(c['status'] == 'passed' for c in held)} held, "
        f"{sum(c['status'] == 'failed' for c in held)} differ, "
        f"{sum(c['status'] == 'illustrative' for c in held)} illustrative, {len(offline)} need the released weights"
        + (" (not held offline; run with --online)" if offline and not online else ""),
        f"device {environment.get('device', device)} ({environment.get('device_name', platform.machine())}), "
        f"Python {environment.get('python', platform.python_version())}, torch {environment.get('torch', '?')}, "
        f"timm {environment.get('timm', '?')}, {'online' if online else 'offline'}",
    ]
    verdict = "FAILED" if failed_pages or figures_problems else "passed"
    lines.append(f"check {verdict}: {failed_pages} of {len(pages)} page runs failed, "
                 f"{figures_problems} figure{'s' * (figures_problems != 1)} differ")
    return lines


def excluded_lines(pages: list[PageResult]) -> list[str]:
    """Every block excluded on purpose, with its reason, so that none hides."""
    return [f"{place(page, block, None)}: excluded: {block.skip_reason}"
            for page in pages for block in page.blocks if block.status == "skipped"]


def report_data(pages: list[PageResult], figures: list[dict[str, Any]], models: list[str], device: str,
                online: bool) -> dict[str, Any]:
    """The JSON report: every page run with its blocks' outputs, and the figures of every model checked."""
    environment = next((p.environment for p in pages if p.environment), {})
    return {
        "format": REPORT_FORMAT,
        "passed": not any(p.failed for p in pages) and not figures,
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "device": environment.get("device", device),
        "device_name": environment.get("device_name"),
        "online": online,
        "versions": {key: environment.get(key) for key in ("python", "torch", "timm")},
        "pages": [_page_json(page) for page in pages],
        "models_checked": models,
        "figures": figures,
    }


def report_problem(data: Any) -> str | None:
    """What makes DATA (a parsed report) unreadable to the build, or None when it is readable."""
    if not isinstance(data, dict):
        return "it is not a JSON object"
    if data.get("format") != REPORT_FORMAT:
        return f"its format is {data.get('format')!r}, and this version reads {REPORT_FORMAT!r}"
    for key, kind in (("pages", list), ("figures", list), ("models_checked", list), ("versions", dict),
                      ("finished_at", str), ("device", str)):
        if not isinstance(data.get(key), kind):
            return f"its {key!r} is not a {kind.__name__}"
    for page in data["pages"]:
        if not isinstance(page, dict) or not isinstance(page.get("path"), str) or \
                not isinstance(page.get("blocks"), list) or not isinstance(page.get("status"), str):
            return "a page run lacks its path, status or blocks"
        for block in page["blocks"]:
            if not isinstance(block, dict) or not isinstance(block.get("status"), str) or \
                    not isinstance(block.get("position", 0), int) or not isinstance(block.get("code_sha256", ""), str):
                return f"a block of {page['path']} lacks its status, position or digest"
    for problem in data["figures"]:
        if not isinstance(problem, dict) or not isinstance(problem.get("model"), str) or \
                not isinstance(problem.get("message"), str):
            return "a figure problem lacks its model or message"
    return None


def set_aside_if_unreadable(path: Path) -> str | None:
    """Move the report at PATH aside when the build could not read it; say where it went, or None."""
    if not path.is_file():
        return None
    try:
        problem = report_problem(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        problem = f"it is not JSON ({error})"
    if problem is None:
        return None
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    aside = path.with_name(f"{path.name}.unreadable-{stamp}")
    path.replace(aside)
    return (f"{path} could not be read ({problem}); moved it to {aside.name} beside it and went on. "
            "Delete that file once you no longer need it.")


def write_json(path: Path, data: dict[str, Any]) -> None:
    write_text_atomically(path, json.dumps(data, indent=2) + "\n")


def merged_with_latest(path: Path, data: dict[str, Any]) -> dict[str, Any]:
    """DATA, plus the runs and models of the report at PATH that this check did not cover (an `--only` run).

    The build shows, under each block, the newest result of its page run; runs of an older
    report stay until a check covers them again, and each block is matched by its text, so an
    old result never lands under code that has changed since.
    """
    try:
        previous = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return data
    if report_problem(previous) is not None:
        return data
    ran = {run_name(page["path"], page.get("variant")) for page in data["pages"]}
    checked = set(data["models_checked"])
    merged = dict(data)
    merged["pages"] = data["pages"] + [p for p in previous.get("pages", []) if run_name(p["path"], p.get("variant")) not in ran]
    merged["models_checked"] = data["models_checked"] + [m for m in previous.get("models_checked", []) if m not in checked]
    merged["figures"] = data["figures"] + [f for f in previous.get("figures", []) if f.get("model") not in checked]
    merged["passed"] = not any(p["status"] == "failed" for p in merged["pages"]) and not merged["figures"]
    return merged


def _page_json(page: PageResult) -> dict[str, Any]:
    data = asdict(page)
    for block, result in zip(data["blocks"], page.blocks):
        block["expected"] = [c["expected"] for c in result.checks]
        block["place"] = place(page, result, None)
        block["messages"] = failure_messages(page, result)
    return data


def write_junit(path: Path, pages: list[PageResult], figures: list[dict[str, Any]]) -> None:
    """One test case per block (and per figure problem), grouped by page, as CI tools read them."""
    suites = ElementTree.Element("testsuites", name="modelsite check")
    for page in pages:
        cases = page.blocks
        suite = ElementTree.SubElement(suites, "testsuite", name=page.name, tests=str(len(cases)),
                                       failures=str(sum(b.status == "failed" for b in cases)),
                                       skipped=str(sum(b.status in ("skipped", "not-run") for b in cases)),
                                       time=f"{page.seconds:.3f}")
        for block in cases:
            case = ElementTree.SubElement(suite, "testcase", classname=page.name,
                                          name=f"block {block.number}" if block.number else "interpreter",
                                          time=f"{block.seconds:.3f}")
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
        suite = ElementTree.SubElement(suites, "testsuite", name="figures", tests=str(len(figures)),
                                       failures=str(len(figures)))
        for problem in figures:
            case = ElementTree.SubElement(suite, "testcase", classname="figures", name=problem["model"])
            ElementTree.SubElement(case, "failure", message=problem["message"]).text = problem["message"]
    ElementTree.indent(suites)
    write_text_atomically(path, ElementTree.tostring(suites, encoding="unicode", xml_declaration=True) + "\n")
