"""Run a page in a fresh interpreter and turn what happened into a `PageResult`.

Each page gets its own subprocess and working folder. A timeout kills the process group; a
crash (segfault, abort, the kernel killing it for memory) fails the page with the signal
named, and `faulthandler` output tells which block line was running. Either way the blocks
that finished before keep their results, and the other pages run on.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from modelsite.check.blocks import CodeBlock, Page, SourceRef, run_name

DEFAULT_TIMEOUT = 600.0
# faulthandler dumps the stack this long before the timeout, so a hang names its line.
_DUMP_MARGIN = 2.0


@dataclass(frozen=True)
class BlockResult:
    """One block's outcome: passed, failed, skipped (excluded on purpose), example (runs alone) or not-run."""

    number: int
    status: str
    seconds: float = 0.0
    stdout: str = ""
    stderr: str = ""
    checks: tuple[dict[str, Any], ...] = ()
    error: dict[str, Any] | None = None
    markdown_line: int = 0
    source: SourceRef | None = None
    skip_reason: str | None = None
    # Where the block sits among the page's Python blocks, and a digest of its text: how the
    # build finds, on a later build, the output that belongs under a block it still shows.
    position: int = 0
    code_sha256: str = ""
    example: str | None = None


@dataclass(frozen=True)
class PageResult:
    """A page's blocks, and how its interpreter ended."""

    path: str
    status: str
    seconds: float
    blocks: tuple[BlockResult, ...]
    environment: dict[str, Any] = field(default_factory=dict)
    generated: bool = False
    script: bool = False
    cached: bool = False
    variant: str | None = None
    # When the blocks ran (UTC, ISO 8601); a result reused from the cache keeps its own date.
    ran_at: str = ""

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    @property
    def name(self) -> str:
        return run_name(self.path, self.variant)


@dataclass(frozen=True)
class RunOptions:
    """How pages run: where, for how long, and with or without the network."""

    root: Path
    cache_dir: Path
    device: str = "cpu"
    timeout: float = DEFAULT_TIMEOUT
    online: bool = False


def run_page(page: Page, options: RunOptions) -> PageResult:
    """Run PAGE's blocks in order in a new interpreter."""
    started = time.perf_counter()
    if not page.runnable_blocks:
        # Only excluded blocks and embedded examples: nothing to start an interpreter for.
        return _page_result(page, [], _Ending(None, None, ""), 0.0)
    with tempfile.TemporaryDirectory(prefix="modelsite-check-") as work:
        spec_path, results_path = Path(work) / "spec.json", Path(work) / "results.jsonl"
        spec_path.write_text(json.dumps(_spec(page, options)), encoding="utf-8")
        workdir = Path(work) / "cwd"
        workdir.mkdir()
        process = subprocess.Popen(
            [sys.executable, "-X", "faulthandler", "-m", "modelsite.check.runner", str(spec_path), str(results_path)],
            cwd=workdir, env=_child_environment(options), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        timed_out = False
        try:
            _, stderr = process.communicate(timeout=options.timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_group(process)
            _, stderr = process.communicate()
        records = _records(results_path)
    ending = _ending(process.returncode, timed_out, options.timeout, stderr.decode(errors="replace"), page)
    return _page_result(page, records, ending, time.perf_counter() - started)


def _spec(page: Page, options: RunOptions) -> dict[str, Any]:
    return {
        "page": page.name,
        "online": options.online,
        "root": str(options.root),
        "cache_dir": str(options.cache_dir),
        "script": page.script,
        "script_path": str(options.root / page.path) if page.script else None,
        "dump_after": max(options.timeout - _DUMP_MARGIN, options.timeout * 0.9),
        "blocks": [{"number": b.number, "code": b.code, "filename": block_filename(page, b)}
                   for b in page.runnable_blocks],
    }


def block_filename(page: Page, block: CodeBlock) -> str:
    """What tracebacks show as the file of a block: the page and the block's number."""
    return page.path if page.script else f"{page.name}, block {block.number}"


def _child_environment(options: RunOptions) -> dict[str, str]:
    environment = dict(os.environ)
    if options.device == "cpu":
        environment["CUDA_VISIBLE_DEVICES"] = ""  # cpu hides every GPU from the page.
    environment["MPLBACKEND"] = "Agg"
    environment["PYTHONUNBUFFERED"] = "1"
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[2]),
                                                              environment.get("PYTHONPATH", "")]))
    return environment


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _records(path: Path) -> list[dict[str, Any]]:
    """Every complete line the page wrote; a line cut short by a kill is dropped."""
    if not path.is_file():
        return []
    records = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            pass
    return records


@dataclass(frozen=True)
class _Ending:
    """Why the interpreter stopped early, and the block line it was on, when it did."""

    reason: str | None
    line: int | None
    trace: str


def _ending(returncode: int, timed_out: bool, timeout: float, stderr: str, page: Page) -> _Ending:
    trace = _faulthandler_trace(stderr)
    line = _last_block_line(trace or stderr, page)
    if timed_out:
        return _Ending(f"timed out after {timeout:g} s; the page's interpreter was stopped "
                       "(raise --timeout if the page is only slow)", line, trace)
    if returncode < 0:
        name = signal.Signals(-returncode).name
        why = " (most often the kernel ending it for lack of memory)" if name == "SIGKILL" else ""
        return _Ending(f"the page's interpreter crashed: killed by {name}{why}", line, trace)
    if returncode != 0:
        tail = "\n".join(stderr.strip().splitlines()[-12:])
        return _Ending(f"the page's interpreter exited with status {returncode}", line, tail)
    return _Ending(None, None, "")


def _faulthandler_trace(stderr: str) -> str:
    """The frames of the last stack dump faulthandler wrote, without the runner's own frames."""
    start = max(stderr.rfind("Thread 0x"), stderr.rfind("Current thread"))
    if start < 0:
        return ""
    frames = [line.strip() for line in stderr[start:].splitlines()[1:] if line.strip().startswith("File ")]
    runner = f"{Path(__file__).resolve().parent}{os.sep}runner.py"
    shown = [frame for frame in frames if runner not in frame and "<frozen runpy>" not in frame]
    return "stack when it stopped (innermost first):\n" + "\n".join(shown) if shown else ""


def _last_block_line(text: str, page: Page) -> int | None:
    """The line of the page's code that the dump or traceback names last (innermost frame first in dumps)."""
    pattern = re.compile(rf'File "{re.escape(page.name)}(?:, block \d+)?", line (\d+)')
    lines = pattern.findall(text)
    return int(lines[0]) if lines else None


def _page_result(page: Page, records: list[dict[str, Any]], ending: _Ending, seconds: float) -> PageResult:
    environment = next((r for r in records if r.get("event") == "start"), {})
    environment = {k: v for k, v in environment.items() if k != "event"}
    by_number = {r["number"]: r for r in records if r.get("event") == "block"}
    blocks: list[BlockResult] = []
    stopped = False
    for block in page.blocks:
        common = {"number": block.number, "markdown_line": block.markdown_line, "source": block.source,
                  "position": block.position, "example": block.example,
                  "code_sha256": code_digest(block.code)}
        if block.example:
            blocks.append(BlockResult(status="example", **common))
            continue
        if block.skipped and block.skip_reason:
            blocks.append(BlockResult(status="skipped", skip_reason=block.skip_reason, **common))
            continue
        if block.skipped:
            blocks.append(BlockResult(status="failed", error={
                "kind": "marker", "line": 0, "traceback": "",
                "message": "the no-check marker gives no reason; write why the block is excluded: "
                           "<!-- modelsite: no-check REASON -->"}, **common))
            continue
        record = by_number.get(block.number)
        if record is not None:
            blocks.append(BlockResult(status=record["status"], seconds=record.get("seconds", 0.0),
                                      stdout=record["stdout"], stderr=record["stderr"],
                                      checks=tuple(record["checks"]), error=record["error"], **common))
            stopped = stopped or record["error"] is not None
        elif not stopped:
            reason = ending.reason or "the page's interpreter ended before this block finished"
            blocks.append(BlockResult(status="failed", error={
                "kind": "interpreter", "line": ending.line or 0, "message": reason,
                "traceback": ending.trace}, **common))
            stopped = True
        else:
            blocks.append(BlockResult(status="not-run", **common))
    failed = any(b.status == "failed" for b in blocks) or (ending.reason is not None and not stopped)
    if ending.reason and not stopped:
        # The interpreter died outside any block (at start-up): the page fails as a whole.
        blocks.append(BlockResult(number=0, status="failed", error={
            "kind": "interpreter", "line": 0, "message": ending.reason, "traceback": ending.trace}))
    return PageResult(path=page.path, status="failed" if failed else "passed", seconds=round(seconds, 3),
                      blocks=tuple(blocks), environment=environment, generated=page.generated, script=page.script,
                      variant=page.variant, ran_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))


def code_digest(code: str) -> str:
    """How a block's text is recognised on a later build: trailing newlines do not count."""
    return hashlib.sha256((code.rstrip("\n") + "\n").encode()).hexdigest()


def as_cached(result: PageResult) -> PageResult:
    return replace(result, cached=True)
