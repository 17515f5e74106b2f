"""Run a page in a fresh interpreter and turn what happened into a `PageResult`.

Each page gets its own subprocess, process group and working folder, and an environment made of
an allow-list (modelsite.core.environment): the caller's variables it names, those named with
`--pass-env`, and what the check sets itself. Where the machine allows it (util-linux `unshare`,
user namespaces), the interpreter also runs in a PID namespace of its own, so that it cannot read
any other process's environment through /proc either. A page cannot read, print or publish any
other variable of the runner, such as a CI secret.

A timeout kills the process group; a crash (segfault, abort, the kernel killing it for memory)
fails the page with the signal named, and `faulthandler` output tells which block line was
running. Either way the blocks that finished before keep their results, and the other pages run
on. Whatever the page leaves running in its process group is killed when its interpreter ends.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from modelsite.core.blocks import CodeBlock, Page, code_digest
from modelsite.core.environment import PASSED_VARIABLES, SET_VARIABLES
from modelsite.core.report.results import BlockError, BlockResult, Held, PageResult

DEFAULT_TIMEOUT = 600.0
# faulthandler dumps the stack this long before the timeout, so a hang names its line.
_DUMP_MARGIN = 2.0


# What torch (intra-op), OpenMP, MKL and OpenBLAS read for their number of threads (see SET_VARIABLES).
THREAD_VARIABLES = tuple(name for name in SET_VARIABLES if name.endswith("_NUM_THREADS"))


@dataclass(frozen=True)
class RunOptions:
    """How pages run: where, for how long, and with or without the network."""

    root: Path
    cache_dir: Path
    device: str = "cpu"
    timeout: float = DEFAULT_TIMEOUT
    online: bool = False
    # Variables of the caller's environment handed on to pages beyond the allow-list (`--pass-env`).
    pass_env: tuple[str, ...] = ()
    # CPU threads each page's torch, OpenMP and MKL may use: the machine's cores shared among the jobs.
    threads: int = 1


def run_page(page: Page, options: RunOptions) -> PageResult:
    """Run PAGE's blocks in order in a new interpreter."""
    started = time.perf_counter()
    if not page.runnable_blocks:
        # Only excluded blocks and embedded examples: nothing to start an interpreter for.
        return _page_result(page, [], _Ending(None, None, ""), 0.0, options.device)
    with tempfile.TemporaryDirectory(prefix="modelsite-check-") as work:
        spec_path, results_path = Path(work) / "spec.json", Path(work) / "results.jsonl"
        spec_path.write_text(json.dumps(_spec(page, options)), encoding="utf-8")
        workdir = Path(work) / "cwd"
        workdir.mkdir()
        # Files, not pipes: a process the page leaves behind could hold a pipe open past the timeout.
        # The interpreter gets the spec and the results as open files, not paths: in its namespace the
        # check's folder (in the machine's /tmp) is out of its sight.
        stderr_path = Path(work) / "stderr.txt"
        with (
            open(stderr_path, "wb") as stderr_file,
            open(spec_path, "rb") as spec_file,
            open(results_path, "ab") as results_file,
        ):
            channels = (spec_file.fileno(), results_file.fileno())
            process = subprocess.Popen(
                isolation().wrap(
                    needed_folders(options),
                    [sys.executable, "-X", "faulthandler", "-m", "modelsite.check.child", *map(str, channels)],
                ),
                cwd=workdir,
                env=child_environment(options),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr_file,
                start_new_session=True,
                pass_fds=channels,
            )
            timed_out = False
            try:
                process.wait(timeout=options.timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
                _kill_group(process)
                process.wait()
            _kill_group(process)  # Whatever the page started and left running.
        stderr = stderr_path.read_text(encoding="utf-8", errors="replace")
        records = _records(results_path)
    ending = _ending(process.returncode, timed_out, options.timeout, stderr, page, records)
    return _page_result(page, records, ending, time.perf_counter() - started, options.device)


@dataclass(frozen=True)
class Isolation:
    """How a page's interpreter is kept from seeing the rest of the machine's processes."""

    # The command that wraps the interpreter (empty: none); the folders to keep in sight follow it, then `--`.
    command: tuple[str, ...]
    # What the report and the summary say of it.
    description: str

    def wrap(self, folders: list[Path], argv: list[str]) -> list[str]:
        """ARGV run inside the isolation, with FOLDERS (the project, the interpreter's) still in sight."""
        if not self.command:
            return argv
        return [*self.command, *dict.fromkeys(str(folder.resolve()) for folder in folders), "--", *argv]


# User, PID and mount namespaces of its own: the page's /proc shows only its own processes, so it cannot read
# the environment of the check, of CI's shell or of any other process through /proc/PID/environ; and its /tmp
# is its own, empty, so it cannot reach another page's run. It starts in /tmp/page. (Mapped to root inside
# the namespace, which only that needs: mounting the page's /tmp. Outside it stays the caller's user.)
# What the interpreter needs that may itself lie under /tmp (a CI checkout, a test's copy, a virtual environment
# there) stays reachable: the old /tmp is bound aside in /dev/shm, each such folder alone is bound back into the
# new /tmp, and the aside is removed. The folders come first, then `--`, then the command.
_ISOLATED_SHELL = """keep=$(mktemp -d /dev/shm/modelsite-tmp.XXXXXX) && mount --bind /tmp "$keep" &&
mount -t tmpfs tmpfs /tmp || exit 97
while [ "$1" != "--" ]; do
  case "$1" in
    /tmp/*) mkdir -p "$1" && mount --bind "$keep${1#/tmp}" "$1" || exit 97 ;;
  esac
  shift
done
shift
umount -l "$keep" && rmdir "$keep" && mkdir -p /tmp/page && cd /tmp/page && exec "$@"
"""
_UNSHARE = (
    "unshare",
    "--user",
    "--map-root-user",
    "--pid",
    "--fork",
    "--kill-child",
    "--mount-proc",
    "sh",
    "-c",
    _ISOLATED_SHELL,
    "sh",
)


@functools.cache
def isolation() -> Isolation:
    """The isolation this machine allows, found once: util-linux unshare where user namespaces work."""
    if shutil.which("unshare"):
        try:
            probe = subprocess.run([*_UNSHARE, "--", "true"], capture_output=True, timeout=20)
            if probe.returncode == 0:
                return Isolation(_UNSHARE, "own PID namespace and /tmp")
            why = probe.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["unshare failed"]
        except (OSError, subprocess.TimeoutExpired) as error:
            why = [str(error)]
        return Isolation((), f"none ({why[0]}): a page can read other processes' environments through /proc")
    return Isolation((), "none (no unshare command): a page can read other processes' environments through /proc")


def _spec(page: Page, options: RunOptions) -> dict[str, Any]:
    return {
        "page": page.name,
        "online": options.online,
        "root": str(options.root),
        "cache_dir": str(options.cache_dir),
        "script": page.script,
        "script_path": str(options.root / page.path) if page.script else None,
        "dump_after": max(options.timeout - _DUMP_MARGIN, options.timeout * 0.9),
        "blocks": [
            {"number": b.number, "code": b.code, "filename": block_filename(page, b)} for b in page.runnable_blocks
        ],
    }


def needed_folders(options: RunOptions) -> list[Path]:
    """What a page's interpreter reads: the project, its cache, this package, and Python's own prefixes."""
    options.cache_dir.mkdir(parents=True, exist_ok=True)  # Bound into the page's view, so it must exist.
    folders = [
        options.root,
        options.cache_dir,
        Path(__file__).resolve().parents[2],
        Path(sys.prefix),
        Path(sys.base_prefix),
        Path(sys.executable).parent,
    ]
    return [folder for folder in folders if folder.is_dir()]


def cpu_only_under_cuda(device: str, devices: dict[str, Any] | None) -> str | None:
    """Why a page fails when, checked on a GPU, it ran every model on the CPU; None when it did not."""
    # Meta tensors (counting FLOPs without memory) are no reader's hardware: only the CPU counts against a page.
    ran = (devices or {}).get("model_devices") or []
    if device != "cuda" or "cpu" not in ran or "cuda" in ran:
        return None
    return (
        "under --device cuda every model of this page ran on the CPU: a reader with a GPU would not use it. "
        'Move the model and its inputs to the device: device = "cuda" if torch.cuda.is_available() else "cpu", '
        "then model.to(device) and batch.to(device)"
    )


def block_filename(page: Page, block: CodeBlock) -> str:
    """What tracebacks show as the file of a block: the page and the block's number."""
    return page.path if page.script else f"{page.name}, block {block.number}"


def child_environment(options: RunOptions, caller: dict[str, str] | None = None) -> dict[str, str]:
    """The environment a page runs with: the allow-listed part of CALLER's (os.environ), and ours."""
    caller = dict(os.environ) if caller is None else caller
    environment = {
        name: value for name, value in caller.items() if name in PASSED_VARIABLES or name in options.pass_env
    }
    if options.device == "cpu":
        environment["CUDA_VISIBLE_DEVICES"] = ""  # cpu hides every GPU from the page.
    # Pages run side by side: each gets its share of the cores, or they oversubscribe the machine.
    for name in THREAD_VARIABLES:
        environment[name] = str(options.threads)
    environment["MPLBACKEND"] = "Agg"
    environment["TORCHINDUCTOR_CACHE_DIR"] = str(options.cache_dir / "inductor")
    environment["PYTHONUNBUFFERED"] = "1"
    environment["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(Path(__file__).resolve().parents[2]), caller.get("PYTHONPATH", "")])
    )
    return environment


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):  # Nothing left in the group.
        os.killpg(process.pid, signal.SIGKILL)


def _records(path: Path) -> list[dict[str, Any]]:
    """Every complete line the page wrote; a line cut short by a kill is dropped."""
    if not path.is_file():
        return []
    records = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        with contextlib.suppress(json.JSONDecodeError):
            records.append(json.loads(line))
    return records


@dataclass(frozen=True)
class _Ending:
    """Why the interpreter stopped early, and the block line it was on, when it did."""

    reason: str | None
    line: int | None
    trace: str
    # The problem came after every block had run (threads left running), not in one of them.
    after_blocks: bool = False


def _ending(
    returncode: int, timed_out: bool, timeout: float, stderr: str, page: Page, records: list[dict[str, Any]]
) -> _Ending:
    trace = _faulthandler_trace(stderr)
    line = _last_block_line(trace or stderr, page)
    threads = next((r for r in records if r.get("event") == "threads"), None)
    if threads is not None:
        names = ", ".join(f"{t['name']!r} (started in block {t['block']})" for t in threads["threads"])
        return _Ending(
            f"the last block finished, but threads it started still ran {threads['grace']:g} s later: "
            f"{names}; they were stopped. A reader's `python` would wait for them forever: join them, "
            "or make them daemon threads",
            None,
            "",
            after_blocks=True,
        )
    if timed_out:
        return _Ending(
            f"timed out after {timeout:g} s; the page's interpreter was stopped "
            "(raise --timeout if the page is only slow)",
            line,
            trace,
        )
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
    runner = f"{Path(__file__).resolve().parent}{os.sep}child.py"
    shown = [frame for frame in frames if runner not in frame and "<frozen runpy>" not in frame]
    return "stack when it stopped (innermost first):\n" + "\n".join(shown) if shown else ""


def _last_block_line(text: str, page: Page) -> int | None:
    """The line of the page's code that the dump or traceback names last (innermost frame first in dumps)."""
    pattern = re.compile(rf'File "{re.escape(page.name)}(?:, block \d+)?", line (\d+)')
    lines = pattern.findall(text)
    return int(lines[0]) if lines else None


def forged(records: list[dict[str, Any]]) -> str | None:
    """What in RECORDS the check cannot have written, or None. The interpreter writes one start record, one
    record per block, then one devices record and at most one threads record: anything else came from the
    page's own code, which can find the channel among its open files."""
    events = [record.get("event") for record in records]
    numbers = [record.get("number") for record in records if record.get("event") == "block"]
    if len(numbers) != len(set(numbers)):
        return "a block reported twice"
    for event in ("start", "devices", "threads"):
        if events.count(event) > 1:
            return f"{event} reported twice"
    if "devices" in events and "block" in events[events.index("devices") :]:
        return "devices reported before a block ended"
    return None


def _page_result(page: Page, records: list[dict[str, Any]], ending: _Ending, seconds: float, device: str) -> PageResult:
    environment = next((r for r in records if r.get("event") == "start"), {})
    environment = {k: v for k, v in environment.items() if k != "event"}
    devices = next((r for r in records if r.get("event") == "devices"), None)
    forgery = forged(records)
    if forgery:
        # Nothing the page may have written is believed: not its blocks' verdicts, not the devices it ran on.
        ending = _Ending(
            f"the page wrote to the check's own results ({forgery}): its results cannot be trusted",
            None,
            "",
            after_blocks=True,
        )
        devices = None
    if environment:
        environment["isolation"] = isolation().description
    if devices is not None:
        environment["model_devices"] = list(devices["model_devices"])
        environment["peak_gpu_memory_bytes"] = devices["peak_gpu_memory_bytes"]
    by_number = {r["number"]: r for r in records if r.get("event") == "block"}
    if forgery:
        by_number = {}
    blocks: list[BlockResult] = []
    # Once the interpreter has ended (sys.exit, a crash, the timeout), later blocks did not run.
    stopped = ending_shown = False
    for block in page.blocks:
        # What every result of this block says, whatever happened to it.
        base = BlockResult(
            number=block.number,
            status="not-run",
            markdown_line=block.markdown_line,
            source=block.source,
            position=block.number,
            example=block.example,
            code_sha256=code_digest(block.code),
        )
        if block.example:
            blocks.append(replace(base, status="example"))
            continue
        if block.skipped and block.skip_reason:
            blocks.append(replace(base, status="skipped", skip_reason=block.skip_reason))
            continue
        if block.skipped:
            blocks.append(
                replace(
                    base,
                    status="failed",
                    error=BlockError(
                        kind="marker",
                        line=0,
                        message="the no-check marker gives no reason; write why the block is "
                        "excluded: <!-- modelsite: no-check REASON -->",
                    ),
                )
            )
            continue
        record = by_number.get(block.number)
        if record is not None:
            error = record["error"]
            blocks.append(
                replace(
                    base,
                    status=record["status"],
                    seconds=record.get("seconds", 0.0),
                    stdout=record["stdout"],
                    stderr=record["stderr"],
                    checks=tuple(Held(**{**check, "options": tuple(check["options"])}) for check in record["checks"]),
                    error=None
                    if error is None
                    else BlockError(**{**error, "blocked": tuple(error.get("blocked", ()))}),
                    after_failure=bool(record.get("after_failure")),
                )
            )
            stopped = stopped or (error or {}).get("kind") == "exit"
        elif not stopped:
            reason = ending.reason or "the page's interpreter ended before this block finished"
            blocks.append(
                replace(
                    base,
                    status="failed",
                    error=BlockError(kind="interpreter", line=ending.line or 0, message=reason, traceback=ending.trace),
                )
            )
            stopped = ending_shown = True
        else:
            blocks.append(base)
    if ending.reason and not ending_shown:
        # The interpreter failed outside every block (at start-up, or threads left running after the
        # last one): the page fails as a whole.
        blocks.append(
            BlockResult(
                number=0,
                status="failed",
                error=BlockError(
                    kind="threads" if ending.after_blocks else "interpreter",
                    line=0,
                    message=ending.reason,
                    traceback=ending.trace,
                ),
            )
        )
    stranded = cpu_only_under_cuda(device, devices)
    if stranded:
        blocks.append(BlockResult(number=0, status="failed", error=BlockError(kind="device", line=0, message=stranded)))
    failed = any(b.status == "failed" for b in blocks)
    return PageResult(
        path=page.path,
        status="failed" if failed else "passed",
        seconds=round(seconds, 3),
        blocks=tuple(blocks),
        environment=environment,
        generated=page.generated,
        script=page.script,
        ran_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
