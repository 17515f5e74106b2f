"""The fresh interpreter that runs one page: `python -m modelsite.check.interpreter SPEC RESULTS`.

SPEC and RESULTS are the numbers of two files the check opened for it (check/sandbox.py): the page's
PageSpec, and where its records go (check/protocol.py), each appended the moment it is known, so a crash,
a kill or a timeout still leaves every earlier block's result. Top-level statements run one at a time in
one namespace, as a reader pasting the page into a session would, so that the output of each
statement can be held to its `# prints:` comment.

The interpreter behaves as the reader's would:

- A failing block does not stop the page: the blocks after it run on in the same namespace (a
  reader would go on too), and their results are marked as coming after a failure.
- `sys.exit()`, `exit()` or `quit()`, whatever the code, ends the page there and fails it: the
  reader's session would end at that line. A runnable example is a script, where exit code 0
  (or None) is how a script ends well.
- Threads the page started that are still running after its last block are given
  THREAD_GRACE_SECONDS to finish, then reported by name with the block that started them, and
  the interpreter is stopped: a reader's `python page.py` would hang on them.
"""

from __future__ import annotations

import ast
import contextlib
import faulthandler
import io
import linecache
import os
import platform
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

from modelsite.check.expect import Expectation, ExpectationError, expectations, matches, normalized
from modelsite.check.protocol import (
    BlockRecord,
    DevicesRecord,
    LeftThread,
    PageSpec,
    Record,
    SpecBlock,
    StartRecord,
    ThreadsRecord,
    encode,
)
from modelsite.core.report.results import BlockError, Held

# Output kept per block in the report; a progress bar could otherwise fill it.
MAX_OUTPUT_CHARS = 20_000
# How long threads a page leaves running get to finish once its last block has.
THREAD_GRACE_SECONDS = 5.0
# The interpreter's exit status when it stops for leftover threads (its ThreadsRecord says which).
LEFTOVER_THREADS_STATUS = 3


def main(argv: list[str]) -> int:
    """ARGV: the numbers of the two files the check opened for this interpreter, the spec and the results."""
    with os.fdopen(int(argv[0]), "rb") as spec_file:
        spec = PageSpec.decode(spec_file.read())
    # Just before the check's timeout, the stack goes to stderr: a hang then names its line.
    faulthandler.dump_traceback_later(spec.dump_after, exit=False)
    with os.fdopen(int(argv[1]), "a", encoding="utf-8") as results:
        _emit(results, StartRecord(environment()))
        devices = DeviceRecorder()
        started_by = _run_blocks(spec, results)
        _emit(results, devices.record())
        leftover = _leftover_threads(THREAD_GRACE_SECONDS)
        if leftover:
            threads = tuple(LeftThread(t.name, started_by.get(t.ident or 0, 0)) for t in leftover)
            _emit(results, ThreadsRecord(THREAD_GRACE_SECONDS, threads))
            results.close()
            os._exit(LEFTOVER_THREADS_STATUS)  # A normal exit would wait for them forever.
    return 0


def _run_blocks(spec: PageSpec, results: TextIO) -> dict[int, int]:
    """Run SPEC's blocks in order in one namespace, each record written as it ends; the block each thread
    still alive was started in (thread ident -> block number)."""
    runtime = None
    if not spec.online:
        from modelsite.check.offline import install, offline_responses

        runtime = install(offline_responses(Path(spec.root)), Path(spec.cache_dir), spec.cache_cap)
    namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": __builtins__}
    # The page sees the arguments a reader's interpreter has, not the check's own files.
    sys.argv = [spec.script_path or ""] if spec.script else [""]
    if spec.script:
        namespace["__file__"] = spec.script_path
    failed_before = False
    started_by: dict[int, int] = {}
    for block in spec.blocks:
        outcome = run_block(block, namespace, online=spec.online, script=spec.script)
        record = replace(outcome.record, after_failure=failed_before)
        if runtime is not None and runtime.blocked and record.error is not None:
            record = replace(record, error=replace(record.error, blocked=tuple(sorted(set(runtime.blocked)))))
        for thread in threading.enumerate():
            started_by.setdefault(thread.ident or 0, block.number)
        _emit(results, record)
        if outcome.exited:
            break  # The reader's interpreter has ended: nothing after this line runs.
        failed_before = failed_before or record.status == "failed"
    return started_by


def _leftover_threads(grace: float) -> list[threading.Thread]:
    """Non-daemon threads still alive after GRACE seconds: what would keep `python page.py` from ending."""
    deadline = time.monotonic() + grace
    # Python's exit first runs threading's exit hooks, where concurrent.futures stops its idle workers
    # (torch.compile leaves a pool of them), and only then waits for the threads left: so do we.
    hooks = list(getattr(threading, "_threading_atexits", []))
    stopping = threading.Thread(target=lambda: [hook() for hook in reversed(hooks)], daemon=True)
    stopping.start()
    stopping.join(grace)
    for thread in threading.enumerate():
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join(max(0.0, deadline - time.monotonic()))
    return [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon and t.is_alive()]


def environment() -> dict[str, Any]:
    """Versions, the device this interpreter runs on, and the CPU threads torch was given."""
    import timm
    import torch

    cuda = torch.cuda.is_available()
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "timm": timm.__version__,
        "device": "cuda" if cuda else "cpu",
        "device_name": torch.cuda.get_device_name(0) if cuda else platform.processor() or platform.machine(),
        "threads": torch.get_num_threads(),
    }


class DeviceRecorder:
    """The devices the page's modules ran on: every module call's first tensor input, through torch's global
    forward pre-hook; and the peak GPU memory the page allocated."""

    def __init__(self) -> None:
        import torch

        self.seen: set[str] = set()
        self._torch = torch
        torch.nn.modules.module.register_module_forward_pre_hook(self._record)

    def _record(self, module: Any, inputs: tuple[Any, ...]) -> None:
        for value in inputs:
            device = getattr(value, "device", None)
            if device is not None:
                self.seen.add(device.type)
                return

    def record(self) -> DevicesRecord:
        torch = self._torch
        peak = torch.cuda.max_memory_allocated() if torch.cuda.is_available() and torch.cuda.is_initialized() else None
        return DevicesRecord(tuple(sorted(self.seen)), peak)


@dataclass
class BlockOutcome:
    """A block's record, and whether it ended the interpreter (SystemExit): the page then runs no further."""

    record: BlockRecord
    exited: bool = False


@dataclass
class _Statements:
    """What a block's statements printed and were held to so far."""

    started: float
    stdout: list[str] = field(default_factory=list)
    stderr: io.StringIO = field(default_factory=io.StringIO)
    checks: list[Held] = field(default_factory=list)


def run_block(block: SpecBlock, namespace: dict[str, Any], online: bool, script: bool = False) -> BlockOutcome:
    """Run one block's statements in NAMESPACE, one at a time, each held to its `# prints` comments."""
    code, filename = block.code, block.filename
    linecache.cache[filename] = (len(code), None, code.splitlines(keepends=True), filename)
    run = _Statements(time.perf_counter())
    try:
        tree = ast.parse(code, filename)
        stated = expectations(code)
    except SyntaxError as error:
        return _failed(block, run, BlockError("exception", error.lineno or 1, f"SyntaxError: {error.msg}"))
    except ExpectationError as error:
        return _failed(block, run, BlockError("exception", error.line, f"bad `# prints` comment: {error}"))
    for statement in tree.body:
        printed = io.StringIO()
        failure: BaseException | None = None
        exited = False
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(run.stderr):
            try:
                exec(compile(ast.Module(body=[statement], type_ignores=[]), filename, "exec"), namespace)
            except SystemExit as error:
                exited = True
                if not (script and error.code in (None, 0)):
                    failure = error
            except BaseException as error:  # Any error fails the block, reported in full.
                failure = error
        run.stdout.append(printed.getvalue())
        if failure is not None:
            return _failed(block, run, _statement_error(failure, filename, statement.lineno), exited)
        run.checks += [_held(e, printed.getvalue(), online) for e in stated if e.statement_start == statement.lineno]
        if exited:  # A script that ends with status 0: as `python script.py` would.
            return BlockOutcome(_record(block, run, "passed"), exited=True)
    return BlockOutcome(_record(block, run, "passed"))


def _statement_error(failure: BaseException, filename: str, statement_line: int) -> BlockError:
    line, trace = _error_line(failure, filename, statement_line)
    if isinstance(failure, SystemExit):
        return BlockError(
            "exit",
            line,
            f"sys.exit({failure.code!r}) ends the page here: a reader's interpreter would quit at this line and "
            "run none of what follows; remove the exit",
            trace,
        )
    return BlockError("exception", line, f"{type(failure).__name__}: {failure}", trace)


def _record(block: SpecBlock, run: _Statements, status: str, error: BlockError | None = None) -> BlockRecord:
    failed = status == "failed" or any(check.status == "failed" for check in run.checks)
    return BlockRecord(
        number=block.number,
        status="failed" if failed else "passed",
        seconds=round(time.perf_counter() - run.started, 4),
        stdout=_clip("".join(run.stdout)),
        stderr=_clip(run.stderr.getvalue()),
        checks=tuple(run.checks),
        error=error,
    )


def _failed(block: SpecBlock, run: _Statements, error: BlockError, exited: bool = False) -> BlockOutcome:
    return BlockOutcome(_record(block, run, "failed", error), exited=exited)


def _held(expectation: Expectation, printed: str, online: bool) -> Held:
    """One `# prints` comment's verdict: passed, failed, illustrative, or not held offline."""
    if expectation.online and not online:
        status = "offline"  # Needs the released weights; reported, never counted as passed.
    elif matches(expectation, printed):
        status = "illustrative" if expectation.illustrative else "passed"
    else:
        status = "failed"
    return Held(
        line=expectation.comment_line,
        statement_line=expectation.statement_start,
        status=status,
        expected=normalized(expectation.text),
        actual=normalized(printed),
        tolerance=expectation.tolerance,
        illustrative=expectation.illustrative,
        online=expectation.online,
    )


def _error_line(error: BaseException, filename: str, fallback: int) -> tuple[int, str]:
    """The deepest line of the block in the traceback, and the block's own frames with the error."""
    frames = traceback.extract_tb(error.__traceback__)
    in_block = [frame for frame in frames if frame.filename == filename]
    line = in_block[-1].lineno if in_block else fallback
    # The reader's code and the error it met; library frames between them are noise here.
    shown = in_block + ([frames[-1]] if frames and frames[-1].filename != filename else [])
    trace = "".join(traceback.format_list(shown[-6:])) + "".join(traceback.format_exception_only(error))
    return line or fallback, trace


def _clip(text: str) -> str:
    return text if len(text) <= MAX_OUTPUT_CHARS else text[:MAX_OUTPUT_CHARS] + "\n[... output clipped]\n"


def _emit(results: TextIO, record: Record) -> None:
    results.write(encode(record) + "\n")
    results.flush()
    os.fsync(results.fileno())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
