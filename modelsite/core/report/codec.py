"""The report's JSON format: written with each block's place and messages, and validated once where it is read.

JSON read from disk is validated here, where it enters (`read_report`): what comes out is typed, and a file
that is not a report raises a ReportError naming it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from modelsite.core.blocks import SourceRef
from modelsite.core.files import write_text_atomically
from modelsite.core.problems import FigureProblem
from modelsite.core.report.results import (
    BLOCK_STATUSES,
    PAGE_STATUSES,
    REPORT_FORMAT,
    BlockError,
    BlockResult,
    DeviceOutput,
    Held,
    PageResult,
    Report,
    ReportError,
    Tolerance,
)
from modelsite.core.report.wording import failure_messages, place


def report_json(report: Report) -> dict[str, Any]:
    """REPORT as the JSON of its format; each block also carries its expected outputs, place and messages."""
    pages = []
    for page in report.pages:
        data = asdict(page)
        for block, result in zip(data["blocks"], page.blocks):
            block["checks"] = [_held_json(check) for check in result.checks]
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
    status = _typed(page, "status", str)
    if status not in PAGE_STATUSES:
        raise _Invalid(f"the page run of {path} has the status {status!r}")
    return PageResult(
        path=path,
        status=status,
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


def _held_json(check: Held) -> dict[str, Any]:
    return {
        "line": check.line,
        "statement_line": check.statement_line,
        "status": check.status,
        "expected": check.expected,
        "actual": check.actual,
        "options": list(check.options),
    }


def _held(data: Any, path: str) -> Held:
    check = _mapping(data, f"a `# prints` verdict of {path}")
    options = [str(option) for option in check.get("options") or ()]
    stated = dict(option.split("=", 1) for option in options if "=" in option)
    try:
        tolerance = Tolerance(float(stated.get("abs", 0)), float(stated.get("rel", 0)))
    except ValueError:
        raise _Invalid(
            f"a `# prints` verdict of {path} has options {options}, not numbers after abs= and rel="
        ) from None
    return Held(
        line=int(_number(check, "line")),
        statement_line=int(_number(check, "statement_line")),
        status=_typed(check, "status", str),
        expected=_typed(check, "expected", str),
        actual=_typed(check, "actual", str),
        tolerance=tolerance,
        illustrative="illustrative" in options,
        online="online" in options,
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
