"""One page's run: its blocks handed to a fresh interpreter (check/sandbox.py), and what came back turned into a
`PageResult`.

A timeout or a crash (segfault, abort, the kernel killing it for memory) fails the page with the cause named,
and `faulthandler` output tells which block line was running; the blocks that finished before keep their
results, and the other pages run on. Records the check cannot have written fail the page (forged()); page code
in that interpreter can still write a whole consistent run, which docs/checking.md says.
"""

from __future__ import annotations

import signal
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from modelsite.check.devices import cpu_only_under_cuda
from modelsite.check.protocol import (
    BlockRecord,
    DevicesRecord,
    PageSpec,
    Record,
    SpecBlock,
    StartRecord,
    ThreadsRecord,
)
from modelsite.check.resources import gib
from modelsite.check.sandbox import RunOptions, isolation, run_interpreter
from modelsite.core.blocks import CodeBlock, Page, block_label, code_digest, traceback_lines
from modelsite.core.report.results import NOT_RUN, BlockError, BlockResult, PageResult

# faulthandler dumps the stack this long before the timeout, so a hang names its line.
_DUMP_MARGIN = 2.0
# The file of the interpreter, whose own frames a stack dump leaves out.
_INTERPRETER_FILE = str(Path(__file__).resolve().parent / "interpreter.py")


def run_page(page: Page, options: RunOptions) -> PageResult:
    """Run PAGE's blocks in order in a new interpreter."""
    started = time.perf_counter()
    if not page.runnable_blocks:
        # Only excluded blocks and embedded examples: nothing to start an interpreter for.
        return page_result(page, [], Ending(None, None, ""), 0.0, options.device)
    run = run_interpreter(page_spec(page, options), options)
    ending = interpreter_ending(run.returncode, run.timed_out, options.timeout, run.stderr, page, run.records)
    return page_result(page, run.records, ending, time.perf_counter() - started, options.device, run.unreadable)


def too_large_result(page: Page, need: int, have: int) -> PageResult:
    """PAGE, not started: it needs NEED bytes (estimated, modelsite.check.resources), more than the HAVE bytes
    this check may use. Its blocks say why, and where it is checked instead."""
    reason = (
        f"it needs {gib(need)} of memory (estimated from its models' figures) and this runner has {gib(have)}; "
        "the GPU runner, with its memory, checks it"
    )
    blocks = tuple(
        replace(_unrun(block), status="example" if block.example else "skipped", skip_reason=reason)
        for block in page.blocks
    )
    return PageResult(
        path=page.path,
        status=NOT_RUN,
        seconds=0.0,
        blocks=blocks,
        generated=page.generated,
        script=page.script,
        ran_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def page_spec(page: Page, options: RunOptions) -> PageSpec:
    return PageSpec(
        page=page.path,
        online=options.online,
        root=str(options.root),
        cache_dir=str(options.cache_dir),
        cache_cap=options.cache_cap,
        script=page.script,
        script_path=str(options.root / page.path) if page.script else None,
        dump_after=max(options.timeout - _DUMP_MARGIN, options.timeout * 0.9),
        blocks=tuple(
            SpecBlock(block.number, block.code, block_label(page.path, block.number, page.script))
            for block in page.runnable_blocks
        ),
    )


@dataclass(frozen=True)
class Ending:
    """Why the interpreter stopped early, and the block line it was on, when it did."""

    reason: str | None
    line: int | None
    trace: str
    # The problem came after every block had run (threads left running), not in one of them.
    after_blocks: bool = False


_UNREADABLE = "a line that is no record of the check's"
_UNTRUSTED = "its results cannot be trusted"


def interpreter_ending(
    returncode: int, timed_out: bool, timeout: float, stderr: str, page: Page, records: list[Record]
) -> Ending:
    trace = _faulthandler_trace(stderr)
    lines = traceback_lines(trace or stderr, page.path)
    line = lines[0] if lines else None
    threads = next((r for r in records if isinstance(r, ThreadsRecord)), None)
    if threads is not None:
        names = ", ".join(f"{t.name!r} (started in block {t.block})" for t in threads.threads)
        return Ending(
            f"the last block finished, but threads it started still ran {threads.grace:g} s later: "
            f"{names}; they were stopped. A reader's `python` would wait for them forever: join them, "
            "or make them daemon threads",
            None,
            "",
            after_blocks=True,
        )
    if timed_out:
        return Ending(
            f"timed out after {timeout:g} s; the page's interpreter was stopped (raise --timeout if the page is only "
            "slow)",
            line,
            trace,
        )
    if returncode < 0:
        name = signal.Signals(-returncode).name
        why = " (most often the kernel ending it for lack of memory)" if name == "SIGKILL" else ""
        return Ending(f"the page's interpreter crashed: killed by {name}{why}", line, trace)
    if returncode != 0:
        tail = "\n".join(stderr.strip().splitlines()[-12:])
        return Ending(f"the page's interpreter exited with status {returncode}", line, tail)
    return Ending(None, None, "")


def _faulthandler_trace(stderr: str) -> str:
    """The frames of the last stack dump faulthandler wrote, without the interpreter's own frames."""
    start = max(stderr.rfind("Thread 0x"), stderr.rfind("Current thread"))
    if start < 0:
        return ""
    frames = [line.strip() for line in stderr[start:].splitlines()[1:] if line.strip().startswith("File ")]
    shown = [frame for frame in frames if _INTERPRETER_FILE not in frame and "<frozen runpy>" not in frame]
    return "stack when it stopped (innermost first):\n" + "\n".join(shown) if shown else ""


def forged(records: list[Record], unreadable: int = 0) -> str | None:
    """What in RECORDS (and the UNREADABLE lines beside them) the check cannot have written, or None. The
    interpreter writes one start record, one record per block, then one devices record and at most one threads
    record: anything else came from the page's own code, which can find the channel among its open files."""
    if unreadable:
        return _UNREADABLE
    kinds = [type(record) for record in records]
    numbers = [record.number for record in records if isinstance(record, BlockRecord)]
    if len(numbers) != len(set(numbers)):
        return "a block reported twice"
    for kind, name in ((StartRecord, "start"), (DevicesRecord, "devices"), (ThreadsRecord, "threads")):
        if kinds.count(kind) > 1:
            return f"{name} reported twice"
    if DevicesRecord in kinds and BlockRecord in kinds[kinds.index(DevicesRecord) :]:
        return "devices reported before a block ended"
    return None


def page_result(
    page: Page, records: list[Record], ending: Ending, seconds: float, device: str, unreadable: int = 0
) -> PageResult:
    """PAGE's result from the RECORDS its interpreter wrote (and the UNREADABLE lines beside them) and how it
    ENDED."""
    start = next((r for r in records if isinstance(r, StartRecord)), None)
    devices = next((r for r in records if isinstance(r, DevicesRecord)), None)
    by_number = {r.number: r for r in records if isinstance(r, BlockRecord)}
    forgery = forged(records, unreadable)
    if forgery:
        # Nothing the page may have written is believed: not its blocks' verdicts, not the devices it ran on.
        ending = Ending(f"the page wrote to the check's own results ({forgery}): {_UNTRUSTED}", None, "", True)
        devices, by_number = None, {}
    environment = dict(start.environment) if start else {}
    if environment:
        environment["isolation"] = isolation().description
    if devices is not None:
        environment["model_devices"] = list(devices.model_devices)
        environment["peak_gpu_memory_bytes"] = devices.peak_gpu_memory_bytes
    blocks = _block_results(page, by_number, ending)
    stranded = cpu_only_under_cuda(device, devices.model_devices if devices else ())
    if stranded:
        blocks.append(BlockResult(number=0, status="failed", error=BlockError(kind="device", line=0, message=stranded)))
    return PageResult(
        path=page.path,
        status="failed" if any(block.status == "failed" for block in blocks) else "passed",
        seconds=round(seconds, 3),
        blocks=tuple(blocks),
        environment=environment,
        generated=page.generated,
        script=page.script,
        ran_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def _block_results(page: Page, by_number: dict[int, BlockRecord], ending: Ending) -> list[BlockResult]:
    """Each block of PAGE as its record says, or as the interpreter's ending left it; then the page's own
    failure when the interpreter failed outside every block."""
    blocks: list[BlockResult] = []
    # Once the interpreter has ended (sys.exit, a crash, the timeout), later blocks did not run.
    stopped = ending_shown = False
    for block in page.blocks:
        base = _unrun(block)
        record = by_number.get(block.number)
        if block.example or block.skipped:
            blocks.append(_not_for_running(block, base))
        elif record is not None:
            blocks.append(_from_record(base, record))
            stopped = stopped or (record.error is not None and record.error.kind == "exit")
        elif not stopped:
            reason = ending.reason or "the page's interpreter ended before this block finished"
            error = BlockError(kind="interpreter", line=ending.line or 0, message=reason, traceback=ending.trace)
            blocks.append(replace(base, status="failed", error=error))
            stopped = ending_shown = True
        else:
            blocks.append(base)
    if ending.reason and not ending_shown:
        # The interpreter failed outside every block (at start-up, or threads left running after the
        # last one): the page fails as a whole.
        kind = "threads" if ending.after_blocks else "interpreter"
        error = BlockError(kind=kind, line=0, message=ending.reason, traceback=ending.trace)
        blocks.append(BlockResult(number=0, status="failed", error=error))
    return blocks


def _unrun(block: CodeBlock) -> BlockResult:
    """What every result of BLOCK says, whatever happened to it."""
    return BlockResult(
        number=block.number,
        status="not-run",
        markdown_line=block.markdown_line,
        source=block.source,
        position=block.number,
        example=block.example,
        code_sha256=code_digest(block.code),
    )


def _not_for_running(block: CodeBlock, base: BlockResult) -> BlockResult:
    """An embedded example (it runs alone, as its file), a block excluded with its reason, or one whose
    exclusion marker gives none, which fails."""
    if block.example:
        return replace(base, status="example")
    if block.skip_reason:
        return replace(base, status="skipped", skip_reason=block.skip_reason)
    message = (
        "the no-check marker gives no reason; write why the block is excluded: <!-- modelsite: no-check REASON -->"
    )
    return replace(base, status="failed", error=BlockError(kind="marker", line=0, message=message))


def _from_record(base: BlockResult, record: BlockRecord) -> BlockResult:
    return replace(
        base,
        status=record.status,
        seconds=record.seconds,
        stdout=record.stdout,
        stderr=record.stderr,
        checks=record.checks,
        error=record.error,
        after_failure=record.after_failure,
    )
