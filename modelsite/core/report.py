"""The check's report: its types, its JSON format (`modelsite-check/3`), and how a result is named.

The check writes it (modelsite.check), the build reads it (modelsite.site.outputs), CI keeps it.
JSON read from disk is validated once, here, where it enters (`read_report`): what comes out is
typed, and a file that is not a report raises a ReportError naming it. docs/checking.md documents
the format; a change that removes or renames a field, or changes its meaning, bumps the version.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from modelsite.core.blocks import SourceRef
from modelsite.core.errors import ModelsiteError
from modelsite.core.files import write_text_atomically
from modelsite.core.problems import FigureProblem

REPORT_FORMAT = "modelsite-check/3"
BLOCK_STATUSES = ("passed", "failed", "skipped", "not-run", "example")
# Tagged onto the message of a block that ran after an earlier one of its run had failed.
AFTER_FAILURE = " [after an earlier failure on this page]"
_SIDE_WIDTH = 48


class ReportError(ModelsiteError):
    """A check report exists but cannot be read; the message says which file and what to do."""


@dataclass(frozen=True)
class Held:
    """One `# prints` comment's verdict: passed, failed, illustrative, or offline (not held offline)."""

    line: int
    statement_line: int
    status: str
    expected: str
    actual: str
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class BlockError:
    """What stopped a block: an exception, an exit, the interpreter's end, a marker without reason, threads."""

    kind: str
    line: int
    message: str
    traceback: str = ""
    # Network addresses the offline mode refused while the block ran.
    blocked: tuple[str, ...] = ()


@dataclass(frozen=True)
class DeviceOutput:
    """What the same block printed in another check's run, on another device (`check --compare-with`)."""

    device: str
    stdout: str
    torch: str
    timm: str
    ran_at: str
    # Whether the block's output was held to this one (illustrative output and failed runs are only shown).
    held: bool = True


@dataclass(frozen=True)
class BlockResult:
    """One block's outcome: passed, failed, skipped (excluded on purpose), example (runs alone) or not-run."""

    number: int
    status: str
    seconds: float = 0.0
    stdout: str = ""
    stderr: str = ""
    checks: tuple[Held, ...] = ()
    error: BlockError | None = None
    markdown_line: int = 0
    source: SourceRef | None = None
    skip_reason: str | None = None
    # Where the block sits among the page's Python blocks, and a digest of its text: how the build
    # finds, on a later build, the output that belongs under a block it still shows.
    position: int = 0
    code_sha256: str = ""
    example: str | None = None
    # The block ran after an earlier block of the same run had failed: its result may follow from that.
    after_failure: bool = False
    # The same block's output on the other devices the check covered, which the site shows beside this one.
    other_devices: tuple[DeviceOutput, ...] = ()


@dataclass(frozen=True)
class PageResult:
    """A page's blocks, and how its interpreter ended."""

    path: str
    status: str
    seconds: float
    blocks: tuple[BlockResult, ...]
    environment: Mapping[str, Any] = field(default_factory=dict)
    generated: bool = False
    script: bool = False
    cached: bool = False
    # When the blocks ran (UTC, ISO 8601); a result reused from the cache keeps its own date.
    ran_at: str = ""

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    @property
    def name(self) -> str:
        """What messages name the run: its page."""
        return self.path


@dataclass(frozen=True)
class Report:
    """Every page run with its blocks' outputs, and the figures of every model checked."""

    passed: bool
    finished_at: str
    device: str
    device_name: str | None
    online: bool
    versions: Mapping[str, str | None]
    pages: tuple[PageResult, ...]
    models_checked: tuple[str, ...]
    figures: tuple[FigureProblem, ...]
    format: str = REPORT_FORMAT
    # Pages run at once, and CPU threads each page was given (0: not recorded, a report of before).
    jobs: int = 0
    threads: int = 0
    # For a shard of a sweep: "K/N", and a digest of the whole split, the same in every shard of one sweep.
    shard: str = ""
    shard_plan: str = ""
    # What `--deploy` meant for this run: quick, full or skip ("" in a report of before).
    deploy: str = ""


def new_report(
    pages: Iterable[PageResult],
    figures: Iterable[FigureProblem],
    models: Iterable[str],
    device: str,
    online: bool,
    jobs: int = 0,
    threads: int = 0,
    deploy: str = "",
) -> Report:
    pages, figures = tuple(pages), tuple(figures)
    environment = next((p.environment for p in pages if p.environment), {})
    return Report(
        passed=not any(p.failed for p in pages) and not figures,
        finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
        device=str(environment.get("device", device)),
        device_name=environment.get("device_name"),
        online=online,
        versions={key: environment.get(key) for key in ("python", "torch", "timm")},
        pages=pages,
        models_checked=tuple(models),
        figures=figures,
        jobs=jobs,
        threads=threads,
        deploy=deploy,
    )


def merged(previous: Report | None, new: Report) -> Report:
    """NEW, plus the runs and models of PREVIOUS that NEW did not cover (an `--only` run).

    The build shows, under each block, the newest result of its page run; runs of an older report
    stay until a check covers them again, and each block is matched by its text, so an old result
    never lands under code that has changed since.
    """
    if previous is None:
        return new
    ran = {page.name for page in new.pages}
    checked = set(new.models_checked)
    pages = new.pages + tuple(p for p in previous.pages if p.name not in ran)
    figures = new.figures + tuple(f for f in previous.figures if f.model not in checked)
    return replace(
        new,
        pages=pages,
        figures=figures,
        models_checked=new.models_checked + tuple(m for m in previous.models_checked if m not in checked),
        passed=not any(p.failed for p in pages) and not figures,
    )


def merge_shards(reports: list[tuple[Path, Report]]) -> Report:
    """The reports of the shards of one sweep as one: every page and model once, the same device and versions."""
    if not reports:
        raise ReportError("no reports to merge")
    first_path, first = reports[0]
    _same_sweep(reports)
    seen: dict[str, Path] = {}
    for path, report in reports:
        for label, value in (("device", report.device), ("deploy", report.deploy), ("versions", dict(report.versions))):
            if value != getattr(first, label) and not (label == "versions" and not report.pages):
                raise ReportError(
                    f"{path} ran with {label} {value or '(not recorded)'}, {first_path} with "
                    f"{getattr(first, label) or '(not recorded)'}: merge only the shards of one sweep"
                )
        for name in [page.name for page in report.pages] + list(report.models_checked):
            if name in seen:
                raise ReportError(
                    f"{name} is in both {seen[name]} and {path}: merge only the shards of one sweep, each once"
                )
            seen[name] = path
    merged_report = first
    for _, report in reports[1:]:
        merged_report = merged(merged_report, report)
    return replace(merged_report, finished_at=max(report.finished_at for _, report in reports), shard="", shard_plan="")


_SHARD = re.compile(r"^([1-9][0-9]*)/([1-9][0-9]*)$")


def _same_sweep(reports: list[tuple[Path, Report]]) -> None:
    """Shards of one sweep: one split (else pages ran twice or never), and every shard of it exactly once."""
    sharded = [(path, report) for path, report in reports if report.shard]
    if not sharded:
        return
    shards: dict[int, Path] = {}
    counts = set()
    for path, report in reports:
        match = _SHARD.match(report.shard)
        if match is None or int(match[1]) > int(match[2]):
            raise ReportError(f"{path} is not a report of `modelsite check --shard K/N`: merge only a sweep's shards")
        number, count = int(match[1]), int(match[2])
        if number in shards:
            raise ReportError(f"{path} and {shards[number]} are both shard {report.shard}: merge each shard once")
        shards[number] = path
        counts.add(count)
        if report.shard_plan != sharded[0][1].shard_plan or len(counts) > 1:
            raise ReportError(
                f"{path} and {sharded[0][0]} split the pages differently, so some pages ran in two shards and some "
                "in none: the shards did not start from the same durations (.modelsite-cache/sweep-durations.json); "
                "run every shard from one copy of it"
            )
    count = counts.pop()
    missing = sorted(set(range(1, count + 1)) - set(shards))
    if missing:
        raise ReportError(
            f"shard {', '.join(f'{number}/{count}' for number in missing)} is missing: merge every shard of the sweep"
        )


# Names and messages ---------------------------------------------------------------------------


def place(page: PageResult, block: BlockResult, line: int | None) -> str:
    """`PAGE, block N, line L (from SOURCE:LINE; entry INDEX:LINE)`: where a failure is, for a person."""
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


# JSON -----------------------------------------------------------------------------------------


def report_json(report: Report) -> dict[str, Any]:
    """REPORT as the JSON of its format; each block also carries its expected outputs, place and messages."""
    pages = []
    for page in report.pages:
        data = asdict(page)
        for block, result in zip(data["blocks"], page.blocks):
            block["expected"] = [check.expected for check in result.checks]
            block["place"] = place(page, result, None)
            block["messages"] = failure_messages(page, result)
        pages.append(data)
    return {
        "format": report.format,
        "passed": report.passed,
        "finished_at": report.finished_at,
        "device": report.device,
        "device_name": report.device_name,
        "online": report.online,
        "versions": dict(report.versions),
        "pages": pages,
        "models_checked": list(report.models_checked),
        "figures": [problem.as_dict() for problem in report.figures],
        "jobs": report.jobs,
        "threads": report.threads,
        "shard": report.shard,
        "shard_plan": report.shard_plan,
        "deploy": report.deploy,
    }


def write_report(path: Path, report: Report) -> None:
    write_text_atomically(path, json.dumps(report_json(report), indent=2) + "\n")


def read_report(path: Path) -> Report:
    """The report at PATH, validated; a ReportError names the file and what to do when it is not one."""
    try:
        return report_from_json(json.loads(path.read_text(encoding="utf-8")))
    except json.JSONDecodeError as error:
        problem = f"it is not JSON ({error})"
    except (OSError, UnicodeDecodeError, ValueError) as error:
        problem = str(error) if isinstance(error, _Invalid) else f"{type(error).__name__}: {error}"
    raise ReportError(
        f"{path} is not a check report this build can read ({problem}); delete it, or run "
        "`modelsite check`, which sets such a file aside and writes a new one"
    )


def set_aside_if_unreadable(path: Path) -> str | None:
    """Move the report at PATH aside when it cannot be read; say where it went, or None."""
    if not path.is_file():
        return None
    try:
        read_report(path)
        return None
    except ReportError as error:
        problem = str(error).split(" (", 1)[1].rsplit("); delete it", 1)[0]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = path.with_name(f"{path.name}.unreadable-{stamp}")
    path.replace(aside)
    return (
        f"{path} could not be read ({problem}); moved it to {aside.name} beside it and went on. "
        "Delete that file once you no longer need it."
    )


class _Invalid(ValueError):
    """A JSON value that is not what the format says."""


def report_from_json(data: Any) -> Report:
    """DATA (parsed JSON) as a Report; an _Invalid (a ValueError) says what is wrong."""
    top = _mapping(data, "the report")
    if top.get("format") != REPORT_FORMAT:
        raise _Invalid(f"its format is {top.get('format')!r}, and this version reads {REPORT_FORMAT!r}")
    versions = _mapping(top.get("versions"), "its 'versions'")
    return Report(
        passed=_typed(top, "passed", bool),
        finished_at=_typed(top, "finished_at", str),
        device=_typed(top, "device", str),
        device_name=_optional(top, "device_name", str),
        online=_typed(top, "online", bool),
        versions={str(k): (None if v is None else str(v)) for k, v in versions.items()},
        pages=tuple(page_from_json(page) for page in _list(top, "pages")),
        models_checked=tuple(_text(item, "a checked model") for item in _list(top, "models_checked")),
        figures=tuple(_figure(problem) for problem in _list(top, "figures")),
        jobs=int(top.get("jobs") or 0),
        threads=int(top.get("threads") or 0),
        shard=str(top.get("shard") or ""),
        shard_plan=str(top.get("shard_plan") or ""),
        deploy=str(top.get("deploy") or ""),
    )


def page_from_json(data: Any) -> PageResult:
    """A page run from JSON (a report's, or the cache's), validated."""
    page = _mapping(data, "a page run")
    path = _typed(page, "path", str)
    return PageResult(
        path=path,
        status=_typed(page, "status", str),
        seconds=float(_number(page, "seconds")),
        blocks=tuple(_block(block, path) for block in _list(page, "blocks")),
        environment=_mapping(page.get("environment") or {}, f"the environment of {path}"),
        generated=bool(page.get("generated")),
        script=bool(page.get("script")),
        cached=bool(page.get("cached")),
        ran_at=str(page.get("ran_at") or ""),
    )


def _block(data: Any, path: str) -> BlockResult:
    block = _mapping(data, f"a block of {path}")
    status = _typed(block, "status", str)
    if status not in BLOCK_STATUSES:
        raise _Invalid(f"a block of {path} has the status {status!r}")
    error = block.get("error")
    source = block.get("source")
    return BlockResult(
        number=int(_number(block, "number")),
        status=status,
        seconds=float(block.get("seconds") or 0.0),
        stdout=str(block.get("stdout") or ""),
        stderr=str(block.get("stderr") or ""),
        checks=tuple(_held(check, path) for check in block.get("checks") or ()),
        error=None if error is None else _error(error, path),
        markdown_line=int(block.get("markdown_line") or 0),
        source=None
        if source is None
        else SourceRef(
            path=_typed(_mapping(source, "a source"), "path", str),
            line=int(_number(source, "line")),
            entry=_optional(source, "entry", str),
        ),
        skip_reason=_optional(block, "skip_reason", str),
        position=int(block.get("position") or 0),
        code_sha256=str(block.get("code_sha256") or ""),
        example=_optional(block, "example", str),
        after_failure=bool(block.get("after_failure")),
        other_devices=tuple(_device_output(item, path) for item in block.get("other_devices") or ()),
    )


def _device_output(data: Any, path: str) -> DeviceOutput:
    item = _mapping(data, f"another device's output of a block of {path}")
    texts = {name: _typed(item, name, str) for name in ("device", "stdout", "torch", "timm", "ran_at")}
    return DeviceOutput(**texts, held=bool(item.get("held", True)))


def _held(data: Any, path: str) -> Held:
    check = _mapping(data, f"a `# prints` verdict of {path}")
    return Held(
        line=int(_number(check, "line")),
        statement_line=int(_number(check, "statement_line")),
        status=_typed(check, "status", str),
        expected=_typed(check, "expected", str),
        actual=_typed(check, "actual", str),
        options=tuple(str(o) for o in check.get("options") or ()),
    )


def _error(data: Any, path: str) -> BlockError:
    error = _mapping(data, f"an error of {path}")
    return BlockError(
        kind=str(error.get("kind") or "exception"),
        line=int(error.get("line") or 0),
        message=_typed(error, "message", str),
        traceback=str(error.get("traceback") or ""),
        blocked=tuple(str(b) for b in error.get("blocked") or ()),
    )


def _figure(data: Any) -> FigureProblem:
    problem = _mapping(data, "a figure problem")
    return FigureProblem(
        path=_typed(problem, "file", str),
        line=int(_number(problem, "line")),
        col=int(_number(problem, "col")),
        message=_typed(problem, "message", str).split(": ", 1)[-1],
        model=_typed(problem, "model", str),
        field=str(problem.get("field") or ""),
    )


def _mapping(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise _Invalid(f"{what} is not a JSON object")
    return value


def _list(data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    if not isinstance(value, list):
        raise _Invalid(f"its {key!r} is not a list")
    return value


def _typed(data: Mapping[str, Any], key: str, kind: type) -> Any:
    value = data.get(key)
    if not isinstance(value, kind):
        raise _Invalid(f"its {key!r} is not a {kind.__name__}")
    return value


def _optional(data: Mapping[str, Any], key: str, kind: type) -> Any:
    value = data.get(key)
    return None if value is None else _typed(data, key, kind)


def _number(data: Mapping[str, Any], key: str) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Invalid(f"{key!r} is not a number")
    return value


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"{what} is not text")
    return value
