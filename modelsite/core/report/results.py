"""The report's types: each block's result, each page's, and the report of one check run.

A change that removes or renames a field, or changes its meaning, bumps REPORT_FORMAT (codec.py writes it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from modelsite.core.blocks import SourceRef
from modelsite.core.errors import ModelsiteError
from modelsite.core.problems import FigureProblem

REPORT_FORMAT = "modelsite-check/3"
BLOCK_STATUSES = ("passed", "failed", "skipped", "not-run", "example")
# A page's status: every block ran and passed, one failed, or the page was not started (it needs more memory
# than the machine that ran the check has; its blocks say so).
NOT_RUN = "not run"
PAGE_STATUSES = ("passed", "failed", NOT_RUN)


class ReportError(ModelsiteError):
    """A check report exists but cannot be read; the message says which file and what to do."""


@dataclass(frozen=True)
class Tolerance:
    """How far each number of an output may be from the stated one: within ABSOLUTE + RELATIVE * |stated|."""

    absolute: float = 0.0
    relative: float = 0.0

    def __bool__(self) -> bool:
        return self.absolute > 0 or self.relative > 0


@dataclass(frozen=True)
class Held:
    """One `# prints` comment's verdict: passed, failed, illustrative, or offline (not held offline), with the
    options its brackets stated (`# prints[abs=1e-4]:`)."""

    line: int
    statement_line: int
    status: str
    expected: str
    actual: str
    tolerance: Tolerance = Tolerance()
    illustrative: bool = False
    online: bool = False

    @property
    def options(self) -> tuple[str, ...]:
        """The options as the comment writes them, which is how the report's JSON keeps them."""
        flags = [name for name, on in (("illustrative", self.illustrative), ("online", self.online)) if on]
        tolerance = self.tolerance
        numbers = [
            f"{name}={value:g}" for name, value in (("abs", tolerance.absolute), ("rel", tolerance.relative)) if value
        ]
        return (*flags, *numbers)


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
    # Pages run at once, and CPU threads each page was given (0: not recorded).
    jobs: int = 0
    threads: int = 0
    # For a shard of a sweep: "K/N", and a digest of the whole split, the same in every shard of one sweep.
    shard: str = ""
    shard_plan: str = ""
    # What `--deploy` meant for this run: quick, full or skip ("": not recorded).
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
